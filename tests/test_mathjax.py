"""Every formula in the deck typesets in the real MathJax 3 (mathjax-full, run by node)."""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from ankigen.texutil import CLOZE_RE, MATH_RE
from tests.tools import require_tool

CHECKER = Path(__file__).parent / "mathjax" / "tex_check.js"
NODE_MODULES = Path(__file__).parent / "mathjax" / "node_modules" / "mathjax-full"


@pytest.fixture(autouse=True)
def _needs_mathjax():
    require_tool("mathjax")


def typeset(items: list[dict]) -> dict:
    r = subprocess.run(["node", str(CHECKER)], input=json.dumps(items), capture_output=True,
                       text=True, timeout=600, check=True)
    return json.loads(r.stdout)


def formulas(note_id: str, html: str) -> list[dict]:
    """Math spans as MathJax sees them in Anki: cloze markup resolved, HTML entities decoded."""
    text = CLOZE_RE.sub(lambda m: m.group(2).split("::")[0], html)
    text = unescape(re.sub(r"<br\s*/?>", " ", text))
    out = []
    for m in MATH_RE.finditer(text):
        display = m.group(2) is not None
        tex = m.group(2) if display else m.group(1)
        out.append({"id": note_id, "tex": tex, "display": display})
    return out


def test_checker_reports_errors():
    result = typeset([{"id": "ok", "tex": r"\frac{1}{2} \lt \lVert \mathbf{x} \rVert_2"},
                      {"id": "bad-brace", "tex": r"\frac{1}{2"},
                      {"id": "bad-macro", "tex": r"\operatornam{tr} A"}])
    assert result["checked"] == 3
    assert [e["id"] for e in result["errors"]] == ["bad-brace", "bad-macro"]


def test_every_formula_in_the_deck_typesets(built_deck, library):
    from ankigen import render
    from ankigen.sample import sample
    from ankigen.solve import solve

    items: list[dict] = []
    for note in built_deck.notes:
        for name, value in note.fields:
            items.extend(formulas(f"{note.item_id}/{note.slot}/{name}", value))
    # more variants of every problem: numbers change the LaTeX (signs, fractions, matrices)
    for problem in library.problems():
        for seed in range(2, 12):
            solved = solve(problem, sample(problem, seed, 0))
            ctx = render.problem_context(solved)
            for key in ("question", "answer", "solution"):
                html = render.clean_html(render.render_text(getattr(problem, key), ctx))
                items.extend(formulas(f"{problem.id}/seed{seed}/{key}", html))
    assert len(items) > 100
    result = typeset(items)
    assert result["checked"] == len(items)
    assert result["errors"] == [], "\n".join(
        f"{e['id']}: {e['message']}: {e['tex']}" for e in result["errors"][:20])


def test_no_raw_less_than_inside_math(built_deck):
    for note in built_deck.notes:
        for _, value in note.fields:
            for m in MATH_RE.finditer(value):
                assert "<" not in m.group(0).replace("<br>", ""), (note.item_id, m.group(0))
