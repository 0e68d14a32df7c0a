"""Regenerate the card pictures in docs/images/ (README) from the real Anki desktop reviewer.

    python docs/make_screenshots.py

Needs the test set-up (`pip install ".[test]"`: Anki desktop `aqt[qt6]`) and Xvfb. Builds the
default deck, imports it into a throwaway Anki profile and photographs a few cards, answer
side with the worked solution open, in Anki's own reviewer: at phone width (Anki's mobile
emulation, 390 px) by day and by night, and one on the desktop. The preview site's index
picture (docs/images/index.png) is not a card and is not remade here.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "images"

# picture name -> (topic id, note type, figure kind or None, reviewer mode)
SHOTS = {
    "eigen-problem": ("linear-algebra/eigen", "problem", "linear_map", "day-mobile"),
    "eigen-problem-night": ("linear-algebra/eigen", "problem", "linear_map", "night-mobile"),
    "bayes-problem": ("probability/probability-basics", "problem", "bayes_tree", "day-mobile"),
    "gradient-descent": ("multivariable-calculus/gradient-descent", None, "gd_path", "day-mobile"),
    "softmax-cloze": ("deep-learning/softmax-cross-entropy", "cloze", None, "day-mobile"),
    "reviewer-desktop-day": ("linear-algebra/eigen", "problem", "linear_map", "day-desktop"),
    "reviewer-desktop-night": ("probability/probability-basics", "problem", "bayes_tree", "night-desktop"),
}


def main() -> None:
    from ankigen.package import write_package
    from ankigen.paths import find_project
    from ankigen.pipeline import generate, load
    from ankigen.recipe import load_recipe
    from tests.reviewer_run import MODES, _card, missing_tools, run_reviewer

    if missing_tools():
        sys.exit(f"needs {', '.join(missing_tools())}")
    project = find_project(ROOT / "cards_src")
    library = load(project)
    deck = generate(library, load_recipe(project.recipes / "ml-math.yaml"), project)
    topic_of = {i.id: t.id for t in library.topics for i in (*t.concepts, *t.problems)}
    chosen: dict[str, dict] = {}
    for name, (topic, kind, figure, _mode) in SHOTS.items():
        for note in deck.notes:
            item = library.find_item(note.item_id)
            fig = item.figure.kind if item is not None and item.figure is not None else None
            if topic_of[note.item_id] == topic and kind in (None, note.note_type) and fig == figure:
                chosen[name] = _card(note, figure or "no figure")
                break
        else:
            print(f"skip {name}: no such note in this build")
    with tempfile.TemporaryDirectory() as tmp:
        apkg = write_package(deck, Path(tmp) / "deck.apkg", project.templates)
        cards = list({c["label"]: {**c, "shot": True} for c in chosen.values()}.values())
        modes = [m for m in MODES if m["name"] in {s[3] for s in SHOTS.values()}]
        result = run_reviewer(apkg, cards, Path(tmp) / "run", modes=modes)
        if result["error"]:
            sys.exit(result["error"])
        shots = {(s["mode"], s["card"], s["side"]): s["shot"] for s in result["steps"]}
        OUT.mkdir(parents=True, exist_ok=True)
        for name, card in chosen.items():
            shot = shots.get((SHOTS[name][3], card["label"], "back"))
            if shot:
                shutil.copy(Path(tmp) / "run" / "shots" / shot, OUT / f"{name}.png")
                print(f"wrote docs/images/{name}.png ({card['label']}, {SHOTS[name][3]})")


if __name__ == "__main__":
    main()
