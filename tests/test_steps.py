"""Multi-step problems: intermediate values shown in the solution are verified too,
and a declared answer form is printed under the question."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ankigen import cli

FIXTURES = Path(__file__).parent / "fixtures"

STEPS = """\
title: Steps
problems:
  - id: two-steps
    params:
      a: {int: [2, 9]}
    derived:
      b: "a + 1"
      c: "2 * b"
    question: What is \\( 2(<< a >> + 1) \\)?
    form: integer
    defines: ['a']
    answer: \\( << c >> \\)
    solution: First \\( << a >> + 1 = << b >> \\), then double it.
    check:
      - {shown: b, expect: "%s", in: solution}
      - {shown: c, expect: "2 * a + 2"}
"""


def _project(tmp: Path, expect_b: str) -> Path:
    shutil.copytree(FIXTURES / "base", tmp, dirs_exist_ok=True)
    (tmp / "cards_src" / "calculus" / "steps.yaml").write_text(STEPS % expect_b)
    return tmp


def test_intermediate_value_verified_and_form_shown(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path, "a + 1"))
    try:
        cli.main(["show", "two-steps", "--seed", "3", "--html"])
    except SystemExit as e:
        assert e.code == 0
    out = capsys.readouterr().out
    assert '<div class="answer-form">Answer form: integer</div>' in out


def test_wrong_intermediate_value_fails(tmp_path, monkeypatch, capsys):
    # the same problem with a check that disagrees with the solution's step
    monkeypatch.chdir(_project(tmp_path, "a + 2"))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", "--seeds", "2"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "check failed" in err and "steps.yaml:15:9" in err


@pytest.mark.parametrize("field", ["answer", "solution"])
def test_check_reads_the_named_field(tmp_path, monkeypatch, capsys, field):
    text = STEPS % "a + 1"
    if field == "solution":  # drop the step from the solution: the check must notice
        text = text.replace("First \\( << a >> + 1 = << b >> \\), then", "Then")
    else:  # moving the check to the answer field: the answer does not show b
        text = text.replace(", in: solution}", ", in: answer}")
    proj = _project(tmp_path, "a + 1")
    (proj / "cards_src" / "calculus" / "steps.yaml").write_text(text)
    monkeypatch.chdir(proj)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", "--seeds", "1"])
    assert exit_info.value.code == 2
    assert f"the {field} does not show 'b'" in capsys.readouterr().err
