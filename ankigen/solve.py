"""Solve stage: compute every derived value exactly with sympy, in declaration order."""

from __future__ import annotations

from typing import Any

from ankigen.errors import Issue, ItemError, UserError
from ankigen.model import Draw, Problem, Solved


def _undefined(value: Any) -> bool:
    import sympy as sp

    if isinstance(value, list):
        return any(_undefined(v) for v in value)
    if isinstance(value, sp.MatrixBase):
        return any(_undefined(v) for v in value)
    if isinstance(value, sp.Basic):
        return bool(value.has(sp.zoo, sp.nan))
    return False


def derive(problem: Problem, namespace: dict[str, Any], *, stop_on_error: bool = True) -> dict[str, Any]:
    """Evaluate derived values on top of `namespace`; missing ones are skipped if not stopping."""
    from ankigen.exact import exact_evaluator

    ns = dict(namespace)
    for name, ex, loc in problem.derived:
        try:
            value = exact_evaluator(ns).eval(ex)
            if _undefined(value):
                raise ItemError(f"derived value '{name}' = {value} is undefined "
                                "(division by zero or a limit that does not exist)",
                                "add a constraint that excludes these parameters")
            ns[name] = value
        except ItemError as e:
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
