"""The client-hazard lint (ankigen/hazards.py) run by `ankigen validate` on rendered notes.

Hazards reachable from sources have a bad-input fixture (tests/fixtures/bad/hazard-*); the
sanitizer already removes inline <svg> and escapes '<' inside math, so those two, and media no
note shows, are proved here on rendered notes built by hand.
"""

from __future__ import annotations

import pytest

from ankigen import hazards
from ankigen.model import BuiltDeck, FinalNote, Media, Recipe

RECIPE = Recipe("T", ("*",), (), 1, 1, "t.apkg")


def note(kind: str, **fields: str) -> FinalNote:
    return FinalNote("x1", kind, "g", "T::A", tuple(fields.items()), (), 1, 0)


def messages(*notes: FinalNote, media: tuple[Media, ...] = ()) -> list[str]:
    from ankigen.model import Library

    return [i.format() for i in hazards.lint(BuiltDeck(RECIPE, notes, media), Library("r", (), ()))]


@pytest.mark.parametrize(("fields", "kind", "expect"), [
    ({"Front": 'A <svg viewBox="0 0 1 1"></svg>'}, "concept", "has an inline <svg>"),
    ({"Front": r"\( <b>x</b> \)"}, "concept", "has HTML '<b>' inside math"),
    ({"Text": r"\( x_{\mathbf{b}} \) {{c1::y}}"}, "cloze", "has '}}' inside cloze math"),
    ({"Front": '<a href="https://example.com">x</a>'}, "concept", "loads a remote resource"),
    ({"Front": '<img src="//example.com/a.png">'}, "concept", "loads a remote resource"),
    ({"Front": "<span style=\"background: url('http://e.com/a.png')\">x</span>"}, "concept", "remote resource"),
    ({"Front": '<img src="nothere.svg">'}, "concept", "which the package does not contain"),
])
def test_each_hazard_is_reported_with_item_and_fix(fields, kind, expect):
    found = messages(note(kind, **fields, Source="s"))
    assert len(found) == 1 and expect in found[0], found
    assert found[0].startswith("concept 'x1': field ") and "(" in found[0]


def test_clean_fields_and_used_media_pass():
    ok = note("cloze", Text=r"\( x_{\mathbf{b} } < 1 \) {{c1::\( y \)}}", Extra='<img src="f.svg">', Source="s")
    assert messages(ok, media=(Media("f.svg", b"<svg/>"),)) == []
    # '}}' in the math of a concept (not a cloze) is harmless
    assert messages(note("concept", Front=r"\( x_{\mathbf{b}} \)", Source="s")) == []


def test_unused_media_is_reported():
    found = messages(note("concept", Front="x", Source="s"), media=(Media("orphan.svg", b"<svg/>"),))
    assert found == ["media file 'orphan.svg' is shipped but no note shows it (a figure was drawn for a "
                     "field that does not display it; check the figure's side)"]


def test_the_default_deck_has_no_client_hazards(built_deck, library):
    assert [i.format() for i in hazards.lint(built_deck, library)] == []
