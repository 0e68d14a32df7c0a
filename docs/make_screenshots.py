"""Regenerate the pictures in docs/images/ (README): python docs/make_screenshots.py

Builds the preview site with the local MathJax from tests/mathjax (run
`npm ci --prefix tests/mathjax` first) and photographs a few notes in Debian's
headless Chromium, on a phone-sized page, by day and in night mode.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
MATHJAX = ROOT / "tests" / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# (picture name, topic page, note anchor or None for the whole page, night mode)
SHOTS = [
    ("index", "index.html", None, False),
    ("eigen-problem", "topics/linear-algebra--eigen.html", "first-problem", False),
    ("eigen-problem-night", "topics/linear-algebra--eigen.html", "first-problem", True),
    ("bayes-problem", "topics/probability--probability-basics.html", "first-problem", False),
    ("softmax-cloze", "topics/deep-learning--softmax-cross-entropy.html", "first-cloze", False),
    ("gradient-descent", "topics/multivariable-calculus--gradient-descent.html", "first-figure", False),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    from ankigen.preview import preview

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = preview(None, (), 1, 1, Path(tmp) / "site", ROOT / "cards_src", MATHJAX).index.parent
        chromium = shutil.which("chromium") or sys.exit("needs Debian's chromium")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            for name, page_path, anchor, night in SHOTS:
                target = site / page_path
                if not target.exists():
                    print(f"skip {name}: {page_path} not in this build")
                    continue
                width = 1000 if anchor is None else 430
                page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=2)
                page.goto(target.as_uri())
                page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
                page.evaluate("MathJax.startup.promise")
                if night:
                    page.click("#night")
                if anchor is None:
                    page.screenshot(path=str(OUT / f"{name}.png"))
                else:
                    selector = {"first-problem": "section.note:has(.problem)",
                                "first-cloze": "section.note:has(.cloze-note)",
                                "first-figure": "section.note:has(img)"}[anchor]
                    page.locator(selector).first.screenshot(path=str(OUT / f"{name}.png"))
                print(f"wrote docs/images/{name}.png")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
