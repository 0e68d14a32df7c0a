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


def read_package(path: Path) -> dict[str, PackageNote]:
    """Notes of an .apkg by GUID (the legacy collection.anki2 that genanki and 'support older Anki versions' write)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "collection.anki2" not in names:
                raise UserError([Issue(f"{path} has no collection.anki2",
                                       hint="export from Anki with 'Support older Anki versions' ticked")])
            data = zf.read("collection.anki2")
    except (OSError, zipfile.BadZipFile) as e:
        raise UserError([Issue(f"cannot read {path}: {e}", hint="give the path of an .apkg file")]) from e
    with tempfile.NamedTemporaryFile(suffix=".anki2") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            conn = sqlite3.connect(tmp.name)
            rows = conn.execute("select guid, flds from notes").fetchall()
            conn.close()
        except sqlite3.DatabaseError as e:
            raise UserError([Issue(f"{path} is not a valid Anki package: {e}",
                                   hint="rebuild it with ankigen build")]) from e
    out = {}
    for guid, flds in rows:
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
