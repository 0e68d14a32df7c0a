"""The answer checker's reference judge: a verdict for typed text against one answer's spec.

templates/anki/practice.js holds the same judge in JavaScript; tests/test_practice_js.py
compares the two on generated inputs. The spec format is documented in ankigen/answers.py.
"""

from __future__ import annotations

import json
import math
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


def shape_of(value: Any) -> str:
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


def flat(value: Any) -> list[float]:
    if isinstance(value, list):
        return [float(y) for x in value for y in flat(x)]
    return [float(value)]


def compare_values(gots: list[list[float]], wants: list[list[float]], e: dict[str, Any],
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


def with_defaults(entry: dict[str, Any]) -> dict[str, Any]:
    e = {**DEFAULTS, **{k: v for k, v in entry.items() if v is not None}}
    return e


def _typed_values(node: Any, e: dict[str, Any]) -> tuple[list[list[float]], list[Any]]:
    """Evaluate at each point (expr) or once; returns typed flats and wanted values."""
    if e["kind"] == "expr":
        names = e["vars"]
        kind = shape_of(e["values"][0])
        gots = [_as_flat(evaluate(node, dict(zip(names, p, strict=True))), kind, e["values"][0])
                for p in e["points"]]
        return gots, list(e["values"])
    return [_as_flat(evaluate(node, {}), e["kind"], e["value"])], [e["value"]]


def judge(entry: dict[str, Any], typed: str) -> dict[str, Any]:
    """Verdict of one typed answer: correct/close/mistake/wrong/unreadable/empty."""
    e = with_defaults(entry)
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
    level = compare_values(gots, [flat(w) for w in wants], e, is_set)
    if level == 0:
        return {**out, "verdict": "correct"}
    strict = {**e, "sig": None, "close_rtol": 0.0}
    for i, m in enumerate(e.get("mistakes") or []):
        mv = m["value"] if e["kind"] == "expr" else [m["value"]]
        if compare_values(gots, [flat(w) for w in mv], strict, is_set) == 0:
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
