"""Figure kinds: each is a function `draw(ax, **args)` registered under a name.

Modules in this package register kinds with @figure; every module here is
imported (sorted by name) so adding a kind means adding a function, nothing else.
Arguments arrive as floats, numpy arrays, or callables for functions of one
symbol (vectorized over numpy arrays).

A kind whose text makes a claim about its own data (faster, larger, converges,
tangent) registers `claim=`: a function of the same arguments returning what does
not hold (empty when all is well). Build and check run it on every figure they make.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Colors that stay distinguishable in light mode and after night-mode inversion.
BLUE, ORANGE, GREEN, RED, PURPLE, GRAY = "#1f6fb4", "#e07b00", "#2a9d3a", "#c8312c", "#7b4ab8", "#666666"
PALETTE = (BLUE, ORANGE, GREEN, RED, PURPLE, GRAY)


@dataclass(frozen=True)
class FigureKind:
    name: str
    title: str
    fn: Callable[..., None]
    params: tuple[str, ...]
    required: tuple[str, ...]
    projection: str | None
    size: tuple[float, float]
    claim: Callable[..., list[str]] | None = None


REGISTRY: dict[str, FigureKind] = {}


def figure(name: str, *, projection: str | None = None, size: tuple[float, float] = (4.0, 3.0),
           claim: Callable[..., list[str]] | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if name in REGISTRY:
            raise RuntimeError(f"figure kind {name!r} registered twice")
        sig = inspect.signature(fn)
        names = list(sig.parameters)[1:]
        required = tuple(n for n in names if sig.parameters[n].default is inspect.Parameter.empty)
        title = _title(fn.__doc__ or name)
        if claim is not None and list(inspect.signature(claim).parameters) != names:
            raise RuntimeError(f"the claim of figure kind {name!r} must take the same arguments")
        REGISTRY[name] = FigureKind(name, title, fn, tuple(names), required, projection, size, claim)
        return fn

    return register


def _title(doc: str) -> str:
    """A kind's docstring's first paragraph, on one line: its title in `ankigen figures` and
    the default alt text of its figures."""
    return " ".join(line.strip() for line in doc.strip().split("\n\n")[0].splitlines())


def style_axes(ax: Any, *, grid: bool = True, origin: bool = True) -> None:
    """Shared look: light grid, axis lines through the origin when visible."""
    if grid:
        ax.grid(True, color="#bbbbbb", linewidth=0.5, alpha=0.6)
    if origin:
        ax.axhline(0, color=GRAY, linewidth=0.8)
        ax.axvline(0, color=GRAY, linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _load_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_load_all()
