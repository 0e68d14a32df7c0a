"""The numeric (numpy) backend: checks compute answers here, independently of sympy.

Besides numpy's linear algebra it offers numerical calculus as special forms
that bind a variable: quad (Gauss-Legendre quadrature), fdiff (central finite
differences), fgrad/fhess/fjac, nsum (enumeration), argmin/argmax (grid search
plus golden-section refinement) and froot (bisection).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ankigen.expr import (
    MAX_FACTORIAL,
    MAX_MATRIX,
    MAX_RANGE,
    Backend,
    Bound,
    Evaluator,
    ItemError,
    check_int_power,
    require_size,
)

RNG_KEY = "__rng__"


MAX_ELEMENTS = 1_000_000  # entries of one array (8 MB of floats): checked before allocating
MAX_WORK = 100_000_000  # multiply-adds of one convolution or matrix product


def _size(shape: tuple[int, ...], what: str = "array") -> tuple[int, ...]:
    if math.prod(shape) > MAX_ELEMENTS:
        raise ItemError(f"{what} of shape {'x'.join(map(str, shape))} has more than {MAX_ELEMENTS} "
                        "entries", "use smaller sizes")
    return shape


def _arr(x: Any) -> np.ndarray:
    a = np.asarray(x)
    a = a.astype(complex if np.iscomplexobj(a) else float)
    if a.ndim > 2:
        raise ItemError("arrays are limited to 2 dimensions")
    _size(a.shape)
    return a


def _outer(u: Any, v: Any) -> np.ndarray:
    a, b = _arr(u), _arr(v)
    _size((a.size, b.size), "outer product")
    return np.outer(a, b)


def _diag(v: Any) -> np.ndarray:
    a = _arr(v)
    if a.ndim == 1:
        _size((a.size, a.size), "diagonal matrix")
    return np.diag(a)


def _cov(X: Any) -> np.ndarray:
    a = _arr(X)
    _size((a.shape[-1], a.shape[-1]), "covariance matrix")
    return np.atleast_2d(np.cov(a, rowvar=False, bias=True))


def _convolve(a: Any, b: Any, mode: str = "full") -> np.ndarray:
    x, y = _arr(a), _arr(b)
    if x.size * y.size > MAX_WORK:
        raise ItemError(f"convolving {x.size} by {y.size} entries is too much work", "use shorter signals")
    return np.convolve(x, y) if mode == "full" else np.correlate(x, y, mode="valid")


def _roots(c: Any) -> np.ndarray:
    a = _arr(c)
    _size((a.size, a.size), "companion matrix")
    return np.sort_complex(np.roots(a))


def _broadcast(*args: Any) -> tuple[int, ...]:
    """The shape numpy would make of args together, refused before it is allocated."""
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    except ValueError as e:
        raise ItemError(f"shapes do not match: {', '.join(str(np.shape(a)) for a in args)}") from e
    return _size(shape)


def _elementwise_of(fn: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any) -> Any:
        _broadcast(*args)
        return fn(*args)

    return checked


def check_operands(op: ast.AST, left: Any, right: Any) -> None:
    """Arithmetic on arrays: the result's size (and a matrix product's work) within the caps."""
    if not (isinstance(left, np.ndarray) or isinstance(right, np.ndarray)):
        return
    if isinstance(op, ast.MatMult):
        a, b = np.shape(left), np.shape(right)
        if len(a) == 2 and len(b) == 2:
            _size((a[0], b[1]), "matrix product")
            if a[0] * a[1] * b[1] > MAX_WORK:
                raise ItemError("a matrix product is too much work", "use smaller matrices")
        return
    _broadcast(left, right)


def _eigvals(A: Any) -> np.ndarray:
    w = np.linalg.eigvals(_arr(A))
    if np.all(np.abs(w.imag) < 1e-9):
        return np.sort(w.real)
    return w[np.lexsort((w.imag, w.real))]


def _qr(A: Any) -> tuple[np.ndarray, np.ndarray]:
    """Reduced QR with a nonnegative diagonal of R (the Gram–Schmidt convention, unlike LAPACK's)."""
    Q, R = np.linalg.qr(_arr(A))
    s = np.where(np.diag(R) < 0, -1.0, 1.0)
    return Q * s, R * s[:, None]


def _shape(args: tuple[Any, ...]) -> tuple[int, ...]:
    shape = tuple(require_size(a, MAX_ELEMENTS, "array size") for a in args)
    return _size(shape)


def _factorial(n: Any) -> float:
    return float(math.factorial(require_size(n, MAX_FACTORIAL, "factorial argument")))


def _range(a: Any, b: Any = None) -> list[int]:
    lo, hi = (0, int(a)) if b is None else (int(a), int(b))
    if hi - lo > MAX_RANGE:
        raise ItemError(f"range is longer than {MAX_RANGE}")
    return list(range(lo, hi))


def _norm(v: Any, p: Any = 2) -> float:
    a = _arr(v)
    if isinstance(p, str) or (isinstance(p, float) and math.isinf(p)):
        return float(np.max(np.abs(a)))
    if a.ndim == 2 and min(a.shape) > 1 and p == "fro":
        return float(np.linalg.norm(a, "fro"))
    return float(np.sum(np.abs(a.ravel()) ** p) ** (1.0 / p))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "array": _arr, "vec": lambda xs: _arr(xs).reshape(-1),
    "Matrix": _arr,
    "eigvals": _eigvals, "eigvalsh": lambda A: np.linalg.eigvalsh(_arr(A)),
    "svdvals": lambda A: np.linalg.svd(_arr(A), compute_uv=False),
    "det": lambda A: float(np.linalg.det(_arr(A))), "inv": lambda A: np.linalg.inv(_arr(A)),
    "solve": lambda A, b: np.linalg.solve(_arr(A), _arr(b)),
    "lstsq": lambda A, b: np.linalg.lstsq(_arr(A), _arr(b), rcond=None)[0],
    "qr_q": lambda A: _qr(A)[0], "qr_r": lambda A: _qr(A)[1],
    "cholesky": lambda A: np.linalg.cholesky(_arr(A)), "pinv": lambda A: np.linalg.pinv(_arr(A)),
    "T": lambda A: _arr(A).T, "trace": lambda A: float(np.trace(_arr(A))),
    "rank": lambda A: int(np.linalg.matrix_rank(_arr(A))),
    "norm": _norm, "frobenius": lambda A: float(np.linalg.norm(_arr(A), "fro")),
    "dot": lambda u, v: float(np.dot(_arr(u).ravel(), _arr(v).ravel())),
    "outer": _outer, "cross": lambda u, v: np.cross(_arr(u), _arr(v)),
    "matpow": lambda A, k: np.linalg.matrix_power(_arr(A), require_size(k, 1000, "matrix power")),
    "eye": lambda n: np.eye(require_size(n, MAX_MATRIX, "matrix size")),
    "zeros": lambda *s: np.zeros(_shape(s)), "ones": lambda *s: np.ones(_shape(s)),
    "diag": _diag,
    "sum": lambda x: np.sum(_arr(x)), "prod": lambda x: np.prod(_arr(x)),
    "mean": lambda x: float(np.mean(_arr(x))), "var": lambda x: float(np.var(_arr(x))),
    "std": lambda x: float(np.std(_arr(x))), "cumsum": lambda x: np.cumsum(_arr(x)),
    "cov": _cov,
    "sort": lambda x: np.sort(_arr(x)), "argmaxi": lambda x: int(np.argmax(_arr(x))),
    "argmini": lambda x: int(np.argmin(_arr(x))),
    "max": lambda *x: float(np.max(_arr(x[0] if len(x) == 1 else list(x)))),
    "min": lambda *x: float(np.min(_arr(x[0] if len(x) == 1 else list(x)))),
    "maximum": _elementwise_of(np.maximum), "minimum": _elementwise_of(np.minimum),
    "where": _elementwise_of(np.where), "clip": _elementwise_of(np.clip),
    "convolve": _convolve, "correlate": lambda a, b: _convolve(a, b, "valid"),
    "log": np.log, "log2": np.log2, "log10": np.log10, "exp": np.exp, "sqrt": np.sqrt,
    "abs": np.abs, "sign": np.sign, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "atan": np.arctan, "arctan": np.arctan, "asin": np.arcsin, "acos": np.arccos,
    "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "floor": np.floor, "ceil": np.ceil,
    "real": np.real, "float": float, "int": int, "len": len, "range": _range,
    "arange": lambda a, b, s=1: np.arange(a, b, s) if abs((b - a) / s) <= MAX_RANGE else _range(0, MAX_RANGE + 1),
    "linspace": lambda a, b, n: np.linspace(a, b, require_size(n, MAX_RANGE, "linspace size")),
    "comb": lambda n, k: float(math.comb(require_size(n, 100_000, "comb n"), int(k))),
    "factorial": _factorial, "roots": _roots,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))),
    "softmax": lambda z: np.exp(_arr(z) - np.max(_arr(z))) / np.sum(np.exp(_arr(z) - np.max(_arr(z)))),
    "relu": lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
    "gcd": lambda a, b: float(math.gcd(int(a), int(b))),
}

CONSTANTS: dict[str, Any] = {"pi": math.pi, "e": math.e, "E": math.e, "inf": math.inf, "oo": math.inf}

_SPECIAL = frozenset({
    "quad", "fdiff", "fgrad", "fhess", "fjac", "nsum", "argmin", "argmax", "froot",
    "randn", "rand", "randint", "randprob", "randspd", "randsym", "simulate_mean",
})


def _bound_name(node: ast.expr, fname: str) -> str:
    if not isinstance(node, ast.Name):
        raise ItemError(f"{fname}(...) needs a variable name as its second argument")
    return node.id


def _names(node: ast.expr, fname: str) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple):
        return [_bound_name(e, fname) for e in node.elts]
    return [_bound_name(node, fname)]


_GL_X, _GL_W = np.polynomial.legendre.leggauss(64)


class NumericBackend(Backend):
    name = "numeric"
    functions = FUNCTIONS
    constants = CONSTANTS
    special = _SPECIAL

    def number(self, value: int | float) -> Any:
        return value

    def power(self, base: Any, exp: Any) -> Any:
        check_int_power(base, exp)
        if isinstance(base, int) and isinstance(exp, int) and exp < 0:
            return float(base) ** exp
        return np.power(base, exp) if isinstance(base, np.ndarray) else base ** exp

    def check_operands(self, op: ast.AST, left: Any, right: Any) -> None:
        check_operands(op, left, right)

    def compare(self, op: ast.cmpop, a: Any, b: Any) -> bool:
        check_operands(op, a, b)
        fn = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
              ast.Gt: np.greater, ast.GtE: np.greater_equal}[type(op)]
        return bool(np.all(fn(a, b)))

    def call_special(self, name: str, args: list[ast.expr], ev: Evaluator) -> Any:
        def val(node: ast.expr) -> Any:
            return ev._ev(node)

        if name in {"randn", "rand", "randint", "randprob", "randspd", "randsym"}:
            rng = ev.namespace.get(RNG_KEY)
            if rng is None:
                raise ItemError(f"{name}(...) is only available in concept checks")
            vals = [val(a) for a in args]
            if name == "randn":
                return rng.standard_normal(_shape(tuple(vals))) if vals else float(rng.standard_normal())
            if name == "rand":
                return rng.random(_shape(tuple(vals))) if vals else float(rng.random())
            if name == "randint":
                lo, hi, *shape = vals
                if shape:
                    return rng.integers(int(lo), int(hi) + 1, _shape(tuple(shape))).astype(float)
                return int(rng.integers(int(lo), int(hi) + 1))
            n = require_size(vals[0], MAX_MATRIX * 100, "size")
            if name == "randprob":
                p = rng.random(n) + 0.05
                return p / p.sum()
            M = rng.standard_normal((n, n))
            if name == "randsym":
                return (M + M.T) / 2
            return M @ M.T + n * np.eye(n)
        if name == "quad":
            if len(args) != 4:
                raise ItemError("quad(f, x, a, b) takes 4 arguments")
            x = _bound_name(args[1], name)
            a, b = float(val(args[2])), float(val(args[3]))
            total = 0.0
            edges = np.linspace(a, b, 17)
            for lo, hi in zip(edges[:-1], edges[1:], strict=True):
                pts = (hi - lo) / 2 * _GL_X + (hi + lo) / 2
                ys = np.broadcast_to(ev.with_bindings({x: pts})._ev(args[0]), pts.shape)
                total += float(np.sum(_GL_W * ys) * (hi - lo) / 2)
            return total
        if name == "fdiff":
            if len(args) not in (3, 4):
                raise ItemError("fdiff(f, x, x0) or fdiff(f, x, x0, n) takes 3 or 4 arguments")
            x = _bound_name(args[1], name)
            x0 = float(val(args[2]))
            n = int(val(args[3])) if len(args) == 4 else 1

            def fx(t: float) -> float:
                return float(ev.with_bindings({x: t})._ev(args[0]))

            if n == 1:
                h = 1e-5 * max(1.0, abs(x0))
                return (-fx(x0 + 2 * h) + 8 * fx(x0 + h) - 8 * fx(x0 - h) + fx(x0 - 2 * h)) / (12 * h)
            if n == 2:
                h = 1e-3 * max(1.0, abs(x0))
                return (-fx(x0 + 2 * h) + 16 * fx(x0 + h) - 30 * fx(x0) + 16 * fx(x0 - h) - fx(x0 - 2 * h)) / (12 * h * h)
            raise ItemError("fdiff supports derivative orders 1 and 2")
        if name in {"fgrad", "fhess", "fjac"}:
            if len(args) != 3:
                raise ItemError(f"{name}(f, [x, y], [x0, y0]) takes 3 arguments")
            xs = _names(args[1], name)
            pt = np.asarray(val(args[2]), dtype=float).ravel()
            if len(pt) != len(xs):
                raise ItemError(f"{name}: {len(xs)} variables but a point with {len(pt)} coordinates")

            def F(p: np.ndarray, node: ast.expr = args[0]) -> Any:
                return np.asarray(ev.with_bindings(dict(zip(xs, (float(t) for t in p), strict=True)))._ev(node), dtype=float)

            h = 1e-5
            n = len(xs)
            if name == "fgrad":
                grad = np.zeros(n)
                for i in range(n):
                    e = np.zeros(n)
                    e[i] = h
                    grad[i] = float((F(pt + e) - F(pt - e)) / (2 * h))
                return grad
            if name == "fjac":
                cols = []
                for i in range(n):
                    e = np.zeros(n)
                    e[i] = h
                    cols.append((F(pt + e) - F(pt - e)).ravel() / (2 * h))
                return np.stack(cols, axis=1)
            H = np.zeros((n, n))
            h2 = 1e-3
            for i in range(n):
                for j in range(n):
                    ei, ej = np.zeros(n), np.zeros(n)
                    ei[i], ej[j] = h2, h2
                    H[i, j] = float((F(pt + ei + ej) - F(pt + ei - ej) - F(pt - ei + ej) + F(pt - ei - ej)) / (4 * h2 * h2))
            return H
        if name == "nsum":
            if len(args) != 4:
                raise ItemError("nsum(f, k, a, b) takes 4 arguments (b inclusive)")
            k = _bound_name(args[1], name)
            lo, hi = int(val(args[2])), int(val(args[3]))
            if hi - lo > MAX_RANGE:
                raise ItemError(f"nsum range is longer than {MAX_RANGE}")
            if _elementwise(args[0], k, ev):  # all terms at once
                ks = np.arange(lo, hi + 1, dtype=float)
                terms = _on_array(ev, args[0], k, ks)
                if terms is not None and np.all(np.isfinite(terms)):
                    return float(np.sum(terms))
                # not finite somewhere: term by term below, which reports the failing term
            return float(sum(float(np.sum(ev.with_bindings({k: i})._ev(args[0]))) for i in range(lo, hi + 1)))
        if name in {"argmin", "argmax"}:
            if len(args) != 4:
                raise ItemError(f"{name}(f, x, a, b) takes 4 arguments")
            x = _bound_name(args[1], name)
            a, b = float(val(args[2])), float(val(args[3]))
            sign = 1.0 if name == "argmin" else -1.0

            def g(t: float) -> float:
                return sign * float(ev.with_bindings({x: t})._ev(args[0]))

            grid = np.linspace(a, b, 4001)
            values = _on_array(ev, args[0], x, grid) if _elementwise(args[0], x, ev) else None
            if values is None:
                values = np.array([g(t) for t in grid])
            else:
                values = np.where(np.isnan(values), np.inf, sign * values)
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
            return (lo + hi) / 2
        if name == "froot":
            if len(args) != 4:
                raise ItemError("froot(f, x, a, b) takes 4 arguments")
            x = _bound_name(args[1], name)
            a, b = float(val(args[2])), float(val(args[3]))

            def r(t: float) -> float:
                return float(ev.with_bindings({x: t})._ev(args[0]))

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
        if name == "simulate_mean":
            raise ItemError("simulate_mean is reserved")
        raise ItemError(f"unknown function '{name}'")


_ELEMENTWISE = frozenset({
    "log", "log2", "log10", "exp", "sqrt", "abs", "sign", "sin", "cos", "tan", "atan", "arctan",
    "asin", "acos", "tanh", "sinh", "cosh", "floor", "ceil", "clip", "maximum", "minimum",
    "sigmoid", "relu", "real",
})


def _on_array(ev: Evaluator, node: ast.expr, var: str, points: np.ndarray) -> np.ndarray | None:
    """node at every point at once, or None where that does not give one value per point."""
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(ev.with_bindings({var: points})._ev(node), dtype=float)
    except (ItemError, ValueError, TypeError, IndexError, ArithmeticError):
        return None
    return values if values.shape == points.shape else None


def _elementwise(node: ast.expr, var: str, ev: Evaluator) -> bool:
    """Whether node, evaluated with an array for var, gives the array of its scalar values.

    Only arithmetic and elementwise functions of var qualify (parts that do not involve var
    may be anything with a scalar value): a comparison or an if/else would decide once for
    the whole array, and sum() or a vector would mix the terms.
    """
    from ankigen.expr import Bound

    probe = ev.with_bindings({var: 0.5})

    def scalar(sub: ast.expr) -> bool:
        try:
            with np.errstate(all="ignore"):
                value = probe._ev(sub)
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


def numeric_evaluator(namespace: dict[str, Any], rng: np.random.Generator | None = None) -> Evaluator:
    ns = dict(namespace)
    if rng is not None:
        ns[RNG_KEY] = rng
    return Evaluator(NumericBackend(), ns)


def to_numeric(value: Any) -> Any:
    """Convert an exact (sympy) value to floats/arrays for the numeric backend."""
    import sympy as sp

    if isinstance(value, sp.MatrixBase):
        entries = np.array([complex(x) for x in value.evalf(20)], dtype=complex).reshape(value.shape)
        return entries.real if np.all(np.abs(entries.imag) < 1e-14) else entries
    if isinstance(value, list):
        try:
            return np.array([to_numeric(v) for v in value], dtype=float)
        except (TypeError, ValueError):
            return [to_numeric(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, sp.Basic):
        if value.is_number:
            c = complex(value.evalf(20))
            return c.real if abs(c.imag) < 1e-14 else c
        syms = sorted(value.free_symbols, key=lambda s: s.name)
        fn = sp.lambdify(syms, value, modules="numpy")
        return SymbolicFunction([s.name for s in syms], fn, value)
    if isinstance(value, int | float):
        return value
    raise ItemError(f"cannot convert {value!r} to a number")


class SymbolicFunction(Bound):
    """A sympy expression in free symbols, evaluated at the current bindings when read."""

    def __init__(self, names: list[str], fn: Callable[..., Any], expr: Any = None):
        self.names = names
        self.fn = fn
        self.expr = expr  # the exact (sympy) expression

    @property
    def source(self) -> str:
        """The exact expression as text (sympy srepr): identifies the function, e.g. for caching."""
        import sympy as sp

        return sp.srepr(self.expr) if self.expr is not None else ""

    def bind(self, namespace: Mapping[str, Any]) -> Any:
        missing = [n for n in self.names if n not in namespace or isinstance(namespace[n], Bound)]
        if missing:
            raise ItemError(f"function of {', '.join(self.names)} used where "
                            f"{', '.join(missing)} has no numeric value",
                            "use it inside quad/fdiff/fgrad/... which bind the variable")
        return self.fn(*[namespace[n] for n in self.names])
