"""Draw stage: a figure's spec and the variant's values → checked SVG media (`figure`).

The draw stage owns a figure from its spec (`FigureSpec`, as loaded) to its media: it
evaluates the arguments, bounds them, runs the kind's claim, draws, and bounds the SVG.
`attach` then puts the image into the note's figure field.

Figures use a fixed layout (no tight_layout passes), paths for text (no font
dependence) and a fixed SVG hash salt, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from html import escape
from typing import Any, Protocol

import numpy as np

from ankigen import identity
from ankigen.errors import ItemError, Variant
from ankigen.figures import REGISTRY
from ankigen.model import Concept, FigureSpec, FinalNote, Loc, Media, Problem, RenderedNote

MEDIA_PREFIX = "ankigen-"
MAX_FIGURE_NUMBER = 1e6  # a figure argument's magnitude: counts of steps, points, samples
MAX_FIGURE_ENTRIES = 10_000  # entries of an array argument
MAX_MEDIA = 4 << 20  # bytes of one figure's SVG

Args = tuple[tuple[str, Any], ...]


class FigureStore(Protocol):
    def get(self, token: str) -> Media | None: ...

    def put(self, token: str, media: Media) -> None: ...


def figure(item: Concept | Problem, values: Mapping[str, Any], variant: Variant, *,
           store: FigureStore | None = None, drawing: bool = True) -> Media | None:
    """The item's figure for one variant: arguments evaluated from `values` and bounded, the kind's
    claim checked, then drawn (or taken from `store`) and its size bounded.

    None when the item has no figure, or when not `drawing` (`check` checks every claim but
    draws only a few seeds).
    """
    spec = item.figure
    if spec is None:
        return None
    label = item_label(item)
    args = figure_args(spec, values, label)
    _check_args(args, spec.loc, label, variant)
    # a concept has one variant: its claim message names none (its bound messages do, slot 0)
    check_claims(spec, args, label, variant if isinstance(item, Problem) else None)
    if not drawing:
        return None
    media = draw_figure(spec, args, label, store)
    if len(media.data) > MAX_MEDIA:
        raise spec.loc.error(f"the figure is larger than {MAX_MEDIA >> 20} MB", item=label,
                             hint="draw fewer points or steps", variant=variant)
    return media


def item_label(item: Concept | Problem) -> str:
    return f"{'problem' if isinstance(item, Problem) else 'concept'} '{item.id}'"


def figure_args(spec: FigureSpec, values: Mapping[str, Any], label: str) -> Args:
    """Evaluate a figure's argument expressions exactly, then convert them for plotting."""
    from ankigen.exact import exact_evaluator  # noqa: PLC0415 - sympy
    from ankigen.numeric import SymbolicFunction, to_numeric  # noqa: PLC0415 - sympy

    namespace, out = dict(values), []
    for name, ex in spec.args:
        try:
            value = to_numeric(exact_evaluator(namespace).eval(ex))
        except ItemError as e:
            raise spec.loc.error(f"figure argument '{name}': {e.message}", item=label, hint=e.hint) from e
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
        arrays = [np.asarray(x, dtype=float) for x in xs]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        return np.broadcast_to(np.asarray(self._sf.fn(*arrays), dtype=float), shape)


def _check_args(args: Args, loc: Loc, label: str, variant: Variant) -> None:
    """Figure arguments bounded before drawing: a kind's loop runs as often as they say."""
    for name, value in args:
        for v in value if isinstance(value, list) else [value]:
            if not isinstance(v, int | float | np.number | np.ndarray) or isinstance(v, bool):
                continue
            a = np.asarray(v)
            if a.size > MAX_FIGURE_ENTRIES:
                raise loc.error(f"figure argument '{name}' has more than {MAX_FIGURE_ENTRIES} entries",
                                item=label, hint="pass fewer points", variant=variant)
            if a.size and not np.iscomplexobj(a) and not (
                    np.all(np.isfinite(a)) and np.max(np.abs(a)) <= MAX_FIGURE_NUMBER):
                raise loc.error(f"figure argument '{name}' is not a finite number within ±{MAX_FIGURE_NUMBER:g}",
                                item=label, variant=variant,
                                hint="figures take moderate values; counts like steps or points must be small")


def check_claims(spec: FigureSpec, args: Args, label: str, variant: Variant | None) -> None:
    """Run the figure kind's claim over its own data: a figure must not contradict its text."""
    claim = REGISTRY[spec.kind].claim
    if claim is None:
        return
    try:
        broken = claim(**dict(args))
    except Exception as e:  # the claim computes what the figure draws; report it like a failed figure
        broken = [f"its claim could not be computed: {type(e).__name__}: {e}"]
    if broken:
        where = f" ({variant.label})" if variant is not None else ""
        raise spec.loc.error(f"figure '{spec.kind}' contradicts its text{where}: {'; '.join(broken)}",
                             item=label,
                             hint="choose arguments for which the claim holds, or change what the text claims")


def draw_figure(spec: FigureSpec, args: Args, label: str, store: FigureStore | None = None) -> Media:
    """Draw a figure, or take it from the store when the same inputs were drawn before."""
    token = figure_token(spec.kind, args) if store is not None else None
    if store is not None and token is not None:
        hit = store.get(token)
        if hit is not None:
            return hit
    try:
        data = render_svg(spec.kind, dict(args))
    except Exception as e:  # a figure function can fail in many ways; report it as the user's
        raise spec.loc.error(f"figure '{spec.kind}' failed to draw: {type(e).__name__}: {e}", item=label,
                             hint="check the figure's arguments") from e
    media = Media(media_name(data), data)
    if store is not None and token is not None:
        store.put(token, media)
    return media


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
    import matplotlib.text as mtext  # noqa: PLC0415 - matplotlib only where figures are drawn

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
    """The SVG bytes of one figure kind drawn with these arguments."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # noqa: PLC0415

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
    from matplotlib.ticker import AutoLocator, LogLocator, MaxNLocator, NullLocator  # noqa: PLC0415

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


def figure_token(kind: str, args: Args) -> str | None:
    """An exact text of a figure's inputs, to look it up in the cache; None if not expressible."""
    parts = [(name, _token(value)) for name, value in args]
    if any(t is None for _, t in parts):
        return None
    return kind + "(" + ";".join(f"{name}={t}" for name, t in parts) + ")"


def _token(v: Any) -> str | None:
    """One argument as exact text; None for a value that has none (drawn, never cached)."""
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
        parts = [_token(x) for x in v]
        return None if None in parts else "[" + ",".join(p for p in parts if p is not None) + "]"
    return None


# The field that shows the figure, by note type and the figure's side.
FIGURE_FIELDS = {
    ("concept", "front"): "FrontFigure", ("concept", "back"): "BackFigure",
    ("cloze", "front"): "Figure", ("cloze", "back"): "Figure",
    ("problem", "front"): "QuestionFigure", ("problem", "back"): "AnswerFigure",
}


def attach(note: RenderedNote, spec: FigureSpec | None, media: Media | None) -> FinalNote:
    """The note with its figure as an image in the figure field of its side."""
    fields = note.fields
    names: tuple[str, ...] = ()
    if media is not None and spec is not None:
        tag = f'<img class="ankigen-figure" src="{media.name}" alt="{escape(spec.alt, quote=True)}">'
        field = FIGURE_FIELDS[note.note_type, spec.side]
        fields = tuple((k, tag if k == field else v) for k, v in fields)
        names = (media.name,)
    return FinalNote(note.item_id, note.note_type, note.guid, note.deck, fields, note.tags,
                     note.seed, note.slot, names)
