"""Cards as Anki renders them (the real `anki` package) in pages for headless Chromium on a phone.

The page emulates AnkiDroid: a 390 px viewport at zoom 1 and the default font size, body classes
`card card<N>` plus `night_mode nightMode` by night, Anki's MathJax configuration (real MathJax 3
from tests/mathjax), and media beside the page.
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MATHJAX = ROOT / "tests" / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml-full.js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]
PHONE = {"width": 390, "height": 844}
# Anki's own MathJax set-up (aqt/data/web/js/mathjax.js): \( \) inline, \[ \] display, noerrors.
MATHJAX_CONFIG = ("<script>window.MathJax = {tex: {displayMath: [['\\\\[', '\\\\]']], processEscapes: false, "
                  "processEnvironments: false, packages: {'[+]': ['noerrors', 'mathtools']}}, "
                  "startup: {typeset: true}};</script>")


@dataclass(frozen=True)
class RenderedCard:
    label: str  # item#slot, /cN for a cloze's later cards
    note_type: str
    ord: int
    question: str
    answer: str
    css: str


def render_deck(apkg: Path, workdir: Path) -> tuple[list[RenderedCard], Path]:
    """Import `apkg` into a fresh collection; every card's question and answer, and the media folder."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(workdir / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(apkg), options=ImportAnkiPackageOptions(merge_notetypes=True)))
        cards = []
        for cid in col.find_cards("", order="c.nid, c.ord"):
            card = col.get_card(cid)
            note = card.note()
            out = card.render_output()
            source = next(v for k, v in note.items() if k == "Source")
            label = source.split(">", 1)[1].split("<", 1)[0]
            kind = note.note_type()["name"].removeprefix("ankigen ")
            cards.append(RenderedCard(label if card.ord == 0 else f"{label}/c{card.ord + 1}", kind, card.ord,
                                      out.question_text, out.answer_text, out.css))
        return cards, Path(col.media.dir())
    finally:
        col.close()


def page(sections: list[tuple[RenderedCard, str, str]], css: str, media: Path, night: bool = False,
         body_class: str | None = None) -> str:
    """One HTML page: (card, side, html) sections, each framed as its own `.card` body."""
    night_classes = " night_mode nightMode" if night else ""
    parts = []
    for card, side, content in sections:
        parts.append(f'<section class="card card{card.ord + 1}{night_classes}" data-label="{html.escape(card.label)}" '
                     f'data-side="{side}" data-type="{card.note_type}">{content}</section>')
    body = body_class if body_class is not None else ("night_mode nightMode" if night else "")
    return (f'<!doctype html><html><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<base href="{media.as_uri()}/"><style>{css}\nsection.card {{ margin: 0; padding: 8px; '
            f'border-bottom: 1px solid #888; }}\nbody {{ margin: 0; }}</style>{MATHJAX_CONFIG}'
            f'<script src="{MATHJAX.as_uri()}"></script></head><body class="{body}">{"".join(parts)}</body></html>')


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def open_page(browser: Any, path: Path) -> Any:
    pg = browser.new_page(viewport=PHONE, device_scale_factor=1)
    pg.set_default_timeout(180_000)
    goto_typeset(pg, path, wait_until="domcontentloaded")
    return pg


def goto_typeset(pg: Any, path: Path, wait_until: str = "load") -> None:
    """Load `path` in the tab and wait until MathJax has typeset it."""
    pg.goto(path.as_uri(), wait_until=wait_until)
    pg.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    pg.evaluate("MathJax.startup.promise")


# For every section: formulas wider than the card's text column, with their TeX.
WIDTHS_JS = r"""
() => {
  const tex = new Map();
  for (const item of MathJax.startup.document.math) tex.set(item.typesetRoot, item.math);
  const out = [];
  let formulas = 0;
  for (const sec of document.querySelectorAll('section.card')) {
    for (const d of sec.querySelectorAll('details')) d.open = true;
    const box = sec.querySelector('.ankigen');
    const avail = box.getBoundingClientRect().width - parseFloat(getComputedStyle(box).paddingLeft)
                  - parseFloat(getComputedStyle(box).paddingRight);
    for (const mj of sec.querySelectorAll('mjx-container')) {
      formulas++;
      const w = mj.querySelector('mjx-math').getBoundingClientRect().width;
      if (w > avail + 1) out.push({label: sec.dataset.label, side: sec.dataset.side,
                                    display: mj.hasAttribute('display'), width: Math.round(w),
                                    avail: Math.round(avail), tex: tex.get(mj) || ''});
    }
  }
  return {formulas, wide: out, sections: document.querySelectorAll('section.card').length,
          merrors: document.querySelectorAll('mjx-merror').length};
}
"""


def have_browser() -> list[str]:
    missing = []
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        missing.append("chromium")
    if not MATHJAX.exists():
        missing.append("tests/mathjax node_modules (npm ci --prefix tests/mathjax)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright")
    return missing
