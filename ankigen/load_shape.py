"""Load stage, shape part: keys, types, numbers and short lists, the checks every item shares.

Every mistake is added to one Collector (through `Ctx`) so that a run reports them all at once.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from ankigen.errors import Collector, Loc
from ankigen.yamlpos import Map, Pos, Seq

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:-]*$")
MAX_TOL = 0.05
DEFAULT_TOL = 1e-9  # of every check, concept or problem, that states no `tol`
# keys sources used to have; each gets its own way to fix instead of the list of allowed keys
REMOVED_KEYS = {"title": "problems have no title, it was never shown: remove this line"}


class Ctx:
    """Where messages about one file and (optionally) one item go."""

    def __init__(self, col: Collector, path: str, item: str | None = None):
        self.col, self.path, self.item = col, path, item

    def at(self, pos: Pos | None, message: str, hint: str | None = None) -> None:
        self.col.issues.append(self.loc(pos).issue(message, item=self.item, hint=hint))

    def for_item(self, kind: str, item_id: str) -> Ctx:
        return Ctx(self.col, self.path, f"{kind} '{item_id}'")

    def loc(self, pos: Pos | None) -> Loc:
        return Loc(self.path, pos[0], pos[1]) if pos else Loc(self.path)


def closest(name: str, options: list[str]) -> str | None:
    """The option `name` was probably meant to be, if one is close enough."""
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return close[0] if close else None


def check_keys(ctx: Ctx, m: Map, spec: dict[str, bool], what: str) -> set[str]:
    """Report unknown and missing keys; return the known keys that unknown ones were probably meant as."""
    meant: set[str] = set()
    for key in m:
        if key in spec:
            continue
        close = closest(key, sorted(spec))
        if close:
            meant.add(close)
        hint = REMOVED_KEYS.get(key) or (f"did you mean '{close}'?" if close else
                                         f"allowed keys: {', '.join(sorted(spec))}")
        ctx.at(m.where_key(key), f"unknown key '{key}' in {what}", hint)
    for key, required in spec.items():
        if required and key not in m and key not in meant:
            ctx.at(m.pos, f"missing required key '{key}' in {what}", f"add '{key}:'")
    return meant


def each_map(ctx: Ctx, seq: Seq, what: str, hint: str, keys: dict[str, bool]) -> Iterator[tuple[Pos, Map]]:
    """The mapping items of a list, with their keys checked; other items are reported."""
    for i, item in enumerate(seq):
        pos = seq.where(i)
        if not isinstance(item, Map):
            ctx.at(pos, f"each {what} must be a mapping, got {type_name(item)}", hint)
            continue
        check_keys(ctx, item, keys, what)
        yield pos, item


def type_name(v: Any) -> str:
    if isinstance(v, Map):
        return "a mapping"
    if isinstance(v, Seq):
        return "a list"
    if v is None:
        return "nothing (null)"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text"}
    return names.get(type(v), type(v).__name__)


def want(ctx: Ctx, parent: Map, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """parent[key] if it has type `kind` (a bool is not a number); None and a message otherwise."""
    v = parent.get(key)
    if v is None and key not in parent:
        return None
    numeric = kind in (int, float, (int, float))
    ok = not (isinstance(v, bool) and numeric) and isinstance(v, kind)
    if not ok:
        ctx.at(parent.where(key), f"'{key}' must be {what}, got {type_name(v)}",
               f"write '{key}:' as {what}")
        return None
    return v


def number(ctx: Ctx, parent: Map, key: str) -> float | None:
    """A float; YAML 1.1 reads 1e-8 as text, so numeric text is accepted too."""
    v = parent.get(key)
    if key not in parent:
        return None
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            pass
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    ctx.at(parent.where(key), f"'{key}' must be a number, got {type_name(v)}",
           f"write '{key}:' as a number, like 1e-9")
    return None


def tolerance(ctx: Ctx, parent: Map, key: str = "tol") -> float:
    """A check's tolerance: finite and at most MAX_TOL, so a check can always fail."""
    v = number(ctx, parent, key)
    if v is None:
        return DEFAULT_TOL
    if math.isfinite(v) and 0 <= v <= MAX_TOL:
        return v
    ctx.at(parent.where(key), f"'{key}' must be a finite number from 0 to {MAX_TOL:g}, got {parent[key]}",
           "a check must be able to fail: use 1e-9 for exact values, at most 0.05 for approximations")
    return DEFAULT_TOL


def text(ctx: Ctx, parent: Map, key: str) -> str | None:
    v = parent.get(key)
    if key in parent and isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    out: str | None = want(ctx, parent, key, str, "text")
    return out


def text_list(ctx: Ctx, m: Map, key: str, what: str, hint: str) -> Seq | None:
    """An optional list of text under `key`: None when absent, or when it is not one (reported)."""
    raw = m.get(key)
    if raw is None:
        return None
    if not isinstance(raw, Seq) or not all(isinstance(s, str) for s in raw):
        ctx.at(m.where(key), f"'{key}' must be a list of {what}", hint)
        return None
    return raw


def tags(ctx: Ctx, m: Map) -> tuple[str, ...]:
    raw = text_list(ctx, m, "tags", "words", "write tags: [word, other-word]")
    if raw is None:
        return ()
    bad = [t for t in raw if not TAG_RE.match(t)]
    for t in bad:
        ctx.at(m.where("tags"), f"tag '{t}' has spaces or odd characters",
               "use letters, digits, '-', '_' and '::'")
    return tuple(t for t in raw if t not in bad)


def defines(ctx: Ctx, m: Map) -> tuple[str, ...]:
    """Symbols the item's own text defines (LaTeX, e.g. '\\eta'); the symbol lint trusts them."""
    raw = m.get("defines")
    if raw is None:
        return ()
    if not isinstance(raw, Seq) or not all(isinstance(t, str) and t.strip() for t in raw):
        ctx.at(m.where("defines"), "'defines' must be a list of symbols as LaTeX",
               "write defines: ['\\eta', 'w'] for the symbols the question itself defines")
        return ()
    return tuple(t.strip() for t in raw)


def digest(obj: Any) -> str:
    """A hash of an item's source, for caches and change detection."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]
