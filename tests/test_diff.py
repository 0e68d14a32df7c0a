"""`ankigen diff`: what an import would add, update, leave alone and orphan."""

from __future__ import annotations

import subprocess
import sys

from ankigen.diff import diff


def _build(cwd, *args):
    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q", *args], cwd=cwd,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_diff_counts_between_builds(src_copy):
    _build(src_copy, "--variants", "1", "--seed", "1", "-o", "decks/a.apkg")
    _build(src_copy, "--variants", "2", "--seed", "2", "-o", "decks/b.apkg")
    _build(src_copy, "--variants", "1", "--seed", "1", "-o", "decks/c.apkg")
    a, b, c = (src_copy / "decks" / f"{n}.apkg" for n in "abc")
    same = diff(a, c)
    assert not same.added and not same.updated and not same.orphaned and same.unchanged
    more = diff(a, b)
    assert len(more.updated) == len(same.unchanged)        # new seed: every note changes
    assert len(more.added) >= 1 and all(x.endswith("#1") for x in more.added)
    fewer = diff(b, a)
    assert sorted(fewer.orphaned) == sorted(more.added)


def test_diff_against_current_build_and_cli(src_copy):
    _build(src_copy, "--seed", "1", "-o", "decks/a.apkg")
    r = subprocess.run([sys.executable, "-m", "ankigen", "diff", "decks/a.apkg"], cwd=src_copy,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = dict(line.split() for line in r.stdout.splitlines() if line and not line.startswith(" "))
    assert lines["new"] == "0" and lines["updated"] == "0" and lines["orphaned"] == "0"
    assert int(lines["unchanged"]) > 0


def test_diff_rejects_non_packages(tmp_path):
    import pytest

    from ankigen.errors import UserError

    bad = tmp_path / "x.apkg"
    bad.write_text("not a zip")
    with pytest.raises(UserError, match="cannot read"):
        diff(bad, bad)
