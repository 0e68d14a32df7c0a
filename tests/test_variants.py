"""One problem note carries K verified variants; each answer box is checkable (issue 12).

The full-deck tests reuse the session's built deck (tests/conftest.py): every variant's
canonical answer, typed in each accepted form, is judged correct by the Python reference,
perturbed answers are not, and a sample goes through practice.js in node in one batch.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from ankigen import identity
from ankigen.answers import judge, perturbed_forms, typed_forms
from ankigen.variants import all_variants

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "practice" / "cards_src"


def _problem_notes(built_deck):
    return [n for n in built_deck.notes if n.note_type == "problem"]


def _check(note) -> dict:
    import json

    return json.loads(note.field("Check"))


def test_one_note_per_problem_with_k_variants(built_deck, library, default_recipe):
    from ankigen.recipe import select_topics

    k = default_recipe.variants
    assert k >= 5
    problems = [p for t in select_topics(library, default_recipe) for p in t.problems]
    notes = _problem_notes(built_deck)
    assert sorted(n.item_id for n in notes) == sorted(p.id for p in problems)
    for note in notes:
        assert note.guid == identity.guid(note.item_id, 0)  # slot-0 notes keep their history
        variants = all_variants(dict(note.fields))
        assert [v for v, _ in variants] == list(range(k))
        assert len(_check(note)["variants"]) == k and _check(note)["item"] == note.item_id
        for v, fields in variants:
            assert f'<span class="source-id">{note.item_id}#{v}</span> · seed 1' in fields["Source"]
        text = "".join(v for _, v in note.fields)
        for name in note.media:  # every variant's figure is referenced, so Anki's media check keeps it
            assert f'src="{name}"' in text
        figs = [f["QuestionFigure"] + f["AnswerFigure"] for _, f in variants]
        if any(figs):
            assert all(figs), note.item_id  # each variant has its own figure
    media = {m.name for m in built_deck.media}
    assert {name for n in notes for name in n.media} <= media


def _entries(built_deck):
    for note in _problem_notes(built_deck):
        for k, spec in enumerate(_check(note)["variants"]):
            for entry in spec["answers"]:
                yield f"{note.item_id}#{k}:{entry['name']}", entry


def test_every_variant_typed_back_is_correct_and_perturbed_is_not(built_deck):
    entries = list(_entries(built_deck))
    assert len(entries) >= 5 * len(_problem_notes(built_deck))
    bad = []
    for where, entry in entries:
        for typed in typed_forms(entry):
            if judge(entry, typed)["verdict"] != "correct":
                bad.append((where, "typed", typed, judge(entry, typed)))
        for typed in perturbed_forms(entry):
            if judge(entry, typed)["verdict"] not in ("wrong", "mistake"):
                bad.append((where, "perturbed", typed, judge(entry, typed)))
    assert not bad, bad[:10]


def test_a_sample_of_the_deck_judged_alike_by_practice_js(built_deck):
    from tests.test_practice_js import node_judge

    entries = list(_entries(built_deck))
    by_kind: dict[str, list] = {}
    for e in entries:
        by_kind.setdefault(e[1]["kind"], []).append(e)
    rng = random.Random(12)
    sample = [e for kind in sorted(by_kind) for e in rng.sample(by_kind[kind], min(40, len(by_kind[kind])))]
    sample += rng.sample(entries, max(0, 300 - len(sample)))
    assert len({e[1]["kind"] for e in sample}) >= 4
    cases = [(entry, typed) for _, entry in sample for typed in typed_forms(entry) + perturbed_forms(entry)]
    got = node_judge(cases)["judged"]
    for (entry, typed), js in zip(cases, got, strict=True):
        py = judge(entry, typed)
        assert js["verdict"] == py["verdict"], (entry["text"], typed, js, py)
        assert js["verdict"] == ("correct" if typed in typed_forms(entry) else js["verdict"])


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_show_id_k_reproduces_the_variant_the_card_shows(built_deck, default_recipe, pick):
    """The footer names the variant (`id#k · seed 1`); `ankigen show id#k` gives exactly it."""
    from ankigen.pipeline import show

    notes = sorted(_problem_notes(built_deck), key=lambda n: n.item_id)
    note = notes[pick * 37 % len(notes)]
    k = (pick * 2 + 1) % default_recipe.variants
    fields = dict(all_variants(dict(note.fields)))[k]
    shown, _ = show(note.item_id, seed=1, slot=k)
    for name in ("Question", "Answer", "Solution", "Source"):
        assert shown.field(name) == fields[name], name
    source = re.sub(r"<[^>]+>", "", fields["Source"])
    assert source.startswith(f"{note.item_id}#{k} · seed 1")


def test_a_mistake_equal_to_the_answer_is_resampled_and_counted():
    """square-collide: a² with the mistake 2a; a = 0 and a = 2 make them equal and are redrawn."""
    from ankigen.paths import find_project
    from ankigen.pipeline import load, solve_and_verify

    library = load(find_project(FIXTURE))
    p = next(p for p in library.problems() if p.id == "square-collide")
    drawn = [solve_and_verify(p, 1, k) for k in range(12)]
    assert all(dict(v.solved.draw.params)["a"] not in (0, 2) for v in drawn)
    assert sum(v.solved.draw.collisions for v in drawn) > 0
    entry = drawn[0].spec["answers"][0]
    mistake = entry["mistakes"][0]
    assert mistake["message"] == "You doubled instead of squaring."
    assert judge(entry, str(mistake["value"]))["verdict"] == "mistake"


def test_check_reports_variants_mistakes_collisions_and_forms():
    from ankigen.pipeline import check
    from ankigen.variety import format_check

    report = check(seeds=12, src=FIXTURE, draw_seeds=0, workers=1, use_cache=False)
    rows = {p.problem_id: p for p in report.problems}
    assert rows["square-collide"].mistakes == 1 and rows["square-collide"].collisions > 0
    assert rows["square-slope"].collisions == 0
    assert rows["square-collide"].forms == ("s: number (1/2, 0.5, 1e-3, sqrt(2), pi, e, ln); "
                                            "rtol 1e-06, atol 1e-09; close within 0.02",)
    assert rows["square-slope"].forms[0].startswith("df: expression in x, checked at 8 points")
    out, _, _ = format_check(report, 12, quiet=False, strict=False)
    line = next(line for line in out if line.startswith("square-collide"))
    assert re.search(rf"\s1\s+{rows['square-collide'].collisions}\s+ok", line), line
    assert "2 mistakes declared on 2 problems" in "\n".join(out)
