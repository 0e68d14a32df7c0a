"""Content-addressed cache of finished notes, so a rebuild only recomputes what changed.

Key: SHA-256 over everything that can change a note: the item's source, the
deck it lands in, seed and slot, the templates, ankigen's own code and the
versions of the libraries that shape output. Entries are JSON (never pickle);
figures are stored under their content hash and re-hashed on read, so a
corrupt or truncated entry is detected, dropped and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ankigen.draw import media_name
from ankigen.errors import Issue, UserError
from ankigen.model import FinalNote, Media
from ankigen.yamlpos import MAX_BYTES

FORMAT = 2  # 2: a note may carry several media (one figure per variant)


def default_dir() -> Path:
    base = os.environ.get("ANKIGEN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "ankigen" if not os.environ.get("ANKIGEN_CACHE_DIR") else root


@lru_cache(maxsize=1)
def environment_digest() -> str:
    """ankigen's source code and the versions of libraries that affect output."""
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    for path in sorted(pkg.rglob("*.py")):
        h.update(str(path.relative_to(pkg)).encode())
        h.update(path.read_bytes())
    for dist in ("sympy", "matplotlib", "numpy", "jinja2", "nh3", "genanki", "mpmath"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    return h.hexdigest()


def templates_digest(templates: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(templates)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


class Cache:
    def __init__(self, folder: Path, templates: Path):
        for part in (folder, *folder.parents):
            if part.exists() and not part.is_dir():
                raise UserError([Issue(f"the cache folder {folder} cannot be used: {part} is a file",
                                       hint="remove that file, pass --cache-dir another folder, "
                                            "or build with --no-cache")])
        self.folder = folder
        self.base = hashlib.sha256(
            f"{FORMAT}|{environment_digest()}|{templates_digest(templates)}".encode()).hexdigest()
        self.hits = self.misses = self.corrupt = 0

    def key(self, digest: str, deck: str, seed: int, slot: int) -> str:
        return hashlib.sha256(f"{self.base}|{digest}|{deck}|{seed}|{slot}".encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / "notes" / key[:2] / f"{key}.json"

    def _media(self, name: str) -> Path:
        return self.folder / "media" / name

    def get(self, key: str) -> tuple[FinalNote, tuple[Media, ...]] | None:
        path = self._entry(key)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            data = json.loads(raw)
            if data.get("key") != key or data.get("format") != FORMAT:
                raise ValueError("stale entry")
            body = json.dumps(data["note"], sort_keys=True).encode()
            if hashlib.sha256(body).hexdigest() != data["checksum"]:
                raise ValueError("checksum mismatch")
            n = data["note"]
            note = FinalNote(n["item_id"], n["note_type"], n["guid"], n["deck"],
                             tuple((k, v) for k, v in n["fields"]), tuple(n["tags"]), n["seed"],
                             n["slot"], tuple(n["media"]))
            media = tuple(Media(name, self._media_blob(name)) for name in note.media)
        except (ValueError, KeyError, TypeError, OSError, json.JSONDecodeError):
            self.corrupt += 1
            self.misses += 1
            path.unlink(missing_ok=True)
            return None
        self.hits += 1
        return note, media

    def put(self, key: str, note: FinalNote, media: tuple[Media, ...]) -> None:
        body: dict[str, Any] = {
            "item_id": note.item_id, "note_type": note.note_type, "guid": note.guid,
            "deck": note.deck, "fields": [list(f) for f in note.fields], "tags": list(note.tags),
            "seed": note.seed, "slot": note.slot, "media": list(note.media),
        }
        checksum = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        try:
            for m in media:
                self._put_media(m)
            _atomic_write(self._entry(key), json.dumps(
                {"format": FORMAT, "key": key, "checksum": checksum, "note": body}).encode())
        except OSError:
            pass  # a cache that cannot be written only costs time

    def figures(self) -> FigureCache:
        return FigureCache(self)

    def _put_media(self, media: Media) -> None:
        if not self._media(media.name).exists():
            _atomic_write(self._media(media.name), media.data)

    def _media_blob(self, name: str) -> bytes:
        blob = self._media(name).read_bytes()
        if media_name(blob) != name:
            self._media(name).unlink(missing_ok=True)  # damaged: the next put rewrites it
            raise ValueError("media hash mismatch")
        return blob

    # A manifest maps "these exact sources, this recipe" to the ordered note keys, so a
    # rebuild with nothing changed skips loading and validating the sources altogether.

    def manifest_key(self, sources: Path, recipe: object) -> str:
        h = hashlib.sha256(f"manifest|{self.base}|{recipe!r}".encode())
        for path in sorted(sources.rglob("*")):
            if path.is_file():
                rel = str(path.relative_to(sources))
                try:
                    size = path.stat().st_size  # too large to be a source: loading refuses it anyway
                    data = path.read_bytes() if size <= MAX_BYTES else f"{size}|{path.stat().st_mtime_ns}".encode()
                except OSError as e:
                    raise UserError([Issue(f"cannot read file: {e.strerror or e}",
                                           path=str(Path(sources.name) / rel),
                                           hint="check that the file exists and is readable")]) from e
                h.update(rel.encode() + b"\0" + data + b"\0")
        return h.hexdigest()

    def get_manifest(self, key: str) -> list[tuple[FinalNote, tuple[Media, ...]]] | None:
        try:
            data = json.loads((self.folder / "manifests" / f"{key}.json").read_bytes())
            keys = data["notes"]
            if data.get("key") != key or not isinstance(keys, list):
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        out = []
        for k in keys:
            hit = self.get(str(k))
            if hit is None:
                return None
            out.append(hit)
        return out

    def put_manifest(self, key: str, note_keys: list[str]) -> None:
        with contextlib.suppress(OSError):
            _atomic_write(self.folder / "manifests" / f"{key}.json",
                          json.dumps({"key": key, "notes": note_keys}).encode())


class FigureCache:
    """Figures by their exact inputs (kind and arguments), shared by every note and recipe.

    A note whose text changed keeps its figure; so does a topic that was renamed.
    """

    def __init__(self, cache: Cache):
        self.cache = cache

    def _entry(self, token: str) -> tuple[str, Path]:
        key = hashlib.sha256(f"{self.cache.base}|figure|{token}".encode()).hexdigest()
        return key, self.cache.folder / "figures" / key[:2] / f"{key}.json"

    def get(self, token: str) -> Media | None:
        key, path = self._entry(token)
        try:
            data = json.loads(path.read_bytes())
            if data.get("key") != key or data.get("format") != FORMAT:
                raise ValueError("stale entry")
            name = str(data["media"])
            return Media(name, self.cache._media_blob(name))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, OSError, json.JSONDecodeError):
            path.unlink(missing_ok=True)  # corrupt: drawn again and rewritten
            return None

    def put(self, token: str, media: Media) -> None:
        key, path = self._entry(token)
        try:
            self.cache._put_media(media)
            _atomic_write(path, json.dumps({"format": FORMAT, "key": key, "media": media.name}).encode())
        except OSError:
            pass  # a cache that cannot be written only costs time


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


PARTS = ("notes", "figures", "media", "manifests")  # all that a cache folder holds


def clear(folder: Path | None = None) -> tuple[int, int]:
    """Delete what the cache holds; return how many notes and figures it held.

    Only the cache's own subfolders are removed, and only when the folder holds nothing else:
    `--cache-dir ~` must not delete a home folder.
    """
    folder = folder or default_dir()
    if not folder.exists():
        return 0, 0
    foreign = [p.name for p in folder.iterdir() if p.name not in PARTS or p.is_symlink() or not p.is_dir()] \
        if folder.is_dir() and not folder.is_symlink() else [folder.name]
    if foreign:
        raise UserError([Issue(f"refusing to clear {folder}: it is not an ankigen cache "
                               f"(it holds '{sorted(foreign)[0]}')",
                               hint="give the cache folder itself, or remove it by hand")])
    notes = sum(1 for _ in (folder / "notes").rglob("*.json"))
    figures = sum(1 for _ in (folder / "figures").rglob("*.json"))
    for part in PARTS:
        shutil.rmtree(folder / part, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # empty now: it was only the cache
    return notes, figures
