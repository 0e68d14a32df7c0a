"""Linear-algebra figure kinds: unit balls, head-to-tail sums, bases, projections, distances,
determinants as areas, eigen-directions, the SVD ellipse and PCA point clouds."""

from __future__ import annotations

from typing import Any

import numpy as np

from ankigen.figures import BLUE, GRAY, GREEN, ORANGE, PURPLE, RED, figure, style_axes


def _vec2(v: Any) -> np.ndarray:
    a = np.asarray(v, dtype=float).ravel()
    if a.size != 2:
        raise ValueError(f"expected a 2-D vector, got {a.size} entries")
    return a


def _mat2(A: Any) -> np.ndarray:
    M = np.asarray(A, dtype=float)
    if M.shape != (2, 2):
        raise ValueError(f"expected a 2x2 matrix, got shape {M.shape}")
    return M


def _arrow(ax: Any, tail: Any, head: Any, color: str, lw: float = 2.0, ls: str = "-",
           alpha: float = 1.0) -> None:
    ax.annotate("", xy=(float(head[0]), float(head[1])), xytext=(float(tail[0]), float(tail[1])),
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw, "ls": ls, "alpha": alpha,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 12})


def _label(ax: Any, at: Any, text: str, color: str, offset: Any = (0.0, 0.0)) -> None:
    ax.text(float(at[0]) + offset[0], float(at[1]) + offset[1], text, color=color, fontsize=10,
            ha="center", va="center")


def _outward(p: Any, scale: float) -> tuple[float, float]:
    """A small offset pointing away from the origin, for labels at arrow tips."""
    p = np.asarray(p, dtype=float)
    n = float(np.hypot(*p))
    if n < 1e-12:
        return (0.0, 0.0)
    return (float(p[0] / n * scale), float(p[1] / n * scale))


def _frame(ax: Any, pts: Any, pad: float = 0.15, minimum: float = 1.0) -> float:
    """Equal-aspect square window around the points and the origin; returns its half-width."""
    arr = np.vstack([np.zeros((1, 2)), np.asarray(pts, dtype=float).reshape(-1, 2)])
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    center = (lo + hi) / 2
    half = max(minimum, float(np.max(hi - lo)) / 2) * (1 + pad)
    ax.set_xlim(center[0] - half, center[0] + half)
    ax.set_ylim(center[1] - half, center[1] + half)
    ax.set_aspect("equal")
    return half


@figure("unit_balls", size=(3.6, 3.4))
def unit_balls(ax: Any) -> None:
    """Unit balls of the L1 (diamond), L2 (circle) and L-infinity (square) norms in the plane."""
    t = np.linspace(0, 2 * np.pi, 721)
    c, s = np.cos(t), np.sin(t)
    ax.plot([1, 0, -1, 0, 1], [0, 1, 0, -1, 0], color=ORANGE, linewidth=2, label="$p = 1$")
    ax.plot(c, s, color=BLUE, linewidth=2, label="$p = 2$")
    ax.plot([1, -1, -1, 1, 1], [1, 1, -1, -1, 1], color=GREEN, linewidth=2, label=r"$p = \infty$")
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, frameon=False, handlelength=1.5,
              bbox_to_anchor=(1.08, 1.08))
    style_axes(ax)


@figure("vector_sum")
def vector_sum(ax: Any, u: Any, v: Any, a: float = 1, b: float = 1) -> None:
    """Head-to-tail sum: a·u (blue), then b·v (orange) from its tip, and a·u + b·v (green)."""
    u, v = _vec2(u), _vec2(v)
    au, bv = float(a) * u, float(b) * v
    w = au + bv
    ax.plot([0, bv[0], w[0]], [0, bv[1], w[1]], color=GRAY, linewidth=0.8, linestyle=":")
    _arrow(ax, (0, 0), au, BLUE)
    _arrow(ax, au, w, ORANGE)
    _arrow(ax, (0, 0), w, GREEN, lw=2.4)
    half = _frame(ax, [au, bv, w])
    k = 0.07 * half
    _label(ax, au / 2, _scaled(float(a), "u"), BLUE, _outward(np.array([-au[1], au[0]]), k))
    _label(ax, au + bv / 2, _scaled(float(b), "v"), ORANGE, _outward(np.array([-bv[1], bv[0]]), k))
    _label(ax, w, r"$\mathbf{w}$", GREEN, _outward(w, k))
    style_axes(ax)


def _scaled(c: float, name: str) -> str:
    """Label like '2u', '−u' or '1.5v' for a scaled vector."""
    if c == 1:
        coef = ""
    elif c == -1:
        coef = "-"
    else:
        coef = f"{c:g}"
    return rf"${coef}\mathbf{{{name}}}$"


@figure("basis_grid")
def basis_grid(ax: Any, u: Any, v: Any, w: Any) -> None:
    """The grid of a basis u, v (skewed lines) and a vector w reached by c1·u then c2·v."""
    u, v, w = _vec2(u), _vec2(v), _vec2(w)
    B = np.column_stack([u, v])
    c = np.linalg.solve(B, w)
    corners = [np.zeros(2), c[0] * u, w, u, v]
    half = _frame(ax, corners, pad=0.25, minimum=1.5)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    box = np.array([[x0, y0], [x0, y1], [x1, y0], [x1, y1]]).T
    n = int(np.ceil(float(np.max(np.abs(np.linalg.solve(B, box)))))) + 1
    n = min(n, 40)
    for k in range(-n, n + 1):
        ax.axline(tuple(k * u), tuple(k * u + v), color=GRAY, linewidth=0.8, alpha=0.6)
        ax.axline(tuple(k * v), tuple(k * v + u), color=GRAY, linewidth=0.8, alpha=0.6)
    _arrow(ax, (0, 0), c[0] * u, BLUE, lw=1.4, ls="--", alpha=0.8)
    _arrow(ax, c[0] * u, w, ORANGE, lw=1.4, ls="--", alpha=0.8)
    _arrow(ax, (0, 0), u, BLUE, lw=2.2)
    _arrow(ax, (0, 0), v, ORANGE, lw=2.2)
    _arrow(ax, (0, 0), w, GREEN, lw=2.4)
    off = 0.08 * half
    _label(ax, u, r"$\mathbf{u}$", BLUE, _outward(u, off))
    _label(ax, v, r"$\mathbf{v}$", ORANGE, _outward(v, off))
    _label(ax, w, r"$\mathbf{w}$", GREEN, _outward(w, off))
    ax.set_xlim(*ax.get_xlim())
    ax.set_ylim(*ax.get_ylim())
    style_axes(ax, grid=False)


def _projection_claim(a: Any, b: Any) -> list[str]:
    """The residual a − proj is perpendicular to b (and b spans a line at all)."""
    a, b = _vec2(a), _vec2(b)
    bb = float(b @ b)
    if bb < 1e-12:
        return ["b is the zero vector: there is no line to project onto"]
    r = a - (float(a @ b) / bb) * b
    dot = float(r @ b)
    return [] if abs(dot) <= 1e-9 * max(1.0, float(np.hypot(*a)) * np.sqrt(bb)) else \
        [f"the residual is not perpendicular to b (r · b = {dot:.3g})"]


@figure("projection_2d", claim=_projection_claim)
def projection_2d(ax: Any, a: Any, b: Any) -> None:
    """Projection of a onto the line of b (green) and the residual a − proj (red), perpendicular to b."""
    a, b = _vec2(a), _vec2(b)
    bb = float(b @ b)
    p = (float(a @ b) / bb) * b
    r = a - p
    half = _frame(ax, [a, b, p], pad=0.2)
    d = b / np.sqrt(bb)
    line = np.outer([-3 * half, 3 * half], d)
    ax.plot(line[:, 0], line[:, 1], color=GRAY, linewidth=0.9, linestyle="--")
    if float(np.hypot(*p)) > 1e-9:
        _arrow(ax, (0, 0), p, GREEN, lw=3.4, alpha=0.85)
    _arrow(ax, (0, 0), b, ORANGE, lw=1.8)
    _arrow(ax, (0, 0), a, BLUE, lw=2.2)
    if float(np.hypot(*r)) > 1e-9:
        _arrow(ax, p, a, RED, lw=1.6, ls="--")
        s = 0.06 * half
        n = r / np.hypot(*r)
        sq = np.array([p + s * d * np.sign(-(p @ d) or 1), p + s * d * np.sign(-(p @ d) or 1) + s * n,
                       p + s * n])
        ax.plot(sq[:, 0], sq[:, 1], color=GRAY, linewidth=0.9)
    k = 0.08 * half
    _label(ax, a, r"$\mathbf{a}$", BLUE, _outward(a, k))
    _label(ax, b, r"$\mathbf{b}$", ORANGE, _outward(b, k))
    if float(np.hypot(*p)) > 1e-9:
        _label(ax, p / 2, r"$\mathrm{proj}$", GREEN, _outward(-r, 1.6 * k) if np.hypot(*r) > 1e-9 else (0, k))
    style_axes(ax)


@figure("distances_2d")
def distances_2d(ax: Any, p: Any, q: Any) -> None:
    """Two points with the Euclidean segment (blue) and a Manhattan path along the axes (orange)."""
    p, q = _vec2(p), _vec2(q)
    corner = np.array([q[0], p[1]])
    ax.plot([p[0], corner[0], q[0]], [p[1], corner[1], q[1]], color=ORANGE, linewidth=2,
            label="Manhattan ($L_1$)")
    ax.plot([p[0], q[0]], [p[1], q[1]], color=BLUE, linewidth=2, label="Euclidean ($L_2$)")
    ax.plot([p[0], q[0]], [p[1], q[1]], "o", color=RED, markersize=5, zorder=3)
    pts = np.array([p, q])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    center = (lo + hi) / 2
    half = max(1.0, float(np.max(hi - lo)) / 2) * 1.3
    ax.set_xlim(center[0] - half, center[0] + half)
    ax.set_ylim(center[1] - half, center[1] + half)
    ax.set_aspect("equal")
    k = 0.12 * half
    away = (p - q) / max(1e-12, float(np.hypot(*(p - q))))
    ax.text(p[0] + k * away[0], p[1] + k * away[1], r"$\mathbf{p}$", color=RED, ha="center",
            va="center", fontsize=10)
    ax.text(q[0] - k * away[0], q[1] - k * away[1], r"$\mathbf{q}$", color=RED, ha="center",
            va="center", fontsize=10)
    ax.legend(loc="best", fontsize=7, frameon=False)
    ax.xaxis.set_major_locator(_int_locator())
    ax.yaxis.set_major_locator(_int_locator())
    style_axes(ax, origin=False)


def _int_locator() -> Any:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - matplotlib loads only to draw

    return MaxNLocator(integer=True, nbins=8)


@figure("det_parallelogram", size=(4.0, 3.4))
def det_parallelogram(ax: Any, A: Any, annotate: float = 1) -> None:
    """Unit square (gray) and its image under A: a parallelogram of area |det A|, red if orientation flips."""
    M = _mat2(A)
    d = float(np.linalg.det(M))
    color = BLUE if d >= 0 else RED
    sq = np.array([[0, 1, 1, 0, 0], [0, 0, 1, 1, 0]], dtype=float)
    img = M @ sq
    ax.fill(sq[0], sq[1], color=GRAY, alpha=0.25)
    ax.fill(img[0], img[1], color=color, alpha=0.3)
    ax.plot(img[0], img[1], color=color, linewidth=1.2)
    a1, a2 = M[:, 0], M[:, 1]
    _arrow(ax, (0, 0), a1, ORANGE, lw=2.2)
    _arrow(ax, (0, 0), a2, GREEN, lw=2.2)
    half = _frame(ax, img.T, pad=0.22, minimum=1.5)
    k = 0.09 * half
    _label(ax, a1, r"$A\mathbf{e}_1$", ORANGE, _outward(a1, k))
    _label(ax, a2, r"$A\mathbf{e}_2$", GREEN, _outward(a2, k))
    if float(annotate):
        text = "orientation kept" if d > 0 else ("orientation flipped" if d < 0 else "collapsed")
        ax.text(0.02, 0.98, f"area {abs(d):.4g}, {text}", transform=ax.transAxes, ha="left",
                va="top", fontsize=8, color=color)
    ax.xaxis.set_major_locator(_int_locator())
    ax.yaxis.set_major_locator(_int_locator())
    style_axes(ax)


def _eigen_claim(A: Any) -> list[str]:
    """Eigenvectors on dashed lines exist only for real eigenvalues."""
    w = np.linalg.eigvals(_mat2(A))
    return [] if np.all(np.abs(np.imag(w)) < 1e-9) else \
        ["A has complex eigenvalues: no direction stays on its line"]


@figure("eigen_directions", claim=_eigen_claim, size=(4.0, 3.4))
def eigen_directions(ax: Any, A: Any) -> None:
    """Unit circle (gray) and its image under A (blue); eigenvectors stay on their dashed lines."""
    M = _mat2(A)
    t = np.linspace(0, 2 * np.pi, 361)
    circ = np.vstack([np.cos(t), np.sin(t)])
    img = M @ circ
    ax.plot(circ[0], circ[1], color=GRAY, linewidth=1)
    ax.plot(img[0], img[1], color=BLUE, linewidth=1.5)
    x = np.array([np.cos(1.1), np.sin(1.1)])
    w, V = np.linalg.eig(M)
    if np.all(np.abs(np.imag(w)) < 1e-9):
        w, V = np.real(w), np.real(V)
        # focus on the eigenvectors: the window fits λ·v, the ellipse may leave it
        half = max(1.3, 1.3 * float(np.max(np.abs(w))))
        ax.set_xlim(-half, half)
        ax.set_ylim(-half, half)
        ax.set_aspect("equal")
        order = np.argsort(w)[::-1]
        for row, (i, color) in enumerate(zip(order, (ORANGE, GREEN), strict=True)):
            v = V[:, i] / np.hypot(*V[:, i])
            if v[0] < 0 or (v[0] == 0 and v[1] < 0):
                v = -v
            line = np.outer([-3 * half, 3 * half], v)
            ax.plot(line[:, 0], line[:, 1], color=color, linewidth=0.9, linestyle="--")
            _arrow(ax, (0, 0), w[i] * v, color, lw=2.4)
            _arrow(ax, (0, 0), v, GRAY, lw=1.2)
            ax.text(0.02, 0.98 - 0.08 * row, rf"$A\mathbf{{v}} = {w[i]:.3g}\,\mathbf{{v}}$",
                    transform=ax.transAxes, color=color, fontsize=9, ha="left", va="top")
    else:
        _frame(ax, np.vstack([circ.T, img.T, [M @ x]]), pad=0.15, minimum=1.2)
    # a generic vector for contrast: it leaves its own line
    _arrow(ax, (0, 0), x, PURPLE, lw=1.0, alpha=0.7)
    _arrow(ax, (0, 0), M @ x, PURPLE, lw=1.6, ls=":", alpha=0.9)
    style_axes(ax)


@figure("svd_ellipse", size=(4.0, 3.4))
def svd_ellipse(ax: Any, A: Any) -> None:
    """Unit circle with right singular vectors v1, v2 (dashed) mapped to the ellipse with axes σ1·u1, σ2·u2."""
    M = _mat2(A)
    U, s, Vt = np.linalg.svd(M)
    t = np.linspace(0, 2 * np.pi, 361)
    circ = np.vstack([np.cos(t), np.sin(t)])
    img = M @ circ
    ax.plot(circ[0], circ[1], color=GRAY, linewidth=1)
    ax.fill(img[0], img[1], color=BLUE, alpha=0.12)
    ax.plot(img[0], img[1], color=BLUE, linewidth=1.5)
    half = _frame(ax, np.vstack([circ.T, img.T]), pad=0.28, minimum=1.2)
    k = 0.09 * half
    for i, color in enumerate((RED, GREEN)):
        v, u = Vt[i], U[:, i]
        if v[0] < 0 or (abs(v[0]) < 1e-12 and v[1] < 0):
            v, u = -v, -u
        _arrow(ax, (0, 0), v, color, lw=1.3, ls="--")
        _arrow(ax, (0, 0), s[i] * u, color, lw=2.4)
        _label(ax, v, rf"$\mathbf{{v}}_{i + 1}$", color, _outward(v, k))
        _label(ax, s[i] * u, rf"$\sigma_{i + 1}\mathbf{{u}}_{i + 1}$", color,
               _outward(s[i] * u if s[i] > 1e-9 else u, 1.4 * k))
    style_axes(ax)


@figure("pca_cloud", size=(4.0, 3.4))
def pca_cloud(ax: Any, C: Any, n: float = 300) -> None:
    """A centered 2-D point cloud with covariance C and its principal axes (length 2·sqrt(eigenvalue))."""
    S = np.asarray(C, dtype=float)
    if S.shape != (2, 2):
        raise ValueError(f"expected a 2x2 covariance matrix, got shape {S.shape}")
    lam, V = np.linalg.eigh((S + S.T) / 2)
    lam = np.clip(lam, 0, None)
    rng = np.random.default_rng(20240611)
    z = rng.standard_normal((int(n), 2))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    pts = z @ (V * np.sqrt(lam)).T
    ax.plot(pts[:, 0], pts[:, 1], "o", color=GRAY, markersize=2.2, alpha=0.55)
    half = _frame(ax, np.vstack([pts, (2.2 * np.sqrt(lam) * V).T]), pad=0.08, minimum=1.0)
    k = 0.1 * half
    order = np.argsort(lam)[::-1]
    for rank, (i, color) in enumerate(zip(order, (RED, GREEN), strict=True)):
        v = V[:, i]
        if v[0] < 0 or (v[0] == 0 and v[1] < 0):
            v = -v
        tip = 2 * np.sqrt(lam[i]) * v
        _arrow(ax, (0, 0), tip, color, lw=2.4)
        _label(ax, tip, f"PC{rank + 1}", color, _outward(tip if np.hypot(*tip) > 1e-9 else v, k))
    style_axes(ax)
