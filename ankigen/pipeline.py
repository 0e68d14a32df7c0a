"""The pipeline, end to end: one library function per CLI command.

load → sample → solve → verify → render → draw → package. Every item is
processed before anything is written, and every error is collected, so a
failed build reports all its problems and leaves the previous deck untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ankigen import decks
from ankigen.bounds import (
    check_fields,
    item_limit,
    run_limit,
    where_of,
    worker_pool,
)
from ankigen.errors import Collector, Issue, ItemError, UserError, Variant
from ankigen.model import (
    BuiltDeck,
    Concept,
    FinalNote,
    Library,
    Media,
    Problem,
    Recipe,
    Topic,
    Verified,
)
from ankigen.paths import Project, find_project
from ankigen.recipe import DEFAULT_RECIPE, load_recipe, select_topics

if TYPE_CHECKING:
    from ankigen.draw import FigureStore
    from ankigen.variety import CheckReport

Progress = Callable[[int], None]


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


def load(project: Project) -> Library:
    from ankigen.load import load_library

    return load_library(project.sources)


def concept_note(library: Library, topic: Topic, concept: Concept, root: str, seed: int,
                 project: Project, figures: FigureStore | None = None,
                 drawing: bool = True) -> tuple[FinalNote, Media | None]:
    """One concept note; without drawing, the figure's claims are still checked (for `check`)."""
    from ankigen import draw, render

    deck = decks.deck_name(library, root, topic)
    note = render.render_concept(concept, deck, seed, project.templates)
    check_fields(note.fields, concept, seed, 0, latex=False)
    media = draw.figure(concept, {}, Variant(concept.id, seed, 0), store=figures, drawing=drawing)
    return draw.attach(note, concept.figure, media), media


def problem_note(library: Library, topic: Topic, problem: Problem, root: str, seed: int,
                 slots: Sequence[int], project: Project, figures: FigureStore | None = None,
                 drawing: bool = True, verified: Verified | None = None) -> tuple[FinalNote, tuple[Media, ...]]:
    """One problem note carrying the variants `slots` (the first shows without JavaScript).

    Each variant goes through sample → solve → verify → render → draw on its own; build,
    check, show and preview all make their problem notes here.
    """
    from ankigen import identity
    from ankigen.answers import check_json
    from ankigen.variants import PARTS, variants_html

    parts: list[tuple[int, dict[str, str]]] = []
    specs: list[dict[str, Any]] = []
    media: dict[str, Media] = {}
    first: FinalNote | None = None
    for i, slot in enumerate(slots):
        with item_limit(problem, seed, slot):
            note, m, spec = variant_note(library, topic, problem, root, seed, slot, project, figures,
                                         drawing, verified if i == 0 else None)
        first = first or note
        parts.append((slot, dict(note.fields)))
        specs.append(spec)
        if m is not None:
            media[m.name] = m
    assert first is not None, "a problem note has at least one variant"
    fields = (*((name, parts[0][1][name]) for name, _ in PARTS[:-1]),
              ("Variants", variants_html(parts[1:])),
              ("Check", check_json(specs, problem.id)),
              ("Source", parts[0][1]["Source"]))
    note = FinalNote(problem.id, "problem", identity.guid(problem.id, 0), first.deck, fields,
                     first.tags, seed, slots[0], tuple(sorted(media)))
    return note, tuple(media[k] for k in sorted(media))


def variant_note(library: Library, topic: Topic, problem: Problem, root: str, seed: int, slot: int,
                 project: Project, figures: FigureStore | None = None, drawing: bool = True,
                 verified: Verified | None = None) -> tuple[FinalNote, Media | None, dict[str, Any]]:
    """One variant through sample → solve → verify → render → draw (`check` may skip drawing)."""
    from ankigen import draw, render

    verified = verified or solve_and_verify(problem, seed, slot)
    solved = verified.solved
    where = where_of(problem)
    deck = decks.deck_name(library, root, topic)
    try:
        note = render.render_problem(verified, deck, project.templates)
    except ItemError as e:
        raise UserError([Issue(f"{e.message} (seed {seed}, slot {slot})", hint=e.hint,
                               **where)]) from e  # type: ignore[arg-type]
    check_fields(note.fields, problem, seed, slot)
    media = draw.figure(problem, solved.namespace(), Variant(problem.id, seed, slot), store=figures,
                        drawing=drawing)
    return draw.attach(note, problem.figure, media), media, verified.spec


def solve_and_verify(problem: Problem, seed: int, slot: int) -> Verified:
    """sample → solve → verify one variant, under the item's time limit."""
    from ankigen import render
    from ankigen.sample import sample
    from ankigen.solve import solve
    from ankigen.verify import verify

    where = where_of(problem)

    from ankigen import identity
    from ankigen.variants import variant_spec

    point_seed = identity.variant_seed(seed, problem.id, slot) % (1 << 31)

    def accept(values: dict[str, object]) -> bool:
        return variant_spec(problem, values, point_seed)[1] == 0

    with item_limit(problem, seed, slot):
        solved = solve(problem, sample(problem, seed, slot, accept if problem.mistakes else None))
        try:
            answer = render.answer_html(solved)
        except ItemError as e:
            raise UserError([Issue(f"answer: {e.message} (seed {seed}, slot {slot})", hint=e.hint,
                                   **where)]) from e  # type: ignore[arg-type]
        try:
            solution = render.solution_html(solved)
        except ItemError as e:
            raise UserError([Issue(f"solution: {e.message} (seed {seed}, slot {slot})", hint=e.hint,
                                   **where)]) from e  # type: ignore[arg-type]
        v = verify(solved, answer, solution)
        spec, _ = variant_spec(problem, solved.namespace(), point_seed)
        return Verified(v.solved, v.results, v.answer_html, v.solution_html, spec)


@dataclass(frozen=True)
class Job:
    topic: Topic
    item: Concept | Problem
    slot: int


_WORKER: dict[str, object] = {}
EAGER_FIGURES = 32  # this many figures to draw, or more: import matplotlib before forking


def _run_job(index: int) -> tuple[int, FinalNote | None, tuple[Media, ...], tuple[Issue, ...]]:
    """One note, start to finish; runs in a worker process (state inherited by fork) or inline."""
    library: Library = _WORKER["library"]  # type: ignore[assignment]
    recipe: Recipe = _WORKER["recipe"]  # type: ignore[assignment]
    project: Project = _WORKER["project"]  # type: ignore[assignment]
    job: Job = _WORKER["jobs"][index]  # type: ignore[index]
    figures: FigureStore | None = _WORKER.get("figures")  # type: ignore[assignment]
    media: tuple[Media, ...]
    try:
        if isinstance(job.item, Concept):
            with item_limit(job.item, recipe.seed, job.slot):
                note, one = concept_note(library, job.topic, job.item, recipe.name, recipe.seed, project,
                                         figures)
            media = (one,) if one is not None else ()
        else:  # each variant runs under its own item limit (variant_note)
            note, media = problem_note(library, job.topic, job.item, recipe.name, recipe.seed,
                                       range(recipe.variants), project, figures)
    except UserError as e:
        return index, None, (), e.issues
    return index, note, media, ()


def _warm_up(figures: bool = True) -> None:
    """Import the heavy modules once in the parent so forked workers share them.

    matplotlib (~0.35 s) only when many figures may be drawn: after a small edit most
    figures come from the cache and the workers import it only if they must draw.
    """
    if figures:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.figure  # noqa: F401

        from ankigen import figures as _kinds  # noqa: F401
    from ankigen import exact, numeric, render  # noqa: F401

    render.environment()


@contextmanager
def _long_lived(figures: bool) -> Iterator[None]:
    """Import the heavy modules, then freeze everything alive for the duration.

    The sources, sympy and matplotlib live as long as the build: the collector need not
    rescan them after every figure, and forked workers need not copy them.
    """
    import gc

    _warm_up(figures)
    gc.collect(1)  # the young garbage; a full pass over the long-lived heap costs ~0.1 s
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _die_with_parent() -> None:
    """Pool initializer: on Linux, have the kernel stop a worker whose parent was killed."""
    import sys

    from ankigen.limits import reset_in_child

    reset_in_child()
    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def default_workers() -> int:
    import os

    return max(1, min(os.cpu_count() or 1, 8))


def generate(library: Library, recipe: Recipe, project: Project,
             progress: Progress | None = None, workers: int = 1,
             cache: object | None = None, manifest: str | None = None) -> BuiltDeck:
    """Produce every note of a recipe in memory (nothing is written here).

    With workers > 1 the notes are computed in forked processes; the result is
    identical to the serial one. With a cache, unchanged notes are reused.
    """
    from ankigen.cache import Cache

    topics = select_topics(library, recipe)
    jobs: list[Job] = []
    for topic in topics:
        jobs += [Job(topic, c, 0) for c in topic.concepts]
        jobs += [Job(topic, p, recipe.variants) for p in topic.problems]  # slot: K, the variants
    results: list[Outcome] = [(None, (), ())] * len(jobs)
    keys: list[str] = []
    pending: list[int] = []
    store = cache if isinstance(cache, Cache) else None
    for i, job in enumerate(jobs):
        if store is not None:
            deck = decks.deck_name(library, recipe.name, job.topic)
            key = store.key(job.item.digest, deck, recipe.seed, job.slot)  # K for problems
            keys.append(key)
            hit = store.get(key)
            if hit is not None:
                results[i] = (hit[0], hit[1], ())
                if progress:
                    progress(1)
                continue
        pending.append(i)

    _WORKER.update(library=library, recipe=recipe, project=project, jobs=jobs,
                   figures=store.figures() if store is not None else None)
    drawing = sum(jobs[i].item.figure is not None for i in pending) >= EAGER_FIGURES
    try:
        with _long_lived(figures=drawing), run_limit():
            for i, outcome in _compute(jobs, pending, workers, recipe, progress).items():
                results[i] = outcome
    finally:
        _WORKER.clear()

    col = Collector()
    notes: list[FinalNote] = []
    media_by_name: dict[str, Media] = {}
    computed = set(pending)
    for i, (note, media, issues) in enumerate(results):
        col.extend(issues)
        if note is None:
            continue
        if store is not None and i in computed and not issues:
            store.put(keys[i], note, media)
        notes.append(note)
        for m in media:
            media_by_name[m.name] = m
    col.raise_if_any()
    if store is not None and manifest is not None:
        store.put_manifest(manifest, keys)
    return BuiltDeck(recipe, tuple(notes), tuple(media_by_name[k] for k in sorted(media_by_name)))


Outcome = tuple[FinalNote | None, tuple[Media, ...], tuple[Issue, ...]]




def _compute(jobs: list[Job], pending: list[int], workers: int, recipe: Recipe,
             progress: Progress | None) -> dict[int, Outcome]:
    """Run the pending jobs, in forked workers when there are several."""
    results: dict[int, Outcome] = {}
    if workers > 1 and len(pending) > 1 and _can_fork():
        def cost(i: int) -> int:  # longest jobs first, so no worker is left with a long tail
            item = jobs[i].item  # a problem's job computes its K variants (K = its slot)
            return (3 if item.figure is not None else 1) * (jobs[i].slot if isinstance(item, Problem) else 1)

        first: dict[int, int] = {}
        for i in pending:
            first.setdefault(id(jobs[i].item), i)
        order = sorted(pending, key=lambda i: (-cost(i), first[id(jobs[i].item)], jobs[i].slot))
        with worker_pool(workers, _die_with_parent) as pool:
            chunk = max(1, len(pending) // (workers * 32))
            for index, note, media, issues in pool.map(_run_job, order, chunksize=chunk):
                results[index] = (note, media, issues)
                if progress:
                    progress(1)
    else:
        for i in pending:
            index, note, media, issues = _run_job(i)
            results[index] = (note, media, issues)
            if progress:
                progress(1)
    return results


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def count_jobs(library: Library, recipe: Recipe) -> int:
    topics = select_topics(library, recipe)
    return sum(len(t.concepts) + len(t.problems) for t in topics)


def resolve_recipe(project: Project, recipe_arg: str | None, topics: Sequence[str],
                   variants: int | None, seed: int | None, output: str | None,
                   name: str | None = None) -> tuple[Recipe, Path]:
    """Combine a recipe file (or the default) with command-line overrides; return it and its output path."""
    if recipe_arg is not None:
        path = Path(recipe_arg)
        if not path.exists() and (project.recipes / f"{recipe_arg}.yaml").exists():
            path = project.recipes / f"{recipe_arg}.yaml"
        if not path.exists():
            raise UserError([Issue(f"recipe '{recipe_arg}' not found",
                                   hint=f"give a path to a .yaml recipe or one of: {', '.join(available_recipes(project))}")])
        recipe = load_recipe(path)
        out_dir = path.parent if not project.bundled else project.output_dir
    else:
        recipe = load_recipe(project.recipes / f"{DEFAULT_RECIPE}.yaml")
        out_dir = project.output_dir
    if topics:
        recipe = Recipe(recipe.name, tuple(topics), (), recipe.variants, recipe.seed,
                        "subset.apkg", "--topics")
    if variants is not None or seed is not None or name is not None:
        recipe = Recipe(name or recipe.name, recipe.include, recipe.exclude,
                        recipe.variants if variants is None else variants,
                        recipe.seed if seed is None else seed, recipe.output, recipe.path)
    out = Path(output) if output else out_dir / recipe.output
    if out.suffix != ".apkg":
        raise UserError([Issue(f"output '{out}' must end in .apkg", hint="e.g. -o decks/my.apkg")])
    return recipe, out


def available_recipes(project: Project) -> list[str]:
    return sorted(p.stem for p in project.recipes.glob("*.yaml"))


def build(recipe_arg: str | None = None, topics: Sequence[str] = (), variants: int | None = None,
          seed: int | None = None, output: str | None = None, src: Path | None = None,
          progress_factory: Callable[[int], Progress] | None = None, workers: int | None = None,
          use_cache: bool = True, cache_dir: Path | None = None) -> BuildResult:
    from ankigen.cache import Cache, default_dir
    from ankigen.package import build_timestamp, reproducibility_warning, write_package

    project = find_project(src)
    recipe, out = resolve_recipe(project, recipe_arg, topics, variants, seed, output)
    _check_output_path(out, project)
    build_timestamp()  # a bad SOURCE_DATE_EPOCH is reported before the work, not after
    cache = Cache(cache_dir or default_dir(), project.templates) if use_cache else None
    manifest = cache.manifest_key(project.sources, recipe) if cache else None
    hits = cache.get_manifest(manifest) if cache and manifest else None
    if hits is not None:  # nothing changed since a build that succeeded: reuse it whole
        media = {m.name: m for _, ms in hits for m in ms}
        deck = BuiltDeck(recipe, tuple(n for n, _ in hits), tuple(media[k] for k in sorted(media)))
    else:
        library = load(project)
        progress = progress_factory(count_jobs(library, recipe)) if progress_factory else None
        deck = generate(library, recipe, project, progress, workers or default_workers(), cache,
                        manifest)
    warning = reproducibility_warning(out)
    write_package(deck, out, project.templates)
    kinds = [n.note_type for n in deck.notes]
    return BuildResult(out, len(deck.notes), kinds.count("concept"), kinds.count("problem"),
                       kinds.count("cloze"), len(deck.media), len({n.deck for n in deck.notes}),
                       cache.hits if cache else 0, (warning,) if warning else ())


def _check_output_path(out: Path, project: Project) -> None:
    from ankigen.package import written_by_ankigen

    if out.is_file() and not written_by_ankigen(out):
        raise UserError([Issue(f"refusing to overwrite {out}: it is not a deck ankigen wrote",
                               hint="choose another file name, or delete it yourself")])
    resolved = out.resolve()
    for protected in (project.sources, project.templates):
        try:
            resolved.relative_to(protected.resolve())
        except ValueError:
            continue
        raise UserError([Issue(f"refusing to write the deck into {protected}",
                               hint="write it under decks/ or another folder")])


def validate(src: Path | None = None) -> Library:
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
    _lint_rendered(library, project)
    return library


def _lint_rendered(library: Library, project: Project) -> None:
    """Render the default deck as `build` does (same cache) and check it for client hazards."""
    from ankigen import hazards
    from ankigen.cache import Cache, default_dir

    recipe, _ = resolve_recipe(project, None, (), None, None, None)
    deck = generate(library, recipe, project, workers=default_workers(),
                    cache=Cache(default_dir(), project.templates))
    issues = hazards.lint(deck, library)
    if issues:
        raise UserError(issues)


def check(seeds: int = 50, topics: Sequence[str] = (), src: Path | None = None, first_seed: int = 1,
          progress_factory: Callable[[int], Progress] | None = None,
          workers: int | None = None, draw_seeds: int = 2, use_cache: bool = True) -> CheckReport:
    """Generate `seeds` variants of every problem; verify, lint and measure them (ankigen/variety.py)."""
    from ankigen.variety import run_check

    return run_check(seeds, topics, src, first_seed, progress_factory, workers, draw_seeds, use_cache)


def show(item_id: str, seed: int | None = None, slot: int = 0, recipe_arg: str | None = None,
         src: Path | None = None) -> tuple[FinalNote, Media | None]:
    """Exactly the variant a build with this seed put in this slot (`ID#K`), as a one-variant note."""
    project = find_project(src)
    library = load(project)
    recipe, _ = resolve_recipe(project, recipe_arg, (), None, seed, None)
    for topic in library.topics:
        for c in topic.concepts:
            if c.id == item_id:
                if slot != 0:
                    raise UserError([Issue(f"concept '{item_id}' has only slot 0",
                                           hint="omit --variant for concepts")])
                with item_limit(c, recipe.seed, 0):
                    return concept_note(library, topic, c, recipe.name, recipe.seed, project)
        for p in topic.problems:
            if p.id == item_id:
                if not 0 <= slot < 1000:
                    raise UserError([Issue(f"slot {slot} is out of range", hint="use 0 to 999")])
                note, media = problem_note(library, topic, p, recipe.name, recipe.seed, (slot,), project)
                return note, (media[0] if media else None)
    ids = [c.id for t in library.topics for c in t.concepts] + \
        [p.id for t in library.topics for p in t.problems]
    from ankigen.expr import suggest

    raise UserError([Issue(f"no concept or problem with id '{item_id}'",
                           hint=suggest(item_id, ids) or "run 'ankigen list --items' to see ids")])


@dataclass(frozen=True)
class TopicSummary:
    id: str
    area: str
    title: str
    concepts: int
    clozes: int
    problems: int
    figures: int
    requires: tuple[str, ...]


def list_topics(src: Path | None = None) -> tuple[TopicSummary, ...]:
    """Counts from a fast scan of the YAML (no expression checks: that is `validate`)."""
    from ankigen.load import scan_library

    out = []
    for t in scan_library(find_project(src).sources):
        concepts = [c for c in t.get("concepts") or [] if isinstance(c, dict)]
        problems = [p for p in t.get("problems") or [] if isinstance(p, dict)]
        figs = sum(1 for i in (*concepts, *problems) if "figure" in i)
        out.append(TopicSummary(t["id"], t["area"], str(t.get("title", t["id"])),
                                sum(1 for c in concepts if "cloze" not in c),
                                sum(1 for c in concepts if "cloze" in c),
                                len(problems), figs, tuple(t.get("requires") or ())))
    return tuple(out)
