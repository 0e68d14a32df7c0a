"""The answer checker's Python reference judge and spec builder (ankigen/answers.py).

Each accepted form is typed against a spec built from an exact sympy value; the
near misses next to every accepted form (sign, rounding, order, shape) show that
each check can fail.
"""

from __future__ import annotations

import json
import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen.answerparse import MAX_DEPTH, normalise
from ankigen.answers import (
    SpecError,
    check_json,
    collisions,
    grade,
    judge,
    judge_all,
    overrides_for_form,
    perturbed_forms,
    plain,
    round_sig,
    spec_for,
    typed_forms,
    variant_index,
)

x, y = sp.symbols("x y")
HALF = spec_for(sp.Rational(1, 2))


def verdict(entry, typed):
    return judge(entry, typed)["verdict"]


@pytest.mark.parametrize("typed", ["1/2", "0.50", " .5", "5e-1", "０.５", "0。5", "0．5", "½",
                                   "2^-1", "2**-1", "1/(1+1)", "sqrt(1/4)", "0.5000000", "(0.5)",
                                   "+0.5", "1 / 2", "50e-2", "1÷2"])
def test_forms_of_one_half(typed):
    assert verdict(HALF, typed) == "correct"


@pytest.mark.parametrize("typed", ["-1/2", "0.6", "2", "1/3", "5e-2", "0,5"])
def test_near_misses_of_one_half(typed):
    assert verdict(HALF, typed) in ("wrong", "close")
    assert verdict(HALF, typed) != "correct"


@pytest.mark.parametrize("typed", ["−0.5", "–0.5", "-0.5", "－0.5", "-1/2", "−½"])
def test_unicode_minus(typed):
    neg = spec_for(sp.Rational(-1, 2))
    assert verdict(neg, typed) == "correct"
    assert verdict(HALF, typed) == "wrong"


@pytest.mark.parametrize("value,forms,misses", [
    (sp.sqrt(2) / 2, ["sqrt(2)/2", "1/sqrt(2)", "√2/2", "0.7071068", "2^(-1/2)", "sqrt(0.5)"],
     ["sqrt(2)", "0.7", "1/2"]),
    (sp.pi, ["pi", "π", "3.14159265", "2π/2", "4*pi/4"], ["3.14", "22/7", "e"]),
    (sp.E, ["e", "exp(1)", "2.718281828", "e^1"], ["2.7", "exp(2)"]),
    (sp.log(2), ["ln(2)", "log(2)", "0.693147", "log(8)/3", "-ln(1/2)"], ["log10(2)", "log2(2)"]),
    (sp.Integer(3), ["3", "log2(8)", "log10(1000)", "3.0", "abs(-3)", "9^(1/2)"], ["-3", "4"]),
    (sp.Rational(1, 2), ["sin(pi/6)", "cos(pi/3)", "tan(pi/4)/2"], ["sin(pi/3)"]),
    (2 * sp.pi, ["2pi", "2π", "2*pi", "(1+1)pi"], ["pi"]),
])
def test_numbers_with_functions_and_constants(value, forms, misses):
    entry = spec_for(value)
    for typed in forms:
        assert verdict(entry, typed) == "correct", typed
    for typed in misses:
        assert verdict(entry, typed) != "correct", typed


def test_vectors():
    v = spec_for(sp.Matrix([1, 2]))
    assert v["kind"] == "vector" and v["value"] == [1.0, 2.0] and v["text"] == "(1, 2)"
    for typed in ["(1, 2)", "[1, 2]", "1, 2", "[[1], [2]]", "[[1, 2]]", "(1,2.0000000)", "（1，2）"]:
        assert verdict(v, typed) == "correct", typed
    assert verdict(v, "(2, 1)") == "wrong"
    for typed in ["(1, 2, 3)", "{1, 2}", "3", "[[1, 2], [3, 4]]"]:
        r = judge(v, typed)
        assert (r["verdict"], r["reason"]) == ("wrong", "expected a vector of 2 entries, like (1, 2)")


def test_matrices_and_a_transpose_mistake():
    A = sp.Matrix([[1, 2], [3, 4]])
    m = spec_for(A, mistakes=[(A.T, "You transposed the matrix.")])
    assert m["kind"] == "matrix" and m["value"] == [[1, 2], [3, 4]]
    for typed in ["[[1,2],[3,4]]", "[ [1, 2], [3, 4] ]", "[(1,2),(3,4)]", "[[1,2],[3,4.0000001]]"]:
        assert verdict(m, typed) == "correct", typed
    r = judge(m, "[[1,3],[2,4]]")
    assert (r["verdict"], r["message"], r["mistake"]) == ("mistake", "You transposed the matrix.", 0)
    assert verdict(m, "[[1,2],[3,5]]") == "wrong"
    r = judge(m, "[1,2,3,4]")
    assert (r["verdict"], r["reason"]) == ("wrong", "expected a 2×2 matrix, like [[1, 2], [3, 4]]")


@pytest.mark.parametrize("value", [[3, 2], (2, 3), sp.FiniteSet(2, 3)])
def test_sets_in_any_order(value):
    s = spec_for(value)
    assert s["kind"] == "set" and s["value"] == [2.0, 3.0] and s["text"] == "{2, 3}"
    for typed in ["{2, 3}", "{3, 2}", "3, 2", "(2,3)", "[3,2]", "{3.0000001, 2}"]:
        assert verdict(s, typed) == "correct", typed
    assert verdict(s, "{2, 2}") == "wrong"
    assert verdict(s, "{2, 3.03}") == "close"
    assert judge(s, "{2}")["reason"] == "expected 2 numbers, like {2, 3}"
    assert verdict(s, "{2, 3, 3}") == "wrong"


def test_expressions_at_sample_points():
    e = spec_for(2 * x + 1)
    assert e["kind"] == "expr" and e["vars"] == ["x"] and len(e["points"]) >= 6
    for typed in ["2x+1", "1+2*x", "2(x+0.5)", "x+x+1", "2·x+1", "(4x^2-1)/(2x-1)"]:
        assert verdict(e, typed) == "correct", typed
    for typed in ["2x", "2x+1.1", "x+1", "2*x-1"]:
        assert verdict(e, typed) == "wrong", typed
    assert judge(e, "2z+1") == {**judge(e, "2z+1"), "verdict": "unreadable",
                                "reason": "unknown name 'z'"}
    xy = spec_for(x * y + sp.sin(x))
    assert xy["vars"] == ["x", "y"]
    for typed in ["xy+sin(x)", "yx+sin(x)", "sin(x)+y*x"]:
        assert verdict(xy, typed) == "correct", typed
    assert verdict(xy, "xy+sin(y)") == "wrong"
    sq = spec_for(x**2 + 1)
    assert verdict(sq, "x²+1") == "correct" and verdict(sq, "x2+1") == "unreadable"


def test_vector_valued_expression_gradient():
    g = spec_for(sp.Matrix([2 * x, sp.exp(y)]))
    assert g["kind"] == "expr" and g["text"] == "(2*x, exp(y))"
    assert verdict(g, "(2x, e^y)") == "correct"
    assert verdict(g, "(2y, e^x)") == "wrong"


def test_domain_safety():
    lg = spec_for(sp.log(x), mistakes=[(sp.log(x, 2), "That is log base 2; ln is base e.")])
    assert all(p[0] > 0 for p in lg["points"])
    assert verdict(lg, "ln(x)") == verdict(lg, "log(x)") == verdict(lg, "log(x^2)/2") == "correct"
    assert verdict(lg, "log(-x)") == "wrong"  # nan at every point, not a crash
    assert verdict(lg, "sqrt(-x)") == "wrong"
    assert judge(lg, "log2(x)")["message"] == "That is log base 2; ln is base e."
    ident = spec_for(x)  # points of both signs: |x| and sqrt(x^2) differ from x
    assert any(p[0] < 0 for p in ident["points"]) and any(p[0] > 0 for p in ident["points"])
    assert verdict(ident, "abs(x)") == "wrong" and verdict(ident, "sqrt(x^2)") == "wrong"
    pole = spec_for(1 / (x - 1))
    assert all(abs(v) <= 1e6 for v in pole["values"])
    with pytest.raises(SpecError, match="sample points"):
        spec_for(sp.log(-x**2 - 1))


def test_significant_figures():
    third = spec_for(sp.Rational(1, 3), sig=3)
    assert verdict(third, "0.333") == verdict(third, "0.3333333") == "correct"
    assert verdict(third, "0.334") == "close" and verdict(third, "0.3") == "wrong"
    assert verdict(spec_for(sp.Rational(1, 3)), "0.333") == "close"  # no sig: check your rounding
    eighth = spec_for(sp.Rational(1, 8), sig=2)  # 0.125: half rounds away from zero, as JS
    assert verdict(eighth, "0.13") == "correct" and verdict(eighth, "0.12") == "wrong"
    assert round_sig(-0.125, 2) == -0.13 and round_sig(9.96, 2) == 10.0 and round_sig(0.0, 3) == 0.0


def test_close_versus_wrong_and_atol():
    ten = spec_for(10)
    assert [verdict(ten, t) for t in ["10.000001", "10.00005", "10.1", "9.85", "10.3", "7"]] == \
        ["correct", "close", "close", "close", "wrong", "wrong"]
    zero = spec_for(0)
    assert [verdict(zero, t) for t in ["0", "-0", "1e-10", "0.001"]] == \
        ["correct", "correct", "correct", "wrong"]
    assert verdict(spec_for(10, rtol=0.02), "10.1") == "correct"


def test_mistakes_and_collisions():
    var = spec_for(sp.Rational(5, 2), mistakes=[(2, "Divide by n - 1, not n."),
                                                (sp.Rational(5, 4), "Forgot to square.")])
    r = judge(var, "2")
    assert (r["verdict"], r["message"], r["mistake"]) == ("mistake", "Divide by n - 1, not n.", 0)
    assert judge(var, "1.25")["mistake"] == 1
    assert verdict(var, "2.02") == "wrong"  # near a mistake but not on it
    assert verdict(var, "5/2") == "correct"
    chain = spec_for(sp.diff(sp.sin(x**2), x), mistakes=[(sp.cos(x**2), "Forgot the chain rule.")])
    assert verdict(chain, "2xcos(x^2)") == "correct"
    assert judge(chain, "cos(x²)")["message"] == "Forgot the chain rule."
    assert collisions(spec_for(1, mistakes=[(sp.Float(1.0000000001), "same")])) == [0]
    assert collisions(var) == []
    with pytest.raises(SpecError, match="shape"):
        spec_for(sp.Matrix([1, 2]), mistakes=[(3, "a number")])


@pytest.mark.parametrize("typed,reason", [
    ("foo", "unknown name 'foo'"), ("sin 2", "write sin(…) with parentheses"), ("sin x", "unknown name 'sinx'"),
    ("(1,2", "missing ')'"), ("1//2", "unexpected '/'"), ("((", "unexpected end"),
    ("[]", "empty brackets"), ("2 $", "unexpected character '$'"), ("1.2.3", "unexpected number '.3'"),
    ("1" * 301, "too long"), ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), "too deeply nested"),
    ("-" * 60 + "1", "too deeply nested"), ("(1,2)+1", "cannot compute with a list"),
    ("😀", "unexpected character '😀'"),
])
def test_unreadable_input_has_a_reason(typed, reason):
    r = judge(HALF, typed)
    assert (r["verdict"], r["reason"]) == ("unreadable", reason)


def test_empty_and_nonfinite():
    assert verdict(HALF, "") == verdict(HALF, "  \u3000 ") == "empty"
    assert [verdict(HALF, t) for t in ["1/0", "0/0", "1e999", "sqrt(-1)", "log(0)"]] == ["wrong"] * 5


def test_normalise():
    assert normalise(" ０．５ × ２ ") == "0.5*2"
    assert normalise("x²⁻¹") == "x^(2-1)"
    assert normalise("1，2、3。5") == "1,2,3.5"


def test_grade_and_judge_all():
    assert grade(["correct", "correct"]) == "Good"
    assert grade(["correct", "close"]) == "Hard"
    assert [grade([v]) for v in ["wrong", "mistake", "unreadable", "empty"]] == ["Again"] * 4
    variant = {"answers": [HALF, spec_for(sp.Matrix([1, 2]))]}
    out = judge_all(variant, ["0.5"])
    assert [a["verdict"] for a in out["answers"]] == ["correct", "empty"] and out["grade"] == "Again"
    assert judge_all(variant, ["0.505", "(1,2)"])["grade"] == "Hard"


def test_spec_shape_defaults_and_determinism():
    assert [spec_for(v)["kind"] for v in [sp.Rational(3, 4), sp.Matrix([1, 2]),
                                           sp.Matrix([[1, 2], [3, 4]]), [1, 2], x + 1]] == \
        ["number", "vector", "matrix", "set", "expr"]
    a, b = spec_for(sp.exp(x), seed=3), spec_for(sp.exp(x), seed=3)
    assert a == b and a["points"] != spec_for(sp.exp(x), seed=4)["points"]
    assert all(math.isclose(v, math.exp(p[0]), rel_tol=1e-12) for p, v in zip(a["points"], a["values"], strict=True))
    e = spec_for(sp.Rational(1, 3), name="p", label="probability", rtol=1e-3, sig=2, close_rtol=0.05)
    assert {k: e[k] for k in ("name", "label", "rtol", "atol", "sig", "close_rtol")} == \
        {"name": "p", "label": "probability", "rtol": 1e-3, "atol": 1e-9, "sig": 2, "close_rtol": 0.05}
    with pytest.raises(SpecError, match="finite real"):
        spec_for(1 + sp.I)
    with pytest.raises(SpecError, match="unknown answer kind"):
        spec_for(1, kind="tensor")
    with pytest.raises(SpecError, match="cannot be typed"):
        spec_for(sp.atan(x))


def test_plain_text_reads_back():
    assert plain(sp.E * x**2) == "e*x^2" and plain(sp.Abs(x)) == "abs(x)"
    assert plain(sp.Matrix([[1, sp.Rational(1, 2)], [0, 1]])) == "[[1, 1/2], [0, 1]]"


def test_forms_and_variant_index_and_json():
    places = spec_for(sp.Rational(1, 3), **overrides_for_form("decimal, 3 places"))
    assert verdict(places, "0.333") == "correct" and verdict(places, "0.334") != "correct"
    assert overrides_for_form("3 significant figures") == {"sig": 3}
    assert overrides_for_form("exact fraction") == {}
    k0 = variant_index("eigen-2x2", 5, 20000)
    assert [variant_index("eigen-2x2", 5, 20000 + d) for d in range(5)] == [(k0 + d) % 5 for d in range(5)]
    assert {variant_index("eigen-2x2", 5, d) for d in range(5)} == set(range(5))
    text = check_json([{"answers": [{**HALF, "label": "</script><b>"}]}])
    assert "<" not in text and ">" not in text
    assert json.loads(text)["variants"][0]["answers"][0]["label"] == "</script><b>"
    assert json.loads(check_json([], item="eigen-2x2")) == {"item": "eigen-2x2", "variants": []}


RATIONALS = st.tuples(st.integers(-999, 999), st.integers(1, 99)).map(lambda t: sp.Rational(*t))


@settings(max_examples=60, deadline=None)
@given(st.lists(RATIONALS, min_size=1, max_size=3), st.sampled_from(["number", "vector", "set"]))
def test_exact_values_typed_back_in_several_forms(values, kind):
    """The spec's own text, 12 significant digits and fractions are correct; 3% off is not."""
    values = values[:1] if kind == "number" else values
    value = values[0] if kind == "number" else (sp.Matrix(values) if kind == "vector" else values)
    entry = spec_for(value)
    assert entry["kind"] == kind
    forms = [entry["text"], ", ".join(f"{float(v):.12g}" for v in values),
             "(" + ", ".join(f"{v.p}/{v.q}" for v in values) + ")"]
    if kind == "set":
        forms.append("{" + ", ".join(str(v).replace("-", "−") for v in reversed(values)) + "}")
    for typed in forms:
        assert verdict(entry, typed) == "correct", typed
    off = ", ".join(f"{float(v) * 1.03 + (0.03 if v == 0 else 0):.12g}" for v in values)
    assert verdict(entry, off) != "correct"


FORM_VALUES = [sp.Rational(-7, 3), sp.sqrt(2) / 2, sp.Integer(0), sp.Matrix([1, sp.Rational(-1, 2)]),
               sp.Matrix([[1, 2], [sp.pi, -4]]), [sp.Rational(5, 2), -1, 0], 2 * x + 1,
               sp.exp(-x) * sp.sin(y), sp.log(x) / x, sp.Matrix([2 * x, -y])]


@pytest.mark.parametrize("value", FORM_VALUES, ids=[str(v) for v in FORM_VALUES])
def test_typed_and_perturbed_forms(value):
    """The helpers the full-build differential test uses: all forms correct, perturbed ones not."""
    entry = spec_for(value, sig=3 if value == sp.sqrt(2) / 2 else None)
    forms = typed_forms(entry)
    assert len(forms) == 5
    for typed in forms:
        assert verdict(entry, typed) == "correct", typed
    for typed in perturbed_forms(entry):
        assert verdict(entry, typed) in ("wrong", "mistake"), typed
