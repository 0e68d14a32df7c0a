"""Test add-on for Anki desktop: drives the real reviewer over planned cards, no GUI clicking.

Loaded by Anki from `<base>/addons21/`; does nothing unless ANKIGEN_REVIEWER_PLAN names a plan
(JSON written by tests/reviewer_run.py). It imports the package, shows every planned card's
question and answer with the reviewer's own `_showQuestion`/`_showAnswer` in every planned mode
(day/night theme, desktop or Anki's mobile emulation), checks each page inside the webview,
saves screenshots, writes `result.json` atomically and quits Anki.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from pathlib import Path
from typing import Any

from aqt import gui_hooks, mw
from aqt.qt import Qt, QTimer
from aqt.theme import Theme
from aqt.webview import AnkiWebPage

STEP_TIMEOUT_MS = 30_000  # per page (a wall-clock deadline, checked at each poll)
POLL_MS = 10  # between polls of the page (each poll is a round trip to the renderer)

# Runs inside the reviewer page after the card is shown and typeset; returns what the test asserts.
CHECK_JS = r"""
(() => {
  const qa = document.getElementById('qa');
  for (const d of qa.querySelectorAll('details')) d.open = true;  // the learner opens the solution
  const tol = 2;
  const label = el => el.tagName.toLowerCase() + (el.getAttribute('display') ? '[display]' : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  const texts = [];
  const walker = document.createTreeWalker(qa, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest('mjx-container, script, style')) texts.push(n.nodeValue);
  }
  const text = texts.join(' ');
  const scroll = [];
  for (const el of [document.documentElement, document.body, ...qa.querySelectorAll('*')]) {
    const cs = getComputedStyle(el);
    const scrolls = cs.overflowX === 'auto' || cs.overflowX === 'scroll';
    const page = el === document.documentElement || el === document.body;
    if (!scrolls && !page) continue;
    const bar = el === document.documentElement ? window.innerHeight - el.clientHeight
      : el.offsetHeight - el.clientHeight - parseFloat(cs.borderTopWidth) - parseFloat(cs.borderBottomWidth);
    const over = el.scrollWidth - el.clientWidth;
    const vbar = page ? 0 : el.offsetWidth - el.clientWidth - parseFloat(cs.borderLeftWidth)
                            - parseFloat(cs.borderRightWidth);
    if (bar > 0 || vbar > 0 || over > tol) {
      scroll.push({el: label(el), inline: el.tagName === 'MJX-CONTAINER' && !el.hasAttribute('display'),
                   page, bar, vbar, over, sw: el.scrollWidth, cw: el.clientWidth,
                   tex: (el.querySelector('mjx-assistive-mml') || el).textContent.slice(0, 80)});
    }
  }
  const src = qa.querySelector('.source-id');
  return {
    source: src ? src.textContent : null,
    bodyClass: document.body.className,
    htmlClass: document.documentElement.className,
    width: window.innerWidth,
    culprits: [...qa.querySelectorAll('mjx-container, img, table, svg, pre, .figure')]
      .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + tol
                   && !e.parentElement.closest('mjx-container'))
      .map(e => label(e) + ' ' + (e.querySelector('mjx-assistive-mml') || e).textContent.slice(0, 60)
                + ' right=' + Math.round(e.getBoundingClientRect().right)),
    formulas: qa.querySelectorAll('mjx-container').length,
    merrors: [...qa.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
    raw: ['\\(', '\\)', '\\[', '\\]'].filter(d => text.includes(d)),
    images: [...qa.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), complete: i.complete,
                                                       w: i.naturalWidth})),
    scroll,
    answerShown: !!qa.querySelector('#answer'),
    clozeHidden: !!qa.querySelector('.cloze[data-cloze]'),
    background: getComputedStyle(document.body).backgroundColor,
    color: getComputedStyle(qa.querySelector('.ankigen') || qa).color,
  };
})()
"""


class Deadline:
    """A step's wall-clock deadline: `since` is reset when a step (or a wait) starts."""

    since = 0.0

    def _late(self) -> bool:
        return (time.monotonic() - self.since) * 1000 > STEP_TIMEOUT_MS


class Driver(Deadline):
    """A state machine on Qt timers: one step = one card side in one mode."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.out = Path(plan["out"])
        cards = plan["cards"] + ([plan["canary"]] if plan.get("canary") else [])
        self.steps = [(m, c, side) for m in plan["modes"] for c in cards if m["name"] in c.get("modes", [m["name"]])
                      for side in ("front", "back")]  # a card shows in the modes it names (all by default)
        self.results: list[dict[str, Any]] = []
        self.console: list[dict[str, Any]] = []
        self.index = -1
        self.mode: str | None = None
        self.cards: dict[str, Any] = {}
        self.since = time.monotonic()
        self.typing: Typing | None = None

    # -- setup ----------------------------------------------------------------------------
    def start(self) -> None:
        try:
            self._import()
            self._watch_console()
            first = next(iter(self.cards.values()))
            mw.col.decks.select(first.did)
            mw.moveToState("review")
            QTimer.singleShot(0, self.next_step)
        except Exception:
            self.finish(error=traceback.format_exc())

    def _import(self) -> None:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        req = ImportAnkiPackageRequest(package_path=self.plan["apkg"],
                                       options=ImportAnkiPackageOptions(merge_notetypes=True,
                                                                        with_scheduling=False))
        log = mw.col.import_anki_package(req).log
        self.imported = len(log.new)
        for card in self.plan["cards"] + self.plan.get("typing", []):
            nid = mw.col.db.scalar("select id from notes where guid = ?", card["guid"])
            if nid is None:
                raise RuntimeError(f"note {card['label']} ({card['guid']}) not in the imported deck")
            self.cards[card["label"]] = mw.col.get_note(nid).cards()[card.get("ord", 0)]
        canary = self.plan.get("canary")
        if canary:  # a note with every hazard the checks look for, to prove that they see them
            note = mw.col.new_note(mw.col.models.by_name(canary["notetype"]))
            for name, value in canary["fields"].items():
                note[name] = value
            mw.col.add_note(note, next(iter(self.cards.values())).did)
            self.cards[canary["label"]] = note.cards()[0]

    def _watch_console(self) -> None:
        """Record every console message of the reviewer page, attributed to the current step."""
        original = AnkiWebPage.javaScriptConsoleMessage
        driver = self

        def hooked(page: Any, level: Any, msg: Any, line: int, src: Any) -> None:
            if page is mw.web.page():
                driver.console.append({"step": driver.index, "level": getattr(level, "name", str(level)),
                                       "msg": str(msg), "line": line, "src": str(src)[:120]})
            original(page, level, msg, line, src)

        AnkiWebPage.javaScriptConsoleMessage = hooked  # type: ignore[method-assign]

    def _apply_mode(self, mode: dict[str, Any]) -> None:
        mw.set_theme(Theme.DARK if mode["night"] else Theme.LIGHT)
        width, height = mode.get("window", [1000, 800])
        for widget in (mw, mw.form.centralwidget, mw.toolbarWeb, mw.web, mw.bottomWeb):
            widget.setMinimumWidth(0)  # let the window be as narrow as a phone
        mw.resize(width, height)
        mw.reviewer._initWeb()  # a fresh page in the new theme, as after a restart
        mw.reviewer.web.eval(f"_emulateMobile({json.dumps(bool(mode['mobile']))});")

    # -- steps ----------------------------------------------------------------------------
    def next_step(self) -> None:
        self.index += 1
        if self.index >= len(self.steps):
            self.finish()
            return
        mode, card, side = self.steps[self.index]
        try:
            if mode["name"] != self.mode:
                self.mode = mode["name"]
                self._apply_mode(mode)
            rev = mw.reviewer
            if side == "front":
                rev.card = self.cards[card["label"]]
                rev.card.start_timer()
                rev._showQuestion()
            else:
                rev._showAnswer()
            rev.web.eval(f"window.__ankigenStep = -1; _queueAction(() => {{ window.__ankigenStep = {self.index}; }});")
            self.since = time.monotonic()
            QTimer.singleShot(POLL_MS, self.poll)
        except Exception:
            self.finish(error=traceback.format_exc())

    def poll(self) -> None:
        js = (f"window.__ankigenStep === {self.index} && "
              "[...document.querySelectorAll('#qa img')].every(i => i.complete)")
        mw.reviewer.web.evalWithCallback(js, self.on_poll)

    def on_poll(self, ready: Any) -> None:
        if ready:
            mw.reviewer.web.evalWithCallback(CHECK_JS, self.on_checked)
            return
        if self._late():
            self.finish(error=f"step {self.index} {self.steps[self.index][1]['label']}: "
                              f"the reviewer did not finish showing it in {STEP_TIMEOUT_MS} ms")
            return
        QTimer.singleShot(POLL_MS, self.poll)

    def on_checked(self, found: Any) -> None:
        self.found = found
        self.since = time.monotonic()
        if not self._wants_shot():
            self.record()
            return
        # the screenshot waits until the page has painted what was checked (two animation frames)
        mw.reviewer.web.eval("window.__ankigenPainted = false; requestAnimationFrame(() => "
                             "requestAnimationFrame(() => { window.__ankigenPainted = true; }));")
        QTimer.singleShot(POLL_MS, self.poll_painted)

    def poll_painted(self) -> None:
        mw.reviewer.web.evalWithCallback("window.__ankigenPainted === true", self.on_painted)

    def on_painted(self, painted: Any) -> None:
        if not painted and not self._late():
            QTimer.singleShot(POLL_MS, self.poll_painted)
            return
        QTimer.singleShot(POLL_MS, self.record)

    def _wants_shot(self) -> bool:
        mode, card, _ = self.steps[self.index]
        return bool(card.get("shot") or mode.get("shots"))

    def record(self) -> None:
        found = self.found
        mode, card, side = self.steps[self.index]
        entry = {"step": self.index, "t": time.monotonic(), "mode": mode["name"], "card": card["label"],
                 "kind": card.get("kind"),
                 "type": card.get("type"),
                 "side": side, "found": found, "shot": None}
        if self._wants_shot():
            name = f"{mode['name']}--{card['label'].replace('#', '-').replace('/', '-')}--{side}.png"
            self.out.joinpath("shots").mkdir(parents=True, exist_ok=True)
            if mw.reviewer.web.grab().save(str(self.out / "shots" / name)):
                entry["shot"] = name
        self.results.append(entry)
        QTimer.singleShot(0, self.next_step)

    def finish(self, error: str | None = None) -> None:
        if error is None and self.typing is None and self.plan.get("typing"):
            self.typing = Typing(self)  # the answer boxes, typed into after every page is checked
            QTimer.singleShot(0, self.typing.start)
            return
        typed = self.typing.results if self.typing else []
        result = {"error": error, "steps": self.results, "console": self.console,
                  "imported": getattr(self, "imported", None), "typing": typed,
                  "typing_counts": typing_counts(typed)}
        self.out.mkdir(parents=True, exist_ok=True)
        tmp = self.out / "result.json.part"
        tmp.write_text(json.dumps(result, indent=1), encoding="utf-8")
        tmp.replace(self.out / "result.json")
        QTimer.singleShot(0, mw.unloadProfileAndExit)


# Types into every answer box of a problem card's front: the pass's text per box, an `input` event
# (as a keystroke makes), the first box focused; the test then presses Return in each box.
TYPE_JS = r"""
((pass) => {
  const host = document.getElementById('ankigen-practice');
  const spec = JSON.parse(document.getElementById('ankigen-check').textContent);
  const k = parseInt(host.getAttribute('data-shown-variant') || '0', 10);
  const answers = spec.variants[k].answers;
  const inputs = [...host.querySelectorAll('input.ankigen-input')];
  const deep = (v, f) => Array.isArray(v) ? v.map(x => deep(x, f)) : f(v);
  const num = x => String(x);
  const fmt = (v, kind) => kind === 'number' ? num(v)
    : kind === 'vector' ? '(' + v.map(num).join(', ') + ')'
    : kind === 'set' ? '{' + v.map(num).join(', ') + '}'
    : '[' + v.map(r => '[' + r.map(num).join(', ') + ']').join(', ') + ']';
  const scalarExpr = a => a.kind === 'expr' && !Array.isArray(a.values[0]);
  const boxes = answers.map(a => {
    const box = {kind: a.kind, typed: a.text, expect: 'correct', message: null};
    if (pass === 'mistake' && a.kind !== 'expr' && (a.mistakes || []).length) {
      Object.assign(box, {typed: fmt(a.mistakes[0].value, a.kind), expect: 'mistake', message: a.mistakes[0].message});
    } else if (pass === 'wrong' && scalarExpr(a)) {
      Object.assign(box, {typed: '(' + a.text + ')*1.1+0.5', expect: 'wrong'});
    } else if (pass === 'wrong' && a.kind !== 'expr') {
      Object.assign(box, {typed: fmt(deep(a.value, x => Number(x) * 1.1 + 0.5), a.kind), expect: 'wrong'});
    }
    return box;
  });
  if (inputs.length !== answers.length) return {error: inputs.length + ' boxes for ' + answers.length + ' answers'};
  if (boxes.every(b => b.expect === 'correct') && pass !== 'text') return {skip: true, boxes};
  inputs.forEach((input, i) => {
    input.value = boxes[i].typed;
    input.dispatchEvent(new Event('input', {bubbles: true}));
  });
  inputs[0].focus();
  return {boxes};
})
"""

VERDICTS_JS = r"""
(() => {
  const rows = [...document.querySelectorAll('#ankigen-feedback .ankigen-result')];
  return rows.length ? rows.map(r => ({verdict: r.getAttribute('data-verdict'),
                                       say: r.querySelector('.ankigen-verdict').textContent})) : null;
})()
"""

PASSES = ("text", "mistake", "wrong")


class Typing(Deadline):
    """Each typing card, each pass: show the front, type, press Return in each box, read the back."""

    def __init__(self, driver: Driver) -> None:
        self.d = driver
        self.steps = [(c, p) for c in driver.plan["typing"] for p in PASSES]
        self.index = -1
        self.results: list[dict[str, Any]] = []
        self.entry: dict[str, Any] = {}
        self.since = time.monotonic()

    def start(self) -> None:
        self.d._apply_mode(self.d.plan["modes"][0])
        self.next()

    def _wait(self, js: str, then: Any, what: str) -> None:
        """Poll `js` in the reviewer page every POLL_MS until truthy, then call then(value)."""
        def got(value: Any) -> None:
            if value:
                self.since = time.monotonic()
                then(value)
                return
            if self._late():
                self.d.finish(error=f"typing {self.entry.get('card')} {self.entry.get('pass')}: {what} "
                                    f"not within {STEP_TIMEOUT_MS} ms")
                return
            QTimer.singleShot(POLL_MS, lambda: mw.reviewer.web.evalWithCallback(js, got))
        mw.reviewer.web.evalWithCallback(js, got)

    def next(self) -> None:
        self.index += 1
        if self.index >= len(self.steps):
            self.d.finish()
            return
        card, pas = self.steps[self.index]
        self.entry = {"card": card["label"], "pass": pas, "returns": 0, "focus_moves": 0, "t": time.monotonic()}
        try:
            rev = mw.reviewer
            rev.card = self.d.cards[card["label"]]
            rev.card.start_timer()
            rev._showQuestion()
            rev.web.eval("window.__ankigenTyped = false; _queueAction(() => { window.__ankigenTyped = true; });")
            self._wait("window.__ankigenTyped === true && !document.getElementById('ankigen-feedback') && "
                       "document.querySelectorAll('#ankigen-practice input').length > 0", self.type, "the boxes")
        except Exception:
            self.d.finish(error=traceback.format_exc())

    def type(self, _: Any) -> None:
        mw.reviewer.web.evalWithCallback(f"({TYPE_JS})({json.dumps(self.entry['pass'])})", self.typed)

    def typed(self, found: Any) -> None:
        if not found or found.get("error"):
            self.d.finish(error=f"typing {self.entry['card']}: {found}")
            return
        self.entry["boxes"] = found["boxes"]
        if found.get("skip"):
            QTimer.singleShot(0, self.next)
            return
        self.results.append(self.entry)
        self.box = 0
        self._wait("document.activeElement && document.activeElement.id === 'ankigen-box-0'", self.press,
                   "focus in the first box")

    def press(self, _: Any) -> None:
        """A real Return key press on the webview (Anki's key path), then wait for its effect."""
        from PyQt6.QtTest import QTest

        web = mw.reviewer.web
        web.setFocus()
        QTest.keyClick(web.focusProxy() or web, Qt.Key.Key_Return)  # type: ignore[call-overload]
        self.entry["returns"] += 1
        self.box += 1
        nxt = f"ankigen-box-{self.box}"
        self._wait(f"(document.activeElement && document.activeElement.id === '{nxt}' && 'focus') || "
                   "(document.getElementById('ankigen-feedback') && 'answer')", self.after_press,
                   f"a reaction to Return in box {self.box}")

    def after_press(self, what: str) -> None:
        if what == "focus":
            self.entry["focus_moves"] += 1
            QTimer.singleShot(0, lambda: self.press(None))
            return
        self._wait(VERDICTS_JS, self.read, "the verdicts on the back")

    def read(self, verdicts: list[dict[str, str]]) -> None:
        for box, v in zip(self.entry["boxes"], verdicts, strict=False):
            box.update(v)
        self.entry["shown"] = len(verdicts)
        QTimer.singleShot(0, self.next)


def typing_counts(typed: list[dict[str, Any]]) -> dict[str, int]:
    boxes = [b for e in typed for b in e["boxes"]]
    return {
        "cards": len({e["card"] for e in typed}),
        "boxes": len(boxes),
        "correct": sum(b["expect"] == "correct" and b.get("verdict") == "correct" for b in boxes),
        "mistakes": sum(b["expect"] == "mistake" and b.get("verdict") == "mistake"
                        and b.get("say") == "\u2717 " + b["message"] for b in boxes),
        "wrong": sum(b["expect"] == "wrong" and b.get("verdict") == "wrong" for b in boxes),
        "returns": sum(e["returns"] for e in typed),
        "focus_moves": sum(e["focus_moves"] for e in typed),
    }


def _on_profile_open() -> None:
    plan = json.loads(Path(os.environ["ANKIGEN_REVIEWER_PLAN"]).read_text(encoding="utf-8"))
    driver = Driver(plan)
    mw._ankigen_reviewer_driver = driver  # keep a reference for the timers
    QTimer.singleShot(0, driver.start)


if os.environ.get("ANKIGEN_REVIEWER_PLAN") and mw is not None:
    gui_hooks.profile_did_open.append(_on_profile_open)
