"""Sample stage: draw a problem's parameters for (seed, slot), honoring its constraints.

Each variant gets its own random stream from SHA-256 of (seed, item id, slot),
so adding or reordering problems never changes another problem's numbers.
Constraints are declared; draws are rejected and retried up to a cap, and when the first
few hundred draws are slow and none is accepted, sampling stops early with an error naming
the constraint that failed most.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from ankigen import identity
from ankigen.errors import Issue, ItemError, UserError
from ankigen.model import Draw, Problem

MAX_ATTEMPTS = 2000
# No accepted draw among the first EARLY_DRAWS, and they took EARLY_SECONDS or more (each draw
# computes derived values): the constraints (nearly) never hold, so say so now instead of
# drawing for a minute. Cheap draws go on to MAX_ATTEMPTS, so rare constraints still work.
EARLY_DRAWS = 300
EARLY_SECONDS = 1.0


def _draw_once(problem: Problem, rng: random.Random, evaluator_ns: dict[str, Any]) -> dict[str, Any]:
    from ankigen.exact import exact_evaluator

    values: dict[str, Any] = {}
    for p in problem.params:
        if p.kind == "int":
            import sympy as sp

            values[p.name] = sp.Integer(rng.randint(p.lo, p.hi))
        else:
            choice = p.choices[rng.randrange(len(p.choices))]
            values[p.name] = exact_evaluator({**evaluator_ns, **values}).eval(choice)
    return values


COLLISION = "a mistake's value equals the answer"


def sample(problem: Problem, seed: int, slot: int,
           accept: Callable[[dict[str, Any]], bool] | None = None) -> Draw:
    """Draw parameters satisfying every constraint, or raise a UserError naming the culprit.

    `accept` (given the parameters) may reject a draw that passed the constraints, e.g. one
    where a declared mistake coincides with the answer; it is redrawn like a failed constraint.
    """
    from ankigen.exact import exact_evaluator, make_symbols

    rng = random.Random(identity.variant_seed(seed, problem.id, slot))
    symbols = make_symbols(list(problem.symbols))
    rejected: dict[str, int] = {}
    derived_needed = _constraint_needs_derived(problem)
    start = time.monotonic()
    tried = MAX_ATTEMPTS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt == EARLY_DRAWS + 1 and time.monotonic() - start >= EARLY_SECONDS:
            tried = EARLY_DRAWS
            break
        try:
            values = _draw_once(problem, rng, symbols)
            ns: dict[str, Any] = {**symbols, **values}
            if derived_needed:
                from ankigen.solve import derive

                ns = derive(problem, ns, stop_on_error=False)
            failed = None
            for ex, loc in problem.constraints:
                ev = exact_evaluator(ns)
                try:
                    holds = ev.backend.truth(ev.eval(ex))
                except ItemError as e:
                    if derived_needed and ex.names & {n for n, _, _ in problem.derived}:
                        holds = False
                    else:
                        raise UserError([Issue(f"constraint '{ex.text}': {e.message}", path=loc.path,
                                               line=loc.line, column=loc.column,
                                               item=f"problem '{problem.id}'", hint=e.hint)]) from e
                if not holds:
                    failed = ex.text
                    break
        except ItemError as e:
            if derived_needed:
                failed = f"(evaluation failed: {e.message})"
            else:
                raise _located(problem, e) from e
        if failed is None and accept is not None and not accept(values):
            failed = COLLISION
        if failed is None:
            return Draw(problem.id, seed, slot, tuple(values.items()), attempt,
                        rejected.get(COLLISION, 0))
        rejected[failed] = rejected.get(failed, 0) + 1
    worst = max(rejected, key=lambda k: rejected[k])
    loc = next((c_loc for c, c_loc in problem.constraints if c.text == worst), problem.loc)
    raise UserError([Issue(
        f"no parameters satisfied constraint '{worst}' in {tried} draws "
        f"(seed {seed}, slot {slot}; acceptance rate 0.0%)",
        path=loc.path, line=loc.line, column=loc.column, item=f"problem '{problem.id}'",
        hint="widen the parameter ranges or relax the constraint" if worst != COLLISION
        else "add a constraint that keeps the mistake's value away from the answer")])


def _constraint_needs_derived(problem: Problem) -> bool:
    derived = {name for name, _, _ in problem.derived}
    return any(ex.names & derived for ex, _ in problem.constraints)


def _located(problem: Problem, e: ItemError) -> UserError:
    return UserError([Issue(e.message, path=problem.loc.path, line=problem.loc.line,
                            column=problem.loc.column, item=f"problem '{problem.id}'", hint=e.hint)])


def acceptance_rate(problem: Problem, seed: int, tries: int = 200) -> float:
    """Fraction of raw draws that pass every constraint (for `ankigen check`)."""
    from ankigen.exact import exact_evaluator, make_symbols

    if not problem.constraints:
        return 1.0
    rng = random.Random(identity.variant_seed(seed, problem.id, -1))
    symbols = make_symbols(list(problem.symbols))
    ok = 0
    for _ in range(tries):
        try:
            values = _draw_once(problem, rng, symbols)
            ns: dict[str, Any] = {**symbols, **values}
            if _constraint_needs_derived(problem):
                from ankigen.solve import derive

                ns = derive(problem, ns, stop_on_error=False)
            ev = exact_evaluator(ns)
            if all(ev.backend.truth(ev.eval(c)) for c, _ in problem.constraints):
                ok += 1
        except ItemError:
            pass
    return ok / tries
