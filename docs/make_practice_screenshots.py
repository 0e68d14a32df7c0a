"""Regenerate the answer-box pictures of the README: python docs/make_practice_screenshots.py

The real card: a build of one topic is imported into a fresh collection of the real `anki`
library, whose card.question() / card.answer() (and the note type's CSS) are shown in
headless Chromium the way Anki desktop's reviewer does (one page; the back's HTML replaces
the front's and its scripts run), with the local MathJax from tests/mathjax. The script
types into the box of the variant the card picks today (the expected value; 1 % off; a
declared mistake), flips, and photographs the card, by day and in night mode.

Options: --topic GLOB (default calculus/derivatives), --src DIR (a cards_src folder).
Needs `pip install ".[test]"`, `npm ci --prefix tests/mathjax` and Debian's chromium.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
MATHJAX = ROOT / "tests" / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# like Anki desktop's reviewer: #qa's HTML is replaced and the scripts in it run again
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{css}
<script>window.MathJax = {{tex: {{inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]]}}}};</script>
<script src="{mathjax}"></script></head>
<body class="card {night}"><div id="qa"></div><script>
window.setQA = function (h) {{ var qa = document.getElementById('qa'); qa.innerHTML = h;
  Array.from(qa.querySelectorAll('script')).forEach(function (old) {{
    var s = document.createElement('script');
    Array.from(old.attributes).forEach(function (a) {{ s.setAttribute(a.name, a.value); }});
    s.textContent = old.textContent; old.replaceWith(s); }});
  return MathJax.startup.promise.then(function () {{ return MathJax.typesetPromise([qa]); }}); }};
</script></body></html>"""


def _typed(value: Any, kind: str, scale: float = 1.0) -> str:
    from ankigen.answers import _decimal

    return _decimal(value, kind, scale)


def _card(topic: str, src: Path, tmp: Path) -> tuple[Any, Any]:
    """The first problem card of the topic (one with a declared mistake if there is one)."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from ankigen.package import write_package
    from ankigen.paths import find_project
    from ankigen.pipeline import generate, load
    from ankigen.recipe import load_recipe

    project = find_project(src)
    recipe = dataclasses.replace(load_recipe(project.recipes / "ml-math.yaml"), include=(topic,))
    deck = generate(load(project), recipe, project)
    apkg = write_package(deck, tmp / "deck.apkg", project.templates)
    col = Collection(str(tmp / "collection.anki2"))
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg),
                                                     options=ImportAnkiPackageOptions()))
    cards = [col.get_card(c) for c in col.find_cards('"note:ankigen problem"')]
    if not cards:
        sys.exit(f"{topic} has no problem")

    def mistakes(card: Any) -> int:
        check = json.loads(card.note()["Check"])
        return sum(len(a.get("mistakes", [])) for v in check["variants"] for a in v["answers"])

    return col, max(cards, key=lambda c: (mistakes(c) > 0, -c.id))


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topic", default="calculus/derivatives")
    ap.add_argument("--src", type=Path, default=ROOT / "cards_src")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or sys.exit("needs Debian's chromium")
    if not MATHJAX.is_file():
        sys.exit("needs MathJax: npm ci --prefix tests/mathjax")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        col, card = _card(args.topic, args.src, Path(t))
        try:
            check = json.loads(card.note()["Check"])
            question, answer, css = card.question(), card.answer(), card.render_output().css
            media = Path(col.media.dir())
        finally:
            col.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            try:
                for night in (False, True):
                    page_file = media / ("night.html" if night else "day.html")
                    page_file.write_text(PAGE.format(css=css, mathjax=html.escape(MATHJAX.as_uri()),
                                                     night="nightMode night_mode" if night else ""))
                    page = browser.new_page(viewport={"width": 430, "height": 900}, device_scale_factor=2)
                    page.goto(page_file.as_uri())
                    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
                    shots = [("night", 1.0)] if night else [("correct", 1.0), ("close", 1.01), ("mistake", 0)]
                    for name, scale in shots:
                        page.evaluate("h => setQA(h)", question)
                        k = page.evaluate("([i, n]) => ankigenPractice.variantIndex(i, n, "
                                          "ankigenPractice.dayNumber())", [check["item"], len(check["variants"])])
                        boxes = check["variants"][k]["answers"]
                        at = next((i for i, b in enumerate(boxes) if b.get("mistakes")), None)
                        if name == "mistake" and at is None:
                            print("skip practice-mistake: no mistake declared in "
                                  f"{args.topic}'s problems; try --topic with one")
                            continue
                        for i, box in enumerate(boxes):  # one box shows the case, the others correct
                            if i == at and name == "mistake":
                                text = _typed(box["mistakes"][0]["value"], box["kind"])
                            elif i == 0 and name == "close":
                                text = _typed(box["value"], box["kind"], scale)
                            else:
                                text = box.get("text") or _typed(box["value"], box["kind"])
                            page.locator(f"#ankigen-box-{i}").fill(text)
                        page.evaluate("h => setQA(h)", answer)
                        page.wait_for_selector("#ankigen-feedback .ankigen-grade")
                        page.locator("#qa").screenshot(path=str(OUT / f"practice-{name}.png"))
                        print(f"wrote docs/images/practice-{name}.png")
                    page.close()
            finally:
                browser.close()


if __name__ == "__main__":
    main()
