"""Load stage: cards_src/**/*.yaml → a validated Library, every mistake collected.

Checks shape (types, required and unknown keys), ids (unique across files),
expressions (whitelist, names defined before use), templates (syntax, names),
LaTeX balance, cloze syntax, figure kinds and prerequisites (known, acyclic).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ankigen import expr as E
from ankigen.errors import Collector, Issue, ItemError, UserError
from ankigen.model import (
    Area,
    CheckItem,
    Concept,
    FigureSpec,
    IdentityCheck,
    Library,
    Loc,
    Param,
    Problem,
    Topic,
)
from ankigen.texsafe import html_problems, source_problems
from ankigen.texutil import cloze_problems, latex_problems
from ankigen.yamlpos import Map, Seq, load_yaml

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:-]*$")
RESERVED = {"id", "seed", "slot"}

TOPIC_KEYS = {"title": True, "requires": False, "concepts": False, "problems": False}
CONCEPT_KEYS = {"id": True, "front": False, "back": False, "cloze": False, "extra": False,
                "figure": False, "tags": False, "check": False, "defines": False}
PROBLEM_KEYS = {"id": True, "title": False, "symbols": False, "params": True, "constraints": False,
                "derived": False, "given": False, "question": True, "answer": True,
                "solution": True, "figure": False, "check": True, "tags": False,
                "form": False, "defines": False, "small": False, "degenerate": False,
                "answers": False, "mistakes": False}
FIGURE_KEYS = {"kind": True, "args": False, "side": False, "alt": False}
CHECK_KEYS = {"shown": True, "expect": True, "tol": False, "in": False}
CHECK_FIELDS = ("answer", "solution")
IDENTITY_KEYS = {"vars": False, "lhs": False, "rhs": False, "holds": False, "tol": False,
                 "trials": False}
PARAM_KEYS = {"int": False, "choice": False}
AREA_KEYS = {"title": True}


class _Ctx:
    """Location context for messages about one file and (optionally) one item."""

    def __init__(self, col: Collector, path: str, item: str | None = None):
        self.col, self.path, self.item = col, path, item

    def at(self, pos: tuple[int, int] | None, message: str, hint: str | None = None) -> None:
        line, column = pos if pos else (None, None)
        self.col.issues.append(Issue(message, path=self.path, line=line, column=column,
                                     item=self.item, hint=hint))

    def for_item(self, kind: str, item_id: str) -> _Ctx:
        return _Ctx(self.col, self.path, f"{kind} '{item_id}'")

    def loc(self, pos: tuple[int, int]) -> Loc:
        return Loc(self.path, pos[0], pos[1])


def _check_keys(ctx: _Ctx, m: Map, spec: dict[str, bool], what: str) -> bool:
    ok = True
    misspelled: set[str] = set()
    for key in m:
        if key not in spec:
            close = E.suggest(key, sorted(spec))
            if close:
                misspelled.add(close.split("'")[1])
            hint = close or f"allowed keys: {', '.join(sorted(spec))}"
            ctx.at(m.where_key(key), f"unknown key '{key}' in {what}", hint)
            ok = False
    for key, required in spec.items():
        if required and key not in m and key not in misspelled:
            ctx.at(m.pos, f"missing required key '{key}' in {what}", f"add '{key}:'")
            ok = False
    return ok


def _type_name(v: Any) -> str:
    if isinstance(v, Map):
        return "a mapping"
    if isinstance(v, Seq):
        return "a list"
    if v is None:
        return "nothing (null)"
    return {bool: "true/false", int: "a number", float: "a number", str: "text"}.get(type(v), type(v).__name__)


def _want(ctx: _Ctx, parent: Map, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    v = parent.get(key)
    if v is None and key not in parent:
        return None
    if isinstance(v, bool) and kind in (int, float, (int, float)):
        ok = False
    else:
        ok = isinstance(v, kind)
    if not ok:
        ctx.at(parent.where(key), f"'{key}' must be {what}, got {_type_name(v)}",
               f"write '{key}:' as {what}")
        return None
    return v


def _number(ctx: _Ctx, parent: Map, key: str) -> float | None:
    """A float; YAML 1.1 reads 1e-8 as text, so numeric text is accepted too."""
    v = parent.get(key)
    if key not in parent:
        return None
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            pass
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    ctx.at(parent.where(key), f"'{key}' must be a number, got {_type_name(v)}",
           f"write '{key}:' as a number, like 1e-9")
    return None


MAX_TOL = 0.05


def _tolerance(ctx: _Ctx, parent: Map, key: str = "tol") -> float | None:
    """A check's tolerance: finite and at most MAX_TOL, so a check can always fail."""
    v = _number(ctx, parent, key)
    if v is None or (math.isfinite(v) and 0 <= v <= MAX_TOL):
        return v
    ctx.at(parent.where(key), f"'{key}' must be a finite number from 0 to {MAX_TOL:g}, got {parent[key]}",
           "a check must be able to fail: use 1e-9 for exact values, at most 0.05 for approximations")
    return None


def _text(ctx: _Ctx, parent: Map, key: str) -> str | None:
    v = parent.get(key)
    if key in parent and isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    return _want(ctx, parent, key, str, "text")


def _parse_expr(ctx: _Ctx, pos: tuple[int, int], raw: Any, what: str) -> E.Expr | None:
    try:
        return E.parse(raw)
    except ItemError as e:
        ctx.at(pos, f"{what}: {e.message}", e.hint)
        return None


def _check_names(ctx: _Ctx, pos: tuple[int, int], ex: E.Expr, known: set[str], what: str,
                 functions: set[str]) -> bool:
    ok = True
    if "quad" in functions:  # numeric expressions: calculus forms bind their variable
        from ankigen.numeric import BINDING_FORMS, bound_names

        if ex.calls & BINDING_FORMS:
            known = known | bound_names(ex.tree)
    for name in sorted(ex.names):
        if name not in known:
            ctx.at(pos, f"unknown name '{name}' in {what}",
                   E.suggest(name, sorted(known)) or "define it in params, symbols or derived first")
            ok = False
    for fn in sorted(ex.calls):
        if fn not in functions:
            ctx.at(pos, f"unknown function '{fn}' in {what}",
                   E.function_hint(fn, functions))
            ok = False
    return ok


@lru_cache(maxsize=1)
def _functions() -> tuple[set[str], set[str], set[str], set[str]]:
    from ankigen import exact, numeric

    exact_fns = set(exact.FUNCTIONS)
    numeric_fns = set(numeric.FUNCTIONS) | set(numeric.NumericBackend.special)
    return exact_fns, set(exact.CONSTANTS), numeric_fns, set(numeric.CONSTANTS)


def _check_latex(ctx: _Ctx, pos: tuple[int, int], text: str, key: str) -> None:
    for msg in latex_problems(text):
        ctx.at(pos, f"{msg} in {key}", "balance every \\( with \\), \\[ with \\] and { with }")
    for msg, hint in source_problems(text) + html_problems(text):
        ctx.at(pos, f"{msg} in {key}", hint)


_SIMPLE_VALUE = re.compile(r"<<\s*([A-Za-z]\w*)((?:\s*\|\s*[a-z]+(?:\(\s*\d+\s*\))?)*)\s*>>")
_FILTER_NAME = re.compile(r"\|\s*([a-z]+)")


def _simple_template_names(text: str) -> set[str] | None:
    """Names used by a template made only of << name|filter >> parts; None if it has more."""
    if "<%" in text or "<#" in text:
        return None
    from ankigen.render import environment

    names: set[str] = set()
    rest = text
    for m in _SIMPLE_VALUE.finditer(text):
        if any(f not in environment().filters for f in _FILTER_NAME.findall(m.group(2))):
            return None
        names.add(m.group(1))
    rest = _SIMPLE_VALUE.sub("", text)
    return None if ("<<" in rest or ">>" in rest) else names


def _check_template(ctx: _Ctx, pos: tuple[int, int], text: str, key: str, known: set[str]) -> None:
    from jinja2 import TemplateSyntaxError, meta

    from ankigen.render import environment

    simple = _simple_template_names(text)
    if simple is not None:  # the common case, checked without a full jinja parse
        for name in sorted(simple - known):
            ctx.at(pos, f"unknown name '{name}' in {key}",
                   E.suggest(name, sorted(known)) or "define it in params or derived")
        return
    env = environment()
    try:
        ast_ = env.parse(text)
    except TemplateSyntaxError as e:
        line = pos[0] + (e.lineno - 1 if e.lineno else 0) + (1 if "\n" in text and pos else 0)
        ctx.at((line, pos[1]), f"template syntax error in {key}: {e.message}",
               "values are written << name >> and statements <% if ... %>")
        return
    from jinja2 import nodes

    for stmt in ast_.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = {nodes.Include: "include", nodes.Extends: "extends"}.get(type(stmt), "import")
        ctx.at(pos, f"template in {key} uses '<% {word} %>', which is not allowed",
               "each text stands alone: write it out, or compute values under derived")
        return
    for flt in ast_.find_all(nodes.Filter):
        if flt.name not in env.filters:
            ctx.at(pos, f"unknown filter '|{flt.name}' in {key}",
                   E.suggest(flt.name, sorted(env.filters))
                   or f"filters: {', '.join(sorted(env.filters))}")
            return
    for node in ast_.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Getattr):
            ctx.at(pos, f"template in {key} accesses attribute '{node.attr}', which is not allowed",
                   "templates only show values: compute it under derived and write << name >>")
            return
        if isinstance(node, nodes.Call):
            ctx.at(pos, f"template in {key} calls a function, which is not allowed",
                   "templates only show values: compute it under derived and write << name >>")
            return
        arg = getattr(node, "arg", None)
        index = getattr(arg, "value", None)
        if not isinstance(index, int) or isinstance(index, bool):
            ctx.at(pos, f"template in {key} indexes with something other than a whole number",
                   "write << v[0] >>, or compute the value under derived")
            return
    for name in sorted(meta.find_undeclared_variables(ast_)):
        if name not in known:
            ctx.at(pos, f"unknown name '{name}' in {key}",
                   E.suggest(name, sorted(known)) or "define it in params or derived")


def _figure(ctx: _Ctx, m: Any, pos: tuple[int, int], known: set[str], default_side: str,
            consts: set[str]) -> FigureSpec | None:
    from ankigen import figures

    if not isinstance(m, Map):
        ctx.at(pos, f"'figure' must be a mapping, got {_type_name(m)}",
               "write figure: {kind: ..., args: {...}}")
        return None
    _check_keys(ctx, m, FIGURE_KEYS, "figure")
    kind = _want(ctx, m, "kind", str, "text")
    if kind is None:
        return None
    spec = figures.REGISTRY.get(kind)
    if spec is None:
        ctx.at(m.where("kind"), f"unknown figure kind '{kind}'",
               E.suggest(kind, sorted(figures.REGISTRY)) or "run 'ankigen figures' to list kinds")
        return None
    raw_args = m.get("args", Map())
    if not isinstance(raw_args, Map):
        ctx.at(m.where("args"), f"'args' must be a mapping, got {_type_name(raw_args)}",
               "write args: {name: expression}")
        return None
    args: list[tuple[str, E.Expr]] = []
    for name, raw in raw_args.items():
        if name not in spec.params:
            ctx.at(raw_args.where_key(name), f"figure '{kind}' has no argument '{name}'",
                   E.suggest(name, sorted(spec.params)) or f"arguments: {', '.join(spec.params)}")
            continue
        ex = _parse_expr(ctx, raw_args.where(name), raw, f"figure argument '{name}'")
        if ex is not None and _check_names(ctx, raw_args.where(name), ex, known | consts,
                                           f"figure argument '{name}'", _functions()[0]):
            args.append((name, ex))
    for name in spec.required:
        if name not in raw_args:
            ctx.at(m.pos, f"figure '{kind}' needs argument '{name}'", f"add it under args: {name}: ...")
    side = m.get("side", default_side)
    if side not in ("front", "back"):
        ctx.at(m.where("side"), f"figure side must be 'front' or 'back', got {side!r}",
               "write side: front or side: back")
        side = default_side
    alt = _text(ctx, m, "alt") or spec.title
    return FigureSpec(kind, tuple(args), side, alt, ctx.loc(m.pos))


def _tags(ctx: _Ctx, m: Map) -> tuple[str, ...]:
    raw = m.get("tags")
    if raw is None:
        return ()
    if not isinstance(raw, Seq) or not all(isinstance(t, str) for t in raw):
        ctx.at(m.where("tags"), "'tags' must be a list of words", "write tags: [word, other-word]")
        return ()
    bad = [t for t in raw if not TAG_RE.match(t)]
    for t in bad:
        ctx.at(m.where("tags"), f"tag '{t}' has spaces or odd characters",
               "use letters, digits, '-', '_' and '::'")
    return tuple(t for t in raw if t not in bad)


def _degenerate(ctx: _Ctx, m: Map, names: set[str], exact_fns: set[str]) -> tuple[tuple[E.Expr, Loc], ...]:
    """Conditions marking a tolerated degenerate variant; `ankigen check` keeps them under 10 %."""
    raw = m.get("degenerate")
    if raw is None:
        return ()
    if not isinstance(raw, Seq):
        ctx.at(m.where("degenerate"), "'degenerate' must be a list of conditions",
               "write degenerate: [\"a == b\"] for cases allowed in at most 10 % of variants")
        return ()
    out = []
    for i, text in enumerate(raw):
        p = raw.where(i)
        ex = _parse_expr(ctx, p, text, "degenerate case")
        if ex is not None and _check_names(ctx, p, ex, names, "degenerate case", exact_fns):
            out.append((ex, ctx.loc(p)))
    return tuple(out)


def _defines(ctx: _Ctx, m: Map) -> tuple[str, ...]:
    """Symbols the item's own text defines (LaTeX, e.g. '\\eta'); the symbol lint trusts them."""
    raw = m.get("defines")
    if raw is None:
        return ()
    if not isinstance(raw, Seq) or not all(isinstance(t, str) and t.strip() for t in raw):
        ctx.at(m.where("defines"), "'defines' must be a list of symbols as LaTeX",
               "write defines: ['\\eta', 'w'] for the symbols the question itself defines")
        return ()
    return tuple(t.strip() for t in raw)


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _load_concept(ctx: _Ctx, m: Map, topic: str) -> Concept | None:
    exact_fns, exact_consts, numeric_fns, numeric_consts = _functions()
    _check_keys(ctx, m, CONCEPT_KEYS, "concept")
    has_cloze = "cloze" in m
    if has_cloze and ("front" in m or "back" in m):
        ctx.at(m.pos, "a concept has either 'cloze' or 'front'/'back', not both",
               "split it into two concepts")
    if not has_cloze:
        typos = {E.suggest(k, ["front", "back"]) for k in m if k not in CONCEPT_KEYS}
        for key in ("front", "back"):
            if key not in m and f"did you mean '{key}'?" not in typos:
                ctx.at(m.pos, f"missing required key '{key}' in concept",
                       "a concept needs front and back, or cloze")
    texts = {}
    cloze_issues = cloze_problems(m["cloze"]) if has_cloze and isinstance(m["cloze"], str) else []
    for key in ("front", "back", "cloze", "extra"):
        t = _text(ctx, m, key)
        texts[key] = t or ""
        if t and not (key == "cloze" and cloze_issues):
            _check_latex(ctx, m.where(key), t, key)
            if "<<" in t or "<%" in t:
                ctx.at(m.where(key), f"concept {key} contains template syntax '<<' or '<%'",
                       "concepts are static text; use a problem for computed values")
    for msg, hint in cloze_issues:
        ctx.at(m.where("cloze"), msg, hint)
    figure = None
    if "figure" in m:
        figure = _figure(ctx, m["figure"], m.where("figure"), set(), "back", exact_consts)
    check = None
    if "check" in m:
        check = _identity_check(ctx, m["check"], m.where("check"), numeric_fns, numeric_consts)
    tags = _tags(ctx, m)
    return Concept(
        id=m["id"], topic=topic, kind="cloze" if has_cloze else "basic",
        front=texts["front"], back=texts["back"], text=texts["cloze"], extra=texts["extra"],
        figure=figure, tags=tags, check=check, loc=ctx.loc(m.pos), digest=_digest(m),
        defines=_defines(ctx, m),
    )


def _identity_check(ctx: _Ctx, m: Any, pos: tuple[int, int], fns: set[str],
                    consts: set[str]) -> IdentityCheck | None:
    if not isinstance(m, Map):
        ctx.at(pos, f"'check' of a concept must be a mapping, got {_type_name(m)}",
               "write check: {vars: {...}, lhs: ..., rhs: ...}")
        return None
    _check_keys(ctx, m, IDENTITY_KEYS, "concept check")
    known: set[str] = set(consts)
    variables: list[tuple[str, E.Expr]] = []
    raw_vars = m.get("vars", Map())
    if not isinstance(raw_vars, Map):
        ctx.at(m.where("vars"), "'vars' must be a mapping of name: expression",
               "write vars: {A: randn(3, 3)}")
        raw_vars = Map()
    for name, raw in raw_vars.items():
        p = raw_vars.where(name)
        ex = _parse_expr(ctx, p, raw, f"check variable '{name}'")
        if ex is not None and _check_names(ctx, p, ex, known, f"check variable '{name}'", fns):
            variables.append((name, ex))
        known.add(name)
    parts: dict[str, E.Expr | None] = {}
    for key in ("lhs", "rhs", "holds"):
        if key in m:
            ex = _parse_expr(ctx, m.where(key), m[key], f"check {key}")
            if ex is not None and _check_names(ctx, m.where(key), ex, known, f"check {key}", fns):
                parts[key] = ex
            else:
                parts[key] = None
    if not (("lhs" in m and "rhs" in m) or "holds" in m):
        ctx.at(m.pos, "a concept check needs 'lhs' and 'rhs', or 'holds'",
               "write lhs: ... and rhs: ..., or holds: <condition>")
    tol = _tolerance(ctx, m)
    trials = _want(ctx, m, "trials", int, "a whole number")
    if trials is not None and not 1 <= trials <= 1000:
        ctx.at(m.where("trials"), f"'trials' must be between 1 and 1000, got {trials}",
               "use 20 unless the check is slow")
    return IdentityCheck(tuple(variables), parts.get("lhs"), parts.get("rhs"), parts.get("holds"),
                         float(tol) if tol is not None else 1e-8,
                         int(trials) if trials is not None else 20, ctx.loc(m.pos))


def _load_problem(ctx: _Ctx, m: Map, topic: str) -> Problem | None:
    exact_fns, exact_consts, numeric_fns, numeric_consts = _functions()
    _check_keys(ctx, m, PROBLEM_KEYS, "problem")
    known: set[str] = set(exact_consts)
    defined: list[str] = []

    def define(name: str, pos: tuple[int, int], what: str) -> bool:
        if not isinstance(name, str) or not NAME_RE.match(name):
            ctx.at(pos, f"{what} name '{name}' is not a simple name",
                   "use letters and digits, starting with a letter")
            return False
        if name in RESERVED or name in exact_fns or name in exact_consts:
            ctx.at(pos, f"{what} name '{name}' is reserved", "choose another name")
            return False
        if name in defined:
            ctx.at(pos, f"'{name}' is defined twice", "rename one of them")
            return False
        defined.append(name)
        known.add(name)
        return True

    symbols: list[str] = []
    raw_symbols = m.get("symbols")
    if raw_symbols is not None:
        if not isinstance(raw_symbols, Seq) or not all(isinstance(s, str) for s in raw_symbols):
            ctx.at(m.where("symbols"), "'symbols' must be a list of names", "write symbols: [x, y]")
        else:
            for i, s in enumerate(raw_symbols):
                if define(s, raw_symbols.where(i), "symbol"):
                    symbols.append(s)

    params: list[Param] = []
    raw_params = m.get("params")
    if raw_params is not None and not isinstance(raw_params, Map):
        ctx.at(m.where("params"), f"'params' must be a mapping, got {_type_name(raw_params)}",
               "write params: {a: {int: [1, 9]}}")
    elif isinstance(raw_params, Map):
        for name, spec in raw_params.items():
            p = raw_params.where(name)
            if not define(name, raw_params.where_key(name), "parameter"):
                continue
            param = _param(ctx, name, spec, p, known, exact_fns)
            if param is not None:
                params.append(param)

    constraints: list[tuple[E.Expr, Loc]] = []
    raw_cons = m.get("constraints")
    derived_names = set()
    raw_derived = m.get("derived")
    if isinstance(raw_derived, Map):
        derived_names = set(raw_derived)
    if raw_cons is not None:
        if not isinstance(raw_cons, Seq):
            ctx.at(m.where("constraints"), "'constraints' must be a list of conditions",
                   "write constraints: [\"a != b\"]")
        else:
            for i, raw in enumerate(raw_cons):
                p = raw_cons.where(i)
                ex = _parse_expr(ctx, p, raw, "constraint")
                if ex is not None and _check_names(ctx, p, ex, known | derived_names, "constraint",
                                                   exact_fns):
                    constraints.append((ex, ctx.loc(p)))

    derived: list[tuple[str, E.Expr, Loc]] = []
    if raw_derived is not None and not isinstance(raw_derived, Map):
        ctx.at(m.where("derived"), f"'derived' must be a mapping, got {_type_name(raw_derived)}",
               "write derived: {name: expression}")
    elif isinstance(raw_derived, Map):
        for name, raw in raw_derived.items():
            p = raw_derived.where(name)
            ex = _parse_expr(ctx, p, raw, f"derived value '{name}'")
            ok = ex is not None and _check_names(ctx, p, ex, known, f"derived value '{name}'",
                                                 exact_fns)
            if define(name, raw_derived.where_key(name), "derived value") and ok and ex is not None:
                derived.append((name, ex, ctx.loc(p)))

    given: list[str] = []
    raw_given = m.get("given")
    if raw_given is not None:
        if not isinstance(raw_given, Seq) or not all(isinstance(g, str) for g in raw_given):
            ctx.at(m.where("given"), "'given' must be a list of derived names",
                   "write given: [A, f]")
        else:
            dnames = [d[0] for d in derived]
            for i, g in enumerate(raw_given):
                if g not in dnames:
                    ctx.at(raw_given.where(i), f"'given' names '{g}', which is not a derived value",
                           E.suggest(g, dnames) or "list derived values that the question shows")
                else:
                    given.append(g)

    texts: dict[str, str] = {}
    template_known = known | RESERVED | set(declared_derived_all(m)) | \
        (set(raw_params) if isinstance(raw_params, Map) else set())
    for key in ("question", "answer", "solution"):
        t = _text(ctx, m, key)
        texts[key] = t or ""
        if t:
            _check_template(ctx, m.where(key), t, key, template_known)
            _check_latex(ctx, m.where(key), t, key)

    checks: list[CheckItem] = []
    raw_checks = m.get("check")
    declared_params = list(raw_params) if isinstance(raw_params, Map) else []
    declared_derived = list(raw_derived) if isinstance(raw_derived, Map) else []
    broken = (set(declared_params) - {p.name for p in params}) | \
        (set(declared_derived) - {d[0] for d in derived})
    check_known = set(numeric_consts) | set(declared_params) | set(given) | set(symbols)
    if raw_checks is not None:
        if not isinstance(raw_checks, Seq) or not raw_checks:
            ctx.at(m.where("check"), "'check' must be a non-empty list",
                   "write check: [{shown: answer_name, expect: numeric expression}]")
        else:
            dnames = declared_derived + declared_params
            for i, item in enumerate(raw_checks):
                p = raw_checks.where(i)
                if not isinstance(item, Map):
                    ctx.at(p, f"each check must be a mapping, got {_type_name(item)}",
                           "write {shown: name, expect: expression}")
                    continue
                _check_keys(ctx, item, CHECK_KEYS, "check")
                shown = item.get("shown")
                if shown is not None and shown not in dnames:
                    ctx.at(item.where("shown"), f"check shows '{shown}', which is not a derived value",
                           E.suggest(str(shown), dnames) or "name the derived value the answer shows")
                    continue
                if "expect" not in item or shown is None:
                    continue
                ex = _parse_expr(ctx, item.where("expect"), item["expect"], "check expect")
                if ex is None or shown in broken or ex.names & broken:
                    continue
                hidden = sorted(ex.names & (set(dnames) - check_known))
                if hidden:
                    ctx.at(item.where("expect"),
                           f"check uses derived value '{hidden[0]}', so it would not be independent",
                           "compute it from params, or list it under 'given' if the question shows it")
                    continue
                if not _check_names(ctx, item.where("expect"), ex, check_known, "check expect",
                                    numeric_fns):
                    continue
                tol = _tolerance(ctx, item)
                field = item.get("in", "answer")
                if field not in CHECK_FIELDS:
                    ctx.at(item.where("in"), f"check 'in' must be 'answer' or 'solution', got '{field}'",
                           "write in: solution for an intermediate value the solution shows")
                    continue
                checks.append(CheckItem(str(shown), ex, float(tol) if tol is not None else 1e-9,
                                        ctx.loc(p), str(field)))

    figure = None
    if "figure" in m:
        figure = _figure(ctx, m["figure"], m.where("figure"), known, "front", exact_consts)
    title = _text(ctx, m, "title") or ""
    form = _text(ctx, m, "form") or ""
    for msg, hint in source_problems(form):
        ctx.at(m.where("form"), f"{msg} in form", hint)
    degenerate = _degenerate(ctx, m, known | derived_names, exact_fns)
    from ankigen import load_practice

    boxes = load_practice.answer_boxes(ctx, m, checks)
    wrong = load_practice.mistakes(ctx, m, boxes, known | derived_names, exact_fns)
    return Problem(
        id=m["id"], topic=topic, title=title, symbols=tuple(symbols), params=tuple(params),
        constraints=tuple(constraints), derived=tuple(derived), given=tuple(given),
        question=texts["question"], answer=texts["answer"], solution=texts["solution"],
        figure=figure, checks=tuple(checks), tags=_tags(ctx, m), loc=ctx.loc(m.pos),
        digest=_digest(m), form=form.strip(), defines=_defines(ctx, m),
        small=(_text(ctx, m, "small") or "").strip(), degenerate=degenerate,
        answers=boxes, mistakes=wrong,
    )


def declared_derived_all(m: Map) -> list[str]:
    raw = m.get("derived")
    return list(raw) if isinstance(raw, Map) else []


def _param(ctx: _Ctx, name: str, spec: Any, pos: tuple[int, int], known: set[str],
           fns: set[str]) -> Param | None:
    if not isinstance(spec, Map):
        ctx.at(pos, f"parameter '{name}' must be a mapping like {{int: [1, 9]}}",
               "write {int: [low, high]} or {choice: [...]}")
        return None
    _check_keys(ctx, spec, PARAM_KEYS, f"parameter '{name}'")
    if ("int" in spec) == ("choice" in spec):
        ctx.at(pos, f"parameter '{name}' needs exactly one of 'int' or 'choice'",
               "write {int: [low, high]} or {choice: [...]}")
        return None
    if "int" in spec:
        r = spec["int"]
        if (not isinstance(r, Seq) or len(r) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in r)):
            ctx.at(spec.where("int"), f"parameter '{name}': 'int' must be [low, high] whole numbers",
                   "write int: [1, 9]")
            return None
        lo, hi = r
        if lo > hi:
            ctx.at(spec.where("int"), f"parameter '{name}': empty range [{lo}, {hi}]",
                   "write the smaller bound first")
            return None
        if hi - lo > 10**9:
            ctx.at(spec.where("int"), f"parameter '{name}': range [{lo}, {hi}] is too wide",
                   "use a range narrower than 10^9")
            return None
        return Param(name, "int", lo, hi, (), ctx.loc(pos))
    choices = spec["choice"]
    if not isinstance(choices, Seq) or not choices:
        ctx.at(spec.where("choice"), f"parameter '{name}': 'choice' must be a non-empty list",
               "write choice: [1, 2, 5]")
        return None
    exprs = []
    for i, raw in enumerate(choices):
        p = choices.where(i)
        ex = _parse_expr(ctx, p, raw, f"choice of '{name}'")
        if ex is not None and _check_names(ctx, p, ex, known, f"choice of '{name}'", fns):
            exprs.append(ex)
    return Param(name, "choice", 0, len(exprs) - 1, tuple(exprs), ctx.loc(pos))


def _load_areas(root: Path, col: Collector) -> list[Area]:
    path = root / "areas.yaml"
    display = _display(path, root)
    ctx = _Ctx(col, display)
    if not path.exists():
        col.add("missing areas.yaml", path=display, hint="list the areas in curriculum order")
        return []
    try:
        data = load_yaml(path, display)
    except UserError as e:
        col.extend(e.issues)
        return []
    if not isinstance(data, Map):
        ctx.at(None, "areas.yaml must map area ids to {title: ...}", "see the README")
        return []
    areas = []
    for aid, spec in data.items():
        if not ID_RE.match(aid):
            ctx.at(data.where_key(aid), f"area id '{aid}' is not lowercase-with-dashes",
                   "rename the area folder and entry")
        if not isinstance(spec, Map):
            ctx.at(data.where(aid), f"area '{aid}' must be a mapping like {{title: ...}}",
                   "write title: Linear Algebra")
            continue
        _check_keys(ctx, spec, AREA_KEYS, f"area '{aid}'")
        title = _text(ctx, spec, "title")
        if title:
            areas.append(Area(aid, title))
    return areas


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _require_source_root(root: Path) -> None:
    """Refuse a folder that is not a source tree before walking it (`--src /`)."""
    if not root.is_dir():
        raise UserError([Issue(f"source folder '{root}' does not exist",
                               hint="run from a project with cards_src/ or pass --src")])
    if not (root / "areas.yaml").is_file():
        raise UserError([Issue(f"'{root}' is not an ankigen source folder: it has no areas.yaml",
                               hint="pass --src the cards_src folder of a project")])


def scan_library(root: Path) -> list[dict[str, Any]]:
    """Topic files parsed as plain YAML only (fast: for listing); YAML errors are still reported."""
    col = Collector()
    _require_source_root(root)
    areas = [a.id for a in _load_areas(root, col)]
    out = []
    for path in sorted(p for p in root.glob("*/*.yaml") if p.is_file()):
        display = _display(path, root)
        try:
            data = load_yaml(path, display)
        except UserError as e:
            col.extend(e.issues)
            continue
        if isinstance(data, dict) and path.parent.name in areas:
            out.append({**data, "id": f"{path.parent.name}/{path.stem}", "area": path.parent.name})
    col.raise_if_any()
    return sorted(out, key=lambda t: (areas.index(t["area"]), t["id"]))


def load_library(root: Path) -> Library:
    """Load every topic under `root` (a cards_src folder), or raise one UserError with all issues."""
    col = Collector()
    _require_source_root(root)
    areas = _load_areas(root, col)
    area_ids = [a.id for a in areas]
    topics: list[Topic] = []
    seen_ids: dict[str, str] = {}
    files = sorted(p for p in root.glob("*/*.yaml") if p.is_file())
    for extra in sorted(root.glob("**/*.yml")):
        col.add("source files must end in .yaml", path=_display(extra, root),
                hint="rename it to .yaml")
    for path in files:
        display = _display(path, root)
        area = path.parent.name
        if area not in area_ids:
            col.add(f"area '{area}' is not listed in areas.yaml", path=display,
                    hint=E.suggest(area, area_ids) or "add it to cards_src/areas.yaml")
            continue
        topic = _load_topic(col, path, display, area, seen_ids)
        if topic is not None:
            topics.append(topic)
    _check_prerequisites(col, topics)
    col.raise_if_any()
    ordered = _prerequisite_order(topics, area_ids)
    return Library(str(root), tuple(areas), tuple(ordered))


def _load_topic(col: Collector, path: Path, display: str, area: str,
                seen_ids: dict[str, str]) -> Topic | None:
    ctx = _Ctx(col, display)
    name = path.stem
    if not ID_RE.match(name):
        ctx.at(None, f"topic file name '{name}' is not lowercase-with-dashes",
               "rename the file, e.g. eigen-values.yaml")
    try:
        data = load_yaml(path, display)
    except UserError as e:
        col.extend(e.issues)
        return None
    if not isinstance(data, Map):
        ctx.at((1, 1), f"a topic file must be a mapping, got {_type_name(data)}",
               "start the file with 'title: ...'")
        return None
    _check_keys(ctx, data, TOPIC_KEYS, "topic")
    title = _text(ctx, data, "title") or name
    requires: list[str] = []
    raw_req = data.get("requires")
    if raw_req is not None:
        if not isinstance(raw_req, Seq) or not all(isinstance(r, str) for r in raw_req):
            ctx.at(data.where("requires"), "'requires' must be a list of topic ids",
                   "write requires: [linear-algebra/vectors]")
        else:
            requires = list(raw_req)
    concepts: list[Concept] = []
    problems: list[Problem] = []
    topic_id = f"{area}/{name}"
    for key, loader, kind in (("concepts", _load_concept, "concept"),
                              ("problems", _load_problem, "problem")):
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, Seq):
            ctx.at(data.where(key), f"'{key}' must be a list, got {_type_name(items)}",
                   f"write each {kind} as a '- id: ...' list item")
            continue
        for i, item in enumerate(items):
            pos = items.where(i)
            if not isinstance(item, Map):
                ctx.at(pos, f"each {kind} must be a mapping, got {_type_name(item)}",
                       f"start the {kind} with '- id: ...'")
                continue
            item_id = item.get("id")
            if not isinstance(item_id, str) or not ID_RE.match(item_id):
                ctx.at(item.where("id") if "id" in item else pos,
                       f"{kind} id {item_id!r} is missing or not lowercase-with-dashes",
                       "write id: like-this-2x2")
                continue
            if item_id in seen_ids:
                ctx.at(item.where("id"), f"duplicate id '{item_id}' (first defined in {seen_ids[item_id]})",
                       "ids must be unique across all sources; rename one")
                continue
            seen_ids[item_id] = display
            obj = loader(ctx.for_item(kind, item_id), item, topic_id)
            if isinstance(obj, Concept):
                concepts.append(obj)
            elif isinstance(obj, Problem):
                problems.append(obj)
    req_line, req_col = data.where("requires") if "requires" in data else data.pos
    return Topic(topic_id, area, title, display, tuple(requires), tuple(concepts), tuple(problems),
                 Loc(display, req_line, req_col))


def _check_prerequisites(col: Collector, topics: list[Topic]) -> None:
    ids = [t.id for t in topics]
    by_id = {t.id: t for t in topics}
    graph = {t.id: t.requires for t in topics}
    for t in topics:
        loc = t.requires_loc or Loc(t.path)
        path, line, column = loc.path, loc.line, loc.column
        for r in t.requires:
            if r not in graph:
                col.add(f"topic '{t.id}' requires unknown topic '{r}'", path=path, line=line,
                        column=column, hint=E.suggest(r, ids) or "use an id like area/topic")
            if r == t.id:
                col.add(f"topic '{t.id}' requires itself", path=path, line=line, column=column,
                        hint="remove it from requires")
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for r in graph.get(n, ()):
            if r not in graph or r == n:
                continue
            if state.get(r) == 1:
                cycle = stack[stack.index(r):] + [r]
                at = by_id[n].requires_loc or Loc(by_id[n].path)
                path, line, column = at.path, at.line, at.column
                col.add(f"prerequisite cycle: {' -> '.join(cycle)}", path=path, line=line,
                        column=column, hint="remove one of these requires")
            elif r not in state:
                visit(r)
        stack.pop()
        state[n] = 2

    for t in topics:
        if t.id not in state:
            visit(t.id)


def _prerequisite_order(topics: list[Topic], area_order: list[str]) -> list[Topic]:
    """Topological order; ties broken by area order, then file name (stable, deterministic)."""
    rank: Callable[[Topic], tuple[int, str]] = lambda t: (area_order.index(t.area), t.id)  # noqa: E731
    remaining = sorted(topics, key=rank)
    done: set[str] = set()
    out: list[Topic] = []
    while remaining:
        for t in remaining:
            if all(r in done for r in t.requires):
                out.append(t)
                done.add(t.id)
                remaining.remove(t)
                break
        else:  # pragma: no cover - cycles are rejected earlier
            out.extend(remaining)
            break
    return out
