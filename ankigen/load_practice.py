"""Load stage, practice part: how each answer box judges input, and the usual mistakes.

`answers` maps an answer value (a check's `shown`, in the answer) to overrides of the
default judging; `mistakes` lists wrong answers a learner typically gives, each an exact
expression over the problem's names with a message shown when the typed answer matches it.
"""

from __future__ import annotations

from ankigen.load_checks import check_names, functions, parse_expr
from ankigen.load_shape import MAX_TOL, Ctx, check_keys, each_map, number, text, type_name
from ankigen.model import AnswerBox, CheckItem, Mistake
from ankigen.yamlpos import Map, Pos, Seq

ANSWER_KEYS = {"label": False, "kind": False, "rtol": False, "atol": False, "sig": False,
               "close_rtol": False}
MISTAKE_KEYS = {"answer": False, "value": True, "message": True}
KINDS = ("number", "vector", "matrix", "set", "expr")


def _overrides(ctx: Ctx, m: Map, shown: list[str]) -> dict[str, Map]:
    """The declared `answers:` entries, each naming a value an answer check shows."""
    raw = m.get("answers")
    if raw is not None and not isinstance(raw, Map):
        ctx.at(m.where("answers"), f"'answers' must be a mapping, got {type_name(raw)}",
               "write answers: {name: {label: ..., kind: number, rtol: 1e-6}}")
    if not isinstance(raw, Map):
        return {}
    overrides: dict[str, Map] = {}
    for name, spec in raw.items():
        if name not in shown:
            ctx.at(raw.where_key(name), f"answers names '{name}', which no answer check shows",
                   f"use one of: {', '.join(shown)}" if shown else "add a check for it first")
        elif not isinstance(spec, Map):
            ctx.at(raw.where(name), f"answers.{name} must be a mapping, got {type_name(spec)}",
                   "write {label: ..., kind: number}")
        else:
            check_keys(ctx, spec, ANSWER_KEYS, f"answers.{name}")
            overrides[name] = spec
    return overrides


def _box(ctx: Ctx, name: str, spec: Map) -> AnswerBox:
    kind = spec.get("kind")
    if kind is not None and kind not in KINDS:
        ctx.at(spec.where("kind"), f"answer kind '{kind}' is unknown", f"use one of: {', '.join(KINDS)}")
        kind = None
    sig = spec.get("sig")
    if sig is not None and (not isinstance(sig, int) or isinstance(sig, bool) or not 1 <= sig <= 12):
        ctx.at(spec.where("sig"), f"'sig' must be a whole number from 1 to 12, got {sig!r}",
               "write sig: 3 for three significant figures")
        sig = None
    nums = {k: number(ctx, spec, k) for k in ("rtol", "atol", "close_rtol")}
    for k, v in nums.items():
        if v is not None and not 0 <= v <= MAX_TOL:
            ctx.at(spec.where(k), f"'{k}' must be between 0 and {MAX_TOL:g}, got {v:g}",
                   "a looser tolerance would accept wrong answers")
            nums[k] = None
    return AnswerBox(name, label=text(ctx, spec, "label") or "", kind=kind or "", rtol=nums["rtol"],
                     atol=nums["atol"], sig=sig, close_rtol=nums["close_rtol"])


def answer_boxes(ctx: Ctx, m: Map, checks: list[CheckItem]) -> tuple[AnswerBox, ...]:
    """One box per value the answer shows, in check order, with the declared overrides."""
    shown = [c.shown for c in checks if c.field == "answer"]
    overrides = _overrides(ctx, m, shown)
    return tuple(_box(ctx, name, overrides[name]) if name in overrides else AnswerBox(name)
                 for name in dict.fromkeys(shown))


def _mistake(ctx: Ctx, pos: Pos, item: Map, names: list[str], known: set[str]) -> Mistake | None:
    answer = item.get("answer")
    if answer is None:
        if len(names) != 1:
            ctx.at(pos, f"this problem has {len(names)} answer boxes; say which one the mistake is for",
                   f"add answer: one of {', '.join(names)}")
            return None
        answer = names[0]
    elif answer not in names:
        ctx.at(item.where("answer"), f"mistake for '{answer}', which is not an answer box",
               f"use one of: {', '.join(names)}")
        return None
    message = text(ctx, item, "message")
    if "value" not in item or not message:
        return None
    ex = parse_expr(ctx, item.where("value"), item["value"], "mistake value")
    if ex is None or not check_names(ctx, item.where("value"), ex, known, "mistake value", functions()[0]):
        return None
    return Mistake(str(answer), ex, message.strip(), ctx.loc(pos))


def mistakes(ctx: Ctx, m: Map, boxes: tuple[AnswerBox, ...], known: set[str]) -> tuple[Mistake, ...]:
    """Usual wrong answers, each an exact expression over `known` names, for one answer box."""
    raw = m.get("mistakes")
    if raw is None:
        return ()
    if not isinstance(raw, Seq):
        ctx.at(m.where("mistakes"), f"'mistakes' must be a list, got {type_name(raw)}",
               "write mistakes: [{value: expression, message: what went wrong}]")
        return ()
    names = [b.name for b in boxes]
    hint = "write {value: expression, message: what went wrong}"
    found = (_mistake(ctx, p, item, names, known) for p, item in each_map(ctx, raw, "mistake", hint, MISTAKE_KEYS))
    return tuple(x for x in found if x is not None)
