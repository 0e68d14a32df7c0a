"""Core figure kinds used across areas: function plots, tangents, areas, vectors, maps, bars."""

from __future__ import annotations

from typing import Any

import numpy as np

from ankigen.figures import BLUE, GRAY, GREEN, ORANGE, PALETTE, RED, figure, style_axes


def _grid(xmin: float, xmax: float, n: int = 400) -> np.ndarray:
    return np.linspace(float(xmin), float(xmax), n)


def _y(f: Any, x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(f(x), dtype=float), x.shape)


@figure("function_plot")
def function_plot(ax: Any, f: Any, xmin: float = -3, xmax: float = 3, points: Any = None) -> None:
    """Graph of a function of one variable, with optional marked points."""
    x = _grid(xmin, xmax)
    ax.plot(x, _y(f, x), color=BLUE, linewidth=2)
    if points is not None:
        pts = np.atleast_1d(np.asarray(points, dtype=float))
        ax.plot(pts, _y(f, pts), "o", color=RED, markersize=5, zorder=3)
    style_axes(ax)


def _tangent_claim(f: Any, x0: float, xmin: float = -3, xmax: float = 3) -> list[str]:
    """A tangent exists only where f is differentiable: the one-sided slopes the line uses must agree."""
    h = 1e-4 * max(1.0, abs(float(x0)))
    at = [float(_y(f, np.array([float(x0) + k * h]))[0]) for k in (-1, 0, 1)]
    left, right = (at[1] - at[0]) / h, (at[2] - at[1]) / h
    if abs(left - right) <= 1e-2 * max(1.0, abs(left), abs(right)):
        return []
    return [f"f has a kink at x0 = {float(x0):g} (slopes {left:.3g} from the left, {right:.3g} from the right): "
            "no tangent line there"]


@figure("tangent_line", claim=_tangent_claim)
def tangent_line(ax: Any, f: Any, x0: float, xmin: float = -3, xmax: float = 3) -> None:
    """A function with its tangent line at x0 (slope from a central difference)."""
    x = _grid(xmin, xmax)
    y = _y(f, x)
    h = 1e-5 * max(1.0, abs(x0))
    y0 = float(_y(f, np.array([x0]))[0])
    slope = float((_y(f, np.array([x0 + h]))[0] - _y(f, np.array([x0 - h]))[0]) / (2 * h))
    ax.plot(x, y, color=BLUE, linewidth=2, label="f")
    ax.plot(x, y0 + slope * (x - x0), color=ORANGE, linewidth=1.5, linestyle="--", label="tangent")
    ax.plot([x0], [y0], "o", color=RED, zorder=3)
    span = np.nanmax(y) - np.nanmin(y)
    ax.set_ylim(np.nanmin(y) - 0.1 * span - 1e-9, np.nanmax(y) + 0.1 * span + 1e-9)
    ax.legend(loc="best", fontsize=8, frameon=False)
    style_axes(ax)


@figure("area_under")
def area_under(ax: Any, f: Any, a: float, b: float, xmin: Any = None, xmax: Any = None) -> None:
    """Shaded area under a curve between a and b (a definite integral)."""
    lo = float(a) - 0.3 * (float(b) - float(a)) if xmin is None else float(xmin)
    hi = float(b) + 0.3 * (float(b) - float(a)) if xmax is None else float(xmax)
    x = _grid(lo, hi)
    ax.plot(x, _y(f, x), color=BLUE, linewidth=2)
    xs = _grid(a, b)
    ax.fill_between(xs, _y(f, xs), color=BLUE, alpha=0.25)
    style_axes(ax)


@figure("vectors_2d")
def vectors_2d(ax: Any, vectors: Any) -> None:
    """Arrows from the origin for 2-D vectors (columns of a list)."""
    vs = np.atleast_2d(np.asarray(vectors, dtype=float))
    if vs.shape[0] == 2 and vs.shape[1] != 2:
        vs = vs.T
    for i, v in enumerate(vs):
        ax.annotate("", xy=(v[0], v[1]), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": PALETTE[i % len(PALETTE)], "lw": 2})
    arr = np.array([np.zeros(2), *vs])
    m = max(1.0, float(np.max(np.abs(arr)))) * 1.15
    ax.set_xlim(-m, m)
    ax.set_ylim(-m, m)
    ax.set_aspect("equal")
    style_axes(ax)


@figure("linear_map", size=(4.0, 3.2))
def linear_map(ax: Any, A: Any) -> None:
    """The unit square (gray) and its image under a 2x2 matrix A (blue)."""
    M = np.asarray(A, dtype=float)
    sq = np.array([[0, 1, 1, 0, 0], [0, 0, 1, 1, 0]], dtype=float)
    img = M @ sq
    ax.fill(sq[0], sq[1], color=GRAY, alpha=0.25)
    ax.fill(img[0], img[1], color=BLUE, alpha=0.35)
    ax.plot(img[0], img[1], color=BLUE, linewidth=1.5)
    for j, color in ((0, RED), (1, GREEN)):
        ax.annotate("", xy=(M[0, j], M[1, j]), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2})
    m = max(1.5, float(np.max(np.abs(img)))) * 1.15
    ax.set_xlim(-m, m)
    ax.set_ylim(-m, m)
    ax.set_aspect("equal")
    style_axes(ax)


def _binary_entropy_curve() -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(1e-6, 1 - 1e-6, 400)
    return x, -(x * np.log2(x) + (1 - x) * np.log2(1 - x))


def _binary_entropy_claim(p: Any = None) -> list[str]:
    """Maximal at p = 1/2: the drawn curve's highest grid points straddle 1/2 and reach 1 bit."""
    x, h = _binary_entropy_curve()
    i = int(np.argmax(h))
    if abs(float(x[i]) - 0.5) < 1.0 / len(x) and abs(float(h[i]) - 1.0) < 1e-4:
        return []
    return [f"the curve peaks at p = {float(x[i]):.3g} with {float(h[i]):.4g} bits, not at 1/2 with 1 bit"]


@figure("bernoulli_entropy", claim=_binary_entropy_claim)
def bernoulli_entropy(ax: Any, p: Any = None) -> None:
    """Binary entropy H(p) in bits, maximal at p = 1/2; optional marked p."""
    x, h = _binary_entropy_curve()
    ax.plot(x, h, color=BLUE, linewidth=2)
    if p is not None:
        pv = float(p)
        hv = 0.0 if pv in (0.0, 1.0) else -(pv * np.log2(pv) + (1 - pv) * np.log2(1 - pv))
        ax.plot([pv], [hv], "o", color=RED, zorder=3)
        ax.vlines(pv, 0, hv, color=RED, linestyle=":", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("p")
    ax.set_ylabel("H(p) [bits]")
    style_axes(ax, origin=False)


@figure("gaussian_density")
def gaussian_density(ax: Any, mu: float = 0, sigma: float = 1, a: Any = None, b: Any = None) -> None:
    """Normal density N(mu, sigma^2), optionally shading P(a < X < b)."""
    mu, sigma = float(mu), float(sigma)
    x = np.linspace(mu - 4 * sigma, mu + 4 * sigma, 400)
    pdf = np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
    ax.plot(x, pdf, color=BLUE, linewidth=2)
    if a is not None and b is not None:
        m = (x >= float(a)) & (x <= float(b))
        ax.fill_between(x[m], pdf[m], color=BLUE, alpha=0.3)
    ax.set_ylim(0, pdf.max() * 1.1)
    style_axes(ax, origin=False)


@figure("relu_and_gradient")
def relu_and_gradient(ax: Any) -> None:
    """ReLU(x) = max(x, 0) and its gradient, a step from 0 to 1."""
    x = np.linspace(-3, 3, 601)
    ax.plot(x, np.maximum(x, 0), color=BLUE, linewidth=2, label="relu(x)")
    ax.plot(x[x < 0], np.zeros_like(x[x < 0]), color=ORANGE, linewidth=2, linestyle="--",
            label="relu'(x)")
    ax.plot(x[x > 0], np.ones_like(x[x > 0]), color=ORANGE, linewidth=2, linestyle="--")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    style_axes(ax)


def _sigmoid_curves() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.linspace(-6, 6, 601)
    s = 1 / (1 + np.exp(-x))
    return x, s, s * (1 - s)


def _peak_claim(x: np.ndarray, y: np.ndarray, at: float, value: float, what: str) -> list[str]:
    i = int(np.argmax(y))
    if abs(float(x[i]) - at) < 1e-9 and abs(float(y[i]) - value) < 1e-9:
        return []
    return [f"{what} peaks at x = {float(x[i]):.3g} with {float(y[i]):.4g}, not at {at:g} with {value:g}"]


def _sigmoid_claim() -> list[str]:
    """σ' = σ(1 − σ) peaks at 1/4, at x = 0, on the drawn grid."""
    x, _, d = _sigmoid_curves()
    return _peak_claim(x, d, 0.0, 0.25, "σ'")


@figure("sigmoid_and_derivative", claim=_sigmoid_claim)
def sigmoid_and_derivative(ax: Any) -> None:
    """The sigmoid and its derivative σ(1 − σ), which peaks at 1/4."""
    x, s, d = _sigmoid_curves()
    ax.plot(x, s, color=BLUE, linewidth=2, label="σ(x)")
    ax.plot(x, d, color=ORANGE, linewidth=2, linestyle="--", label="σ'(x)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    style_axes(ax)


def _gradient_claim(f: Any, x0: float, y0: float, span: float = 3) -> list[str]:
    """The arrow is normal to the level set: the gradient must not vanish at the point, and f must
    not change (to first order) along the level set's tangent, the gradient turned by 90°."""
    h = 1e-5
    gx = float((f(x0 + h, y0) - f(x0 - h, y0)) / (2 * h))
    gy = float((f(x0, y0 + h) - f(x0, y0 - h)) / (2 * h))
    n = float(np.hypot(gx, gy))
    if n < 1e-6:
        return [f"∇f vanishes at ({float(x0):g}, {float(y0):g}): no gradient arrow and no level curve normal"]
    tx, ty = -gy / n, gx / n
    along = float((f(x0 + h * tx, y0 + h * ty) - f(x0 - h * tx, y0 - h * ty)) / (2 * h))
    return [] if abs(along) <= 1e-4 * n else [f"f changes at rate {along:.3g} along the drawn level curve"]


@figure("contour_gradient", claim=_gradient_claim)
def contour_gradient(ax: Any, f: Any, x0: float, y0: float, span: float = 3) -> None:
    """Level sets of f(x, y) with the gradient arrow at (x0, y0), normal to the level set."""
    xs = np.linspace(float(x0) - span, float(x0) + span, 161)
    ys = np.linspace(float(y0) - span, float(y0) + span, 161)
    X, Y = np.meshgrid(xs, ys)
    Z = np.broadcast_to(np.asarray(f(X, Y), dtype=float), X.shape)
    ax.contour(X, Y, Z, levels=12, colors=GRAY, linewidths=0.7)
    h = 1e-5
    gx = float((f(x0 + h, y0) - f(x0 - h, y0)) / (2 * h))
    gy = float((f(x0, y0 + h) - f(x0, y0 - h)) / (2 * h))
    n = np.hypot(gx, gy) or 1.0
    ax.annotate("", xy=(x0 + span * 0.4 * gx / n, y0 + span * 0.4 * gy / n), xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": RED, "lw": 2})
    ax.plot([x0], [y0], "o", color=RED)
    ax.set_aspect("equal")
    style_axes(ax, origin=False)
