"""Solve stage: compute every derived value exactly with sympy, in declaration order."""

from __future__ import annotations

from typing import Any

from ankigen.errors import Issue, UserError
from ankigen.expr import ExprError
from ankigen.model import Draw, Problem, Solved


def derive(problem: Problem, namespace: dict[str, Any], *, stop_on_error: bool = True) -> dict[str, Any]:
    """Evaluate derived values on top of `namespace`; missing ones are skipped if not stopping."""
    from ankigen.exact import exact_evaluator

    ns = dict(namespace)
    for name, ex, loc in problem.derived:
        try:
            ns[name] = exact_evaluator(ns).eval(ex)
        except ExprError as e:
            if not stop_on_error:
                raise
            raise UserError([Issue(e.message, path=loc.path, line=loc.line, column=loc.column,
                                   item=f"problem '{problem.id}'", hint=e.hint)]) from e
    return ns


def solve(problem: Problem, draw: Draw) -> Solved:
    from ankigen.exact import make_symbols

    ns: dict[str, Any] = {**make_symbols(list(problem.symbols)), **dict(draw.params)}
    try:
        full = derive(problem, ns)
    except UserError as e:
        issues = [Issue(i.message + f" (seed {draw.seed}, slot {draw.slot})", path=i.path,
                        line=i.line, column=i.column, item=i.item, hint=i.hint) for i in e.issues]
        raise UserError(issues) from e
    return Solved(problem, draw, tuple(full.items()))
