"""Progress bar: shown on a terminal for work over a second, never when piped or --quiet."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import subprocess
import sys
import time


def _run_in_terminal(args, cwd):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ankigen", *args], cwd=cwd, stdin=slave,
                            stdout=slave, stderr=slave, env=dict(os.environ, COLUMNS="100"),
                            start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 1.0)[0]:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the build closed the terminal
                break
            if not chunk:
                break
            out += chunk
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return proc.returncode, out.decode(errors="replace")


# The small project with 10 variants per problem: several seconds of work, so the bar would show.
BUILD = ["build", "--no-cache", "-j", "1", "--variants", "10"]


def test_progress_bar_on_a_terminal(small_copy):
    code, out = _run_in_terminal(BUILD, small_copy)
    assert code == 0, out
    assert "notes" in out and "━" in out  # rich's bar


def test_no_progress_bar_when_quiet_or_piped(small_copy):
    code, out = _run_in_terminal([*BUILD, "-q"], small_copy)
    assert code == 0 and "━" not in out
    r = subprocess.run([sys.executable, "-m", "ankigen", *BUILD], cwd=small_copy, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0 and "━" not in r.stderr + r.stdout and "\x1b[" not in r.stderr
