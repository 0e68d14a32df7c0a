"""Every note of a recipe, in memory: cached notes reused, the rest made in parallel.

Every item is processed before anything is written, and every error is collected, so a
failed build reports all its problems and leaves the previous deck untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from ankigen import decks
from ankigen.cache import Cache
from ankigen.errors import Collector, Issue, UserError
from ankigen.model import BuiltDeck, Concept, FinalNote, Library, Media, Problem, Recipe, Topic
from ankigen.notes import NoteContext, make_note
from ankigen.paths import Project
from ankigen.recipe import select_topics
from ankigen.runner import Progress, Runner

EAGER_FIGURES = 32  # this many figures to draw, or more: import matplotlib before forking

Outcome = tuple[FinalNote | None, tuple[Media, ...], tuple[Issue, ...]]


@dataclass(frozen=True)
class Job:
    topic: Topic
    item: Concept | Problem
    slot: int  # 0 for a concept; K, the number of variants, for a problem


def jobs_of(library: Library, recipe: Recipe) -> list[Job]:
    jobs: list[Job] = []
    for topic in select_topics(library, recipe):
        jobs += [Job(topic, c, 0) for c in topic.concepts]
        jobs += [Job(topic, p, recipe.variants) for p in topic.problems]
    return jobs


def count_jobs(library: Library, recipe: Recipe) -> int:
    return sum(len(t.concepts) + len(t.problems) for t in select_topics(library, recipe))


def cost(job: Job) -> int:
    """Relative work of a job: a problem computes its K variants, a figure costs three notes."""
    return (3 if job.item.figure is not None else 1) * (job.slot if isinstance(job.item, Problem) else 1)


def generate(library: Library, recipe: Recipe, project: Project, *, progress: Progress | None = None,
             workers: int = 1, cache: Cache | None = None, manifest: str | None = None) -> BuiltDeck:
    """Produce every note of a recipe in memory (nothing is written here).

    With workers > 1 the notes are computed in forked processes; the result is
    identical to the serial one. With a cache, unchanged notes are reused.
    """
    jobs = jobs_of(library, recipe)
    results: list[Outcome] = [(None, (), ())] * len(jobs)
    keys: list[str] = []
    pending: list[int] = []
    for i, job in enumerate(jobs):
        if cache is not None:
            key = cache.key(job.item.digest, decks.deck_name(library, recipe.name, job.topic), recipe.seed, job.slot)
            keys.append(key)
            hit = cache.get(key)
            if hit is not None:
                results[i] = (hit[0], hit[1], ())
                if progress:
                    progress(1)
                continue
        pending.append(i)

    ctx = NoteContext(library, project, recipe.name, cache.figures() if cache is not None else None)

    def work(job: Job) -> Outcome:
        slots = range(recipe.variants) if isinstance(job.item, Problem) else (0,)
        try:
            made = make_note(ctx, job.topic, job.item, seed=recipe.seed, slots=slots)
        except UserError as e:
            return None, (), e.issues
        return made.note, made.media, ()

    drawing = sum(jobs[i].item.figure is not None for i in pending) >= EAGER_FIGURES
    with Runner(workers=workers, figures=drawing) as run:
        outcomes = run.map(work, [jobs[i] for i in pending], cost=cost, progress=progress)
    for i, outcome in zip(pending, outcomes, strict=True):
        results[i] = outcome
    return _collect(recipe, results, set(pending), keys, cache, manifest)


def _collect(recipe: Recipe, results: list[Outcome], computed: set[int], keys: list[str],
             cache: Cache | None, manifest: str | None) -> BuiltDeck:
    """The deck, or every issue at once; computed notes go into the cache."""
    col = Collector()
    notes: list[FinalNote] = []
    media_by_name: dict[str, Media] = {}
    for i, (note, media, issues) in enumerate(results):
        col.extend(issues)
        if note is None:
            continue
        if cache is not None and i in computed and not issues:
            cache.put(keys[i], note, media)
        notes.append(note)
        for m in media:
            media_by_name[m.name] = m
    col.raise_if_any()
    if cache is not None and manifest is not None:
        cache.put_manifest(manifest, keys)
    return BuiltDeck(recipe, tuple(notes), tuple(media_by_name[k] for k in sorted(media_by_name)))
