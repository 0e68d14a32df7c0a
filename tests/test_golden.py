"""Golden notes: every note the small project builds, pinned field by field.

tests/golden/small.json holds, for each note of `ankigen build` on tests/fixtures/small, its
GUID, note type, deck, fields, tags and cards, and the name and SHA-256 of every media file.
Read back from the .apkg (the user's file, not ankigen's internals), so a refactoring that
changes any byte a user sees fails here with the note and field named.

Refresh after an intended change, then review the diff of the JSON:

    python -m pytest tests/test_golden.py --update-goldens
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden" / "small.json"
SMALL = Path(__file__).parent / "fixtures" / "small"
EPOCH = "1796000000"


def notes_of(apkg: Path, work: Path) -> dict[str, Any]:
    """What a package gives Anki: notes (by GUID) with their fields, tags, cards; media hashes."""
    with zipfile.ZipFile(apkg) as zf:
        names = json.loads(zf.read("media"))
        media = {name: hashlib.sha256(zf.read(index)).hexdigest() for index, name in sorted(names.items())}
        db_path = work / "collection.anki2"
        db_path.write_bytes(zf.read("collection.anki2"))
    db = sqlite3.connect(db_path)
    try:
        models = json.loads(db.execute("select models from col").fetchone()[0])
        decks = {int(k): d["name"] for k, d in json.loads(db.execute("select decks from col").fetchone()[0]).items()}
        cards: dict[int, list[tuple[int, str]]] = {}
        for nid, did, ord_ in db.execute("select nid, did, ord from cards order by nid, ord"):
            cards.setdefault(nid, []).append((ord_, decks[did]))
        notes = {}
        for nid, guid, mid, tags, flds in db.execute("select id, guid, mid, tags, flds from notes order by id"):
            model = models[str(mid)]
            values = flds.split("\x1f")
            notes[guid] = {
                "note_type": model["name"],
                "deck": sorted({deck for _, deck in cards[nid]}),
                "cards": [ord_ for ord_, _ in cards[nid]],
                "tags": tags.split(),
                "fields": dict(zip([f["name"] for f in model["flds"]], values, strict=True)),
            }
    finally:
        db.close()
    return {"notes": notes, "media": media}


def build_small(tmp_path: Path) -> Path:
    out = tmp_path / "small.apkg"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"} | {"SOURCE_DATE_EPOCH": EPOCH}
    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q", "--no-cache", "-j", "1",
                        "--src", str(SMALL / "cards_src"), "-o", str(out)],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def test_small_project_notes_equal_the_goldens(tmp_path, request):
    got = notes_of(build_small(tmp_path), tmp_path)
    if request.config.getoption("--update-goldens"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert GOLDEN.is_file(), "no goldens yet: python -m pytest tests/test_golden.py --update-goldens"
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got["notes"]) == sorted(want["notes"]), "other notes (GUIDs) than the goldens"
    for guid, note in want["notes"].items():
        label = f"note {guid} ({note['fields'].get('Source', '')[:80]})"
        for key in ("note_type", "deck", "cards", "tags"):
            assert got["notes"][guid][key] == note[key], f"{label}: {key}"
        for name, value in note["fields"].items():
            assert got["notes"][guid]["fields"].get(name) == value, f"{label}: field {name}"
        assert got["notes"][guid]["fields"].keys() == note["fields"].keys(), f"{label}: field names"
    assert got["media"] == want["media"], "media files (names or bytes) differ from the goldens"


def test_goldens_cover_every_kind_of_note():
    """The pinned project has what the goldens are meant to guard (not an empty file)."""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    types = sorted(n["note_type"] for n in want["notes"].values())
    assert types.count("ankigen problem") == 4 and "ankigen cloze" in types and "ankigen concept" in types
    assert any(n["cards"] == [0, 1] for n in want["notes"].values())  # a cloze with two deletions
    problems = [n["fields"] for n in want["notes"].values() if n["note_type"] == "ankigen problem"]
    assert any(f["QuestionFigure"] for f in problems) and any(f["AnswerFigure"] for f in problems)
    assert len(want["media"]) >= 6
