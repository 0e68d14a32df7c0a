"""Preview site: the notes a build would produce, as static HTML with the real card templates.

Cards are rendered with the same Anki templates and stylesheet as the deck (a
small mustache subset: fields, sections, cloze), with the same figures.
MathJax comes from a local copy (--mathjax) or the public CDN.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import Issue, UserError
from ankigen.model import BuiltDeck, FinalNote, Library
from ankigen.notes import items_of
from ankigen.paths import Project
from ankigen.prepare import CacheOptions, Selection, prepare, refuse_sources
from ankigen.variants import all_variants

CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
MATHJAX_CONFIG = ("<script>window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']], "
                  "displayMath: [['\\\\[', '\\\\]']]}, options: {ignoreHtmlClass: 'no-math'}};</script>")


@dataclass(frozen=True)
class PreviewResult:
    index: Path
    notes: int
    pages: int


_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.S)
_CLOZE_FIELD = re.compile(r"\{\{cloze:([^}]+)\}\}")
_FIELD = re.compile(r"\{\{([^#^/}][^}]*)\}\}")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)


def cloze_ordinals(text: str) -> list[int]:
    """The card numbers a cloze field makes (Anki: one card per distinct cN)."""
    return sorted({int(m.group(1)) for m in _CLOZE.finditer(text)})


def _cloze(text: str, back: bool, ordinal: int) -> str:
    """One card of a cloze field, marked up as Anki's reviewer does (active and inactive spans)."""

    def one(c: re.Match[str]) -> str:
        n, body, hint = int(c.group(1)), c.group(2), c.group(3)
        if n != ordinal:
            return f'<span class="cloze-inactive" data-ordinal="{n}">{body}</span>'
        shown = body if back else f"[{hint or '...'}]"
        return f'<span class="cloze" data-ordinal="{n}">{shown}</span>'

    return _CLOZE.sub(one, text)


def render_card(template: str, fields: dict[str, str], back: bool, front_side: str = "",
                ordinal: int = 1) -> str:
    """Anki's template language, the subset our note types use; `ordinal` picks the cloze card."""

    def section(m: re.Match[str]) -> str:
        present = bool(fields.get(m.group(2).strip(), "").strip())
        keep = present if m.group(1) == "#" else not present
        return m.group(3) if keep else ""

    out = _SECTION.sub(section, template)
    out = _CLOZE_FIELD.sub(lambda m: _cloze(fields.get(m.group(1).strip(), ""), back, ordinal), out)
    return _FIELD.sub(lambda m: front_side if m.group(1) == "FrontSide" else fields.get(m.group(1).strip(), ""), out)


def _strip(text: str) -> list[str]:
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).split()


def _slug(topic_id: str) -> str:
    return topic_id.replace("/", "--")


SITE_CSS = """
body { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif; background: #f3f4f6; }
body.nightMode { background: #121212; color: #e8e8e8; }
a { color: #0b57a4; }
.nightMode a { color: #8ab4f8; }
.nightMode a:visited { color: #c9a7f5; }
header { padding: 0.8em 1em; background: #1f6fb4; color: white; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
header a, .nightMode header a { color: white; }
header h1 { font-size: 1.2em; margin: 0; }
main { max-width: 70em; margin: 0 auto; padding: 1em; }
#search { font-size: 1em; padding: 0.4em; width: min(30em, 90vw); box-sizing: border-box; }
.area h2 { margin-bottom: 0.3em; }
table.topics { border-collapse: collapse; width: 100%; }
table.topics td, table.topics th { padding: 0.25em 0.4em; border-bottom: 1px solid #ccc; text-align: right; }
.nightMode table.topics td, .nightMode table.topics th { border-bottom-color: #444; }
table.topics td:first-child, table.topics th:first-child { text-align: left; overflow-wrap: anywhere; }
table.topics small { display: block; color: #6b6b6b; }
.nightMode table.topics small { color: #a8a8a8; }
table.topics .short { display: none; }
@media (max-width: 520px) {
  table.topics { font-size: 0.9em; }
  table.topics .long { display: none; }
  table.topics .short { display: inline; }
}
.note { background: white; border-radius: 8px; margin: 1em 0; padding: 0.6em; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.nightMode .note { background: #1e1e1e; }
.note .meta { font-size: 0.8em; color: #6b6b6b; margin-bottom: 0.4em; }
.nightMode .note .meta { color: #a8a8a8; }
.sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22em), 1fr)); gap: 0.8em; margin-bottom: 0.8em; }
.side { border: 1px solid #ddd; border-radius: 6px; padding: 0.3em; min-width: 0; }
.nightMode .side { border-color: #444; }
.side h3 { font-size: 0.75em; text-transform: uppercase; color: #6b6b6b; margin: 0.2em 0.4em; }
.nightMode .side h3 { color: #a8a8a8; }
#results li { margin: 0.3em 0; }
"""  # noqa: E501 (CSS rules stay one a line)

SEARCH_JS = """
(function () {
  var box = document.getElementById('search');
  var list = document.getElementById('results');
  if (!box || !list) return;
  box.addEventListener('input', function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    list.innerHTML = '';
    if (!words.length) return;
    var shown = 0;
    for (var i = 0; i < window.ANKIGEN_INDEX.length && shown < 50; i++) {
      var e = window.ANKIGEN_INDEX[i];
      if (words.every(function (w) { return e.text.indexOf(w) >= 0; })) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = e.url; a.textContent = e.id + ' (' + e.topic + ')';
        li.appendChild(a); list.appendChild(li); shown++;
      }
    }
  });
})();
(function () {
  // night mode is remembered across pages (localStorage; ignored where storage is blocked)
  var KEY = 'ankigen-night';
  function stored() { try { return localStorage.getItem(KEY) === '1'; } catch (e) { return false; } }
  function store(on) { try { localStorage.setItem(KEY, on ? '1' : '0'); } catch (e) { /* private mode */ } }
  document.body.classList.toggle('nightMode', stored());
  var t = document.getElementById('night');
  if (t) t.addEventListener('click', function () { store(document.body.classList.toggle('nightMode')); });
})();
"""


_HEADER = "<tr><th>topic</th>" + "".join(
    f'<th title="{long}"><span class="long">{long}</span><span class="short">{short}</span></th>'
    for long, short in (("concepts", "con."), ("clozes", "clz."), ("problems", "prob."), ("figures", "fig."))
) + "</tr>"


def _page(title: str, body: str, mathjax_src: str, depth: int) -> str:
    up = "../" * depth
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{up}card.css"><link rel="stylesheet" href="{up}site.css">
{MATHJAX_CONFIG}
<script defer id="MathJax-script" src="{mathjax_src}"></script>
</head><body>
<header><h1><a href="{up}index.html">ankigen preview</a></h1><span>{html.escape(title)}</span>
<button id="night" type="button">night mode</button></header>
<main>{body}</main>
<script src="{up}search-index.js"></script><script src="{up}search.js"></script>
</body></html>
"""


def _sides(front: str, back: str, label: str = "") -> str:
    return (f'<div class="side"><h3 class="no-math">{label}front</h3><div class="card">{front}</div></div>'
            f'<div class="side"><h3 class="no-math">{label}back</h3><div class="card">{back}</div></div>')


def _note_html(note: FinalNote, templates: Path) -> str:
    """Every card of the note, front and back: a cloze with N deletions makes N cards, as in Anki."""
    fields = dict(note.fields)
    fields = {k: v.replace('src="ankigen-', 'src="../media/ankigen-') for k, v in fields.items()}
    front_t = (templates / "anki" / f"{note.note_type}.front.html").read_text(encoding="utf-8")
    back_t = (templates / "anki" / f"{note.note_type}.back.html").read_text(encoding="utf-8")
    ordinals = cloze_ordinals(fields.get("Text", "")) if note.note_type == "cloze" else [1]
    cards = []
    if note.note_type == "problem":  # every variant the note carries, statically (no script runs)
        shown = [(f"variant {k} · ", {**fields, **vf, "Variants": "", "Check": ""})
                 for k, vf in all_variants(fields, note.slot)]
    else:
        shown = [(f"card {n} · " if len(ordinals) > 1 else "", fields) for n in ordinals or [1]]
    for n, (label, card_fields) in zip(ordinals * len(shown) if note.note_type == "problem" else ordinals or [1],
                                       shown, strict=True):
        front = render_card(front_t, card_fields, back=False, ordinal=n)
        back = render_card(back_t, card_fields, back=True, front_side=front, ordinal=n)
        back = back.replace('<details class="solution">', '<details class="solution" open>')
        cards.append(f'<div class="sides">{_sides(front, back, label)}</div>')
    anchor = f"{note.item_id}--{note.slot}"
    kind = {"concept": "concept", "cloze": "cloze", "problem": "problem"}[note.note_type]
    count = f" · {len(ordinals)} cards" if len(ordinals) > 1 else ""
    seed = f" · seed {note.seed} · {len(cards)} variants" if note.note_type == "problem" else ""
    return (f'<section class="note" id="{anchor}" data-id="{note.item_id}" data-cards="{len(cards)}">'
            f'<div class="meta no-math">{kind} <b>{html.escape(note.item_id)}</b>{seed}{count}</div>'
            + "".join(cards) + '</section>')


MARKER = ".ankigen-preview"  # lists every file of a site ankigen wrote; nothing else is replaced
MATHJAX_HINT = "give tex-chtml.js of the mathjax npm package (node_modules/mathjax/es5/tex-chtml.js)"
FONTS = Path("output/chtml/fonts/woff-v2")
EXTENSIONS = ("boldsymbol", "cancel")  # the TeX packages cards may use beyond tex-chtml's own
MAX_MATHJAX_FILE = 8 * 1024 * 1024


def check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder unless it is empty or a preview ankigen wrote, with nothing added."""
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if out_dir.is_symlink() or not out_dir.is_dir():
        raise UserError([Issue(f"refusing to replace {out_dir}: it is not a folder",
                               hint="give a new folder for the site, e.g. -o site")])
    if next(out_dir.iterdir(), None) is None:
        return
    try:
        marker = json.loads((out_dir / MARKER).read_text(encoding="utf-8"))
        listed, folders = set(marker["files"]), set(marker["folders"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError([Issue(f"refusing to replace {out_dir}: it is not a preview site ankigen wrote "
                               f"(no {MARKER} file), so it may hold your files",
                               hint="give a new or empty folder, e.g. -o site")]) from None
    for p in out_dir.rglob("*"):  # stops at the first foreign entry
        rel = str(p.relative_to(out_dir))
        ours = rel in folders if p.is_dir() else (rel in listed or rel == MARKER)
        if p.is_symlink() or not ours:
            raise UserError([Issue(f"refusing to replace {out_dir}: '{rel}' was not written by "
                                   "ankigen preview", hint="move it out, or give another folder")])


def _mathjax_files(mathjax: Path) -> list[tuple[Path, Path]]:
    """(source, path in the site) of the MathJax files cards need; refuse anything else."""
    if not mathjax.exists():
        raise UserError([Issue(f"MathJax not found at {mathjax}", hint=MATHJAX_HINT)])
    entry = mathjax / "tex-chtml.js" if mathjax.is_dir() else mathjax
    if not entry.is_file() or entry.is_symlink() or entry.suffix != ".js":
        raise UserError([Issue(f"{mathjax} is not a MathJax 3 bundle (its tex-chtml.js)",
                               hint=MATHJAX_HINT)])
    root = entry.parent
    fonts = root / FONTS
    with entry.open("rb") as f:
        head = f.read(MAX_MATHJAX_FILE + 1)
    if len(head) > MAX_MATHJAX_FILE or b"MathJax" not in head or not fonts.is_dir():
        raise UserError([Issue(f"{entry} is not a MathJax 3 bundle (no MathJax script with "
                               f"{FONTS} beside it)", hint=MATHJAX_HINT)])
    files = [(entry, Path(entry.name))]
    for font in sorted(fonts.glob("*.woff")):
        files.append((font, FONTS / font.name))
    for ext in EXTENSIONS:
        files.append((root / "input/tex/extensions" / f"{ext}.js", Path(f"input/tex/extensions/{ext}.js")))
    for source, _ in files[1:]:
        ok = source.is_file() and not source.is_symlink() and source.stat().st_size <= MAX_MATHJAX_FILE
        if not ok or (source.suffix == ".woff" and source.read_bytes()[:4] != b"wOFF"):
            raise UserError([Issue(f"{source} is not a file of a MathJax 3 bundle", hint=MATHJAX_HINT)])
    return files


def _by_topic(deck: BuiltDeck, library: Library) -> dict[str, list[FinalNote]]:
    topic_of = {i.id: t.id for t in library.topics for i in items_of(t)}
    by_topic: dict[str, list[FinalNote]] = {}
    for n in deck.notes:
        by_topic.setdefault(topic_of[n.item_id], []).append(n)
    return by_topic


def _copy_mathjax(tmp: Path, mathjax_files: list[tuple[Path, Path]]) -> tuple[str, str]:
    """The site's MathJax (its path from the index and from a topic page), the CDN without a local copy."""
    if not mathjax_files:
        return CDN, CDN
    for source, rel in mathjax_files:
        (tmp / "mathjax" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp / "mathjax" / rel)
    entry = mathjax_files[0][1]
    return f"mathjax/{entry}", f"../mathjax/{entry}"


def _topic_pages(tmp: Path, by_topic: dict[str, list[FinalNote]], library: Library, templates: Path,
                 mathjax_src: str) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """One page per topic; returns the index's rows per area and the search entries."""
    index_entries = []
    area_rows: dict[str, list[str]] = {}
    titles = {a.id: a.title for a in library.areas}
    for t in library.topics:
        notes = by_topic.get(t.id)
        if not notes:
            continue
        page = f"topics/{_slug(t.id)}.html"
        topic_body = f"<h2>{html.escape(titles[t.area])} · {html.escape(t.title)}</h2>" + \
            "".join(_note_html(n, templates) for n in notes)
        (tmp / page).write_text(_page(t.title, topic_body, mathjax_src, 1), encoding="utf-8")
        kinds = [n.note_type for n in notes]
        figs = sum(1 for n in notes if n.media)
        area_rows.setdefault(t.area, []).append(
            f'<tr><td><a href="{page}">{html.escape(t.title)}</a> <small>{t.id}</small></td>'
            f'<td>{kinds.count("concept")}</td><td>{kinds.count("cloze")}</td>'
            f'<td>{kinds.count("problem")}</td><td>{figs}</td></tr>')
        for n in notes:
            text = " ".join([n.item_id, *(_strip(" ".join(v for _, v in n.fields)))]).lower()
            index_entries.append({"id": f"{n.item_id} #{n.slot}", "topic": t.title,
                                  "url": f"{page}#{n.item_id}--{n.slot}", "text": text})
    return area_rows, index_entries


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Move the finished site into place: fill the user's empty folder, or replace our own site."""
    check_replaceable(out_dir)
    old = None
    if out_dir.exists() and next(out_dir.iterdir(), None) is None:  # the user's empty folder: fill it
        for entry in tmp.iterdir():
            entry.rename(out_dir / entry.name)
        tmp.rmdir()
    else:
        if out_dir.exists():  # our own site (checked just above): swapped out, then removed
            old = Path(tempfile.mkdtemp(prefix=".preview-old-", dir=out_dir.parent))
            out_dir.rename(old / "site")
        tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_site(deck: BuiltDeck, library: Library, templates: Path, out_dir: Path,
               mathjax: Path | None = None) -> PreviewResult:
    """Write the whole site to a temporary folder, then move it into place."""
    mathjax_files = _mathjax_files(mathjax) if mathjax is not None else []
    check_replaceable(out_dir)
    by_topic = _by_topic(deck, library)
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".preview-", dir=out_dir.parent))
    try:
        (tmp / "media").mkdir()
        (tmp / "topics").mkdir()
        for m in deck.media:
            (tmp / "media" / m.name).write_bytes(m.data)
        (tmp / "card.css").write_text((templates / "anki" / "style.css").read_text(encoding="utf-8"))
        (tmp / "site.css").write_text(SITE_CSS)
        (tmp / "search.js").write_text(SEARCH_JS)
        mj_index, mj_topic = _copy_mathjax(tmp, mathjax_files)
        area_rows, index_entries = _topic_pages(tmp, by_topic, library, templates, mj_topic)
        body = ['<p><input id="search" type="search" placeholder="Search notes…" '
                'aria-label="Search notes"></p><ul id="results"></ul>']
        for a in library.areas:
            if a.id in area_rows:
                body.append(f'<div class="area"><h2>{html.escape(a.title)}</h2><table class="topics">'
                            + _HEADER + "".join(area_rows[a.id]) + "</table></div>")
        (tmp / "index.html").write_text(_page(f"{deck.recipe.name}: {len(deck.notes)} notes",
                                              "".join(body), mj_index, 0), encoding="utf-8")
        (tmp / "search-index.js").write_text("window.ANKIGEN_INDEX = " + json.dumps(index_entries) + ";")
        written = {str(p.relative_to(tmp)): p.is_dir() for p in tmp.rglob("*")}
        (tmp / MARKER).write_text(json.dumps({"ankigen": "preview",
                                              "files": sorted(k for k, d in written.items() if not d),
                                              "folders": sorted(k for k, d in written.items() if d)}))
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PreviewResult(out_dir / "index.html", len(deck.notes), len(by_topic))


def preview(recipe_arg: str | None = None, topics: Sequence[str] = (), *, variants: int | None = None,
            seed: int | None = None, out_dir: Path = Path("site"), src: Path | None = None,
            mathjax: Path | None = None, workers: int | None = None, use_cache: bool = True,
            cache_dir: Path | None = None) -> PreviewResult:
    """Exactly the notes a build would make, as a static site in `out_dir`."""

    def before(project: Project, _: Path) -> None:  # refuse a bad target before the work
        if mathjax is not None:
            _mathjax_files(mathjax)
        check_replaceable(out_dir)
        refuse_sources(out_dir, project, what="the preview", hint="use -o site or another folder")

    ready = prepare(Selection(recipe_arg, topics, variants, seed), src=src, workers=workers,
                    cache=CacheOptions(use_cache, cache_dir), before=before)
    assert ready.library is not None, "the site needs the sources (titles, areas)"
    return write_site(ready.deck, ready.library, ready.project.templates, out_dir, mathjax)
