"""The commands agree: `check` makes its notes as `build` does, `--topics` parses alike, hints name real options.

Each test runs on a small fixture project (tests/fixtures/base plus one case folder), never the full deck.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest

from ankigen import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _project(tmp: Path, case: str | None = None) -> Path:
    """tests/fixtures/base, with the files of tests/fixtures/bad/<case> laid over it."""
    shutil.copytree(FIXTURES / "base", tmp, dirs_exist_ok=True)
    if case is not None:
        shutil.copytree(FIXTURES / "bad" / case / "cards_src", tmp / "cards_src", dirs_exist_ok=True)
    return tmp


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.mark.parametrize("draw", ["2", "0"])
def test_check_fails_where_build_fails_with_the_same_message(tmp_path, monkeypatch, capsys, draw):
    """A figure that cannot be drawn: build exits 2, and so does check (even with --draw 0), with its message."""
    monkeypatch.chdir(_project(tmp_path, "figure-fails-to-draw"))
    code, _, build_err = _run(capsys, "build", "--no-cache", "-q", "-j", "1", "-o", "out.apkg")
    assert code == 2 and "failed to draw" in build_err
    code, out, err = _run(capsys, "check", "--seeds", "3", "--draw", draw, "-j", "1")
    assert code == 2, out + err
    assert "all verified" not in out
    assert err.splitlines() == build_err.splitlines()  # the same message, once


def test_topics_takes_several_globs_in_every_command(tmp_path, monkeypatch, capsys):
    """`--topics A B` is one shared definition: every command that has it parses it alike."""
    with_topics = {name: c for name, c in cli.cli.commands.items()
                   if any("--topics" in p.opts for p in c.params)}
    assert {"build", "check", "preview"} <= set(with_topics)
    for name, command in with_topics.items():
        ctx = command.make_context(name, ["--topics", "calculus/*", "linear-algebra/*"])
        assert cli.selection(ctx.params) == (None, ("calculus/*", "linear-algebra/*")), name
    monkeypatch.chdir(_project(tmp_path))
    code, out, err = _run(capsys, "check", "--seeds", "1", "-j", "1", "--topics", "calculus/good", "calculus/none*")
    assert code == 2 and "topic pattern 'calculus/none*' matches no topic" in err, out + err
    code, out, err = _run(capsys, "check", "--seeds", "1", "-j", "1", "--topics", "calculus/good", "calculus/g*")
    assert code == 0, out + err
    assert "good-problem" in out and "all verified" in out


COMMAND = re.compile(r"""(?:run |with |['"`])ankigen ([a-z][a-z-]*)((?: -{1,2}[a-z][a-z-]*)*)""")
NOTE_TYPES = {"concept", "problem", "cloze"}  # "ankigen concept" etc. are note type names, not commands


def _named_commands() -> list[tuple[str, str, tuple[str, ...]]]:
    """Every `ankigen CMD --opt` that a message, hint or docstring in ankigen/ tells a user to run."""
    found = []
    for path in sorted((ROOT / "ankigen").rglob("*.py")):
        for m in COMMAND.finditer(path.read_text(encoding="utf-8")):
            if m.group(1) not in NOTE_TYPES:
                found.append((path.name, m.group(1), tuple(m.group(2).split())))
    return found


def test_every_command_a_message_names_exists():
    named = _named_commands()
    assert ("pipeline.py", "list", ("--items",)) in named or any(opts for _, _, opts in named)
    assert len({cmd for _, cmd, _ in named}) >= 4  # the scan finds the hints (list, figures, build, check, ...)
    for where, cmd, opts in named:
        command = cli.cli.commands.get(cmd)
        assert command is not None, f"{where}: 'ankigen {cmd}' is not a command"
        known = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        for opt in opts:
            assert opt in known, f"{where}: 'ankigen {cmd} {opt}': {cmd} has no option {opt}"


def test_list_items_shows_the_ids_show_accepts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path))
    code, _, err = _run(capsys, "show", "no-such-item")
    assert code == 2 and "ankigen list --items" in err
    code, out, err = _run(capsys, "list", "--items")
    assert code == 0, err
    assert "good-problem" in out
    for item_id in re.findall(r"^\s+- (\S+)$", out, re.M):
        assert _run(capsys, "show", item_id)[0] == 0, item_id


def _square_or_fail(job: int) -> int:
    if job == 13:
        raise ValueError("job 13 fails")
    return job * job


# stopping the pool (bounds.stop_pool: cancel, then terminate) makes CPython 3.11's executor thread
# report InvalidStateError on a cancelled future; the run itself stops cleanly, as asserted here
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_runner_keeps_job_order_counts_progress_and_leaves_no_state():
    """Serial and forked runs give the same results in job order; a failing job stops the run cleanly."""
    from ankigen import runner

    jobs = list(range(12))
    for workers in (1, 2):
        ticks: list[int] = []
        with runner.Runner(workers=workers, figures=False) as run:
            assert run.map(_square_or_fail, jobs, cost=lambda j: j % 5, progress=ticks.append) == [j * j for j in jobs]
        assert sum(ticks) == len(jobs) and runner._CURRENT.call is None
        with pytest.raises(ValueError, match="job 13 fails"), runner.Runner(workers=workers, figures=False) as run:
            run.map(_square_or_fail, list(range(20)))
        assert runner._CURRENT.call is None


FORK_INTERRUPT = """
import os, signal, sys
from ankigen.runner import Runner
armed = []
def before_fork():  # Ctrl-C lands exactly while the runner forks its workers
    if armed and armed.pop():
        os.kill(os.getpid(), signal.SIGINT)
os.register_at_fork(before=before_fork)
try:
    with Runner(workers=2, figures=False) as run:
        armed.append(True)  # only the runner's own forks, not any made while loading modules
        out = run.map(lambda j: j * j, list(range(20)))
    print("finished", sum(out))
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_while_the_workers_fork_stops_the_run():
    """A SIGINT during fork() used to be dropped in an at-fork callback ("Exception ignored"),
    and the build then finished as if never stopped; now it is held and delivered after."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", FORK_INTERRUPT], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "interrupted", (r.stdout, r.stderr)
    assert "Exception ignored" not in r.stderr
