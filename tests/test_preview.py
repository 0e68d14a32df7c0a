"""The preview site in a real headless Chromium with a local MathJax 3.

Every page loads without console errors, every formula typesets (no
mjx-merror, no raw \\( left), every image loads; one test leaves a screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ankigen.preview import preview, render_card
from tests.tools import CHROMIUM, importorskip_or_fail, once_per_session, require_tool

MATHJAX = Path(__file__).parent / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_render_card_mustache_subset():
    t = "{{#Fig}}<i>{{Fig}}</i>{{/Fig}}{{^Fig}}none{{/Fig}}|{{cloze:Text}}|{{FrontSide}}"
    assert render_card(t, {"Fig": "", "Text": "a {{c1::b}} c"}, back=False) == \
        'none|a <span class="cloze" data-ordinal="1">[...]</span> c|'
    assert render_card(t, {"Fig": "x", "Text": "a {{c1::b::hint}} c"}, back=True, front_side="F") == \
        '<i>x</i>|a <span class="cloze" data-ordinal="1">b</span> c|F'
    two = {"Fig": "", "Text": "{{c1::a}} {{c2::b::h}}"}
    assert render_card(t, two, back=False, ordinal=2) == \
        'none|<span class="cloze-inactive" data-ordinal="1">a</span> ' \
        '<span class="cloze" data-ordinal="2">[h]</span>|'


def _visible(html_text: str) -> str:
    """What a reader sees of a card's HTML: no style, no tags, whitespace collapsed."""
    import html as html_mod
    import re

    text = re.sub(r"<style>.*?</style>|<!--.*?-->", "", html_text, flags=re.S)
    return " ".join(html_mod.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_cloze_cards_are_the_cards_anki_makes(library, default_recipe, project, tmp_path):
    """A cloze with several deletions: one card per deletion, each side as Anki's renderer makes it."""
    import dataclasses

    anki_collection = importorskip_or_fail("anki.collection")
    from ankigen.package import write_package
    from ankigen.pipeline import generate
    from ankigen.preview import cloze_ordinals

    recipe = dataclasses.replace(default_recipe, include=("calculus/taylor", "calculus/critical-points"),
                                 variants=1)
    deck = generate(library, recipe, project)
    multi = [n for n in deck.notes if n.note_type == "cloze" and len(cloze_ordinals(dict(n.fields)["Text"])) > 1]
    assert multi, "the subset should hold a cloze with two deletions"
    col = anki_collection.Collection(str(tmp_path / "c.anki2"))
    try:
        col.import_anki_package(anki_collection.ImportAnkiPackageRequest(
            package_path=str(write_package(deck, tmp_path / "d.apkg", project.templates)),
            options=anki_collection.ImportAnkiPackageOptions()))
        templates = project.templates / "anki"
        front_t = (templates / "cloze.front.html").read_text()
        back_t = (templates / "cloze.back.html").read_text()
        for note in multi:
            nid = col.db.scalar("select id from notes where guid = ?", note.guid)
            cards = sorted(col.get_note(nid).cards(), key=lambda c: c.ord)
            fields = dict(note.fields)
            assert [c.ord + 1 for c in cards] == cloze_ordinals(fields["Text"])
            for card in cards:
                front = render_card(front_t, fields, back=False, ordinal=card.ord + 1)
                back = render_card(back_t, fields, back=True, front_side=front, ordinal=card.ord + 1)
                assert _visible(front) == _visible(card.question()), (note.item_id, card.ord)
                assert _visible(back) == _visible(card.answer()), (note.item_id, card.ord)
    finally:
        col.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The preview of every topic (written once per session, read by every xdist worker)."""
    require_tool("mathjax")

    def make():
        out = tmp_path_factory.mktemp("preview") / "site"
        return preview(variants=1, seed=3, out_dir=out, src=Path(__file__).resolve().parent.parent / "cards_src",
                       mathjax=MATHJAX)

    return once_per_session(tmp_path_factory, "preview-site", make)


@pytest.fixture(scope="module")
def browser():
    require_tool("chromium")
    sync_api = importorskip_or_fail("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _tab(browser):
    """A phone-sized tab and the list its console errors, page errors and failed requests go to."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    return page, errors


def _goto(page, url: str) -> None:
    """Load `url` and wait until MathJax has typeset it."""
    page.goto(url)
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60000)
    page.evaluate("MathJax.startup.promise")


def _load(browser, url: str, night: bool = False):
    page, errors = _tab(browser)
    _goto(page, url)
    if night:
        page.click("#night")
    return page, errors


def test_site_has_index_search_and_every_topic(site):
    index = site.index.read_text()
    assert 'id="search"' in index
    pages = sorted((site.index.parent / "topics").glob("*.html"))
    assert len(pages) == site.pages >= 1
    for p in pages:
        assert p.name.replace(".html", "").replace("--", "/") in index
    assert 'src="../mathjax/tex-chtml.js"' in pages[0].read_text()


def test_every_page_loads_typesets_and_shows_images(site, browser):
    """One tab goes to every page in turn (a navigation loads a fresh document; a new tab per page
    would double the time for nothing)."""
    pages = [site.index, *sorted((site.index.parent / "topics").glob("*.html"))]
    total_math = 0
    tab, errors = _tab(browser)
    try:
        for path in pages:
            errors.clear()
            _goto(tab, path.as_uri())
            assert errors == [], (path.name, errors)
            assert tab.locator("mjx-merror").count() == 0, path.name
            text = tab.inner_text("main")
            assert "\\(" not in text and "\\[" not in text, path.name
            total_math += tab.locator("mjx-container").count()
            broken = tab.evaluate("Array.from(document.images)"
                                  ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
            assert broken == [], (path.name, broken)
            # phone width: the page itself never scrolls sideways
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path.name
    finally:
        tab.close()
    assert total_math > 50


def test_search_box_finds_notes(site, browser):
    page, errors = _load(browser, site.index.as_uri())
    page.fill("#search", "eigenvalues")
    assert page.locator("#results li").count() >= 1
    page.fill("#search", "zzzz-no-such-thing")
    assert page.locator("#results li").count() == 0
    assert errors == []


def test_screenshot_for_people(site, browser, tmp_path):
    """Leaves PNGs (day and night) for a person to look at: $ANKIGEN_SCREENSHOTS or a temp folder."""
    out = Path(os.environ.get("ANKIGEN_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    topic = sorted((site.index.parent / "topics").glob("*.html"))[0]
    for night in (False, True):
        page, errors = _load(browser, topic.as_uri(), night=night)
        shot = out / f"preview-{'night' if night else 'day'}.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
        assert errors == []
        page.close()


def _contrast(rgb_a: str, rgb_b: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colors."""
    import re

    def lum(rgb: str) -> float:
        vals = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in vals]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(rgb_a), lum(rgb_b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_index_links_are_readable_by_day_and_night(site, browser):
    for night in (False, True):
        page, errors = _load(browser, site.index.as_uri(), night=night)
        assert page.evaluate("document.body.classList.contains('nightMode')") == night
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        colors = set(page.evaluate("Array.from(document.querySelectorAll('main a'))"
                                   ".map(a => getComputedStyle(a).color)"))
        assert colors
        for color in colors:
            assert _contrast(color, background) >= 4.5, (night, color, background)
        assert errors == []
        page.close()


def test_night_mode_persists_across_pages(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(site.index.as_uri())
        assert not page.evaluate("document.body.classList.contains('nightMode')")
        page.click("#night")
        page.click("table.topics a")  # follow a link to a topic page
        page.wait_for_load_state()
        assert "/topics/" in page.url
        assert page.evaluate("document.body.classList.contains('nightMode')")
        page.click("#night")  # and off again, also remembered
        page.goto(site.index.as_uri())
        assert not page.evaluate("document.body.classList.contains('nightMode')")
    finally:
        context.close()


def test_index_table_fits_a_phone(site, browser):
    page, errors = _load(browser, site.index.as_uri())
    width = page.evaluate("window.innerWidth")
    assert width == 390
    overflow = page.evaluate("""() => Array.from(document.querySelectorAll('table.topics, table.topics td,'
        + ' table.topics th')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
        || e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 40))""")
    assert overflow == []
    assert page.locator("table.topics").count() >= 7
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []


def test_cloze_with_two_deletions_shows_two_cards(site, browser):
    page_path = site.index.parent / "topics" / "calculus--taylor.html"
    page, errors = _load(browser, page_path.as_uri())
    counts = page.evaluate("Array.from(document.querySelectorAll('section.note[data-cards]'))"
                           ".map(s => [s.dataset.id, +s.dataset.cards, s.querySelectorAll('.sides').length,"
                           " s.querySelectorAll('.side:first-child .cloze').length])")
    multi = [c for c in counts if c[1] > 1]
    assert multi, counts
    for item_id, cards, shown, _ in counts:
        assert cards == shown, item_id
    assert errors == []
    page.close()
