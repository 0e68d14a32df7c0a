"""Every card on a phone (390 px, AnkiDroid's conditions) in headless Chromium with real MathJax.

Cards are rendered by the real `anki` package from the built package (card templates, note
type CSS, cloze handling), so the page holds exactly what AnkiDroid would show.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.phone_render import WIDTHS_JS, have_browser, launch, open_page, page, render_deck
from tests.wide import WIDE_OK


def _need_browser() -> None:
    missing = have_browser()
    if missing:
        msg = f"needs {', '.join(missing)} (.ci/run installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def rendered(built_deck, project, tmp_path_factory):
    _need_browser()
    from ankigen.package import write_package

    work = tmp_path_factory.mktemp("phone")
    apkg = write_package(built_deck, work / "deck.apkg", project.templates)
    cards, media = render_deck(apkg, work)
    return {"cards": cards, "media": media, "work": work}


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


def measure_widths(rendered, browser, chunk: int = 120) -> dict[str, Any]:
    """Both sides of every card, `chunk` cards to a page."""
    cards = rendered["cards"]
    total: dict[str, Any] = {"formulas": 0, "wide": [], "sections": 0, "merrors": 0}
    for start in range(0, len(cards), chunk):
        part = cards[start:start + chunk]
        sections = [(c, side, c.question if side == "front" else c.answer) for c in part for side in ("front", "back")]
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
    assert res["sections"] == 2 * len(cards) and res["formulas"] > 5 * len(cards)
    wide = [w for w in res["wide"] if w["label"].split("#")[0] not in WIDE_OK]
    allowed = [w for w in res["wide"] if w["label"].split("#")[0] in WIDE_OK]
    unique = {(w["label"].split("/")[0], w["tex"]) for w in wide}
    print(f"\nphone 390 px: {len(cards)} cards, {res['sections']} sides, {res['formulas']} formulas; "
          f"{len(unique)} distinct formulas wider than the card ({len(wide)} occurrences, "
          f"{sum(w['display'] for w in wide)} display), {len(allowed)} allow-listed")
    for label, tex in sorted(unique)[:400]:
        print(f"  WIDE {label}: {tex[:150]}")
    assert not wide, f"{len(unique)} formulas wider than a 390 px card, e.g. {sorted(unique)[:5]}"
