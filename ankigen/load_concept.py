"""Load stage, concept part: static cards (front/back or cloze) and their formula checks."""

from __future__ import annotations

from ankigen import expr as E
from ankigen.load_checks import check_latex, check_names, figure, functions, parse_expr
from ankigen.load_shape import (
    Ctx,
    check_keys,
    defines,
    digest,
    each_map,
    tags,
    text,
    tolerance,
    type_name,
    want,
)
from ankigen.model import Concept, IdentityCheck
from ankigen.texutil import cloze_problems
from ankigen.yamlpos import Map, Seq

CONCEPT_KEYS = {"id": True, "front": False, "back": False, "cloze": False, "extra": False,
                "figure": False, "tags": False, "check": False, "defines": False}
IDENTITY_KEYS = {"vars": False, "lhs": False, "rhs": False, "holds": False, "tol": False,
                 "trials": False}
TEXT_KEYS = ("front", "back", "cloze", "extra")


def _texts(ctx: Ctx, m: Map) -> dict[str, str]:
    """The card's texts, checked: LaTeX balanced, cloze syntax right, no template syntax."""
    has_cloze = "cloze" in m
    cloze_issues = cloze_problems(m["cloze"]) if has_cloze and isinstance(m["cloze"], str) else []
    texts = {}
    for key in TEXT_KEYS:
        t = text(ctx, m, key)
        texts[key] = t or ""
        if t and not (key == "cloze" and cloze_issues):
            check_latex(ctx, m.where(key), t, key)
            if "<<" in t or "<%" in t:
                ctx.at(m.where(key), f"concept {key} contains template syntax '<<' or '<%'",
                       "concepts are static text; use a problem for computed values")
    for msg, hint in cloze_issues:
        ctx.at(m.where("cloze"), msg, hint)
    return texts


def load_concept(ctx: Ctx, m: Map, topic: str) -> Concept:
    meant = check_keys(ctx, m, CONCEPT_KEYS, "concept")
    has_cloze = "cloze" in m
    if has_cloze and ("front" in m or "back" in m):
        ctx.at(m.pos, "a concept has either 'cloze' or 'front'/'back', not both", "split it into two concepts")
    if not has_cloze:
        for key in ("front", "back"):
            if key not in m and key not in meant:
                ctx.at(m.pos, f"missing required key '{key}' in concept", "a concept needs front and back, or cloze")
    texts = _texts(ctx, m)
    fig = figure(ctx, m["figure"], m.where("figure"), set()) if "figure" in m else None
    checks = _identity_checks(ctx, m) if "check" in m else ()
    return Concept(
        id=m["id"], topic=topic, kind="cloze" if has_cloze else "basic",
        front=texts["front"], back=texts["back"], text=texts["cloze"], extra=texts["extra"],
        figure=fig, tags=tags(ctx, m), checks=checks, loc=ctx.loc(m.pos), digest=digest(m),
        defines=defines(ctx, m),
    )


def _identity_checks(ctx: Ctx, m: Map) -> tuple[IdentityCheck, ...]:
    raw = m["check"]
    if isinstance(raw, Map):  # the single-mapping form sources used to have
        ctx.at(m.where("check"), "'check' must be a list of checks, got a single mapping",
               "put '- ' before its first key, as in check: [{vars: ..., lhs: ..., rhs: ...}]; "
               "concepts and problems write checks the same way")
        return ()
    if not isinstance(raw, Seq) or not raw:
        ctx.at(m.where("check"), f"'check' of a concept must be a non-empty list, got {type_name(raw)}",
               "write check: [{vars: {...}, lhs: ..., rhs: ...}]")
        return ()
    hint = "write {vars: {...}, lhs: ..., rhs: ...}"
    return tuple(_identity_check(ctx, item) for _, item in each_map(ctx, raw, "concept check", hint,
                                                                       IDENTITY_KEYS))


def _identity_vars(ctx: Ctx, m: Map, known: set[str], fns: set[str]) -> list[tuple[str, E.Expr]]:
    """Random inputs, each an expression over the ones before it; adds their names to `known`."""
    variables: list[tuple[str, E.Expr]] = []
    raw_vars = m.get("vars", Map())
    if not isinstance(raw_vars, Map):
        ctx.at(m.where("vars"), "'vars' must be a mapping of name: expression", "write vars: {A: randn(3, 3)}")
        raw_vars = Map()
    for name, raw in raw_vars.items():
        p = raw_vars.where(name)
        ex = parse_expr(ctx, p, raw, f"check variable '{name}'")
        if ex is not None and check_names(ctx, p, ex, known, f"check variable '{name}'", fns):
            variables.append((name, ex))
        known.add(name)
    return variables


def _identity_check(ctx: Ctx, m: Map) -> IdentityCheck:
    _, _, fns, consts = functions()
    known = set(consts)
    variables = _identity_vars(ctx, m, known, fns)
    parts: dict[str, E.Expr | None] = {}
    for key in ("lhs", "rhs", "holds"):
        if key in m:
            ex = parse_expr(ctx, m.where(key), m[key], f"check {key}")
            ok = ex is not None and check_names(ctx, m.where(key), ex, known, f"check {key}", fns)
            parts[key] = ex if ok else None
    if not (("lhs" in m and "rhs" in m) or "holds" in m):
        ctx.at(m.pos, "a concept check needs 'lhs' and 'rhs', or 'holds'",
               "write lhs: ... and rhs: ..., or holds: <condition>")
    tol = tolerance(ctx, m)
    trials = want(ctx, m, "trials", int, "a whole number")
    if trials is not None and not 1 <= trials <= 1000:
        ctx.at(m.where("trials"), f"'trials' must be between 1 and 1000, got {trials}",
               "use 20 unless the check is slow")
    return IdentityCheck(tuple(variables), parts.get("lhs"), parts.get("rhs"), parts.get("holds"),
                         tol, int(trials) if trials is not None else 20, ctx.loc(m.pos))
