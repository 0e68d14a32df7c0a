"""Load stage, problem part: parameters, derived values, templates and independent checks.

Names are defined once (symbols, params, derived); derived values may be written in any
order and are kept in dependency order; a check may use only what the question shows.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Any

from ankigen import expr as E
from ankigen.load_checks import (
    check_latex,
    check_names,
    check_template,
    conditions,
    dependency_order,
    figure,
    functions,
    parse_expr,
)
from ankigen.load_practice import answer_boxes, mistakes
from ankigen.load_shape import (
    Ctx,
    check_keys,
    defines,
    digest,
    each_map,
    tags,
    text,
    text_list,
    tolerance,
    type_name,
)
from ankigen.model import CheckItem, Loc, Param, Problem
from ankigen.texsafe import source_problems
from ankigen.yamlpos import Map, Pos, Seq

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
RESERVED = {"id", "seed", "slot"}
PROBLEM_KEYS = {"id": True, "symbols": False, "params": True, "constraints": False,
                "derived": False, "given": False, "question": True, "answer": True,
                "solution": True, "figure": False, "check": True, "tags": False,
                "form": False, "defines": False, "small": False, "degenerate": False,
                "answers": False, "mistakes": False}
CHECK_KEYS = {"shown": True, "expect": True, "tol": False, "in": False}
CHECK_FIELDS = ("answer", "solution")
PARAM_KEYS = {"int": False, "choice": False}
TEXT_KEYS = ("question", "answer", "solution")


class _Names:
    """The names a problem defines, each once; `known` also holds the exact constants."""

    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.fns, consts, _, _ = functions()
        self.reserved = RESERVED | self.fns | consts
        self.defined: list[str] = []
        self.known: set[str] = set(consts)

    def define(self, name: Any, pos: Pos, what: str) -> bool:
        if not isinstance(name, str) or not NAME_RE.match(name):
            self.ctx.at(pos, f"{what} name '{name}' is not a simple name",
                        "use letters and digits, starting with a letter")
            return False
        if keyword.iskeyword(name):
            self.ctx.at(pos, f"{what} name '{name}' is a Python keyword",
                        "write lamda for λ: sympy prints it as \\lambda" if name == "lambda" else "choose another name")
            return False
        if name in self.reserved:
            self.ctx.at(pos, f"{what} name '{name}' is reserved", "choose another name")
            return False
        if name in self.defined:
            self.ctx.at(pos, f"'{name}' is defined twice", "rename one of them")
            return False
        self.defined.append(name)
        self.known.add(name)
        return True


def _mapping(ctx: Ctx, m: Map, key: str, hint: str) -> Map:
    raw = m.get(key)
    if raw is not None and not isinstance(raw, Map):
        ctx.at(m.where(key), f"'{key}' must be a mapping, got {type_name(raw)}", hint)
    return raw if isinstance(raw, Map) else Map()


def _symbols(ctx: Ctx, m: Map, names: _Names) -> list[str]:
    raw = text_list(ctx, m, "symbols", "names", "write symbols: [x, y]")
    if raw is None:
        return []
    return [s for i, s in enumerate(raw) if names.define(s, raw.where(i), "symbol")]


def _params(ctx: Ctx, raw: Map, names: _Names) -> list[Param]:
    params = []
    for name, spec in raw.items():
        if names.define(name, raw.where_key(name), "parameter"):
            param = _param(ctx, name, spec, raw.where(name), names.known, names.fns)
            if param is not None:
                params.append(param)
    return params


def _int_param(ctx: Ctx, name: str, spec: Map, pos: Pos) -> Param | None:
    r = spec["int"]
    if not isinstance(r, Seq) or len(r) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in r):
        ctx.at(spec.where("int"), f"parameter '{name}': 'int' must be [low, high] whole numbers", "write int: [1, 9]")
        return None
    lo, hi = r
    if lo > hi:
        ctx.at(spec.where("int"), f"parameter '{name}': empty range [{lo}, {hi}]", "write the smaller bound first")
        return None
    if hi - lo > 10**9:
        ctx.at(spec.where("int"), f"parameter '{name}': range [{lo}, {hi}] is too wide",
               "use a range narrower than 10^9")
        return None
    return Param(name, "int", lo, hi, (), ctx.loc(pos))


def _param(ctx: Ctx, name: str, spec: Any, pos: Pos, known: set[str], fns: set[str]) -> Param | None:
    if not isinstance(spec, Map):
        ctx.at(pos, f"parameter '{name}' must be a mapping like {{int: [1, 9]}}",
               "write {int: [low, high]} or {choice: [...]}")
        return None
    check_keys(ctx, spec, PARAM_KEYS, f"parameter '{name}'")
    if ("int" in spec) == ("choice" in spec):
        ctx.at(pos, f"parameter '{name}' needs exactly one of 'int' or 'choice'",
               "write {int: [low, high]} or {choice: [...]}")
        return None
    if "int" in spec:
        return _int_param(ctx, name, spec, pos)
    choices = spec["choice"]
    if not isinstance(choices, Seq) or not choices:
        ctx.at(spec.where("choice"), f"parameter '{name}': 'choice' must be a non-empty list",
               "write choice: [1, 2, 5]")
        return None
    exprs = []
    for i, raw in enumerate(choices):
        p = choices.where(i)
        ex = parse_expr(ctx, p, raw, f"choice of '{name}'")
        if ex is not None and check_names(ctx, p, ex, known, f"choice of '{name}'", fns):
            exprs.append(ex)
    return Param(name, "choice", 0, len(exprs) - 1, tuple(exprs), ctx.loc(pos))


def _condition_list(ctx: Ctx, m: Map, key: str, what: str, hint: str, known: set[str]) -> list[tuple[E.Expr, Loc]]:
    raw = m.get(key)
    if raw is None:
        return []
    if not isinstance(raw, Seq):
        ctx.at(m.where(key), f"'{key}' must be a list of conditions", hint)
        return []
    return conditions(ctx, raw, what, known)


def _derived(ctx: Ctx, raw: Map, names: _Names) -> list[tuple[str, E.Expr, Loc]]:
    """Derived values, each over the problem's names, kept in dependency order (source order
    when that works); a cycle among them is reported with its members."""
    defined = [name for name in raw if names.define(name, raw.where_key(name), "derived value")]
    exprs: dict[str, E.Expr] = {}
    for name in raw:
        p = raw.where(name)
        what = f"derived value '{name}'"
        ex = parse_expr(ctx, p, raw[name], what)
        if ex is not None and check_names(ctx, p, ex, names.known, what, names.fns) and name in defined:
            exprs[name] = ex
    position = {name: i for i, name in enumerate(raw)}
    order, cycle = dependency_order(list(exprs), lambda n: sorted(exprs[n].names & exprs.keys()),
                                    position.__getitem__)
    if cycle:
        ctx.at(raw.where(cycle[0]), f"derived values depend on each other in a cycle: {' -> '.join(cycle)}",
               "each value may use only values that do not use it back: compute one of them from params")
    return [(name, exprs[name], ctx.loc(raw.where(name))) for name in order]


def _given(ctx: Ctx, m: Map, dnames: list[str]) -> list[str]:
    raw = text_list(ctx, m, "given", "derived names", "write given: [A, f]")
    if raw is None:
        return []
    given = []
    for i, g in enumerate(raw):
        if g in dnames:
            given.append(g)
        else:
            ctx.at(raw.where(i), f"'given' names '{g}', which is not a derived value",
                   E.suggest(g, dnames) or "list derived values that the question shows")
    return given


def _texts(ctx: Ctx, m: Map, known: set[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key in TEXT_KEYS:
        t = text(ctx, m, key)
        texts[key] = t or ""
        if t:
            check_template(ctx, m.where(key), t, key, known)
            check_latex(ctx, m.where(key), t, key)
    return texts


@dataclass(frozen=True)
class _CheckNames:
    """What a check may name: values the question shows, not the derived answer it verifies."""

    declared: list[str]  # every derived value and parameter (what `shown` may name)
    broken: set[str]  # names whose definition failed: checks using them are skipped
    known: set[str]


def _check_item(ctx: Ctx, pos: Pos, item: Map, names: _CheckNames) -> CheckItem | None:
    shown = item.get("shown")
    if shown is not None and shown not in names.declared:
        ctx.at(item.where("shown"), f"check shows '{shown}', which is not a derived value",
               E.suggest(str(shown), names.declared) or "name the derived value the answer shows")
        return None
    if "expect" not in item or shown is None:
        return None
    ex = parse_expr(ctx, item.where("expect"), item["expect"], "check expect")
    if ex is None or shown in names.broken or ex.names & names.broken:
        return None
    hidden = sorted(ex.names & (set(names.declared) - names.known))
    if hidden:
        ctx.at(item.where("expect"), f"check uses derived value '{hidden[0]}', so it would not be independent",
               "compute it from params, or list it under 'given' if the question shows it")
        return None
    if not check_names(ctx, item.where("expect"), ex, names.known, "check expect", functions()[2]):
        return None
    tol = tolerance(ctx, item)
    field = item.get("in", "answer")
    if field not in CHECK_FIELDS:
        ctx.at(item.where("in"), f"check 'in' must be 'answer' or 'solution', got '{field}'",
               "write in: solution for an intermediate value the solution shows")
        return None
    return CheckItem(str(shown), ex, tol, ctx.loc(pos), str(field))


def _checks(ctx: Ctx, m: Map, names: _CheckNames) -> list[CheckItem]:
    raw = m.get("check")
    if raw is None:
        return []
    if not isinstance(raw, Seq) or not raw:
        ctx.at(m.where("check"), "'check' must be a non-empty list",
               "write check: [{shown: answer_name, expect: numeric expression}]")
        return []
    hint = "write {shown: name, expect: expression}"
    items = (_check_item(ctx, p, item, names) for p, item in each_map(ctx, raw, "check", hint, CHECK_KEYS))
    return [c for c in items if c is not None]


def load_problem(ctx: Ctx, m: Map, topic: str) -> Problem:
    check_keys(ctx, m, PROBLEM_KEYS, "problem")
    names = _Names(ctx)
    symbols = _symbols(ctx, m, names)
    raw_params = _mapping(ctx, m, "params", "write params: {a: {int: [1, 9]}}")
    params = _params(ctx, raw_params, names)
    raw_derived = _mapping(ctx, m, "derived", "write derived: {name: expression}")
    constraints = _condition_list(ctx, m, "constraints", "constraint", "write constraints: [\"a != b\"]",
                                  names.known | set(raw_derived))
    derived = _derived(ctx, raw_derived, names)
    given = _given(ctx, m, [d[0] for d in derived])
    texts = _texts(ctx, m, names.known | RESERVED | set(raw_derived) | set(raw_params))
    broken = (set(raw_params) - {p.name for p in params}) | (set(raw_derived) - {d[0] for d in derived})
    numeric_consts = functions()[3]
    check_names_ = _CheckNames(list(raw_derived) + list(raw_params), broken,
                               numeric_consts | set(raw_params) | set(given) | set(symbols))
    checks = _checks(ctx, m, check_names_)
    fig = figure(ctx, m["figure"], m.where("figure"), names.known) if "figure" in m else None
    every_name = names.known | set(raw_derived)
    form = text(ctx, m, "form") or ""
    for msg, hint in source_problems(form):
        ctx.at(m.where("form"), f"{msg} in form", hint)
    degenerate = _condition_list(
        ctx, m, "degenerate", "degenerate case",
        "write degenerate: [\"a == b\"] for cases allowed in at most 10 % of variants", every_name)
    boxes = answer_boxes(ctx, m, checks)
    wrong = mistakes(ctx, m, boxes, every_name)
    return Problem(
        id=m["id"], topic=topic, symbols=tuple(symbols), params=tuple(params),
        constraints=tuple(constraints), derived=tuple(derived), given=tuple(given),
        question=texts["question"], answer=texts["answer"], solution=texts["solution"],
        figure=fig, checks=tuple(checks), tags=tags(ctx, m), loc=ctx.loc(m.pos),
        digest=digest(m), form=form.strip(), defines=defines(ctx, m),
        small=(text(ctx, m, "small") or "").strip(), degenerate=tuple(degenerate),
        answers=boxes, mistakes=wrong,
    )
