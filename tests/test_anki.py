"""The real Anki library: import, render every card, Check Database, then re-import a new seed.

Uses the `anki` package from PyPI (the same Rust backend as the desktop app).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

anki_collection = pytest.importorskip("anki.collection")

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest  # noqa: E402
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition  # noqa: E402

from ankigen.package import write_package  # noqa: E402
from ankigen.pipeline import generate  # noqa: E402
from ankigen.recipe import load_recipe  # noqa: E402

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


def import_apkg(col: Collection, path: Path):
    req = ImportAnkiPackageRequest(
        package_path=str(path),
        options=ImportAnkiPackageOptions(merge_notetypes=True, update_notes=IF_NEWER,
                                         update_notetypes=IF_NEWER, with_scheduling=False,
                                         with_deck_configs=False),
    )
    return col.import_anki_package(req).log


@pytest.fixture()
def collection(tmp_path):
    col = Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """The default deck built with seed 1 at t1, and with seed 2 at a later t2."""
    from ankigen.paths import find_project
    from ankigen.pipeline import load

    project = find_project(Path(__file__).resolve().parent.parent / "cards_src")
    library = load(project)
    recipe = load_recipe(project.recipes / "ml-math.yaml")
    out = tmp_path_factory.mktemp("decks")
    deck1 = generate(library, recipe, project)
    p1 = write_package(deck1, out / "seed1.apkg", project.templates, timestamp=1_700_000_000)
    import dataclasses

    deck2 = generate(library, dataclasses.replace(recipe, seed=2), project)
    p2 = write_package(deck2, out / "seed2.apkg", project.templates, timestamp=1_700_100_000)
    return deck1, p1, deck2, p2


def test_import_renders_every_card_and_passes_check_database(collection, two_builds):
    deck1, p1, _, _ = two_builds
    log = import_apkg(collection, p1)
    assert len(log.new) == len(deck1.notes)
    assert not log.conflicting and not log.missing_notetype
    card_ids = collection.find_cards("")
    assert len(card_ids) >= len(deck1.notes)
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
            answer_field = note.fields[2]
            assert answer_field in a and answer_field not in q
    report = collection.media.check()
    assert not report.missing and not report.unused
    msg, ok = collection.fix_integrity()
    assert ok, msg
    assert collection.find_cards("") == card_ids
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert any(n.startswith("ML Math::") and n.count("::") == 2 for n in names)


def test_new_cards_come_in_prerequisite_order(collection, two_builds, library):
    """Anki shows new cards by due position: foundations must come before what builds on them."""
    deck1, p1, _, _ = two_builds
    import_apkg(collection, p1)
    topic_rank = {t.id: i for i, t in enumerate(library.topics)}
    item_topic = {c.id: t.id for t in library.topics for c in t.concepts}
    item_topic.update({p.id: t.id for t in library.topics for p in t.problems})
    rows = collection.db.all("select c.due, n.guid from cards c join notes n on c.nid = n.id "
                             "where c.type = 0 order by c.due, c.ord")
    guid_item = {n.guid: n.item_id for n in deck1.notes}
    ranks = [topic_rank[item_topic[guid_item[g]]] for _, g in rows]
    assert ranks == sorted(ranks)
    for t in library.topics:
        for req in t.requires:
            assert topic_rank[req] < topic_rank[t.id]


def test_reimport_new_seed_updates_in_place_and_keeps_history(collection, two_builds):
    deck1, p1, deck2, p2 = two_builds
    import_apkg(collection, p1)
    note_ids_before = sorted(collection.find_notes(""))
    # study a few cards
    collection.decks.select(collection.decks.id_for_name("ML Math"))
    answered = []
    for _ in range(5):
        queued = collection.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            break
        card = collection.get_card(queued.cards[0].card.id)
        card.start_timer()
        collection.sched.answerCard(card, 3)
        answered.append(card.id)
    assert answered, "no cards could be studied"
    revlog_before = collection.db.scalar("select count() from revlog")
    sched_before = {cid: (collection.get_card(cid).ivl, collection.get_card(cid).reps,
                          collection.get_card(cid).queue) for cid in answered}
    problem_guids = {n.guid for n in deck1.notes if n.note_type == "problem"}
    q_before = {collection.get_note(nid).guid: collection.get_note(nid)["Question"]
                for nid in collection.find_notes("note:ankigen*problem")}

    log = import_apkg(collection, p2)
    assert len(log.new) == 0
    assert len(log.updated) == len(deck2.notes)
    assert not log.conflicting
    assert sorted(collection.find_notes("")) == note_ids_before
    assert collection.db.scalar("select count() from revlog") == revlog_before
    for cid, state in sched_before.items():
        c = collection.get_card(cid)
        assert (c.ivl, c.reps, c.queue) == state
    q_after = {collection.get_note(nid).guid: collection.get_note(nid)["Question"]
               for nid in collection.find_notes("note:ankigen*problem")}
    changed = sum(1 for g in problem_guids if q_before[g] != q_after[g])
    assert changed >= 0.8 * len(problem_guids), "new seed should give new numbers"
    msg, ok = collection.fix_integrity()
    assert ok, msg


def test_reimport_same_build_changes_nothing(collection, two_builds):
    deck1, p1, _, _ = two_builds
    import_apkg(collection, p1)
    log = import_apkg(collection, p1)
    assert len(log.new) == 0 and len(log.updated) == 0
    assert len(log.duplicate) == len(deck1.notes)
