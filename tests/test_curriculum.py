"""The curriculum's promised size and shape (issue: the whole ML-math roadmap)."""

from __future__ import annotations

from collections import Counter

AREAS = ["calculus", "linear-algebra", "multivariable-calculus", "probability",
         "information-theory", "optimization", "ml-models", "deep-learning"]


def test_amounts(library):
    concepts = [c for t in library.topics for c in t.concepts]
    clozes = [c for c in concepts if c.kind == "cloze"]
    problems = library.problems()
    assert len(concepts) >= 150
    assert len(clozes) >= 30
    assert len(problems) >= 60
    per_area = Counter(t.area for t in library.topics for _ in t.problems)
    for area in AREAS:
        assert per_area[area] >= 5, area


def test_figure_kinds_and_variant_figures(library):
    items = [i for t in library.topics for i in (*t.concepts, *t.problems)]
    kinds = {i.figure.kind for i in items if i.figure is not None}
    assert len(kinds) >= 25, sorted(kinds)
    own_numbers = [p for p in library.problems() if p.figure is not None and any(
        ex.names & ({q.name for q in p.params} | {d[0] for d in p.derived}) for _, ex in p.figure.args)]
    assert len(own_numbers) >= 10


def test_every_area_has_topics_and_prerequisites_are_declared(library):
    areas = {t.area for t in library.topics}
    assert areas == set(AREAS)
    roots = [t.id for t in library.topics if not t.requires]
    # only the first topics of the roadmap stand on nothing
    assert len(roots) <= 3, roots


def test_every_problem_has_a_worked_solution_and_a_check(library):
    for p in library.problems():
        assert len(p.solution.split()) >= 8, f"{p.id}: solution too short to show the method"
        assert p.checks, p.id


def test_checkable_formulas_carry_checks(library):
    checked = [c for t in library.topics for c in t.concepts if c.checks]
    assert len(checked) >= 25
