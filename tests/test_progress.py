"""Progress bar: shown on a terminal for work over a second, never when piped or --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys


def _run_in_terminal(args, cwd):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ankigen", *args], cwd=cwd, stdin=slave,
                            stdout=slave, stderr=slave, env=dict(os.environ, COLUMNS="100"))
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=600)
    os.close(master)
    return proc.returncode, out.decode(errors="replace")


def test_progress_bar_on_a_terminal(src_copy):
    code, out = _run_in_terminal(["build", "--no-cache", "-j", "1", "--variants", "4"], src_copy)
    assert code == 0, out
    assert "notes" in out and "━" in out  # rich's bar


def test_no_progress_bar_when_quiet_or_piped(src_copy):
    code, out = _run_in_terminal(["build", "--no-cache", "-q", "--variants", "4"], src_copy)
    assert code == 0 and "━" not in out
    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "--no-cache", "--variants", "4"],
                       cwd=src_copy, capture_output=True, text=True)
    assert r.returncode == 0 and "━" not in r.stderr + r.stdout and "\x1b[" not in r.stderr
