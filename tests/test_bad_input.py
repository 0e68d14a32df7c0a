"""One small bad input per mistake, and the exact message it gets.

Each folder in tests/fixtures/bad/ holds the files that differ from the small
good project in tests/fixtures/base/, optionally args.txt (the command, default
`validate`) and env.txt, and expected.txt: the exact stderr. Refresh the
expected files after a deliberate wording change with (as every golden of the suite):

    python -m pytest tests/test_bad_input.py --update-goldens

(`ANKIGEN_UPDATE_GOLDEN=1 pytest tests/test_bad_input.py` does the same.)
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

from ankigen import cli

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in (FIXTURES / "bad").iterdir() if p.is_dir())


def _project(case: Path, tmp: Path) -> Path:
    shutil.copytree(FIXTURES / "base", tmp, dirs_exist_ok=True)
    for f in case.rglob("*"):
        if f.is_file() and f.name not in ("args.txt", "env.txt", "expected.txt"):
            target = tmp / f.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, target)
    return tmp


@pytest.mark.parametrize("name", CASES)
def test_bad_input_message(name, tmp_path, monkeypatch, capsys, request):
    case = FIXTURES / "bad" / name
    proj = _project(case, tmp_path)
    monkeypatch.chdir(proj)
    args = shlex.split((case / "args.txt").read_text()) if (case / "args.txt").exists() else ["validate"]
    if (case / "env.txt").exists():
        for line in (case / "env.txt").read_text().splitlines():
            if line.strip():
                key, value = line.strip().split("=", 1)
                monkeypatch.setenv(key, value)
    before = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    assert "Traceback" not in err
    expected_file = case / "expected.txt"
    if os.environ.get("ANKIGEN_UPDATE_GOLDEN") or request.config.getoption("--update-goldens"):
        expected_file.write_text(err)
    assert err == expected_file.read_text()
    # nothing half-written: no new files, sources untouched
    after = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    assert after == before


def test_there_are_at_least_40_distinct_mistakes():
    messages = {(FIXTURES / "bad" / c / "expected.txt").read_text() for c in CASES}
    assert len(CASES) >= 40 and len(messages) == len(CASES)


def _exit_code(args: list[str], proj: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.chdir(proj)
    try:
        code = cli.main(args)
    except SystemExit as e:
        code = e.code
    return int(code or 0), capsys.readouterr().err


@pytest.mark.parametrize("name", [c for c in CASES if not (FIXTURES / "bad" / c / "env.txt").exists()])
def test_validate_check_and_build_agree(name, tmp_path, monkeypatch, capsys):
    """On the same sources, `validate`, `check` and `build` (default recipe) all refuse them or all
    accept them: a card check calls fine must never be one build refuses, nor the other way round.
    (A bad recipe that only `validate` reads, decks/<other>.yaml, is the one exception.)"""
    proj = _project(FIXTURES / "bad" / name, tmp_path)
    codes = {}
    commands = (["validate"], ["check", "--seeds", "3", "-j", "1", "-q"], ["build", "-q", "-j", "1", "-o", "o.apkg"])
    for args in commands:
        codes[args[0]], err = _exit_code(args, proj, monkeypatch, capsys)
        if args[0] == "validate" and "decks/" in err and "cards_src/" not in err:
            codes.pop("validate")
    assert len(set(codes.values())) == 1, codes
