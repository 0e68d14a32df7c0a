"""Run the real Anki desktop reviewer under Xvfb with the test add-on (tests/reviewer_addon).

Used by tests/test_reviewer.py and docs/make_screenshots.py. Everything lives in a throwaway
base folder; Xvfb picks a free display itself (-displayfd); both processes run in their own
process groups and are killed in `finally`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ADDON = Path(__file__).parent / "reviewer_addon"
PROFILE = "ankigen-test"

# Create the profile folder as Anki's first run would, minus its dialogs and network checks.
PREPARE = """
import sys
from aqt.profiles import ProfileManager, VideoDriver
pm = ProfileManager(ProfileManager.get_created_base_folder(sys.argv[1]))
pm.setupMeta()
pm.meta.update(firstRun=False, defaultLang="en_US", check_for_updates=False,
               check_for_addon_updates=False)
pm.create(sys.argv[2])
pm.load(sys.argv[2])
pm.profile.update(autoSync=False, syncMedia=False)
pm.save()
pm.set_video_driver(VideoDriver.Software)
"""

DESKTOP = {"window": [1000, 800]}
PHONE = {"window": [390, 844]}  # an iPhone 12-15 viewport, CSS pixels
MODES = [
    {"name": "day-desktop", "night": False, "mobile": False, **DESKTOP},
    {"name": "night-desktop", "night": True, "mobile": False, **DESKTOP},
    {"name": "day-mobile", "night": False, "mobile": True, **PHONE},
    {"name": "night-mobile", "night": True, "mobile": True, **PHONE},
]

# Each card in two modes that together give both widths and both themes (the themes change colours
# and figures, the widths the layout); the canary and ANKIGEN_REVIEWER_OUT runs use all four.
COVER = (("day-desktop", "night-mobile"), ("night-desktop", "day-mobile"))


def cover_modes(cards: list[dict[str, Any]]) -> None:
    """Give the cards alternating pairs of COVER, so each mode shows half of them."""
    for k, card in enumerate(cards):
        card["modes"] = list(COVER[k % len(COVER)])


def missing_tools() -> list[str]:
    """What this machine lacks to run the reviewer test."""
    missing = [t for t in ("Xvfb",) if shutil.which(t) is None]
    for module in ("aqt", "PyQt6.QtWebEngineWidgets"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            missing.append(f"aqt[qt6] (no module {module})")
    return missing


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X display (Xvfb chooses a free number and tells it on a pipe)."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24",
                             "-nolisten", "tcp"], pass_fds=(write,), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def run_reviewer(apkg: Path, cards: list[dict[str, Any]], out: Path, modes: list[dict[str, Any]] | None = None,
                 timeout: float = 600.0, canary: dict[str, Any] | None = None,
                 typing: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Show `cards` in Anki's reviewer in every mode, then type into the answer boxes of the
    `typing` cards; return the add-on's result (see CHECK_JS and Typing in the add-on)."""
    out.mkdir(parents=True, exist_ok=True)
    base = out / "anki-base"
    subprocess.run([sys.executable, "-c", PREPARE, str(base), PROFILE], check=True, timeout=120,
                   env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    shutil.copytree(ADDON, base / "addons21" / "ankigen_reviewer_test",
                    ignore=shutil.ignore_patterns("__pycache__"))
    plan = out / "plan.json"
    plan.write_text(json.dumps({"apkg": str(apkg), "out": str(out), "cards": cards,
                                "modes": modes or MODES, "canary": canary,
                                "typing": typing or []}),
                    encoding="utf-8")
    result = out / "result.json"
    log = (out / "anki.log").open("wb")
    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "ANKIGEN_REVIEWER_PLAN": str(plan),
               "QT_QPA_PLATFORM": "xcb", "ANKI_NOHIGHDPI": "1", "QTWEBENGINE_DISABLE_SANDBOX": "1",
               "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu --disable-background-networking"}
        env.pop("WAYLAND_DISPLAY", None)
        proc = subprocess.Popen([sys.executable, "-c", "import sys, aqt; sys.exit(aqt.run())",
                                 "-b", str(base), "-p", PROFILE],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not result.exists():
                if proc.poll() is not None:
                    raise RuntimeError(f"Anki exited ({proc.returncode}) without a result; log: {out / 'anki.log'}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no result from Anki in {timeout:.0f} s; log: {out / 'anki.log'}")
                time.sleep(0.2)  # polling the result file, bounded by the deadline
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)  # let Anki close its collection; killed below otherwise
        finally:
            _kill_group(proc)
            log.close()
    return json.loads(result.read_text(encoding="utf-8"))


def sample_cards(deck: Any, library: Any) -> list[dict[str, Any]]:
    """Every note type × every figure kind (with no figure as one kind), the first in deck order,
    plus a cloze's second card and the problems with the longest worked solutions."""
    cards: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for note in deck.notes:
        item = library.find_item(note.item_id)
        kind = item.figure.kind if item is not None and item.figure is not None else "no figure"
        if (note.note_type, kind) not in seen:
            seen.add((note.note_type, kind))
            cards.append(_card(note, kind))
    clozes = [n for n in deck.notes if n.note_type == "cloze" and "{{c2::" in dict(n.fields)["Text"]]
    if clozes:
        cards.append(_card(clozes[0], "cloze, second deletion", ord=1))
    labels = {c["label"] for c in cards}
    problems = sorted((n for n in deck.notes if n.note_type == "problem"),
                      key=lambda n: -len(dict(n.fields)["Solution"]))
    cards += [_card(n, "long solution") for n in problems[:4] if f"{n.item_id}#{n.slot}" not in labels]
    return cards


def answer_kinds(note: Any) -> set[str]:
    """The answer kinds (number, vector, matrix, set, expr) of a problem note's boxes."""
    check = json.loads(dict(note.fields).get("Check") or "{}")
    return {a["kind"] for v in check.get("variants", []) for a in v["answers"]}


def typing_cards(deck: Any, cards: list[dict[str, Any]], least: int = 20) -> list[dict[str, Any]]:
    """A problem of every answer kind, then the sampled problem cards, then more problems in deck
    order, until there are `least`."""
    problems = [n for n in deck.notes if n.note_type == "problem" and answer_kinds(n)]
    sampled = {c["label"] for c in cards if c["type"] == "problem"}
    ordered = [n for n in problems if f"{n.item_id}#{n.slot}" in sampled]
    ordered += [n for n in problems if n not in ordered]
    picked: list[Any] = []
    for n in ordered:
        if not answer_kinds(n) <= set().union(*map(answer_kinds, picked)):
            picked.append(n)
    picked += [n for n in ordered if n not in picked][:max(0, least - len(picked))]
    return [{**_card(n, "typing"), "kinds": sorted(answer_kinds(n))} for n in picked]


def _card(note: Any, kind: str, ord: int = 0) -> dict[str, Any]:
    label = f"{note.item_id}#{note.slot}"
    return {"guid": note.guid, "label": label if ord == 0 else f"{label}/c{ord + 1}", "kind": kind,
            "type": note.note_type, "ord": ord}


# A note with every hazard the page checks look for; the test asserts that each one is seen.
CANARY = {
    "label": "canary#0", "kind": "canary", "type": "concept", "notetype": "ankigen concept", "shot": True,
    "fields": {
        "Front": (r'Broken \( \frac{1} \) and unclosed \( x, a missing <img src="ankigen-missing.svg">, '
                  r'<span class="old-rule">an inline \( A\mathbf v = \lambda\mathbf v \) in the old style</span>'
                  r'<style>.old-rule mjx-container { display: inline-block; max-width: 100%; '
                  r'overflow-x: auto; overflow-y: hidden; }</style>'
                  r'<script>console.error("canary: a script error")</script>'),
        "Back": "canary back",
        "Source": '<span class="source-id">canary#0</span>',
    },
}
