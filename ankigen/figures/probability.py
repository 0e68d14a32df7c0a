"""Figure kinds for probability, statistics and information theory."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ankigen.figures import BLUE, GRAY, GREEN, ORANGE, PURPLE, RED, figure, style_axes


def _vec(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float).ravel()


def _seed(*xs: Any) -> int:
    """A deterministic seed from figure arguments (same numbers → same picture)."""
    h = 0
    for x in xs:
        for v in np.atleast_1d(np.asarray(x, dtype=float)).ravel():
            h = (h * 1000003 + int(round(float(v) * 1000))) % (2**32)
    return h


def _frame(ax: Any, left: float = 0.16, bottom: float = 0.17, right: float = 0.96,
           top: float = 0.95) -> None:
    """Room for axis labels (the shared default layout leaves too little for labelled axes)."""
    ax.set_position([left, bottom, right - left, top - bottom])


def _fmt(v: float) -> str:
    """Short label for a probability: a fraction when it is a simple one, else 2 decimals."""
    for d in (*range(2, 65), 100, 1000):
        n = v * d
        if abs(n - round(n)) < 1e-9:
            n = int(round(n))
            return f"{n}/{d}" if d > 1 and n not in (0, d) else str(n // d if n % d == 0 else n)
    return f"{v:.2f}"


# ---------------------------------------------------------------- probability basics


@figure("bayes_tree", size=(4.2, 3.0))
def bayes_tree(ax: Any, prior: float, sens: float, fpr: float) -> None:
    """Probability tree of a diagnostic test: disease or not, then positive or negative."""
    prior, sens, fpr = float(prior), float(sens), float(fpr)
    root = (0.05, 0.5)
    mids = {"D": (0.38, 0.78), "¬D": (0.38, 0.22)}
    leaves = {
        ("D", "+"): (0.72, 0.92, prior * sens), ("D", "−"): (0.72, 0.64, prior * (1 - sens)),
        ("¬D", "+"): (0.72, 0.36, (1 - prior) * fpr), ("¬D", "−"): (0.72, 0.08, (1 - prior) * (1 - fpr)),
    }
    branch = {"D": prior, "¬D": 1 - prior}
    cond = {("D", "+"): sens, ("D", "−"): 1 - sens, ("¬D", "+"): fpr, ("¬D", "−"): 1 - fpr}
    for name, (x, y) in mids.items():
        ax.plot([root[0], x], [root[1], y], color=GRAY, linewidth=1.2)
        ax.text((root[0] + x) / 2, (root[1] + y) / 2 + (0.05 if y > 0.5 else -0.07),
                _fmt(branch[name]), fontsize=8, color=BLUE, ha="center")
        ax.text(x, y, name, fontsize=10, ha="center", va="center",
                bbox={"boxstyle": "round", "fc": "white", "ec": GRAY})
    for (d, t), (x, y, p) in leaves.items():
        mx, my = mids[d]
        pos = t == "+"
        ax.plot([mx + 0.05, x - 0.03], [my, y], color=ORANGE if pos else GRAY, linewidth=1.2)
        ax.text((mx + x) / 2 + 0.01, (my + y) / 2 + (0.04 if y > my else -0.06),
                _fmt(cond[(d, t)]), fontsize=8, color=BLUE, ha="center")
        ax.text(x, y, t, fontsize=10, ha="center", va="center",
                bbox={"boxstyle": "round", "fc": "#ffe9cc" if pos else "white",
                      "ec": ORANGE if pos else GRAY})
        label = np.format_float_positional(p, precision=4, unique=False, fractional=False, trim="-")
        ax.text(x + 0.06, y, label, fontsize=8, va="center", color=ORANGE if pos else GRAY)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")


@figure("bayes_area", size=(3.6, 3.2))
def bayes_area(ax: Any, prior: float, sens: float, fpr: float) -> None:
    """Bayes as areas: the width splits H from not-H by the prior, heights are P(E | H) and P(E | not H)."""
    prior, sens, fpr = float(prior), float(sens), float(fpr)
    ax.set_position([0.16, 0.15, 0.8, 0.78])
    ax.add_patch(_rect(0, 0, prior, 1, "#dbe8f5"))
    ax.add_patch(_rect(prior, 0, 1 - prior, 1, "#eeeeee"))
    ax.add_patch(_rect(0, 0, prior, sens, BLUE, 0.85))
    ax.add_patch(_rect(prior, 0, 1 - prior, fpr, ORANGE, 0.85))
    ax.text(prior / 2, 1.03, "H", ha="center", fontsize=9)
    ax.text(prior + (1 - prior) / 2, 1.03, "not H", ha="center", fontsize=9)
    low = fpr < 0.08
    ax.text(prior + (1 - prior) / 2, fpr + 0.02 if low else fpr / 2, "E and not H", ha="center",
            va="bottom" if low else "center", fontsize=8, color="black" if low else "white")
    ax.text(prior / 2, sens / 2, "E and H", ha="center", va="center", fontsize=8, color="white",
            rotation=90 if prior < 0.3 else 0)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("width: P(H) | P(not H)")
    ax.set_ylabel("height: P(E | column)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _rect(x: float, y: float, w: float, h: float, color: str, alpha: float = 1.0) -> Any:
    from matplotlib.patches import Rectangle  # noqa: PLC0415 - matplotlib loads only to draw

    return Rectangle((x, y), w, h, facecolor=color, edgecolor="white", linewidth=1, alpha=alpha)


# ---------------------------------------------------------------- random variables


@figure("expectation_balance")
def expectation_balance(ax: Any, values: Any, probs: Any, sd: Any = None) -> None:
    """Outcomes as weights (stem height = probability) balancing at the mean (triangle)."""
    _frame(ax)
    v, p = _vec(values), _vec(probs)
    mean = float(np.sum(v * p))
    ax.vlines(v, 0, p, color=BLUE, linewidth=3)
    ax.plot(v, p, "o", color=BLUE, markersize=6)
    span = float(v.max() - v.min()) or 1.0
    ax.plot([v.min() - 0.1 * span, v.max() + 0.1 * span], [0, 0], color=GRAY, linewidth=2)
    ax.plot([mean], [-0.04 * max(p.max(), 1e-9)], marker="^", color=RED, markersize=12,
            clip_on=False)
    if sd is not None:
        s = float(sd)
        ax.hlines(0.5 * p.max(), mean - s, mean + s, color=ORANGE, linewidth=2)
        ax.vlines([mean - s, mean + s], 0.45 * p.max(), 0.55 * p.max(), color=ORANGE, linewidth=2)
    ax.set_xlim(v.min() - 0.15 * span, v.max() + 0.15 * span)
    ax.set_ylim(-0.08 * p.max(), p.max() * 1.15)
    ax.set_xticks(v)
    ax.set_ylabel("probability")
    style_axes(ax, origin=False)


@figure("scatter_cov", size=(3.6, 3.2))
def scatter_cov(ax: Any, points: Any) -> None:
    """2-D data points, their mean (cross) and the one-standard-deviation covariance ellipse."""
    X = np.atleast_2d(np.asarray(points, dtype=float))
    mu = X.mean(axis=0)
    C = (X - mu).T @ (X - mu) / len(X)
    w, V = np.linalg.eigh(C)
    t = np.linspace(0, 2 * np.pi, 200)
    ell = mu[:, None] + V @ (np.sqrt(np.maximum(w, 0))[:, None] * np.vstack([np.cos(t), np.sin(t)]))
    ax.fill(ell[0], ell[1], color=BLUE, alpha=0.15)
    ax.plot(ell[0], ell[1], color=BLUE, linewidth=1.2)
    ax.plot(X[:, 0], X[:, 1], "o", color=ORANGE, markersize=6, zorder=3)
    ax.plot([mu[0]], [mu[1]], "x", color=RED, markersize=9, mew=2, zorder=4)
    lo = np.minimum(X.min(axis=0), ell.min(axis=1))
    hi = np.maximum(X.max(axis=0), ell.max(axis=1))
    c, r = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2, 1.0) * 1.15
    ax.set_xlim(c[0] - r, c[0] + r)
    ax.set_ylim(c[1] - r, c[1] + r)
    ax.set_aspect("equal")
    style_axes(ax)


# ---------------------------------------------------------------- law of large numbers


def _running_means(mean: float, sd: float, n: float, faces: Any, streak: float, paths: float) -> list[np.ndarray]:
    """The running means the figure draws, one array per path (seeded by the arguments)."""
    mean, n = float(mean), int(n)
    rng = np.random.default_rng(_seed(mean, float(sd), n, 0 if faces is None else faces, streak, paths))
    k = np.arange(1, n + 1)
    out = []
    for _ in range(int(paths)):
        if faces is not None:
            draws = rng.integers(1, int(faces) + 1, n).astype(float)
        else:
            draws = (rng.random(n) < mean).astype(float)
        if int(streak) > 0:
            draws[: int(streak)] = 1.0
        out.append(np.cumsum(draws) / k)
    return out


def _running_mean_claim(mean: float = 0.5, sd: float = 0.5, n: float = 500, faces: Any = None,
                        streak: float = 0, paths: float = 3) -> list[str]:
    """Every drawn path ends within 3 standard errors of the mean (diluted by a forced streak)."""
    n_, s = int(n), int(streak)
    target = (s + (n_ - s) * float(mean)) / n_  # a streak of ones (heads), then fair draws
    tol = 3 * float(sd) * np.sqrt(max(n_ - s, 1)) / n_
    misses = [float(m[-1]) for m in _running_means(mean, sd, n, faces, streak, paths)
              if abs(float(m[-1]) - target) > tol]
    if not misses:
        return []
    return [f"a path ends at {misses[0]:.3g}, more than 3 standard errors from {target:.3g}"]


@figure("running_mean", claim=_running_mean_claim)
def running_mean(ax: Any, mean: float = 0.5, sd: float = 0.5, n: float = 500,
                 faces: Any = None, streak: float = 0, paths: float = 3) -> None:
    """Running sample means of independent draws settling at the expected value (LLN);
    a forced first streak is diluted, not cancelled."""
    _frame(ax)
    mean, sd, n = float(mean), float(sd), int(n)
    k = np.arange(1, n + 1)
    for means, color in zip(_running_means(mean, sd, n, faces, streak, paths), (BLUE, GREEN, PURPLE, ORANGE),
                            strict=False):
        ax.plot(k, means, color=color, linewidth=1.2, alpha=0.9)
    band = sd / np.sqrt(k)
    ax.fill_between(k, mean - 2 * band, mean + 2 * band, color=GRAY, alpha=0.15, linewidth=0)
    ax.axhline(mean, color=RED, linestyle="--", linewidth=1.2)
    ax.set_xscale("log")
    ax.set_xlim(1, n)
    top = float(faces) if faces is not None else 1.0
    bottom = 1.0 if faces is not None else 0.0
    ax.set_ylim(bottom - 0.02 * top, top * 1.02)
    ax.set_xlabel("number of draws n (log scale)")
    ax.set_ylabel("running mean")
    style_axes(ax, origin=False)


# ---------------------------------------------------------------- distributions


@figure("binomial_pmf")
def binomial_pmf(ax: Any, n: float, p: float, k: Any = None, at_least: Any = None) -> None:
    """PMF of Bin(n, p) as bars, mean n·p dashed; optional highlighted k (or all k ≥ at_least)."""
    _frame(ax)
    n, p = int(n), float(p)
    ks = np.arange(n + 1)
    pmf = np.array([math.comb(n, int(i)) * p**i * (1 - p) ** (n - i) for i in ks])
    colors = [BLUE] * (n + 1)
    if k is not None:
        colors[int(k)] = ORANGE
    if at_least is not None:
        for i in range(int(at_least), n + 1):
            colors[i] = ORANGE
    ax.bar(ks, pmf, color=colors, width=0.7)
    ax.axvline(n * p, color=RED, linestyle="--", linewidth=1)
    ax.set_ylim(0, pmf.max() * 1.15)
    ax.set_xticks(ks if n <= 12 else ks[:: max(1, n // 10)])
    ax.set_xlabel("k")
    ax.set_ylabel("P(X = k)")
    style_axes(ax, origin=False)


@figure("exp_memoryless")
def exp_memoryless(ax: Any, lam: float = 1, s: float = 1, t: Any = None) -> None:
    """Exp(λ) density (blue) and, past s, the conditional density of X given X > s (orange): a shifted copy."""
    lam, s = float(lam), float(s)
    xmax = s + 5 / lam
    x = np.linspace(0, xmax, 400)
    f = lam * np.exp(-lam * x)
    ax.plot(x, f, color=BLUE, linewidth=2, label="density of X")
    xs = x[x >= s]
    g = lam * np.exp(-lam * (xs - s))
    ax.plot(xs, g, color=ORANGE, linewidth=2, linestyle="--", label="density of X given X > s")
    ax.fill_between(xs, lam * np.exp(-lam * xs), color=BLUE, alpha=0.15)
    ax.axvline(s, color=GRAY, linestyle=":", linewidth=1)
    ax.text(s, lam * 1.08, " s", color=GRAY, fontsize=9)
    if t is not None:
        tt = float(t)
        m = xs >= s + tt
        ax.fill_between(xs[m], g[m], color=ORANGE, alpha=0.3)
        ax.axvline(s + tt, color=GRAY, linestyle=":", linewidth=1)
        ax.text(s + tt, lam * 1.08, " s + t", color=GRAY, fontsize=9)
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, lam * 1.2)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    style_axes(ax, origin=False)


@figure("tails_loglog", size=(5.6, 2.8))
def tails_loglog(ax: Any, alpha: float = 2.5, lam: float = 1) -> None:
    """Gaussian, exponential and power-law densities on linear axes (left) and log-log axes (right)."""
    alpha, lam = float(alpha), float(lam)
    fig = ax.figure
    ax.set_position([0.09, 0.17, 0.38, 0.76])
    ax2 = fig.add_axes([0.59, 0.17, 0.38, 0.76])

    def curves(x: np.ndarray) -> list[tuple[np.ndarray, str, str]]:
        gauss = np.sqrt(2 / np.pi) * np.exp(-(x**2) / 2)  # half-normal, x > 0
        expo = lam * np.exp(-lam * x)
        power = (alpha - 1) * np.maximum(x, 1.0) ** (-alpha)  # Pareto, x_min = 1
        power = np.where(x >= 1, power, np.nan)
        return [(gauss, BLUE, "Gaussian"), (expo, ORANGE, "exponential"),
                (power, GREEN, "power law")]

    x = np.linspace(0.01, 6, 400)
    for y, color, label in curves(x):
        ax.plot(x, y, color=color, linewidth=2, label=label)
    ax.set_ylim(0, 1.6)
    ax.set_xlabel("x")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    style_axes(ax, origin=False)
    xl = np.logspace(0, 2, 400)
    for y, color, _ in curves(xl):
        ok = y > 1e-12
        ax2.plot(xl[ok], y[ok], color=color, linewidth=2)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_ylim(1e-10, 3)
    ax2.set_xlim(1, 100)
    ax2.set_xlabel("x (log)")
    ax2.set_ylabel("density (log)")
    style_axes(ax2, origin=False)


# ---------------------------------------------------------------- maximum likelihood


def _likelihood_claim(k: float, n: float) -> list[str]:
    """The drawn log-likelihood must peak at the marked k/n (within one grid step)."""
    k, n = float(k), float(n)
    p = np.linspace(0.005, 0.995, 500)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.where(k > 0, k * np.log(p), 0.0) + np.where(n - k > 0, (n - k) * np.log(1 - p), 0.0)
    peak = float(p[int(np.argmax(ll))])
    if abs(peak - k / n) <= 0.005 or (k / n < 0.005 and peak == p[0]) or (k / n > 0.995 and peak == p[-1]):
        return []
    return [f"the curve peaks at p = {peak:.3g}, not at the marked k/n = {k / n:.3g}"]


@figure("likelihood_curve", claim=_likelihood_claim)
def likelihood_curve(ax: Any, k: float, n: float) -> None:
    """Bernoulli log-likelihood k·log p + (n − k)·log(1 − p) as a function of p, peaking at k/n."""
    _frame(ax)
    k, n = float(k), float(n)
    p = np.linspace(0.005, 0.995, 500)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.where(k > 0, k * np.log(p), 0.0) + np.where(n - k > 0, (n - k) * np.log(1 - p), 0.0)
    ax.plot(p, ll, color=BLUE, linewidth=2)
    phat = k / n
    top = float(np.max(ll))
    ax.axvline(phat, color=RED, linestyle="--", linewidth=1)
    ax.plot([phat], [top], "o", color=RED)
    ax.set_ylim(max(float(np.min(ll)), top - 6 * max(1.0, n / 4)), top + 0.1 * max(1.0, abs(top)))
    ax.set_xlim(0, 1)
    ax.set_xlabel("p")
    ax.set_ylabel("log-likelihood")
    style_axes(ax, origin=False)


def _loglik_claim(f: Any, xhat: float, xmin: float, xmax: float) -> list[str]:
    """The marked point must be the maximizer of the drawn curve (no grid point higher)."""
    x = np.linspace(float(xmin), float(xmax), 400)
    y = np.broadcast_to(np.asarray(f(x), dtype=float), x.shape)
    yh = float(np.asarray(f(np.array([float(xhat)])), dtype=float).ravel()[0])
    top = float(np.nanmax(y))
    if yh >= top - 1e-9 * max(1.0, abs(top)):
        return []
    return [f"the curve reaches {top:.4g} at x = {float(x[int(np.nanargmax(y))]):.3g}, above the marked "
            f"maximizer ({float(xhat):.3g}, {yh:.4g})"]


@figure("loglik_plot", claim=_loglik_claim)
def loglik_plot(ax: Any, f: Any, xhat: float, xmin: float, xmax: float) -> None:
    """A log-likelihood as a function of the parameter, with its maximizer marked (dashed line)."""
    _frame(ax)
    x = np.linspace(float(xmin), float(xmax), 400)
    y = np.broadcast_to(np.asarray(f(x), dtype=float), x.shape)
    ax.plot(x, y, color=BLUE, linewidth=2)
    xh = float(xhat)
    yh = float(np.asarray(f(np.array([xh])), dtype=float).ravel()[0])
    ax.axvline(xh, color=RED, linestyle="--", linewidth=1)
    ax.plot([xh], [yh], "o", color=RED)
    span = float(np.nanmax(y) - np.nanmin(y)) or 1.0
    ax.set_ylim(float(np.nanmin(y)) - 0.05 * span, float(np.nanmax(y)) + 0.1 * span)
    ax.set_xlim(float(xmin), float(xmax))
    ax.set_xlabel("parameter")
    ax.set_ylabel("log-likelihood")
    style_axes(ax, origin=False)


@figure("gaussian_fit")
def gaussian_fit(ax: Any, data: Any) -> None:
    """Data points (ticks) and the maximum-likelihood Gaussian: mean = sample mean, variance = 1/n Σ (x − x̄)²."""
    d = _vec(data)
    mu = float(d.mean())
    sigma = max(float(d.std()), 1e-3)
    x = np.linspace(mu - 4 * sigma, mu + 4 * sigma, 400)
    pdf = np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
    ax.plot(x, pdf, color=BLUE, linewidth=2)
    ax.vlines(d, 0, 0.12 * pdf.max(), color=ORANGE, linewidth=2.5)
    ax.axvline(mu, color=RED, linestyle="--", linewidth=1)
    ax.set_ylim(0, pdf.max() * 1.15)
    style_axes(ax, origin=False)


# ---------------------------------------------------------------- information theory


@figure("binary_search_halving", size=(4.2, 3.0))
def binary_search_halving(ax: Any, N: float = 1024, target: float = 700) -> None:
    """Binary search on 1..N: each yes/no answer halves the candidate interval until one number is left."""
    _frame(ax, left=0.12)
    lo, hi = 1, int(N)
    target = int(target)
    rows = [(lo, hi)]
    while lo < hi:
        mid = (lo + hi) // 2
        if target <= mid:
            hi = mid
        else:
            lo = mid + 1
        rows.append((lo, hi))
    total = int(N)
    for i, (a, b) in enumerate(rows):
        y = -i
        ax.barh(y, b - a + 1, left=a - 0.5, height=0.6, color=ORANGE if a == b else BLUE,
                alpha=0.85)
        ax.text(total * 1.02, y, f"{b - a + 1}", va="center", fontsize=7, color=GRAY)
    ax.axvline(target, color=RED, linewidth=0.8, linestyle=":")
    ax.set_xlim(0.5, total * 1.12)
    ax.set_yticks([-i for i in range(len(rows))])
    ax.set_yticklabels([str(i) for i in range(len(rows))], fontsize=7)
    ax.set_ylabel("questions asked")
    ax.set_xlabel("candidates left (bar), count at right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


@figure("surprisal_bars")
def surprisal_bars(ax: Any, probs: Any) -> None:
    """Probabilities p(x) (bars) and surprisals log2 1/p(x) in bits (dots, right axis);
    entropy is their p-weighted mean."""
    _frame(ax, left=0.14, right=0.84)
    p = _vec(probs)
    xs = np.arange(1, len(p) + 1)
    ax.bar(xs, p, color=BLUE, width=0.6)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("p(x)", color=BLUE)
    ax.set_xticks(xs)
    ax.set_xlabel("outcome x")
    style_axes(ax, origin=False)
    ax2 = ax.twinx()
    with np.errstate(divide="ignore"):
        s = np.where(p > 0, -np.log2(np.where(p > 0, p, 1)), np.nan)
    ax2.plot(xs, s, "o", color=ORANGE, markersize=7)
    ax2.set_ylim(0, max(float(np.nanmax(s)), 1.0) * 1.15)
    ax2.set_ylabel("log2 1/p(x) [bits]", color=ORANGE)
    ax2.spines["top"].set_visible(False)


_ENTROPY_DISTS = (np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.6, 0.2, 0.1, 0.1]), np.array([1.0, 0.0, 0.0, 0.0]))


def _bits(p: np.ndarray) -> float:
    nz = p[p > 0]
    return float(-np.sum(nz * np.log2(nz))) + 0.0


def _entropy_compare_claim() -> list[str]:
    """The text's numbers: 2 bits, about 1.57 bits, 0 bits, for the drawn distributions."""
    got = [_bits(p) for p in _ENTROPY_DISTS]
    ok = abs(got[0] - 2) < 1e-12 and abs(got[1] - 1.57) < 0.005 and got[2] == 0
    return [] if ok else [f"the drawn distributions have {', '.join(f'{h:.3f}' for h in got)} bits"]


@figure("entropy_compare", claim=_entropy_compare_claim, size=(5.0, 2.6))
def entropy_compare(ax: Any) -> None:
    """Three distributions on four outcomes: uniform (2 bits), skewed (about 1.57 bits), point mass (0 bits)."""
    dists = list(zip(_ENTROPY_DISTS, (BLUE, ORANGE, GREEN), strict=True))
    fig = ax.figure
    ax.set_position([0.07, 0.2, 0.26, 0.65])
    axes = [ax, fig.add_axes([0.395, 0.2, 0.26, 0.65]), fig.add_axes([0.72, 0.2, 0.26, 0.65])]
    for a, (p, color) in zip(axes, dists, strict=True):
        a.bar(np.arange(1, 5), p, color=color, width=0.6)
        a.set_title(f"H = {_bits(p):.2f} bits", fontsize=9)
        a.set_ylim(0, 1.05)
        a.set_xticks([1, 2, 3, 4])
        style_axes(a, origin=False)


@figure("pq_bars")
def pq_bars(ax: Any, p: Any, q: Any) -> None:
    """Two distributions on the same outcomes side by side: p (blue, the data) and q (orange, the model)."""
    _frame(ax)
    p, q = _vec(p), _vec(q)
    xs = np.arange(1, len(p) + 1)
    ax.bar(xs - 0.18, p, width=0.36, color=BLUE, label="p")
    ax.bar(xs + 0.18, q, width=0.36, color=ORANGE, label="q")
    ax.set_xticks(xs)
    ax.set_xlabel("outcome")
    ax.set_ylim(0, max(float(p.max()), float(q.max())) * 1.2)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    style_axes(ax, origin=False)


@figure("kl_gaussians")
def kl_gaussians(ax: Any, mu1: float = 0, s1: float = 1, mu2: float = 1, s2: float = 1) -> None:
    """Densities p = N(mu1, s1²) (blue) and q = N(mu2, s2²) (orange) with the KL integrand p·log(p/q) shaded."""
    mu1, s1, mu2, s2 = float(mu1), float(s1), float(mu2), float(s2)
    lo = min(mu1 - 4 * s1, mu2 - 3 * s2)
    hi = max(mu1 + 4 * s1, mu2 + 3 * s2)
    x = np.linspace(lo, hi, 500)
    p = np.exp(-((x - mu1) ** 2) / (2 * s1**2)) / (s1 * np.sqrt(2 * np.pi))
    q = np.exp(-((x - mu2) ** 2) / (2 * s2**2)) / (s2 * np.sqrt(2 * np.pi))
    logratio = (np.log(s2 / s1) - (x - mu1) ** 2 / (2 * s1**2) + (x - mu2) ** 2 / (2 * s2**2))
    integrand = p * logratio
    ax.plot(x, p, color=BLUE, linewidth=2, label="p")
    ax.plot(x, q, color=ORANGE, linewidth=2, label="q")
    ax.fill_between(x, integrand, where=integrand >= 0, color=GREEN, alpha=0.35, linewidth=0,
                    label="p log(p/q)")
    ax.fill_between(x, integrand, where=integrand < 0, color=RED, alpha=0.3, linewidth=0)
    top = max(float(p.max()), float(q.max()), float(integrand.max()))
    ax.set_ylim(min(0.0, float(integrand.min())) * 1.1, top * 1.15)
    ax.set_xlim(lo, hi)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    style_axes(ax, origin=False)
    ax.axhline(0, color=GRAY, linewidth=0.8)


@figure("joint_heatmap", size=(3.8, 3.6))
def joint_heatmap(ax: Any, P: Any) -> None:
    """Joint distribution p(x, y) as a heat map (rows x, columns y) with the marginals as bars."""
    J = np.atleast_2d(np.asarray(P, dtype=float))
    m, n = J.shape
    fig = ax.figure
    ax.set_position([0.14, 0.14, 0.56, 0.56])
    top = fig.add_axes([0.14, 0.74, 0.56, 0.2])
    right = fig.add_axes([0.74, 0.14, 0.2, 0.56])
    ax.imshow(J, cmap="Blues", vmin=0, vmax=max(float(J.max()), 1e-9) * 1.25, aspect="auto")
    for i in range(m):
        for j in range(n):
            dark = J[i, j] > 0.6 * J.max()
            ax.text(j, i, _fmt(J[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if dark else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(m))
    ax.set_xlabel("y")
    ax.set_ylabel("x")
    py, px = J.sum(axis=0), J.sum(axis=1)
    top.bar(range(n), py, color=ORANGE, width=0.6)
    top.set_xlim(-0.5, n - 0.5)
    top.set_ylim(0, 1)
    top.set_xticks([])
    top.set_ylabel("p(y)", fontsize=8)
    right.barh(range(m), px, color=GREEN, height=0.6)
    right.set_ylim(m - 0.5, -0.5)
    right.set_xlim(0, 1)
    right.set_xticks([0, 1])
    right.set_yticks([])
    right.set_xlabel("p(x)", fontsize=8)
    for a in (top, right):
        for side in ("top", "right"):
            a.spines[side].set_visible(False)


@figure("info_venn", size=(4.2, 2.8))
def info_venn(ax: Any, hx: float = 1.5, hy: float = 1.2, ixy: float = 0.5, values: float = 1) -> None:
    """Information diagram: circles H(X) and H(Y); their overlap is I(X;Y), the rest H(X|Y) and H(Y|X)."""
    from matplotlib.patches import Circle  # noqa: PLC0415 - matplotlib loads only to draw

    hx, hy, ixy = float(hx), float(hy), float(ixy)
    rx, ry = 1.0, 1.0 * math.sqrt(max(hy, 1e-9) / max(hx, 1e-9))
    ry = min(max(ry, 0.6), 1.4)
    frac = ixy / max(min(hx, hy), 1e-9)
    d = (rx + ry) * (1 - 0.75 * frac) if frac < 0.999 else abs(rx - ry)
    cx, cy = -d / 2, d / 2
    ax.add_patch(Circle((cx, 0), rx, facecolor=BLUE, alpha=0.25, edgecolor=BLUE, linewidth=1.5))
    ax.add_patch(Circle((cy, 0), ry, facecolor=ORANGE, alpha=0.25, edgecolor=ORANGE, linewidth=1.5))
    show = float(values) != 0
    left_x = (cx - rx + min(cy - ry, cx + rx)) / 2
    right_x = (max(cx + rx, cy - ry) + cy + ry) / 2
    mid_x = (max(cx - rx, cy - ry) + min(cx + rx, cy + ry)) / 2
    ax.text(left_x, 0, "H(X|Y)" + (f"\n{hx - ixy:.3f}" if show else ""), ha="center", va="center",
            fontsize=8)
    ax.text(right_x, 0, "H(Y|X)" + (f"\n{hy - ixy:.3f}" if show else ""), ha="center", va="center",
            fontsize=8)
    ax.text(mid_x, 0, "I(X;Y)" + (f"\n{ixy:.3f}" if show else ""), ha="center", va="center",
            fontsize=8, fontweight="bold")
    ax.text(cx, -rx - 0.15, "H(X)", ha="center", va="top", color=BLUE, fontsize=9)
    ax.text(cy, -ry - 0.15, "H(Y)", ha="center", va="top", color=ORANGE, fontsize=9)
    lim = max(abs(cx) + rx, abs(cy) + ry) + 0.1
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-max(rx, ry) - 0.5, max(rx, ry) + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
