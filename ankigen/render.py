"""Render stage: jinja templates (sandboxed, StrictUndefined) → sanitized HTML fields.

Templates use << >> for values and <% %> for statements, so LaTeX braces
never collide with jinja syntax: ``\\( \\frac{<< a >>}{x^{2}} \\)``.
"""

from __future__ import annotations

import math
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

import nh3
from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ankigen import identity
from ankigen.errors import ItemError, Loc
from ankigen.model import Concept, Problem, RenderedNote, Solved, Verified
from ankigen.texsafe import MEDIA_NAME, field_problems, html_problems
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
    "code": {"class"},
}
# Cards never link out (a click on a link in a card is a way out of the sandbox), and media
# are plain file names in the collection's media folder: nothing remote, no paths.
MAX_FIELD = 64 * 1024  # characters of one rendered field
MAX_DIGITS = 30  # places after the point that |dec may show
TEMPLATE_FILTERS = ("abs", "first", "last", "length", "join", "int", "float", "round", "max", "min",
                    "sum", "list", "sort", "reverse", "lower", "upper", "capitalize", "trim")


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
    import sympy as sp  # noqa: PLC0415 - sympy loads only where values are shown

    if isinstance(value, sp.MatrixBase | sp.Basic):
        return str(sp.latex(value, mat_str="bmatrix", mat_delim=""))
    if isinstance(value, float):
        return repr(value)
    raise ItemError(f"cannot show a value of type {type(value).__name__}")


def _signed(value: Any) -> str:
    """'+ 3' or '- 3', for writing a term after another: x^2 << b|signed >> x."""
    s = tex(value)
    if s.startswith("-"):
        return "- " + s[1:].lstrip()
    return "+ " + s


def _dec(value: Any, digits: int = 3) -> str:
    import sympy as sp  # noqa: PLC0415

    places = int(digits)
    if not 0 <= places <= MAX_DIGITS:
        raise SecurityError(f"|dec({digits}): at most {MAX_DIGITS} places")
    return f"{float(sp.N(value, 30)):.{places}f}"


def _set(value: Any) -> str:
    return r"\{" + ", ".join(tex(v) for v in value) + r"\}"


def _coef(value: Any) -> str:
    """A coefficient in front of a symbol: 1 → '', -1 → '-', else the number."""
    s = tex(value)
    return {"1": "", "-1": "-"}.get(s, s)


def _finalize(value: Any) -> str:
    if isinstance(value, Undefined):  # a blocked attribute: raise its own message
        return str(value)
    return tex(value)


class _Sandbox(ImmutableSandboxedEnvironment):
    """jinja's sandbox, with sizes bounded: powers, repeated strings and lists, ranges.

    Intercepted operators are also never folded at compile time, so `<< 9**(9**9) >>`
    cannot hang the compiler either.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple):
            seq, times = (left, right) if isinstance(left, str | list | tuple) else (right, left)
            if isinstance(times, int) and len(seq) * times > MAX_FIELD:
                raise SecurityError(f"a repeated text or list longer than {MAX_FIELD} items")
        return super().call_binop(context, operator, left, right)


def _check_power(base: Any, exp: Any) -> None:
    try:
        e, b = abs(float(exp)), abs(float(base))
    except (TypeError, ValueError, OverflowError):
        return
    if e > 512 or (b > 1 and e * math.log10(b) > 400):
        raise SecurityError(f"{base}**{exp} is too large (at most 400 digits)")


def _range(*args: int) -> range:
    r = range(*args)
    if len(r) > 10_000:
        raise SecurityError("range() is longer than 10000")
    return r


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = _Sandbox(
        variable_start_string="<<", variable_end_string=">>",
        block_start_string="<%", block_end_string="%>",
        comment_start_string="<#", comment_end_string="#>",
        undefined=StrictUndefined, autoescape=False, finalize=_finalize,
        keep_trailing_newline=False,
    )
    env.filters = {name: env.filters[name] for name in TEMPLATE_FILTERS}
    env.filters.update(tex=tex, signed=_signed, dec=_dec, set=_set, coef=_coef)
    env.globals = {"range": _range}
    return env


@lru_cache(maxsize=4096)
def compile_template(text: str) -> Any:
    return environment().from_string(text)


def render_text(text: str, context: dict[str, Any]) -> str:
    """Render a template, stopping as soon as its output passes MAX_FIELD characters."""
    parts: list[str] = []
    size = 0
    try:
        for chunk in compile_template(text).generate(**context):
            size += len(chunk)
            if size > MAX_FIELD:
                raise ItemError(f"the text is longer than {MAX_FIELD // 1024} KB once rendered",
                                  "show fewer or shorter values")
            parts.append(chunk)
    except TemplateError as e:
        raise ItemError(f"template error: {e.message or e}",
                          "check the << >> and <% %> parts of this text") from e
    except (TypeError, ValueError, ArithmeticError, LookupError, RecursionError, MemoryError) as e:
        raise ItemError(f"template error: {_reason(e)}",
                          "templates only show values: compute them under derived") from e
    return "".join(parts)


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if "integer string conversion" in text:
        return "a value has more than 4300 digits"
    return text if len(text) <= 200 else text[:199] + "…"


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Keep an allowed attribute unless it is a media src that is not a plain file name."""
    if name == "src" and not MEDIA_NAME.fullmatch(value):
        return None
    return value


def clean_html(html: str) -> str:
    """Make author HTML safe for Anki: no scripts, handlers, links or remote resources."""
    html = escape_math_comparisons(html.strip())
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, attribute_filter=_attribute,
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
    where = Loc(f"{path.parent.parent.name}/fields/{path.name}")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FIELD + 1)
        if len(raw) > MAX_FIELD:
            raise where.error(f"the footer template is larger than {MAX_FIELD // 1024} KB",
                              hint="keep it to one short line")
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise where.error(f"cannot read the footer template: {getattr(e, 'strerror', None) or e}",
                          hint="make it a readable UTF-8 file") from e


def footer(templates: Path, item_id: str, seed: int | None, slot: int) -> str:
    """The Source field; its errors name templates/fields/source.html, not the item. Concepts and
    clozes pass seed=None: a seed in their footer would change every note at each regeneration."""
    text = _footer_template(templates / "fields" / "source.html")
    where, item = Loc(f"{templates.name}/fields/source.html"), f"rendering for '{item_id}'"
    try:
        out = clean_html(render_text(text, {"id": item_id, "seed": seed, "slot": slot}))
    except ItemError as e:
        raise where.error(e.message, item=item, hint=e.hint) from e
    for msg, hint in field_problems(out) + html_problems(out):
        raise where.error(msg, item=item, hint=hint)
    return out


def _tags(topic_id: str, kind: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    area, name = topic_id.split("/", 1)
    tags = [f"ankigen::area::{area}", f"ankigen::topic::{area}::{name}", f"ankigen::kind::{kind}"]
    tags.extend(f"ankigen::tag::{t}" for t in extra)
    return tuple(tags)


def render_concept(concept: Concept, deck: str, seed: int, templates: Path) -> RenderedNote:
    """A concept or cloze note; its figure field stays empty for the draw stage (`draw.attach`)."""
    src = footer(templates, concept.id, None, 0)
    fields: tuple[tuple[str, str], ...]
    if concept.kind == "cloze":
        fields = (("Text", clean_html(_lines(concept.text))), ("Extra", clean_html(_lines(concept.extra))),
                  ("Figure", ""), ("Source", src))
        note_type = "cloze"
    else:
        fields = (("Front", clean_html(_lines(concept.front))), ("FrontFigure", ""),
                  ("Back", clean_html(_lines(concept.back))), ("BackFigure", ""), ("Source", src))
        note_type = "concept"
    return RenderedNote(
        item_id=concept.id, note_type=note_type, guid=identity.guid(concept.id, 0), deck=deck,
        fields=fields, tags=_tags(concept.topic, note_type, concept.tags), seed=seed, slot=0,
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


def render_problem(verified: Verified, deck: str, templates: Path) -> RenderedNote:
    """One variant's fields; its figure field stays empty for the draw stage (`draw.attach`)."""
    problem: Problem = verified.solved.problem
    draw = verified.solved.draw
    ctx = problem_context(verified.solved)
    question = clean_html(_lines(render_text(problem.question, ctx)) + _form_html(problem.form))
    answer = verified.answer_html
    solution = verified.solution_html or solution_html(verified.solved)
    src = footer(templates, problem.id, draw.seed, draw.slot)
    fields = (("Question", question), ("QuestionFigure", ""), ("Answer", answer),
              ("Solution", solution), ("AnswerFigure", ""), ("Source", src))
    return RenderedNote(
        item_id=problem.id, note_type="problem", guid=identity.guid(problem.id, draw.slot),
        deck=deck, fields=fields, tags=_tags(problem.topic, "problem", problem.tags),
        seed=draw.seed, slot=draw.slot,
    )
