"""The deck in the real Anki desktop reviewer (aqt, Qt WebEngine, Anki's own MathJax) under Xvfb.

A test add-on (tests/reviewer_addon) imports the default deck into a throwaway profile and shows
every note type × every figure kind, front and back, by day and by night, in the desktop layout
and in Anki's mobile emulation at 390 px, then measures each page: each card in two of the four
modes, which between them give both themes and both widths (tests/reviewer_run.py COVER; all four
when ANKIGEN_REVIEWER_OUT asks for screenshots). A canary note carrying every hazard proves, in the
same run and in every mode, that each check sees what it guards against.
Screenshots: the folder printed by the fixture (shots/).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.reviewer_run import (
    CANARY,
    MODES,
    cover_modes,
    run_reviewer,
    sample_cards,
    typing_cards,
)
from tests.tools import once_per_session, require_tool
from tests.wide import WIDE_OK

TOL = 2  # px a formula may overhang its box without counting as wider


@pytest.fixture(scope="module")
def review(built_deck, library, project, tmp_path_factory) -> dict[str, Any]:
    """One run of Anki desktop per test session: Anki allows one instance at a time, so under
    xdist the first worker runs it (under a lock) and the others read its results."""
    require_tool("reviewer")

    def run() -> dict[str, Any]:
        from ankigen.package import write_package

        keep = os.environ.get("ANKIGEN_REVIEWER_OUT")  # a folder to keep the screenshots in
        out = Path(tempfile.mkdtemp(prefix="reviewer-", dir=keep)) if keep else tmp_path_factory.mktemp("reviewer")
        apkg = write_package(built_deck, out / "deck.apkg", project.templates)
        cards = sample_cards(built_deck, library)
        if not keep:  # every card in every mode when a person asks for the pictures
            cover_modes(cards)
        for card in cards:  # a screenshot of every page when asked for (people look at them), else
            card["shot"] = bool(keep) or card is cards[0]  # one per mode proves the capture works
        typing = typing_cards(built_deck, cards)
        result = run_reviewer(apkg, cards, out, canary=CANARY, typing=typing)
        print(f"\nreal reviewer: {len(cards)} cards, {len(result['steps'])} pages; screenshots in {out / 'shots'}")
        print(f"typed into the answer boxes: {result['typing_counts']}")
        assert result["error"] is None, result["error"]
        return {"result": result, "cards": cards, "out": out, "typing": typing}

    return once_per_session(tmp_path_factory, "reviewer", run)


def findings(step: dict[str, Any], console: list[dict[str, Any]]) -> dict[str, list[str]]:
    """What is wrong on one reviewer page, by check."""
    f = step["found"]
    wide_ok = step["mode"].endswith("mobile") and step["card"].split("#")[0] in WIDE_OK
    out: dict[str, list[str]] = {
        "mathjax": list(f["merrors"]),
        "raw": list(f["raw"]),
        "images": [i["src"] for i in f["images"] if not i["complete"] or i["w"] == 0],
        "scrollbar": [f"{s['el']} {s['tex']!r}: scrollbar {s['bar']}px, overhang {s['over']}px"
                      for s in f["scroll"] if s["bar"] > 0 and not s["page"] and (s["inline"] or s["over"] <= TOL)]
        + [f"{s['el']}: a vertical scrollbar ({s['vbar']}px)" for s in f["scroll"] if s.get("vbar", 0) > 0],
        "wide": [f"{s['el']} {s['tex']!r}: {s['sw']}px in {s['cw']}px"
                 for s in f["scroll"] if s["over"] > TOL and not s["inline"] and not s["page"] and not wide_ok],
        "page": [f"the page scrolls sideways ({s['sw']}px in {s['cw']}px) because of {f['culprits']}"
                 for s in f["scroll"] if s["over"] > TOL and s["page"]][:1],
        "console": [c["msg"] for c in console if c["step"] == step["step"] and "Error" in c["level"]],
    }
    return {k: v for k, v in out.items() if v}


def real_steps(review) -> list[dict[str, Any]]:
    return [s for s in review["result"]["steps"] if s["card"] != CANARY["label"]]


def test_every_sampled_card_was_shown_front_and_back_in_every_mode(review, built_deck, library):
    steps = real_steps(review)
    cards = review["cards"]
    assert len(steps) == sum(2 * len(c.get("modes", MODES)) for c in cards)
    for card in cards:  # each card at both widths and in both themes
        shown = {s["mode"] for s in steps if s["card"] == card["label"]}
        assert {m.split("-")[0] for m in shown} == {"day", "night"}, card
        assert {m.split("-")[1] for m in shown} == {"desktop", "mobile"}, card
    assert {s["mode"] for s in steps} == {m["name"] for m in MODES}
    for s in steps:
        # the planned item, not another (the footer shows the day's variant slot, or none)
        assert s["found"]["source"].split("#")[0] == s["card"].split("#")[0], s
        back = s["found"]["answerShown"] or (s["type"] == "cloze" and not s["found"]["clozeHidden"])
        assert back == (s["side"] == "back"), s
    # every note type and every figure kind of the deck is among them
    kinds = {(n.note_type, getattr(library.find_item(n.item_id).figure, "kind", "no figure"))
             for n in built_deck.notes}
    assert kinds <= {(c["type"], c["kind"]) for c in cards}
    assert sum(s["found"]["formulas"] for s in steps) > len(steps)
    assert sum(len(s["found"]["images"]) for s in steps) >= 2 * (len(kinds) - 3)


def test_night_and_mobile_modes_are_what_the_reviewer_shows(review):
    for s in review["result"]["steps"]:
        night = s["mode"].startswith("night")
        body = s["found"]["bodyClass"].split()
        assert ("nightMode" in body and "night_mode" in body) == night
        assert ("mobile" in s["found"]["htmlClass"].split()) == s["mode"].endswith("mobile")
        dark = s["found"]["background"] == "rgb(30, 30, 30)"
        assert dark == night, s["found"]["background"]
        assert s["found"]["width"] == (390 if s["mode"].endswith("mobile") else 1000), s["found"]["width"]


@pytest.mark.parametrize("check", ["mathjax", "raw", "images", "scrollbar", "wide", "page", "console"])
def test_reviewer_pages_are_clean(review, check):
    result = review["result"]
    bad = Counter()
    examples = []
    for s in real_steps(review):
        found = findings(s, result["console"]).get(check, [])
        if found:
            bad[s["mode"]] += 1
            examples.append(f"{s['mode']} {s['card']} {s['side']}: {found[:3]}")
    print(f"{check}: {sum(bad.values())} of {len(real_steps(review))} pages ({dict(bad)})")
    if check in ("wide", "page"):  # at phone width the count is tests/test_phone.py's (a ratchet)
        examples = [e for e in examples if not e.split()[0].endswith("mobile")]
    assert not examples, (f"{len(examples)} pages, screenshots in {review['out'] / 'shots'}:\n"
                          + "\n".join(examples[:15]))


@pytest.mark.parametrize("check", ["mathjax", "raw", "images", "scrollbar", "console"])
def test_each_check_sees_the_canary(review, check):
    """The canary note breaks every rule once; each check must report it (on its front)."""
    canary = [s for s in review["result"]["steps"] if s["card"] == CANARY["label"] and s["side"] == "front"]
    assert canary
    for s in canary:
        assert findings(s, review["result"]["console"]).get(check), (check, s["mode"], s["found"])


def test_screenshots_were_written(review):
    shots = sorted((review["out"] / "shots").glob("*.png"))
    planned = {c["label"] for c in review["cards"] if c.get("shot")} | {CANARY["label"]}
    assert len(shots) == sum(s["card"] in planned for s in review["result"]["steps"]) >= 2 * len(MODES)
    assert all(p.stat().st_size > 5000 for p in shots)
    print(f"{len(shots)} screenshots in {Path(review['out']) / 'shots'}")


def test_typed_answers_are_judged_in_the_real_reviewer(review):
    """Typed into every box, Return pressed in each (a real key event), the back's verdicts read:
    the canonical text is correct, a mistake's value gets its message, a wrong value is wrong."""
    typed, counts = review["result"]["typing"], review["result"]["typing_counts"]
    planned = review["typing"]
    bad = [f"{e['card']} {e['pass']}: typed {b['typed']!r}, expected {b['expect']}, got {b.get('say')!r}"
           for e in typed for b in e["boxes"]
           if b.get("verdict") != b["expect"] or (b["message"] and b.get("say") != "\u2717 " + b["message"])]
    assert not bad, f"{len(bad)} boxes:\n" + "\n".join(bad[:15])
    assert all(e["shown"] == len(e["boxes"]) for e in typed)
    assert counts["cards"] == len(planned) >= 20
    assert {k for c in planned for k in c["kinds"]} >= {"number", "vector", "matrix", "set", "expr"}
    text = [e for e in typed if e["pass"] == "text"]
    assert len(text) == len(planned) and counts["correct"] >= sum(len(e["boxes"]) for e in text)
    assert counts["mistakes"] >= 5 and counts["wrong"] >= len(planned)
    assert counts["returns"] == counts["focus_moves"] + len(typed)  # Return moves on, the last shows the back
    assert counts["focus_moves"] > 0
    print(f"typed: {counts}")
