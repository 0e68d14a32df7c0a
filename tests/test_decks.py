"""Deck names carry the curriculum order (Anki gathers new cards deck by deck, by name)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ankigen import decks

BASE = Path(__file__).parent / "fixtures" / "base"


def test_sorted_deck_names_follow_prerequisites(library):
    names = {t.id: decks.deck_name(library, "ML Math", t) for t in library.topics}
    order = sorted(names, key=lambda tid: names[tid])
    assert order == decks.curriculum_order(library)
    rank = {tid: i for i, tid in enumerate(order)}
    for t in library.topics:
        for r in t.requires:
            assert rank[r] < rank[t.id], (t.id, r)
    # golden: the first deck a learner meets (a change here renames decks for existing users)
    assert names[order[0]] == "ML Math::01 Calculus::01 Derivatives"
    assert names["linear-algebra/vectors"].startswith("ML Math::02 Linear Algebra::")


def test_areas_that_need_each_other_are_refused(tmp_path):
    proj = tmp_path / "p"
    shutil.copytree(BASE, proj)
    good = proj / "cards_src" / "calculus" / "good.yaml"
    good.write_text("requires: [linear-algebra/other]\n" + good.read_text())
    (proj / "cards_src" / "linear-algebra").mkdir()
    (proj / "cards_src" / "linear-algebra" / "other.yaml").write_text(
        "title: Other\nrequires: [calculus/first]\nconcepts:\n"
        "  - {id: other-concept, front: A?, back: B}\n")
    (proj / "cards_src" / "calculus" / "first.yaml").write_text(
        "title: First\nconcepts:\n  - {id: first-concept, front: C?, back: D}\n")
    r = subprocess.run([sys.executable, "-m", "ankigen", "validate"], cwd=proj, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr == (
        "cards_src/linear-algebra/other.yaml:2:11: topic 'linear-algebra/other' requires "
        "'calculus/first' from area 'calculus', which itself needs area 'linear-algebra': decks "
        "cannot be ordered by prerequisites (move one of the topics to another area so areas "
        "depend on each other one way)\n")
