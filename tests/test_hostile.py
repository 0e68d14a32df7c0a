"""Hostile and random input: nothing runs, nothing crashes except with ankigen's own errors."""

from __future__ import annotations

import contextlib
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankigen import expr
from ankigen.errors import AnkigenError
from ankigen.exact import exact_evaluator, make_symbols
from ankigen.numeric import numeric_evaluator
from ankigen.render import clean_html

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

HOSTILE_EXPRESSIONS = [
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd')",
    "exec('1')", "eval('1')", "getattr(a, 'x')", "globals()", "lambda: 1",
    "[x for x in range(10)]", "a.real", "{'a': 1}", "f'{a}'", "a if __debug__ else 1",
    "9**9**9", "10**100000", "factorial(100000)", "factorial(10**6)", "binomial(10**9, 5)",
    "eye(10**6)", "range(10**9)", "Matrix([[1]*1000])", "2**10**10", "'x' * 10**9",
    "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
]


@pytest.mark.parametrize("text", HOSTILE_EXPRESSIONS)
def test_hostile_expressions_are_refused(text):
    ns = {"a": 1, **make_symbols(["x"])}
    with pytest.raises(AnkigenError):
        exact_evaluator(ns).eval(expr.parse(text))
    with pytest.raises(AnkigenError):
        numeric_evaluator({"a": 1.0}).eval(expr.parse(text))


def test_pwned_never_happens(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    for text in (f"__import__('os').system('touch {marker}')", f"open('{marker}', 'w')"):
        with pytest.raises(AnkigenError):
            exact_evaluator({}).eval(expr.parse(text))
    assert not marker.exists()


NAMES = st.sampled_from(["a", "b", "x", "A", "det", "sqrt", "eigenvalues", "quad", "__class__",
                         "_x", "open", "diff", "Matrix", "fdiff", "inv"])
ATOMS = st.one_of(NAMES, st.integers(-10**6, 10**6).map(str),
                  st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr))
OPS = st.sampled_from(["+", "-", "*", "/", "**", "@", "%", "//", "<", "==", " and ", " or ", ".", ","])


@st.composite
def expressions(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(ATOMS)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"{draw(expressions(depth + 1))}{draw(OPS)}{draw(expressions(depth + 1))}"
    if kind == 1:
        args = ", ".join(draw(st.lists(expressions(depth + 1), max_size=3)))
        return f"{draw(NAMES)}({args})"
    if kind == 2:
        return f"[{draw(expressions(depth + 1))}, {draw(expressions(depth + 1))}]"
    return f"({draw(expressions(depth + 1))})[{draw(st.integers(-2, 2))}]"


@SETTINGS
@given(expressions())
def test_evaluator_on_random_expressions(text):
    import sympy as sp

    ns = {"a": sp.Integer(2), "b": sp.Rational(1, 3), "A": sp.Matrix([[1, 2], [3, 4]]),
          **make_symbols(["x"])}
    with contextlib.suppress(AnkigenError):
        exact_evaluator(ns).eval(expr.parse(text))
    with contextlib.suppress(AnkigenError):
        numeric_evaluator({"a": 2.0, "b": 1 / 3, "A": [[1.0, 2.0], [3.0, 4.0]]}).eval(expr.parse(text))


@SETTINGS
@given(st.text(alphabet=string.printable + "λ∑→\u0000", max_size=200))
def test_parser_on_random_text(text):
    with contextlib.suppress(AnkigenError):
        expr.parse(text)


YAML_PIECES = st.sampled_from([
    "title: T\n", "concepts:\n", "  - id: c1\n", "    front: a\n", "    back: b\n", "problems:\n",
    "  - id: p1\n", "    params: {a: {int: [1, 3]}}\n", "    derived: {b: 'a+1'}\n",
    "    question: '<< a >>'\n", "    answer: '\\( << b >> \\)'\n", "    solution: s\n",
    "    check: [{shown: b, expect: 'a+1'}]\n", "!!python/object/apply:os.system ['x']\n",
    "&a x\n", "*a\n", "<<: {}\n", "\t", "- ", ": ", "{", "}", "[", "]", "'", '"', "\n", "~",
    "requires: [calculus/x]\n", "    cloze: '{{c1::x}}'\n", "    figure: {kind: linear_map}\n",
])


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz") / "cards_src"
    (root / "calculus").mkdir(parents=True)
    (root / "areas.yaml").write_text("calculus: {title: Calculus}\n")
    return root


@SETTINGS
@given(st.one_of(st.lists(YAML_PIECES, max_size=25).map("".join),
                 st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_loader_on_random_and_hostile_yaml(fuzz_root, text):
    from ankigen.load import load_library

    (fuzz_root / "calculus" / "fuzz.yaml").write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        load_library(fuzz_root)
    except AnkigenError as e:
        assert str(e)


# ---- HTML sanitizing --------------------------------------------------------------------

ATTACKS = [
    '<script>fetch("http://127.0.0.1:8765", {method: "POST", body: "deleteDecks"})</script>',
    '<img src="x.png" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<img src="https://evil.example/track.png">',
    '<iframe src="http://127.0.0.1:8765"></iframe>',
    '<div onclick="x()">d</div>',
    '<svg><script>alert(1)</script></svg>',
    '<style>body{background:url(http://evil/x)}</style>',
    '<link rel="stylesheet" href="http://evil/x.css">',
    '<object data="x"></object><embed src="x">',
    '<form action="http://evil"><input></form>',
    '<meta http-equiv="refresh" content="0;url=http://evil">',
    '<base href="http://evil/">',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="ankigen-1.svg" style="background:url(http://evil)">',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitizer_removes_attacks(attack):
    out = clean_html(attack).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "http:", "https:", "<iframe",
                "<style", "<link", "<object", "<embed", "<form", "<meta", "<base", "data:",
                "style="):
        assert bad not in out, (attack, out)


def test_sanitizer_keeps_what_cards_need():
    html = ('<b>bold</b> <i>it</i> <table><tr><td>1</td></tr></table> '
            '<img src="ankigen-abc.svg" alt="fig"> \\( x < y \\) <ul><li>a</li></ul>')
    out = clean_html(html)
    for keep in ("<b>bold</b>", "<i>it</i>", "<td>1</td>", 'src="ankigen-abc.svg"', "<li>a</li>",
                 r"\( x \lt  y \)"):
        assert keep in out, (keep, out)


@SETTINGS
@given(st.lists(st.sampled_from(ATTACKS + ["text", "<b>", "</b>", "\\(", "\\)", "<", ">", "&",
                                           "<img src=", '"', "'", " on", "load=", "x"]),
                max_size=12).map("".join))
def test_sanitizer_on_random_html(html):
    """Parse what the sanitizer lets through: only allowed tags, no handlers, no URLs with schemes."""
    from html.parser import HTMLParser

    from ankigen.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

    seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.append((tag, attrs))

    Collect().feed(clean_html(html))
    for tag, attrs in seen:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), (tag, name)
            assert ":" not in (value or "").split("/")[0], (tag, name, value)


def test_media_names_are_hashes_and_alt_is_escaped():
    from ankigen.draw import attach, media_name
    from ankigen.model import FigureRequest, Media, RenderedNote

    name = media_name(b"<svg/>")
    assert name.startswith("ankigen-") and "/" not in name and ".." not in name
    note = RenderedNote("p", "problem", "g", "D", (("QuestionFigure", ""),), (), 1, 0,
                        FigureRequest("linear_map", (), "QuestionFigure", '"><script>x</script>', "p"))
    final = attach(note, Media(name, b"<svg/>"))
    assert "<script>" not in final.field("QuestionFigure")


def test_source_paths_in_messages_stay_inside_the_project(tmp_path):
    """A recipe cannot direct output outside its folder."""
    from ankigen.errors import UserError
    from ankigen.recipe import load_recipe

    for bad in ("../x.apkg", "/etc/x.apkg", "sub/x.apkg", ".hidden.apkg", "x.txt", "a\\0b.apkg",
                "a b.apkg", "C:\\\\x.apkg", "x.apkg\\n"):
        p = tmp_path / "r.yaml"
        p.write_text(f"name: X\noutput: '{bad}'\n")
        with pytest.raises(UserError, match="must be a file name ending in .apkg"):
            load_recipe(p)
    _ = Path
