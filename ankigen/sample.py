"""Sample stage: draw a problem's parameters for (seed, slot), honoring its constraints.

Each variant gets its own random stream from SHA-256 of (seed, item id, slot),
so adding or reordering problems never changes another problem's numbers.
Constraints are declared; draws are rejected and retried up to a cap, and when the first
few hundred draws are slow and none is accepted, sampling stops early with an error naming
the constraint that failed most. The accepted draw carries its derived values (`Sampled`),
computed once: constraints on derived values and the mistake check read them, and solve
does not derive again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import sympy as sp

from ankigen import identity
from ankigen.errors import ItemError, UserError, Variant
from ankigen.exact import exact_evaluator, make_symbols
from ankigen.model import Draw, Problem, Sampled
from ankigen.solve import derive

MAX_ATTEMPTS = 2000
# No accepted draw among the first EARLY_DRAWS, and they took EARLY_SECONDS or more (each draw
# computes derived values): the constraints (nearly) never hold, so say so now instead of
# drawing for a minute. Cheap draws go on to MAX_ATTEMPTS, so rare constraints still work.
EARLY_DRAWS = 300
EARLY_SECONDS = 1.0

COLLISION = "a mistake's value equals the answer"


def draw_params(problem: Problem, rng: random.Random, symbols: dict[str, Any]) -> dict[str, Any]:
    """One raw draw of the parameters (choices may use the symbols and earlier parameters)."""
    values: dict[str, Any] = {}
    for p in problem.params:
        if p.kind == "int":
            values[p.name] = sp.Integer(rng.randint(p.lo, p.hi))
        else:
            choice = p.choices[rng.randrange(len(p.choices))]
            values[p.name] = exact_evaluator({**symbols, **values}).eval(choice)
    return values


def raw_draw(problem: Problem, rng: random.Random, symbols: dict[str, Any],
             needs_derived: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """One draw's parameters and the values its constraints read: every derived value too when a
    constraint reads one (ItemError if one cannot be computed)."""
    values = draw_params(problem, rng, symbols)
    ns: dict[str, Any] = {**symbols, **values}
    if needs_derived:
        ns = derive(problem, ns, stop_on_error=False)
    return values, ns


def constraints_need_derived(problem: Problem) -> bool:
    derived = {name for name, _, _ in problem.derived}
    return any(ex.names & derived for ex, _ in problem.constraints)


def sample(problem: Problem, seed: int, slot: int,
           accept: Callable[[dict[str, Any]], bool] | None = None) -> Sampled:
    """Draw parameters satisfying every constraint, or raise a UserError naming the culprit.

    `accept` (given every value of the draw, derived ones included) may reject a draw that
    passed the constraints, e.g. one where a declared mistake coincides with the answer; it is
    redrawn like a failed constraint.
    """
    variant = Variant(problem.id, seed, slot)
    rng = random.Random(identity.variant_seed(seed, problem.id, slot))
    symbols = make_symbols(list(problem.symbols))
    rejected: dict[str, int] = {}
    start = time.monotonic()
    tried = MAX_ATTEMPTS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt == EARLY_DRAWS + 1 and time.monotonic() - start >= EARLY_SECONDS:
            tried = EARLY_DRAWS
            break
        values, ns, failed = _attempt(problem, rng, symbols, variant)
        if failed is None and accept is not None and not accept(ns):
            failed = COLLISION
        if failed is None:
            draw = Draw(problem.id, seed, slot, tuple(values.items()), attempt, rejected.get(COLLISION, 0))
            return Sampled(draw, tuple(ns.items()))
        rejected[failed] = rejected.get(failed, 0) + 1
    raise _unsatisfied(problem, rejected, tried, variant)


def _attempt(problem: Problem, rng: random.Random, symbols: dict[str, Any],
             variant: Variant) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """One draw: its parameters, every value (derived ones once the constraints hold), and the
    constraint that failed (None if all hold).

    When a constraint reads a derived value, everything is derived first and a value that
    cannot be computed rejects the draw; otherwise that is an error of the source.
    """
    needs_derived = constraints_need_derived(problem)
    try:
        values, ns = raw_draw(problem, rng, symbols, needs_derived)
        failed = _failed_constraint(problem, ns, needs_derived)
    except ItemError as e:
        if not needs_derived:
            raise problem.loc.error(e.message, item=f"problem '{problem.id}'", hint=e.hint) from e
        return {}, {}, f"(evaluation failed: {e.message})"
    if failed is None and not needs_derived:
        ns = derive(problem, ns, variant=variant)
    return values, ns, failed


def _failed_constraint(problem: Problem, ns: dict[str, Any], needs_derived: bool) -> str | None:
    """The first constraint that does not hold, or None."""
    derived = {n for n, _, _ in problem.derived}
    for ex, loc in problem.constraints:
        try:
            holds = exact_evaluator(ns).holds(ex)
        except ItemError as e:
            if not (needs_derived and ex.names & derived):
                raise loc.error(f"constraint '{ex.text}': {e.message}", item=f"problem '{problem.id}'",
                                hint=e.hint) from e
            holds = False
        if not holds:
            return ex.text
    return None


def _unsatisfied(problem: Problem, rejected: dict[str, int], tried: int, variant: Variant) -> UserError:
    worst = max(rejected, key=lambda k: rejected[k])
    loc = next((c_loc for c, c_loc in problem.constraints if c.text == worst), problem.loc)
    return loc.error(
        f"no parameters satisfied constraint '{worst}' in {tried} draws "
        f"({variant.label}; acceptance rate 0.0%)",
        item=f"problem '{problem.id}'",
        hint="widen the parameter ranges or relax the constraint" if worst != COLLISION
        else "add a constraint that keeps the mistake's value away from the answer")
