"""Figure kinds for calculus and multivariable calculus.

Secants converging to a tangent, classified critical points, Riemann sums, Taylor
polynomials, the accumulation function of the FTC, partial-derivative slices,
directional derivatives on contours, gradient-descent paths, quadratic surfaces (3-D),
the image of a small square under a map with its Jacobian approximation, and the
computational graph of backpropagation through a linear layer.
"""

from __future__ import annotations

from math import factorial
from typing import Any

import numpy as np

from ankigen.figures import BLUE, GRAY, GREEN, ORANGE, PURPLE, RED, figure, style_axes

# ---------------------------------------------------------------- helpers


def _names_of(f: Any) -> list[str] | None:
    """Symbol names of a function argument (draw.Plottable carries them), if known."""
    names = getattr(f, "names", None)
    return None if names is None else list(names)


def _fn1(f: Any) -> Any:
    """A vectorized function of one variable from a callable, symbolic function or number."""
    if f is None:
        return None
    if isinstance(f, int | float | np.floating | np.integer):
        c = float(f)
        return lambda x: np.full_like(np.asarray(x, dtype=float), c)
    inner = f
    names = _names_of(f)

    def g(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        out = inner() if names is not None and len(names) == 0 else inner(x)
        return np.broadcast_to(np.asarray(out, dtype=float), x.shape)

    return g


def _fn2(f: Any) -> Any:
    """A vectorized function of (x, y); tolerates expressions that use only one of them."""
    if f is None:
        return None
    if isinstance(f, int | float | np.floating | np.integer):
        c = float(f)
        return lambda x, y: np.full(np.broadcast_shapes(np.shape(x), np.shape(y)), c)
    inner = f
    names = _names_of(f)

    def g(x: Any, y: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        shape = np.broadcast_shapes(x.shape, y.shape)
        if names is None or len(names) == 2:
            out = inner(x, y)
        elif len(names) == 1:
            out = inner(y if names[0] == "y" else x)
        else:
            out = inner()
        return np.broadcast_to(np.asarray(out, dtype=float), shape)

    return g


def _scalar(v: Any) -> float:
    return float(np.asarray(v, dtype=float).ravel()[0])


def _vec2(v: Any) -> np.ndarray:
    a = np.asarray(v, dtype=float).ravel()
    return a[:2]


def _grad2(f: Any, x: float, y: float, h: float = 1e-5) -> np.ndarray:
    gx = (_scalar(f(x + h, y)) - _scalar(f(x - h, y))) / (2 * h)
    gy = (_scalar(f(x, y + h)) - _scalar(f(x, y - h))) / (2 * h)
    return np.array([gx, gy])


def _deriv1(f: Any, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    d: np.ndarray = (f(x + h) - f(x - h)) / (2 * h)
    return d


def _ylim_from(ax: Any, *curves: np.ndarray, pad: float = 0.12) -> None:
    vals = np.concatenate([np.asarray(c, dtype=float).ravel() for c in curves])
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return
    lo, hi = float(vals.min()), float(vals.max())
    span = hi - lo or 1.0
    ax.set_ylim(lo - pad * span, hi + pad * span)


def _arrow(ax: Any, start: Any, end: Any, color: str, lw: float = 2, ls: str = "-") -> None:
    ax.annotate("", xy=(float(end[0]), float(end[1])), xytext=(float(start[0]), float(start[1])),
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw, "ls": ls,
                            "shrinkA": 0, "shrinkB": 0})


def _contours(ax: Any, f: Any, cx: float, cy: float, span: float, levels: int = 14) -> None:
    xs = np.linspace(cx - span, cx + span, 161)
    ys = np.linspace(cy - span, cy + span, 161)
    X, Y = np.meshgrid(xs, ys)
    Z = f(X, Y)
    ax.contour(X, Y, Z, levels=levels, colors=GRAY, linewidths=0.7, linestyles="solid")
    ax.set_xlim(cx - span, cx + span)
    ax.set_ylim(cy - span, cy + span)
    ax.set_aspect("equal")


# ---------------------------------------------------------------- one variable


def _secant_claim(f: Any = None, x0: float = 1, h: float = 2, xmin: Any = None, xmax: Any = None) -> list[str]:
    """The drawn secants (h, h/2, h/4) must get closer to the tangent's slope as h shrinks."""
    fn = _fn1(f) if f is not None else (lambda t: 0.5 * np.asarray(t, dtype=float) ** 2 + 0.5)
    x0, h = float(x0), float(h)
    y0 = _scalar(fn(np.array([x0])))
    slope = _scalar(_deriv1(fn, np.array([x0])))
    errors = [abs((_scalar(fn(np.array([x0 + hk]))) - y0) / hk - slope) for hk in (h, h / 2, h / 4)]
    if errors[0] > errors[1] > errors[2] or max(errors) < 1e-9:
        return []
    return [f"the secant slopes do not approach the tangent's {slope:.3g} (errors "
            f"{', '.join(f'{e:.2g}' for e in errors)} for h, h/2, h/4)"]


@figure("secant_to_tangent", claim=_secant_claim)
def secant_to_tangent(ax: Any, f: Any = None, x0: float = 1, h: float = 2,
                      xmin: Any = None, xmax: Any = None) -> None:
    """Secant lines through x0 and x0 + h for shrinking h approach the tangent line at x0."""
    fn = _fn1(f) if f is not None else (lambda t: 0.5 * np.asarray(t, dtype=float) ** 2 + 0.5)
    x0, h = float(x0), float(h)
    hs = [h, h / 2, h / 4]
    pad = max(1.2, 0.6 * abs(h))
    lo = min(x0, x0 + h) - pad if xmin is None else float(xmin)
    hi = max(x0, x0 + h) + pad if xmax is None else float(xmax)
    x = np.linspace(lo, hi, 400)
    y = fn(x)
    y0 = _scalar(fn(np.array([x0])))
    ax.plot(x, y, color=BLUE, linewidth=2, label="f")
    for hk, alpha in zip(hs, (0.45, 0.7, 1.0), strict=True):
        y1 = _scalar(fn(np.array([x0 + hk])))
        m = (y1 - y0) / hk
        ax.plot(x, y0 + m * (x - x0), color=PURPLE, linewidth=1.1, alpha=alpha)
        ax.plot([x0 + hk], [y1], "o", color=PURPLE, markersize=4, alpha=alpha, zorder=3)
    slope = _scalar(_deriv1(fn, np.array([x0])))
    ax.plot(x, y0 + slope * (x - x0), color=ORANGE, linewidth=1.6, linestyle="--", label="tangent")
    ax.plot([], [], color=PURPLE, linewidth=1.1, label="secants, h shrinking")
    ax.plot([x0], [y0], "o", color=RED, markersize=5, zorder=4)
    _ylim_from(ax, y)
    ax.set_xlim(lo, hi)
    ax.legend(loc="best", fontsize=7, frameon=False)
    style_axes(ax)


def _stationary_points(fn: Any, lo: float, hi: float) -> list[tuple[float, str]]:
    """Stationary points of fn on [lo, hi], each classified as 'max', 'min' or 'inflection'."""
    x = np.linspace(lo, hi, 4001)
    d = _deriv1(fn, x)
    scale = float(np.max(np.abs(d))) or 1.0
    out: list[tuple[float, str]] = []
    sgn = np.sign(np.where(np.abs(d) < 1e-9 * scale, 0.0, d))
    i = 0
    n = len(x)
    while i < n - 1:
        if sgn[i] == 0:
            j = i
            while j < n - 1 and sgn[j + 1] == 0:
                j += 1
            left = sgn[i - 1] if i > 0 else 0
            right = sgn[j + 1] if j < n - 1 else 0
            xc = 0.5 * (x[i] + x[j])
            kind = "max" if left > 0 > right else "min" if left < 0 < right else "inflection"
            if left != 0 and right != 0:
                out.append((xc, kind))
            i = j + 1
            continue
        if sgn[i] * sgn[i + 1] < 0:
            a, b = x[i], x[i + 1]
            for _ in range(60):
                m = 0.5 * (a + b)
                if np.sign(_scalar(_deriv1(fn, np.array([m])))) == sgn[i]:
                    a = m
                else:
                    b = m
            out.append((0.5 * (a + b), "max" if sgn[i] > 0 else "min"))
        i += 1
    # stationary points without a sign change: |f'| touches zero (e.g. x^3 at 0)
    ad = np.abs(d)
    for k in range(1, n - 1):
        local_min = ad[k] <= ad[k - 1] and ad[k] < ad[k + 1] and ad[k] < 1e-4 * scale
        if (local_min and sgn[k - 1] == sgn[k + 1] != 0
                and all(abs(x[k] - p) > 3 * (x[1] - x[0]) for p, _ in out)):
            out.append((float(x[k]), "inflection"))
    return sorted(out)


@figure("critical_points")
def critical_points(ax: Any, f: Any = None, xmin: float = -2, xmax: float = 2,
                    derivative: float = 1) -> None:
    """A function with its stationary points marked: maxima, minima and stationary inflections."""
    fn = _fn1(f) if f is not None else (lambda t: np.asarray(t, dtype=float) ** 3)
    lo, hi = float(xmin), float(xmax)
    x = np.linspace(lo, hi, 600)
    y = fn(x)
    ax.plot(x, y, color=BLUE, linewidth=2, label="f")
    curves = [y]
    if derivative:
        d = _deriv1(fn, x)
        ax.plot(x, d, color=GRAY, linewidth=1.2, linestyle="--", label="f '")
        curves.append(d)
    styles = {"max": (RED, "v", "max"), "min": (GREEN, "^", "min"),
              "inflection": (ORANGE, "o", "stationary\ninflection")}
    _ylim_from(ax, *curves, pad=0.22)
    y_lo, y_hi = ax.get_ylim()
    for xc, kind in _stationary_points(fn, lo, hi):
        color, marker, label = styles[kind]
        yc = _scalar(fn(np.array([xc])))
        ax.plot([xc], [yc], marker, color=color, markersize=8, zorder=4)
        off = 0.07 * (y_hi - y_lo)
        va = "bottom" if kind != "min" else "top"
        ax.text(xc, yc + (off if kind != "min" else -off), label, color=color, fontsize=8,
                ha="center", va=va)
    ax.set_xlim(lo, hi)
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    style_axes(ax)


@figure("riemann_sum")
def riemann_sum(ax: Any, f: Any = None, a: float = 0, b: float = 2, n: float = 4,
                rule: float = 0) -> None:
    """Rectangles of a Riemann sum under a curve (rule 0 left, 1/2 midpoint, 1 right endpoints)."""
    fn = _fn1(f) if f is not None else (lambda t: np.asarray(t, dtype=float) ** 2)
    a, b, n, rule = float(a), float(b), int(round(float(n))), float(rule)
    dx = (b - a) / n
    lefts = a + dx * np.arange(n)
    pts = lefts + rule * dx
    heights = fn(pts)
    ax.bar(lefts, heights, width=dx, align="edge", color=BLUE, alpha=0.25, edgecolor=BLUE,
           linewidth=1)
    pad = 0.15 * (b - a)
    x = np.linspace(a - pad, b + pad, 400)
    y = fn(x)
    ax.plot(x, y, color=BLUE, linewidth=2)
    ax.plot(pts, heights, "o", color=RED, markersize=4, zorder=3)
    _ylim_from(ax, y, heights, np.zeros(1))
    ax.set_xlim(a - pad, b + pad)
    style_axes(ax)


def _sin_maclaurin(x: np.ndarray, order: int) -> np.ndarray:
    out = np.zeros_like(x)
    for k in range(1, order + 1, 2):
        out = out + (-1) ** ((k - 1) // 2) * x**k / factorial(k)
    return out


@figure("taylor_polynomials")
def taylor_polynomials(ax: Any, f: Any = None, polys: Any = None, a: float = 0,
                       xmin: Any = None, xmax: Any = None, orders: Any = None,
                       mark: Any = None) -> None:
    """A function (thick) and its Taylor polynomials of increasing order around a."""
    a = float(a)
    if f is None:
        fn = np.sin
        order_list = [1, 3, 5, 7]
        pfns: list[Any] = [(lambda t, k=k: _sin_maclaurin(np.asarray(t, dtype=float), k)) for k in order_list]
        lo = -2 * np.pi if xmin is None else float(xmin)
        hi = 2 * np.pi if xmax is None else float(xmax)
    else:
        fn = _fn1(f)
        plist = list(polys) if polys is not None else []
        pfns = [_fn1(p) for p in plist]
        order_list = [int(o) for o in np.atleast_1d(np.asarray(orders, dtype=float))] \
            if orders is not None else list(range(1, len(pfns) + 1))
        lo = a - 3 if xmin is None else float(xmin)
        hi = a + 3 if xmax is None else float(xmax)
    x = np.linspace(lo, hi, 500)
    with np.errstate(all="ignore"):
        y = np.asarray(fn(x), dtype=float)
    ax.plot(x, y, color=BLUE, linewidth=2.6, label="f", zorder=3)
    colors = [ORANGE, GREEN, RED, PURPLE, GRAY]
    for i, (p, k) in enumerate(zip(pfns, order_list, strict=False)):
        ax.plot(x, p(x), color=colors[i % len(colors)], linewidth=1.3, linestyle="--",
                label=f"order {k}")
    ya = _scalar(fn(np.array([a])))
    ax.plot([a], [ya], "o", color="black", markersize=4, zorder=4)
    _ylim_from(ax, y, pad=0.35)
    if mark is not None:
        ax.axvline(float(mark), color=GRAY, linestyle=":", linewidth=1.2)
    ax.set_xlim(lo, hi)
    ax.legend(loc="best", fontsize=7, frameon=True, framealpha=0.8)
    style_axes(ax)


@figure("accumulation_function")
def accumulation_function(ax: Any, f: Any = None, a: float = 0, x: float = 2,
                          xmin: Any = None, xmax: Any = None) -> None:
    """f (blue) with the area from a to x shaded, and the accumulation function F(x) = ∫ₐˣ f (orange)."""
    fn = _fn1(f) if f is not None else (lambda t: np.cos(np.asarray(t, dtype=float)) + 0.4)
    a, xe = float(a), float(x)
    lo = min(a, xe) - 1 if xmin is None else float(xmin)
    hi = max(a, xe) + 1.5 if xmax is None else float(xmax)
    t = np.linspace(lo, hi, 801)
    y = fn(t)
    # cumulative trapezoid from a
    F = np.concatenate([[0.0], np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(t))])
    F = F - np.interp(a, t, F)
    ax.plot(t, y, color=BLUE, linewidth=2, label="f(t)")
    m = (t >= min(a, xe)) & (t <= max(a, xe))
    ax.fill_between(t[m], y[m], color=BLUE, alpha=0.22)
    ax.plot(t, F, color=ORANGE, linewidth=2, label="F(x) = area from a to x")
    Fx = float(np.interp(xe, t, F))
    ax.plot([xe], [Fx], "o", color=ORANGE, markersize=5, zorder=4)
    ax.vlines(xe, min(0.0, Fx), max(0.0, Fx), color=ORANGE, linestyle=":", linewidth=1)
    _ylim_from(ax, y, F, np.zeros(1))
    ax.set_xlim(lo, hi)
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    style_axes(ax)


@figure("gd_steps_1d")
def gd_steps_1d(ax: Any, f: Any = None, x0: float = -1.5, eta: float = 0.3, steps: float = 3,
                xmin: Any = None, xmax: Any = None) -> None:
    """Gradient-descent iterates x_k on the graph of a one-variable function, joined by arrows."""
    fn = _fn1(f) if f is not None else (lambda t: np.asarray(t, dtype=float) ** 2)
    eta, n = float(eta), int(round(float(steps)))
    xs = [float(x0)]
    for _ in range(n):
        nxt = xs[-1] - eta * _scalar(_deriv1(fn, np.array([xs[-1]])))
        if not np.isfinite(nxt) or abs(nxt) > 1e6:
            break
        xs.append(nxt)
    P = np.array(xs)
    lo = float(P.min()) - 1 if xmin is None else float(xmin)
    hi = float(P.max()) + 1 if xmax is None else float(xmax)
    x = np.linspace(lo, hi, 400)
    y = fn(x)
    ax.plot(x, y, color=BLUE, linewidth=2)
    ys = fn(P)
    for k in range(len(P) - 1):
        _arrow(ax, (P[k], ys[k]), (P[k + 1], ys[k + 1]), ORANGE, lw=1.3)
    ax.plot(P, ys, "o", color=RED, markersize=5, zorder=4)
    _ylim_from(ax, y, ys, pad=0.15)
    y_lo, y_hi = ax.get_ylim()
    for k, (px, py) in enumerate(zip(P, ys, strict=True)):
        ax.text(px, py + 0.05 * (y_hi - y_lo), f"$x_{{{k}}}$", color=RED, fontsize=8, ha="center",
                va="bottom")
    ax.set_xlim(lo, hi)
    style_axes(ax)


# ---------------------------------------------------------------- several variables


def _default_f2(x: Any, y: Any) -> Any:
    return 0.5 * np.asarray(x) ** 2 + np.asarray(x) * np.asarray(y) * 0.5 + np.asarray(y) ** 2


@figure("partial_slices")
def partial_slices(ax: Any, f: Any = None, x0: float = 1, y0: float = 0.5,
                   span: float = 2) -> None:
    """Slices t ↦ f(x0 + t, y0) and t ↦ f(x0, y0 + t) with tangent slopes ∂f/∂x and ∂f/∂y at t = 0."""
    fn = _fn2(f) if f is not None else _default_f2
    x0, y0, span = float(x0), float(y0), float(span)
    t = np.linspace(-span, span, 400)
    sx = np.broadcast_to(np.asarray(fn(x0 + t, np.full_like(t, y0)), dtype=float), t.shape)
    sy = np.broadcast_to(np.asarray(fn(np.full_like(t, x0), y0 + t), dtype=float), t.shape)
    z0 = _scalar(fn(x0, y0))
    gx, gy = _grad2(fn, x0, y0)
    ax.plot(t, sx, color=BLUE, linewidth=2, label="f(x0 + t, y0)")
    ax.plot(t, sy, color=GREEN, linewidth=2, label="f(x0, y0 + t)")
    tt = np.linspace(-span * 0.45, span * 0.45, 2)
    ax.plot(tt, z0 + gx * tt, color=BLUE, linewidth=1.3, linestyle="--")
    ax.plot(tt, z0 + gy * tt, color=GREEN, linewidth=1.3, linestyle="--")
    ax.plot([0], [z0], "o", color=RED, markersize=5, zorder=4)
    _ylim_from(ax, sx, sy)
    ax.set_xlim(-span, span)
    ax.set_xlabel("t")
    ax.legend(loc="best", fontsize=7, frameon=False)
    style_axes(ax)


@figure("directional_derivative", size=(3.6, 3.4))
def directional_derivative(ax: Any, f: Any = None, x0: float = 0.5, y0: float = 0.5,
                           u: Any = None, span: float = 2) -> None:
    """Contours of f with the gradient (red) and a unit direction u (green) at a point; D_u f = ∇f · u."""
    fn = _fn2(f) if f is not None else _default_f2
    x0, y0, span = float(x0), float(y0), float(span)
    uu = np.array([1.0, 0.0]) if u is None else _vec2(u)
    nu = float(np.hypot(*uu)) or 1.0
    uu = uu / nu
    _contours(ax, fn, x0, y0, span)
    g = _grad2(fn, x0, y0)
    ng = float(np.hypot(*g)) or 1.0
    L = 0.45 * span
    p = np.array([x0, y0])
    _arrow(ax, p, p + L * g / ng, RED)
    _arrow(ax, p, p + L * uu, GREEN)
    proj = float(np.dot(g / ng, uu))
    foot = p + L * proj * uu
    ax.plot([p[0] + L * g[0] / ng, foot[0]], [p[1] + L * g[1] / ng, foot[1]], color=GRAY,
            linestyle=":", linewidth=1)
    ax.plot([x0], [y0], "o", color="black", markersize=4, zorder=4)
    ax.plot([], [], color=RED, linewidth=2, label="∇f direction")
    ax.plot([], [], color=GREEN, linewidth=2, label="u")
    ax.legend(loc="upper left", fontsize=7, frameon=True, framealpha=0.7)
    style_axes(ax, origin=False)


@figure("gd_path", size=(3.8, 3.4))
def gd_path(ax: Any, f: Any = None, x0: float = -1.8, y0: float = 0.9, eta: float = 0.18,
            steps: float = 8, cx: Any = None, cy: Any = None) -> None:
    """Gradient-descent iterates x_{k+1} = x_k − η∇f(x_k) drawn as a path over the contours of f."""
    if f is None:
        def fn(x: Any, y: Any) -> Any:
            return 0.5 * np.asarray(x) ** 2 + 5.0 * np.asarray(y) ** 2
    else:
        fn = _fn2(f)
    eta, n = float(eta), int(round(float(steps)))
    pts = [np.array([float(x0), float(y0)])]
    for _ in range(n):
        p = pts[-1]
        nxt = p - eta * _grad2(fn, p[0], p[1])
        if not np.all(np.isfinite(nxt)) or np.max(np.abs(nxt)) > 1e6:
            break
        pts.append(nxt)
    P = np.array(pts)
    cen = np.array([float(cx) if cx is not None else 0.5 * (P[:, 0].min() + P[:, 0].max()),
                    float(cy) if cy is not None else 0.5 * (P[:, 1].min() + P[:, 1].max())])
    allp = np.vstack([P, cen[None, :]])
    span = 1.15 * max(float(np.max(np.abs(allp - cen))), 0.5)
    _contours(ax, fn, cen[0], cen[1], span, levels=16)
    ax.plot(P[:, 0], P[:, 1], "-", color=RED, linewidth=1.4, zorder=3)
    ax.plot(P[:, 0], P[:, 1], "o", color=RED, markersize=3.5, zorder=4)
    ax.plot([P[0, 0]], [P[0, 1]], "s", color=BLUE, markersize=6, zorder=5, label="start")
    ax.legend(loc="upper left", fontsize=7, frameon=True, framealpha=0.7)
    style_axes(ax, origin=False)


@figure("quadratic_surface", projection="3d", size=(4.0, 3.4))
def quadratic_surface(ax: Any, H: Any = None, span: float = 1) -> None:
    """Surface z = ½ dᵀ H d of a second-order term near a critical point: bowl, cap or saddle."""
    M = np.array([[2.0, 0.0], [0.0, -2.0]]) if H is None else np.asarray(H, dtype=float)
    M = 0.5 * (M + M.T)
    s = float(span)
    u = np.linspace(-s, s, 41)
    U, V = np.meshgrid(u, u)
    Z = 0.5 * (M[0, 0] * U**2 + 2 * M[0, 1] * U * V + M[1, 1] * V**2)
    ax.plot_surface(U, V, Z, cmap="coolwarm", linewidth=0, antialiased=True, alpha=0.9,
                    rstride=2, cstride=2)
    ax.plot([0], [0], [0], "o", color="black", markersize=4, zorder=5)
    zr = float(np.max(np.abs(Z))) or 1.0
    ax.contour(U, V, Z, levels=10, colors=GRAY, linewidths=0.5, offset=-1.3 * zr,
               linestyles="solid")
    ax.set_zlim(-1.3 * zr, 1.3 * zr)
    ax.set_xticks([-s, 0, s])
    ax.set_yticks([-s, 0, s])
    ax.set_zticks([])
    ax.set_xlabel("Δx", labelpad=-8)
    ax.set_ylabel("Δy", labelpad=-8)
    ax.set_zlabel("Δf", labelpad=-8)
    ax.tick_params(labelsize=6, pad=-2)
    ax.view_init(elev=24, azim=-55)
    ax.set_box_aspect((1, 1, 0.8))
    ax.set_position([-0.06, -0.04, 1.04, 1.1])


@figure("jacobian_square", size=(5.0, 2.7))
def jacobian_square(ax: Any, f: Any = None, g: Any = None, x0: float = 1, y0: float = 0.5,
                    h: float = 0.3) -> None:
    """A small square near p (left) and its image under F = (f, g) with the linear approximation J_F(p) (right)."""
    if f is None or g is None:
        def F(x: Any, y: Any) -> tuple[Any, Any]:
            return np.asarray(x) * np.cos(y), np.asarray(x) * np.sin(y)
    else:
        f1, f2 = _fn2(f), _fn2(g)

        def F(x: Any, y: Any) -> tuple[Any, Any]:
            return f1(x, y), f2(x, y)
    x0, y0, h = float(x0), float(y0), float(h)
    fig = ax.figure
    ax.set_position([0.08, 0.14, 0.34, 0.78])
    ax2 = fig.add_axes([0.56, 0.14, 0.40, 0.78])
    s = np.linspace(0, 1, 50)
    bx = np.concatenate([s, np.ones_like(s), 1 - s, np.zeros_like(s)])
    by = np.concatenate([np.zeros_like(s), s, np.ones_like(s), 1 - s])
    X, Y = x0 + h * bx, y0 + h * by
    ax.fill(X, Y, color=GRAY, alpha=0.3)
    ax.plot(X, Y, color=GRAY, linewidth=1.2)
    _arrow(ax, (x0, y0), (x0 + h, y0), RED, lw=1.5)
    _arrow(ax, (x0, y0), (x0, y0 + h), GREEN, lw=1.5)
    ax.plot([x0], [y0], "o", color="black", markersize=4)
    ax.set_xlim(x0 - 0.6 * h, x0 + 1.6 * h)
    ax.set_ylim(y0 - 0.6 * h, y0 + 1.6 * h)
    ax.set_aspect("equal")
    ax.set_title("input (x, y)", fontsize=8)
    style_axes(ax, origin=False)
    ax.tick_params(labelsize=6)
    # image and linearization
    U, V = F(X, Y)
    U = np.broadcast_to(np.asarray(U, dtype=float), X.shape)
    V = np.broadcast_to(np.asarray(V, dtype=float), X.shape)
    e = 1e-5
    u0, v0 = (_scalar(c) for c in F(x0, y0))
    J = np.array([[(_scalar(F(x0 + e, y0)[0]) - _scalar(F(x0 - e, y0)[0])) / (2 * e),
                   (_scalar(F(x0, y0 + e)[0]) - _scalar(F(x0, y0 - e)[0])) / (2 * e)],
                  [(_scalar(F(x0 + e, y0)[1]) - _scalar(F(x0 - e, y0)[1])) / (2 * e),
                   (_scalar(F(x0, y0 + e)[1]) - _scalar(F(x0, y0 - e)[1])) / (2 * e)]])
    lin = np.array([[u0], [v0]]) + J @ np.vstack([h * bx, h * by])
    ax2.fill(U, V, color=BLUE, alpha=0.3)
    ax2.plot(U, V, color=BLUE, linewidth=1.2, label="F(square)")
    ax2.plot(lin[0], lin[1], color=ORANGE, linewidth=1.3, linestyle="--", label="F(p) + J Δ")
    _arrow(ax2, (u0, v0), (u0 + h * J[0, 0], v0 + h * J[1, 0]), RED, lw=1.5)
    _arrow(ax2, (u0, v0), (u0 + h * J[0, 1], v0 + h * J[1, 1]), GREEN, lw=1.5)
    ax2.plot([u0], [v0], "o", color="black", markersize=4)
    pts = np.concatenate([np.stack([U, V]), lin], axis=1)
    c = pts.mean(axis=1)
    r = 0.6 * max(float(np.max(np.abs(pts - c[:, None]))) * 2, 1e-6)
    ax2.set_xlim(c[0] - r, c[0] + r)
    ax2.set_ylim(c[1] - r, c[1] + r)
    ax2.set_aspect("equal")
    ax2.set_title("output F(x, y)", fontsize=8)
    ax2.legend(loc="lower right", fontsize=6, frameon=True, framealpha=0.7)
    style_axes(ax2, origin=False)
    ax2.tick_params(labelsize=6)


def _box(ax: Any, xy: tuple[float, float], text: str, color: str, w: float = 0.16,
         h: float = 0.14) -> None:
    from matplotlib.patches import FancyBboxPatch  # noqa: PLC0415 - matplotlib loads only to draw

    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.01",
                                facecolor="white", edgecolor=color, linewidth=1.5))
    ax.text(x, y, text, ha="center", va="center", fontsize=9, color="black")


@figure("backprop_graph", size=(4.6, 2.8))
def backprop_graph(ax: Any) -> None:
    """Computational graph of z = Wx + b → L: forward arrows (gray) and backward gradients (red)."""
    ax.set_position([0.0, 0.0, 1.0, 1.0])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    left = {"x": 0.80, "W": 0.50, "b": 0.20}
    names = {"x": r"$\mathbf{x}$", "W": r"$W$", "b": r"$\mathbf{b}$"}
    grads = {"x": r"$\partial L/\partial \mathbf{x} = W^{\top}\boldsymbol{\delta}$",
             "W": r"$\partial L/\partial W = \boldsymbol{\delta}\,\mathbf{x}^{\top}$",
             "b": r"$\partial L/\partial \mathbf{b} = \boldsymbol{\delta}$"}
    zc, zw = (0.66, 0.5), 0.26
    _box(ax, zc, r"$\mathbf{z} = W\mathbf{x} + \mathbf{b}$", BLUE, w=zw)
    _box(ax, (0.92, 0.5), r"$L$", BLUE, w=0.08)
    fwd = {"arrowstyle": "-|>", "color": GRAY, "lw": 1.3, "shrinkA": 0, "shrinkB": 0}
    bwd = {"arrowstyle": "-|>", "color": RED, "lw": 1.3, "shrinkA": 0, "shrinkB": 0}
    zl = zc[0] - zw / 2 - 0.01
    for k, y in left.items():
        _box(ax, (0.07, y), names[k], GRAY, w=0.08, h=0.12)
        ty = 0.5 + (y - 0.5) * 0.18
        ax.annotate("", xy=(zl, ty + 0.015), xytext=(0.115, y + 0.015), arrowprops=fwd)
        ax.annotate("", xy=(0.115, y - 0.025), xytext=(zl, ty - 0.025), arrowprops=bwd)
        ax.text(0.14, y + (0.09 if k != "b" else -0.11), grads[k], color=RED, fontsize=8,
                ha="left", va="center")
    ax.annotate("", xy=(0.875, 0.53), xytext=(zc[0] + zw / 2 + 0.01, 0.53), arrowprops=fwd)
    ax.annotate("", xy=(zc[0] + zw / 2 + 0.01, 0.47), xytext=(0.875, 0.47), arrowprops=bwd)
    ax.text(0.86, 0.33, r"$\boldsymbol{\delta} = \partial L/\partial \mathbf{z}$", color=RED,
            fontsize=8, ha="center", va="center")
    ax.text(0.66, 0.93, "forward: gray, backward: red", color=GRAY, fontsize=7, ha="center")
