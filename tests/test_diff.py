"""`ankigen diff`: Anki's import rule predicted note by note (the real import is in test_anki.py).

Small fixture project (tests/fixtures/base: one concept, one problem note with 2 variants).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ankigen.diff import diff, read_package

BASE = Path(__file__).parent / "fixtures" / "base"


@pytest.fixture()
def proj(tmp_path):
    shutil.copytree(BASE, tmp_path / "p")
    return tmp_path / "p"


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | (env or {})
    return subprocess.run([sys.executable, "-m", "ankigen", *args], cwd=cwd, capture_output=True,
                          text=True, env=full_env, timeout=300)


def _build(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = _run(cwd, "build", "-q", *args, env=env)
    assert r.returncode == 0, r.stderr
    return r


def _keep(proj: Path, name: str) -> Path:
    kept = proj / name
    shutil.copy(proj / "decks" / "ml-math.apkg", kept)
    return kept


def test_rebuilds_keep_unchanged_notes_and_update_changed_ones(proj):
    _build(proj, "--seed", "1")
    a = _keep(proj, "a.apkg")
    _build(proj, "--seed", "1")                      # same sources, same seed, same output
    same = diff(a, proj / "decks" / "ml-math.apkg")
    assert same.unchanged == ("good-concept", "good-problem#0")  # one note, both variants
    assert not (same.added or same.updated or same.skipped or same.rewritten or same.orphaned)
    _build(proj, "--seed", "2", "--variants", "3")   # new numbers, one more variant in the note
    new_seed = diff(a, proj / "decks" / "ml-math.apkg")
    assert new_seed.unchanged == ("good-concept",)  # no seed in a concept's footer
    assert new_seed.updated == ("good-problem#0",)
    assert new_seed.added == ()
    old, new = read_package(a), read_package(proj / "decks" / "ml-math.apkg")
    concept = next(g for g, n in old.items() if n.label == "good-concept")
    assert new[concept].mtime == old[concept].mtime  # unchanged note: the same time
    assert all(new[g].mtime > old[g].mtime for g in old if g != concept)
    back = diff(proj / "decks" / "ml-math.apkg", a)
    assert back.orphaned == ()
    assert back.skipped == ("good-problem#0",)  # older: Anki would skip it


def test_reproducible_build_warns_and_diff_predicts_skips(proj):
    """A changed source rebuilt with the same SOURCE_DATE_EPOCH and no previous package."""
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first = _build(proj, "--seed", "1", env=env)
    assert "SOURCE_DATE_EPOCH=1700000000" in first.stderr  # no previous package: said loudly
    a = _keep(proj, "a.apkg")
    topic = proj / "cards_src" / "calculus" / "good.yaml"
    topic.write_text(topic.read_text().replace("Power rule.", "Power rule, bringing the exponent down."))
    again = _build(proj, "--seed", "1", env=env)     # previous package present: changed notes bumped
    assert "warning" not in again.stderr
    assert diff(a, proj / "decks" / "ml-math.apkg").updated == ("good-problem#0",)
    (proj / "decks" / "ml-math.apkg").unlink()       # a fresh checkout: no previous package
    fresh = _build(proj, "--seed", "1", env=env)
    assert "is skipped as 'not newer'" in fresh.stderr
    r = _run(proj, "diff", str(a), "decks/ml-math.apkg", "--list")
    assert r.returncode == 0, r.stderr
    counts = {line.split()[0]: int(line.split()[1]) for line in r.stdout.splitlines()
              if line and not line.startswith(" ") and line.split()[1].isdigit()}
    assert counts["skipped"] == 1 and counts["updated"] == 0 and counts["unchanged"] == 1
    assert "warning: 1 changed notes are not newer than your copy" in r.stderr


def test_diff_against_current_build_cli(proj):
    _build(proj, "--seed", "1")
    r = _run(proj, "diff", "decks/ml-math.apkg")
    assert r.returncode == 0, r.stderr
    counts = {line.split()[0]: int(line.split()[1]) for line in r.stdout.splitlines()
              if line and not line.startswith(" ")}
    assert counts == {"new": 0, "updated": 0, "unchanged": 2, "skipped": 0, "rewritten": 0,
                      "orphaned": 0, "edited": 0, "moved": 0, "stale-media": 0}
    r = _run(proj, "diff", "decks/ml-math.apkg", "--recipe", "ml-math")
    assert r.returncode == 0, r.stderr


def test_diff_rejects_non_packages(tmp_path):
    from ankigen.errors import UserError

    bad = tmp_path / "x.apkg"
    bad.write_text("not a zip")
    with pytest.raises(UserError, match="cannot read"):
        diff(bad, bad)
