"""The exact (sympy) backend of the expression language: answers are computed here."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from ankigen.caps import MAX_FACTORIAL, MAX_MATRIX, MAX_RANGE, check_int_power, require_size
from ankigen.errors import ItemError
from ankigen.expr import Backend, Evaluator


def _matrix(rows: Any) -> sp.Matrix:
    if isinstance(rows, sp.MatrixBase):
        return sp.Matrix(rows)
    if not isinstance(rows, list) or not rows:
        raise ItemError("Matrix(...) needs a list of rows, like Matrix([[1, 2], [3, 4]])")
    if not isinstance(rows[0], list):
        rows = [[r] for r in rows]
    if len(rows) > MAX_MATRIX or any(len(r) > MAX_MATRIX for r in rows):
        raise ItemError(f"matrices are limited to {MAX_MATRIX}x{MAX_MATRIX}")
    if len({len(r) for r in rows}) != 1:
        raise ItemError("Matrix rows have different lengths")
    return sp.Matrix(rows)


def _vector(items: Any) -> sp.Matrix:
    if isinstance(items, sp.MatrixBase):
        return sp.Matrix(items).reshape(len(items), 1)
    if not isinstance(items, list) or not items or len(items) > MAX_MATRIX:
        raise ItemError(f"vec(...) needs a list of 1 to {MAX_MATRIX} entries")
    return sp.Matrix(items)


def _mat(A: Any, fname: str) -> sp.Matrix:
    if isinstance(A, list):
        A = _matrix(A)
    if not isinstance(A, sp.MatrixBase):
        raise ItemError(f"{fname}(...) needs a matrix, got {A}")
    return A


def _sort_key(v: Any) -> tuple[float, float]:
    c = complex(sp.N(v))
    return (c.real, c.imag)


def eigenvalues(A: Any) -> list[Any]:
    """Eigenvalues with multiplicity, sorted ascending (real part, then imaginary)."""
    M = _mat(A, "eigenvalues")
    out: list[Any] = []
    for lam, mult in M.eigenvals().items():
        out.extend([sp.nsimplify(lam) if lam.is_number and lam.is_rational else lam] * int(mult))
    return sorted(out, key=_sort_key)


def _integer_direction(v: sp.Matrix) -> sp.Matrix:
    """Scale a rational vector to coprime integers with first nonzero entry positive."""
    entries = [sp.nsimplify(x) for x in v]
    if all(x.is_rational for x in entries):
        dens = [sp.fraction(x)[1] for x in entries]
        lcm = sp.ilcm(*dens) if dens else 1
        ints = [int(x * lcm) for x in entries]
        g = 0
        for i in ints:
            g = sp.igcd(g, i)
        ints = [i // g for i in ints] if g else ints
        first = next((i for i in ints if i != 0), 1)
        if first < 0:
            ints = [-i for i in ints]
        return sp.Matrix(ints)
    return v


def eigenvector(A: Any, lam: Any) -> sp.Matrix:
    """A canonical eigenvector for `lam`: integer entries, first nonzero entry positive."""
    M = _mat(A, "eigenvector")
    basis = (M - lam * sp.eye(M.rows)).nullspace()
    if not basis:
        raise ItemError(f"{lam} is not an eigenvalue")
    return _integer_direction(basis[0])


def _solve(f: Any, x: Any) -> list[Any]:
    sols = sp.solve(f, x)
    if isinstance(sols, dict):
        sols = list(sols.values())
    real = [s for s in sols if s.is_real is not False]
    return sorted(real, key=_sort_key)


def _integrate(f: Any, x: Any, a: Any = None, b: Any = None) -> Any:
    if a is None:
        return sp.integrate(f, x)
    return sp.integrate(f, (x, a, b))


def _subs(f: Any, x: Any, v: Any) -> Any:
    if isinstance(x, list):
        return f.subs(dict(zip(x, v, strict=True)))
    return f.subs(x, v)


def _diff(f: Any, x: Any, n: Any = 1) -> Any:
    return sp.diff(f, x, require_size(n, 20, "derivative order"))


def _taylor(f: Any, x: Any, a: Any, n: Any) -> Any:
    """Σ f⁽ᵏ⁾(a)/k! (x − a)ᵏ from derivatives: cheaper than sympy's series() (1.7× for
    exp(ax)·cos(bx) at 0, over 10× away from 0) and the same polynomial (tests/test_exact.py).

    series() is kept for removable singularities (sin(x)/x at 0), where a derivative
    evaluated at a is undefined.
    """
    order = require_size(n, 12, "Taylor order")
    f = sp.sympify(f)
    terms, d = [], f
    for k in range(order + 1):
        c = d.subs(x, a)
        if c.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return sp.expand(sp.series(f, x, a, order + 1).removeO())
        terms.append(c / sp.factorial(k) * (x - a) ** k)
        d = sp.diff(d, x)
    return sp.expand(sp.Add(*terms))


def _gradient(f: Any, xs: list[Any]) -> sp.Matrix:
    return sp.Matrix([sp.diff(f, x) for x in xs])


def _hessian(f: Any, xs: list[Any]) -> sp.Matrix:
    return sp.hessian(f, xs)


def _jacobian(fs: list[Any], xs: list[Any]) -> sp.Matrix:
    return sp.Matrix(fs).jacobian(xs)


def _diag(*xs: Any) -> sp.Matrix:
    entries = xs[0] if len(xs) == 1 and isinstance(xs[0], list) else xs
    if len(entries) > MAX_MATRIX:
        raise ItemError(f"diag(...) takes at most {MAX_MATRIX} entries, got {len(entries)}")
    M = sp.diag(*entries)
    if M.rows > MAX_MATRIX * 4 or M.cols > MAX_MATRIX * 4:
        raise ItemError(f"matrices are limited to {MAX_MATRIX * 4}x{MAX_MATRIX * 4}")
    return M


MAX_TERMS = 100_000  # terms of an expanded expression


def _terms(e: Any) -> int:
    """An upper bound on the terms of expand(e), computed without expanding."""
    if isinstance(e, sp.Add):
        return sum(_terms(a) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1
        for a in e.args:
            out *= _terms(a)
            if out > MAX_TERMS:
                return out
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 1:
        t = _terms(e.base)
        return t if t == 1 else int(sp.binomial(int(e.exp) + t - 1, t - 1))
    return 1


def _expand(e: Any, *args: Any) -> Any:
    if isinstance(e, sp.Basic) and not isinstance(e, sp.MatrixBase):
        n = _terms(e)
        if n > MAX_TERMS:
            raise ItemError(f"expanding gives about {n} terms (at most {MAX_TERMS})",
                            "use a smaller power or fewer symbols")
    return sp.expand(e, *args)


def _factorial(n: Any) -> Any:
    return sp.factorial(require_size(n, MAX_FACTORIAL, "factorial argument"))


def _binomial(n: Any, k: Any) -> Any:
    require_size(n, 100_000, "binomial n")
    return sp.binomial(n, k)


def _range(a: Any, b: Any = None) -> list[Any]:
    lo, hi = (0, a) if b is None else (a, b)
    lo_i, hi_i = int(lo), int(hi)
    if hi_i - lo_i > MAX_RANGE:
        raise ItemError(f"range is longer than {MAX_RANGE}")
    return [sp.Integer(i) for i in range(lo_i, hi_i)]


def _round(x: Any, n: Any = 0) -> Any:
    digits = require_size(n, 12, "rounding digits")
    value = float(sp.N(x, 30))
    if digits == 0:
        return sp.Integer(round(value))
    return sp.Float(f"{value:.{digits}f}", digits + 1 + max(0, len(str(int(abs(value))))))


def _norm(v: Any, p: Any = 2) -> Any:
    M = _mat(v, "norm")
    if p in ("inf", sp.oo):
        return M.norm(sp.oo)
    return M.norm(p)


def _distinct(*xs: Any) -> bool:
    items = xs[0] if len(xs) == 1 and isinstance(xs[0], list) else list(xs)
    return len(set(sp.nsimplify(x) for x in items)) == len(items)


def _is_integer(x: Any) -> bool:
    if isinstance(x, list | sp.MatrixBase):
        return all(_is_integer(e) for e in x)
    return bool(sp.sympify(x).is_integer)


def _sum(items: Any) -> Any:
    total = sp.Integer(0)
    for i in items:
        total = total + i
    return total


def _prod(items: Any) -> Any:
    total = sp.Integer(1)
    for i in items:
        total = total * i
    return total


def _dot(u: Any, v: Any) -> Any:
    return _vector(u).dot(_vector(v))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # arithmetic and elementary functions
    "sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log,
    "log2": lambda x: sp.log(x, 2), "log10": lambda x: sp.log(x, 10),
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan, "asin": sp.asin,
    "acos": sp.acos, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "abs": sp.Abs, "Abs": sp.Abs, "sign": sp.sign, "floor": sp.floor, "ceiling": sp.ceiling,
    "max": sp.Max, "min": sp.Min, "Rational": sp.Rational, "gcd": sp.gcd, "lcm": sp.lcm,
    "binomial": _binomial, "factorial": _factorial, "round": _round,
    "numer": lambda x: sp.fraction(sp.nsimplify(x))[0],
    "denom": lambda x: sp.fraction(sp.nsimplify(x))[1],
    "Heaviside": lambda x: sp.Heaviside(x, 1), "Piecewise2": lambda c, a, b: sp.Piecewise((a, c), (b, True)),
    # algebra and calculus
    "expand": _expand, "factor": sp.factor, "simplify": sp.simplify, "cancel": sp.cancel,
    "together": sp.together, "diff": _diff, "integrate": _integrate, "subs": _subs,
    "limit": lambda f, x, a: sp.limit(f, x, a), "taylor": _taylor, "solve": _solve,
    "summation": lambda f, k, a, b: sp.summation(f, (k, a, b)),
    "gradient": _gradient, "hessian": _hessian, "jacobian": _jacobian,
    # linear algebra
    "Matrix": _matrix, "vec": _vector, "det": lambda A: _mat(A, "det").det(),
    "inv": lambda A: _mat(A, "inv").inv(), "T": lambda A: _mat(A, "T").T,
    "trace": lambda A: _mat(A, "trace").trace(), "rank": lambda A: _mat(A, "rank").rank(),
    "eye": lambda n: sp.eye(require_size(n, MAX_MATRIX, "matrix size")),
    "zeros": lambda m, n: sp.zeros(require_size(m, MAX_MATRIX, "rows"), require_size(n, MAX_MATRIX, "columns")),
    "diag": _diag,
    "eigenvalues": eigenvalues, "eigenvector": eigenvector,
    "dot": _dot, "norm": _norm, "hadamard": lambda A, B: _mat(A, "hadamard").multiply_elementwise(_mat(B, "hadamard")),
    "outer": lambda u, v: _vector(u) * _vector(v).T,
    "rows": lambda A: sp.Integer(_mat(A, "rows").rows), "cols": lambda A: sp.Integer(_mat(A, "cols").cols),
    "row": lambda A, i: _mat(A, "row").row(int(i)), "col": lambda A, j: _mat(A, "col").col(int(j)),
    "nullspace": lambda A: [_integer_direction(v) for v in _mat(A, "nullspace").nullspace()],
    # lists
    "sum": _sum, "prod": _prod, "len": lambda xs: sp.Integer(len(xs)), "range": _range,
    "list": list, "sorted": lambda xs: sorted(xs, key=_sort_key),
    "mean": lambda xs: _sum(xs) / len(xs),
    "distinct": _distinct, "is_integer": _is_integer,
    "is_square": lambda n: bool(sp.sqrt(n).is_integer),
}

CONSTANTS: dict[str, Any] = {"pi": sp.pi, "e": sp.E, "E": sp.E, "oo": sp.oo, "inf": sp.oo}


class ExactBackend(Backend):
    functions = FUNCTIONS
    constants = CONSTANTS

    def number(self, value: int | float) -> Any:
        if isinstance(value, int):
            return sp.Integer(value)
        return sp.Rational(repr(value))

    def power(self, base: Any, exp: Any) -> Any:
        check_int_power(base, exp)
        if isinstance(base, sp.MatrixBase):
            return base ** int(exp)
        return sp.Pow(base, exp)

    def compare(self, op: ast.cmpop, a: Any, b: Any) -> bool:
        if isinstance(op, ast.Eq | ast.NotEq):
            if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase) or isinstance(a, list):
                equal = a == b
            else:
                diff = sp.simplify(sp.sympify(a) - sp.sympify(b))
                equal = bool(diff == 0)
            return equal if isinstance(op, ast.Eq) else not equal
        rel = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}[type(op)]
        result = rel(a, b)
        if result not in (sp.true, sp.false):
            raise ItemError(f"cannot decide whether {a} {type(op).__name__} {b}",
                            "compare numbers, not symbolic expressions")
        return bool(result)

    def truth(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value in (sp.true, sp.false):
            return bool(value)
        if isinstance(value, sp.Basic) and value.is_number:
            return bool(value != 0)
        raise ItemError(f"{value} is not true or false", "write a comparison like a != 0")


def exact_evaluator(namespace: dict[str, Any]) -> Evaluator:
    return Evaluator(ExactBackend(), namespace)


def make_symbols(names: list[str]) -> dict[str, Any]:
    return {n: sp.Symbol(n, real=True) for n in names}
