"""Every problem x 50 seeds: the answer on the card equals an independent numeric calculation.

The verify stage requires (1) the value's LaTeX to appear in the card's Answer
field and (2) the exact value to agree with a numpy computation from the
parameters (never from the derived answer). The mutation tests below show
both halves can fail.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ankigen import render
from ankigen.errors import UserError
from ankigen.expr import parse
from ankigen.sample import sample
from ankigen.solve import solve
from ankigen.verify import check_identity, verify

SEEDS = range(1, 51)


def _library():
    from ankigen.paths import find_project
    from ankigen.pipeline import load

    return load(find_project(Path(__file__).resolve().parent.parent / "cards_src"))


LIBRARY = _library()  # loaded once, at collection: the tests are parametrized by its items
PROBLEMS = LIBRARY.problems()


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.id for p in PROBLEMS])
def test_every_problem_verifies_for_50_seeds(problem):
    checked = 0
    questions = set()
    for seed in SEEDS:
        solved = solve(problem, sample(problem, seed, 0))
        card_answer = render.answer_html(solved)
        result = verify(solved, card_answer, render.solution_html(solved))
        assert len(result.results) == len(problem.checks) >= 1
        assert all(r.ok for r in result.results)
        checked += len(result.results)
        questions.add(render.render_text(problem.question, render.problem_context(solved)))
    assert checked == len(SEEDS) * len(problem.checks)
    # the generator really varies the numbers
    assert len(questions) >= 5


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.id for p in PROBLEMS])
def test_swapped_answer_is_caught(problem):
    """Showing another variant's answer on the card must turn verification red."""
    base = solve(problem, sample(problem, 1, 0))
    for seed in range(2, 60):
        other = solve(problem, sample(problem, seed, 0))
        if render.answer_html(other) != render.answer_html(base):
            break
    else:
        pytest.skip("problem has fewer than 2 distinct answers in 60 seeds")
    with pytest.raises(UserError) as err:
        verify(base, render.answer_html(other), render.solution_html(base))
    assert "answer does not show" in str(err.value)


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.id for p in PROBLEMS])
def test_perturbed_check_is_caught(problem):
    """A check that computes something else (here: expect + 1) must fail verification."""
    item = problem.checks[0]
    messages = []
    # scalars and arrays take "+ 1"; lists of values are bumped element-wise through array()
    for text in (f"({item.expect.text}) + 1", f"array({item.expect.text}) + 1"):
        bumped = dataclasses.replace(item, expect=parse(text))
        mutated = dataclasses.replace(problem, checks=(bumped, *problem.checks[1:]))
        solved = solve(mutated, sample(mutated, 1, 0))
        with pytest.raises(UserError) as err:
            verify(solved, render.answer_html(solved), render.solution_html(solved))
        messages.append(str(err.value))
    assert any("check failed for seed 1" in m for m in messages), messages


CHECKED_CONCEPTS = [c for t in LIBRARY.topics for c in t.concepts if c.checks]


@pytest.mark.parametrize("concept", CHECKED_CONCEPTS, ids=[c.id for c in CHECKED_CONCEPTS])
def test_concept_formulas_hold_on_random_inputs(concept):
    trials = sum(chk.trials for chk in concept.checks)
    assert check_identity(concept, seed=1) == trials
    assert check_identity(concept, seed=2) == trials


@pytest.mark.parametrize("concept", CHECKED_CONCEPTS, ids=[c.id for c in CHECKED_CONCEPTS])
def test_concept_check_can_fail(concept):
    chk = concept.checks[0]
    if chk.lhs is not None:
        broken = dataclasses.replace(chk, rhs=parse(f"({chk.rhs.text}) * 1.5 + 1"))
    else:
        broken = dataclasses.replace(chk, holds=parse(f"not ({chk.holds.text})"))
    with pytest.raises(UserError):
        check_identity(dataclasses.replace(concept, checks=(broken, *concept.checks[1:])), seed=1)


@pytest.mark.parametrize(("text", "value", "expected"), [
    ("x = -1", "1", False), ("x = -1", "-1", True), ("12", "1", False), ("0.1", "1", False),
    (r"\frac{1}{2}", "1", False), (r"\frac{1}{2}", "2", False), ("x_1 = 3", "1", False),
    ("2^{3}", "2", False), (r"\{1, 2\}", "1", True), (r"\lambda \in \{-4, 2\}", "-4", True),
    (r"\left(\frac{1}{2}\right)", r"\frac{1}{2}", True), (r"\( 5 \)", "5", True),
])
def test_shown_value_must_stand_on_its_own(text, value, expected):
    from ankigen.verify import shows

    assert shows(text, value) is expected
