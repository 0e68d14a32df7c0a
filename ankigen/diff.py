"""What an import would do: compare two packages (or a package and the current build) by GUID."""

from __future__ import annotations

import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import Issue, UserError

SOURCE_ID = re.compile(r'class="source-id">([^<]+)<')


@dataclass(frozen=True)
class PackageNote:
    guid: str
    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DiffResult:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    orphaned: tuple[str, ...]


def _label(fields: tuple[str, ...]) -> str:
    for f in reversed(fields):
        m = SOURCE_ID.search(f)
        if m:
            return m.group(1)
    return re.sub(r"<[^>]+>", "", fields[0])[:40] if fields else "?"


MAX_PACKAGE_ENTRIES = 100_000  # files in the zip: notes' media and the collection
MAX_PACKAGE_BYTES = 1 << 30  # uncompressed, all entries together
MAX_COLLECTION_BYTES = 256 << 20
MAX_NOTES = 200_000
MAX_NOTE_BYTES = 1 << 20  # the fields of one note
SQL_STEPS = 50_000_000  # SQLite virtual machine steps for the whole query (an endless view stops)


def _refuse(path: Path, what: str) -> UserError:
    return UserError([Issue(f"cannot read {path}: {what}", hint="give the path of an .apkg that Anki "
                            "or ankigen wrote")])


def _collection(path: Path) -> bytes:
    """collection.anki2 from the zip, with the sizes checked before and while reading it."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_PACKAGE_ENTRIES:
                raise _refuse(path, f"it has more than {MAX_PACKAGE_ENTRIES} files")
            if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
                raise _refuse(path, f"it unpacks to more than {MAX_PACKAGE_BYTES >> 20} MB")
            info = next((i for i in infos if i.filename == "collection.anki2"), None)
            if info is None:
                raise UserError([Issue(f"{path} has no collection.anki2",
                                       hint="export from Anki with 'Support older Anki versions' ticked")])
            if info.file_size > MAX_COLLECTION_BYTES:
                raise _refuse(path, f"its collection is larger than {MAX_COLLECTION_BYTES >> 20} MB")
            with zf.open(info) as f:  # the sizes in the zip may lie: count while reading
                data = f.read(MAX_COLLECTION_BYTES + 1)
            if len(data) > MAX_COLLECTION_BYTES:
                raise _refuse(path, f"its collection is larger than {MAX_COLLECTION_BYTES >> 20} MB")
            return data
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError,
            NotImplementedError, RuntimeError) as e:
        raise UserError([Issue(f"cannot read {path}: {e}", hint="give the path of an .apkg file")]) from e


def _rows(path: Path, db: str) -> list[tuple[object, object]]:
    """(guid, flds) of every note, with the row count, field sizes and query work bounded."""
    steps = 0

    def progress() -> int:
        nonlocal steps
        steps += 10_000
        return 1 if steps > SQL_STEPS else 0

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_NOTE_BYTES)
            conn.set_progress_handler(progress, 10_000)
            rows: list[tuple[object, object]] = []
            total = 0
            for guid, flds in conn.execute("select guid, flds from notes"):
                total += sum(len(v) if isinstance(v, str | bytes) else 8 for v in (guid, flds))
                if total > MAX_COLLECTION_BYTES or len(rows) >= MAX_NOTES:
                    raise _refuse(path, f"it has more than {MAX_NOTES} notes or "
                                        f"{MAX_COLLECTION_BYTES >> 20} MB of fields")
                rows.append((guid, flds))
        finally:
            conn.close()
    except sqlite3.Error as e:
        if steps > SQL_STEPS:
            raise _refuse(path, "reading its notes takes too long (is 'notes' an endless view?)") from e
        raise UserError([Issue(f"{path} is not a valid Anki package: {e}",
                               hint="rebuild it with ankigen build")]) from e
    return rows


def read_package(path: Path) -> dict[str, PackageNote]:
    """Notes of an .apkg by GUID (the legacy collection.anki2 that genanki and 'support older Anki versions' write).

    A package is untrusted input: entry count, sizes, rows and query work are all capped.
    """
    data = _collection(path)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(data)
        rows = _rows(path, str(db))
    out = {}
    for number, (guid, flds) in enumerate(rows, 1):
        if not isinstance(guid, str) or not isinstance(flds, str):
            raise _refuse(path, f"note {number} has an empty (NULL) or non-text guid or fields")
        fields = tuple(flds.split("\x1f"))
        out[guid] = PackageNote(guid, _label(fields), fields)
    return out


def compare(old: dict[str, PackageNote], new: dict[str, PackageNote]) -> DiffResult:
    added = tuple(sorted(new[g].label for g in new if g not in old))
    orphaned = tuple(sorted(old[g].label for g in old if g not in new))
    updated = tuple(sorted(new[g].label for g in new if g in old and old[g].fields != new[g].fields))
    unchanged = tuple(sorted(new[g].label for g in new if g in old and old[g].fields == new[g].fields))
    return DiffResult(added, updated, unchanged, orphaned)


def diff(old_path: Path, new_path: Path | None = None, recipe_arg: str | None = None,
         src: Path | None = None) -> DiffResult:
    old = read_package(old_path)
    if new_path is not None:
        return compare(old, read_package(new_path))
    from ankigen.cache import Cache, default_dir
    from ankigen.paths import find_project
    from ankigen.pipeline import default_workers, generate, load, resolve_recipe

    project = find_project(src)
    library = load(project)
    recipe, _ = resolve_recipe(project, recipe_arg, (), None, None, None)
    deck = generate(library, recipe, project, None, default_workers(),
                    Cache(default_dir(), project.templates))
    new = {}
    for n in deck.notes:
        fields = tuple(v for _, v in n.fields)
        new[n.guid] = PackageNote(n.guid, f"{n.item_id}" + (f"#{n.slot}" if n.note_type == "problem" else ""), fields)
    return compare(old, new)
