"""Package stage: notes and media → a .apkg, written atomically and reproducibly.

genanki fills an SQLite collection; we zip it ourselves with fixed entry dates
so that SOURCE_DATE_EPOCH gives byte-identical packages.

Note modification times decide what Anki's importer does with a note it
already has: it updates it only if the package's time is strictly later than
the collection's, and then it stores the package's time even when the fields
are identical. So a note keeps the time of the previous build at the same
output path while its content (fields, tags, note type) is unchanged, and gets
a later time when it changes; new notes get the build time.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ankigen import diff, identity  # diff imports this module too: use it by module, never by name
from ankigen.errors import Issue, UserError
from ankigen.model import BuiltDeck, FinalNote

if TYPE_CHECKING:
    from ankigen.diff import PackageNote

FIELDS = {
    "concept": ["Front", "FrontFigure", "Back", "BackFigure", "Source"],
    # Question..Source show variant 0 (what a card without JavaScript shows); Variants holds
    # variants 1..K-1, Check every variant's checker spec (ankigen/variants.py). Variants and
    # Check come AFTER Source, the six fields of the released note type: Anki's "Merge
    # notetypes" appends missing fields at the end, so only this order leaves the merged note
    # type equal to the package's and later imports with default options free of conflicts
    # (tests/test_upgrade.py).
    "problem": ["Question", "QuestionFigure", "Answer", "Solution", "AnswerFigure", "Source",
                "Variants", "Check"],
    "cloze": ["Text", "Extra", "Figure", "Source"],
}
PACKAGE_MARK = b"written by ankigen"  # the zip comment: a later build may replace this file
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a zip or an Anki id can hold
MODEL_NAMES = {"concept": "ankigen concept", "problem": "ankigen problem", "cloze": "ankigen cloze"}


def build_timestamp() -> float:
    """SOURCE_DATE_EPOCH if set (reproducible builds), else now."""
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde:
        try:
            value = int(sde) if len(sde) <= 20 else -1
        except ValueError:
            value = -1
        if not 0 <= value <= MAX_EPOCH:
            shown = sde if len(sde) <= 40 else sde[:39] + "…"
            raise UserError([Issue(f"SOURCE_DATE_EPOCH={shown!r} is not a whole number of seconds "
                                   f"from 0 to {MAX_EPOCH}",
                                   hint="set it to seconds since 1970, e.g. 1700000000")])
        return float(value)
    return time.time()


FINGERPRINT = re.compile(r"<!-- ankigen ([0-9a-f]{16}) -->$")


def source_index(fields: Sequence[str]) -> int | None:
    """Which field is Source: the one ending with a fingerprint, else the last with a footer.

    Source is last in the concept and cloze note types and in the released problem note
    type; the problem note type has Variants and Check after it (empty on a released note
    after the upgrade, which has no fingerprint).
    """
    for i, f in enumerate(fields):
        if FINGERPRINT.search(f):
            return i
    return next((i for i in reversed(range(len(fields))) if 'class="source-id"' in fields[i]), None)


def fingerprint(fields: Sequence[str], source: int = -1) -> str:
    """A hash of every field but Source (index `source`), as Anki stores them (NFC).

    It is written into the Source field, so an export of the collection tells which
    notes were edited in Anki: their fields no longer match their fingerprint.
    """
    at = source % len(fields)
    text = "\x1f".join(unicodedata.normalize("NFC", f) for i, f in enumerate(fields) if i != at)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def package_fields(note: FinalNote) -> list[str]:
    """The note's fields in the note type's order; Source ends with the fingerprint."""
    given = dict(note.fields)
    names = FIELDS[note.note_type]
    values = [given.get(n, "") for n in names]
    at = names.index("Source")
    values[at] += f"<!-- ankigen {fingerprint(values, at)} -->"
    return values


def content(note: FinalNote) -> tuple[object, ...]:
    """What Anki would store for the note: a change here must reach the collection."""
    return (identity.MODEL_IDS[note.note_type], tuple(package_fields(note)), tuple(sorted(note.tags)))


def note_mtimes(notes: Sequence[FinalNote], previous: Mapping[str, PackageNote], ts: int) -> dict[str, int]:
    """Per GUID: the previous build's time if unchanged, else a time later than it (and >= ts)."""
    out = {}
    for note in notes:
        old = previous.get(note.guid)
        if old is None:
            out[note.guid] = ts
        elif old.content == content(note):
            out[note.guid] = old.mtime
        else:
            out[note.guid] = max(ts, old.mtime + 1)
    return out


def previous_notes(path: Path | None) -> dict[str, PackageNote]:
    """Notes of the package a build replaces, or {} if there is none (or it is unreadable)."""
    if path is None or not path.is_file():
        return {}
    try:
        return diff.read_package(path)
    except UserError:
        return {}


def reproducibility_warning(output: Path) -> str | None:
    """A warning when SOURCE_DATE_EPOCH times may be too old for Anki to update notes."""
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if not sde or previous_notes(output):
        return None
    return (f"SOURCE_DATE_EPOCH={sde}: every note gets this modification time, and Anki updates "
            "a note it already has only if the package's time is later than its own. A note "
            "changed since your last import is skipped as 'not newer' unless SOURCE_DATE_EPOCH "
            "is later than that import's build (e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)), "
            f"or the previous package is kept at {output} (changed notes then get a later time). "
            "Run 'ankigen diff' against an export of your collection to see what Anki will do.")


def written_by_ankigen(path: Path) -> bool:
    """Whether an existing file is a package ankigen wrote (its zip comment, or for packages from
    before the comment, ankigen's note types in the collection); only those are replaced."""
    try:
        with zipfile.ZipFile(path) as zf:
            if zf.comment == PACKAGE_MARK:
                return True
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    try:
        data = diff._collection(path)
    except UserError:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.anki2"
        db.write_bytes(data)
        try:
            conn = sqlite3.connect(db)
            try:
                row = conn.execute("select models from col").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return False
    return bool(row) and isinstance(row[0], str) and any(name in row[0] for name in MODEL_NAMES.values())


PRACTICE = "<!-- ankigen:practice -->"


def card_templates(templates: Path, kind: str) -> tuple[str, str]:
    """Front and back of a note type, with the practice script and style inlined where
    the template asks for them (no external file, nothing loaded from anywhere)."""
    anki = templates / "anki"
    sides = [(anki / f"{kind}.{side}.html").read_text(encoding="utf-8") for side in ("front", "back")]
    if any(PRACTICE in s for s in sides):
        js = (anki / "practice.js").read_text(encoding="utf-8")
        css = (anki / "practice.css").read_text(encoding="utf-8")
        if "</script" in js.lower() or "{{" in js or "</style" in css.lower() or "{{" in css:
            raise UserError([Issue("templates/anki/practice.js or practice.css holds '</script', "
                                   "'</style' or '{{'", hint="they are inlined into the card templates")])
        block = f"<style>{css}</style><script>{js}</script>"
        sides = [s.replace(PRACTICE, block) for s in sides]
    return sides[0], sides[1]


def models(templates: Path) -> dict[str, object]:
    import genanki  # noqa: PLC0415 (heavy: only when a package is written)

    css = (templates / "anki" / "style.css").read_text(encoding="utf-8")
    out: dict[str, object] = {}
    for kind, fields in FIELDS.items():
        front, back = card_templates(templates, kind)
        out[kind] = genanki.Model(
            identity.MODEL_IDS[kind], MODEL_NAMES[kind],
            fields=[{"name": f} for f in fields],
            templates=[{"name": "Card 1" if kind != "cloze" else "Cloze", "qfmt": front, "afmt": back}],
            css=css,
            model_type=genanki.Model.CLOZE if kind == "cloze" else genanki.Model.FRONT_BACK,
            sort_field_index=0,
        )
    return out


def write_package(deck: BuiltDeck, output: Path, templates: Path, timestamp: float | None = None,
                  previous: Path | None = None) -> Path:
    """Write the .apkg to a temporary file beside `output`, then rename it into place.

    Modification times are kept from `previous` (default: the package at `output`
    that this build replaces) for the notes whose content did not change.
    """
    import genanki  # noqa: PLC0415 (heavy: only when a package is written)

    ts = build_timestamp() if timestamp is None else timestamp
    mtimes = note_mtimes(deck.notes, previous_notes(output if previous is None else previous), int(ts))
    mdl = models(templates)
    decks: dict[str, genanki.Deck] = {}
    for due, note in enumerate(deck.notes):
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(identity.stable_id("deck", note.deck), note.deck)
        decks[note.deck].add_note(genanki.Note(
            model=mdl[note.note_type], fields=package_fields(note), guid=note.guid,
            tags=list(note.tags), due=due,
        ))
    pkg = genanki.Package(list(decks.values()))
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.is_dir():
            raise IsADirectoryError(21, "it is a folder", str(output))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
        os.close(fd)
    except OSError as e:
        raise UserError([Issue(f"cannot write {output}: {e.strerror or e}",
                               hint="choose an output path in a writable folder")]) from e
    tmp = Path(tmp_name)
    db_name = ""
    try:
        db_fd, db_name = tempfile.mkstemp(suffix=".anki2")
        os.close(db_fd)
        conn = sqlite3.connect(db_name)
        try:
            pkg.write_to_db(conn.cursor(), ts, itertools.count(int(ts * 1000)))
            conn.executemany("update notes set mod = ? where guid = ?",
                             [(m, g) for g, m in mtimes.items()])
            conn.commit()
        finally:
            conn.close()
        date = time.gmtime(max(ts, 315532800))[:6]
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.comment = PACKAGE_MARK
            def put(name: str, data: bytes) -> None:
                info = zipfile.ZipInfo(name, date_time=date)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data, compresslevel=1)  # fast; SVG and SQLite shrink well anyway

            put("collection.anki2", Path(db_name).read_bytes())
            put("media", json.dumps({str(i): m.name for i, m in enumerate(deck.media)}).encode())
            for i, m in enumerate(deck.media):
                put(str(i), m.data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except (OSError, sqlite3.Error) as e:
        tmp.unlink(missing_ok=True)
        raise UserError([Issue(f"cannot write {output}: {getattr(e, 'strerror', None) or e}",
                               hint="check the folder exists, is writable and the disk (also "
                                    "TMPDIR) has space; a file size limit (ulimit -f) also stops it")]) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if db_name:
            Path(db_name).unlink(missing_ok=True)
    return output
