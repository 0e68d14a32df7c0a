"""The loader's one-way schema and its dependency ordering (graphlib), on tiny source trees.

The exact messages of the rejected old forms are also goldens in tests/fixtures/bad/
(concept-check-old-shape, problem-title, derived-cycle, param-named-lambda); here they are
checked as located issues, next to what the loader builds from good input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ankigen.errors import UserError
from ankigen.load import load_library
from ankigen.load_checks import dependency_order
from ankigen.load_shape import DEFAULT_TOL

AREAS = "calculus: {title: Calculus}\nlinear-algebra: {title: Linear Algebra}\n"
PROBLEM = """\
  - id: {id}
    params:
      a: {{int: [1, 5]}}
    derived:
{derived}
    question: What is \\( << a >> + 1 \\)?
    answer: \\( << b >> \\)
    solution: Add one to the number.
    check:
      - {{shown: b, expect: "a + 1"}}
"""


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "cards_src"
    (root / "calculus").mkdir(parents=True)
    (root / "linear-algebra").mkdir()
    (root / "areas.yaml").write_text(AREAS)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _problem(item_id: str, derived: str) -> str:
    return PROBLEM.format(id=item_id, derived=derived)


def _issues(root: Path) -> list[tuple[int | None, int | None, str, str | None]]:
    with pytest.raises(UserError) as info:
        load_library(root)
    return [(i.line, i.column, i.message, i.hint) for i in info.value.issues]


def test_derived_values_are_kept_in_dependency_order(tmp_path):
    in_order = '      c: "a"\n      b: "c + 1"\n      z: "b * c"'
    out_of_order = '      z: "b * c"\n      b: "c + 1"\n      c: "a"'
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\nproblems:\n" + _problem("p1", in_order)
                            + _problem("p2", out_of_order)})
    problems = {p.id: p for p in load_library(root).problems()}
    # a written order that works is kept; another one is sorted so each value follows what it uses
    assert [d[0] for d in problems["p1"].derived] == ["c", "b", "z"]
    assert [d[0] for d in problems["p2"].derived] == ["c", "b", "z"]
    # each derived value keeps its own source line
    assert [d[2].line for d in problems["p2"].derived] == [21, 20, 19]


def test_derived_cycle_is_named_with_its_members(tmp_path):
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\nproblems:\n"
                            + _problem("p1", '      b: "c + 1"\n      c: "b - a"\n      d: "a"')})
    assert _issues(root) == [(7, 10, "derived values depend on each other in a cycle: b -> c -> b",
                              "each value may use only values that do not use it back: "
                              "compute one of them from params")]


def test_derived_value_using_itself_is_a_cycle(tmp_path):
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\nproblems:\n" + _problem("p1", '      b: "b + a"')})
    assert _issues(root)[0][2] == "derived values depend on each other in a cycle: b -> b"


def test_dependency_order_keeps_rank_order_and_names_the_cycle():
    needs = {"a": ["c"], "b": [], "c": ["b"], "d": []}
    order, cycle = dependency_order(list(needs), needs.__getitem__, "abcd".index)
    assert (order, cycle) == (["b", "c", "a", "d"], None)
    needs = {"a": ["b"], "b": ["c"], "c": ["a"], "d": []}
    _, cycle = dependency_order(["c", "d", "b", "a"], needs.__getitem__, "abcd".index)
    assert cycle == ["a", "b", "c", "a"]  # starts at the first by rank, each needs the next


def test_topics_follow_prerequisites_then_area_order(tmp_path):
    root = _tree(tmp_path, {
        "calculus/a-first.yaml": "title: A\nrequires: [linear-algebra/base]\n",
        "calculus/b-second.yaml": "title: B\n",
        "linear-algebra/base.yaml": "title: Base\n",
        "linear-algebra/after.yaml": "title: After\nrequires: [calculus/b-second]\n",
    })
    order = [t.id for t in load_library(root).topics]
    # the first ready topic by (area order, id) goes next, as the previous hand-written search did
    assert order == ["calculus/b-second", "linear-algebra/after", "linear-algebra/base", "calculus/a-first"]


def test_prerequisite_cycle_is_reported_once_at_the_closing_requires(tmp_path):
    root = _tree(tmp_path, {
        "calculus/one.yaml": "title: One\nrequires: [calculus/two]\n",
        "calculus/two.yaml": "title: Two\nrequires: [calculus/three]\n",
        "calculus/three.yaml": "title: Three\nrequires: [calculus/one]\n",
    })
    with pytest.raises(UserError) as info:
        load_library(root)
    assert [i.format() for i in info.value.issues] == [
        "cards_src/calculus/three.yaml:2:11: prerequisite cycle: calculus/one -> calculus/two -> "
        "calculus/three -> calculus/one (remove one of these requires)"]


def test_one_check_shape_and_one_default_tolerance(tmp_path):
    concept = """\
concepts:
  - id: c1
    front: a
    back: b
    check:
      - vars: {x: "randn()"}
        lhs: "(x + 1)**2"
        rhs: "x**2 + 2*x + 1"
      - vars: {x: "rand()"}
        holds: "x >= 0"
        trials: 5
"""
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\n" + concept + "problems:\n"
                            + _problem("p1", '      b: "a + 1"')})
    lib = load_library(root)
    c = lib.topics[0].concepts[0]
    assert [(k.lhs is not None, k.holds is not None, k.tol, k.trials) for k in c.checks] == [
        (True, False, DEFAULT_TOL, 20), (False, True, DEFAULT_TOL, 5)]
    assert [k.tol for k in lib.problems()[0].checks] == [DEFAULT_TOL]
    assert DEFAULT_TOL == 1e-9


def test_old_concept_check_mapping_is_refused_with_the_fix(tmp_path):
    concept = ("concepts:\n  - id: c1\n    front: a\n    back: b\n    check:\n"
               "      vars: {x: \"randn()\"}\n      lhs: \"x\"\n      rhs: \"x\"\n")
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\n" + concept})
    assert _issues(root) == [(7, 7, "'check' must be a list of checks, got a single mapping",
                              "put '- ' before its first key, as in check: [{vars: ..., lhs: ..., rhs: ...}]; "
                              "concepts and problems write checks the same way")]


def test_problem_title_is_an_unknown_key_that_says_why(tmp_path):
    problem = _problem("p1", '      b: "a + 1"').replace("    params:", "    title: Adding one\n    params:")
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\nproblems:\n" + problem})
    assert _issues(root) == [(4, 5, "unknown key 'title' in problem",
                              "problems have no title, it was never shown: remove this line")]


def test_figure_goes_on_the_back_unless_it_says_front(tmp_path):
    concept = "concepts:\n  - id: c1\n    front: a\n    back: b\n    figure: {kind: relu_and_gradient}\n"
    back = _problem("p1", '      b: "a + 1"') + "    figure: {kind: relu_and_gradient}\n"
    front = _problem("p2", '      b: "a + 1"') + "    figure: {kind: relu_and_gradient, side: front}\n"
    lib = load_library(_tree(tmp_path, {"calculus/t.yaml": "title: T\n" + concept + "problems:\n" + back + front}))
    assert lib.topics[0].concepts[0].figure.side == "back"
    assert [p.figure.side for p in lib.problems()] == ["back", "front"]


def test_a_misspelled_required_key_is_reported_once(tmp_path):
    """The unknown key's suggestion is structured data, not hint text parsed back."""
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\nconcepts:\n  - id: c1\n    frnt: a\n    back: b\n"})
    assert _issues(root) == [(4, 5, "unknown key 'frnt' in concept", "did you mean 'front'?")]


def test_unknown_function_points_to_the_function_list_that_exists(tmp_path):
    problem = _problem("p1", '      b: "a + 1"').replace('expect: "a + 1"', 'expect: "zzzqqq(a)"')
    root = _tree(tmp_path, {"calculus/t.yaml": "title: T\nproblems:\n" + problem})
    (issue,) = _issues(root)
    assert issue[2:] == ("unknown function 'zzzqqq' in check expect",
                         'see the function list in docs/authoring.md, "Expression functions"')
    assert "## Expression functions" in (Path(__file__).parent.parent / "docs" / "authoring.md").read_text()


@pytest.mark.parametrize(("where", "line", "message", "hint"), [
    ("topic", "requires: linear-algebra/vectors", "'requires' must be a list of topic ids",
     "write requires: [linear-algebra/vectors]"),
    ("problem", "    tags: [1, 2]", "'tags' must be a list of words", "write tags: [word, other-word]"),
    ("problem", "    symbols: x", "'symbols' must be a list of names", "write symbols: [x, y]"),
    ("problem", "    given: {A: 1}", "'given' must be a list of derived names", "write given: [A, f]"),
])
def test_lists_of_text_are_refused_alike_when_not_lists_of_text(tmp_path, where, line, message, hint):
    """One reader (load_shape.text_list) for every optional list of text, each with its own words."""
    problem = _problem("p1", '      b: "a + 1"')
    text = f"title: T\n{line}\nproblems:\n{problem}" if where == "topic" else \
        "title: T\nproblems:\n" + problem + line + "\n"
    root = _tree(tmp_path, {"calculus/t.yaml": text})
    assert [(m, h) for _, _, m, h in _issues(root)] == [(message, hint)]
