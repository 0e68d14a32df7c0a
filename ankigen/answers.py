"""The answer checker: the spec of each answer box, built from an exact sympy value.

`spec_for` turns an exact value into the JSON entry the card script reads (I12 design:
kind number/vector/matrix/set/expr, value or sample points and values, rtol/atol/sig/
close_rtol, mistakes, and `text`, the expected value as typable plain text). The judge
itself is in ankigen/answerjudge.py (re-exported here), the reader in answerparse.py.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from ankigen.answerjudge import (
    DEFAULTS,
    KINDS,
    N_POINTS,
    SpecError,
    check_json,
    compare_values,
    flat,
    grade,
    judge,
    judge_all,
    round_sig,
    shape_of,
    variant_index,
    with_defaults,
)

__all__ = ["KINDS", "SpecError", "check_json", "collisions", "grade", "judge", "judge_all",
           "overrides_for_form", "perturbed_forms", "plain", "round_sig", "spec_for", "typed_forms",
           "variant_index"]

# ---------------------------------------------------------------- building specs

class _Plain(StrPrinter):  # type: ignore[misc, unused-ignore]  # sympy's printers are untyped
    """sympy's str printer, writing e and abs() the way the judge reads them back."""

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"


def plain(value: Any, kind: str | None = None) -> str:
    """Plain text of an exact value that the judge reads back ('sqrt(2)/2', '(1, 2)', 'x^2')."""
    kind = kind or _default_kind(value)
    if kind in ("vector", "set") or (kind == "expr" and _is_vectorish(value)):
        items = list(value) if not isinstance(value, sp.MatrixBase) else list(value)
        if kind == "set":
            items = sorted(items, key=lambda v: float(sp.re(sp.N(v))))
        inner = ", ".join(plain(v, "number") for v in items)
        return "{" + inner + "}" if kind == "set" else "(" + inner + ")"
    if kind == "matrix" or (kind == "expr" and isinstance(value, sp.MatrixBase)):
        rows = value.tolist()
        return "[" + ", ".join("[" + ", ".join(plain(v, "number") for v in r) + "]"
                               for r in rows) + "]"
    return str(_Plain().doprint(sp.sympify(value))).replace("**", "^")


def _is_vectorish(value: Any) -> bool:
    return isinstance(value, sp.MatrixBase) and 1 in value.shape


def _free(value: Any) -> set[Any]:
    items = list(value) if isinstance(value, list | tuple | set | sp.FiniteSet | sp.MatrixBase) else [value]
    return set().union(*(sp.sympify(v).free_symbols for v in items))


def _default_kind(value: Any) -> str:
    if isinstance(value, sp.MatrixBase):
        if _free(value):
            return "expr"
        return "vector" if 1 in value.shape else "matrix"
    if isinstance(value, list | tuple | set | sp.FiniteSet):
        return "set"
    return "expr" if _free(value) else "number"


def _num(v: Any) -> float:
    try:
        c = complex(sp.N(v, 30))
    except (TypeError, ValueError) as e:
        raise SpecError(f"value {v} is not a number") from e
    if abs(c.imag) > 1e-12 * max(1.0, abs(c.real)) or not math.isfinite(c.real):
        raise SpecError(f"value {v} is not a finite real number")
    return c.real


def _json_value(value: Any, kind: str) -> Any:
    """Floats in the spec's shape: number, flat list (vector/set) or rows (matrix)."""
    if kind == "matrix":
        if not isinstance(value, sp.MatrixBase):
            raise SpecError("kind 'matrix' needs a matrix value")
        return [[_num(x) for x in row] for row in value.tolist()]
    if kind in ("vector", "set"):
        if not isinstance(value, list | tuple | set | sp.FiniteSet | sp.MatrixBase):
            return [_num(value)]
        out = [_num(x) for x in (list(value) if not isinstance(value, set) else value)]
        return sorted(out) if kind == "set" else out
    return _num(value)


def _at(value: Any, sub: dict[Any, Any]) -> Any:
    """The exact value at a point, as floats in the answer's shape (SpecError if undefined)."""
    if isinstance(value, sp.MatrixBase):
        kind = "vector" if 1 in value.shape else "matrix"
        return _json_value(value.subs(sub), kind)
    return _num(sp.sympify(value).subs(sub))


def _points(value: Any, others: list[Any], names: list[str], seed: int,
            n: int) -> tuple[list[list[float]], list[Any], list[list[Any]]]:
    """Deterministic points where the value and every mistake are finite and moderate."""
    rng = random.Random(seed)
    free = {str(s): s for v in [value, *others] for s in _free(v)}  # the value's own symbols
    syms = [free.get(x, sp.Symbol(x)) for x in names]  # (e.g. real=True) are substituted
    points: list[list[float]] = []
    values: list[Any] = []
    mistakes: list[list[Any]] = [[] for _ in others]
    for attempt in range(400):
        if len(points) == n:
            break
        lo = 0.2 if attempt % 2 == 0 else -2.5  # half the points positive: log, sqrt
        p = [round(rng.uniform(lo, 2.5), 2) for _ in names]
        if p in points or any(abs(x) < 0.1 for x in p):
            continue
        sub = {s: sp.Rational(str(x)) for s, x in zip(syms, p, strict=True)}
        try:
            got = [_at(v, sub) for v in [value, *others]]
        except SpecError:
            continue
        if max(abs(x) for g in got for x in flat(g)) > 1e6:
            continue
        points.append(p)
        values.append(got[0])
        for m, g in zip(mistakes, got[1:], strict=True):
            m.append(g)
    if len(points) < 6:
        raise SpecError(f"found only {len(points)} sample points where {value} is finite; "
                        "at least 6 are needed")
    return points, values, mistakes


def spec_for(value: Any, *, name: str = "", label: str = "", kind: str | None = None,
             variables: list[str] | None = None, mistakes: Sequence[tuple[Any, str]] = (),
             seed: int = 0, n_points: int = N_POINTS, rtol: float | None = None,
             atol: float | None = None, sig: int | None = None,
             close_rtol: float | None = None) -> dict[str, Any]:
    """The checker spec of one answer box from an exact sympy value (see I12 design)."""
    if isinstance(value, list | tuple | set):
        value = [sp.sympify(v) for v in value]
    elif not isinstance(value, sp.MatrixBase):
        value = sp.sympify(value)
    kind = kind or _default_kind(value)
    if kind not in KINDS:
        raise SpecError(f"unknown answer kind '{kind}' (one of {', '.join(KINDS)})")
    tol = {"rtol": rtol, "atol": atol, "sig": sig, "close_rtol": close_rtol}
    entry: dict[str, Any] = {"name": name, "label": label, "kind": kind, "value": None,
                             **{k: DEFAULTS[k] if v is None else v for k, v in tol.items()}}
    if kind == "expr":
        names = sorted(variables or [str(s) for s in _free(value)])
        if not {str(s) for s in _free(value)} <= set(names):
            raise SpecError(f"value {value} uses symbols not in {names}")
        pts, vals, mvals = _points(value, [m for m, _ in mistakes], names, seed, n_points)
        entry.update(vars=names, points=pts, values=vals)
        entry["mistakes"] = [{"value": mv, "message": msg}
                             for mv, (_, msg) in zip(mvals, mistakes, strict=True)]
    else:
        entry["value"] = _json_value(value, kind)
        entry["mistakes"] = [{"value": _json_value(m, kind), "message": msg} for m, msg in mistakes]
        for m in entry["mistakes"]:
            if shape_of(m["value"]) != shape_of(entry["value"]) or \
                    len(flat(m["value"])) != len(flat(entry["value"])):
                raise SpecError(f"mistake '{m['message']}' does not have the answer's shape")
    entry["text"] = plain(value, kind)
    verdict = judge(entry, entry["text"])
    if verdict["verdict"] != "correct":
        raise SpecError(f"the answer {entry['text']} cannot be typed and checked "
                        f"({verdict['reason'] or verdict['verdict']})")
    return entry


def collisions(entry: dict[str, Any]) -> list[int]:
    """Indices of mistakes whose value the judge would call correct (reject the variant)."""
    is_expr = entry["kind"] == "expr"
    wants = [flat(v) for v in (entry["values"] if is_expr else [entry["value"]])]
    out = []
    for i, m in enumerate(entry.get("mistakes") or []):
        gots = [flat(v) for v in (m["value"] if is_expr else [m["value"]])]
        if compare_values(gots, wants, with_defaults(entry), entry["kind"] == "set") == 0:
            out.append(i)
    return out


def overrides_for_form(form: str) -> dict[str, Any]:
    """Tolerances implied by a problem's `form:` ('decimal, 3 places', '3 significant figures')."""
    m = re.search(r"(\d+)\s*(?:decimal\s+)?places?", form)
    if m:
        return {"atol": 0.5001 * 10.0 ** -int(m.group(1))}
    m = re.search(r"(\d+)\s*significant", form)
    return {"sig": int(m.group(1))} if m else {}


_WIDE = str.maketrans("0123456789.-", "０１２３４５６７８９。−")


def _decimal(value: Any, kind: str, away: bool = False) -> str:
    def num(v: float) -> str:  # away: 10 % and 0.5 further from zero's side (never closer)
        return f"{v + 0.1 * abs(v) + 0.5 if away else v:.12g}"
    if kind == "number":
        return num(value)
    if kind == "matrix":
        return "[" + ", ".join("[" + ", ".join(num(v) for v in row) + "]" for row in value) + "]"
    inner = ", ".join(num(v) for v in (reversed(value) if kind == "set" else value))
    return "{" + inner + "}" if kind == "set" else "(" + inner + ")"


def typed_forms(entry: dict[str, Any]) -> list[str]:
    """Ways a learner may type the expected value; the judge must call each one correct."""
    text = entry["text"]
    if entry["kind"] == "expr":
        return [text, text.replace("^", "**"), text.replace("*", "·"), " ".join(text), text.translate(_WIDE)]
    dec = _decimal(entry["value"], entry["kind"])
    return [text, dec, f" {dec} ", dec.translate(_WIDE).replace(",", "，"), text.replace("-", "−")]


def perturbed_forms(entry: dict[str, Any]) -> list[str]:
    """Values 10 % + 0.5 above the expected one; the judge must call them wrong (or a mistake)."""
    if entry["kind"] == "expr":
        return [f"({entry['text']})+1", f"1.1({entry['text']})+0.5"] \
            if shape_of(entry["values"][0]) == "number" else []
    return [_decimal(entry["value"], entry["kind"], away=True)]
