"""Solve stage: compute every derived value exactly with sympy, in declaration order.

Sampling derives (constraints and the mistake check need the values), so `solve` only labels
the accepted draw as solved.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ankigen.errors import ItemError, Variant
from ankigen.exact import exact_evaluator
from ankigen.model import Problem, Sampled, Solved


def _undefined(value: Any) -> bool:
    if isinstance(value, list):
        return any(_undefined(v) for v in value)
    if isinstance(value, sp.MatrixBase):
        return any(_undefined(v) for v in value)
    if isinstance(value, sp.Basic):
        return bool(value.has(sp.zoo, sp.nan))
    return False


def derive(problem: Problem, namespace: dict[str, Any], *, stop_on_error: bool = True,
           variant: Variant | None = None) -> dict[str, Any]:
    """Evaluate derived values on top of `namespace`.

    A value that fails raises ItemError if not stopping (the caller rejects the draw), else a
    UserError located at the value, labelled with the variant."""
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
            raise loc.error(e.message, item=f"problem '{problem.id}'", hint=e.hint, variant=variant) from e
    return ns


def solve(problem: Problem, sampled: Sampled) -> Solved:
    return Solved(problem, sampled.draw, sampled.values)
