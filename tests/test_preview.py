"""The preview site in a real headless Chromium with a local MathJax 3.

Every page loads without console errors, every formula typesets (no
mjx-merror, no raw \\( left), every image loads; one test leaves a screenshot.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ankigen.preview import preview, render_card

MATHJAX = Path(__file__).parent / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_render_card_mustache_subset():
    t = "{{#Fig}}<i>{{Fig}}</i>{{/Fig}}{{^Fig}}none{{/Fig}}|{{cloze:Text}}|{{FrontSide}}"
    assert render_card(t, {"Fig": "", "Text": "a {{c1::b}} c"}, back=False) == \
        'none|a <span class="cloze">[...]</span> c|'
    assert render_card(t, {"Fig": "x", "Text": "a {{c1::b::hint}} c"}, back=True, front_side="F") == \
        '<i>x</i>|a <span class="cloze">b</span> c|F'


@pytest.fixture(scope="module")
def site(tmp_path_factory):

    if not MATHJAX.exists():
        pytest.skip("needs `npm ci --prefix tests/mathjax`")
    out = tmp_path_factory.mktemp("preview") / "site"
    result = preview(None, (), 1, 3, out, (Path(__file__).resolve().parent.parent / "cards_src"), MATHJAX)
    return result


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (installed by .ci/run)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _load(browser, url: str, night: bool = False):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.goto(url)
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60000)
    page.evaluate("MathJax.startup.promise")
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
    pages = [site.index, *sorted((site.index.parent / "topics").glob("*.html"))]
    total_math = 0
    for path in pages:
        page, errors = _load(browser, path.as_uri())
        assert errors == [], (path.name, errors)
        assert page.locator("mjx-merror").count() == 0, path.name
        text = page.inner_text("main")
        assert "\\(" not in text and "\\[" not in text, path.name
        total_math += page.locator("mjx-container").count()
        broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        assert broken == [], (path.name, broken)
        # phone width: the page itself never scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path.name
        page.close()
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
