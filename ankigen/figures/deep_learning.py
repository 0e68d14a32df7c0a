"""Figure kinds for deep learning: activations, softmax, convolution, RNN maps, Markov chains,
vanishing gradients, dropout and GAN discriminators."""

from __future__ import annotations

from typing import Any

import numpy as np

from ankigen.figures import BLUE, GRAY, GREEN, ORANGE, RED, figure, style_axes
from ankigen.figures._common import _frac, _num, _vec

# ---------------------------------------------------------------------------
# deep learning


def _tanh_claim() -> list[str]:
    """tanh' = 1 − tanh² peaks at 1 for x = 0, on the drawn grid."""
    x = np.linspace(-4, 4, 601)
    d = 1 - np.tanh(x) ** 2
    i = int(np.argmax(d))
    ok = abs(float(x[i])) < 1e-9 and abs(float(d[i]) - 1) < 1e-12
    return [] if ok else [f"tanh' peaks at x = {float(x[i]):.3g} with {float(d[i]):.4g}"]


@figure("tanh_and_derivative", claim=_tanh_claim)
def tanh_and_derivative(ax: Any) -> None:
    """tanh and its derivative 1 − tanh², which peaks at 1 for x = 0."""
    x = np.linspace(-4, 4, 601)
    t = np.tanh(x)
    ax.plot(x, t, color=BLUE, linewidth=2, label="tanh(x)")
    ax.plot(x, 1 - t**2, color=ORANGE, linewidth=2, linestyle="--", label="tanh'(x)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    style_axes(ax)


@figure("softmax_bars")
def softmax_bars(ax: Any, z: Any, y: Any = None) -> None:
    """Softmax probabilities of the logits z (labels show the logits); the true class is orange."""
    z = _vec(z)
    p = np.exp(z - z.max())
    p = p / p.sum()
    k = np.arange(1, len(z) + 1)
    colors = [BLUE] * len(z)
    if y is not None:
        colors[int(y)] = ORANGE
    ax.bar(k, p, color=colors, width=0.6)
    for ki, pi in zip(k, p, strict=True):
        ax.annotate(_frac(pi), (ki, pi), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=8)
    ax.set_xticks(k)
    ax.set_xticklabels([f"{i}\nz = {zi:.2f}" for i, zi in zip(k, z, strict=True)], fontsize=7)
    ax.set_ylim(0, min(1.0, float(p.max()) * 1.25) + 0.02)
    ax.set_ylabel("softmax probability")
    style_axes(ax, origin=False)


def _box_row(ax: Any, x0: float, y0: float, values: Any, color: str, label: str | None = None,
             hatch: bool = False) -> None:
    for i, v in enumerate(values):
        ax.add_patch(_rect(x0 + i, y0, color))
        ax.text(x0 + i + 0.5, y0 + 0.5, v if isinstance(v, str) else _num(v), ha="center",
                va="center", fontsize=9)
    if label:
        ax.text(x0 - 0.2, y0 + 0.5, label, ha="right", va="center", fontsize=9)


def _rect(x: float, y: float, color: str) -> Any:
    from matplotlib.patches import Rectangle  # noqa: PLC0415 - matplotlib loads only to draw

    return Rectangle((x, y), 1, 1, facecolor=color, alpha=0.25, edgecolor=color, linewidth=1.2)


@figure("conv1d_diagram", size=(4.2, 2.2))
def conv1d_diagram(ax: Any, x: Any, w: Any, show_output: float = 0) -> None:
    """Sliding a kernel w over an input x (valid, stride 1): each output is a dot product with one window."""
    xv, wv = _vec(x), _vec(w)
    n, k = len(xv), len(wv)
    out = np.correlate(xv, wv, mode="valid")
    _box_row(ax, 0, 2.2, xv, BLUE, "x")
    _box_row(ax, 0, 0.9, wv, ORANGE, "w")
    from matplotlib.patches import Rectangle  # noqa: PLC0415 - matplotlib loads only to draw

    ax.add_patch(Rectangle((0, 2.2), k, 1, fill=False, edgecolor=RED, linewidth=2))
    vals = [v for v in out] if show_output else ["?"] * len(out)
    _box_row(ax, 0, -0.4, vals, GREEN, "y")
    ax.annotate("", xy=(0.5, 0.6), xytext=(k / 2, 2.15),
                arrowprops={"arrowstyle": "-|>", "color": RED, "lw": 1})
    ax.text(n + 0.2, 0.1, "yᵢ = Σⱼ wⱼ xᵢ₊ⱼ", fontsize=8, ha="left", va="center")
    ax.set_xlim(-1.0, n + 3.3)
    ax.set_ylim(-0.6, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")


@figure("rnn_cobweb")
def rnn_cobweb(ax: Any, w: float = 2, b: float = 0, x0: float = 0.2, steps: float = 12,
               linear: float = 0, xmin: Any = None, xmax: Any = None) -> None:
    """Cobweb plot of h_(t+1) = F(h_t), F(h) = tanh(wh + b) or wh + b: iterates bounce between F and the diagonal."""
    w, b, x0 = float(w), float(b), float(x0)

    def F(h: Any) -> Any:
        h = np.asarray(h, dtype=float)
        return w * h + b if linear else np.tanh(w * h + b)

    path = [x0]
    for _ in range(int(steps)):
        path.append(float(F(path[-1])))
        if abs(path[-1]) > 1e6:
            break
    if linear:
        fixed = [b / (1 - w)] if w != 1 else []
        pts = [x0, *fixed, *path[:6]]
        lo = min(pts) - 1.0 if xmin is None else float(xmin)
        hi = max(pts) + 1.0 if xmax is None else float(xmax)
    else:
        lo = -1.4 if xmin is None else float(xmin)
        hi = 1.4 if xmax is None else float(xmax)
        g = np.linspace(lo, hi, 4001)
        r = F(g) - g
        fixed = []
        for i in np.nonzero(np.sign(r[:-1]) * np.sign(r[1:]) <= 0)[0]:
            a_, b_ = g[i], g[i + 1]
            for _ in range(60):
                mid = (a_ + b_) / 2
                if (F(a_) - a_) * (F(mid) - mid) <= 0:
                    b_ = mid
                else:
                    a_ = mid
            if not fixed or abs(fixed[-1] - a_) > 1e-6:
                fixed.append(float((a_ + b_) / 2))
    h = np.linspace(lo, hi, 400)
    ax.plot(h, F(h), color=BLUE, linewidth=2, label="F(h)")
    ax.plot(h, h, color=GRAY, linewidth=1, linestyle="--", label="h")
    cx, cy = [path[0]], [lo if lo > 0 or hi < 0 else 0.0]
    for t in range(len(path) - 1):
        cx += [path[t], path[t + 1]]
        cy += [path[t + 1], path[t + 1]]
    ax.plot(cx, cy, color=ORANGE, linewidth=1.2)
    ax.plot([x0], [cy[0]], "o", color=ORANGE, markersize=4)
    for fp in fixed:
        eps = 1e-5
        slope = float((F(fp + eps) - F(fp - eps)) / (2 * eps))
        stable = abs(slope) < 1
        ax.plot([fp], [fp], "o", markersize=6, zorder=4, color=GREEN if stable else RED,
                markerfacecolor=GREEN if stable else "white")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("hₜ")
    ax.set_ylabel("hₜ₊₁")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    style_axes(ax)


@figure("markov_diagram", size=(4.0, 2.8))
def markov_diagram(ax: Any, P: Any, rewards: Any = None) -> None:
    """State diagram of a Markov chain: arrows labelled with transition probabilities (rewards under the states)."""
    from matplotlib.patches import Circle, FancyArrowPatch  # noqa: PLC0415 - matplotlib loads only to draw

    M = np.asarray(P, dtype=float)
    n = M.shape[0]
    if n == 2:
        pos = np.array([[-1.3, 0.0], [1.3, 0.0]])
    else:
        ang = np.pi / 2 + 2 * np.pi * np.arange(n) / n
        pos = 1.7 * np.stack([np.cos(ang), np.sin(ang)], axis=1)
        pos[:, 1] -= 0.3
    rad = 0.38
    r = None if rewards is None else _vec(rewards)
    for i in range(n):
        ax.add_patch(Circle(tuple(pos[i]), rad, facecolor=BLUE, alpha=0.2, edgecolor=BLUE, lw=1.5))
        ax.text(pos[i][0], pos[i][1], str(i + 1), ha="center", va="center", fontsize=11)
        if r is not None:
            ax.text(pos[i][0], pos[i][1] - rad - 0.12, f"r = {_num(r[i])}", ha="center", va="top",
                    fontsize=8, color=GREEN)
    center = pos.mean(axis=0)
    for i in range(n):
        for j in range(n):
            pij = M[i, j]
            if pij <= 1e-12:
                continue
            if i == j:
                out = pos[i] - center
                out = out / (np.hypot(*out) or 1.0) if n > 2 else np.array([np.sign(pos[i][0]), 0.0])
                # loop on the outer side of the state
                perp = np.array([-out[1], out[0]])
                a = pos[i] + rad * (0.8 * out + 0.6 * perp)
                bpt = pos[i] + rad * (0.8 * out - 0.6 * perp)
                ax.add_patch(FancyArrowPatch(tuple(a), tuple(bpt), connectionstyle="arc3,rad=-1.9",
                                             arrowstyle="-|>", mutation_scale=9, color=GRAY, lw=1.1))
                lab = pos[i] + out * (rad + 0.55)
                ax.text(lab[0], lab[1], _frac(pij), ha="center", va="center", fontsize=8, color=RED)
                continue
            d = pos[j] - pos[i]
            u = d / np.hypot(*d)
            perp = np.array([-u[1], u[0]])
            a = pos[i] + rad * (0.95 * u + 0.3 * perp)
            bpt = pos[j] + rad * (-0.95 * u + 0.3 * perp)
            ax.add_patch(FancyArrowPatch(tuple(a), tuple(bpt), connectionstyle="arc3,rad=-0.2",
                                         arrowstyle="-|>", mutation_scale=10, color=GRAY, lw=1.1))
            bend = 0.1 * float(np.hypot(*(bpt - a)))
            mid = (a + bpt) / 2 + perp * (bend + 0.16)
            ax.text(mid[0], mid[1], _frac(pij), ha="center", va="center", fontsize=8, color=RED)
    if n == 2:
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-1.75, 1.75)
    else:
        ax.set_xlim(-2.9, 2.9)
        ax.set_ylim(-2.3, 2.45)
    ax.set_aspect("equal")
    ax.axis("off")


@figure("vanishing_product")
def vanishing_product(ax: Any, factor: float = 0.8, depth: float = 20, threshold: Any = None,
                      explode: Any = None) -> None:
    """Size of a gradient after L layers that each multiply it by a factor: straight lines on a log scale."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - matplotlib loads only to draw

    L = np.arange(0, int(depth) + 1)
    fac = abs(float(factor))
    curves = [(fac, BLUE, f"factor {_frac(fac)}", "-o")]
    if explode is not None:
        curves.append((abs(float(explode)), RED, f"factor {_frac(float(explode))}", "-o"))
    elif abs(fac - 0.25) > 1e-9:
        curves.append((0.25, GRAY, "factor 1/4 (sigmoid max)", "--"))
    curves.append((1.0, GREEN, "factor 1", "--"))
    for v, col, lab, style in curves:
        ax.plot(L, v ** L.astype(float), style, color=col, markersize=3,
                linewidth=2 if style == "-o" else 1, label=lab)
    if threshold is not None:
        ax.axhline(float(threshold), color=RED, linestyle=":", linewidth=1.2,
                   label=f"threshold {_frac(float(threshold), 10000)}")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    vals = [v ** int(depth) for v, *_ in curves[:2]] + [1.0]
    if threshold is not None:
        vals.append(float(threshold))
    ax.set_ylim(max(min(vals) / 30, 1e-300), max(vals) * 3)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("depth L")
    ax.set_ylabel("gradient factor", fontsize=8, labelpad=0)
    ax.legend(loc="best", fontsize=7, frameon=False)
    style_axes(ax, origin=False)


@figure("dropout_mask", size=(4.0, 1.8))
def dropout_mask(ax: Any, h: Any, mask: Any, p: Any = None, scaled: float = 0) -> None:
    """A layer's activations with a dropout mask: crossed-out units are dropped; kept ones are scaled by 1/(1 − p)."""
    from matplotlib.patches import Circle  # noqa: PLC0415 - matplotlib loads only to draw

    hv, mv = _vec(h), _vec(mask)
    n = len(hv)
    for i in range(n):
        x = 1.2 * i
        kept = mv[i] > 0.5
        ax.add_patch(Circle((x, 1.0), 0.42, facecolor=BLUE if kept else GRAY, alpha=0.25 if kept else 0.15,
                            edgecolor=BLUE if kept else GRAY, lw=1.5))
        ax.text(x, 1.0, _num(hv[i]), ha="center", va="center", fontsize=9,
                color="black" if kept else GRAY,
                bbox=None if kept else {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
        if not kept:
            ax.plot([x - 0.3, x + 0.3], [0.7, 1.3], color=RED, lw=1.2, alpha=0.6)
            ax.plot([x - 0.3, x + 0.3], [1.3, 0.7], color=RED, lw=1.2, alpha=0.6)
        ax.text(x, 0.3, f"m = {int(kept)}", ha="center", va="center", fontsize=8,
                color=GREEN if kept else RED)
        if scaled and p is not None:
            ax.text(x, -0.3, _num(hv[i] * mv[i] / (1 - float(p))), ha="center", va="center", fontsize=9)
    if scaled and p is not None:
        ax.text(-0.7, -0.3, "out", ha="right", va="center", fontsize=8)
    ax.text(-0.7, 1.0, "h", ha="right", va="center", fontsize=9)
    ax.set_xlim(-1.4, 1.2 * (n - 1) + 0.7)
    ax.set_ylim(-0.7 if scaled else -0.1, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")


@figure("gan_discriminator")
def gan_discriminator(ax: Any, p_data: Any, p_g: Any) -> None:
    """Data and generator probabilities per outcome (bars) and the optimal discriminator
    D* = p_data/(p_data + p_g) (red)."""
    pd, pg = _vec(p_data), _vec(p_g)
    k = np.arange(1, len(pd) + 1)
    ax.bar(k - 0.18, pd, width=0.34, color=BLUE, label="p_data")
    ax.bar(k + 0.18, pg, width=0.34, color=ORANGE, label="p_g")
    dstar = pd / (pd + pg)
    ax.plot(k, dstar, "o", color=RED, markersize=6, zorder=4, label="D*")
    for ki, dv in zip(k, dstar, strict=True):
        ax.annotate(_frac(dv), (ki, dv), textcoords="offset points", xytext=(9, 3), fontsize=8, color=RED)
    ax.axhline(0.5, color=GRAY, linestyle=":", linewidth=1)
    ax.set_xticks(k)
    ax.set_xlabel("outcome x")
    ax.set_ylim(0, 1.08)
    ax.legend(loc="upper left", fontsize=7, frameon=False, ncol=3)
    style_axes(ax, origin=False)


@figure("gan_gaussians")
def gan_gaussians(ax: Any, mu_g: float = 2.0, sigma_g: float = 1.0) -> None:
    """Densities p_data = N(0, 1) and p_g, and the optimal discriminator D* = p_data/(p_data + p_g)."""
    mu_g, sg = float(mu_g), float(sigma_g)
    x = np.linspace(-4, mu_g + 4 * sg, 500)
    pd = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)
    pg = np.exp(-((x - mu_g) ** 2) / (2 * sg**2)) / (sg * np.sqrt(2 * np.pi))
    ax.fill_between(x, pd, color=BLUE, alpha=0.25, linewidth=0)
    ax.plot(x, pd, color=BLUE, linewidth=1.5, label="p_data")
    ax.fill_between(x, pg, color=ORANGE, alpha=0.25, linewidth=0)
    ax.plot(x, pg, color=ORANGE, linewidth=1.5, label="p_g")
    ax.plot(x, pd / (pd + pg), color=RED, linewidth=2, label="D*")
    ax.axhline(0.5, color=GRAY, linestyle=":", linewidth=1)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="center right", fontsize=8, frameon=False)
    style_axes(ax, origin=False)
