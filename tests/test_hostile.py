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
    from ankigen.model import FigureSpec, Loc, Media, RenderedNote

    name = media_name(b"<svg/>")
    assert name.startswith("ankigen-") and "/" not in name and ".." not in name
    note = RenderedNote("p", "problem", "g", "D", (("QuestionFigure", ""),), (), 1, 0)
    spec = FigureSpec("linear_map", (), "front", '"><script>x</script>', Loc("p.yaml"))
    final = attach(note, spec, Media(name, b"<svg/>"))
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


# ---- issue 10: active content, generated attacks ------------------------------------------

from html.parser import HTMLParser  # noqa: E402

from ankigen.texsafe import ALLOWED_COMMANDS, field_problems, source_problems  # noqa: E402

# MathJax joins the text around these when it looks for math; every other tag separates it.
_JOINERS = {"wbr": "", "br": "\n"}


def _mathjax_strings(html: str) -> list[str]:
    """The strings MathJax searches for math, from a real HTML parser (an oracle independent of
    texsafe.visible_text): entities decoded, text joined across <wbr>, <br> and comments."""
    parts: list[str] = [""]

    class Walk(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts[-1] += data

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag in _JOINERS:
                parts[-1] += _JOINERS[tag]
            else:
                parts.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag not in _JOINERS:
                parts.append("")

        def handle_startendtag(self, tag: str, attrs: object) -> None:
            self.handle_starttag(tag, attrs)

    walker = Walk(convert_charrefs=True)
    walker.feed(html)
    walker.close()
    return parts


def _commands_mathjax_sees(html: str) -> set[str]:
    import re

    found: set[str] = set()
    for text in _mathjax_strings(html):
        found |= {m.group(1) for m in re.finditer(r"\\(?:([A-Za-z]+)|.)", text) if m.group(1)}
    return found


# Written out here, not taken from texsafe: MathJax 3 commands that link, set CSS or attributes,
# load extensions, define macros or position content (see MathJax's html, bbox, action, color,
# require, newcommand packages and base's \raise/\llap family).
DANGEROUS = sorted({
    "href", "style", "class", "cssId", "html", "unicode", "require", "data", "mmlToken", "def", "let",
    "newcommand", "renewcommand", "newenvironment", "renewenvironment", "DeclareMathOperator",
    "Newextarrow", "ref", "eqref", "bbox", "raise", "lower", "llap", "rlap", "moveleft", "moveright",
    "color", "colorbox", "fcolorbox", "texttip", "mathtip", "toggle", "setOptions",
})
TEX_PIECES = st.sampled_from([
    *(f"\\{c}" for c in DANGEROUS), *(f"&#92;{c}" for c in DANGEROUS),
    *(f"&bsol;{c[0]}<wbr>{c[1:]}" for c in DANGEROUS), *(f"\\{c[0]}<!-- -->{c[1:]}" for c in DANGEROUS),
    "\\frac", "\\alpha", "\\mathbb", "\\operatorname", "\\\\", "\\",
    "{", "}", "[", "]", "x", " ", "\\(", "\\)", "\\[", "\\]", "javascript:alert(1)", "url(//e.example/t.png)",
    "&#92;", "&#x5c;", "&#x5C;", "&bsol;", "&Backslash;", "&#0092;", "<wbr>", "<br>", "<!-- -->", "<b>", "</b>",
    "<span>", "</span>", "h", "ref", "style", "class", "&amp;", "&", ";", "\n", "\\begin{", "\\end{",
    "<< a >>", "<% if a %>", "<% endif %>",
])


@SETTINGS
@given(st.lists(TEX_PIECES, min_size=1, max_size=16).map("".join))
def test_tex_whitelist_on_generated_attacks(text):
    """Whatever passes the load-time and render-time scans contains only allowed commands as
    MathJax will read it: entity-encoded, split by <wbr> or comments, or built by a template."""
    from ankigen.render import clean_html

    final = clean_html(text)
    seen = _commands_mathjax_sees(final)
    safe = not seen & set(DANGEROUS) and seen <= ALLOWED_COMMANDS
    # each gate holds on its own: the load-time scan of the source (static text), and the
    # render-time scan of the final field (what templates produce)
    assert safe or source_problems(text), (text, final, seen - ALLOWED_COMMANDS)
    assert safe or field_problems(final), (text, final, seen - ALLOWED_COMMANDS)


@pytest.mark.parametrize("text", [
    r"\( \href{javascript:alert(1)}{x} \)", r"\( \style{position:fixed}{x} \)", r"&#92;class{x}{y}",
    r"\( \h<wbr>ref{javascript:x}{y} \)", r"\h<!-- -->ref{x}{y}", r"&bsol;unicode{x41}", r"\( \require{html} \)",
    r"\( \def\x{1} \)", r"\( \newcommand{\x}{1} \)", r"\( \cssId{a}{b} \)", r"\( \begin{x}1\end{x} \)",
])
def test_tex_whitelist_refuses_known_attacks(text):
    from ankigen.render import clean_html

    assert source_problems(text) or field_problems(clean_html(text))


def test_tex_whitelist_accepts_ordinary_math():
    ordinary = (r"\( \operatorname{tr}(A) + \mathbb{R}^n \mathcal{L} \boldsymbol{\theta}^\top \odot B"
                r" \circledast C \underbrace{x}_{n} \overset{?}{=} \xrightarrow{f} \lVert x \rVert_2"
                r" \begin{aligned} a &= b \\ c &= d \end{aligned} \begin{bmatrix} 1 \end{bmatrix}"
                r" \begin{cases} 1 & x \gt 0 \end{cases} \begin{array}{cc} 1 & 2 \end{array}"
                r" \frac{\partial f}{\partial x} \sum_{i=1}^{n} \sqrt[3]{x} \hat{y} \tilde{x} \)")
    assert source_problems(ordinary) == [] and field_problems(ordinary) == []


MEDIA_SRCS = st.sampled_from([
    "//evil.example/t.png", "/\\evil.example/t.png", "\\\\evil.example\\t.png", "https://evil.example/t.png",
    "http:x", "javascript:alert(1)", "data:image/png;base64,AA", " //evil", "\t//evil", "&#47;&#47;evil",
    "&#x2F;/evil", "ankigen-1.svg", "fig.png", "../etc/passwd", "C:\\x.png", "file:///etc/passwd",
    "%2F%2Fevil", "ank\u0000igen.svg", "HTTPS://EVIL", "//evil.example/t.png#ankigen-1.svg",
])
ATTRS = st.sampled_from(["src", "SRC", "href", "style", "srcset", "onerror", "xlink:href", "background"])


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["img", "a", "span", "div", "IMG", "image", "svg", "td"]),
                          ATTRS, MEDIA_SRCS, st.sampled_from(['"', "'", ""])), min_size=1, max_size=6))
def test_sanitizer_on_generated_url_attacks(parts):
    """No link and no media that is not a plain local file name survives clean_html."""
    from ankigen.render import MEDIA_NAME, clean_html

    html = "".join(f"<{tag} {attr}={q}{value}{q}>x</{tag}>" for tag, attr, value, q in parts)
    seen: list[tuple[str, str, str | None]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.extend((tag, name, value) for name, value in attrs)

    Collect().feed(clean_html(html))
    for tag, name, value in seen:
        assert name != "href", (html, tag, value)
        if name == "src":
            assert tag == "img" and MEDIA_NAME.fullmatch(value or ""), (html, value)
        assert name in {"src", "alt", "class", "width", "height", "colspan", "rowspan"}, (html, name)


# ---- issue 10: every run bounded in memory, time and output; clear errors -----------------

import os  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402

BASE = Path(__file__).parent / "fixtures" / "base"
MEMORY_LIMIT = 1 << 30  # address space of the whole ankigen process: far below what the attacks ask for


@pytest.fixture()
def small(tmp_path):
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _problem(**parts: str) -> str:
    p = {"derived": 'b: "a + 1"', "question": "What is \\\\( << a >> + 1 \\\\)?",
         "check": '{shown: b, expect: "a + 1"}', **parts}
    return ("title: Case\nproblems:\n  - id: p1\n    params:\n      a: {int: [1, 5]}\n"
            f"    derived:\n      {p['derived']}\n    question: \"{p['question']}\"\n"
            "    answer: \"\\\\( << b >> \\\\)\"\n    solution: Add one.\n"
            f"    check:\n      - {p['check']}\n")


def _run_limited(cwd: Path, *args: str, memory: int = MEMORY_LIMIT) -> subprocess.CompletedProcess:
    """ankigen in a subprocess whose address space is capped by setrlimit."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run([sys.executable, "-m", "ankigen", *args], cwd=cwd, capture_output=True,
                          text=True, preexec_fn=limit, timeout=300, env=env)


MEMORY_ATTACKS = {
    "outer-of-outer": (_problem(check='{shown: b, expect: "a + 1 + sum(outer(outer(linspace(0, 1, 10000), '
                                      'linspace(0, 1, 10000)), linspace(0, 1, 100))) * 0"}'),
                       "outer product of shape 10000x10000 has more than 1000000 entries"),
    "broadcast": (_problem(check='{shown: b, expect: "a + 1 + sum(T(array([linspace(0, 1, 10000)])) '
                                 '* array([linspace(0, 1, 10000)])) * 0"}'),
                  "array of shape 10000x10000 has more than 1000000 entries"),
    "string-repeat": (_problem(question="<< 'x' * 1000000000 >> << a >>"),
                      "a repeated text or list longer than 65536 items"),
    "dec-places": (_problem(question="\\\\( << a|dec(999999999) >> \\\\)"), "|dec(999999999): at most 30 places"),
    "loop-output": (_problem(derived='b: "a + 1"\n      v: "range(10000)"',
                             question="<% for i in v %><% for j in v %>xxxxxxxxxx<% endfor %><% endfor %>"),
                    "the text is longer than 64 KB once rendered"),
}


@pytest.mark.parametrize("name", sorted(MEMORY_ATTACKS))
def test_memory_caps_hold_under_setrlimit(small, name):
    """Each attack would need gigabytes; under a 1 GiB address-space limit the cap's message
    comes out (exit 2), not a MemoryError, a crash or an internal error."""
    source, message = MEMORY_ATTACKS[name]
    (small / "cards_src" / "calculus" / "case.yaml").write_text(source)
    r = _run_limited(small, "check", "--seeds", "1", "-j", "1", "--topics", "calculus/case")
    assert r.returncode == 2, r.stderr
    assert message in r.stdout + r.stderr
    for bad in ("Traceback", "internal error", "MemoryError", "ran out of memory"):
        assert bad not in r.stdout + r.stderr


def test_the_memory_limit_itself_is_real(small):
    """The limit used above does stop a process that allocates what the attacks ask for."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    r = subprocess.run([sys.executable, "-c", "import numpy; numpy.ones((10000, 10000, 2))"],
                       capture_output=True, text=True, preexec_fn=limit, timeout=120)
    assert r.returncode != 0 and "MemoryError" in r.stderr


def test_running_out_of_memory_is_the_items_error():
    """A MemoryError inside an item's work becomes a located error naming the item, seed and slot."""
    from ankigen.bounds import item_limit
    from ankigen.errors import UserError
    from ankigen.load import load_library

    problem = load_library(BASE / "cards_src").topics[0].problems[0]
    with pytest.raises(UserError) as e, item_limit(problem, 7, 3):
        raise MemoryError
    assert str(e.value) == ("cards_src/calculus/good.yaml:7:5: problem 'good-problem': computing the variant "
                            "ran out of memory (seed 7, slot 3); stopped (use smaller sizes: fewer terms, "
                            "smaller matrices and ranges)")


def _package(path: Path, sql: str, extra=None) -> Path:
    db = path.with_suffix(".anki2")
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(db, "collection.anki2")
        if extra:
            extra(zf)
    db.unlink()
    return path


def _zeros(zf: zipfile.ZipFile, megabytes: int = 1100) -> None:
    with zf.open("0", "w", force_zip64=True) as f:
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            f.write(block)


PACKAGES = {
    "zip-bomb": ("create table notes (guid text, flds text);", _zeros,
                 "it unpacks to more than 1024 MB"),
    "endless-view": ("create view notes as with recursive r(guid, flds) as (select 'a', 'b' union all "
                     "select guid || 'x', flds from r) select guid, flds, 0 as mod, 1 as mid, '' as tags, "
                     "1 as id from r;", None,
                     "it has more than 200000 notes or 256 MB of fields"),
    "huge-field": ("create view notes as select 'g' as guid, hex(zeroblob(100000000)) as flds, 0 as mod, "
                   "1 as mid, '' as tags, 1 as id;", None,
                   "is not a valid Anki package: string or blob too big"),
    "null-fields": ("create table notes (id integer, guid text, mid integer, mod integer, tags text, flds text);"
                    " insert into notes values (1, 'g', 1, 0, '', NULL);"
                    " create table col (models text, decks text); insert into col values ('{}', '{}');"
                    " create table cards (nid integer, did integer, odid integer, ord integer);", None,
                    "note 1 has an empty (NULL) or non-text guid or fields"),
}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_diff_reads_hostile_packages_within_bounds(small, name):
    sql, extra, message = PACKAGES[name]
    hostile = _package(small / f"{name}.apkg", sql, extra)
    good = _package(small / "good.apkg", "create table notes (guid text, flds text);")
    start = time.monotonic()
    r = _run_limited(small, "diff", hostile.name, good.name)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert time.monotonic() - start < 60


def test_huge_topic_file_is_refused_before_reading(small):
    huge = small / "cards_src" / "calculus" / "huge.yaml"
    with huge.open("wb") as f:
        f.truncate(5 << 30)  # sparse: 5 GB that take no disk
    start = time.monotonic()
    r = _run_limited(small, "build", "-q", "-o", "out.apkg")
    assert r.returncode == 2, r.stderr
    assert r.stderr == ("cards_src/calculus/huge.yaml: file is larger than 2000000 bytes "
                        "(split it into several topic files)\n")
    assert time.monotonic() - start < 60


def test_unreadable_topic_file_in_a_cached_build(small, monkeypatch, capsys):
    """The cache's manifest reads every source first; an unreadable one is a located error."""
    from ankigen import cli

    (small / "cards_src" / "calculus" / "broken.yaml").symlink_to("/proc/self/mem")  # reads give EIO
    monkeypatch.chdir(small)
    with pytest.raises(SystemExit) as e:
        cli.main(["build", "-q", "-j", "1", "-o", "out.apkg"])
    assert e.value.code == 2
    assert capsys.readouterr().err == ("cards_src/calculus/broken.yaml: cannot read file: Input/output error "
                                       "(check that the file exists and is readable)\n")


@pytest.mark.parametrize("footer, message", [
    ("<% for i in range(200000) %>x<% endfor %>", "template error: range() is longer than 10000"),
    ("<< id.__class__ >>", "template error: access to attribute '__class__' of 'str' object is unsafe."),
    ("<% include 'x' %>", "template error: no loader for this environment specified"),
    ("\\( \\href{javascript:x}{<< id >>} \\)", "TeX command '\\href' is not allowed"),
])
def test_footer_template_errors_name_the_file(small, monkeypatch, capsys, footer, message):
    from ankigen import cli
    from ankigen.paths import bundled_root

    shutil.copytree(bundled_root() / "templates", small / "templates")
    (small / "templates" / "fields" / "source.html").write_text(footer)
    monkeypatch.chdir(small)
    with pytest.raises(SystemExit) as e:
        cli.main(["build", "-q", "-j", "1", "--no-cache", "-o", "out.apkg"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err
    assert err.startswith(f"templates/fields/source.html: rendering for 'good-concept': {message}"), err


def test_unsatisfiable_constraint_is_reported_quickly(small, monkeypatch, capsys):
    """A constraint on a derived value that never holds, with slow draws: stopped after 300
    draws (about a second), not 2000 (a minute)."""
    from ankigen import cli

    (small / "cards_src" / "calculus" / "case.yaml").write_text(
        _problem(derived='b: "a + 1"\n      c: "a - a"')
        .replace("    derived:", "    symbols: [y]\n    constraints: [\"c != 0\"]\n    derived:"))
    monkeypatch.chdir(small)
    monkeypatch.setattr("ankigen.sample.EARLY_SECONDS", 0.0)  # as if these draws were slow
    start = time.monotonic()
    with pytest.raises(SystemExit) as e:
        cli.main(["check", "--seeds", "1", "-j", "1", "--topics", "calculus/case"])
    assert e.value.code == 2
    assert "no parameters satisfied constraint 'c != 0' in 300 draws" in capsys.readouterr().err
    assert time.monotonic() - start < 20
