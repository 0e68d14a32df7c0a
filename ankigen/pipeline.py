"""The commands: one library function per CLI command, each a short composition of the stages.

load → sample → solve → verify → render → draw → package. Notes are made in one place
(ankigen/notes.py), in parallel by one runner (ankigen/runner.py), from sources and a recipe
prepared in one place (ankigen/prepare.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen import decks, hazards
from ankigen.errors import Collector, Issue, UserError
from ankigen.expr import suggest
from ankigen.generate import count_jobs, generate
from ankigen.listing import TopicSummary, list_topics
from ankigen.model import BuiltDeck, Concept, FinalNote, Library, Media
from ankigen.notes import NoteContext, items_of, make_note, solve_and_verify
from ankigen.package import build_timestamp, reproducibility_warning, write_package, written_by_ankigen
from ankigen.paths import Project, find_project
from ankigen.prepare import DEFAULT_CACHE, CacheOptions, Selection, load, prepare, refuse_sources
from ankigen.recipe import available_recipes, load_recipe, resolve_recipe, select_topics
from ankigen.runner import Progress, default_workers
from ankigen.variety import CheckReport, run_check

__all__ = ["BuildResult", "TopicSummary", "build", "check", "count_jobs", "default_workers", "generate",
           "list_topics", "load", "resolve_recipe", "show", "solve_and_verify", "validate"]


@dataclass(frozen=True)
class BuildResult:
    output: Path
    notes: int
    concepts: int
    problems: int
    clozes: int
    media: int
    topics: int
    cached: int = 0
    warnings: tuple[str, ...] = ()


def build(recipe_arg: str | None = None, topics: Sequence[str] = (), *, variants: int | None = None,
          seed: int | None = None, output: str | None = None, src: Path | None = None,
          progress_factory: Callable[[int], Progress] | None = None, workers: int | None = None,
          use_cache: bool = True, cache_dir: Path | None = None) -> BuildResult:
    """Make every note of the recipe, then write the package (atomically)."""
    ready = prepare(Selection(recipe_arg, topics, variants, seed, output), src=src,
                    cache=CacheOptions(use_cache, cache_dir), workers=workers,
                    progress_factory=progress_factory, before=_before_build, whole=True)
    deck, out = ready.deck, ready.output
    _refuse_hazards(deck, ready.library, ready.project)
    warning = reproducibility_warning(out)
    write_package(deck, out, ready.project.templates)
    kinds = [n.note_type for n in deck.notes]
    return BuildResult(out, len(deck.notes), kinds.count("concept"), kinds.count("problem"),
                       kinds.count("cloze"), len(deck.media), len({n.deck for n in deck.notes}),
                       ready.cache.hits if ready.cache else 0, (warning,) if warning else ())


def _refuse_hazards(deck: BuiltDeck, library: Library | None, project: Project) -> None:
    """What a client would show broken (ankigen/hazards.py) stops `build` and `validate` alike."""
    issues = hazards.lint(deck, library)
    if issues and library is None:  # notes from the cache: load the sources for file:line
        issues = hazards.lint(deck, load(project))
    if issues:
        raise UserError(issues)


def _before_build(project: Project, out: Path) -> None:
    """Refuse a bad output path or SOURCE_DATE_EPOCH before the work, not after."""
    if out.is_file() and not written_by_ankigen(out):
        raise UserError([Issue(f"refusing to overwrite {out}: it is not a deck ankigen wrote",
                               hint="choose another file name, or delete it yourself")])
    refuse_sources(out, project, what="the deck", hint="write it under decks/ or another folder")
    build_timestamp()


def validate(src: Path | None = None) -> Library:
    """Every source and recipe, then the default deck's notes checked for client hazards."""
    project = find_project(src)
    library = load(project)
    col = Collector()
    try:
        decks.check(library)
    except UserError as e:
        col.extend(e.issues)
    for recipe_name in available_recipes(project):
        try:
            select_topics(library, load_recipe(project.recipes / f"{recipe_name}.yaml"))
        except UserError as e:
            col.extend(e.issues)
    col.raise_if_any()
    recipe, _ = resolve_recipe(project)  # rendered as `build` does, from the same cache
    deck = generate(library, recipe, project, workers=default_workers(),
                    cache=DEFAULT_CACHE.open(project.templates))
    _refuse_hazards(deck, library, project)
    return library


def check(seeds: int = 50, topics: Sequence[str] = (), *, recipe_arg: str | None = None,
          src: Path | None = None, first_seed: int = 1,
          progress_factory: Callable[[int], Progress] | None = None, workers: int | None = None,
          draw_seeds: int = 2, use_cache: bool = True, cache_dir: Path | None = None) -> CheckReport:
    """Generate `seeds` variants of every problem; verify, lint and measure them (ankigen/variety.py)."""
    return run_check(seeds, topics, recipe_arg=recipe_arg, src=src, first_seed=first_seed,
                     progress_factory=progress_factory, workers=workers, draw_seeds=draw_seeds,
                     cache=CacheOptions(use_cache, cache_dir))


def show(item_id: str, *, seed: int | None = None, slot: int = 0, recipe_arg: str | None = None,
         src: Path | None = None) -> tuple[FinalNote, Media | None]:
    """Exactly the variant a build with this seed put in this slot (`ID#K`), as a one-variant note."""
    project = find_project(src)
    library = load(project)
    recipe, _ = resolve_recipe(project, recipe_arg, seed=seed)
    ctx = NoteContext(library, project, recipe.name)
    for topic in library.topics:
        for item in items_of(topic):
            if item.id != item_id:
                continue
            if isinstance(item, Concept) and slot != 0:
                raise UserError([Issue(f"concept '{item_id}' has only slot 0",
                                       hint="omit --slot (or #K) for concepts")])
            if not 0 <= slot < 1000:
                raise UserError([Issue(f"slot {slot} is out of range", hint="use 0 to 999")])
            made = make_note(ctx, topic, item, seed=recipe.seed, slots=(slot,))
            return made.note, (made.media[0] if made.media else None)
    ids = [i.id for t in library.topics for i in items_of(t)]
    raise UserError([Issue(f"no concept or problem with id '{item_id}'",
                           hint=suggest(item_id, ids) or "run 'ankigen list --items' to see ids")])
