"""Render stage: jinja templates (sandboxed, StrictUndefined) → sanitized HTML fields.

Templates use << >> for values and <% %> for statements, so LaTeX braces
never collide with jinja syntax: ``\\( \\frac{<< a >>}{x^{2}} \\)``.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

import nh3
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ankigen import identity
from ankigen.errors import AnkigenError
from ankigen.model import Concept, FigureRequest, Problem, RenderedNote, Solved, Verified
from ankigen.texutil import escape_math_comparisons

ALLOWED_TAGS = {
    "a", "b", "i", "u", "em", "strong", "sub", "sup", "br", "p", "div", "span", "ul", "ol",
    "li", "table", "thead", "tbody", "tr", "th", "td", "img", "code", "pre", "hr", "small",
    "blockquote", "h3", "h4",
}
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "class", "width", "height"},
    "span": {"class"}, "div": {"class"}, "td": {"class", "colspan", "rowspan"},
    "th": {"class", "colspan", "rowspan"}, "table": {"class"}, "p": {"class"},
    "a": {"href"}, "code": {"class"},
}


class RenderError(AnkigenError):
    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        self.message, self.hint = message, hint
        super().__init__(message)


def tex(value: Any) -> str:
    """LaTeX for a value: sympy objects via sympy.latex, numbers plainly."""
    if isinstance(value, bool):
        return r"\text{true}" if value else r"\text{false}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(tex(v) for v in value)
    import sympy as sp

    if isinstance(value, sp.MatrixBase | sp.Basic):
        return sp.latex(value, mat_str="bmatrix", mat_delim="")
    if isinstance(value, float):
        return repr(value)
    raise RenderError(f"cannot show a value of type {type(value).__name__}")


def _signed(value: Any) -> str:
    """'+ 3' or '- 3', for writing a term after another: x^2 << b|signed >> x."""
    s = tex(value)
    if s.startswith("-"):
        return "- " + s[1:].lstrip()
    return "+ " + s


def _dec(value: Any, digits: int = 3) -> str:
    import sympy as sp

    return f"{float(sp.N(value, 30)):.{int(digits)}f}"


def _set(value: Any) -> str:
    return r"\{" + ", ".join(tex(v) for v in value) + r"\}"


def _coef(value: Any) -> str:
    """A coefficient in front of a symbol: 1 → '', -1 → '-', else the number."""
    s = tex(value)
    return {"1": "", "-1": "-"}.get(s, s)


def _finalize(value: Any) -> str:
    return tex(value)


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        variable_start_string="<<", variable_end_string=">>",
        block_start_string="<%", block_end_string="%>",
        comment_start_string="<#", comment_end_string="#>",
        undefined=StrictUndefined, autoescape=False, finalize=_finalize,
        keep_trailing_newline=False,
    )
    env.filters.update(tex=tex, signed=_signed, dec=_dec, set=_set, coef=_coef)
    return env


@lru_cache(maxsize=4096)
def compile_template(text: str) -> Any:
    return environment().from_string(text)


def render_text(text: str, context: dict[str, Any]) -> str:
    try:
        return str(compile_template(text).render(**context))
    except TemplateError as e:
        raise RenderError(f"template error: {e.message or e}",
                          "check the << >> and <% %> parts of this text") from e


def clean_html(html: str) -> str:
    """Make author HTML safe for Anki: no scripts, handlers or remote resources."""
    html = escape_math_comparisons(html.strip())
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(), link_rel=None, strip_comments=True,
    )


def _lines(text: str) -> str:
    """Blank lines in sources separate paragraphs."""
    parts = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    if len(parts) <= 1:
        return text.strip()
    return "".join(f"<p>{p}</p>" for p in parts)


@lru_cache(maxsize=8)
def _footer_template(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def footer(templates: Path, item_id: str, seed: int | None, slot: int) -> str:
    """The Source field. Concepts and clozes pass seed=None: they do not depend on it, and a
    seed in their footer would change every note at each regeneration."""
    text = _footer_template(templates / "fields" / "source.html")
    return render_text(text, {"id": item_id, "seed": seed, "slot": slot})


def _tags(topic_id: str, kind: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    area, name = topic_id.split("/", 1)
    tags = [f"ankigen::area::{area}", f"ankigen::topic::{area}::{name}", f"ankigen::kind::{kind}"]
    tags.extend(f"ankigen::tag::{t}" for t in extra)
    return tuple(tags)


def render_concept(concept: Concept, deck: str, seed: int, templates: Path,
                   figure_args: tuple[tuple[str, Any], ...] = ()) -> RenderedNote:
    src = footer(templates, concept.id, None, 0)
    fig = None
    if concept.figure is not None:
        fig = FigureRequest(concept.figure.kind, figure_args,
                            "FrontFigure" if concept.figure.side == "front" else "BackFigure",
                            concept.figure.alt, concept.id)
    fields: tuple[tuple[str, str], ...]
    if concept.kind == "cloze":
        fields = (("Text", clean_html(_lines(concept.text))), ("Extra", clean_html(_lines(concept.extra))),
                  ("Figure", ""), ("Source", src))
        if fig is not None:
            fig = FigureRequest(fig.kind, fig.args, "Figure", fig.alt, fig.item_id)
        note_type = "cloze"
    else:
        fields = (("Front", clean_html(_lines(concept.front))), ("FrontFigure", ""),
                  ("Back", clean_html(_lines(concept.back))), ("BackFigure", ""), ("Source", src))
        note_type = "concept"
    return RenderedNote(
        item_id=concept.id, note_type=note_type, guid=identity.guid(concept.id, 0), deck=deck,
        fields=fields, tags=_tags(concept.topic, note_type, concept.tags), seed=seed, slot=0,
        figure=fig,
    )


def problem_context(solved: Solved) -> dict[str, Any]:
    ns = solved.namespace()
    ns.update(id=solved.problem.id, seed=solved.draw.seed, slot=solved.draw.slot)
    return ns


def answer_html(solved: Solved) -> str:
    """The Answer field exactly as the card will show it (verification reads this)."""
    return clean_html(_lines(render_text(solved.problem.answer, problem_context(solved))))


def solution_html(solved: Solved) -> str:
    """The Solution field exactly as the card will show it (intermediate values are checked here)."""
    return clean_html(_lines(render_text(solved.problem.solution, problem_context(solved))))


def _form_html(form: str) -> str:
    return f'<div class="answer-form">Answer form: {escape(form)}</div>' if form else ""


def render_problem(verified: Verified, deck: str, templates: Path,
                   figure_args: tuple[tuple[str, Any], ...] = ()) -> RenderedNote:
    problem: Problem = verified.solved.problem
    draw = verified.solved.draw
    ctx = problem_context(verified.solved)
    question = clean_html(_lines(render_text(problem.question, ctx)) + _form_html(problem.form))
    answer = verified.answer_html
    solution = verified.solution_html or solution_html(verified.solved)
    src = footer(templates, problem.id, draw.seed, draw.slot)
    fig = None
    if problem.figure is not None:
        fig = FigureRequest(problem.figure.kind, figure_args,
                            "QuestionFigure" if problem.figure.side == "front" else "AnswerFigure",
                            problem.figure.alt, problem.id)
    fields = (("Question", question), ("QuestionFigure", ""), ("Answer", answer),
              ("Solution", solution), ("AnswerFigure", ""), ("Source", src))
    return RenderedNote(
        item_id=problem.id, note_type="problem", guid=identity.guid(problem.id, draw.slot),
        deck=deck, fields=fields, tags=_tags(problem.topic, "problem", problem.tags),
        seed=draw.seed, slot=draw.slot, figure=fig,
    )
