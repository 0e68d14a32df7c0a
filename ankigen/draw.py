"""Draw stage: figure requests → SVG media with content-hashed names.

Figures use a fixed layout (no tight_layout passes), paths for text (no font
dependence) and a fixed SVG hash salt, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
from typing import Any, Protocol

from ankigen import identity
from ankigen.errors import Issue, ItemError, UserError
from ankigen.model import FigureRequest, FigureSpec, FinalNote, Loc, Media, RenderedNote

MEDIA_PREFIX = "ankigen-"


def figure_args(spec: FigureSpec, namespace: dict[str, Any], item: str) -> tuple[tuple[str, Any], ...]:
    """Evaluate a figure's argument expressions exactly, then convert them for plotting."""
    from ankigen.exact import exact_evaluator
    from ankigen.numeric import SymbolicFunction, to_numeric

    out = []
    for name, ex in spec.args:
        try:
            value = to_numeric(exact_evaluator(namespace).eval(ex))
        except ItemError as e:
            raise _error(spec.loc, item, f"figure argument '{name}': {e.message}", e.hint) from e
        out.append((name, _plottable(value, SymbolicFunction)))
    return tuple(out)


def _plottable(value: Any, symbolic: type) -> Any:
    """Functions of symbols, also inside lists (several curves), become Plottables."""
    if isinstance(value, symbolic):
        return Plottable(value)
    if isinstance(value, list):
        return [_plottable(v, symbolic) for v in value]
    return value


class Plottable:
    """A function of the problem's symbols, as figure code receives it.

    Vectorized over numpy arrays; `names` are its symbols in the order they are
    passed (alphabetical), so a figure can tell which variables it depends on.
    """

    def __init__(self, sf: Any):
        self.names: tuple[str, ...] = tuple(sf.names)
        self._sf = sf

    @property
    def source(self) -> str:
        return str(self._sf.source)

    def __call__(self, *xs: Any) -> Any:
        import numpy as np

        arrays = [np.asarray(x, dtype=float) for x in xs]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        return np.broadcast_to(np.asarray(self._sf.fn(*arrays), dtype=float), shape)


def _error(loc: Loc, item: str, message: str, hint: str | None) -> UserError:
    return UserError([Issue(message, path=loc.path, line=loc.line, column=loc.column, item=item,
                            hint=hint)])


_RC: dict[str, Any] = {
    "svg.hashsalt": "ankigen",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.linewidth": 0.8,
    "path.simplify": True,
}


_TEXT_CACHE: dict[str, Any] = {}


def share_text_metrics(enabled: bool = True) -> None:
    """Measure each label once per process instead of once per figure.

    matplotlib caches text extents and parsed mathtext per renderer, and every savefig makes
    a new renderer, so each figure re-measures the same tick labels (~8% of drawing time).
    The shared cache keys on everything a measurement depends on (renderer class, text, font
    properties, math mode, dpi), so the SVG bytes are unchanged (tests/test_draw.py checks).
    Without the private hooks this expects (another matplotlib), figures are just slower.
    """
    import matplotlib.text as mtext

    if not enabled:
        if _TEXT_CACHE:
            setattr(mtext, "_get_text_metrics_with_cache", _TEXT_CACHE.pop("metrics"))  # noqa: B010
            setattr(mtext, "TextToPath", _TEXT_CACHE.pop("text2path"))  # noqa: B010
            _TEXT_CACHE.clear()
        return
    original = getattr(mtext, "_get_text_metrics_with_cache", None)
    if _TEXT_CACHE or original is None or not isinstance(getattr(mtext, "TextToPath", None), type):
        return
    shared = mtext.TextToPath()  # its mathtext parser keeps its parse cache across figures
    sizes: dict[tuple[Any, ...], Any] = {}

    def metrics(renderer: Any, text: str, fontprop: Any, ismath: Any, dpi: float) -> Any:
        key = (type(renderer), text, fontprop.copy(), ismath, dpi)
        if key not in sizes:
            sizes[key] = renderer.get_text_width_height_descent(text, fontprop, ismath)
        return sizes[key]

    _TEXT_CACHE.update(metrics=original, text2path=mtext.TextToPath)
    setattr(mtext, "_get_text_metrics_with_cache", metrics)  # noqa: B010
    setattr(mtext, "TextToPath", lambda: shared)  # noqa: B010 - renderers take theirs from here


def render_svg(kind_name: str, args: dict[str, Any], share_text: bool = True) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from ankigen.figures import REGISTRY

    if share_text:
        share_text_metrics()

    kind = REGISTRY[kind_name]
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=kind.size, dpi=100)
        fig.subplots_adjust(left=0.13, right=0.96, bottom=0.13, top=0.95)
        ax = fig.add_subplot(projection=kind.projection) if kind.projection else fig.add_subplot()
        kind.fn(ax, **args)
        _fewer_ticks(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None}, transparent=True)
    return buf.getvalue()


def _fewer_ticks(fig: Any) -> None:
    """At most ~6 ticks per axis where the kind kept matplotlib's default locator.

    Readable on a phone, and ticks are the most expensive part of drawing a figure.
    """
    from matplotlib.ticker import AutoLocator, LogLocator, MaxNLocator, NullLocator

    for ax in fig.axes:
        if getattr(ax, "name", "") != "rectilinear":
            continue
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_locator()) is AutoLocator:
                axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
            if isinstance(axis.get_minor_locator(), LogLocator):
                axis.set_minor_locator(NullLocator())  # dozens of unlabeled ticks per decade


def media_name(data: bytes) -> str:
    return f"{MEDIA_PREFIX}{identity.content_hash(data)[:20]}.svg"


def figure_token(kind: str, args: tuple[tuple[str, Any], ...]) -> str | None:
    """An exact text of a figure's inputs, to look it up in the cache; None if not expressible."""
    import numpy as np

    def token(v: Any) -> str | None:
        if isinstance(v, Plottable):
            return f"fn({','.join(v.names)};{v.source})" if v.source else None
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return repr(v)
        if isinstance(v, int | np.integer):
            return f"i{int(v)}"
        if isinstance(v, float | np.floating):
            return f"f{float(v).hex()}"
        if isinstance(v, complex | np.complexfloating):
            return f"c{complex(v).real.hex()},{complex(v).imag.hex()}"
        if isinstance(v, np.ndarray) and v.dtype.kind in "biufc":
            return f"a{v.dtype.str}{v.shape}{v.tobytes().hex()}"
        if isinstance(v, list | tuple):
            parts = [token(x) for x in v]
            return None if None in parts else "[" + ",".join(p for p in parts if p is not None) + "]"
        return None

    parts = [(name, token(value)) for name, value in args]
    if any(t is None for _, t in parts):
        return None
    return kind + "(" + ";".join(f"{name}={t}" for name, t in parts) + ")"


class FigureStore(Protocol):
    def get(self, token: str) -> Media | None: ...

    def put(self, token: str, media: Media) -> None: ...


def check_claims(request: FigureRequest, loc: Loc, where: str = "") -> None:
    """Run the figure kind's claim over its own data: a figure must not contradict its text."""
    from ankigen.figures import REGISTRY

    kind = REGISTRY.get(request.kind)
    if kind is None or kind.claim is None:
        return
    try:
        broken = kind.claim(**dict(request.args))
    except Exception as e:  # the claim computes what the figure draws; report it like a failed figure
        broken = [f"its claim could not be computed: {type(e).__name__}: {e}"]
    if broken:
        raise _error(loc, request.label,
                     f"figure '{request.kind}' contradicts its text{where}: {'; '.join(broken)}",
                     "choose arguments for which the claim holds, or change what the text claims")


def draw_figure(request: FigureRequest, loc: Loc, store: FigureStore | None = None) -> Media:
    """Draw a figure, or take it from the store when the same inputs were drawn before."""
    token = figure_token(request.kind, request.args) if store is not None else None
    if store is not None and token is not None:
        hit = store.get(token)
        if hit is not None:
            return hit
    try:
        data = render_svg(request.kind, dict(request.args))
    except Exception as e:  # a figure function can fail in many ways; report it as the user's
        raise _error(loc, request.label,
                     f"figure '{request.kind}' failed to draw: {type(e).__name__}: {e}",
                     "check the figure's arguments") from e
    media = Media(media_name(data), data)
    if store is not None and token is not None:
        store.put(token, media)
    return media


def attach(note: RenderedNote, media: Media | None) -> FinalNote:
    fields = note.fields
    names: tuple[str, ...] = ()
    if media is not None and note.figure is not None:
        from html import escape

        tag = (f'<img class="ankigen-figure" src="{media.name}" '
               f'alt="{escape(note.figure.alt, quote=True)}">')
        fields = tuple((k, tag if k == note.figure.field else v) for k, v in fields)
        names = (media.name,)
    return FinalNote(note.item_id, note.note_type, note.guid, note.deck, fields, note.tags,
                     note.seed, note.slot, names)
