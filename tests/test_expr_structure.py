"""The expression language's structure: documented functions, hints, the evaluator's entry point,
the RNG, and sampling that derives each value once (issue 13)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ankigen import exact, expr, numeric, pipeline
from ankigen.errors import ItemError
from ankigen.expr import Evaluator, parse
from ankigen.numeric import numeric_evaluator
from ankigen.paths import find_project

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "authoring.md"
FIXTURES = Path(__file__).parent / "fixtures"


def _section(text: str, heading: str) -> str:
    """The body of a markdown section (up to the next heading of the same or a higher level)."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    end = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(text, start)
    return text[start:end.start() if end else len(text)]


def _documented(heading: str) -> set[str]:
    """The names in the backticked lists of one subsection of "Expression functions"."""
    body = _section(_section(DOCS.read_text(), "## Expression functions"), heading)
    names: set[str] = set()
    for span in re.findall(r"`([^`]*)`", body):
        while re.search(r"\([^()]*\)", span):  # drop argument lists: Piecewise2(cond, a, b)
            span = re.sub(r"\([^()]*\)", "", span)
        names.update(w for w in span.split() if re.fullmatch(r"[A-Za-z_]\w*", w))
    return names


def test_documented_exact_functions_are_the_exact_backends():
    documented = _documented("### Exact functions")
    code = set(exact.FUNCTIONS) | set(exact.ExactBackend.special)
    assert sorted(code - documented) == [], "accepted by the exact backend but not documented"
    assert sorted(documented - code) == [], "documented but not accepted by the exact backend"


def test_documented_numeric_functions_are_the_numeric_backends():
    documented = _documented("### Numeric functions")
    code = set(numeric.FUNCTIONS) | set(numeric.NumericBackend.special)
    assert sorted(code - documented) == [], "accepted by the numeric backend but not documented"
    assert sorted(documented - code) == [], "documented but not accepted by the numeric backend"


def test_documented_constants_are_both_backends():
    body = _section(_section(DOCS.read_text(), "## Expression functions"), "### Operators and constants")
    documented = set(re.search(r"Constants: `([^`]*)`", body).group(1).split())
    assert documented == set(exact.CONSTANTS) == set(numeric.CONSTANTS)


def test_the_docs_check_can_fail(monkeypatch):
    """A function added to the code without documenting it turns the check red."""
    monkeypatch.setitem(numeric.FUNCTIONS, "undocumented_fn", abs)
    with pytest.raises(AssertionError, match="not documented"):
        test_documented_numeric_functions_are_the_numeric_backends()


EXACT = set(exact.FUNCTIONS)
NUMERIC = set(numeric.FUNCTIONS) | set(numeric.NumericBackend.special)


@pytest.mark.parametrize(("name", "known", "meant"), [
    ("dotprod", EXACT, "dot"),  # spelling alone says 'prod'
    ("dot_product", EXACT, "dot"),
    ("inner", EXACT, "dot"),  # spelling alone says 'numer'
    ("innerprod", NUMERIC, "dot"),
    ("dott", EXACT, "dot"),  # a typo: the closest spelling
    ("Dot", NUMERIC, "dot"),
    ("dett", EXACT, "det"),
    ("transpose", EXACT, "T"),
    ("eigenvalues", NUMERIC, "eigvals"),  # the other backend's name
    ("eigvals", EXACT, "eigenvalues"),
    ("integrate", NUMERIC, "quad"),
    ("binomial", NUMERIC, "comb"),
    ("ceil", EXACT, "ceiling"),
])
def test_unknown_function_suggests_the_function_meant(name, known, meant):
    assert expr.function_hint(name, known) == f"did you mean '{meant}'?"


def test_unknown_function_without_a_close_name_points_to_the_documented_list():
    assert expr.function_hint("successor", EXACT) == expr.FUNCTION_LIST
    assert "docs/authoring.md" in expr.FUNCTION_LIST and '"Expression functions"' in expr.FUNCTION_LIST
    assert "\n## Expression functions\n" in DOCS.read_text()


def test_no_message_points_to_a_function_list_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for path in (ROOT / "ankigen").rglob("*.py"):
        text = path.read_text()
        if "function list" in text:
            assert "README" not in text.split("function list", 1)[1][:20], path
    assert "## Expression functions" not in readme  # the list lives in one place


def test_evaluating_an_unknown_function_gives_the_same_hint():
    with pytest.raises(ItemError) as err:
        exact.exact_evaluator({}).eval(parse("dotprod(vec([1, 2]), vec([3, 4]))"))
    assert err.value.hint == "did you mean 'dot'?"


def test_special_forms_use_the_public_entry_point():
    """Other modules evaluate a node through Evaluator.node, never the private walker."""
    for path in (ROOT / "ankigen").rglob("*.py"):
        assert "._ev(" not in path.read_text(), path
    assert callable(Evaluator.node)


def test_the_rng_is_the_backends_not_a_name():
    ev = numeric_evaluator({"a": 1.0}, np.random.default_rng(7))
    assert ev.namespace == {"a": 1.0}  # nothing hidden in the namespace
    first = ev.eval(parse("randn(3)"))
    again = numeric_evaluator({}, np.random.default_rng(7)).eval(parse("randn(3)"))
    assert np.array_equal(first, again) and first.shape == (3,)
    # the forms that bind a variable keep the generator
    assert ev.with_bindings({"x": 0.5}).backend is ev.backend
    with pytest.raises(ItemError, match=r"randn\(\.\.\.\) is only available in concept checks"):
        numeric_evaluator({}).eval(parse("randn(3)"))


def test_dead_code_is_gone():
    assert not hasattr(expr, "LazyValue")
    assert "simulate_mean" not in numeric.NumericBackend.special


CASE = """\
title: Case
problems:
  - id: p1
    params:
      a: {int: [1, 9]}
    derived:
      b: "a + 1"
      c: "2*b"
    constraints: ["c > 4"]
    question: What is \\( 2(<< a >> + 1) \\)?
    answer: \\( << c >> \\)
    solution: Add one, then double.
    check:
      - {shown: c, expect: "2*a + 2"}
    mistakes:
      - {value: "b + 1", message: "You added instead of doubling."}
"""


def test_sampling_derives_each_value_once(tmp_path, monkeypatch):
    """A constraint on a derived value and a mistake both read the derived values: the
    variant computes them once per draw (sample, the mistake check and solve used to derive
    them again)."""
    shutil.copytree(FIXTURES / "base", tmp_path, dirs_exist_ok=True)
    (tmp_path / "cards_src" / "calculus" / "case.yaml").write_text(CASE)
    problem = next(p for p in pipeline.load(find_project(tmp_path / "cards_src")).problems() if p.id == "p1")
    derived = {id(ex) for _, ex, _ in problem.derived}
    counted: list[str] = []
    original = Evaluator.eval

    def counting(self: Evaluator, ex: expr.Expr) -> object:
        if id(ex) in derived:
            counted.append(ex.text)
        return original(self, ex)

    monkeypatch.setattr(Evaluator, "eval", counting)
    most = 0
    for seed in range(1, 9):
        counted.clear()
        verified = pipeline.solve_and_verify(problem, seed, 0)
        attempts = verified.solved.draw.attempts
        assert sorted(counted) == sorted(["a + 1", "2*b"] * attempts), (seed, attempts)
        most = max(most, attempts)
    assert most > 1  # some seed drew a = 1 first, which the constraint rejects
