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
