"""Mechanical lints over rendered notes: the template glitches a numeric check cannot see.

Each lint reads the fields exactly as the card shows them (after templates and sanitizing),
so it judges what the learner reads: "= X = X", x^{1}, 1x, "+ -", "1 years", 4691/1000
where a decimal is meant, symbols the card never defines, a problem that does not state its
answer form. `ankigen check` runs them on every variant it draws; tests/test_lints.py runs
them over a 10-seed build of the deck and proves each one on a fixture.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ankigen.errors import Variant
from ankigen.model import Concept, FinalNote, Problem
from ankigen.texutil import CLOZE_RE, MATH_RE

# Symbols any card may use without defining them (each is listed in NOTATION.md, "Global symbols").
GLOBAL_SYMBOLS: dict[str, str] = {
    "x": "a real variable (also y, z, t)",
    "y": "a real variable",
    "z": "a real variable",
    "t": "a real variable (time, a parameter)",
    "i": "an index (also j, k)",
    "j": "an index",
    "k": "an index or a count",
    "n": "a count or a dimension (also m)",
    "m": "a count or a dimension",
    "e": "Euler's number",
    "d": "the differential in dx",
    "f": "a function (also g)",
    "g": "a function",
    "A": "a matrix (also B)",
    "B": "a matrix",
    "X": "a random variable (also Y)",
    "Y": "a random variable",
    "\\mathbf{x}": "a vector variable",
    "\\pi": "the constant 3.14159…",
    "\\eta": "the learning rate",
    "L": "a loss",
    "\\mathcal{L}": "a loss or a Lagrangian",
    "\\sigma": "the sigmoid function σ(x)",
    "P": "a probability P(A)",
    "H": "entropy H(X), H(p, q)",
    "D": "a divergence D_KL(p ‖ q)",
    "I": "the identity matrix (I(X; Y) for mutual information)",
    "\\mathcal{N}": "the normal distribution",
}

GREEK = frozenset([
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma", "tau", "upsilon", "phi", "varphi",
    "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
    "Omega"
])

# Words ending in s that are not plurals ("1 is", "1 minus").
NOT_PLURAL = frozenset([
    "is", "was", "has", "does", "plus", "minus", "less", "unless", "its", "this", "thus", "as", "always",
    "us", "bias", "class", "loss", "axis", "basis", "process", "mass", "focus", "status", "across", "yes",
    "gas", "lens", "series", "analysis"
])

# A fraction over 100, 1000, 500 (= 1000/2), … is a decimal in disguise (4691/1000 is 4.691);
# 1/256 or 1/625 (one prime only) are left alone: they are natural exact answers.
DECIMAL_DENOMINATOR_MIN = 100


@dataclass(frozen=True)
class Finding:
    """One lint finding, located at the item's source and the variant that shows it."""

    lint: str
    message: str
    hint: str
    item: str
    path: str | None = None
    line: int | None = None
    seed: int | None = None
    slot: int | None = None
    field: str | None = None

    def format(self) -> str:
        where = f"{self.path}:{self.line}: " if self.path and self.line else (f"{self.path}: " if self.path else "")
        shown = self.seed is not None and self.slot is not None
        variant = f" ({Variant(self.item, self.seed or 0, self.slot or 0).label})" if shown else ""
        field = f", {self.field}" if self.field else ""
        return f"{where}{self.item}{variant}{field}: [{self.lint}] {self.message} (fix: {self.hint})"


# ---- text lints: (lint name, message, hint) for one field --------------------------------

Hit = tuple[str, str, str]


def _visible(field_html: str) -> str:
    """The field as text: tags and cloze markers dropped, entities decoded (math keeps its LaTeX)."""
    return _strip_cloze(html.unescape(re.sub(r"<[^>]+>", " ", field_html)))


def _strip_cloze(text: str) -> str:
    """A cloze deletion {{c1::answer::hint}} reads as its answer (validate forbids '}}' inside it)."""
    return CLOZE_RE.sub(lambda m: " " + m.group(2).split("::")[0] + " ", text)


def math_bodies(text: str) -> Iterator[str]:
    for m in MATH_RE.finditer(text):
        yield m.group(1) if m.group(1) is not None else m.group(2)


def _short(s: str, n: int = 50) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


_BRACED = r"(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|\w)"
_LIMITS = re.compile(r"_\s*" + _BRACED + r"\s*\^\s*" + _BRACED + r"|[|\]]\s*\^\s*" + _BRACED)
_SUBSCRIPT = re.compile(r"_\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|\w)")


def _repeated_value(body: str) -> Iterator[Hit]:
    for line in re.split(r"\\\\", body.replace("&", " ")):
        parts = [" ".join(p.strip(" ,.;").split()) for p in line.split("=")]
        for a, b in zip(parts, parts[1:], strict=False):
            if a and a == b and not a.startswith(("<", ">")):
                yield ("repeated-value", f"'= {_short(a, 30)} = {_short(b, 30)}' shows the same value twice",
                       "drop the repeated step, or show it only when it differs")
                return


_MATH_RULES: tuple[tuple[str, re.Pattern[str], str, str], ...] = (
    ("power-one", re.compile(r"\^\s*(?:\{\s*1\s*\}|1(?![\d.]))"), "a power of one '{m}'",
     "write x, not x^{1}: build the term in 'derived' so sympy simplifies it"),
    ("coefficient-one",
     re.compile(r"(?<![\w.\\^{}])(?:-\s*)?1\s*(?=[A-Za-z]|\\(?:mathbf|boldsymbol|" + "|".join(sorted(GREEK))
                + r")(?![A-Za-z]))"),
     "a coefficient of one '{m}'", "write x, not 1x: use << a|coef >> or build the term in 'derived'"),
    # a plus after _ or ^ is a subscript (x_+ - x_-), not a sum
    ("plus-minus", re.compile(r"(?<![_^])\+\s*[-−]"), "'{m}' (a plus followed by a minus)",
     "use << b|signed >> or build the expression in 'derived'"),
    ("minus-minus", re.compile(r"(?<![-<])[-−]\s*[-−](?![->])"), "'{m}' (two minus signs)",
     "use << b|signed >>, or parenthesize the negative number"),
    ("times-negative", re.compile(r"(?:\\cdot|\\times|·|×)\s*[-−]\s*[\w\\]"),
     "'{m}': a product with a negative number without parentheses",
     "write \\cdot (-3): put the negative factor in \\left( \\right)"),
)


def _math_hits(body: str) -> Iterator[Hit]:
    yield from _repeated_value(body)
    bare = _SUBSCRIPT.sub("_", body)  # indices (x_1, a_{1j}) are not coefficients
    unbounded = _LIMITS.sub(" ", body)  # \int_0^{1} and F(x)\big|_0^{1}: limits, not powers
    for name, pattern, message, hint in _MATH_RULES:
        text = {"coefficient-one": bare, "power-one": unbounded}.get(name, body)
        m = pattern.search(text)
        if m:
            start = max(0, m.start() - 8)
            yield name, message.format(m=_short(text[start:m.end() + 8])), hint
    yield from _decimal_hits(body)


_FRAC = re.compile(r"\\[dt]?frac\{\s*(-?\d+)\s*\}\{\s*(\d+)\s*\}")


def _terminating(den: int) -> bool:
    """A denominator with prime factors 2 and 5 only, both present (100, 500, 1000, 40, …)."""
    twos = fives = 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    return den == 1 and twos > 0 and fives > 0


def _decimal_hits(body: str) -> Iterator[Hit]:
    for m in _FRAC.finditer(body):
        num, den = int(m.group(1)), int(m.group(2))
        if den >= DECIMAL_DENOMINATOR_MIN and _terminating(den):
            yield ("decimal-as-fraction",
                   f"'{m.group(0)}' is the decimal {num / den:g} written as a fraction",
                   "show the decimal: derive round(v, 3) and check it with tol: 1e-3")


_PLURAL = re.compile(r"(?<![\d.,/{-])\b1\s+(?:\\(?:text|mathrm)\{\s*)?([A-Za-z]{3,})\b")


def _plural_hits(text: str) -> Iterator[Hit]:
    for m in _PLURAL.finditer(text):
        word = m.group(1)
        if word.endswith("s") and not word.endswith("ss") and word.lower() not in NOT_PLURAL:
            yield ("plural-after-one", f"'1 {word}' (a plural after one)",
                   "pick the singular when the number is 1, e.g. <% if n == 1 %>year<% else %>years<% endif %>")
            return


def text_hits(field_html: str) -> list[Hit]:
    """Every glitch one rendered field shows, once per lint and message."""
    text = _visible(field_html)
    hits: list[Hit] = []
    for body in math_bodies(text):
        hits.extend(_math_hits(body))
    hits.extend(_plural_hits(text))
    return list(dict.fromkeys(hits))


# ---- symbols --------------------------------------------------------------------------------

_DROP = re.compile(r"\\(?:text|operatorname|mathrm|textbf|textit|begin|end|label)\s*\{[^{}]*\}")
_TOKEN = re.compile(
    r"\\(?P<deco>mathbf|boldsymbol|mathcal|mathbb|hat|bar|tilde|vec)\s*\{\s*(?P<arg>\\?[A-Za-z]+)\s*\}"
    r"|\\(?P<cmd>[A-Za-z]+)"
    r"|(?P<letter>[A-Za-z])")


def _tokens(body: str) -> Iterator[tuple[str, int]]:
    """Symbols in one math body, with the offset just past each."""
    for m in _TOKEN.finditer(body):
        if m.group("deco"):
            if m.group("deco") == "mathbb":
                continue  # number sets and the expectation are conventions
            yield f"\\{m.group('deco')}{{{m.group('arg')}}}", m.end()
        elif m.group("cmd"):
            if m.group("cmd") in GREEK:
                yield "\\" + m.group("cmd"), m.end()
        else:
            yield m.group("letter"), m.end()


_DEFINES_AFTER = re.compile(r"\s*(?:'\s*)*(?:\([^()]*\)\s*)?(?:=|\\in\b|\\sim\b|:=|\\coloneqq)")
_LIST_DEFINED = re.compile(r"^\s*((?:[^=,]+,\s*)+[^=,]+?)\s*(?:=|\\in\b|\\sim\b)")


_BINDERS = re.compile(r"\\\{\s*((?:[^{}:|]|\{[^{}]*\})+?)\s*(?::|\\mid)"
                      r"|\\(?:forall|exists)\s*(\\?[A-Za-z]+(?:\{\w+\})?)")


def _clean_math(body: str) -> str:
    return _SUBSCRIPT.sub(" ", _DROP.sub(" ", body))


def defined_by_text(text: str) -> set[str]:
    """Symbols the text itself defines: 'A = …', 'f(x, y) = …', 'X \\sim …', 'a, b \\in …'."""
    out: set[str] = set()
    for body in math_bodies(text):
        clean = _clean_math(body)
        for sym, end in _tokens(clean):
            if _DEFINES_AFTER.match(clean, end):
                out.add(sym)
        m = _LIST_DEFINED.match(clean)
        if m:
            out.update(s for s, _ in _tokens(m.group(1)))
        for bound in _BINDERS.finditer(clean):  # {z : …}, \forall x, \exists y bind their variable
            out.update(s for s, _ in _tokens(bound.group(1) or bound.group(2)))
    return out


def _norm(symbol: str) -> str:
    return re.sub(r"\s+", "", symbol)


def _declared(symbol: str) -> str:
    """A declared symbol read as the text's are: 'r_{nk}', "\\alpha'", 'p^*' define r, \\alpha, p."""
    base = next(_tokens(_clean_math(symbol)), None)
    return _norm(base[0] if base else symbol)


def undefined_symbols(text: str, defines: Iterable[str]) -> list[str]:
    """Symbols used in the text's math that it neither defines nor takes from the conventions."""
    text = _strip_cloze(text)
    known = {_declared(s) for s in (*GLOBAL_SYMBOLS, *defines)} | defined_by_text(text)
    seen: dict[str, None] = {}
    for body in math_bodies(text):
        for sym, _ in _tokens(_clean_math(body)):
            if _norm(sym) not in known:
                seen.setdefault(sym)
    return list(seen)


# ---- notes and items --------------------------------------------------------------------------

QUESTION_FIELDS = {"problem": "Question", "concept": "Front", "cloze": "Text"}
LINTED_FIELDS = ("Question", "Answer", "Solution", "Front", "Back", "Text", "Extra")


def lint_note(note: FinalNote, item: Concept | Problem) -> list[Finding]:
    """Every finding on one rendered note."""
    kind = "problem" if isinstance(item, Problem) else "concept"
    where = {"item": f"{kind} '{item.id}'", "path": item.loc.path, "line": item.loc.line}
    variant = {"seed": note.seed, "slot": note.slot} if isinstance(item, Problem) else {}
    fields = dict(note.fields)
    out: list[Finding] = []
    for name in LINTED_FIELDS:
        if name in fields:
            for lint, message, hint in text_hits(fields[name]):
                out.append(Finding(lint, message, hint, field=name, **where, **variant))  # type: ignore[arg-type]
    question = QUESTION_FIELDS[note.note_type]
    text = _visible(fields.get(question, ""))
    for sym in undefined_symbols(text, item.defines):
        out.append(Finding("undefined-symbol", f"'{sym}' is used but not defined on the card",
                           f"define it in the text and add it to defines: ['{sym}'], or use a global "
                           "symbol (NOTATION.md, Global symbols)",
                           field=question, **where, **variant))  # type: ignore[arg-type]
    return out


def lint_item(item: Concept | Problem) -> list[Finding]:
    """Findings about the source item itself (not a rendering of it)."""
    if isinstance(item, Problem) and not item.form:
        return [Finding("answer-form", "the problem does not say its answer's form",
                        "add form: e.g. integer, exact fraction, decimal, 3 places, a vector of exact fractions",
                        f"problem '{item.id}'", item.loc.path, item.loc.line)]
    return []


def form_mismatch(note: FinalNote, problem: Problem) -> list[Finding]:
    """A problem whose form asks for decimals but whose answer shows a fraction."""
    if "decimal" not in problem.form.lower():
        return []
    answer = _visible(note.field("Answer"))
    for body in math_bodies(answer):
        m = _FRAC.search(body)
        if m:
            return [Finding("decimal-as-fraction",
                            f"the form says '{problem.form}' but the answer shows '{m.group(0)}'",
                            "derive round(v, 3) and show it, checked with tol: 1e-3",
                            f"problem '{problem.id}'", problem.loc.path, problem.loc.line,
                            note.seed, note.slot, "Answer")]
    return []


LINTS = ("repeated-value", "power-one", "coefficient-one", "plus-minus", "minus-minus", "times-negative",
         "plural-after-one", "decimal-as-fraction", "undefined-symbol", "answer-form")


def distinct(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per item, field, lint and message (the first variant that shows it)."""
    seen: dict[tuple[str, str | None, str, str], Finding] = {}
    for f in findings:
        seen.setdefault((f.item, f.field, f.lint, f.message), f)
    return list(seen.values())
