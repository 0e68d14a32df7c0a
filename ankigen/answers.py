"""The answer checker's reference judge and the spec of each answer box.

`spec_for` turns an exact sympy value into the JSON entry the card script reads
(see I12 design); `judge` decides a verdict for typed text exactly as
templates/anki/practice.js does, so the generator can test every accepted form
and reject mistakes that collide with the answer before a card ships.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ankigen.answerparse import AnswerError, evaluate, normalise, parse
from ankigen.errors import AnkigenError

KINDS = ("number", "vector", "matrix", "set", "expr")
DEFAULTS = {"rtol": 1e-6, "atol": 1e-9, "sig": None, "close_rtol": 0.02}
N_POINTS = 8
LEVELS = ("correct", "close", "wrong")


class SpecError(AnkigenError):
    """A value cannot be turned into a checker spec (complex, no finite sample points, ...)."""


class _Shape(Exception):
    """Readable input of the wrong shape: judged wrong, with the reason shown."""


# ---------------------------------------------------------------- judging

def round_sig(x: float, sig: int) -> float:
    """Round half away from zero to `sig` significant figures (JS Number.toPrecision)."""
    if x == 0 or not math.isfinite(x):
        return x
    d = Decimal(x)
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - sig + 1), rounding=ROUND_HALF_UP)
    return float(q)


def _level(t: float, v: float, e: dict[str, Any]) -> int:
    """0 correct, 1 close, 2 wrong, for one entry."""
    if not math.isfinite(t):
        return 2
    d = abs(t - v)
    if d <= max(e["atol"], e["rtol"] * abs(v)):
        return 0
    if e["sig"] and round_sig(t, e["sig"]) == round_sig(v, e["sig"]):
        return 0
    return 1 if d <= max(e["atol"], e["close_rtol"] * abs(v)) else 2


def _scalars(items: list[Any], msg: str) -> list[float]:
    if any(isinstance(x, tuple) for x in items):
        raise _Shape(msg)
    return [float(x) for x in items]


def _items(got: Any) -> list[Any] | None:
    return got[2] if isinstance(got, tuple) else None


def _vector(got: Any, n: int) -> list[float]:
    msg = f"expected a vector of {n} entries, like (1, 2)"
    items = _items(got)
    if items is None:
        items = [got]
    elif got[1] == "{":
        raise _Shape(msg)
    elif all(isinstance(x, tuple) and len(x[2]) == 1 and x[1] != "{" for x in items):
        items = [x[2][0] for x in items]  # a column [[1], [2]]
    elif len(items) == 1 and isinstance(items[0], tuple) and items[0][1] != "{":
        items = items[0][2]  # a row [[1, 2]]
    out = _scalars(items, msg)
    if len(out) != n:
        raise _Shape(msg)
    return out


def _matrix(got: Any, r: int, c: int) -> list[float]:
    msg = f"expected a {r}×{c} matrix, like [[1, 2], [3, 4]]"
    rows = _items(got)
    if rows is None or got[1] == "{" or len(rows) != r:
        raise _Shape(msg)
    out: list[float] = []
    for row in rows:
        entries = _items(row)
        if entries is None or row[1] == "{" or len(entries) != c:
            raise _Shape(msg)
        out += _scalars(entries, msg)
    return out


def _set(got: Any, n: int) -> list[float]:
    items = _items(got)
    out = _scalars([got] if items is None else items, f"expected {n} numbers, like {{2, 3}}")
    if len(out) != n:
        raise _Shape(f"expected {n} numbers, like {{2, 3}}")
    return out


def _shape_of(value: Any) -> str:
    if isinstance(value, list):
        return "matrix" if value and isinstance(value[0], list) else "vector"
    return "number"


def _as_flat(got: Any, kind: str, want: Any) -> list[float]:
    """The typed value as a flat list of floats in the answer's shape, or _Shape."""
    if kind == "number":
        if isinstance(got, tuple):
            raise _Shape("expected one number")
        return [float(got)]
    if kind == "vector":
        return _vector(got, len(want))
    if kind == "matrix":
        return _matrix(got, len(want), len(want[0]))
    return _set(got, len(want))


def _flat(value: Any) -> list[float]:
    if isinstance(value, list):
        return [float(y) for x in value for y in _flat(x)]
    return [float(value)]


def _compare(gots: list[list[float]], wants: list[list[float]], e: dict[str, Any],
             is_set: bool) -> int:
    worst = 0
    for got, want in zip(gots, wants, strict=True):
        if is_set:
            if not all(math.isfinite(x) for x in got):
                return 2
            got, want = sorted(got), sorted(want)
        for t, v in zip(got, want, strict=True):
            worst = max(worst, _level(t, v, e))
    return worst


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    e = {**DEFAULTS, **{k: v for k, v in entry.items() if v is not None}}
    return e


def _typed_values(node: Any, e: dict[str, Any]) -> tuple[list[list[float]], list[Any]]:
    """Evaluate at each point (expr) or once; returns typed flats and wanted values."""
    if e["kind"] == "expr":
        names = e["vars"]
        kind = _shape_of(e["values"][0])
        gots = [_as_flat(evaluate(node, dict(zip(names, p, strict=True))), kind, e["values"][0])
                for p in e["points"]]
        return gots, list(e["values"])
    return [_as_flat(evaluate(node, {}), e["kind"], e["value"])], [e["value"]]


def judge(entry: dict[str, Any], typed: str) -> dict[str, Any]:
    """Verdict of one typed answer: correct/close/mistake/wrong/unreadable/empty."""
    e = _entry(entry)
    out: dict[str, Any] = {"verdict": "", "reason": "", "message": "", "mistake": -1, "got": None}
    s = normalise(typed)
    if not s:
        return {**out, "verdict": "empty"}
    try:
        node = parse(s, (e.get("vars") or []) if e["kind"] == "expr" else [])
        gots, wants = _typed_values(node, e)
    except AnswerError as err:
        return {**out, "verdict": "unreadable", "reason": str(err)}
    except _Shape as err:
        return {**out, "verdict": "wrong", "reason": str(err)}
    out["got"] = gots
    is_set = e["kind"] == "set"
    level = _compare(gots, [_flat(w) for w in wants], e, is_set)
    if level == 0:
        return {**out, "verdict": "correct"}
    strict = {**e, "sig": None, "close_rtol": 0.0}
    for i, m in enumerate(e.get("mistakes") or []):
        mv = m["value"] if e["kind"] == "expr" else [m["value"]]
        if _compare(gots, [_flat(w) for w in mv], strict, is_set) == 0:
            return {**out, "verdict": "mistake", "message": m["message"], "mistake": i}
    return {**out, "verdict": LEVELS[level]}


def grade(verdicts: list[str]) -> str:
    """All correct → Good; some close, none worse → Hard; anything else → Again."""
    if all(v == "correct" for v in verdicts):
        return "Good"
    return "Hard" if all(v in ("correct", "close") for v in verdicts) else "Again"


def judge_all(variant: dict[str, Any], typed: list[str]) -> dict[str, Any]:
    """Judge every box of one variant; missing boxes count as empty."""
    answers = variant["answers"]
    results = [judge(a, typed[i] if i < len(typed) else "") for i, a in enumerate(answers)]
    return {"answers": results, "grade": grade([r["verdict"] for r in results])}


def variant_index(item_id: str, k: int, day: int) -> int:
    """The variant a card shows on `day`: (FNV-1a(item id) + day) mod K, as practice.js."""
    h = 0x811C9DC5
    for b in item_id.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return (h + day) % k


def check_json(variants: list[dict[str, Any]], item: str = "") -> str:
    """The Check field: JSON safe inside <script> ('<', '>' and '&' escaped); `item` keys storage."""
    text = json.dumps({"item": item, "variants": variants}, allow_nan=False, ensure_ascii=False,
                      separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")



# ---------------------------------------------------------------- building specs

def _sp() -> Any:
    import sympy as sp

    return sp


def _plain_printer() -> Any:
    from sympy.printing.str import StrPrinter

    class Plain(StrPrinter):
        def _print_Exp1(self, expr: Any) -> str:
            return "e"

        def _print_Abs(self, expr: Any) -> str:
            return f"abs({self._print(expr.args[0])})"

    return Plain()


def plain(value: Any, kind: str | None = None) -> str:
    """Plain text of an exact value that the judge reads back ('sqrt(2)/2', '(1, 2)', 'x^2')."""
    sp = _sp()
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
    return str(_plain_printer().doprint(sp.sympify(value))).replace("**", "^")


def _is_vectorish(value: Any) -> bool:
    sp = _sp()
    return isinstance(value, sp.MatrixBase) and 1 in value.shape


def _free(value: Any) -> set[Any]:
    sp = _sp()
    items = list(value) if isinstance(value, list | tuple | set | sp.FiniteSet | sp.MatrixBase) else [value]
    return set().union(*(sp.sympify(v).free_symbols for v in items))


def _default_kind(value: Any) -> str:
    sp = _sp()
    if isinstance(value, sp.MatrixBase):
        if _free(value):
            return "expr"
        return "vector" if 1 in value.shape else "matrix"
    if isinstance(value, list | tuple | set | sp.FiniteSet):
        return "set"
    return "expr" if _free(value) else "number"


def _num(v: Any) -> float:
    sp = _sp()
    try:
        c = complex(sp.N(v, 30))
    except (TypeError, ValueError) as e:
        raise SpecError(f"value {v} is not a number") from e
    if abs(c.imag) > 1e-12 * max(1.0, abs(c.real)) or not math.isfinite(c.real):
        raise SpecError(f"value {v} is not a finite real number")
    return c.real


def _json_value(value: Any, kind: str) -> Any:
    """Floats in the spec's shape: number, flat list (vector/set) or rows (matrix)."""
    sp = _sp()
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
    sp = _sp()
    if isinstance(value, sp.MatrixBase):
        kind = "vector" if 1 in value.shape else "matrix"
        return _json_value(value.subs(sub), kind)
    return _num(sp.sympify(value).subs(sub))


def _points(value: Any, others: list[Any], names: list[str], seed: int,
            n: int) -> tuple[list[list[float]], list[Any], list[list[Any]]]:
    """Deterministic points where the value and every mistake are finite and moderate."""
    sp = _sp()
    rng = random.Random(seed)
    syms = [sp.Symbol(x) for x in names]
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
        if max(abs(x) for g in got for x in _flat(g)) > 1e6:
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
    sp = _sp()
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
            if _shape_of(m["value"]) != _shape_of(entry["value"]) or \
                    len(_flat(m["value"])) != len(_flat(entry["value"])):
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
    wants = [_flat(v) for v in (entry["values"] if is_expr else [entry["value"]])]
    out = []
    for i, m in enumerate(entry.get("mistakes") or []):
        gots = [_flat(v) for v in (m["value"] if is_expr else [m["value"]])]
        if _compare(gots, wants, _entry(entry), entry["kind"] == "set") == 0:
            out.append(i)
    return out


def overrides_for_form(form: str) -> dict[str, Any]:
    """Tolerances implied by a problem's `form:` ('decimal, 3 places', '3 significant figures')."""
    m = re.search(r"(\d+)\s*(?:decimal\s+)?places?", form)
    if m:
        return {"atol": 0.5001 * 10.0 ** -int(m.group(1))}
    m = re.search(r"(\d+)\s*significant", form)
    return {"sig": int(m.group(1))} if m else {}
