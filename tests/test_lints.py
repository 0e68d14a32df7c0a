"""The lints: each one fails its fixture with an exact text, passes good text, and the deck is clean.

tests/fixtures/lint/ has one item per glitch; its expected findings are in expected.txt
(refresh after a deliberate wording change with ANKIGEN_UPDATE_GOLDEN=1). The deck tests run
`check` over 10 seeds of every problem, as `ankigen check --seeds 10` does.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from ankigen import lint
from tests.tools import once_per_session

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "lint"


@pytest.fixture(scope="module")
def fixture_report():
    from ankigen.pipeline import check

    return check(seeds=1, src=FIXTURE / "cards_src", workers=1, draw_seeds=0)


def test_each_lint_fails_its_fixture_with_exact_text(fixture_report):
    got = "\n".join(f.format() for f in fixture_report.all_findings()) + "\n"
    expected = FIXTURE / "expected.txt"
    if os.environ.get("ANKIGEN_UPDATE_GOLDEN"):
        expected.write_text(got)
    assert got == expected.read_text()
    assert set(lint.LINTS) == {f.lint for f in fixture_report.all_findings()}


def test_each_fixture_item_fails_only_its_own_lint(fixture_report):
    for f in fixture_report.all_findings():
        item = f.item.split("'")[1]
        if item in lint.LINTS:
            assert f.lint == item, f.format()
        elif item == "form-says-decimal":
            assert f.lint == "decimal-as-fraction"
        elif item == "no-form":
            assert f.lint == "answer-form"
        else:
            assert (item, f.lint) == ("undefined-concept", "undefined-symbol"), f.format()


def test_declared_and_text_definitions_silence_the_symbol_lint(fixture_report):
    items = {f.item for f in fixture_report.all_findings()}
    assert "concept 'clean-concept'" not in items and "concept 'defined-concept'" not in items
    assert lint.undefined_symbols(r"Let \( \mu = 2 \) and \( f(x, y) = x + y \); find \( \mu f \).", []) == []
    assert lint.undefined_symbols(r"If \( a, b \in \mathbb{R} \), is \( a + b \lt c \)?", []) == ["c"]
    assert lint.undefined_symbols(r"\( w_i \) is \( \mathbf{w} \)", ["w", r"\mathbf{w}"]) == []
    assert lint.undefined_symbols(r"the set \( \{ \mathbf{z} : f(\mathbf{z}) = 0 \} \), \( \forall t \), \( q \)",
                                  []) == ["q"]
    assert lint.undefined_symbols(r"\( a = {{c1::b}} \)", ["b"]) == []  # no 'c' from the cloze marker
    # a symbol declared with its subscripts is defined, as the text's subscripted uses are read
    assert lint.undefined_symbols(r"\( \boldsymbol{\mu}_k \), \( r_{nk} \), \( \sigma_k^2 \), \( s \)",
                                  [r"\boldsymbol{\mu}_k", "r_{nk}", r"\sigma_k^2"]) == ["s"]
    assert lint.undefined_symbols(r"\( \operatorname{Beta}(\alpha', \beta') \)", [r"\alpha'"]) == [r"\beta"]
    assert lint.undefined_symbols(r"\( p^* \ge \boldsymbol{\lambda}^* \)", ["p^*"]) == [r"\boldsymbol{\lambda}"]


@pytest.mark.parametrize("text, name", [
    (r"\( x = \frac{122}{13} = \frac{122}{13} \)", "repeated-value"),
    (r"\( x^{1} \)", "power-one"), (r"\( 3 x^1 + 2 \)", "power-one"),
    (r"\( 1x + 2 \)", "coefficient-one"), (r"\( -1 \lambda \)", "coefficient-one"),
    (r"\( 2 + -3 \)", "plus-minus"), (r"\( 2 - -3 \)", "minus-minus"),
    (r"\( 2 \cdot -16 \)", "times-negative"), (r"\( 2 \times -x \)", "times-negative"),
    ("after 1 years", "plural-after-one"), (r"\( 1 \text{ steps} \)", "plural-after-one"),
    (r"\( \frac{4691}{1000} \)", "decimal-as-fraction"), (r"\( \frac{3}{500} \)", "decimal-as-fraction"),
])
def test_lint_catches(text, name):
    assert name in [h[0] for h in lint.text_hits(text)]


@pytest.mark.parametrize("text", [
    r"\( x^{-1} + x^{10} + x^2 \)", r"\( \int_0^{1} x \,dx \)", r"\( \left. F \right|_0^{1} \)",
    r"\( \sum_{i=1}^{n} a_{1j} x_1 y \)", r"\( \frac{1}{2} x + 10x + 0.1x \)", r"\( 2 - (-3) \)",
    r"\( 2 \cdot (-3) \)", r"\( \frac{1}{256} + \frac{3}{625} + \frac{7}{10} \)", "1 is odd, 2 years, 1 year",
    r"\( a = 1 \), \( b = 1 \)", r"\( x \le -1 \)", r"\( e^{-x} \)",
    r"\( \mathbf{x}_+ - \mathbf{x}_- \)",  # a subscript plus is no sum
])
def test_lint_accepts(text):
    assert lint.text_hits(text) == []


def test_notation_lists_every_global_symbol_in_its_last_section():
    text = (ROOT / "NOTATION.md").read_text()
    assert "## Global symbols" in text
    section = text.split("## Global symbols", 1)[1]
    assert "\n## " not in section, "Global symbols must stay the last section"
    for symbol in lint.GLOBAL_SYMBOLS:
        assert f"`{symbol}`" in section, symbol


def test_check_prints_findings_and_fails_when_strict(tmp_path, monkeypatch, capsys):
    from ankigen import cli

    monkeypatch.chdir(FIXTURE)
    with pytest.raises(SystemExit) as e:
        cli.main(["check", "--seeds", "1", "-j", "1", "--draw", "0", "--strict"])
    out = capsys.readouterr().out
    assert e.value.code == 2
    assert ("cards_src/calculus/lints.yaml:22: problem 'power-one' (seed 1, slot 0), Question: "
            "[power-one] a power of one '2^{1}'") in out
    assert re.search(r"^12 lint findings: answer-form 1, coefficient-one 1, decimal-as-fraction 2", out, re.M)
    assert cli.main(["check", "--seeds", "1", "-j", "1", "--draw", "0"]) == 0


# ---- the deck ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def deck_check(tmp_path_factory):
    """Every problem of the deck for 10 seeds and every concept, as `ankigen check --seeds 10`
    (once per session: one xdist worker computes it, the others load it)."""
    from ankigen.pipeline import check

    return once_per_session(tmp_path_factory, "deck-check",
                            lambda: check(seeds=10, src=ROOT / "cards_src", workers=2, draw_seeds=0))


def test_deck_verifies_and_no_figure_contradicts_its_text(deck_check):
    failures = list(deck_check.failures) + [f for p in deck_check.problems for f in p.failures]
    assert failures == [], "\n".join(failures[:20])


def test_deck_has_no_lint_findings(deck_check):
    findings = deck_check.all_findings()
    counts = Counter(f.lint for f in findings)
    assert not findings, f"{len(findings)} findings {dict(sorted(counts.items()))}:\n" + \
        "\n".join(f.format() for f in findings[:40])


def test_deck_problems_are_varied(deck_check):
    violations = [v for p in deck_check.problems for v in p.violations]
    assert violations == [], "\n".join(violations)
