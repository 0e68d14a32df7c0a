"""Figure kinds for optimization: chords, Newton steps, optimizer paths, constraint geometry,
regularization and high-dimensional volumes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ankigen.figures import BLUE, GRAY, GREEN, ORANGE, PURPLE, RED, figure, style_axes
from ankigen.figures._common import _arrow, _at, _d1, _d2, _frac, _num, _vec, _y, _ylim_from

# ---------------------------------------------------------------------------
# optimization


@figure("convex_chord")
def convex_chord(ax: Any, f: Any = None, x1: float = -1.5, x2: float = 1.0, lam: Any = None,
                 xmin: Any = None, xmax: Any = None) -> None:
    """A function with the chord between two of its points; for a convex function the chord lies above the graph."""
    if f is None:
        def f(x: Any) -> Any:
            return np.exp(0.8 * np.asarray(x, dtype=float))
    x1, x2 = float(x1), float(x2)
    w = abs(x2 - x1) or 1.0
    lo = min(x1, x2) - 0.45 * w if xmin is None else float(xmin)
    hi = max(x1, x2) + 0.45 * w if xmax is None else float(xmax)
    x = np.linspace(lo, hi, 400)
    y = _y(f, x)
    y1, y2 = _at(f, x1), _at(f, x2)
    xs = np.linspace(min(x1, x2), max(x1, x2), 200)
    chord = y1 + (y2 - y1) * (xs - x1) / (x2 - x1)
    fx = _y(f, xs)
    ax.fill_between(xs, fx, chord, color=ORANGE, alpha=0.18, linewidth=0)
    ax.plot(x, y, color=BLUE, linewidth=2, label="f")
    ax.plot([x1, x2], [y1, y2], color=ORANGE, linewidth=1.8, label="chord")
    ax.plot([x1, x2], [y1, y2], "o", color=ORANGE, zorder=3)
    if lam is not None:
        xl = float(lam) * x1 + (1 - float(lam)) * x2
        yc = float(lam) * y1 + (1 - float(lam)) * y2
        ax.vlines(xl, min(yc, _at(f, xl)), max(yc, _at(f, xl)), color=RED, linestyle=":", linewidth=1.2)
        ax.plot([xl], [yc], "o", color=RED, markersize=4, zorder=4)
        ax.plot([xl], [_at(f, xl)], "o", color=RED, markersize=4, zorder=4)
    _ylim_from(ax, y, chord)
    ax.set_xlim(lo, hi)
    ax.legend(loc="best", fontsize=8, frameon=False)
    style_axes(ax)


def _newton_model_claim(f: Any, x0: float, xmin: Any = None, xmax: Any = None) -> list[str]:
    """The quadratic model has a minimizer (the Newton step) only where f''(x0) > 0."""
    d2 = _d2(f, float(x0))
    return [] if d2 > 0 else [f"f''(x0) = {d2:.3g} ≤ 0: the quadratic model has no minimizer"]


@figure("newton_quadratic_model", claim=_newton_model_claim)
def newton_quadratic_model(ax: Any, f: Any, x0: float, xmin: Any = None, xmax: Any = None) -> None:
    """A function, its second-order Taylor model at x0 (dashed) and the model's minimizer: the Newton step."""
    x0 = float(x0)
    d1, d2 = _d1(f, x0), _d2(f, x0)
    x1 = x0 - d1 / d2 if d2 > 0 else None
    ends = [x0] + ([x1] if x1 is not None else [])
    w = max(0.75, 1.2 * (max(ends) - min(ends)))
    lo = min(ends) - w if xmin is None else float(xmin)
    hi = max(ends) + w if xmax is None else float(xmax)
    x = np.linspace(lo, hi, 400)
    y = _y(f, x)
    f0 = _at(f, x0)
    model = f0 + d1 * (x - x0) + 0.5 * d2 * (x - x0) ** 2
    ax.plot(x, y, color=BLUE, linewidth=2, label="function")
    ax.plot(x, model, color=ORANGE, linewidth=1.6, linestyle="--", label="quadratic model at x₀")
    ax.plot([x0], [f0], "o", color=GRAY, zorder=3)
    both = np.concatenate([y, model])
    ylo, yhi = float(np.min(both)), float(np.max(both))
    if x1 is not None:
        m1 = f0 + d1 * (x1 - x0) + 0.5 * d2 * (x1 - x0) ** 2
        gap = abs(f0 - m1) + 1e-9
        ylo = min(ylo, m1)
        yhi = min(yhi, max(f0, _at(f, x1)) + 3 * gap)
    pad = 0.08 * (yhi - ylo or 1.0)
    ax.set_ylim(ylo - 2.5 * pad, yhi + pad)
    ax.annotate("x₀", (x0, f0), textcoords="offset points", xytext=(7, -10), ha="left",
                color=GRAY, fontsize=9)
    if x1 is not None:
        ax.plot([x1], [m1], "o", color=RED, zorder=3)
        ax.vlines(x1, ylo - 2.5 * pad, max(m1, _at(f, x1)), color=RED, linestyle=":", linewidth=1)
        ax.annotate("x₁", (x1, m1), textcoords="offset points", xytext=(0, -15), ha="center",
                    color=RED, fontsize=9)
    ax.set_xlim(lo, hi)
    ax.legend(loc="best", fontsize=8, frameon=True, framealpha=0.85)
    style_axes(ax, origin=False)


@figure("newton_tangent_root")
def newton_tangent_root(ax: Any, f: Any, x0: float, steps: float = 2, xmin: Any = None,
                        xmax: Any = None) -> None:
    """Newton's method for a root: follow the tangent at x_k down to the axis to get x_(k+1)."""
    xs = [float(x0)]
    for _ in range(int(steps)):
        d = _d1(f, xs[-1])
        if d == 0:
            break
        xs.append(xs[-1] - _at(f, xs[-1]) / d)
    w = (max(xs) - min(xs)) or 1.0
    lo = min(xs) - 0.35 * w if xmin is None else float(xmin)
    hi = max(xs) + 0.35 * w if xmax is None else float(xmax)
    x = np.linspace(lo, hi, 400)
    y = _y(f, x)
    ax.plot(x, y, color=BLUE, linewidth=2, label="g")
    for k in range(len(xs) - 1):
        xa, xb = xs[k], xs[k + 1]
        ya = _at(f, xa)
        ax.plot([xa, xb], [ya, 0], color=ORANGE, linewidth=1.5, linestyle="--",
                label="tangent" if k == 0 else None)
        ax.vlines(xa, 0, ya, color=GRAY, linestyle=":", linewidth=1)
        ax.plot([xa], [ya], "o", color=ORANGE, markersize=4, zorder=3)
    for k, xk in enumerate(xs):
        ax.plot([xk], [0], "o", color=RED, markersize=4, zorder=4)
        ax.annotate(f"x{'₀₁₂₃₄₅'[k] if k < 6 else k}", (xk, 0), textcoords="offset points",
                    xytext=(0, -13 if k % 2 == 0 else 5), ha="center", color=RED, fontsize=9)
    _ylim_from(ax, y, np.array([0.0]))
    ax.set_xlim(lo, hi)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    style_axes(ax)


def _quad_grid(A: np.ndarray, b: np.ndarray, cx: float, cy: float, span: float) -> tuple[Any, Any, Any]:
    xs = np.linspace(cx - span, cx + span, 161)
    ys = np.linspace(cy - span, cy + span, 161)
    X, Y = np.meshgrid(xs, ys)
    Z = 0.5 * (A[0, 0] * X**2 + 2 * A[0, 1] * X * Y + A[1, 1] * Y**2) - b[0] * X - b[1] * Y
    return X, Y, Z


def _newton_vs_gradient_claim(A: Any, b: Any, x0: Any) -> list[str]:
    """Level sets are ellipses around a minimum (A positive definite) and −∇f misses the center."""
    A = np.asarray(A, dtype=float)
    b, p0 = _vec(b), _vec(x0)
    out = []
    if float(np.min(np.linalg.eigvalsh((A + A.T) / 2))) <= 0:
        out.append("A is not positive definite: the quadratic has no center to land on")
        return out
    to_center = np.linalg.solve(A, b) - p0
    g = A @ p0 - b
    cos = float(-g @ to_center / (np.linalg.norm(g) * np.linalg.norm(to_center) or 1.0))
    if cos > 0.9995:  # within about 2 degrees: the gradient points at the center after all
        out.append("the negative gradient points at the center (x0 lies on an axis of the ellipses)")
    return out


@figure("newton_vs_gradient", claim=_newton_vs_gradient_claim, size=(4.0, 3.4))
def newton_vs_gradient(ax: Any, A: Any, b: Any, x0: Any) -> None:
    """Level sets of a quadratic: the negative gradient (orange) misses the center,
    the Newton step (red) lands on it."""
    A = np.asarray(A, dtype=float)
    b, p0 = _vec(b), _vec(x0)
    xstar = np.linalg.solve(A, b)
    newton = xstar - p0
    r = float(np.hypot(*newton)) or 1.0
    span = 0.8 * r + 1.0
    c = (p0 + xstar) / 2
    X, Y, Z = _quad_grid(A, b, c[0], c[1], span)
    levels = np.quantile(Z, np.linspace(0.0, 0.7, 10) ** 2)
    ax.contour(X, Y, Z, levels=np.unique(levels), colors=GRAY, linewidths=0.7, linestyles="solid")
    g = A @ p0 - b
    gn = float(np.hypot(*g)) or 1.0
    _arrow(ax, p0, p0 - r * g / gn, ORANGE)
    _arrow(ax, p0, xstar, RED)
    ax.plot([p0[0]], [p0[1]], "o", color=BLUE, zorder=4)
    ax.plot([], [], color=ORANGE, lw=2, label="−∇f (scaled)")
    ax.plot([], [], color=RED, lw=2, label="Newton step")
    ax.set_xlim(c[0] - span, c[0] + span)
    ax.set_ylim(c[1] - span, c[1] + span)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=7, frameon=True, framealpha=0.8)
    style_axes(ax, origin=False)


def _momentum_runs(a: float, b: float, eta: float, beta: float, x0: float, y0: float,
                   steps: float) -> tuple[np.ndarray, np.ndarray]:
    """Iterates of gradient descent and of heavy-ball momentum on f = (a x² + b y²)/2."""
    start = np.array([float(x0), float(y0)])
    scale = np.array([float(a), float(b)])

    def run(mom: float) -> np.ndarray:
        p, v, path = start.copy(), np.zeros(2), [start.copy()]
        for _ in range(int(steps)):
            v = mom * v - float(eta) * scale * p
            p = p + v
            path.append(p.copy())
        return np.array(path)

    return run(0.0), run(float(beta))


def _momentum_claim(a: float = 1, b: float = 8, eta: float = 0.2, beta: float = 0.5,
                    x0: float = -4, y0: float = 1.5, steps: float = 30) -> list[str]:
    """Momentum must end closer to the minimum than gradient descent, on the drawn paths."""
    gd, hb = _momentum_runs(a, b, eta, beta, x0, y0, steps)
    d_gd, d_hb = float(np.hypot(*gd[-1])), float(np.hypot(*hb[-1]))
    if d_hb < d_gd:
        return []
    return [f"after {int(steps)} steps momentum is {d_hb:.2g} from the minimum and gradient descent "
            f"{d_gd:.2g}, but the figure says momentum gets there faster"]


@figure("momentum_paths", size=(4.0, 3.2), claim=_momentum_claim)
def momentum_paths(ax: Any, a: float = 1, b: float = 8, eta: float = 0.2, beta: float = 0.5,
                   x0: float = -4, y0: float = 1.5, steps: float = 30) -> None:
    """Gradient descent (orange) and heavy-ball momentum (blue) on an elongated quadratic:
    momentum reaches the minimum faster."""
    a, b, beta = float(a), float(b), float(beta)
    start = np.array([float(x0), float(y0)])
    gd, hb = _momentum_runs(a, b, eta, beta, x0, y0, steps)
    m = max(abs(start[0]), abs(start[1]), 1.0) * 1.15
    X, Y = np.meshgrid(np.linspace(-m, m, 161), np.linspace(-m, m, 161))
    Z = 0.5 * (a * X**2 + b * Y**2)
    ax.contour(X, Y, Z, levels=np.quantile(Z, np.linspace(0.01, 0.6, 9) ** 2), colors=GRAY,
               linewidths=0.6)
    ax.plot(gd[:, 0], gd[:, 1], "-o", color=ORANGE, markersize=2.5, linewidth=1.2, label="gradient descent")
    ax.plot(hb[:, 0], hb[:, 1], "-o", color=BLUE, markersize=2.5, linewidth=1.2, label=f"momentum β = {_frac(beta)}")
    ax.plot([start[0]], [start[1]], "o", color=RED, zorder=4)
    ax.plot([0], [0], "*", color=GREEN, markersize=9, zorder=4)
    ax.set_xlim(-m, m)
    ax.set_ylim(-m, m)
    ax.set_aspect("equal")
    ax.legend(loc="lower left", fontsize=7, frameon=True, framealpha=0.8)
    style_axes(ax, origin=False)


def _tangency_claim(f: Any, p: float, q: float, c: float, xs: float, ys: float, span: Any = None) -> list[str]:
    """The marked optimum lies on the line px + qy = c and the level set touches it there: ∇f ∥ (p, q)."""
    p, q, c, xs, ys = float(p), float(q), float(c), float(xs), float(ys)
    out = []
    if abs(p * xs + q * ys - c) > 1e-6 * max(1.0, abs(c)):
        out.append(f"the point ({xs:g}, {ys:g}) is not on the line {p:g}x + {q:g}y = {c:g}")
    h = 1e-5 * max(1.0, abs(xs), abs(ys))

    def at(x: float, y: float) -> float:
        return float(np.asarray(f(np.array(x), np.array(y)), dtype=float))

    gx = (at(xs + h, ys) - at(xs - h, ys)) / (2 * h)
    gy = (at(xs, ys + h) - at(xs, ys - h)) / (2 * h)
    cross = gx * q - gy * p
    if abs(cross) > 1e-4 * max(1.0, float(np.hypot(gx, gy)) * float(np.hypot(p, q))):
        out.append(f"∇f = ({gx:.3g}, {gy:.3g}) is not parallel to ({p:g}, {q:g}): the level set crosses the line")
    return out


@figure("lagrange_tangency", claim=_tangency_claim, size=(4.0, 3.4))
def lagrange_tangency(ax: Any, f: Any, p: float, q: float, c: float, xs: float, ys: float,
                      span: Any = None) -> None:
    """Level sets of f and the constraint line px + qy = c; at the optimum a level set touches the line and ∇f ∥ ∇g."""
    p, q, c, xs, ys = float(p), float(q), float(c), float(xs), float(ys)
    s = max(1.5, 1.3 * max(abs(xs), abs(ys)) + 0.8) if span is None else float(span)
    cx, cy = xs / 2, ys / 2
    gx = np.linspace(cx - s, cx + s, 181)
    gy = np.linspace(cy - s, cy + s, 181)
    X, Y = np.meshgrid(gx, gy)
    Z = np.broadcast_to(np.asarray(f(X, Y), dtype=float), X.shape)
    fstar = float(np.asarray(f(np.array(xs), np.array(ys)), dtype=float))
    zmin = float(np.min(Z))
    levels = zmin + (fstar - zmin) * np.array([0.12, 0.4, 1.8, 3.0, 4.5])
    ax.contour(X, Y, Z, levels=np.sort(levels), colors=GRAY, linewidths=0.7, linestyles="solid")
    ax.contour(X, Y, Z, levels=[fstar], colors=ORANGE, linewidths=1.8, linestyles="solid")
    if abs(q) > 1e-12:
        ax.plot(gx, (c - p * gx) / q, color=GREEN, linewidth=2)
    else:
        ax.axvline(c / p, color=GREEN, linewidth=2)
    h = 1e-5
    fxv = float((np.asarray(f(np.array(xs + h), np.array(ys)))
                 - np.asarray(f(np.array(xs - h), np.array(ys)))) / (2 * h))
    fyv = float((np.asarray(f(np.array(xs), np.array(ys + h)))
                 - np.asarray(f(np.array(xs), np.array(ys - h)))) / (2 * h))
    L = 0.35 * s
    gf = np.array([fxv, fyv])
    gg = np.array([p, q])
    if np.hypot(*gf) > 0:
        _arrow(ax, (xs, ys), (xs + L * gf[0] / np.hypot(*gf), ys + L * gf[1] / np.hypot(*gf)), RED, lw=3)
    _arrow(ax, (xs, ys), (xs + 0.6 * L * gg[0] / np.hypot(*gg), ys + 0.6 * L * gg[1] / np.hypot(*gg)),
           PURPLE, lw=1.3)
    ax.plot([xs], [ys], "o", color=RED, zorder=4)
    ax.plot([], [], color=GREEN, lw=2, label="constraint")
    ax.plot([], [], color=RED, lw=2, label="∇f")
    ax.plot([], [], color=PURPLE, lw=1.5, label="∇g")
    ax.set_xlim(cx - s, cx + s)
    ax.set_ylim(cy - s, cy + s)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, frameon=True, framealpha=0.85)
    style_axes(ax)


def _touch(boundary: np.ndarray, center: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, float]:
    d = boundary - center
    vals = np.einsum("ij,jk,ik->i", d, M, d)
    i = int(np.argmin(vals))
    return boundary[i], float(vals[i])


def _l1_l2_data(cx: float, cy: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The loss's center and metric, and the L1 (diamond) and L2 (circle) unit balls as drawn."""
    center = np.array([float(cx), float(cy)])
    th = np.deg2rad(25)
    R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    M = R @ np.diag([1.0, 3.5]) @ R.T
    t = np.linspace(0, 2 * np.pi, 4001)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    diamond = circle / (np.abs(circle[:, :1]) + np.abs(circle[:, 1:]))
    return center, M, diamond, circle


def _l1_l2_claim(cx: float = 1.5, cy: float = 2.2) -> list[str]:
    """The L1 ball is touched at a corner (one coordinate 0), the L2 ball at a point with both nonzero."""
    center, M, diamond, circle = _l1_l2_data(cx, cy)
    p1, _ = _touch(diamond, center, M)
    p2, _ = _touch(circle, center, M)
    out = []
    if min(abs(float(p1[0])), abs(float(p1[1]))) > 1e-2:
        out.append(f"the L1 ball is touched at ({p1[0]:.2f}, {p1[1]:.2f}), not at a corner")
    if min(abs(float(p2[0])), abs(float(p2[1]))) < 5e-2:
        out.append(f"the L2 ball is touched at ({p2[0]:.2f}, {p2[1]:.2f}), on an axis: not generic")
    return out


@figure("l1_l2_regions", size=(4.4, 2.6), claim=_l1_l2_claim)
def l1_l2_regions(ax: Any, cx: float = 1.5, cy: float = 2.2) -> None:
    """Loss level sets meeting the L1 ball at a corner (sparse, left) and the L2 ball at a generic point (right)."""
    center, M, diamond, circle = _l1_l2_data(cx, cy)
    shift = np.array([4.6, 0.0])
    for region, off, name in ((diamond, np.zeros(2), "L1: |w₁| + |w₂| ≤ t"),
                              (circle, shift, "L2: w₁² + w₂² ≤ t²")):
        ax.fill(region[:, 0] + off[0], region[:, 1] + off[1], color=BLUE, alpha=0.25)
        ax.plot(region[:, 0] + off[0], region[:, 1] + off[1], color=BLUE, linewidth=1.2)
        pt, level = _touch(region, center, M)
        gx = np.linspace(-1.6, 4.0, 161)
        gy = np.linspace(-1.5, 4.0, 161)
        X, Y = np.meshgrid(gx, gy)
        D = np.stack([X - center[0], Y - center[1]], axis=-1)
        Z = np.einsum("...i,ij,...j->...", D, M, D)
        ax.contour(X + off[0], Y + off[1], Z, levels=level * np.array([0.15, 0.45]), colors=GRAY,
                   linewidths=0.7)
        ax.contour(X + off[0], Y + off[1], Z, levels=[level], colors=ORANGE, linewidths=1.6)
        ax.plot([center[0] + off[0]], [center[1] + off[1]], "+", color=GRAY, markersize=7)
        ax.plot([pt[0] + off[0]], [pt[1] + off[1]], "o", color=RED, zorder=4)
        ax.plot([off[0] - 1.6, off[0] + 3.6], [0, 0], color=GRAY, linewidth=0.7)
        ax.plot([off[0], off[0]], [-1.5, 3.8], color=GRAY, linewidth=0.7)
        ax.text(off[0] + 1.0, -1.3, name, ha="center", va="top", fontsize=8)
    ax.set_xlim(-1.7, 8.4)
    ax.set_ylim(-1.7, 3.9)
    ax.set_aspect("equal")
    ax.axis("off")


def _ridge_claim(xs: Any, ys: Any, lam: float) -> list[str]:
    """The ridge line must be strictly flatter than the least-squares line it is drawn against."""
    x, y = _vec(xs), _vec(ys)
    w_ols = float(x @ y / (x @ x))
    w_ridge = float(x @ y / (x @ x + float(lam)))
    if abs(w_ridge) < abs(w_ols):
        return []
    return [f"the ridge slope {w_ridge:.3g} is not flatter than the least-squares slope {w_ols:.3g}"]


@figure("ridge_fit", claim=_ridge_claim)
def ridge_fit(ax: Any, xs: Any, ys: Any, lam: float) -> None:
    """Data through the origin with the least-squares line (orange) and the flatter ridge line (blue)."""
    x, y = _vec(xs), _vec(ys)
    lam = float(lam)
    w_ols = float(x @ y / (x @ x))
    w_ridge = float(x @ y / (x @ x + lam))
    m = max(float(np.max(np.abs(x))), 1.0) * 1.3
    g = np.linspace(-m, m, 50)
    ax.plot(g, w_ols * g, color=ORANGE, linewidth=1.6, linestyle="--", label="least squares")
    ax.plot(g, w_ridge * g, color=BLUE, linewidth=2, label=f"ridge, λ = {_num(lam)}")
    ax.plot(x, y, "o", color=RED, zorder=3)
    ax.set_xlim(-m, m)
    _ylim_from(ax, y, w_ols * g)
    ax.legend(loc="best", fontsize=8, frameon=False)
    style_axes(ax)


@figure("saddle_surface", projection="3d", size=(4.0, 3.4))
def saddle_surface(ax: Any, f: Any = None, span: float = 2, cx: float = 0, cy: float = 0,
                   points: Any = None) -> None:
    """Surface of f(x, y) with its critical points marked (default: the saddle x² − y²)."""
    if f is None:
        def f(x: Any, y: Any) -> Any:
            return np.asarray(x, dtype=float) ** 2 - np.asarray(y, dtype=float) ** 2
    s, cx, cy = float(span), float(cx), float(cy)
    ax.computed_zorder = False
    X, Y = np.meshgrid(np.linspace(cx - s, cx + s, 45), np.linspace(cy - s, cy + s, 45))
    Z = np.broadcast_to(np.asarray(f(X, Y), dtype=float), X.shape)
    ax.plot_surface(X, Y, Z, cmap="coolwarm", linewidth=0.2, edgecolor="#555555", alpha=0.75,
                    antialiased=True, rstride=2, cstride=2)
    if points is not None:
        pts = np.atleast_2d(np.asarray(points, dtype=float))
        if pts.shape[1] != 2 and pts.shape[0] == 2:
            pts = pts.T
        zs = np.asarray(f(pts[:, 0], pts[:, 1]), dtype=float)
        zs = np.broadcast_to(zs, (pts.shape[0],))
        ax.scatter(pts[:, 0], pts[:, 1], zs, color="black", edgecolors="white", s=40, linewidths=1,
                   depthshade=False, zorder=10)
    ax.set_xlabel("x", labelpad=-8)
    ax.set_ylabel("y", labelpad=-8)
    ax.tick_params(labelsize=6, pad=-2)
    ax.view_init(elev=28, azim=-55)
    for pane in (ax.xaxis.pane, ax.yaxis.pane, ax.zaxis.pane):
        pane.set_alpha(0.0)


@figure("shell_fraction")
def shell_fraction(ax: Any, eps: float = 0.1, d: Any = None, dmax: Any = None, cube: float = 0) -> None:
    """Fraction of volume within ε of the surface against the dimension d:
    1 − (1 − ε)^d for a ball, 1 − (1 − 2ε)^d for the unit cube."""
    eps = float(eps)
    keep = 1 - 2 * eps if cube else 1 - eps
    d_half = math.ceil(math.log(0.5) / math.log(keep))
    top = int(dmax) if dmax is not None else max(3 * d_half, (int(d) + 5) if d is not None else 0, 12)
    ds = np.arange(1, top + 1)
    frac = 1 - keep ** ds
    ax.plot(ds, frac, "-", color=BLUE, linewidth=2)
    ax.axhline(0.5, color=GRAY, linestyle="--", linewidth=1)
    if d is not None:
        dv = int(d)
        fv = 1 - keep ** dv
        ax.plot([dv], [fv], "o", color=RED, zorder=3)
        ax.vlines(dv, 0, fv, color=RED, linestyle=":", linewidth=1)
    ax.set_xlim(0, top + 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("dimension d")
    shape = "cube" if cube else "ball"
    ax.set_ylabel(f"{shape} volume within ε = {_frac(eps)} of surface", fontsize=8)
    style_axes(ax, origin=False)


def _ball_ratios(dmax: float) -> np.ndarray:
    return np.array([math.pi ** (d / 2) / math.gamma(d / 2 + 1) / 2**d for d in range(1, int(dmax) + 1)])


def _ball_cube_claim(dmax: float = 12) -> list[str]:
    """'Collapses': the drawn ratios fall with every dimension and end below 1 %."""
    r = _ball_ratios(dmax)
    if np.all(np.diff(r) < 0) and r[-1] < 0.01:
        return []
    return [f"the ratio does not collapse up to d = {int(dmax)} (last value {r[-1]:.3g})"]


@figure("ball_cube_ratio", claim=_ball_cube_claim)
def ball_cube_ratio(ax: Any, dmax: float = 12) -> None:
    """Volume of the ball inscribed in the unit cube, as a fraction of the cube, collapses with the dimension."""
    ds = np.arange(1, int(dmax) + 1)
    ratio = _ball_ratios(dmax)
    ax.bar(ds, ratio, color=BLUE, width=0.7)
    ax.set_yscale("log")
    ax.set_xticks(ds)
    ax.set_xlabel("dimension d")
    ax.set_ylabel("ball / cube volume", fontsize=8, labelpad=1)
    for d, r in zip(ds[:4], ratio[:4], strict=True):
        ax.annotate(f"{r:.2f}", (d, r), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=7)
    style_axes(ax, origin=False)
