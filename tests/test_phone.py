"""Every card on a phone (390 px, AnkiDroid's conditions) in headless Chromium with real MathJax.

Cards are rendered by the real `anki` package from the built package (card templates, note
type CSS, cloze handling), so the page holds exactly what AnkiDroid would show.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.phone_render import MATHJAX as MATHJAX_JS
from tests.phone_render import (
    MATHJAX_CONFIG,
    WIDTHS_JS,
    goto_typeset,
    have_browser,
    launch,
    open_page,
    page,
    render_deck,
)
from tests.tools import once_per_session, require
from tests.wide import STILL_TOO_WIDE, WIDE_OK


def _need_browser() -> None:
    missing = have_browser()
    require(not missing, f"{', '.join(missing)} (.ci/run installs them)")


@pytest.fixture(scope="module")
def rendered(built_deck, project, tmp_path_factory):
    _need_browser()
    from ankigen.package import write_package

    def make() -> dict[str, Any]:  # once per session: one xdist worker renders, the others load it
        work = tmp_path_factory.mktemp("phone")
        apkg = write_package(built_deck, work / "deck.apkg", project.templates)
        cards, media = render_deck(apkg, work)
        return {"cards": cards, "media": media, "work": work}

    return once_per_session(tmp_path_factory, "phone-rendered", make)


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


def _formulas(card_html: str) -> list[str]:
    from ankigen.texutil import MATH_RE

    return [m.group(0) for m in MATH_RE.finditer(card_html)]


def sides(card) -> tuple[str, ...]:
    """The sides whose formulas can differ: a concept's or problem's back repeats its front (the
    templates show {{Front}} / {{FrontSide}} above the answer); a cloze's front hides the deletion."""
    return ("front", "back") if card.note_type == "cloze" else ("back",)


def measure_widths(rendered, browser, chunk: int = 120) -> dict[str, Any]:
    """Every side of every card that can differ (see sides), `chunk` cards to a page."""
    cards = rendered["cards"]
    total: dict[str, Any] = {"formulas": 0, "wide": [], "sections": 0, "merrors": 0}
    for start in range(0, len(cards), chunk):
        part = cards[start:start + chunk]
        sections = [(c, side, c.question if side == "front" else c.answer) for c in part for side in sides(c)]
        path = rendered["work"] / f"cards-{start:04d}.html"
        path.write_text(page(sections, cards[0].css, rendered["media"]), encoding="utf-8")
        pg = open_page(browser, path)
        try:
            res = pg.evaluate(WIDTHS_JS)
        finally:
            pg.close()
        for key in ("formulas", "sections", "merrors"):
            total[key] += res[key]
        total["wide"] += res["wide"]
    return total


def test_no_formula_is_wider_than_a_phone_card(rendered, browser):
    """At 390 px every formula of every card side fits the card, except allow-listed wide objects."""
    res = measure_widths(rendered, browser)
    cards = rendered["cards"]
    assert res["sections"] == sum(len(sides(c)) for c in cards) and res["formulas"] > 5 * len(cards)
    for card in cards:  # the back holds the front's formulas, so measuring the back measures both
        if sides(card) == ("back",):
            back = _formulas(card.answer)
            assert all(f in back for f in _formulas(card.question)), card.label
    wide = [w for w in res["wide"] if w["label"].split("#")[0] not in WIDE_OK]
    allowed = [w for w in res["wide"] if w["label"].split("#")[0] in WIDE_OK]
    unique = {(w["label"].split("/")[0], w["tex"]) for w in wide}
    print(f"\nphone 390 px: {len(cards)} cards, {res['sections']} sides, {res['formulas']} formulas; "
          f"{len(unique)} distinct formulas wider than the card ({len(wide)} occurrences, "
          f"{sum(w['display'] for w in wide)} display), {len(allowed)} allow-listed")
    for label, tex in sorted(unique)[:400]:
        print(f"  WIDE {label}: {tex[:150]}")
    assert len(unique) <= STILL_TOO_WIDE, f"{len(unique)} formulas wider than a 390 px card, e.g. {sorted(unique)[:5]}"


# ---- AnkiDroid's conditions --------------------------------------------------------------

# body classes: day, AnkiDroid's night mode, Anki desktop/AnkiMobile's night mode
THEMES = {"day": "", "night_mode": "night_mode", "nightMode": "nightMode"}

PAGE_JS = r"""
() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode())
    if (!n.parentElement.closest('mjx-container, script, style')) texts.push(n.nodeValue);
  const el = document.querySelector('.ankigen');
  const cloze = document.querySelector('.cloze');
  const summary = document.querySelector('summary');
  const img = document.querySelector('.figure img');
  return {
    raw: texts.join(' ').includes('\\('), merrors: document.querySelectorAll('mjx-merror').length,
    formulas: document.querySelectorAll('mjx-container').length,
    background: getComputedStyle(document.body).backgroundColor, color: getComputedStyle(el).color,
    cloze: cloze && getComputedStyle(cloze).color, summary: summary && getComputedStyle(summary).color,
    filter: img && getComputedStyle(img).filter, imgs: [...document.images].map(i => i.naturalWidth),
    fontSize: parseFloat(getComputedStyle(el).fontSize), pageWide: document.documentElement.scrollWidth > innerWidth,
    zoom: visualViewport.scale,
  };
}
"""


def luminance(rgb: str) -> float:
    r, g, b = (int(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def card_page(card, side: str, theme: str, media) -> str:
    """One side of one card as AnkiDroid builds it: its own page, classes on <body>."""
    content = card.question if side == "front" else card.answer
    return (f'<!doctype html><html class="mobile"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<base href="{media.as_uri()}/"><style>{card.css}</style>{MATHJAX_CONFIG}'
            f'<script src="{MATHJAX_JS.as_uri()}"></script></head>'
            f'<body class="card card{card.ord + 1} {THEMES[theme]}">{content}</body></html>')


def sample(cards) -> list:
    """A card of each note type with a figure and one without, and a cloze's second card."""
    chosen, seen = [], set()
    for c in cards:
        key = (c.note_type, "<img" in c.question + c.answer, c.ord > 0)
        if key not in seen:
            seen.add(key)
            chosen.append(c)
    return chosen


def figure_contrast(pg) -> tuple[float, float]:
    """Median luminance of the figure as shown, and the spread between its darkest and lightest ink."""
    import numpy as np
    from matplotlib.image import imread

    shot = imread(io.BytesIO(pg.locator(".figure img").first.screenshot()), format="png")
    lum = shot[..., :3] @ np.array([0.2126, 0.7152, 0.0722])
    return float(np.median(lum)), float(np.percentile(lum, 99.5) - np.percentile(lum, 0.5))


def _check_droid_page(pg, r: dict[str, Any], errors: list[str], card, side: str, theme: str) -> int:
    """One AnkiDroid page's checks; 1 if it had a figure (checked too)."""
    where = f"{card.label} {side} {theme}: {r}"
    assert not errors and not r["raw"] and r["merrors"] == 0 and r["formulas"] > 0, (where, errors)
    assert all(w > 0 for w in r["imgs"]), where
    assert r["zoom"] == 1 and r["fontSize"] == 17, where  # phone: 17 px type, no zoom
    assert not r["pageWide"] or card.label.split("#")[0] in WIDE_OK, where
    night = theme != "day"
    assert (luminance(r["background"]) < 0.2) == night, where
    assert (luminance(r["color"]) > 0.7) == night, where
    for accent in ("cloze", "summary"):
        if r[accent]:
            assert (luminance(r[accent]) > 0.5) == night, (accent, where)
    if r["filter"] is None:
        return 0
    assert ("invert" in r["filter"]) == night, where
    median, spread = figure_contrast(pg)
    assert (median < 0.3) if night else (median > 0.7), (median, where)
    assert spread > 0.5, (spread, where)
    return 1


def test_ankidroid_conditions(rendered, browser):
    """Each side is its own page load (AnkiDroid reloads between front and back), at 390 px, zoom 1,
    default font size; both night-mode classes style text, clozes, solutions and figures."""
    cards = sample(rendered["cards"])
    assert {c.note_type for c in cards} == {"concept", "problem", "cloze"} and any(c.ord for c in cards)
    checked, figures = 0, 0
    # one phone tab; every side is a navigation to its own page (a fresh document, as AnkiDroid's reload)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        for card in cards:
            for theme in THEMES:
                for side in ("front", "back"):
                    path = rendered["work"] / f"droid-{checked}.html"
                    path.write_text(card_page(card, side, theme, rendered["media"]), encoding="utf-8")
                    errors.clear()
                    goto_typeset(pg, path)
                    figures += _check_droid_page(pg, pg.evaluate(PAGE_JS), errors, card, side, theme)
                    checked += 1
    finally:
        context.close()
    print(f"\nAnkiDroid emulation: {len(cards)} cards, {checked} page loads, {figures} figures checked")
    assert figures >= 2 * 3
