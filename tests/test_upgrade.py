"""Upgrade from the released format with the real `anki` package: history kept, no duplicates.

The learner has the deck of the last release (tests/fixtures/upgrade: commit b74acb6, one note
per problem variant, GUID = guid(item, slot), problem note type with six fields), has reviewed
some of its problem cards, and imports the new build (one note per problem, GUID = guid(item, 0),
fields Variants and Check appended after Source). What Anki (26.x, the same Rust importer as
the desktop app and AnkiDroid 2.17+) really does, asserted below:

- default options: the problem note type's fields changed, so Anki adds the package's note
  type as a copy ('ankigen problem+', no notes) and updates NONE of the problem notes it has
  ('conflicting'); concept and cloze notes update normally. Nothing is lost, nothing upgraded.
- 'Merge notetypes' + 'Update notes: if newer': the note type is merged (fields appended),
  which marks every problem note as modified now, so they are then 'not newer' and skipped.
- 'Merge notetypes' + 'Update notes: Always' (what the README asks for, once): every note
  that carries over (slot 0 → the new note, same GUID) gets the new fields and note type and
  keeps its cards, intervals, due dates and review log; slots 1..2 are orphaned (listed by
  `ankigen diff`), kept with their fields, cards and history, their two new fields empty.
  Afterwards imports with the default options work again (no conflict).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.tools import CHROMIUM, importorskip_or_fail, once_per_session, require_tool

anki_collection = importorskip_or_fail("anki.collection")

from anki.collection import (  # noqa: E402
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition  # noqa: E402

from ankigen import identity, package  # noqa: E402
from ankigen.diff import compare, diff, read_note_types, read_package  # noqa: E402
from ankigen.pipeline import generate  # noqa: E402

OLD = Path(__file__).parent / "fixtures" / "upgrade" / "eigen-taylor-b74acb6.apkg"
TOPICS = ("linear-algebra/eigen", "calculus/taylor")
T_OLD = 1_767_225_600          # the fixture's SOURCE_DATE_EPOCH
T_NEW = T_OLD + 30 * 86_400    # the new build, a month later (before the import, as in real life)
PROBLEM = identity.MODEL_IDS["problem"]
RELEASED_FIELDS = ["Question", "QuestionFigure", "Answer", "Solution", "AnswerFigure", "Source"]
ALWAYS = ImportAnkiPackageUpdateCondition.Value("IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS")
DEFAULTS = ImportAnkiPackageOptions()
UPGRADE = ImportAnkiPackageOptions(merge_notetypes=True, update_notes=ALWAYS)  # the README's options
MERGE_IF_NEWER = ImportAnkiPackageOptions(merge_notetypes=True)


def import_apkg(col: Collection, path: Path, options: ImportAnkiPackageOptions):
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options)).log


@pytest.fixture(scope="module")
def new_apkg(library, default_recipe, project, tmp_path_factory):
    """The same topics built by the current code (3 variants, seed 7), a month after the fixture."""
    def make() -> Path:  # once per session: one xdist worker builds it, the others reuse it
        recipe = dataclasses.replace(default_recipe, include=TOPICS, variants=3, seed=7)
        deck = generate(library, recipe, project)
        return package.write_package(deck, tmp_path_factory.mktemp("new") / "new.apkg", project.templates,
                                     timestamp=T_NEW, previous=OLD)

    return once_per_session(tmp_path_factory, "upgrade-new", make)


@dataclasses.dataclass
class Reviewed:
    col: Collection
    nid: dict[str, int]                 # GUID → note id
    answered: dict[int, str]            # card id → its note's label
    cards: dict[int, tuple]             # card id → scheduling state
    revlog: list[tuple]
    note_cards: dict[int, list[int]]    # note id → card ids


def _state(col: Collection) -> dict[int, tuple]:
    return {cid: (c.nid, c.did, c.odid, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses)
            for cid in col.find_cards("") for c in [col.get_card(cid)]}


def _revlog(col: Collection) -> list[tuple]:
    return col.db.all("select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id")


@pytest.fixture()
def reviewed(tmp_path):
    """A collection holding the old deck, with problem cards of slots 0 and 1 reviewed."""
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        log = import_apkg(col, OLD, DEFAULTS)
        assert len(log.new) == len(read_package(OLD)) == 46
        nid = {col.get_note(n).guid: n for n in col.find_notes("")}
        answered = {}
        for guid, note in read_package(OLD).items():
            item, _, slot = note.label.partition("#")
            if note.model != PROBLEM or slot not in ("0", "1"):
                continue
            card = col.get_card(col.find_cards(f"nid:{nid[guid]}")[0])
            for ease in ((4,) if slot == "0" else (3, 3)):  # slot 0: Easy (a review, ivl > 0)
                card.start_timer()
                col.sched.answerCard(card, ease)
                card = col.get_card(card.id)
            answered[card.id] = note.label
        state = _state(col)
        assert all(state[c][6] > 0 for c, lab in answered.items() if lab.endswith("#0"))
        assert len(_revlog(col)) == sum(1 if lab.endswith("#0") else 2 for lab in answered.values()) == 21
        note_cards = {n: sorted(col.find_cards(f"nid:{n}")) for n in nid.values()}
        yield Reviewed(col, nid, answered, state, _revlog(col), note_cards)
    finally:
        col.close()


def _nfc(fields) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", f) for f in fields)


def _problem_note_types(col: Collection) -> dict[str, list[str]]:
    """Read from the database: the Python note type cache does not see an import's merge."""
    return {name: col.db.list("select name from fields where ntid = ? order by ord", ntid)
            for ntid, name in col.db.all("select id, name from notetypes")
            if name.startswith("ankigen problem")}


def _added_since_release(old: dict, new: dict) -> set[str]:
    """Notes the curriculum gained after the release: concepts and clozes only, never a problem
    (a problem note carries over by its slot-0 GUID)."""
    added = new.keys() - old.keys()
    assert all(new[g].model != PROBLEM for g in added), sorted(new[g].label for g in added)
    return added


def _assert_history_kept(r: Reviewed) -> None:
    """Every card the learner had: same note, deck, due, interval, ease, reps, lapses; the only
    other cards are those of notes the import added."""
    state = _state(r.col)
    assert {c: state[c] for c in r.cards} == r.cards
    old_nids = set(r.nid.values())
    assert all(s[0] not in old_nids for c, s in state.items() if c not in r.cards)
    assert _revlog(r.col) == r.revlog
    assert {n: sorted(r.col.find_cards(f"nid:{n}")) for n in r.nid.values()} == r.note_cards


def test_the_new_build_is_one_note_per_problem_with_fields_appended(new_apkg):
    old, new = read_package(OLD), read_package(new_apkg)
    assert read_note_types(OLD)[PROBLEM] == ("ankigen problem", tuple(RELEASED_FIELDS))
    assert read_note_types(new_apkg)[PROBLEM] == ("ankigen problem", (*RELEASED_FIELDS, "Variants", "Check"))
    items = {n.label.split("#")[0] for n in old.values() if n.model == PROBLEM}
    assert len(items) == 7
    problems = {g: n for g, n in new.items() if n.model == PROBLEM}
    assert set(problems) == {identity.guid(i, 0) for i in items}   # slot 0's GUID, one per problem
    assert all(n.fields[-1].startswith("{") and n.fields[-2].count('class="ankigen-variant"') == 2
               for n in problems.values())                          # Check; Variants holds slots 1, 2


def test_default_options_upgrade_no_problem_note_and_lose_nothing(reviewed, new_apkg):
    """Anki refuses a changed note type with its defaults: the problem notes stay as they were."""
    r, old, new = reviewed, read_package(OLD), read_package(new_apkg)
    log = import_apkg(r.col, new_apkg, DEFAULTS)
    carried = old.keys() & new.keys()
    n_problems = sum(new[g].model == PROBLEM for g in carried)
    assert len(log.conflicting) == n_problems == 7
    assert len(log.updated) == len(carried) - n_problems and not log.duplicate
    assert {n.id.nid for n in log.new} == {r.col.db.scalar("select id from notes where guid = ?", g)
                                          for g in _added_since_release(old, new)}
    assert _problem_note_types(r.col) == {"ankigen problem": RELEASED_FIELDS,
                                          "ankigen problem+": [*RELEASED_FIELDS, "Variants", "Check"]}
    for g, n in old.items():
        if n.model == PROBLEM:
            assert _nfc(r.col.get_note(r.nid[g]).fields) == _nfc(n.fields), n.label
    _assert_history_kept(r)
    # diff says so before the import
    assert diff(OLD, new_apkg).note_types == (
        ("ankigen problem", tuple(RELEASED_FIELDS), (*RELEASED_FIELDS, "Variants", "Check")),)


def test_merge_with_update_if_newer_skips_the_problem_notes(reviewed, new_apkg):
    """Merging the note type marks its notes modified now: 'if newer' then skips every one."""
    r, old, new = reviewed, read_package(OLD), read_package(new_apkg)
    log = import_apkg(r.col, new_apkg, MERGE_IF_NEWER)
    carried_problems = [g for g in old.keys() & new.keys() if new[g].model == PROBLEM]
    assert len(log.duplicate) == len(carried_problems) and not log.conflicting
    assert _problem_note_types(r.col) == {"ankigen problem": [*RELEASED_FIELDS, "Variants", "Check"]}
    for g in carried_problems:
        assert _nfc(r.col.get_note(r.nid[g]).fields) == (*_nfc(old[g].fields), "", ""), old[g].label
    _assert_history_kept(r)


def test_upgrade_with_the_readme_options_keeps_history(reviewed, new_apkg, tmp_path):
    r, old, new = reviewed, read_package(OLD), read_package(new_apkg)
    predicted = compare(old, new)
    schema = r.col.db.scalar("select scm from col")
    log = import_apkg(r.col, new_apkg, UPGRADE)
    assert r.col.db.scalar("select scm from col") > schema  # a schema change: the next sync is a full one
    carried, orphans = old.keys() & new.keys(), old.keys() - new.keys()
    added = _added_since_release(old, new)
    assert len(log.new) == len(predicted.added) == len(added)
    assert set(predicted.added) == {new[g].label for g in added}
    assert len(log.updated) == len(carried) == 32 and not log.conflicting and not log.duplicate
    # no duplicates: every GUID once, the old notes and the added ones, no other
    guids = r.col.db.list("select guid from notes")
    assert len(guids) == len(set(guids)) == len(old) + len(added) and len(old) == 46
    # one note type, the package's fields (appended at the end: nothing renumbered)
    assert _problem_note_types(r.col) == {"ankigen problem": package.FIELDS["problem"]}
    assert package.FIELDS["problem"] == [*RELEASED_FIELDS, "Variants", "Check"]
    # the notes that carry over: the new fields and note type, on the same note
    for g in carried:
        note = r.col.get_note(r.nid[g])
        assert note.mid == new[g].model and _nfc(note.fields) == _nfc(new[g].fields), new[g].label
    # the old extra variants: orphaned, exactly as diff lists them, fields kept, new ones empty
    items = {n.label.split("#")[0] for n in old.values() if n.model == PROBLEM}
    assert predicted.orphaned == tuple(sorted(old[g].label for g in orphans)) \
        == tuple(sorted(f"{i}#{k}" for i in items for k in (1, 2)))
    for g in orphans:
        assert _nfc(r.col.get_note(r.nid[g]).fields) == (*_nfc(old[g].fields), "", ""), old[g].label
    # the README's search finds exactly them (their Check field is empty)
    assert sorted(r.col.find_notes('"note:ankigen problem" Check:')) == sorted(r.nid[g] for g in orphans)
    # review history: every card, interval, due date and review log row as before
    _assert_history_kept(r)
    assert {r.answered[c] for c in r.answered if r.col.get_card(c).note().guid in carried} \
        == {f"{i}#0" for i in items}
    # every card renders (the orphans too, with empty Variants/Check: variant 0 only)
    for cid in r.col.find_cards(""):
        card = r.col.get_card(cid)
        for side in (card.question(), card.answer()):
            assert "{{" not in side and "there is no field" not in side, cid
    for g in orphans:
        card = r.col.get_card(r.note_cards[r.nid[g]][0])
        assert old[g].fields[0] in card.question() and old[g].label in card.answer()
    msg, ok = r.col.fix_integrity()
    assert ok, msg
    # after the one-time upgrade the default options work again: nothing conflicts
    again = import_apkg(r.col, new_apkg, DEFAULTS)
    assert not again.conflicting and not again.new and len(again.duplicate) == len(new)
    assert _problem_note_types(r.col) == {"ankigen problem": package.FIELDS["problem"]}
    # and an export of the upgraded collection: diff sees the same note types, nothing to do
    exported = tmp_path / "export.apkg"
    r.col.export_anki_package(out_path=str(exported), limit=None, options=ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False))
    assert read_note_types(exported)[PROBLEM] == read_note_types(new_apkg)[PROBLEM]
    after = diff(exported, new_apkg)
    assert after.note_types == () and after.orphaned == predicted.orphaned
    assert len(after.unchanged) == len(new) and not (after.updated or after.skipped or after.edited_kept)




def test_orphaned_variant_notes_show_as_self_graded_cards(reviewed, new_apkg):
    """After the upgrade an old variant note runs the new template with an empty Check: no box,
    no script error, its own question and answer (a self-graded card, as before)."""
    require_tool("chromium")
    sync_api = importorskip_or_fail("playwright.sync_api")
    r, old, new = reviewed, read_package(OLD), read_package(new_apkg)
    import_apkg(r.col, new_apkg, UPGRADE)
    orphan = next(g for g in sorted(old.keys() - new.keys()))
    carried = identity.guid(old[orphan].label.split("#")[0], 0)
    sides = {}
    for g in (orphan, carried):
        card = r.col.get_card(r.note_cards[r.nid[g]][0])
        css = card.render_output().css
        sides[g] = [f"<!doctype html><html><head><meta charset='utf-8'>{css}</head>"
                    f"<body class='card'>{h}</body></html>" for h in (card.question(), card.answer())]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            for g, boxes in ((orphan, 0), (carried, 1)):  # the carried note: a box (proves the probe)
                page.set_content(sides[g][0])
                assert (page.locator("input").count() >= 1) == bool(boxes), old[g].label
                page.set_content(sides[g][1])
                assert page.locator("#ankigen-feedback .ankigen-result").count() == 0
            page.set_content(sides[orphan][1])
            text = page.inner_text("body")
            assert old[orphan].label in text and "Suggested grade" not in text
            assert errors == []
        finally:
            browser.close()


def test_diff_command_lists_the_orphans_and_says_which_options(new_apkg):
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    r = subprocess.run([sys.executable, "-m", "ankigen", "diff", str(OLD), str(new_apkg), "--list"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("orphaned"))
    assert lines[at].split()[:2] == ["orphaned", "14"]
    assert [x.strip() for x in lines[at + 1:at + 15]] == sorted(
        f"{i}#{k}" for i in ("eigen-2x2", "eigen-eigenvector-2x2", "eigen-matrix-power",
                             "pd-sylvester-3x3", "pd-threshold-2x2", "taylor-maclaurin-exp-cos",
                             "taylor-sqrt-approx") for k in (1, 2))
    added = _added_since_release(read_package(OLD), read_package(new_apkg))
    assert lines[0].split()[:2] == ["new", str(len(added))]
    assert "warning: the note type 'ankigen problem' changed its fields" in r.stderr
    assert "'Merge notetypes' ticked and 'Update notes: Always'" in r.stderr
