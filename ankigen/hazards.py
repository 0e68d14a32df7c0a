"""Client hazards in rendered fields: what AnkiDroid, AnkiMobile or Anki desktop get wrong.

Run by `ankigen validate` over the notes the default recipe renders, by `build` before it writes
and by `check` on every note it makes. Each hazard is reported
with the item's file:line, the field and what to change:
- inline <svg> in a field (AnkiDroid shows figures only as images);
- HTML inside \\( \\) or \\[ \\] (MathJax sees tags as text; AnkiDroid's editor breaks them);
- '}}' inside the math of a cloze note (Anki ends a deletion at the first '}}');
- a remote resource (http:, https:, protocol-relative '//' or url(...)): cards must work offline;
- an image the package does not ship, or a shipped file no note uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ankigen.errors import Issue, Loc
from ankigen.model import BuiltDeck, FinalNote, Library

MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
SVG = re.compile(r"<\s*svg\b", re.I)
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)"""
                    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)""", re.I)
SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.I)


def _math(text: str) -> Iterator[str]:
    for m in MATH.finditer(text):
        yield m.group(1) if m.group(1) is not None else m.group(2)


def field_hazards(note: FinalNote) -> Iterator[tuple[str, str, str]]:
    """(field, what is wrong, how to fix it) for one note's fields."""
    for name, value in note.fields:
        if name == "Source":
            continue
        if SVG.search(value):
            yield name, "has an inline <svg>", "draw it as a figure (an image file) instead"
        for math in _math(value):
            tag = TAG.search(math)
            if tag:
                yield (name, f"has HTML {tag.group(0)!r} inside math",
                       "keep tags outside \\( \\) and \\[ \\]; write < > inside math as \\lt \\gt")
            if note.note_type == "cloze" and "}}" in math:
                yield (name, f"has '}}}}' inside cloze math ({math.strip()[:40]!r})",
                       "write '} }' with a space, so that Anki does not end a deletion there")
        remote = REMOTE.search(value)
        if remote:
            yield (name, f"loads a remote resource ({remote.group(0).strip()!r})",
                   "cards must work offline: ship the file as a figure or drop the link")


def lint(deck: BuiltDeck, library: Library | None) -> list[Issue]:
    """Every hazard of every rendered note (once per item), plus media files no note shows.

    Without the library (a build whose notes all came from the cache) issues carry no file:line."""
    issues: list[Issue] = []
    shipped = {m.name for m in deck.media}
    for note in deck.notes:
        item = library.find_item(note.item_id) if library is not None else None
        issues += note_issues(note, item.loc if item is not None else Loc(""), shipped)
    used = {src for note in deck.notes for _, value in note.fields for src in SRC.findall(value)}
    for name in sorted(shipped - used):
        issues.append(Issue(f"media file '{name}' is shipped but no note shows it",
                            hint="a figure was drawn for a field that does not display it; check the figure's side"))
    return list(dict.fromkeys(issues))  # one report per item, not one per variant


def note_issues(note: FinalNote, loc: Loc, shipped: set[str] | None = None) -> list[Issue]:
    """One note's hazards: its fields, and images it shows that are not shipped (`shipped`: the
    package's files; by default the figures drawn for this note)."""
    label = f"{_kind(note)} '{note.item_id}'"
    shipped = set(note.media) if shipped is None else shipped
    issues = [loc.issue(f"field {field} {what}", item=label, hint=fix) for field, what, fix in field_hazards(note)]
    for name, value in note.fields:
        for src in SRC.findall(value):
            if src not in shipped and not REMOTE.search(f'src="{src}"'):
                issues.append(loc.issue(f"field {name} shows '{src}', which the package does not contain",
                                        item=label, hint="use a figure: the deck ships only the figures it draws"))
    return issues


def _kind(note: FinalNote) -> str:
    return "problem" if note.note_type == "problem" else "concept"
