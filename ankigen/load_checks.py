"""Load stage, semantic part: expressions, names, templates, LaTeX, figures and dependency order.

Dependencies (derived values on each other, topics on their prerequisites) are ordered by
`graphlib`; a cycle is reported with its members named.
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Callable, Hashable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from jinja2 import TemplateSyntaxError, meta, nodes

from ankigen import expr as E
from ankigen.errors import ItemError
from ankigen.load_shape import Ctx, check_keys, text, type_name, want
from ankigen.model import FigureSpec, Loc
from ankigen.render import environment
from ankigen.texsafe import html_problems, source_problems
from ankigen.texutil import latex_problems
from ankigen.yamlpos import Map, Pos, Seq

FIGURE_KEYS = {"kind": True, "args": False, "side": False, "alt": False}
FIGURE_SIDE = "back"  # where a figure goes unless it says `side: front`
T = TypeVar("T", bound=Hashable)


def parse_expr(ctx: Ctx, pos: Pos, raw: Any, what: str) -> E.Expr | None:
    try:
        return E.parse(raw)
    except ItemError as e:
        ctx.at(pos, f"{what}: {e.message}", e.hint)
        return None


def check_names(ctx: Ctx, pos: Pos, ex: E.Expr, known: set[str], what: str, functions: set[str]) -> bool:
    """Every name and function `ex` uses is known; each one that is not is reported."""
    ok = True
    if "quad" in functions:  # numeric expressions: calculus forms bind their variable
        from ankigen.numeric import BINDING_FORMS, bound_names  # noqa: PLC0415 - numpy, only when needed

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
def functions() -> tuple[set[str], set[str], set[str], set[str]]:
    """Exact functions and constants, numeric functions and constants."""
    from ankigen import exact, numeric  # noqa: PLC0415 - sympy and numpy, not needed to list topics

    exact_fns = set(exact.FUNCTIONS)
    numeric_fns = set(numeric.FUNCTIONS) | set(numeric.NumericBackend.special)
    return exact_fns, set(exact.CONSTANTS), numeric_fns, set(numeric.CONSTANTS)


def check_latex(ctx: Ctx, pos: Pos, body: str, key: str) -> None:
    for msg in latex_problems(body):
        ctx.at(pos, f"{msg} in {key}", "balance every \\( with \\), \\[ with \\] and { with }")
    for msg, hint in source_problems(body) + html_problems(body):
        ctx.at(pos, f"{msg} in {key}", hint)


_SIMPLE_VALUE = re.compile(r"<<\s*([A-Za-z]\w*)((?:\s*\|\s*[a-z]+(?:\(\s*\d+\s*\))?)*)\s*>>")
_FILTER_NAME = re.compile(r"\|\s*([a-z]+)")
_NOT_A_VALUE = "templates only show values: compute it under derived and write << name >>"


def _simple_template_names(body: str) -> set[str] | None:
    """Names used by a template made only of << name|filter >> parts; None if it has more."""
    if "<%" in body or "<#" in body:
        return None
    names: set[str] = set()
    for m in _SIMPLE_VALUE.finditer(body):
        if any(f not in environment().filters for f in _FILTER_NAME.findall(m.group(2))):
            return None
        names.add(m.group(1))
    rest = _SIMPLE_VALUE.sub("", body)
    return None if ("<<" in rest or ">>" in rest) else names


def _forbidden_node(ast_: nodes.Template, key: str, filters: Sequence[str]) -> tuple[str, str] | None:
    """The first thing a template may not do (include, unknown filter, attribute, call, odd index)."""
    for stmt in ast_.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = {nodes.Include: "include", nodes.Extends: "extends"}.get(type(stmt), "import")
        return (f"template in {key} uses '<% {word} %>', which is not allowed",
                "each text stands alone: write it out, or compute values under derived")
    for flt in ast_.find_all(nodes.Filter):
        if flt.name not in filters:
            return (f"unknown filter '|{flt.name}' in {key}",
                    E.suggest(flt.name, sorted(filters)) or f"filters: {', '.join(sorted(filters))}")
    for node in ast_.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Getattr):
            return f"template in {key} accesses attribute '{node.attr}', which is not allowed", _NOT_A_VALUE
        if isinstance(node, nodes.Call):
            return f"template in {key} calls a function, which is not allowed", _NOT_A_VALUE
        index = getattr(getattr(node, "arg", None), "value", None)
        if not isinstance(index, int) or isinstance(index, bool):
            return (f"template in {key} indexes with something other than a whole number",
                    "write << v[0] >>, or compute the value under derived")
    return None


def check_template(ctx: Ctx, pos: Pos, body: str, key: str, known: set[str]) -> None:
    simple = _simple_template_names(body)
    if simple is not None:  # the common case, checked without a full jinja parse
        for name in sorted(simple - known):
            ctx.at(pos, f"unknown name '{name}' in {key}",
                   E.suggest(name, sorted(known)) or "define it in params or derived")
        return
    env = environment()
    try:
        ast_ = env.parse(body)
    except TemplateSyntaxError as e:
        line = pos[0] + (e.lineno - 1 if e.lineno else 0) + (1 if "\n" in body and pos else 0)
        ctx.at((line, pos[1]), f"template syntax error in {key}: {e.message}",
               "values are written << name >> and statements <% if ... %>")
        return
    forbidden = _forbidden_node(ast_, key, list(env.filters))
    if forbidden:
        ctx.at(pos, *forbidden)
        return
    for name in sorted(meta.find_undeclared_variables(ast_)):
        if name not in known:
            ctx.at(pos, f"unknown name '{name}' in {key}",
                   E.suggest(name, sorted(known)) or "define it in params or derived")


def _figure_args(ctx: Ctx, raw_args: Map, kind: str, params: Sequence[str],
                 known: set[str]) -> list[tuple[str, E.Expr]]:
    args: list[tuple[str, E.Expr]] = []
    for name, raw in raw_args.items():
        if name not in params:
            ctx.at(raw_args.where_key(name), f"figure '{kind}' has no argument '{name}'",
                   E.suggest(name, sorted(params)) or f"arguments: {', '.join(params)}")
            continue
        what = f"figure argument '{name}'"
        ex = parse_expr(ctx, raw_args.where(name), raw, what)
        if ex is not None and check_names(ctx, raw_args.where(name), ex, known, what, functions()[0]):
            args.append((name, ex))
    return args


def figure(ctx: Ctx, m: Any, pos: Pos, known: set[str]) -> FigureSpec | None:
    """A figure: a known kind, its arguments as expressions over `known`, a side and alt text."""
    from ankigen import figures  # noqa: PLC0415 - matplotlib, only for items with a figure

    if not isinstance(m, Map):
        ctx.at(pos, f"'figure' must be a mapping, got {type_name(m)}", "write figure: {kind: ..., args: {...}}")
        return None
    check_keys(ctx, m, FIGURE_KEYS, "figure")
    kind = want(ctx, m, "kind", str, "text")
    if kind is None:
        return None
    spec = figures.REGISTRY.get(kind)
    if spec is None:
        ctx.at(m.where("kind"), f"unknown figure kind '{kind}'",
               E.suggest(kind, sorted(figures.REGISTRY)) or "run 'ankigen figures' to list kinds")
        return None
    raw_args = m.get("args", Map())
    if not isinstance(raw_args, Map):
        ctx.at(m.where("args"), f"'args' must be a mapping, got {type_name(raw_args)}",
               "write args: {name: expression}")
        return None
    args = _figure_args(ctx, raw_args, kind, spec.params, known | functions()[1])
    for name in spec.required:
        if name not in raw_args:
            ctx.at(m.pos, f"figure '{kind}' needs argument '{name}'", f"add it under args: {name}: ...")
    side = m.get("side", FIGURE_SIDE)
    if side not in ("front", "back"):
        ctx.at(m.where("side"), f"figure side must be 'front' or 'back', got {side!r}",
               "write side: front or side: back")
        side = FIGURE_SIDE
    alt = text(ctx, m, "alt") or spec.title
    return FigureSpec(kind, tuple(args), side, alt, ctx.loc(m.pos))


def conditions(ctx: Ctx, raw: Seq, what: str, known: set[str]) -> list[tuple[E.Expr, Loc]]:
    """A list of exact conditions (constraints, degenerate cases) over `known` names."""
    out = []
    for i, body in enumerate(raw):
        p = raw.where(i)
        ex = parse_expr(ctx, p, body, what)
        if ex is not None and check_names(ctx, p, ex, known, what, functions()[0]):
            out.append((ex, ctx.loc(p)))
    return out


def dependency_order(nodes_: Sequence[T], needs: Callable[[T], Sequence[T]],
                     rank: Callable[[T], Any]) -> tuple[list[T], list[T] | None]:
    """Nodes in an order where each comes after what it needs, ties by `rank` (so an order that
    already works is kept); or, with a cycle, the nodes in order plus the cycle, each node needing
    the next, the first repeated at the end."""
    sorter: graphlib.TopologicalSorter[T] = graphlib.TopologicalSorter()
    for n in nodes_:
        sorter.add(n, *needs(n))
    try:
        sorter.prepare()
    except graphlib.CycleError as e:
        found: list[T] = list(reversed(e.args[1]))[:-1]  # graphlib lists each node before its dependents
        start = min(range(len(found)), key=lambda i: rank(found[i]))
        cycle = found[start:] + found[:start]
        return list(nodes_), [*cycle, cycle[0]]
    out: list[T] = []
    ready: list[T] = []
    while sorter.is_active():
        ready.extend(sorter.get_ready())
        ready.sort(key=rank)
        out.append(ready.pop(0))
        sorter.done(out[-1])
    return out, None
