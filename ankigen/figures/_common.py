"""Helpers shared by the figure modules (a leading underscore: not a module of kinds)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np


def _y(f: Any, x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(f(x), dtype=float), np.shape(x))


def _at(f: Any, x0: float) -> float:
    return float(_y(f, np.array([float(x0)]))[0])


def _vec(v: Any) -> np.ndarray:
    return np.asarray(v, dtype=float).ravel()


def _frac(v: float, max_den: int = 60) -> str:
    """A short label: an exact-looking fraction when one is close, else two decimals."""
    fr = Fraction(float(v)).limit_denominator(max_den)
    if abs(float(fr) - float(v)) < 1e-9:
        return str(fr.numerator) if fr.denominator == 1 else f"{fr.numerator}/{fr.denominator}"
    return f"{float(v):.2f}"


def _num(v: float) -> str:
    v = float(v)
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else _frac(v)


def _ylim_from(ax: Any, *arrays: np.ndarray, pad: float = 0.1) -> None:
    vals = np.concatenate([np.ravel(a) for a in arrays])
    vals = vals[np.isfinite(vals)]
    lo, hi = float(vals.min()), float(vals.max())
    span = hi - lo or 1.0
    ax.set_ylim(lo - pad * span, hi + pad * span)


def _d1(f: Any, x0: float) -> float:
    h = 1e-4 * max(1.0, abs(x0))
    return (_at(f, x0 + h) - _at(f, x0 - h)) / (2 * h)


def _d2(f: Any, x0: float) -> float:
    h = 1e-3 * max(1.0, abs(x0))
    return (_at(f, x0 + h) - 2 * _at(f, x0) + _at(f, x0 - h)) / (h * h)


def _arrow(ax: Any, start: Any, end: Any, color: str, lw: float = 2, ls: str = "-") -> None:
    ax.annotate("", xy=(float(end[0]), float(end[1])), xytext=(float(start[0]), float(start[1])),
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw, "ls": ls,
                            "shrinkA": 0, "shrinkB": 0})
