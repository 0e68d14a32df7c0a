"""The built problem card as the real `anki` package renders it, in headless Chromium.

A small fixture project (tests/fixtures/practice, K = 12 variants, one mistake per problem)
is built, written as a package, imported into a real collection; each card's question()
and answer() are shown desktop-style (one page, the back replaces the front) and
AnkiDroid-style (a page load between the sides). The card must show the variant the
script picks (its footer names it), judge the canonical answer correct and each declared
mistake with its message, and without JavaScript show variant 0 as a self-graded card.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ankigen.answers import plain, variant_index
from tests.test_practice_card import (  # noqa: F401  (browser is a fixture)
    REVIEWER,
    Client,
    _results,
    _type_answers,
    browser,
    page_html,
)
from tests.tools import require_tool

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "practice" / "cards_src"


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    """(problem, K, question(), answer()) of every problem card of the imported fixture deck."""
    require_tool("anki")
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from ankigen.package import write_package
    from ankigen.paths import find_project
    from ankigen.pipeline import generate, load
    from ankigen.recipe import load_recipe

    project = find_project(FIXTURE)
    library = load(project)
    recipe = load_recipe(FIXTURE.parent / "decks" / "ml-math.yaml")
    out = tmp_path_factory.mktemp("practice")
    apkg = write_package(generate(library, recipe, project), out / "practice.apkg", project.templates)
    col = Collection(str(out / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg),
                                                         options=ImportAnkiPackageOptions()))
        result = []
        for nid in sorted(col.find_notes("")):
            note = col.get_note(nid)
            problem = next(p for p in library.problems() if note["Source"].startswith(
                f'<span class="source-id">{p.id}#'))
            card = note.cards()[0]
            result.append((problem, recipe.variants, card.question(), card.answer()))
        return result
    finally:
        col.close()


def _mistake_text(problem, k: int, kind: str) -> list[tuple[str, str]]:
    """Each declared mistake of variant k as a learner would type it, with its message."""
    from ankigen.exact import exact_evaluator
    from ankigen.pipeline import solve_and_verify

    ns = solve_and_verify(problem, 1, k).solved.namespace()
    return [(plain(exact_evaluator(ns).eval(m.value), kind), m.message) for m in problem.mistakes]


def _shown(page) -> tuple[int, str]:
    k = int(page.locator("#ankigen-practice").get_attribute("data-shown-variant"))
    return k, page.locator("[data-part=v-source]").first.inner_text()


def test_cards_pick_show_and_check_the_variant(browser, cards):  # noqa: F811
    import json

    assert len(cards) == 2
    for problem, k_total, question, answer in cards:
        check = json.loads(re.search(r'id="ankigen-check">(.*?)</script>', question, re.S).group(1))
        assert len(check["variants"]) == k_total
        c = Client(browser, {"/reviewer.html": REVIEWER, "/front.html": page_html(question),
                             "/back.html": page_html(answer)})
        try:
            c.goto("/reviewer.html")
            c.page.evaluate("h => setQA(h)", question)
            day = c.page.evaluate("ankigenPractice.dayNumber()")
            k, footer = _shown(c.page)
            assert k == variant_index(problem.id, k_total, day)
            assert footer.startswith(f"{problem.id}#{k} · seed 1")  # `ankigen show id#k --seed 1`
            entry = check["variants"][k]["answers"][0]
            # desktop: the canonical answer is correct; the back shows the same variant
            _type_answers(c.page, [entry["text"]])
            c.page.evaluate("h => setQA(h)", answer)
            assert _results(c.page)[:2] == (["correct"], "Good"), problem.id
            assert _shown(c.page) == (k, footer)
            for typed, message in _mistake_text(problem, k, entry["kind"]):
                # AnkiDroid: a page load between the sides
                c.goto("/front.html")
                assert _shown(c.page) == (k, footer)
                _type_answers(c.page, [typed])
                c.goto("/back.html")
                verdicts, grade, texts = _results(c.page)
                assert verdicts == ["mistake"] and grade == "Again", (problem.id, typed)
                assert message in texts[0]
                assert _shown(c.page) == (k, footer)
            assert c.errors == []
        finally:
            c.close()


def test_without_javascript_variant_0_is_a_self_graded_card(browser, cards):  # noqa: F811
    problem, _, question, answer = cards[0]
    c = Client(browser, {"/back.html": page_html(answer)}, js=False)
    try:
        c.goto("/back.html")
        text = c.page.locator("body").inner_text()
        assert f"{problem.id}#0 · seed 1" in text and f"{problem.id}#1 " not in text
        assert not c.page.locator("#ankigen-variants").is_visible()
        assert c.page.locator(".answer").is_visible() and c.page.locator("input").count() == 0
    finally:
        c.close()
