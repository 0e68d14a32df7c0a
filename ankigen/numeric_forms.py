"""Special forms of the numeric backend: calculus that binds a variable, and random inputs.

A form receives its arguments unevaluated, so `quad(f, x, 0, 1)` can evaluate f with x
bound to quadrature nodes: quad (Gauss-Legendre), fdiff (central finite differences),
fgrad/fhess/fjac, nsum (enumeration), argmin/argmax (grid search plus golden-section
refinement) and froot (bisection). The random forms draw from the evaluating backend's
`rng` (concept checks only).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ankigen.caps import MAX_MATRIX, MAX_RANGE, require_size, shape_of
from ankigen.errors import ItemError
from ankigen.expr import Bound, Evaluator, SpecialForm

_GL_X, _GL_W = np.polynomial.legendre.leggauss(64)


def _bound_name(node: ast.expr, fname: str) -> str:
    if not isinstance(node, ast.Name):
        raise ItemError(f"{fname}(...) needs a variable name as its second argument")
    return node.id


def _names(node: ast.expr, fname: str) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple):
        return [_bound_name(e, fname) for e in node.elts]
    return [_bound_name(node, fname)]


def _of(ev: Evaluator, node: ast.expr, x: str) -> Callable[[float], float]:
    """node as a function of the variable x."""
    return lambda t: float(ev.with_bindings({x: t}).node(node))


def _over_interval(ev: Evaluator, args: list[ast.expr], name: str) -> tuple[str, float, float]:
    """The variable and interval of name(f, x, a, b)."""
    if len(args) != 4:
        raise ItemError(f"{name}(f, x, a, b) takes 4 arguments")
    return _bound_name(args[1], name), float(ev.node(args[2])), float(ev.node(args[3]))


def _quad(ev: Evaluator, args: list[ast.expr]) -> float:
    x, a, b = _over_interval(ev, args, "quad")
    total = 0.0
    edges = np.linspace(a, b, 17)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        pts = (hi - lo) / 2 * _GL_X + (hi + lo) / 2
        ys = np.broadcast_to(ev.with_bindings({x: pts}).node(args[0]), pts.shape)
        total += float(np.sum(_GL_W * ys) * (hi - lo) / 2)
    return total


def _fdiff(ev: Evaluator, args: list[ast.expr]) -> float:
    if len(args) not in (3, 4):
        raise ItemError("fdiff(f, x, x0) or fdiff(f, x, x0, n) takes 3 or 4 arguments")
    fx = _of(ev, args[0], _bound_name(args[1], "fdiff"))
    x0 = float(ev.node(args[2]))
    n = int(ev.node(args[3])) if len(args) == 4 else 1
    if n == 1:
        h = 1e-5 * max(1.0, abs(x0))
        return (-fx(x0 + 2 * h) + 8 * fx(x0 + h) - 8 * fx(x0 - h) + fx(x0 - 2 * h)) / (12 * h)
    if n == 2:
        h = 1e-3 * max(1.0, abs(x0))
        return (-fx(x0 + 2 * h) + 16 * fx(x0 + h) - 30 * fx(x0) + 16 * fx(x0 - h) - fx(x0 - 2 * h)) / (12 * h * h)
    raise ItemError("fdiff supports derivative orders 1 and 2")


PointFunction = Callable[[np.ndarray], Any]


def _at_point(ev: Evaluator, args: list[ast.expr], name: str) -> tuple[PointFunction, np.ndarray]:
    """f as a function of the point, and the point, of name(f, [x, y], [x0, y0])."""
    if len(args) != 3:
        raise ItemError(f"{name}(f, [x, y], [x0, y0]) takes 3 arguments")
    xs = _names(args[1], name)
    pt = np.asarray(ev.node(args[2]), dtype=float).ravel()
    if len(pt) != len(xs):
        raise ItemError(f"{name}: {len(xs)} variables but a point with {len(pt)} coordinates")

    def F(p: np.ndarray) -> Any:
        return np.asarray(ev.with_bindings(dict(zip(xs, (float(t) for t in p), strict=True))).node(args[0]),
                          dtype=float)

    return F, pt


def _steps(n: int, h: float) -> list[np.ndarray]:
    """h times each unit vector of R^n."""
    return [h * np.eye(n)[i] for i in range(n)]


def _fgrad(ev: Evaluator, args: list[ast.expr]) -> np.ndarray:
    F, pt = _at_point(ev, args, "fgrad")
    h = 1e-5
    grad = np.zeros(len(pt))
    for i, e in enumerate(_steps(len(pt), h)):
        grad[i] = float((F(pt + e) - F(pt - e)) / (2 * h))
    return grad


def _fjac(ev: Evaluator, args: list[ast.expr]) -> np.ndarray:
    F, pt = _at_point(ev, args, "fjac")
    h = 1e-5
    return np.stack([(F(pt + e) - F(pt - e)).ravel() / (2 * h) for e in _steps(len(pt), h)], axis=1)


def _fhess(ev: Evaluator, args: list[ast.expr]) -> np.ndarray:
    F, pt = _at_point(ev, args, "fhess")
    n, h2 = len(pt), 1e-3
    H = np.zeros((n, n))
    steps = _steps(n, h2)
    for i, ei in enumerate(steps):
        for j, ej in enumerate(steps):
            H[i, j] = float((F(pt + ei + ej) - F(pt + ei - ej) - F(pt - ei + ej) + F(pt - ei - ej)) / (4 * h2 * h2))
    return H


def _nsum(ev: Evaluator, args: list[ast.expr]) -> float:
    if len(args) != 4:
        raise ItemError("nsum(f, k, a, b) takes 4 arguments (b inclusive)")
    k = _bound_name(args[1], "nsum")
    lo, hi = int(ev.node(args[2])), int(ev.node(args[3]))
    if hi - lo > MAX_RANGE:
        raise ItemError(f"nsum range is longer than {MAX_RANGE}")
    if _elementwise(args[0], k, ev):  # all terms at once
        terms = _on_array(ev, args[0], k, np.arange(lo, hi + 1, dtype=float))
        if terms is not None and np.all(np.isfinite(terms)):
            return float(np.sum(terms))
        # not finite somewhere: term by term below, which reports the failing term
    return float(sum(float(np.sum(ev.with_bindings({k: i}).node(args[0]))) for i in range(lo, hi + 1)))


def _extremum(sign: float, name: str, ev: Evaluator, args: list[ast.expr]) -> float:
    """argmin (sign 1) or argmax (sign -1): the best of a 4001-point grid, refined by golden section."""
    x, a, b = _over_interval(ev, args, name)
    f = _of(ev, args[0], x)

    def g(t: float) -> float:
        return sign * f(t)

    grid = np.linspace(a, b, 4001)
    values = _on_array(ev, args[0], x, grid) if _elementwise(args[0], x, ev) else None
    values = np.array([g(t) for t in grid]) if values is None else np.where(np.isnan(values), np.inf, sign * values)
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    phi = (math.sqrt(5) - 1) / 2  # golden section: one new evaluation per step
    c, d = hi - phi * (hi - lo), lo + phi * (hi - lo)
    gc, gd = g(c), g(d)
    for _ in range(80):
        if gc < gd:
            hi, d, gd = d, c, gc
            c = hi - phi * (hi - lo)
            gc = g(c)
        else:
            lo, c, gc = c, d, gd
            d = lo + phi * (hi - lo)
            gd = g(d)
    mid: float = (lo + hi) / 2
    return mid


def _froot(ev: Evaluator, args: list[ast.expr]) -> float:
    x, a, b = _over_interval(ev, args, "froot")
    r = _of(ev, args[0], x)
    fa, fb = r(a), r(b)
    if fa * fb > 0:
        raise ItemError(f"froot: f has the same sign at {a} and {b}")
    for _ in range(64):  # 2**-64 of the bracket: below double precision
        m = (a + b) / 2
        fm = r(m)
        if fa * fm <= 0:
            b, fb = m, fm
        else:
            a, fa = m, fm
    return (a + b) / 2


def _random(draw: Callable[[np.random.Generator, list[Any]], Any], name: str,
            ev: Evaluator, args: list[ast.expr]) -> Any:
    """A random form: the backend's generator (concept checks have one) and the evaluated arguments."""
    rng = getattr(ev.backend, "rng", None)
    if rng is None:
        raise ItemError(f"{name}(...) is only available in concept checks")
    return draw(rng, [ev.node(a) for a in args])


def _randn(rng: np.random.Generator, vals: list[Any]) -> Any:
    return rng.standard_normal(shape_of(tuple(vals))) if vals else float(rng.standard_normal())


def _rand(rng: np.random.Generator, vals: list[Any]) -> Any:
    return rng.random(shape_of(tuple(vals))) if vals else float(rng.random())


def _randint(rng: np.random.Generator, vals: list[Any]) -> Any:
    lo, hi, *shape = vals
    if shape:
        return rng.integers(int(lo), int(hi) + 1, shape_of(tuple(shape))).astype(float)
    return int(rng.integers(int(lo), int(hi) + 1))


def _square_size(vals: list[Any]) -> int:
    return require_size(vals[0], MAX_MATRIX * 100, "size")


def _randprob(rng: np.random.Generator, vals: list[Any]) -> Any:
    p = rng.random(_square_size(vals)) + 0.05
    return p / p.sum()


def _randsym(rng: np.random.Generator, vals: list[Any]) -> np.ndarray:
    M = rng.standard_normal((_square_size(vals),) * 2)
    return (M + M.T) / 2


def _randspd(rng: np.random.Generator, vals: list[Any]) -> np.ndarray:
    n = _square_size(vals)
    M = rng.standard_normal((n, n))
    return M @ M.T + n * np.eye(n)


_RANDOM = {"randn": _randn, "rand": _rand, "randint": _randint, "randprob": _randprob,
           "randspd": _randspd, "randsym": _randsym}

FORMS: dict[str, SpecialForm] = {
    "quad": _quad, "fdiff": _fdiff, "fgrad": _fgrad, "fhess": _fhess, "fjac": _fjac, "nsum": _nsum,
    "argmin": partial(_extremum, 1.0, "argmin"), "argmax": partial(_extremum, -1.0, "argmax"),
    "froot": _froot,
    **{name: partial(_random, draw, name) for name, draw in _RANDOM.items()},
}

_ELEMENTWISE = frozenset({
    "log", "log2", "log10", "exp", "sqrt", "abs", "sign", "sin", "cos", "tan", "atan", "arctan",
    "asin", "acos", "tanh", "sinh", "cosh", "floor", "ceil", "clip", "maximum", "minimum",
    "sigmoid", "relu", "real",
})


def _on_array(ev: Evaluator, node: ast.expr, var: str, points: np.ndarray) -> np.ndarray | None:
    """node at every point at once, or None where that does not give one value per point."""
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(ev.with_bindings({var: points}).node(node), dtype=float)
    except (ItemError, ValueError, TypeError, IndexError, ArithmeticError):
        return None
    return values if values.shape == points.shape else None


def _elementwise(node: ast.expr, var: str, ev: Evaluator) -> bool:
    """Whether node, evaluated with an array for var, gives the array of its scalar values.

    Only arithmetic and elementwise functions of var qualify (parts that do not involve var
    may be anything with a scalar value): a comparison or an if/else would decide once for
    the whole array, and sum() or a vector would mix the terms.
    """
    probe = ev.with_bindings({var: 0.5})

    def scalar(sub: ast.expr) -> bool:
        try:
            with np.errstate(all="ignore"):
                value = probe.node(sub)
        except Exception:  # noqa: BLE001 - undecidable here: the caller goes term by term
            return False
        return isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)

    def ok(sub: ast.expr) -> bool:
        varying = {n.id for n in ast.walk(sub) if isinstance(n, ast.Name)
                   and (n.id == var or isinstance(ev.namespace.get(n.id), Bound))}
        if not varying:
            return scalar(sub)
        if isinstance(sub, ast.Name):
            return sub.id == var or scalar(sub)
        if isinstance(sub, ast.BinOp):
            return ok(sub.left) and ok(sub.right)
        if isinstance(sub, ast.UnaryOp):
            return isinstance(sub.op, ast.USub | ast.UAdd) and ok(sub.operand)
        if isinstance(sub, ast.Call):
            return (isinstance(sub.func, ast.Name) and sub.func.id in _ELEMENTWISE
                    and all(ok(a) for a in sub.args))
        return False

    return ok(node)


_BINDS_ONE = {"quad", "fdiff", "nsum", "argmin", "argmax", "froot"}
_BINDS_MANY = {"fgrad", "fhess", "fjac"}
BINDING_FORMS = frozenset(_BINDS_ONE | _BINDS_MANY)


def bound_names(tree: ast.AST) -> set[str]:
    """Variables that calculus forms bind, like x in quad(f, x, 0, 1): they need no definition."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) > 1:
            arg = node.args[1]
            if node.func.id in _BINDS_ONE and isinstance(arg, ast.Name):
                out.add(arg.id)
            elif node.func.id in _BINDS_MANY:
                elts = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
                out.update(e.id for e in elts if isinstance(e, ast.Name))
    return out
