"""Nothing lost: failed, interrupted or impossible writes leave the previous deck untouched."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ankigen import cli


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _start_build(cwd: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ankigen", "build", "--variants", "25", *extra],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture()
def previous_deck(src_copy):
    out = src_copy / "decks" / "ml-math.apkg"
    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q", "--variants", "1"],
                       cwd=src_copy, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out, out.read_bytes()


def _wait_until_generating(proc: subprocess.Popen, seconds: float = 3.0) -> None:
    time.sleep(seconds)
    assert proc.poll() is None, "build finished before it could be interrupted"


def test_ctrl_c_midway_leaves_previous_deck_and_no_temp_files(src_copy, previous_deck):
    out, before = previous_deck
    proc = _start_build(src_copy)
    _wait_until_generating(proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")) == []


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def test_killed_build_leaves_previous_deck_and_no_orphans(src_copy, previous_deck):
    out, before = previous_deck
    proc = _start_build(src_copy)
    _wait_until_generating(proc)
    workers = _children(proc.pid)
    assert workers, "the build should be running worker processes"
    proc.kill()
    proc.wait(timeout=60)
    deadline = time.time() + 20
    while time.time() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.2)
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "orphaned workers"
    assert out.read_bytes() == before
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None


def test_full_disk_gives_clear_error_and_keeps_previous_deck(src_copy, previous_deck, monkeypatch, capsys):
    out, before = previous_deck
    monkeypatch.chdir(src_copy)

    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", no_space)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", "-q", "--variants", "1"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith(f"cannot write {out}: No space left on device")
    assert out.read_bytes() == before
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("target", ["a-file/deck.apkg", "a-folder.apkg"])
def test_unwritable_output_path(src_copy, monkeypatch, capsys, target):
    monkeypatch.chdir(src_copy)
    (src_copy / "a-file").write_text("not a folder")
    (src_copy / "a-folder.apkg").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", "-q", "--variants", "1", "-o", target])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith(f"cannot write {target}: ")
    assert "Traceback" not in err


def test_build_never_writes_into_sources_or_templates(src_copy, monkeypatch, capsys):
    monkeypatch.chdir(src_copy)
    sources, templates = _tree_digest(src_copy / "cards_src"), _tree_digest(src_copy / "templates")
    cli.main(["build", "-q", "--variants", "1"])
    assert _tree_digest(src_copy / "cards_src") == sources
    assert _tree_digest(src_copy / "templates") == templates
    for target in ("cards_src/deck.apkg", "templates/anki/deck.apkg"):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["build", "-q", "--variants", "1", "-o", target])
        assert exit_info.value.code == 2
        assert "refusing to write the deck into" in capsys.readouterr().err
    assert _tree_digest(src_copy / "cards_src") == sources
