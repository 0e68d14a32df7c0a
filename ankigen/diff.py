"""What an import would do: Anki's own rule for each note, predicted by GUID and modification time.

Anki's importer (default options: update notes "if newer") looks a note up by
GUID; a new GUID is added; a known one is updated only if the package's note
modification time is strictly later than the collection's, and is otherwise
skipped ("not newer"), even when its fields differ. An update stores the
package's fields, tags and time even when nothing changed. Decks are matched by
name, and cards already in the collection are never moved: after a deck rename
they stay, with their history, in the old deck; only new cards go to the new one.

OLD is what the collection holds: the package imported last, or an export of
the collection (.colpkg, or .apkg from File → Export) which also shows notes
edited in Anki (their fields no longer match the fingerprint in Source).
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ankigen import identity, package  # package imports this module too: use it by module, never by name
from ankigen.errors import Issue, UserError
from ankigen.prepare import Selection, prepare

SOURCE_ID = re.compile(r'class="source-id">([^<]+)<')
MEDIA_REF = re.compile(r'src="(ankigen-[0-9a-f]+\.svg)"')
# newest first: a modern export also holds a stub collection.anki2 saying "please update Anki"
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")


@dataclass(frozen=True)
class PackageNote:
    guid: str
    label: str
    fields: tuple[str, ...]
    mtime: int = 0
    model: int = 0
    tags: tuple[str, ...] = ()
    deck: str = ""  # the deck of its first card

    @property
    def content(self) -> tuple[object, ...]:
        return (self.model, self.fields, tuple(sorted(self.tags)))

    def edited_in_anki(self) -> bool:
        """True if the fields no longer match the fingerprint the build wrote into Source."""
        at = package.source_index(self.fields)
        if at is None:
            return False
        m = package.FINGERPRINT.search(self.fields[at])
        return m is not None and m.group(1) != package.fingerprint(self.fields, at)


@dataclass(frozen=True)
class DiffResult:
    added: tuple[str, ...]
    updated: tuple[str, ...]     # newer and different: Anki updates it
    unchanged: tuple[str, ...]   # same content, not newer: Anki skips it, nothing is lost
    orphaned: tuple[str, ...]    # in the collection, no longer built: Anki leaves it alone
    skipped: tuple[str, ...] = ()    # different but not newer: Anki keeps the old note
    rewritten: tuple[str, ...] = ()  # same content but newer: Anki rewrites it as it is
    edited_overwritten: tuple[str, ...] = ()  # edited in Anki, the import replaces the edit
    edited_kept: tuple[str, ...] = ()         # edited in Anki, the import leaves the edit
    stale_media: tuple[str, ...] = ()         # figures no note will use after the import
    moved: tuple[str, ...] = ()  # deck renamed since: Anki leaves their cards in the old deck
    deck_renames: tuple[tuple[str, str], ...] = ()  # (old deck, new deck) of those notes
    # (name, old fields, new fields): Anki's default import refuses these notes ('conflicting')
    note_types: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()


def _label(fields: tuple[str, ...]) -> str:
    """The footer's item id (the Source field's, not a footer of another variant in Variants)."""
    at = package.source_index(fields)
    m = SOURCE_ID.search(fields[at]) if at is not None else None
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
    """The collection from the zip (newest format first), sizes checked before and while reading."""
    too_big = f"its collection is larger than {MAX_COLLECTION_BYTES >> 20} MB"
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_PACKAGE_ENTRIES:
                raise _refuse(path, f"it has more than {MAX_PACKAGE_ENTRIES} files")
            if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
                raise _refuse(path, f"it unpacks to more than {MAX_PACKAGE_BYTES >> 20} MB")
            by_name = {i.filename: i for i in infos}
            info = next((by_name[n] for n in COLLECTIONS if n in by_name), None)
            if info is None:
                raise UserError([Issue(f"{path} has no Anki collection inside",
                                       hint="give an .apkg or .colpkg written by ankigen or exported by Anki")])
            if info.file_size > MAX_COLLECTION_BYTES:
                raise _refuse(path, too_big)
            with zf.open(info) as f:  # the sizes in the zip may lie: count while reading
                data = f.read(MAX_COLLECTION_BYTES + 1)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError,
            NotImplementedError, RuntimeError) as e:
        raise UserError([Issue(f"cannot read {path}: {e}", hint="give the path of an .apkg file")]) from e
    if len(data) > MAX_COLLECTION_BYTES:
        raise _refuse(path, too_big)
    if info.filename.endswith("b"):  # zstd-compressed SQLite (Anki 2.1.50+ exports)
        import zstandard  # noqa: PLC0415 (only for Anki 2.1.50+ exports)

        try:
            with zstandard.ZstdDecompressor().stream_reader(data) as reader:
                data = reader.read(MAX_COLLECTION_BYTES + 1)
        except zstandard.ZstdError as e:
            raise UserError([Issue(f"{path}: cannot decompress {info.filename}: {e}",
                                   hint="export the collection again")]) from e
        if len(data) > MAX_COLLECTION_BYTES:
            raise _refuse(path, too_big)
    return data


def _rows(path: Path, db: str) -> tuple[list[tuple[object, ...]], dict[int, str]]:
    """(guid, flds, mod, mid, tags, id) of every note and each note's deck, with the row count,
    field sizes and query work bounded."""
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
            rows: list[tuple[object, ...]] = []
            total = 0
            for row in conn.execute("select guid, flds, mod, mid, tags, id from notes"):
                total += sum(len(v) if isinstance(v, str | bytes) else 8 for v in row)
                if total > MAX_COLLECTION_BYTES or len(rows) >= MAX_NOTES:
                    raise _refuse(path, f"it has more than {MAX_NOTES} notes or "
                                        f"{MAX_COLLECTION_BYTES >> 20} MB of fields")
                rows.append(tuple(row))
            note_deck = _note_decks(conn)
        finally:
            conn.close()
    except sqlite3.Error as e:
        if steps > SQL_STEPS:
            raise _refuse(path, "reading its notes takes too long (is 'notes' an endless view?)") from e
        raise UserError([Issue(f"{path} is not a valid Anki package: {e}",
                               hint="rebuild it with ankigen build")]) from e
    return rows, note_deck


@contextmanager
def _open_collection(path: Path) -> Iterator[sqlite3.Connection]:
    """The package's SQLite collection (sizes capped as in read_package), opened from a temporary copy."""
    data = _collection(path)
    with tempfile.NamedTemporaryFile(suffix=".anki2") as tmp:
        tmp.write(data)
        tmp.flush()
        conn = sqlite3.connect(tmp.name)
        try:
            yield conn
        except sqlite3.DatabaseError as e:
            raise UserError([Issue(f"{path} is not a valid Anki package: {e}",
                                   hint="rebuild it with ankigen build")]) from e
        finally:
            conn.close()


def read_package(path: Path) -> dict[str, PackageNote]:
    """ankigen's notes (those with a Source footer) of an .apkg or .colpkg, by GUID.

    A package is untrusted input: entry count, sizes, rows and query work are all capped.
    """
    data = _collection(path)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(data)
        rows, note_deck = _rows(path, str(db))
    out = {}
    for number, (guid, flds, mod, mid, tags, nid) in enumerate(rows, 1):
        if not isinstance(guid, str) or not isinstance(flds, str):
            raise _refuse(path, f"note {number} has an empty (NULL) or non-text guid or fields")
        fields = tuple(flds.split("\x1f"))
        if _is_ankigen(fields):
            out[guid] = PackageNote(guid, _label(fields), fields, int(mod or 0),  # type: ignore[call-overload]
                                    int(mid or 0), tuple(str(tags or "").split()),  # type: ignore[call-overload]
                                    note_deck.get(int(nid or 0), ""))  # type: ignore[call-overload]
    return out


def _is_ankigen(fields: tuple[str, ...]) -> bool:
    at = package.source_index(fields)
    return at is not None and 'class="source-id"' in fields[at]


def read_note_types(path: Path) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Every note type of a package: id → (name, field names in order)."""
    with _open_collection(path) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        if "notetypes" in tables:  # schema 18
            names = dict(conn.execute("select id, name from notetypes").fetchall())
            fields: dict[int, list[str]] = {int(i): [] for i in names}
            for ntid, name in conn.execute("select ntid, name from fields order by ntid, ord"):
                fields.setdefault(int(ntid), []).append(str(name))
            return {int(i): (str(n), tuple(fields[int(i)])) for i, n in names.items()}
        row = conn.execute("select models from col").fetchone()
        models = json.loads(row[0] if row else "{}")
    return {int(k): (str(m.get("name", "")), tuple(str(f["name"]) for f in
                                                   sorted(m.get("flds", []), key=lambda f: f["ord"])))
            for k, m in models.items()}


NoteTypes = dict[int, tuple[str, tuple[str, ...]]]  # model id: (name, fields)


def note_type_changes(old: NoteTypes, new: NoteTypes) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """(name, old fields, new fields) of each note type in both whose fields differ.

    Anki's default import refuses such a change: every note of that type already in the
    collection is 'conflicting' (kept as it is, not updated), and the package's note
    type is added as a copy ('<name>+'). See the README, "Upgrading".
    """
    return tuple(sorted((new[i][0], old[i][1], new[i][1]) for i in old.keys() & new.keys()
                        if old[i][1] != new[i][1]))


def _note_decks(conn: sqlite3.Connection) -> dict[int, str]:
    """Deck name of each note's first card (home deck if it sits in a filtered deck)."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if "decks" in tables:  # schema 18 (Anki 2.1.28+ collections and exports)
        names = {int(i): str(n).replace("\x1f", "::") for i, n in conn.execute("select id, name from decks")}
    else:  # schema 11 (genanki, legacy exports): decks as JSON in the col table
        row = conn.execute("select decks from col").fetchone()
        names = {int(k): v.get("name", "") for k, v in json.loads(row[0] if row else "{}").items()}
    cards = conn.execute("select nid, case when odid != 0 then odid else did end, min(ord) "
                         "from cards group by nid").fetchall()
    return {int(nid): names.get(int(did), "") for nid, did, _ in cards}


def _same(a: PackageNote, b: PackageNote) -> bool:
    """Equal as Anki stores them (it normalizes text to NFC on import)."""
    def norm(n: PackageNote) -> tuple[str, ...]:
        return tuple(unicodedata.normalize("NFC", f) for f in n.fields)

    return a.model == b.model and norm(a) == norm(b) and \
        sorted(t.lower() for t in a.tags) == sorted(t.lower() for t in b.tags)


def compare(old: dict[str, PackageNote], new: dict[str, PackageNote]) -> DiffResult:
    """Anki's decision for every note of `new` imported over a collection holding `old`."""
    groups: dict[str, list[str]] = {k: [] for k in (
        "added", "updated", "unchanged", "skipped", "rewritten", "edited_overwritten", "edited_kept")}
    after: dict[str, tuple[str, ...]] = {g: n.fields for g, n in old.items()}
    for g, n in new.items():
        o = old.get(g)
        if o is None:
            groups["added"].append(n.label)
            after[g] = n.fields
            continue
        newer = o.mtime < n.mtime
        kind = ("rewritten" if _same(o, n) else "updated") if newer else \
            ("unchanged" if _same(o, n) else "skipped")
        groups[kind].append(n.label)
        if newer:
            after[g] = n.fields
        if o.edited_in_anki():
            groups["edited_overwritten" if newer else "edited_kept"].append(n.label)
    used_before = {m for n in old.values() for f in n.fields for m in MEDIA_REF.findall(f)}
    used_after = {m for fields in after.values() for f in fields for m in MEDIA_REF.findall(f)}
    orphaned = tuple(sorted(old[g].label for g in old if g not in new))
    moved = [g for g in new if g in old and old[g].deck and new[g].deck and old[g].deck != new[g].deck]
    return DiffResult(orphaned=orphaned, stale_media=tuple(sorted(used_before - used_after)),
                      moved=tuple(sorted(new[g].label for g in moved)),
                      deck_renames=tuple(sorted({(old[g].deck, new[g].deck) for g in moved})),
                      added=_sorted(groups["added"]), updated=_sorted(groups["updated"]),
                      unchanged=_sorted(groups["unchanged"]), skipped=_sorted(groups["skipped"]),
                      rewritten=_sorted(groups["rewritten"]),
                      edited_overwritten=_sorted(groups["edited_overwritten"]),
                      edited_kept=_sorted(groups["edited_kept"]))


def _sorted(labels: list[str]) -> tuple[str, ...]:
    return tuple(sorted(labels))


def current_build(recipe_arg: str | None = None, src: Path | None = None) -> dict[str, PackageNote]:
    """The notes `ankigen build` would write now, with the modification times it would give them."""
    ready = prepare(Selection(recipe_arg), src=src, whole=True)
    deck = ready.deck
    mtimes = package.note_mtimes(deck.notes, package.previous_notes(ready.output),
                                 int(package.build_timestamp()))
    new = {}
    for n in deck.notes:
        fields = tuple(package.package_fields(n))
        new[n.guid] = PackageNote(n.guid, _label(fields), fields, mtimes[n.guid],
                                  identity.MODEL_IDS[n.note_type], n.tags, n.deck)
    return new


def current_note_types() -> dict[int, tuple[str, tuple[str, ...]]]:
    """The note types `ankigen build` writes now."""
    return {identity.MODEL_IDS[k]: (package.MODEL_NAMES[k], tuple(f)) for k, f in package.FIELDS.items()}


def diff(old_path: Path, new_path: Path | None = None, *, recipe_arg: str | None = None,
         src: Path | None = None) -> DiffResult:
    old = read_package(old_path)
    new = read_package(new_path) if new_path is not None else current_build(recipe_arg, src)
    types = note_type_changes(read_note_types(old_path),
                              read_note_types(new_path) if new_path is not None else current_note_types())
    return dataclasses.replace(compare(old, new), note_types=types)


def advice(result: DiffResult) -> list[tuple[str, bool]]:
    """What the counts mean for the learner, said loudly: (line, to stderr) pairs."""
    out: list[tuple[str, bool]] = []
    if result.skipped:
        out.append((f"warning: {len(result.skipped)} changed notes are not newer than your copy, so "
                   "Anki will skip them ('not newer'); build again without an old "
                   "SOURCE_DATE_EPOCH, or import with 'Update notes: always'", True))
    if result.edited_overwritten:
        out.append((f"{len(result.edited_overwritten)} notes edited in Anki will be overwritten by "
                   "this import (the YAML sources are the master)", False))
    if result.edited_kept:
        out.append((f"{len(result.edited_kept)} notes edited in Anki keep your edit: their source "
                   "did not change, so this import does not touch them", False))
    if result.deck_renames:
        out.append(("Anki never moves cards it already has: to follow the new deck names, rename "
                   "these decks in Anki before importing (or afterwards move their cards with "
                   "Browse → Change Deck); reviews and intervals stay with the cards either way:", False))
        for old_deck, new_deck in result.deck_renames:
            out.append((f"    {old_deck}  →  {new_deck}", False))
    for name, old_fields, new_fields in result.note_types:
        added = [f for f in new_fields if f not in old_fields]
        out.append((f"warning: the note type '{name}' changed its fields (now {', '.join(new_fields)}"
                   + (f"; new: {', '.join(added)}" if added else "") + "). With the default import "
                   "options Anki updates none of its notes (they are 'conflicting'). Import this "
                   "package once with 'Merge notetypes' ticked and 'Update notes: Always' "
                   "(README, Upgrading); later imports need no change", True))
    if result.orphaned:
        out.append(("orphaned notes stay in your collection; delete them in Anki if you no longer want them",
                    False))
    if result.stale_media:
        out.append(("stale figures stay in Anki's media folder after the import; remove them with "
                   "Tools → Check Media → Delete Unused", False))
    return out
