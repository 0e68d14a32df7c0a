"""K variants in one problem note: the checker spec of each variant and the Variants field.

A problem note shows variant 0 in its ordinary fields (what a card without JavaScript
shows); variants 1..K-1 travel in the Variants field, one
``<div class="ankigen-variant" data-variant="k">`` each with ``.v-question``, ...
parts, which practice.js swaps in; the Check field holds every variant's spec.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import sympy as sp

from ankigen.answers import SpecError, collisions, overrides_for_form, spec_for
from ankigen.errors import ItemError
from ankigen.exact import exact_evaluator
from ankigen.model import Problem

# the note's variant fields and the class of their part in a Variants div
PARTS = (("Question", "v-question"), ("QuestionFigure", "v-question-figure"), ("Answer", "v-answer"),
         ("Solution", "v-solution"), ("AnswerFigure", "v-answer-figure"), ("Source", "v-source"))


def _mistakes(problem: Problem, ns: dict[str, Any], box: str) -> list[tuple[Any, str]]:
    """Each declared mistake for this box, evaluated exactly over the solved namespace."""
    out = []
    for m in problem.mistakes:
        if m.answer != box:
            continue
        try:
            out.append((exact_evaluator(ns).eval(m.value), m.message))
        except ItemError as e:
            raise m.loc.error(f"mistake value '{m.value.text}': {e.message}", item=f"problem '{problem.id}'",
                              hint=e.hint) from e
    return out


def variant_spec(problem: Problem, ns: dict[str, Any], point_seed: int) -> tuple[dict[str, Any], int]:
    """The checker spec of one variant, and how many mistakes coincide with the correct answer."""
    boxes = []
    hits = 0
    form = overrides_for_form(problem.form)
    for box in problem.answers:
        if _nonreal(ns[box.name]):
            continue  # the judge reads real numbers only: a complex result stays self-graded
        tol = {k: getattr(box, k) for k in ("rtol", "atol", "sig", "close_rtol")
               if getattr(box, k) is not None}
        try:
            entry = spec_for(ns[box.name], name=box.name, label=box.label, kind=box.kind or None,
                             variables=sorted(problem.symbols) or None,
                             mistakes=_mistakes(problem, ns, box.name), seed=point_seed,
                             **{**form, **tol})
        except (SpecError, ValueError, OverflowError) as e:
            raise problem.loc.error(f"answer box '{box.name}': {e}", item=f"problem '{problem.id}'",
                                    hint="declare its kind under answers:, or fix the mistake values") from e
        hits += len(collisions(entry))
        boxes.append(entry)
    return {"answers": boxes}, hits


def _nonreal(value: Any) -> bool:
    """True if the value (or an entry of it) has a nonzero imaginary part."""
    entries = list(value) if isinstance(value, list | tuple | sp.MatrixBase) else [value]
    for v in entries:
        if isinstance(v, list | tuple | sp.MatrixBase):
            if _nonreal(v):
                return True
        elif (isinstance(v, sp.Basic) and not v.free_symbols and v.is_real is False) or \
                (isinstance(v, complex) and v.imag != 0):
            return True
    return False


def variants_html(variants: list[tuple[int, dict[str, str]]]) -> str:
    """The Variants field: one div per extra variant, its parts in PARTS order."""
    out = []
    for k, fields in variants:
        parts = "".join(f'<div class="{cls}">{fields.get(name, "")}</div>' for name, cls in PARTS)
        out.append(f'<div class="ankigen-variant" data-variant="{k}">{parts}</div>')
    return "".join(out)


class _Splitter(HTMLParser):
    """Reads back the Variants field this module wrote (nested divs inside the parts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.variants: list[tuple[int, dict[str, str]]] = []
        self.depth = 0
        self.part: str | None = None
        self.buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div" and self.depth == 0 and a.get("class") == "ankigen-variant":
            self.variants.append((int(a.get("data-variant") or 0), {}))
        elif tag == "div" and self.depth == 1:
            self.part = next(n for n, c in PARTS if c == a.get("class"))
            self.buf = []
        else:
            self.buf.append(self.get_starttag_text() or "")
        if tag == "div":
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.buf.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.depth -= 1
            if self.depth == 1 and self.part is not None:
                self.variants[-1][1][self.part] = "".join(self.buf)
                self.part = None
                return
            if self.depth < 2:
                return
        self.buf.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.buf.append(data)

    def handle_entityref(self, name: str) -> None:
        self.buf.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.buf.append(f"&#{name};")


def split_variants(html: str) -> list[tuple[int, dict[str, str]]]:
    """The extra variants of a Variants field, as (k, fields) in order."""
    p = _Splitter()
    p.feed(html)
    p.close()
    return p.variants


def all_variants(fields: dict[str, str], first: int = 0) -> list[tuple[int, dict[str, str]]]:
    """Every variant of a problem note: the first from the ordinary fields, then the rest."""
    return [(first, {n: fields.get(n, "") for n, _ in PARTS}), *split_variants(fields.get("Variants", ""))]
