"""The practice script on a card, in headless Chromium, under each client's behaviour.

A harness page is built from the template pieces (practice.js, practice.css, the
check JSON and the elements the note template provides). Profiles: Anki desktop
(one long-lived page; the back's HTML replaces the front's and its scripts run
again, {{FrontSide}} included), AnkiDroid (a page load between front and back:
only sessionStorage carries the text), the card editor's preview (storage
throws) and no JavaScript (no box; the card stays self-graded).
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import sympy as sp

from ankigen.answers import check_json, spec_for
from tests.tools import CHROMIUM, importorskip_or_fail, require_tool

ANKI = Path(__file__).resolve().parent.parent / "templates" / "anki"
JS = (ANKI / "practice.js").read_text()
CSS = (ANKI / "practice.css").read_text()
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
ORIGIN = "http://ankigen.test"
ITEM = "demo-sum"

# two variants; each asks for a number (with a mistake) and a vector
VARIANTS = [
    {"answers": [spec_for(sp.Rational(1, 2), name="p", label="probability \\(p\\)",
                          mistakes=[(2, "You divided the wrong way round.")]),
                 spec_for(sp.Matrix([1, 2]), name="v", label="vector")]},
    {"answers": [spec_for(sp.Rational(1, 4), name="p", label="probability \\(p\\)",
                          mistakes=[(4, "You divided the wrong way round.")]),
                 spec_for(sp.Matrix([3, 4]), name="v", label="vector")]},
]
OTHER = [{"answers": [spec_for(7, name="n", label="count")]}]


def front_html(item: str = ITEM, variants=VARIANTS, form: bool = False) -> str:
    card = (f'<div class="ankigen problem"><div class="prompt">Compute the probability '
            f'(question of {html.escape(item)}).</div>'
            f'<div id="ankigen-practice" data-item="{html.escape(item)}"></div>'
            f'<script type="application/json" id="ankigen-check">{check_json(variants)}</script>'
            f"<script>{JS}</script></div>")
    # the harness records a submission (and stops it, so that the test can see the flag)
    submit = "document.body.setAttribute('data-submitted', '1'); return false;"
    return f'<form action="{ORIGIN}/submitted.html" onsubmit="{submit}">{card}</form>' if form else card


def back_html(item: str = ITEM, variants=VARIANTS) -> str:
    # {{FrontSide}} re-runs the front's script; the back carries the script again: it runs twice
    return (front_html(item, variants) + '<hr id="answer"><div id="ankigen-feedback"></div>'
            '<div class="answer">The answer is shown here.</div>' + f"<script>{JS}</script>")


def page_html(body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{CSS}</style></head>"
            f"<body class='card'>{body}</body></html>")


# like Anki desktop's reviewer: replace #qa and run the scripts it contains
REVIEWER = page_html('<div id="qa"></div><script>'
                     "window.setQA = function (h) { var qa = document.getElementById('qa');"
                     " qa.innerHTML = h; Array.from(qa.querySelectorAll('script')).forEach(function (old) {"
                     " var s = document.createElement('script');"
                     " Array.from(old.attributes).forEach(function (a) { s.setAttribute(a.name, a.value); });"
                     " s.textContent = old.textContent; old.replaceWith(s); }); };</script>")

NO_STORAGE = ("Object.defineProperty(window, 'sessionStorage', {get() { throw new DOMException("
              "'storage is disabled', 'SecurityError'); }});"
              "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException("
              "'storage is disabled', 'SecurityError'); }});")


@pytest.fixture(scope="module")
def browser():
    require_tool("chromium")
    sync_api = importorskip_or_fail("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


class Client:
    """One browser context serving the harness pages from a fake origin (no network)."""

    def __init__(self, browser, pages: dict[str, str], *, js: bool = True, no_storage: bool = False):
        self.ctx = browser.new_context(java_script_enabled=js)
        self.pages = pages
        self.errors: list[str] = []
        if no_storage:
            self.ctx.add_init_script(NO_STORAGE)
        self.ctx.route("**/*", self._serve)
        self.page = self.ctx.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def _serve(self, route):
        path = route.request.url.removeprefix(ORIGIN)
        if path in self.pages:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.pages[path])
        else:
            route.abort()

    def goto(self, path: str):
        self.page.goto(ORIGIN + path)

    def close(self):
        # a request still in flight when the context closes must not fail its route handler's thread
        self.ctx.unroute_all(behavior="ignoreErrors")
        self.ctx.close()


def _variant(page) -> int:
    return page.evaluate(f"ankigenPractice.variantIndex({ITEM!r}, 2, ankigenPractice.dayNumber())")


def _type_answers(page, answers: list[str]):
    for i, text in enumerate(answers):
        box = page.locator(f"#ankigen-box-{i}")
        box.click()
        box.press_sequentially(text)
        box.press("Enter")  # Return: moves on / leaves the box, never loses the text
    for i, text in enumerate(answers):
        assert page.locator(f"#ankigen-box-{i}").input_value() == text


def _results(page) -> tuple[list[str], str, list[str]]:
    page.wait_for_selector("#ankigen-feedback .ankigen-grade, #ankigen-feedback .ankigen-none",
                           timeout=10000)
    rows = page.locator("#ankigen-feedback .ankigen-result")
    verdicts = [rows.nth(i).get_attribute("data-verdict") for i in range(rows.count())]
    g = page.locator("#ankigen-feedback .ankigen-grade")
    grade = g.get_attribute("data-grade") if g.count() else ""
    return verdicts, grade, [rows.nth(i).inner_text() for i in range(rows.count())]


ANSWERS = {0: ("0.50", "[1, 2]", "2", "(1, 2.02)"), 1: ("1/4", "(3,4)", "4", "(3, 4.08)")}


def test_desktop_one_long_lived_page(browser):
    c = Client(browser, {"/reviewer.html": REVIEWER})
    try:
        c.goto("/reviewer.html")
        page = c.page
        page.evaluate("h => setQA(h)", front_html())
        k = _variant(page)
        good, vec, mistake, close = ANSWERS[k]
        assert page.locator("label", has_text="probability").count() == 1
        _type_answers(page, [mistake, close])
        page.evaluate("h => setQA(h)", back_html())
        verdicts, grade, texts = _results(page)
        assert verdicts == ["mistake", "close"] and grade == "Again"
        assert "You divided the wrong way round." in texts[0] and f"You typed: {mistake}" in texts[0]
        assert "check your rounding" in texts[1] and "Expected: (" in texts[1]
        assert page.locator("input").count() == 0  # no boxes on the back
        # same card again (relearning): a fresh front forgets the old answer
        page.evaluate("h => setQA(h)", front_html())
        assert page.locator("#ankigen-box-0").input_value() == ""
        page.evaluate("h => setQA(h)", back_html())
        assert _results(page)[0] == [] and page.locator(".ankigen-none").count() == 1
        # answer it, then another card: the old answer never shows there
        page.evaluate("h => setQA(h)", front_html())
        _type_answers(page, [good, vec])
        page.evaluate("h => setQA(h)", back_html())
        assert _results(page)[:2] == (["correct", "correct"], "Good")
        page.evaluate("h => setQA(h)", front_html("other-card", OTHER))
        page.evaluate("h => setQA(h)", back_html("other-card", OTHER))
        assert "Type an answer on the front" in page.locator("#ankigen-feedback").inner_text()
        assert c.errors == []
    finally:
        c.close()


def test_ankidroid_reload_between_front_and_back(browser):
    c = Client(browser, {"/front.html": page_html(front_html()), "/back.html": page_html(back_html())})
    try:
        c.goto("/front.html")
        k = _variant(c.page)
        good, vec, _, _ = ANSWERS[k]
        _type_answers(c.page, [f" {good.replace('.', '。')} ", vec.replace(",", "，")])
        c.goto("/back.html")  # a new page: only sessionStorage carries the text
        verdicts, grade, texts = _results(c.page)
        assert verdicts == ["correct", "correct"] and grade == "Good"
        assert c.page.locator("#ankigen-feedback .ankigen-result").count() == 2  # script ran twice, once shown
        assert c.errors == []
    finally:
        c.close()


def test_return_in_a_form_keeps_the_text(browser):
    one = [{"answers": [spec_for(7, name="n", label="count")]}]
    spy = ("<script>document.addEventListener('keydown', function (e) { if (e.key === 'Enter')"
           " document.body.setAttribute('data-enter-prevented', String(e.defaultPrevented)); });</script>")
    c = Client(browser, {"/front.html": page_html(front_html("one", one, form=True) + spy),
                         "/submitted.html": page_html("submitted")})
    try:
        c.goto("/front.html")
        _type_answers(c.page, ["7"])
        assert c.page.url == ORIGIN + "/front.html"
        assert c.page.evaluate("document.body.getAttribute('data-submitted')") is None
        assert c.page.evaluate("document.body.getAttribute('data-enter-prevented')") == "true"
        assert c.errors == []
    finally:
        c.close()


def test_editor_preview_without_storage(browser):
    pages = {"/front.html": page_html(front_html()), "/back.html": page_html(back_html()),
             "/reviewer.html": REVIEWER}
    c = Client(browser, pages, no_storage=True)
    try:
        c.goto("/front.html")
        _type_answers(c.page, ["1", "(1, 1)"])
        c.goto("/back.html")
        verdicts, grade, _ = _results(c.page)
        assert (verdicts, grade) == ([], "")
        assert "Type an answer on the front" in c.page.locator("#ankigen-feedback").inner_text()
        # a preview that flips in the same page still checks, from memory
        c.goto("/reviewer.html")
        c.page.evaluate("h => setQA(h)", front_html())
        _type_answers(c.page, ["1", "(1, 1)"])
        c.page.evaluate("h => setQA(h)", back_html())
        assert _results(c.page)[:2] == (["wrong", "wrong"], "Again")
        assert c.errors == []
    finally:
        c.close()


def test_without_javascript_the_card_is_self_graded(browser):
    c = Client(browser, {"/front.html": page_html(front_html()), "/back.html": page_html(back_html())},
               js=False)
    try:
        c.goto("/front.html")
        assert c.page.locator("input").count() == 0
        assert "Compute the probability" in c.page.inner_text("body")
        c.goto("/back.html")
        assert "The answer is shown here." in c.page.inner_text("body")
        assert c.page.locator(".ankigen-result").count() == 0
    finally:
        c.close()


MATHJAX = Path(__file__).resolve().parent / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"


def test_labels_typeset_with_real_mathjax(browser):
    """A label's \\( \\) is typeset by the card's MathJax, on the front and on the back."""
    require_tool("mathjax")
    head = ("<script>window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']]}};</script>"
            f"<script src='{ORIGIN}/mathjax.js'></script>")
    pages = {"/front.html": page_html(head + front_html()), "/back.html": page_html(head + back_html())}
    c = Client(browser, pages)
    root = MATHJAX.parent.resolve()

    def serve(route):  # MathJax and its fonts from the local copy, the card pages as usual
        path = route.request.url.removeprefix(ORIGIN)
        local = (root / path.removeprefix("/")).resolve()
        if path == "/mathjax.js":
            route.fulfill(status=200, content_type="text/javascript", body=MATHJAX.read_bytes())
        elif path.startswith("/output/") and local.is_file() and root in local.parents:
            route.fulfill(status=200, body=local.read_bytes())
        else:
            c._serve(route)

    c.ctx.unroute("**/*")
    c.ctx.route("**/*", serve)
    try:
        c.goto("/front.html")
        c.page.wait_for_selector("label mjx-container", timeout=30000)
        k = _variant(c.page)
        _type_answers(c.page, list(ANSWERS[k][:2]))
        c.goto("/back.html")
        c.page.wait_for_selector(".ankigen-result .ankigen-label mjx-container", timeout=30000)
        assert _results(c.page)[:2] == (["correct", "correct"], "Good")
        assert "\\(" not in c.page.inner_text("#ankigen-feedback")
        assert c.errors == []
    finally:
        c.close()


def _rendered_by_anki(tmp_path) -> tuple[str, str]:
    """question() and answer() of a card whose note type inlines practice.js, from the real anki."""
    require_tool("anki")
    from anki.collection import Collection
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        mm = col.models
        m = mm.new("ankigen practice test")
        for name in ("Question", "Check", "Answer"):
            mm.add_field(m, mm.new_field(name))
        t = mm.new_template("Card 1")
        t["qfmt"] = ('<div class="prompt">{{Question}}</div><div id="ankigen-practice"></div>'
                     '<script type="application/json" id="ankigen-check">{{Check}}</script>'
                     f"<script>{JS}</script>")
        t["afmt"] = ('{{FrontSide}}<hr id="answer"><div id="ankigen-feedback"></div>'
                     '<div class="answer">{{Answer}}</div>')
        mm.add_template(m, t)
        m["css"] = CSS
        mm.add(m)
        note = col.new_note(m)
        note["Question"] = "Compute the probability."
        note["Check"] = check_json(VARIANTS, item=ITEM)
        note["Answer"] = "The answer is shown here."
        col.add_note(note, col.decks.id("practice"))
        card = note.cards()[0]
        return card.question(), card.answer()
    finally:
        col.close()


def test_card_as_anki_renders_it(browser, tmp_path):
    """The real anki template engine keeps the script working: desktop and AnkiDroid flips."""
    question, answer = _rendered_by_anki(tmp_path)
    assert question.count('id="ankigen-check"') == answer.count('id="ankigen-check"') == 1
    c = Client(browser, {"/reviewer.html": REVIEWER, "/front.html": page_html(question),
                         "/back.html": page_html(answer)})
    try:
        c.goto("/reviewer.html")
        c.page.evaluate("h => setQA(h)", question)
        k = _variant(c.page)
        _type_answers(c.page, [ANSWERS[k][2], ANSWERS[k][1]])
        c.page.evaluate("h => setQA(h)", answer)
        assert _results(c.page)[:2] == (["mistake", "correct"], "Again")
        c.goto("/front.html")
        _type_answers(c.page, [ANSWERS[k][0], ANSWERS[k][3]])
        c.goto("/back.html")
        assert _results(c.page)[:2] == (["correct", "close"], "Hard")
        assert c.errors == []
    finally:
        c.close()
