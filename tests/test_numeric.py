"""The numeric backend's calculus forms, against closed forms computed by hand.

nsum/argmin/argmax evaluate the whole range at once when the summand is elementwise in
the bound variable; these cases guard that shortcut against the summands it must refuse.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ankigen.expr import parse
from ankigen.numeric import numeric_evaluator


def ev(text: str, **namespace: float) -> float:
    return float(numeric_evaluator(dict(namespace)).eval(parse(text)))


@pytest.mark.parametrize(("text", "expected"), [
    # elementwise: summed at once
    ("nsum(0.5**k, k, 0, 60)", 2.0),
    ("nsum(k**2, k, 1, 10)", 385.0),
    ("nsum(exp(-k) * c, k, 0, 200)", 3 / (1 - math.exp(-1))),
    # a branch per term: an array would take one branch for all terms
    ("nsum(3 if k % 2 == 0 else 5, k, 0, 9)", 5 * 3 + 5 * 5),
    ("nsum((k >= 4) * 1, k, 1, 6)", 3.0),
    # a vector per term is summed entry by entry; sum() inside must not see all terms at once
    ("nsum(sum(vec([k, 1])), k, 1, 4)", 10 + 4),
    ("nsum(max(k, 3), k, 1, 5)", 3 + 3 + 3 + 4 + 5),
    ("nsum(comb(4, k), k, 0, 4)", 16.0),
    ("nsum(1 / factorial(k), k, 0, 20)", math.e),
])
def test_nsum(text: str, expected: float) -> None:
    assert ev(text, c=3.0) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("text", "expected"), [
    ("argmin((x - 1.25)**2, x, -4, 4)", 1.25),
    ("argmax(-abs(x + 0.7), x, -3, 3)", -0.7),
    ("argmin((x - 2)**2 if x > 0 else (x + 1)**2 + 1, x, -3, 3)", 2.0),  # a branch: point by point
    ("argmin(max(x, 0.5) + (x - 0.2)**2, x, -2, 2)", 0.2),  # max() of a pair, not of the grid
    ("argmax(-(x - a)**2, x, -5, 5)", 0.3),
])
def test_argmin_argmax(text: str, expected: float) -> None:
    assert ev(text, a=0.3) == pytest.approx(expected, abs=1e-7)


def test_nsum_term_that_fails_is_reported() -> None:
    from ankigen.errors import ItemError

    with pytest.raises(ItemError, match="evaluating"):
        ev("nsum(1 / (k - 3), k, 0, 5)")
    assert np.isfinite(ev("nsum(1 / (k - 3.5), k, 0, 5)"))


def test_functions_of_the_bound_variable():
    """A derived function of the variable (sympy, lambdified) is summed or searched like a formula."""
    import sympy as sp

    from ankigen.numeric import to_numeric

    k, x = sp.symbols("k x")
    namespace = {
        "f": to_numeric(sp.Max(k, 2)),  # numpy's amax over a tuple: not elementwise for arrays
        "g": to_numeric(sp.Piecewise((x**2, x < 1), (2 * x - 1, True)) + sp.Max(x, sp.Rational(1, 2))),
    }
    e = numeric_evaluator(namespace)
    assert float(e.eval(parse("nsum(f, k, 0, 4)"))) == 2 + 2 + 2 + 3 + 4
    # for x >= 1: 3x - 1 + (x - 3)^2, smallest where 3 + 2(x - 3) = 0
    assert float(e.eval(parse("argmin(g + (x - 3)**2, x, -3, 5)"))) == pytest.approx(1.5, abs=1e-7)


def test_factorizations_follow_the_textbook_conventions():
    """qr_q/qr_r give R a positive diagonal (Gram–Schmidt's convention, not LAPACK's); cholesky is lower."""
    A = "array([[-2, 1, 0], [1, 3, 1], [2, 0, 4]])"
    Q = numeric_evaluator({}).eval(parse(f"qr_q({A})"))
    R = numeric_evaluator({}).eval(parse(f"qr_r({A})"))
    M = np.array([[-2, 1, 0], [1, 3, 1], [2, 0, 4]], dtype=float)
    assert np.allclose(Q @ R, M) and np.allclose(Q.T @ Q, np.eye(3))
    assert np.all(np.diag(R) > 0) and np.allclose(np.tril(R, -1), 0)
    # Gram–Schmidt by hand: q1 = a1 / |a1| = (-2, 1, 2) / 3
    assert np.allclose(Q[:, 0], [-2 / 3, 1 / 3, 2 / 3])
    L = numeric_evaluator({}).eval(parse("cholesky(array([[4, 2], [2, 5]]))"))
    assert np.allclose(L, [[2, 0], [1, 2]])
    P = numeric_evaluator({}).eval(parse("pinv(array([[1, 0], [0, 1], [1, 1]]))"))
    assert np.allclose(P, np.array([[2, -1, 1], [-1, 2, 1]]) / 3)
