"""Parallel builds equal serial ones; the cache reuses only what is unchanged and never trusts damage."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ankigen.cache import Cache
from ankigen.paths import find_project
from ankigen.pipeline import generate, load
from ankigen.recipe import load_recipe


def _summary(deck):
    return ([(n.guid, n.fields, n.tags, n.deck, n.media) for n in deck.notes],
            [(m.name, m.data) for m in deck.media])


def test_two_workers_give_the_serial_output(small_deck, small_library, small_recipe, small_proj):
    parallel = generate(small_library, small_recipe, small_proj, workers=2)
    assert _summary(parallel) == _summary(small_deck)


def test_cache_hit_equals_fresh_build(tmp_path, small_deck, small_library, small_recipe, small_proj):
    cache = Cache(tmp_path / "cache", small_proj.templates)
    first = generate(small_library, small_recipe, small_proj, cache=cache)
    assert cache.hits == 0 and cache.misses == len(first.notes)
    cache2 = Cache(tmp_path / "cache", small_proj.templates)
    second = generate(small_library, small_recipe, small_proj, cache=cache2)
    assert cache2.hits == len(second.notes) and cache2.misses == 0
    assert _summary(second) == _summary(small_deck) == _summary(first)


def test_corrupt_entries_are_detected_and_recomputed(tmp_path, small_deck, small_library, small_recipe, small_proj):
    folder = tmp_path / "cache"
    generate(small_library, small_recipe, small_proj, cache=Cache(folder, small_proj.templates))
    entries = sorted((folder / "notes").rglob("*.json"))
    # damage: a changed field (checksum no longer matches), a truncated file, garbage
    data = json.loads(entries[0].read_text())
    data["note"]["fields"][0][1] = "tampered"
    entries[0].write_text(json.dumps(data))
    entries[1].write_bytes(entries[1].read_bytes()[:20])
    entries[2].write_bytes(b"\x00\xff not json")
    medias = sorted((folder / "media").iterdir())
    medias[0].write_bytes(b"<svg>tampered</svg>")
    cache = Cache(folder, small_proj.templates)
    again = generate(small_library, small_recipe, small_proj, cache=cache)
    assert cache.corrupt >= 3
    assert _summary(again) == _summary(small_deck)
    assert "tampered" not in json.dumps([n.fields for n in again.notes])


def test_changed_source_recomputes_only_its_items(tmp_path, small_copy):
    proj = find_project(small_copy / "cards_src")
    recipe = load_recipe(proj.recipes / "ml-math.yaml")
    folder = tmp_path / "cache"
    generate(load(proj), recipe, proj, cache=Cache(folder, proj.templates))
    topic_file = sorted((small_copy / "cards_src").glob("*/*.yaml"))[0]
    lib = load(proj)
    topic = next(t for t in lib.topics if t.path.endswith(topic_file.relative_to(small_copy).as_posix()))
    target = (topic.concepts or topic.problems)[0]
    text = topic_file.read_text()
    marker = f"id: {target.id}\n"
    assert marker in text
    topic_file.write_text(text.replace(marker, marker + "    tags: [changed]\n", 1))
    cache = Cache(folder, proj.templates)
    deck = generate(load(proj), recipe, proj, cache=cache)
    recomputed = cache.misses
    expected = 1  # a concept, or a problem's one note with all its variants (issue 12)
    assert recomputed == expected
    assert any("ankigen::tag::changed" in n.tags for n in deck.notes if n.item_id == target.id)


def test_template_change_invalidates_everything(tmp_path, small_copy):
    proj = find_project(small_copy / "cards_src")
    recipe = load_recipe(proj.recipes / "ml-math.yaml")
    folder = tmp_path / "cache"
    first = generate(load(proj), recipe, proj, cache=Cache(folder, proj.templates))
    footer = small_copy / "templates" / "fields" / "source.html"
    footer.write_text(footer.read_text().replace(" · seed", " · Seed"))
    cache = Cache(folder, proj.templates)
    generate(load(proj), recipe, proj, cache=cache)
    assert cache.hits == 0 and cache.misses == len(first.notes)


def test_clear_cache_command(tmp_path, small_copy):
    import subprocess
    import sys

    folder = tmp_path / "c"
    r = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q", "--variants", "1",
                        "--cache-dir", str(folder)], cwd=small_copy, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    counted_notes = len(list((folder / "notes").rglob("*.json")))
    counted_figures = len(list((folder / "figures").rglob("*.json")))
    assert counted_notes > 0
    r = subprocess.run([sys.executable, "-m", "ankigen", "clear-cache", "--cache-dir", str(folder)],
                       cwd=small_copy, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"removed (\d+) cached notes and (\d+) cached figures\n", r.stdout), r.stdout
    n_notes, n_figures = map(int, re.findall(r"\d+", r.stdout))
    assert n_notes == counted_notes and n_figures == counted_figures > 0
    assert not folder.exists()


def test_unchanged_rebuild_reuses_everything_and_is_identical(tmp_path, small_copy, monkeypatch):
    from ankigen.pipeline import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cache = tmp_path / "cache"
    a = build(output=str(tmp_path / "a.apkg"), src=small_copy / "cards_src", cache_dir=cache)
    b = build(output=str(tmp_path / "b.apkg"), src=small_copy / "cards_src", cache_dir=cache)
    build(output=str(tmp_path / "c.apkg"), src=small_copy / "cards_src", use_cache=False)
    assert a.cached == 0 and b.cached == b.notes == a.notes
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes() \
        == (tmp_path / "c.apkg").read_bytes()
    # any change to the sources leaves the whole-build shortcut
    f = sorted((small_copy / "cards_src").glob("*/*.yaml"))[0]
    f.write_text(f.read_text() + "\n# a comment\n")
    d = build(output=str(tmp_path / "d.apkg"), src=small_copy / "cards_src", cache_dir=cache)
    assert d.cached == d.notes  # every note still comes from the per-note cache


def _count_draws(monkeypatch):
    """Count real figure drawing (the real function still runs)."""
    from ankigen import draw

    calls = []
    real = draw.render_svg

    def counting(kind, args, *rest, **kw):
        calls.append(kind)
        return real(kind, args, *rest, **kw)

    monkeypatch.setattr(draw, "render_svg", counting)
    return calls


def test_renamed_topic_keeps_its_figures_without_drawing(tmp_path, small_copy, monkeypatch):
    proj = find_project(small_copy / "cards_src")
    recipe = load_recipe(proj.recipes / "ml-math.yaml")
    folder = tmp_path / "cache"
    lib = load(proj)
    topic = next(t for t in lib.topics if any(c.figure for c in t.concepts)
                 and any(p.figure for p in t.problems))
    first = generate(lib, recipe, proj, cache=Cache(folder, proj.templates))
    path = small_copy / "cards_src" / Path(topic.path).relative_to("cards_src")
    path.write_text(path.read_text().replace(f"title: {topic.title}", "title: Renamed", 1))
    draws = _count_draws(monkeypatch)
    cache = Cache(folder, proj.templates)
    again = generate(load(proj), recipe, proj, cache=cache)
    ids = {c.id for c in topic.concepts} | {p.id for p in topic.problems}
    assert cache.misses == sum(1 for n in first.notes if n.item_id in ids) > 0
    assert all(re.search(r"::\d+ Renamed$", n.deck) for n in again.notes if n.item_id in ids)
    assert draws == []  # every figure of the renamed topic came from the figure cache
    assert [(m.name, m.data) for m in again.media] == [(m.name, m.data) for m in first.media]


def test_damaged_figure_cache_is_redrawn(tmp_path, small_deck, small_library, small_recipe, small_proj, monkeypatch):
    folder = tmp_path / "cache"
    generate(small_library, small_recipe, small_proj, cache=Cache(folder, small_proj.templates))
    for notes in (folder / "notes", folder / "manifests"):  # leave only the figure cache
        for f in notes.rglob("*.json"):
            f.unlink()
    entries = sorted((folder / "figures").rglob("*.json"))
    entries[0].write_bytes(b"{ truncated")
    data = json.loads(entries[1].read_text())
    data["media"] = "ankigen-00000000000000000000.svg"  # points at a missing file
    entries[1].write_text(json.dumps(data))
    blob = folder / "media" / json.loads(entries[2].read_text())["media"]
    blob.write_bytes(b"<svg>tampered</svg>")
    draws = _count_draws(monkeypatch)
    again = generate(small_library, small_recipe, small_proj, cache=Cache(folder, small_proj.templates))
    # only the damaged figures (and their twins) were drawn again, not the other figures
    assert 3 <= len(draws) <= len(entries) // 2
    assert _summary(again) == _summary(small_deck)
    assert blob.read_bytes() != b"<svg>tampered</svg>"  # repaired for the next build


def test_figure_token_tells_inputs_apart():
    import numpy as np

    from ankigen.draw import Plottable, figure_token
    from ankigen.exact import exact_evaluator
    from ankigen.expr import parse
    from ankigen.numeric import to_numeric

    def fn(text):
        return Plottable(to_numeric(exact_evaluator({"x": __import__("sympy").Symbol("x")}).eval(parse(text))))

    base = figure_token("k", (("a", 0.5), ("f", fn("x**2")), ("v", np.array([1.0, 2.0]))))
    assert base == figure_token("k", (("a", 0.5), ("f", fn("x**2")), ("v", np.array([1.0, 2.0]))))
    others = [
        figure_token("k2", (("a", 0.5), ("f", fn("x**2")), ("v", np.array([1.0, 2.0])))),
        figure_token("k", (("a", 0.5 + 1e-15), ("f", fn("x**2")), ("v", np.array([1.0, 2.0])))),
        figure_token("k", (("a", 0.5), ("f", fn("x**3")), ("v", np.array([1.0, 2.0])))),
        figure_token("k", (("a", 0.5), ("f", fn("x**2")), ("v", np.array([1.0, 2.0, 0.0])))),
        figure_token("k", (("a", 0.5), ("f", fn("x**2")), ("v", np.array([[1.0, 2.0]])))),
        figure_token("k", (("b", 0.5), ("f", fn("x**2")), ("v", np.array([1.0, 2.0])))),
    ]
    assert None not in others and len({base, *others}) == len(others) + 1
    assert figure_token("k", (("a", object()),)) is None  # not expressible: drawn, never cached
