"""Nothing lost: failed, interrupted or impossible writes leave the previous deck untouched."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import pty
import select
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ankigen import cli
from tests.tools import require_tool


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Build:
    """A parallel build of the small project in a terminal (a pty, as when a user runs it), long
    enough to interrupt (4 problems x 25 variants). Its own process group, registered with
    `children`, so it is killed after the test whatever happens."""

    def __init__(self, cwd: Path, children: list[subprocess.Popen]):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "ankigen", "build", "--variants", "25", "-j", "2"],
                                     cwd=cwd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                                     env=dict(os.environ, COLUMNS="100"))
        os.close(slave)
        children.append(self.proc)
        self.output = b""

    def _read(self, timeout: float) -> bool:
        """Read what the build printed; False once it closed the terminal."""
        if select.select([self.master], [], [], timeout)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the build and its workers closed the terminal
                return False
            self.output += chunk
            return bool(chunk)
        return True

    def wait_until_generating(self, seconds: float = 300.0) -> set[int]:
        """Poll (no fixed sleep) until the progress bar shows: the workers are forked and notes are
        coming in. The deadline only bounds a broken build (on a loaded machine: 20 s and more)."""
        deadline = time.monotonic() + seconds
        while "━" not in self.output.decode(errors="replace"):
            assert time.monotonic() < deadline, f"no progress within {seconds:.0f} s: {self.output!r}"
            assert self._read(0.1) and self.proc.poll() is None, \
                f"build finished before it could be interrupted: {self.output!r}"
        workers = _children(self.proc.pid)
        assert self.proc.poll() is None, "build finished before it could be interrupted"
        return workers

    def finish(self, seconds: float = 120.0) -> str:
        """Everything it printed until it ended (the terminal must be read, or it would block)."""
        deadline = time.monotonic() + seconds
        while self._read(0.1) and time.monotonic() < deadline:
            pass
        self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.master)
        return self.output.decode(errors="replace")


@pytest.fixture()
def previous_deck(small_copy):
    out = small_copy / "decks" / "ml-math.apkg"
    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q", "--variants", "1"],
                       cwd=small_copy, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out, out.read_bytes()


def test_ctrl_c_midway_leaves_previous_deck_and_no_temp_files(small_copy, previous_deck, children):
    out, before = previous_deck
    build = Build(small_copy, children)
    build.wait_until_generating()
    build.proc.send_signal(signal.SIGINT)
    err = build.finish()
    assert build.proc.returncode == 130, err
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")) == []


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    """A process that still runs (a zombie waiting for its parent to reap it does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_killed_build_leaves_previous_deck_and_no_orphans(small_copy, previous_deck, children):
    out, before = previous_deck
    build = Build(small_copy, children)
    workers = build.wait_until_generating()
    assert workers, "the build should be running worker processes"
    build.proc.kill()
    build.finish()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "orphaned workers"
    assert out.read_bytes() == before
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None


def test_full_disk_gives_clear_error_and_keeps_previous_deck(small_copy, previous_deck, monkeypatch, capsys):
    out, before = previous_deck
    monkeypatch.chdir(small_copy)

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
def test_unwritable_output_path(small_copy, monkeypatch, capsys, target):
    monkeypatch.chdir(small_copy)
    (small_copy / "a-file").write_text("not a folder")
    (small_copy / "a-folder.apkg").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", "-q", "--variants", "1", "-o", target])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith(f"cannot write {target}: ")
    assert "Traceback" not in err


def test_build_never_writes_into_sources_or_templates(small_copy, monkeypatch, capsys):
    monkeypatch.chdir(small_copy)
    sources, templates = _tree_digest(small_copy / "cards_src"), _tree_digest(small_copy / "templates")
    cli.main(["build", "-q", "--variants", "1"])
    assert _tree_digest(small_copy / "cards_src") == sources
    assert _tree_digest(small_copy / "templates") == templates
    for target in ("cards_src/deck.apkg", "templates/anki/deck.apkg"):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["build", "-q", "--variants", "1", "-o", target])
        assert exit_info.value.code == 2
        assert "refusing to write the deck into" in capsys.readouterr().err
    assert _tree_digest(small_copy / "cards_src") == sources


# ---- preview never deletes what it did not write (issue 10, class 1) ---------------------

FIXTURE_BASE = Path(__file__).parent / "fixtures" / "base"
MATHJAX_ES5 = Path(__file__).parent / "mathjax" / "node_modules" / "mathjax" / "es5"


@pytest.fixture()
def small_project(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(FIXTURE_BASE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "notes.txt").write_text("the user's own file")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _preview(capsys, *args: str) -> tuple[int, str]:
    try:
        cli.main(["preview", "--variants", "1", "-j", "1", *args])
    except SystemExit as e:
        return int(e.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


@pytest.mark.parametrize("target", [".", "decks", "cards_src/..", "cards_src"])
def test_preview_never_replaces_a_folder_it_did_not_write(small_project, capsys, target):
    before = _tree_digest(small_project)
    code, err = _preview(capsys, "-o", target)
    assert code == 2, err
    assert "refusing" in err and "Traceback" not in err
    assert _tree_digest(small_project) == before


def test_preview_replaces_only_its_own_site(small_project, capsys):
    site = small_project / "site"
    site.mkdir()  # the user's empty folder: filled, not deleted and recreated
    inode = site.stat().st_ino
    assert _preview(capsys, "-o", "site")[0] == 0
    assert site.stat().st_ino == inode
    assert (site / ".ankigen-preview").is_file() and (site / "index.html").is_file()
    assert _preview(capsys, "-o", "site")[0] == 0  # its own site: replaced
    for foreign, named in (("mine.txt", "mine.txt"), ("media/mine.svg", "media/mine.svg"),
                           ("topics/sub/x.html", "topics/sub")):
        path = site / foreign
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("keep me")
        code, err = _preview(capsys, "-o", "site")
        assert code == 2
        assert err == (f"refusing to replace site: '{named}' was not written by ankigen preview "
                       "(move it out, or give another folder)\n")
        assert path.read_text() == "keep me"
        path.unlink()
        if named == "topics/sub":
            path.parent.rmdir()
    assert _preview(capsys, "-o", "site")[0] == 0  # nothing foreign left: replaced again


def test_preview_refuses_a_folder_without_its_marker(small_project, capsys):
    (small_project / "site").mkdir()
    (small_project / "site" / "index.html").write_text("someone else's site")
    code, err = _preview(capsys, "-o", "site")
    assert code == 2
    assert err == ("refusing to replace site: it is not a preview site ankigen wrote (no .ankigen-preview "
                   "file), so it may hold your files (give a new or empty folder, e.g. -o site)\n")
    assert (small_project / "site" / "index.html").read_text() == "someone else's site"


def test_preview_refuses_a_symlink_or_a_file(small_project, capsys):
    (small_project / "link").symlink_to(small_project / "cards_src")
    code, err = _preview(capsys, "-o", "link")
    assert code == 2 and err.startswith("refusing to replace link: it is not a folder"), err
    code, err = _preview(capsys, "-o", "notes.txt")
    assert code == 2 and "'notes.txt' is a file" in err, err
    assert (small_project / "notes.txt").read_text() == "the user's own file"
    assert (small_project / "cards_src" / "areas.yaml").is_file()


def _bundle(tmp_path: Path) -> Path:
    """A copy of the MathJax bundle with the user's files beside it."""
    import shutil

    require_tool("mathjax")
    root = tmp_path / "home"
    shutil.copytree(MATHJAX_ES5, root / "es5", ignore=shutil.ignore_patterns("sre", "*.map"))
    (root / "es5" / "id_rsa").write_text("PRIVATE KEY")
    (root / "es5" / "input" / "secret.txt").write_text("documents")
    return root / "es5" / "tex-chtml.js"


def test_mathjax_copies_only_the_bundle_files_cards_need(small_project, tmp_path, capsys):
    entry = _bundle(tmp_path)
    code, err = _preview(capsys, "-o", "site", "--mathjax", str(entry))
    assert code == 0, err
    copied = sorted(str(p.relative_to(small_project / "site" / "mathjax"))
                    for p in (small_project / "site" / "mathjax").rglob("*") if p.is_file())
    assert copied[0] == "input/tex/extensions/boldsymbol.js"
    assert "tex-chtml.js" in copied and "id_rsa" not in copied and "input/secret.txt" not in copied
    assert all(c == "tex-chtml.js" or c.startswith(("input/tex/extensions/", "output/chtml/fonts/woff-v2/"))
               for c in copied), copied
    assert not any("PRIVATE KEY" in p.read_text(errors="ignore")
                   for p in (small_project / "site").rglob("*") if p.is_file())


@pytest.mark.parametrize("which", ["etc-passwd", "folder-without-fonts", "fake-font"])
def test_mathjax_refuses_what_is_not_a_bundle(small_project, tmp_path, capsys, which):
    if which == "etc-passwd":
        path = Path("/etc/passwd")
    elif which == "folder-without-fonts":
        path = tmp_path / "home"
        path.mkdir()
        (path / "tex-chtml.js").write_text("window.MathJax = {};")
        (path / "id_rsa").write_text("PRIVATE KEY")
    else:
        path = _bundle(tmp_path)
        (path.parent / "output/chtml/fonts/woff-v2/MathJax_Zero.woff").write_text("PRIVATE KEY")
    code, err = _preview(capsys, "-o", "site", "--mathjax", str(path))
    assert code == 2, err
    assert "MathJax 3 bundle" in err and "Traceback" not in err
    assert not (small_project / "site").exists()


def test_packaging_under_a_file_size_limit_gives_a_clear_error(small_project):
    """`ulimit -f` (or a full TMPDIR) while SQLite or the zip is written: exit 2, nothing left behind."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q", "--no-cache", "-j", "1",
                        "-o", "out.apkg"], cwd=small_project, capture_output=True, text=True,
                       preexec_fn=limit, timeout=300)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("cannot write out.apkg: ") and "Traceback" not in r.stderr
    assert not list(small_project.glob("*.apkg")) and not list(small_project.glob(".*.tmp"))


def test_build_backstop_stops_the_workers(small_project, monkeypatch, capsys):
    """ANKIGEN_BUILD_TIMEOUT ends a parallel build: clear error, nothing written, and the workers
    are ended at once (here the caller, pytest, lives on: they cannot rely on dying with it)."""
    slow = ("title: Slow\nproblems:\n" + "".join(
        f"  - id: slow-{i}\n    symbols: [x, y, z]\n    params:\n      a: {{int: [1, 5]}}\n"
        f"    derived:\n      big: \"factor(expand((x + y + z + a)**20))\"\n      b: \"a + {i}\"\n"
        f"    question: \"<< a >>\"\n    answer: \"\\\\( << b >> \\\\)\"\n    solution: s\n"
        f"    check:\n      - {{shown: b, expect: \"a + {i}\"}}\n" for i in range(4)))
    (small_project / "cards_src" / "calculus" / "slow.yaml").write_text(slow)
    monkeypatch.setenv("ANKIGEN_BUILD_TIMEOUT", "3")
    monkeypatch.setenv("ANKIGEN_VARIANT_TIMEOUT", "120")
    before = _children(os.getpid())
    start = time.monotonic()
    with pytest.raises(SystemExit) as e:
        cli.main(["build", "-q", "--no-cache", "-j", "2", "-o", "out.apkg"])
    assert e.value.code == 2
    assert capsys.readouterr().err == ("the run took longer than 3 s; stopped, nothing was written "
                                       "(set ANKIGEN_BUILD_TIMEOUT to allow more, or build fewer topics)\n")
    assert time.monotonic() - start < 60
    assert not (small_project / "out.apkg").exists()
    deadline = time.monotonic() + 10
    while _children(os.getpid()) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(os.getpid()) - before == set()


def test_build_never_overwrites_a_file_it_did_not_write(small_project, capsys):
    (small_project / "export.apkg").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # a user's (empty) zip
    (small_project / "notes.apkg").write_text("my notes")
    for name in ("export.apkg", "notes.apkg"):
        before = (small_project / name).read_bytes()
        with pytest.raises(SystemExit) as e:
            cli.main(["build", "-q", "-j", "1", "-o", name])
        assert e.value.code == 2
        assert capsys.readouterr().err == (f"refusing to overwrite {name}: it is not a deck ankigen wrote "
                                           "(choose another file name, or delete it yourself)\n")
        assert (small_project / name).read_bytes() == before
    cli.main(["build", "-q", "-j", "1", "-o", "deck.apkg"])
    cli.main(["build", "-q", "-j", "1", "--seed", "2", "-o", "deck.apkg"])  # its own deck: replaced
    legacy = small_project / "legacy.apkg"  # written before packages carried the mark
    with zipfile.ZipFile(small_project / "deck.apkg") as src, zipfile.ZipFile(legacy, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
    cli.main(["build", "-q", "-j", "1", "-o", "legacy.apkg"])
    with zipfile.ZipFile(legacy) as zf:
        assert zf.comment == b"written by ankigen"


def test_clear_cache_never_deletes_a_folder_it_did_not_write(small_project, capsys):
    home = small_project / "home"
    (home / "notes").mkdir(parents=True)
    (home / "id_rsa").write_text("PRIVATE KEY")
    with pytest.raises(SystemExit) as e:
        cli.main(["clear-cache", "--cache-dir", str(home)])
    assert e.value.code == 2
    assert capsys.readouterr().err == (f"refusing to clear {home}: it is not an ankigen cache (it holds "
                                       "'id_rsa') (give the cache folder itself, or remove it by hand)\n")
    assert (home / "id_rsa").read_text() == "PRIVATE KEY" and (home / "notes").is_dir()
    cache = small_project / "cache"
    cli.main(["build", "-q", "-j", "1", "--cache-dir", str(cache), "-o", "deck.apkg"])
    assert (cache / "notes").is_dir()
    cli.main(["clear-cache", "--cache-dir", str(cache)])
    assert not cache.exists()


def test_show_figure_never_overwrites_a_file_that_is_not_a_figure(small_project, capsys):
    (small_project / "cards_src" / "calculus" / "fig.yaml").write_text(
        "title: Fig\nconcepts:\n  - id: fig-concept\n    front: f\n    back: b\n"
        "    figure: {kind: binomial_pmf, args: {n: \"10\", p: \"1/2\"}}\n")
    (small_project / "keep.txt").write_text("the user's file")
    with pytest.raises(SystemExit) as e:
        cli.main(["show", "fig-concept", "--figure", "keep.txt"])
    assert e.value.code == 2
    assert "refusing to overwrite keep.txt: it is not an SVG figure" in capsys.readouterr().err
    assert (small_project / "keep.txt").read_text() == "the user's file"
    cli.main(["show", "fig-concept", "--figure", "fig.svg"])
    cli.main(["show", "fig-concept", "--figure", "fig.svg"])  # an SVG: replaced
    assert (small_project / "fig.svg").read_bytes().lstrip().startswith(b"<?xml")
