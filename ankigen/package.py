"""Package stage: notes and media → a .apkg, written atomically and reproducibly.

genanki fills an SQLite collection; we zip it ourselves with fixed entry dates
so that SOURCE_DATE_EPOCH gives byte-identical packages. Note modification
times default to the build time, which is what makes Anki update notes in place.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

from ankigen import identity
from ankigen.errors import Issue, UserError
from ankigen.model import BuiltDeck

FIELDS = {
    "concept": ["Front", "FrontFigure", "Back", "BackFigure", "Source"],
    "problem": ["Question", "QuestionFigure", "Answer", "Solution", "AnswerFigure", "Source"],
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


def written_by_ankigen(path: Path) -> bool:
    """Whether an existing file is a package ankigen wrote (its zip comment, or for packages from
    before the comment, ankigen's note types in the collection); only those are replaced."""
    try:
        with zipfile.ZipFile(path) as zf:
            if zf.comment == PACKAGE_MARK:
                return True
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    from ankigen.diff import _collection

    try:
        data = _collection(path)
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


def models(templates: Path) -> dict[str, object]:
    import genanki

    css = (templates / "anki" / "style.css").read_text(encoding="utf-8")
    out: dict[str, object] = {}
    for kind, fields in FIELDS.items():
        front = (templates / "anki" / f"{kind}.front.html").read_text(encoding="utf-8")
        back = (templates / "anki" / f"{kind}.back.html").read_text(encoding="utf-8")
        out[kind] = genanki.Model(
            identity.MODEL_IDS[kind], MODEL_NAMES[kind],
            fields=[{"name": f} for f in fields],
            templates=[{"name": "Card 1" if kind != "cloze" else "Cloze", "qfmt": front, "afmt": back}],
            css=css,
            model_type=genanki.Model.CLOZE if kind == "cloze" else genanki.Model.FRONT_BACK,
            sort_field_index=0,
        )
    return out


def write_package(deck: BuiltDeck, output: Path, templates: Path, timestamp: float | None = None) -> Path:
    """Write the .apkg to a temporary file beside `output`, then rename it into place."""
    import genanki

    ts = build_timestamp() if timestamp is None else timestamp
    mdl = models(templates)
    decks: dict[str, genanki.Deck] = {}
    for due, note in enumerate(deck.notes):
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(identity.stable_id("deck", note.deck), note.deck)
        decks[note.deck].add_note(genanki.Note(
            model=mdl[note.note_type], fields=[v for _, v in note.fields], guid=note.guid,
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
