"""Real MathJax 3 (node) typesets what cards may contain: nothing links, loads or is positioned.

The TeX whitelist is checked against the commands MathJax's packages define, every allowed
command is typeset to CHTML (as in Anki) and the DOM inspected; so are the final fields of
the whole deck and generated attacks that get past the sanitizer.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from ankigen.texsafe import ALLOWED_COMMANDS, ALLOWED_ENVIRONMENTS, FORBIDDEN
from tests.tools import require_tool

HERE = Path(__file__).parent / "mathjax"


@pytest.fixture(scope="module", autouse=True)
def _needs_node():
    require_tool("mathjax")


def dom_check(items: list[dict]) -> dict:
    r = subprocess.run(["node", str(HERE / "dom_check.js")], input=json.dumps(items), capture_output=True,
                       text=True, timeout=600, check=True)
    return json.loads(r.stdout)


def test_whitelist_is_mathjax_packages_minus_active_commands():
    r = subprocess.run(["node", str(HERE / "tex_commands.js"), "base", "ams", "boldsymbol", "cancel"],
                       capture_output=True, text=True, timeout=120, check=True)
    defined = json.loads(r.stdout)
    assert set(defined["commands"]) - set(FORBIDDEN) == ALLOWED_COMMANDS
    assert set(defined["environments"]) == ALLOWED_ENVIRONMENTS


ARGUMENTS = ("", "{x}", "{x}{y}", "{x}{y}{z}", "[x]{y}{z}", "{1em}{x}", "{100em}{x}", "{-100em}{x}",
             "{javascript:alert(1)}{x}", "{background:url(//evil.example/t.png)}{x}")


def test_no_allowed_command_links_loads_or_positions():
    items = [{"id": c, "tex": f"\\{c}{a}"} for c in sorted(ALLOWED_COMMANDS) for a in ARGUMENTS]
    items += [{"id": f"env-{e}", "tex": f"\\begin{{{e}}}{{cc}} x & y \\end{{{e}}}"}
              for e in sorted(ALLOWED_ENVIRONMENTS)]
    result = dom_check(items)
    assert result["checked"] == len(items)
    assert result["findings"] == []
    # the inspection can fail: the refused commands do these things in MathJax 3
    attacks = [{"id": "href", "tex": r"\href{javascript:alert(1)}{x}"},
               {"id": "style", "tex": r"\style{position:fixed;background:url(//evil.example/t.png)}{x}"},
               {"id": "bbox", "tex": r"\bbox[background:url(//evil.example/t.png)]{x}"},
               {"id": "raise", "tex": r"\raise{100em}{x}"},
               {"id": "eqref", "tex": r"\eqref{x}"}]
    found = {f["id"] for f in dom_check(attacks)["findings"]}
    assert found == {"href", "style", "bbox", "raise", "eqref"}


def _formulas(note_id: str, html: str) -> list[dict]:
    from html import unescape

    from ankigen.texutil import CLOZE_RE, MATH_RE

    text = CLOZE_RE.sub(lambda m: m.group(2).split("::")[0], html)
    return [{"id": note_id, "tex": unescape(m.group(1) if m.group(1) is not None else m.group(2)),
             "display": m.group(2) is not None} for m in MATH_RE.finditer(text)]


def test_final_fields_of_the_deck_have_no_active_content(built_deck):
    items = [f for note in built_deck.notes for name, value in note.fields
             for f in _formulas(f"{note.item_id}#{note.slot}/{name}", value)]
    assert len(items) > 1000
    result = dom_check(items)
    assert result["findings"] == []


def test_generated_attacks_that_pass_the_gates_are_inert():
    """Random mixes of attack pieces: whatever both gates let through is typeset harmlessly."""
    from ankigen.render import clean_html
    from ankigen.texsafe import field_problems, source_problems

    pieces = [*(f"\\{c}" for c in FORBIDDEN), *(f"&#92;{c}" for c in FORBIDDEN), "\\frac", "\\xrightarrow",
              "\\cancelto", "{", "}", "[", "]", "x", "1em", "100em", "javascript:alert(1)", "url(//e.example/t)",
              "position:fixed;", "<wbr>", "<br>", "&bsol;", "\\\\", "\\begin{cases}", "\\end{cases}", " & "]
    rng = random.Random(10)
    items = []
    for i in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        final = clean_html(f"\\( {text} \\)")
        if source_problems(text) or field_problems(final):
            continue
        items.extend(_formulas(f"attack-{i}", final))
    assert len(items) > 100
    assert dom_check(items)["findings"] == []
