"""Verify stage: every answer shown on a card must match an independent numeric computation.

A check names the derived value the answer shows (`shown`) and a numpy
expression (`expect`) that may only use the parameters and the values the
question itself shows (`given`). Two things must hold: the card's answer text
contains that value's LaTeX, and the value agrees with the numeric result.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import numpy as np
import sympy as sp

from ankigen import identity
from ankigen.errors import ItemError, UserError, Variant
from ankigen.model import CheckResult, Concept, IdentityCheck, Solved, Verified
from ankigen.numeric import numeric_evaluator, to_numeric
from ankigen.render import tex


def _flat(v: Any) -> np.ndarray:
    """Numbers, arrays, or lists mixing vectors and matrices, as one flat complex array."""
    if isinstance(v, list | tuple):
        parts = [_flat(x) for x in v]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=complex)
    return np.asarray(v, dtype=complex).ravel()


_GROUP_OPENER = re.compile(r"(\\[dt]?frac|\\sqrt|\\binom|[\^_]|\})\s*$")


def shows(text: str, value_tex: str) -> bool:
    """Does `text` show `value_tex` as a value of its own, not as part of a bigger number?

    '1' is not shown by '-1', '12', '0.1', 'x_1', '2^1' or '\\frac{1}{2}'.
    """
    start = 0
    while (i := text.find(value_tex, start)) >= 0:
        start = i + 1
        before, after = text[:i], text[i + len(value_tex):]
        prev = before[-1:] or " "
        nxt = after[:1] or " "
        if prev.isalnum() or prev in "._^" or (prev == "-" and not value_tex.startswith("-")):
            continue
        if prev == "{" and not before.endswith("\\{") and _GROUP_OPENER.search(before[:-1]):
            continue
        if nxt.isalnum() or nxt in "._^/":
            continue
        if nxt == "}" and after[1:2] == "{":
            continue
        return True
    return False


def _close(a: Any, b: Any, tol: float) -> tuple[bool, float]:
    try:
        x = _flat(a)
        y = _flat(b)
    except (TypeError, ValueError):
        return False, float("inf")
    if x.size != y.size:
        return False, float("inf")
    x, y = x.ravel(), y.ravel()
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return bool(np.all(x == y)), 0.0 if np.all(x == y) else float("inf")
    err = np.abs(x - y) / np.maximum(1.0, np.abs(y))
    worst = float(np.max(err)) if err.size else 0.0
    return worst <= tol, worst


def _fmt(v: Any) -> str:
    try:
        arr = _flat(v)
    except (TypeError, ValueError):
        return repr(v)
    if arr.size == 1:
        c = complex(arr.ravel()[0])
        return f"{c.real:.12g}" if abs(c.imag) < 1e-12 else f"{c:.6g}"
    return np.array2string(np.real_if_close(arr), precision=8, separator=", ")


# Points where formula-valued answers are compared (not integers, not symmetric, not 0).
SAMPLE_POINTS = (-1.37, -0.61, 0.43, 1.19, 2.71, 0.87)


def _compare_functions(value: Any, symbols: list[str], expect: Any, numeric_ns: dict[str, Any],
                       tol: float) -> tuple[bool, float, Any, Any]:
    """An answer that is a formula in symbols: compare with the check at several points."""
    syms = [sp.Symbol(n, real=True) for n in symbols]
    fn = sp.lambdify(syms, value, modules="numpy")
    worst, compared = 0.0, 0
    first_card = first_expected = None
    for i in range(len(SAMPLE_POINTS)):
        point = {n: SAMPLE_POINTS[(i + 2 * k) % len(SAMPLE_POINTS)] for k, n in enumerate(symbols)}
        try:
            with np.errstate(all="ignore"):
                card = np.asarray(fn(*point.values()), dtype=complex)
                expected = numeric_evaluator({**numeric_ns, **point}).eval(expect)
        except (ItemError, ZeroDivisionError, ValueError, OverflowError):
            continue
        if not (np.all(np.isfinite(card)) and np.all(np.isfinite(np.asarray(expected, dtype=complex)))):
            continue
        ok, err = _close(card, expected, tol)
        compared += 1
        if first_card is None or not ok:
            first_card, first_expected = card, expected
        worst = max(worst, err)
        if not ok:
            return False, err, first_card, first_expected
    if compared < 2:
        raise ItemError(f"the answer is a formula in {', '.join(symbols)} but fewer than 2 of the "
                        "sample points give finite values", "check the formula's domain")
    return True, worst, first_card, first_expected


def verify(solved: Solved, answer_html: str, solution_html: str = "") -> Verified:
    """Check one solved variant against the answer (and solution) text of its card."""
    problem, draw = solved.problem, solved.draw
    variant = Variant(problem.id, draw.seed, draw.slot)
    item_label = f"problem '{problem.id}'"
    values = solved.namespace()
    allowed = {p.name for p in problem.params} | set(problem.given)
    numeric_ns = {k: to_numeric(v) for k, v in values.items() if k in allowed}
    results = []
    issues = []
    # MathJax reads the text of the field, where &amp; is & (matrix column separators)
    field_texts = {"answer": unescape(answer_html), "solution": unescape(solution_html)}
    for item in problem.checks:
        card_value = values[item.shown]
        shown_tex = tex(card_value)
        if not shows(field_texts[item.field], shown_tex):
            issues.append(item.loc.issue(f"the {item.field} does not show '{item.shown}' = {shown_tex}",
                                         item=item_label, hint=f"write << {item.shown} >> in the {item.field}",
                                         variant=variant))
            continue
        symbols = sorted(s.name for s in getattr(card_value, "free_symbols", ()))
        try:
            if symbols:
                ok, err, card_num, expected = _compare_functions(
                    card_value, symbols, item.expect, numeric_ns, item.tol)
            else:
                expected = numeric_evaluator(numeric_ns).eval(item.expect)
                card_num = to_numeric(card_value)
                ok, err = _close(card_num, expected, item.tol)
        except ItemError as e:
            issues.append(item.loc.issue(f"check expect failed: {e.message}", item=item_label, hint=e.hint,
                                         variant=variant))
            continue
        results.append(CheckResult(item.shown, card_value, expected, ok, err))
        if not ok:
            issues.append(item.loc.issue(
                f"check failed for {variant.label}: card shows "
                f"{item.shown} = {_fmt(card_num)} but the check computes {_fmt(expected)}",
                item=item_label,
                hint=f"relative error {err:.3g} > tol {item.tol:g}; fix the derivation or the check"))
    if issues:
        raise UserError(issues)
    return Verified(solved, tuple(results), answer_html, solution_html)


def check_identity(concept: Concept, seed: int) -> int:
    """Run a concept's formula checks on random inputs; return the number of trials passed."""
    return sum(_check_one_identity(concept, chk, seed) for chk in concept.checks)


def _check_one_identity(concept: Concept, chk: IdentityCheck, seed: int) -> int:
    rng = np.random.default_rng(identity.variant_seed(seed, concept.id, 0) % (2**63))
    item_label = f"concept '{concept.id}'"
    for trial in range(chk.trials):
        ns: dict[str, Any] = {}
        try:
            for name, ex in chk.vars:
                ns[name] = numeric_evaluator(ns, rng).eval(ex)
            ev = numeric_evaluator(ns, rng)
            if chk.holds is not None and not ev.holds(chk.holds):
                raise chk.loc.error(f"identity check 'holds' is false on trial {trial} (seed {seed})",
                                    item=item_label, hint="fix the formula or its check")
            if chk.lhs is not None and chk.rhs is not None:
                lhs, rhs = ev.eval(chk.lhs), ev.eval(chk.rhs)
                ok, err = _close(lhs, rhs, chk.tol)
                if not ok:
                    raise chk.loc.error(
                        f"identity check failed on trial {trial} (seed {seed}): "
                        f"lhs = {_fmt(lhs)}, rhs = {_fmt(rhs)}",
                        item=item_label, hint=f"relative error {err:.3g} > tol {chk.tol:g}")
        except ItemError as e:
            raise chk.loc.error(f"identity check failed to evaluate: {e.message}", item=item_label,
                                hint=e.hint) from e
    return chk.trials
