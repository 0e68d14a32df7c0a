"""The numeric (numpy) backend: checks compute answers here, independently of sympy.

Besides numpy's linear algebra it offers numerical calculus as special forms that bind
a variable (ankigen/numeric_forms.py).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ankigen.caps import (
    MAX_FACTORIAL,
    MAX_MATRIX,
    MAX_RANGE,
    MAX_WORK,
    check_int_power,
    check_shape,
    require_size,
    shape_of,
)
from ankigen.errors import ItemError
from ankigen.expr import Backend, Bound, Evaluator
from ankigen.numeric_forms import BINDING_FORMS, FORMS, bound_names

__all__ = ["BINDING_FORMS", "CONSTANTS", "FUNCTIONS", "NumericBackend", "SymbolicFunction", "bound_names",
           "numeric_evaluator", "to_numeric"]


def _arr(x: Any) -> np.ndarray:
    a = np.asarray(x)
    a = a.astype(complex if np.iscomplexobj(a) else float)
    if a.ndim > 2:
        raise ItemError("arrays are limited to 2 dimensions")
    check_shape(a.shape)
    return a


def _outer(u: Any, v: Any) -> np.ndarray:
    a, b = _arr(u), _arr(v)
    check_shape((a.size, b.size), "outer product")
    return np.outer(a, b)


def _diag(v: Any) -> np.ndarray:
    a = _arr(v)
    if a.ndim == 1:
        check_shape((a.size, a.size), "diagonal matrix")
    return np.diag(a)


def _cov(X: Any) -> np.ndarray:
    a = _arr(X)
    check_shape((a.shape[-1], a.shape[-1]), "covariance matrix")
    return np.atleast_2d(np.cov(a, rowvar=False, bias=True))


def _convolve(a: Any, b: Any, mode: str = "full") -> np.ndarray:
    x, y = _arr(a), _arr(b)
    if x.size * y.size > MAX_WORK:
        raise ItemError(f"convolving {x.size} by {y.size} entries is too much work", "use shorter signals")
    return np.convolve(x, y) if mode == "full" else np.correlate(x, y, mode="valid")


def _roots(c: Any) -> np.ndarray:
    a = _arr(c)
    check_shape((a.size, a.size), "companion matrix")
    return np.sort_complex(np.roots(a))


def _broadcast(*args: Any) -> tuple[int, ...]:
    """The shape numpy would make of args together, refused before it is allocated."""
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    except ValueError as e:
        raise ItemError(f"shapes do not match: {', '.join(str(np.shape(a)) for a in args)}") from e
    return check_shape(shape)


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
            check_shape((a[0], b[1]), "matrix product")
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
    "zeros": lambda *s: np.zeros(shape_of(s)), "ones": lambda *s: np.ones(shape_of(s)),
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

class NumericBackend(Backend):
    functions = FUNCTIONS
    constants = CONSTANTS
    special = FORMS

    def __init__(self, rng: np.random.Generator | None = None):
        self.rng = rng  # the random forms draw from it (concept checks); None elsewhere

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


def numeric_evaluator(namespace: dict[str, Any], rng: np.random.Generator | None = None) -> Evaluator:
    return Evaluator(NumericBackend(rng), namespace)


def to_numeric(value: Any) -> Any:
    """Convert an exact (sympy) value to floats/arrays for the numeric backend."""
    import sympy as sp  # noqa: PLC0415 - heavy; checks of concepts need only numpy

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
        import sympy as sp  # noqa: PLC0415 - heavy; checks of concepts need only numpy

        return sp.srepr(self.expr) if self.expr is not None else ""

    def bind(self, namespace: Mapping[str, Any]) -> Any:
        missing = [n for n in self.names if n not in namespace or isinstance(namespace[n], Bound)]
        if missing:
            raise ItemError(f"function of {', '.join(self.names)} used where "
                            f"{', '.join(missing)} has no numeric value",
                            "use it inside quad/fdiff/fgrad/... which bind the variable")
        return self.fn(*[namespace[n] for n in self.names])
