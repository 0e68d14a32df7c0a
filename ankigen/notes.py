"""The one way a note is made: sample → solve → verify → render → draw, per variant (a concept's
identity checks are its verify stage).

build, check, show and preview all call `make_note`, so they fail on the same inputs
with the same messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ankigen import decks, draw, identity, render
from ankigen.answers import check_json
from ankigen.bounds import check_fields, item_limit
from ankigen.draw import FigureStore
from ankigen.errors import ItemError, Variant
from ankigen.model import Concept, FinalNote, Library, Media, Problem, Topic, Verified
from ankigen.paths import Project
from ankigen.sample import sample
from ankigen.solve import solve
from ankigen.variants import PARTS, variant_spec, variants_html
from ankigen.verify import check_identity, verify

# A concept's note is the same for every seed, so its identity checks draw their random inputs
# from one fixed seed: a build with a new seed never fails on a concept it did not change.
CONCEPT_CHECK_SEED = 1


@dataclass(frozen=True)
class NoteContext:
    """What every note of one run shares: the sources, the recipe's deck root, the figure store."""

    library: Library
    project: Project
    root: str  # the recipe's name: the root of every deck name
    figures: FigureStore | None = None


@dataclass(frozen=True)
class Made:
    """A finished note, its figures, and (for a problem) its first variant as verified."""

    note: FinalNote
    media: tuple[Media, ...]
    verified: Verified | None = None


def items_of(topic: Topic) -> tuple[Concept | Problem, ...]:
    """A topic's concepts, then its problems: the order of its notes."""
    return (*topic.concepts, *topic.problems)


def make_note(ctx: NoteContext, topic: Topic, item: Concept | Problem, *, seed: int,
              slots: Sequence[int] = (0,), drawing: bool = True, verified: Verified | None = None) -> Made:
    """One note of `item`; a problem note carries the variants `slots` (the first shows without JavaScript).

    Without `drawing` a figure's claims are still checked, but it is not drawn (`check --draw`).
    """
    if isinstance(item, Concept):
        with item_limit(item, seed, 0):
            if item.checks:  # a formula on the card holds on random inputs (build refuses it otherwise)
                check_identity(item, CONCEPT_CHECK_SEED)
            note, media = _concept_note(ctx, topic, item, seed, drawing)
        return Made(note, (media,) if media is not None else ())
    return _problem_note(ctx, topic, item, seed, slots, drawing, verified)


def _concept_note(ctx: NoteContext, topic: Topic, concept: Concept, seed: int,
                  drawing: bool) -> tuple[FinalNote, Media | None]:
    deck = decks.deck_name(ctx.library, ctx.root, topic)
    note = render.render_concept(concept, deck, seed, ctx.project.templates)
    check_fields(note.fields, concept, seed, 0, latex=False)
    media = draw.figure(concept, {}, Variant(concept.id, seed, 0), store=ctx.figures, drawing=drawing)
    return draw.attach(note, concept.figure, media), media


def _problem_note(ctx: NoteContext, topic: Topic, problem: Problem, seed: int, slots: Sequence[int],
                  drawing: bool, verified: Verified | None) -> Made:
    """Each variant goes through sample → solve → verify → render → draw on its own, under its own limit."""
    parts: list[tuple[int, dict[str, str]]] = []
    specs: list[dict[str, Any]] = []
    media: dict[str, Media] = {}
    first: tuple[FinalNote, Verified] | None = None
    for i, slot in enumerate(slots):
        with item_limit(problem, seed, slot):
            v = verified if i == 0 and verified is not None else solve_and_verify(problem, seed, slot)
            note, m = _variant_note(ctx, topic, problem, v, drawing)
        first = first or (note, v)
        parts.append((slot, dict(note.fields)))
        specs.append(v.spec)
        if m is not None:
            media[m.name] = m
    assert first is not None, "a problem note has at least one variant"
    fields = (*((name, parts[0][1][name]) for name, _ in PARTS[:-1]),
              ("Variants", variants_html(parts[1:])),
              ("Check", check_json(specs, problem.id)),
              ("Source", parts[0][1]["Source"]))
    note = FinalNote(problem.id, "problem", identity.guid(problem.id, 0), first[0].deck, fields,
                     first[0].tags, seed, slots[0], tuple(sorted(media)))
    return Made(note, tuple(media[k] for k in sorted(media)), first[1])


def _variant_note(ctx: NoteContext, topic: Topic, problem: Problem, verified: Verified,
                  drawing: bool) -> tuple[FinalNote, Media | None]:
    """One verified variant through render → draw."""
    solved = verified.solved
    seed, slot = solved.draw.seed, solved.draw.slot
    variant = Variant(problem.id, seed, slot)
    deck = decks.deck_name(ctx.library, ctx.root, topic)
    try:
        note = render.render_problem(verified, deck, ctx.project.templates)
    except ItemError as e:
        raise problem.loc.error(e.message, item=f"problem '{problem.id}'", hint=e.hint, variant=variant) from e
    check_fields(note.fields, problem, seed, slot)
    media = draw.figure(problem, solved.namespace(), variant, store=ctx.figures, drawing=drawing)
    return draw.attach(note, problem.figure, media), media


def solve_and_verify(problem: Problem, seed: int, slot: int) -> Verified:
    """sample → solve → verify one variant, under the item's time limit."""
    point_seed = identity.variant_seed(seed, problem.id, slot) % (1 << 31)
    item = f"problem '{problem.id}'"
    variant = Variant(problem.id, seed, slot)

    def accept(values: dict[str, object]) -> bool:
        return variant_spec(problem, values, point_seed)[1] == 0

    with item_limit(problem, seed, slot):
        solved = solve(problem, sample(problem, seed, slot, accept if problem.mistakes else None))
        try:
            answer = render.answer_html(solved)
        except ItemError as e:
            raise problem.loc.error(f"answer: {e.message}", item=item, hint=e.hint, variant=variant) from e
        try:
            solution = render.solution_html(solved)
        except ItemError as e:
            raise problem.loc.error(f"solution: {e.message}", item=item, hint=e.hint, variant=variant) from e
        v = verify(solved, answer, solution)
        spec, _ = variant_spec(problem, solved.namespace(), point_seed)
        return Verified(v.solved, v.results, v.answer_html, v.solution_html, spec)
