"""The draw stage's one entry point, `draw.figure`: a loaded FigureSpec and a variant's values in,
checked SVG media out (arguments evaluated, bounded, the kind's claim checked, drawn, size bounded).

A tiny project of three figures; nothing here builds a deck.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from ankigen import draw
from ankigen.errors import UserError, Variant
from ankigen.expr import parse
from ankigen.load import load_library
from ankigen.model import FigureSpec, Media, RenderedNote
from ankigen.sample import sample
from ankigen.solve import solve

FIXTURES = Path(__file__).parent / "fixtures"

TOPIC = """\
title: Figures
concepts:
  - id: balls
    front: Which norm has a diamond for its unit ball?
    back: The L1 norm.
    figure: {kind: unit_balls, side: front}
  - id: balls-cloze
    cloze: 'The L1 unit ball is a {{c1::diamond}}.'
    figure: {kind: unit_balls}
problems:
""" + "".join(f"""\
  - id: {pid}
    symbols: [x]
    params:
      a: {{int: [1, 3]}}
    derived:
      b: "a + 1"
    question: 'What is \\( << a >> + 1 \\)?'
    answer: '\\( << b >> \\)'
    solution: Add one.
    check:
      - {{shown: b, expect: "a + 1"}}
    figure: {{kind: tangent_line, args: {{f: "{f}", x0: "a"}}{side}}}
""" for pid, f, side in (("tangent", "x**2 + a", ""), ("kink", "abs(x - a)", ", side: front")))


def _project(tmp: Path, case: str | None = None) -> Path:
    shutil.copytree(FIXTURES / "base", tmp, dirs_exist_ok=True)
    if case is None:
        (tmp / "cards_src" / "calculus" / "figures.yaml").write_text(TOPIC)
    else:
        shutil.copytree(FIXTURES / "bad" / case / "cards_src", tmp / "cards_src", dirs_exist_ok=True)
    return tmp


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    lib = load_library(_project(tmp_path_factory.mktemp("figs")) / "cards_src")
    return {i.id: i for t in lib.topics for i in (*t.concepts, *t.problems)}


def _values(problem, seed=1, slot=0):
    return solve(problem, sample(problem, seed, slot)).namespace()


def _with_a(problem, a):
    """The problem's values with the parameter a set (b follows it: the figure only reads a)."""
    ns = _values(problem)
    ns.update(a=a, b=a + 1)
    return ns


def test_figure_evaluates_its_arguments_from_the_variants_values(items):
    p = items["tangent"]
    one, two = draw.figure(p, _with_a(p, 1), Variant(p.id, 1, 0)), draw.figure(p, _with_a(p, 2), Variant(p.id, 1, 1))
    assert one is not None and two is not None and one.data != two.data
    # the same figure written with the numbers in place of a: the same bytes as evaluating a = 2
    literal = FigureSpec("tangent_line", (("f", parse("x**2 + 2")), ("x0", parse("2"))), "back", "", p.figure.loc)
    same = draw.figure(dataclasses.replace(p, figure=literal), _values(p), Variant(p.id, 1, 0))
    assert same is not None and same.data == two.data
    assert two.data.lstrip().startswith(b"<?xml") and b"<svg" in two.data
    assert two.name == draw.media_name(two.data)


def test_a_concept_figure_needs_no_values_and_an_item_without_figure_gives_none(items):
    c = items["balls"]
    media = draw.figure(c, {}, Variant(c.id, 1, 0))
    assert isinstance(media, Media) and b"<svg" in media.data
    assert draw.figure(dataclasses.replace(c, figure=None), {}, Variant(c.id, 1, 0)) is None


def test_out_of_bounds_argument_gives_the_same_message_as_before(tmp_path, monkeypatch):
    """The message the CLI printed before the draw stage owned the check (the golden of the
    figure-kind-parameter-too-large case), raised by draw.figure itself, also when not drawing."""
    case = "figure-kind-parameter-too-large"
    monkeypatch.chdir(_project(tmp_path, case))
    p1 = next(p for t in load_library(Path("cards_src")).topics for p in t.problems if p.id == "p1")
    expected = (FIXTURES / "bad" / case / "expected.txt").read_text().rstrip("\n")
    for drawing in (False, True):
        with pytest.raises(UserError) as e:
            draw.figure(p1, _values(p1), Variant(p1.id, 1, 0), drawing=drawing)
        assert str(e.value) == expected


def test_too_many_entries_is_refused_before_drawing(items, monkeypatch):
    p = items["tangent"]
    monkeypatch.setattr(draw, "render_svg", lambda *a, **k: pytest.fail("drawn despite the bound"))
    big = FigureSpec("tangent_line", (("f", parse("x**2")), ("x0", parse("1"))), "back", "", p.figure.loc)
    monkeypatch.setattr(draw, "MAX_FIGURE_ENTRIES", 0)
    with pytest.raises(UserError, match=r"figure argument 'x0' has more than 0 entries \(seed 1, slot 0\)"):
        draw.figure(dataclasses.replace(p, figure=big), _values(p), Variant(p.id, 1, 0))


def test_a_broken_claim_is_an_error_also_when_not_drawing(items):
    p = items["kink"]
    loc = p.figure.loc
    for drawing in (True, False):
        with pytest.raises(UserError) as e:
            draw.figure(p, _with_a(p, 2), Variant(p.id, 7, 3), drawing=drawing)
        assert str(e.value).startswith(
            f"{loc.path}:{loc.line}:{loc.column}: problem 'kink': figure 'tangent_line' contradicts its text "
            "(seed 7, slot 3): f has a kink at x0 = 2")
    assert draw.figure(items["tangent"], _with_a(items["tangent"], 2), Variant("tangent", 7, 3),
                       drawing=False) is None


def test_a_figure_over_the_size_bound_is_refused(items, monkeypatch):
    c = items["balls"]
    monkeypatch.setattr(draw, "MAX_MEDIA", 1000)
    with pytest.raises(UserError, match=r"concept 'balls': the figure is larger than 0 MB \(seed 5, slot 0\)"):
        draw.figure(c, {}, Variant(c.id, 5, 0))


def test_the_store_serves_a_figure_drawn_before(items, monkeypatch):
    class Store(dict):
        def put(self, token, media):
            self[token] = media

    p, store, drawn = items["tangent"], Store(), []
    real = draw.render_svg
    monkeypatch.setattr(draw, "render_svg", lambda *a, **k: drawn.append(1) or real(*a, **k))
    first = draw.figure(p, _with_a(p, 3), Variant(p.id, 1, 0), store=store)
    again = draw.figure(p, _with_a(p, 3), Variant(p.id, 1, 1), store=store)
    assert first == again and len(drawn) == 1 and list(store.values()) == [first]


@pytest.mark.parametrize(("item_id", "note_type", "fields", "field"), [
    ("balls", "concept", ("FrontFigure", "BackFigure"), "FrontFigure"),
    ("balls-cloze", "cloze", ("Figure",), "Figure"),
    ("tangent", "problem", ("QuestionFigure", "AnswerFigure"), "AnswerFigure"),
    ("kink", "problem", ("QuestionFigure", "AnswerFigure"), "QuestionFigure"),
])
def test_attach_puts_the_image_in_the_field_of_its_side(items, item_id, note_type, fields, field):
    spec = items[item_id].figure
    note = RenderedNote(item_id, note_type, "g", "D", tuple((f, "") for f in fields), (), 1, 0)
    media = Media("ankigen-0123.svg", b"<svg/>")
    final = draw.attach(note, spec, media)
    assert final.media == (media.name,)
    for f in fields:
        assert ('src="ankigen-0123.svg"' in final.field(f)) == (f == field), f
    assert draw.attach(note, spec, None).fields == note.fields


def test_figure_fields_cover_every_note_type_and_side():
    sides = ("front", "back")
    assert {(t, s) for t in ("concept", "cloze", "problem") for s in sides} == set(draw.FIGURE_FIELDS)
