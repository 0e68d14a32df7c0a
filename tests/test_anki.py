"""The real Anki library, with Anki's default import and deck options.

Uses the `anki` package from PyPI (the same Rust backend as the desktop app):
import, render every card, Check Database; the order of new cards; re-imports
of a new seed, of a SOURCE_DATE_EPOCH build and over notes edited in Anki, each
compared with what `ankigen diff` predicted.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pytest

from tests.tools import importorskip_or_fail, once_per_session

anki_collection = importorskip_or_fail("anki.collection")

from anki.collection import (  # noqa: E402
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from ankigen import decks  # noqa: E402
from ankigen.diff import compare, read_package  # noqa: E402
from ankigen.package import reproducibility_warning, write_package  # noqa: E402
from ankigen.pipeline import generate  # noqa: E402

T1, T2 = 1_700_000_000, 1_700_100_000
DEFAULTS = ImportAnkiPackageOptions()  # every option at Anki's default (checked below)


def import_apkg(col: Collection, path: Path):
    req = ImportAnkiPackageRequest(package_path=str(path), options=DEFAULTS)
    return col.import_anki_package(req).log


@pytest.fixture()
def collection(tmp_path):
    col = Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


@pytest.fixture(scope="module")
def full_apkg(built_deck, project, tmp_path_factory):
    """The whole default deck (seed 1) as a package (written once per session)."""
    return once_per_session(tmp_path_factory, "full-apkg", lambda: write_package(
        built_deck, tmp_path_factory.mktemp("full") / "ml-math.apkg", project.templates, timestamp=T1))


@pytest.fixture(scope="module")
def calculus(library, default_recipe, project, tmp_path_factory):
    """The calculus topics, 2 variants: seed 1 at T1, then seed 2 at T2 built over it (once per session)."""

    def make():
        recipe = dataclasses.replace(default_recipe, include=("calculus/*",), variants=2)
        out = tmp_path_factory.mktemp("calculus")
        deck1 = generate(library, recipe, project)
        p1 = write_package(deck1, out / "seed1.apkg", project.templates, timestamp=T1)
        deck2 = generate(library, dataclasses.replace(recipe, seed=2), project)
        p2 = write_package(deck2, out / "seed2.apkg", project.templates, timestamp=T2, previous=p1)
        return deck1, p1, deck2, p2, out

    return once_per_session(tmp_path_factory, "anki-calculus", make)


def _topic_of(card) -> str:
    tag = next(t for t in card.note().tags if t.startswith("ankigen::topic::"))
    return "/".join(tag.split("::")[2:])


def test_our_import_options_are_ankis_defaults(collection):
    assert collection._backend.get_import_anki_package_presets() == DEFAULTS
    assert DEFAULTS.update_notes == 0 and not DEFAULTS.merge_notetypes  # 0 = "if newer"


def test_import_renders_every_card_and_passes_check_database(collection, built_deck, full_apkg):
    log = import_apkg(collection, full_apkg)
    assert len(log.new) == len(built_deck.notes)
    assert not log.conflicting and not log.missing_notetype
    card_ids = collection.find_cards("")
    assert len(card_ids) >= len(built_deck.notes)
    media_dir = Path(collection.media.dir())
    for cid in card_ids:
        card = collection.get_card(cid)
        q, a = card.question(), card.answer()
        note = card.note()
        for side in (q, a):
            assert "{{" not in side, f"unrendered field in card {cid}"
            for marker in ("there is no field", "is blank", "template-error", "Invalid HTML"):
                assert marker not in side, (cid, marker)
            for src in re.findall(r'<img[^>]+src="([^"]+)"', side):
                assert (media_dir / src).is_file(), f"missing media {src}"
        assert 'class="source-id"' in q and 'class="source-id"' in a
        if note.note_type()["name"] == "ankigen cloze":
            assert '<span class="cloze"' in q and "[...]" in q
        else:
            first = note.fields[0]
            assert first and first in q and first in a  # the prompt really rendered
            answer_field = note.fields[2]  # a problem's other variants sit, hidden, in the front
            shown_front = q.split('id="ankigen-variants"')[0]
            assert answer_field in a and answer_field not in shown_front
    report = collection.media.check()
    assert not report.missing and not report.unused
    msg, ok = collection.fix_integrity()
    assert ok, msg
    assert collection.find_cards("") == card_ids
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert "ML Math::01 Calculus::01 Derivatives" in names
    # Anki stores every field exactly as built: an export matches the package note for note
    exported = full_apkg.parent / "export.apkg"
    collection.export_anki_package(out_path=str(exported), limit=None, options=ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False))
    again = compare(read_package(exported), read_package(full_apkg))
    assert len(again.unchanged) == len(built_deck.notes)
    assert not (again.edited_kept or again.edited_overwritten or again.skipped or again.moved)


def test_new_cards_follow_the_curriculum_with_default_deck_options(collection, library, full_apkg):
    """Anki gathers new cards deck by deck in name order: the names carry the curriculum order."""
    import_apkg(collection, full_apkg)
    order = decks.curriculum_order(library)
    rank = {t: i for i, t in enumerate(order)}
    for t in library.topics:
        assert all(rank[r] < rank[t.id] for r in t.requires), t.id
    collection.decks.select(collection.decks.id_for_name("ML Math"))
    first = [collection.get_card(c.card.id) for c in
             collection.sched.get_queued_cards(fetch_limit=100).cards]
    assert len(first) == 20  # the default new cards per day
    ranks = [rank[_topic_of(c)] for c in first if c.ord == 0]
    assert ranks[0] == 0 and ranks == sorted(ranks)  # Derivatives first, then curriculum order
    # the whole queue: only the daily limits raised (a count, not an order setting)
    conf = collection.decks.config_dict_for_deck_id(1)
    conf["new"]["perDay"] = conf["rev"]["perDay"] = 9999
    collection.decks.save(conf)
    queue = [collection.get_card(c.card.id) for c in
             collection.sched.get_queued_cards(fetch_limit=9999).cards]
    assert len(queue) == len(collection.find_cards(""))
    firsts = [rank[_topic_of(c)] for c in queue if c.ord == 0]
    assert firsts == sorted(firsts) and sorted(set(firsts)) == list(range(len(order)))
    # Anki's default sort puts a cloze's 2nd, 3rd... deletion after the gathered first cards
    seen: set[int] = set()
    for c in queue:
        assert c.ord == 0 or c.nid in seen, "a later deletion came before its note's first card"
        seen.add(c.nid)


def _rows(col: Collection, kinds: tuple[str, ...]) -> dict[str, tuple]:
    query = " OR ".join(f'"note:ankigen {k}"' for k in kinds)
    return {n.guid: (n.mod, n.usn, tuple(n.fields)) for n in
            (col.get_note(nid) for nid in col.find_notes(query))}


def test_new_seed_updates_only_problem_notes_and_keeps_history(collection, calculus):
    deck1, p1, deck2, p2, _ = calculus
    import_apkg(collection, p1)
    collection.db.execute("update notes set usn = 0")  # as after a sync: -1 marks a change to sync
    collection.decks.select(collection.decks.id_for_name("ML Math"))
    answered = []
    for _ in range(5):
        card = collection.get_card(collection.sched.get_queued_cards(fetch_limit=1).cards[0].card.id)
        card.start_timer()
        collection.sched.answerCard(card, 3)
        answered.append(card.id)
    sched = {cid: (collection.get_card(cid).ivl, collection.get_card(cid).reps,
                   collection.get_card(cid).queue, collection.get_card(cid).did) for cid in answered}
    revlog = collection.db.scalar("select count() from revlog")
    notes_before = sorted(collection.find_notes(""))
    concepts_before = _rows(collection, ("concept", "cloze"))
    problems_before = _rows(collection, ("problem",))

    predicted = compare(read_package(p1), read_package(p2))
    log = import_apkg(collection, p2)
    n_problems = sum(n.note_type == "problem" for n in deck2.notes)
    assert len(log.new) == len(predicted.added) == 0
    assert len(log.updated) == len(predicted.updated) + len(predicted.rewritten) == n_problems
    assert len(log.duplicate) == len(predicted.unchanged) + len(predicted.skipped) \
        == len(deck2.notes) - n_problems
    assert not predicted.rewritten and not predicted.skipped
    # concept and cloze notes: untouched (time, sync state, fields)
    assert _rows(collection, ("concept", "cloze")) == concepts_before
    after = _rows(collection, ("problem",))
    assert all(after[g][0] == T2 and after[g][1] == -1 for g in after)
    changed = sum(after[g][2] != problems_before[g][2] for g in after)
    assert changed >= 0.8 * n_problems, "a new seed should give new numbers"
    # same notes, same cards, same history
    assert sorted(collection.find_notes("")) == notes_before
    assert collection.db.scalar("select count() from revlog") == revlog
    for cid, state in sched.items():
        c = collection.get_card(cid)
        assert (c.ivl, c.reps, c.queue, c.did) == state
    # the figures of the old variants are now unused, exactly as diff counted
    unused = sorted(collection.media.check().unused)
    assert unused == sorted(predicted.stale_media) and unused
    msg, ok = collection.fix_integrity()
    assert ok, msg


def test_same_build_again_changes_nothing(collection, calculus):
    deck1, p1, _, _, _ = calculus
    import_apkg(collection, p1)
    log = import_apkg(collection, p1)
    assert len(log.new) == 0 and len(log.updated) == 0
    assert len(log.duplicate) == len(deck1.notes)


def test_source_date_epoch_rebuild_is_skipped_and_diff_says_so(collection, calculus, project,
                                                               monkeypatch):
    """A changed deck built with the same SOURCE_DATE_EPOCH and no previous package: not newer."""
    deck1, p1, deck2, _, out = calculus
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1))
    stale = out / "sde.apkg"
    assert reproducibility_warning(stale) is not None  # said loudly on build
    write_package(deck2, stale, project.templates)
    import_apkg(collection, p1)
    predicted = compare(read_package(p1), read_package(stale))
    log = import_apkg(collection, stale)
    n_problems = sum(n.note_type == "problem" for n in deck2.notes)
    assert len(log.updated) == len(predicted.updated) == 0
    assert len(predicted.skipped) == n_problems >= 1
    assert len(log.duplicate) == len(predicted.skipped) + len(predicted.unchanged) == len(deck2.notes)
    # with the previous package kept at the output path, the same epoch updates them
    safe = out / "sde-safe.apkg"
    safe.write_bytes(p1.read_bytes())
    assert reproducibility_warning(safe) is None
    write_package(deck2, safe, project.templates)
    predicted = compare(read_package(p1), read_package(safe))
    log = import_apkg(collection, safe)
    assert len(log.updated) == len(predicted.updated) == n_problems
    assert not predicted.skipped


@pytest.mark.parametrize("export", ["apkg", "colpkg", "legacy.apkg"])
def test_diff_reports_notes_edited_in_anki(tmp_path, calculus, project, export):
    """Edits in Anki: kept while the note's source is unchanged, overwritten when it changes."""
    deck1, p1, deck2, _, out = calculus
    later = write_package(deck2, tmp_path / "later.apkg", project.templates,
                          timestamp=time.time() + 60, previous=p1)
    path = str(tmp_path / "collection.anki2")
    col = Collection(path)
    try:
        import_apkg(col, p1)
        concept = col.get_note(col.find_notes('"note:ankigen concept"')[0])
        problem = col.get_note(col.find_notes('"note:ankigen problem"')[0])
        for note in (concept, problem):
            note.fields[0] += " (my edit)"
            col.update_note(note)
        exported = tmp_path / f"export.{export}"
        if export == "colpkg":
            col.export_collection_package(str(exported), include_media=True, legacy=False)
            col = Collection(path)
        else:
            col.export_anki_package(out_path=str(exported), limit=None, options=ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=True,
                legacy=export.startswith("legacy")))  # legacy: collection.anki21, schema 11
        predicted = compare(read_package(exported), read_package(later))
        label = {n.guid: n.label for n in read_package(later).values()}  # the Source footer's id
        assert predicted.edited_kept == (label[concept.guid],)
        assert predicted.edited_overwritten == (label[problem.guid],)
        import_apkg(col, later)
        assert col.get_note(concept.id).fields[0].endswith(" (my edit)")
        assert not col.get_note(problem.id).fields[0].endswith(" (my edit)")
    finally:
        col.close()


def test_fresh_export_shows_no_edits(collection, calculus, tmp_path):
    """Anki stores our fields exactly: an untouched collection has no 'edited' notes."""
    _, p1, _, _, _ = calculus
    import_apkg(collection, p1)
    exported = tmp_path / "export.apkg"
    collection.export_anki_package(out_path=str(exported), limit=None, options=ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False))
    result = compare(read_package(exported), read_package(p1))
    assert not result.edited_kept and not result.edited_overwritten
    assert len(result.unchanged) == len(read_package(p1)) and not result.skipped


def test_deck_rename_leaves_cards_and_history_in_the_old_deck(collection, calculus, project, tmp_path):
    """Anki matches decks by name and never moves cards it has: diff lists the renamed decks."""
    deck1, p1, _, _, _ = calculus
    old_names = dataclasses.replace(deck1, notes=tuple(
        dataclasses.replace(n, deck=re.sub(r"::\d+ ", "::", n.deck)) for n in deck1.notes))
    before = write_package(old_names, tmp_path / "old-names.apkg", project.templates, timestamp=T1)
    import_apkg(collection, before)
    collection.decks.select(collection.decks.id_for_name("ML Math"))
    card = collection.get_card(collection.sched.get_queued_cards(fetch_limit=1).cards[0].card.id)
    card.start_timer()
    collection.sched.answerCard(card, 3)
    placed = {c: collection.get_card(c).did for c in collection.find_cards("")}
    predicted = compare(read_package(before), read_package(p1))
    assert len(predicted.moved) == len(deck1.notes)
    assert ("ML Math::Calculus::Derivatives", "ML Math::01 Calculus::01 Derivatives") in predicted.deck_renames
    log = import_apkg(collection, p1)
    assert len(log.duplicate) == len(deck1.notes) and not log.new and not log.updated
    assert {c: collection.get_card(c).did for c in collection.find_cards("")} == placed  # not moved
    assert collection.db.scalar("select count() from revlog") == 1
    new_deck = collection.decks.id_for_name("ML Math::01 Calculus::01 Derivatives")
    assert new_deck and not collection.find_cards(f"did:{new_deck}")  # created, but empty
