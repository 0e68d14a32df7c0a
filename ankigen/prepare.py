"""The preparation every command shares: project → recipe → library → notes, with one cache policy.

build, preview and diff get their deck here; check and validate their sources. The checks
that must fail before any work (never write into the sources) run here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.cache import Cache, default_dir
from ankigen.errors import Issue, UserError
from ankigen.generate import count_jobs, generate
from ankigen.load import load_library
from ankigen.model import BuiltDeck, Library, Recipe
from ankigen.paths import Project, find_project
from ankigen.recipe import resolve_recipe
from ankigen.runner import Progress, default_workers


@dataclass(frozen=True)
class CacheOptions:
    """Whether and where finished notes and figures are cached (`--no-cache`, `--cache-dir`)."""

    use: bool = True
    folder: Path | None = None

    def open(self, templates: Path) -> Cache | None:
        return Cache(self.folder or default_dir(), templates) if self.use else None


DEFAULT_CACHE = CacheOptions()  # the default cache folder ($ANKIGEN_CACHE_DIR or ~/.cache/ankigen)


@dataclass(frozen=True)
class Selection:
    """Which deck: a recipe (file or name; default the default recipe) and command-line overrides."""

    recipe: str | None = None
    topics: Sequence[str] = ()
    variants: int | None = None
    seed: int | None = None
    output: str | None = None


@dataclass(frozen=True)
class Prepared:
    project: Project
    recipe: Recipe
    output: Path
    deck: BuiltDeck
    library: Library | None  # None when the whole deck came from the cache
    cache: Cache | None


def load(project: Project) -> Library:
    return load_library(project.sources)


def refuse_sources(path: Path, project: Project, *, what: str, hint: str) -> None:
    """Never write output into the sources or the templates (the one place this is checked)."""
    resolved = path.resolve()
    for protected in (project.sources, project.templates):
        folder = protected.resolve()
        if resolved == folder or folder in resolved.parents:
            raise UserError([Issue(f"refusing to write {what} into {protected}", hint=hint)])


def prepare(selection: Selection, *, src: Path | None = None, cache: CacheOptions = DEFAULT_CACHE,
            workers: int | None = None, progress_factory: Callable[[int], Progress] | None = None,
            before: Callable[[Project, Path], None] | None = None, whole: bool = False) -> Prepared:
    """Resolve the selection, run `before` (checks that must fail first), then make every note.

    With `whole`, a deck built before from the very same sources comes from the cache whole,
    without loading them (the library is then None).
    """
    project = find_project(src)
    recipe, out = resolve_recipe(project, selection.recipe, topics=selection.topics,
                                 variants=selection.variants, seed=selection.seed, output=selection.output)
    if before is not None:
        before(project, out)
    store = cache.open(project.templates)
    manifest = store.manifest_key(project.sources, recipe) if store is not None and whole else None
    hits = store.get_manifest(manifest) if store is not None and manifest else None
    if hits is not None:  # nothing changed since a build that succeeded: reuse it whole
        media = {m.name: m for _, ms in hits for m in ms}
        deck = BuiltDeck(recipe, tuple(n for n, _ in hits), tuple(media[k] for k in sorted(media)))
        return Prepared(project, recipe, out, deck, None, store)
    library = load(project)
    progress = progress_factory(count_jobs(library, recipe)) if progress_factory else None
    deck = generate(library, recipe, project, progress=progress, workers=workers or default_workers(),
                    cache=store, manifest=manifest)
    return Prepared(project, recipe, out, deck, library, store)
