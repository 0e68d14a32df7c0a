"""Load stage, practice part: how each answer box judges input, and the usual mistakes.

`answers` maps an answer value (a check's `shown`, in the answer) to overrides of the
default judging; `mistakes` lists wrong answers a learner typically gives, each an exact
expression over the problem's names with a message shown when the typed answer matches it.
"""

from __future__ import annotations

from ankigen.load import (
    Map,
    Seq,
    _check_keys,
    _check_names,
    _Ctx,
    _number,
    _parse_expr,
    _text,
    _type_name,
)
from ankigen.model import AnswerBox, CheckItem, Mistake

ANSWER_KEYS = {"label": False, "kind": False, "rtol": False, "atol": False, "sig": False,
               "close_rtol": False}
MISTAKE_KEYS = {"answer": False, "value": True, "message": True}
KINDS = ("number", "vector", "matrix", "set", "expr")


def answer_boxes(ctx: _Ctx, m: Map, checks: list[CheckItem]) -> tuple[AnswerBox, ...]:
    """One box per value the answer shows, in check order, with the declared overrides."""
    shown = [c.shown for c in checks if c.field == "answer"]
    raw = m.get("answers")
    if raw is not None and not isinstance(raw, Map):
        ctx.at(m.where("answers"), f"'answers' must be a mapping, got {_type_name(raw)}",
               "write answers: {name: {label: ..., kind: number, rtol: 1e-6}}")
        raw = None
    overrides: dict[str, Map] = {}
    if not isinstance(raw, Map):
        raw = Map()
    for name, spec in raw.items():
        if name not in shown:
            ctx.at(raw.where_key(name), f"answers names '{name}', which no answer check shows",
                   f"use one of: {', '.join(shown)}" if shown else "add a check for it first")
            continue
        if not isinstance(spec, Map):
            ctx.at(raw.where(name), f"answers.{name} must be a mapping, got {_type_name(spec)}",
                   "write {label: ..., kind: number}")
            continue
        _check_keys(ctx, spec, ANSWER_KEYS, f"answers.{name}")
        overrides[name] = spec
    boxes = []
    for name in dict.fromkeys(shown):
        spec = overrides.get(name)
        if spec is None:
            boxes.append(AnswerBox(name))
            continue
        kind = spec.get("kind")
        if kind is not None and kind not in KINDS:
            ctx.at(spec.where("kind"), f"answer kind '{kind}' is unknown",
                   f"use one of: {', '.join(KINDS)}")
            kind = None
        sig = spec.get("sig")
        if sig is not None and (not isinstance(sig, int) or isinstance(sig, bool) or not 1 <= sig <= 12):
            ctx.at(spec.where("sig"), f"'sig' must be a whole number from 1 to 12, got {sig!r}",
                   "write sig: 3 for three significant figures")
            sig = None
        nums = {k: _number(ctx, spec, k) for k in ("rtol", "atol", "close_rtol")}
        for k, v in nums.items():
            if v is not None and not 0 <= v <= 0.05:
                ctx.at(spec.where(k), f"'{k}' must be between 0 and 0.05, got {v:g}",
                       "a looser tolerance would accept wrong answers")
                nums[k] = None
        boxes.append(AnswerBox(name, label=_text(ctx, spec, "label") or "", kind=kind or "",
                               rtol=nums["rtol"], atol=nums["atol"], sig=sig,
                               close_rtol=nums["close_rtol"]))
    return tuple(boxes)


def mistakes(ctx: _Ctx, m: Map, boxes: tuple[AnswerBox, ...], known: set[str],
             fns: set[str]) -> tuple[Mistake, ...]:
    raw = m.get("mistakes")
    if raw is None:
        return ()
    if not isinstance(raw, Seq):
        ctx.at(m.where("mistakes"), f"'mistakes' must be a list, got {_type_name(raw)}",
               "write mistakes: [{value: expression, message: what went wrong}]")
        return ()
    names = [b.name for b in boxes]
    out = []
    for i, item in enumerate(raw):
        p = raw.where(i)
        if not isinstance(item, Map):
            ctx.at(p, f"each mistake must be a mapping, got {_type_name(item)}",
                   "write {value: expression, message: what went wrong}")
            continue
        _check_keys(ctx, item, MISTAKE_KEYS, "mistake")
        answer = item.get("answer")
        if answer is None:
            if len(names) != 1:
                ctx.at(p, f"this problem has {len(names)} answer boxes; say which one the mistake is for",
                       f"add answer: one of {', '.join(names)}")
                continue
            answer = names[0]
        elif answer not in names:
            ctx.at(item.where("answer"), f"mistake for '{answer}', which is not an answer box",
                   f"use one of: {', '.join(names)}")
            continue
        message = _text(ctx, item, "message")
        if "value" not in item or not message:
            continue
        ex = _parse_expr(ctx, item.where("value"), item["value"], "mistake value")
        if ex is None or not _check_names(ctx, item.where("value"), ex, known, "mistake value", fns):
            continue
        out.append(Mistake(str(answer), ex, message.strip(), ctx.loc(p)))
    return tuple(out)


