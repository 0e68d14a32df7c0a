"""The exact backend's calculus helpers, against sympy's own series expansion."""

from __future__ import annotations

import pytest
import sympy as sp

from ankigen.exact import _taylor

x = sp.Symbol("x")


@pytest.mark.parametrize(("f", "a", "n"), [
    (sp.exp(3 * x) * sp.cos(2 * x), 0, 2),
    (sp.log(1 + x), 0, 5),
    (sp.exp(x), 1, 3),
    (sp.sqrt(1 + x), 0, 3),
    (sp.cos(x), sp.pi / 3, 3),
    (x**3 / 2 - x, 2, 2),
    (sp.atan(x), 0, 5),
    (sp.sin(x) / x, 0, 4),  # removable singularity: no derivative at 0, series() is used
])
def test_taylor_equals_the_series_expansion(f, a, n):
    expected = sp.expand(sp.series(f, x, a, n + 1).removeO())
    assert _taylor(f, x, a, n) == expected
