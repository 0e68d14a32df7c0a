"""Mechanical parts of NOTATION.md, checked on every rendered field of the default deck."""

from __future__ import annotations

import re

import pytest

from ankigen.texutil import MATH_RE

RULES = [
    (re.compile(r"\^\s*(?:T|\{\s*T\s*\})(?![a-zA-Z_0-9])"), "transpose is written ^\\top, not ^T"),
    (re.compile(r"\\\|"), "norms are written \\lVert x \\rVert, not \\|x\\|"),
    (re.compile(r"(?<![\\a-zA-Z])E\s*\["), "expectation is written \\mathbb{E}[...]"),
    (re.compile(r"\\text\{(?:Var|Cov|tr|rank)\}"), "use \\operatorname{Var}, \\operatorname{tr}, ..."),
    (re.compile(r"(?<![\\a-zA-Z])(?:Var|Cov)\s*\("), "use \\operatorname{Var}(X) / \\operatorname{Cov}(X, Y)"),
    (re.compile(r"\\mathrm\{tr\}|(?<![\\a-zA-Z{])tr\s*\("), "use \\operatorname{tr}"),
    (re.compile(r"\\ln\b"), "the natural log is \\log"),
    (re.compile(r"(?<![\\a-zA-Z])KL\s*\("), "KL divergence is D_{\\mathrm{KL}}(p \\,\\Vert\\, q)"),
]


def _math(deck):
    for note in deck.notes:
        for name, value in note.fields:
            for m in MATH_RE.finditer(value):
                yield f"{note.item_id}/{name}", m.group(1) if m.group(1) is not None else m.group(2)


def test_notation_rules_hold_everywhere(built_deck):
    problems = []
    for where, tex in _math(built_deck):
        for pattern, rule in RULES:
            if pattern.search(tex):
                problems.append(f"{where}: {rule}: {tex[:80]}")
    assert problems == [], "\n".join(problems[:30])


@pytest.mark.parametrize("bad", [r"A^T", r"A^{T}", r"\|x\|_2", r"E[X]", r"\text{Var}(X)",
                                 r"Var(X)", r"tr(A)", r"\ln x", r"KL(p, q)"])
def test_rules_catch_violations(bad):
    assert any(p.search(bad) for p, _ in RULES), bad


@pytest.mark.parametrize("good", [r"A^\top", r"\lVert x \rVert_2", r"\mathbb{E}[X]",
                                  r"\operatorname{Var}(X)", r"\operatorname{tr} A", r"\log x",
                                  r"D_{\mathrm{KL}}(p \,\Vert\, q)", r"x^{T_0}"])
def test_rules_accept_the_notation(good):
    assert not any(p.search(good) for p, _ in RULES), good
