"""Reading what a learner typed: normalise, tokenise, parse and evaluate, with no eval.

This is the Python reference of the reader in templates/anki/practice.js; the two
must agree on every input (tests/test_practice_js.py compares them). A parse gives a
small tuple tree; evaluating it gives a float or a `("list", bracket, items)` tuple.
IEEE semantics are kept explicitly (1/0 = inf, sqrt(-1) = nan) so that Python and
JavaScript give the same numbers where Python would raise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

MAX_CHARS = 300
MAX_DEPTH = 40
FUNCS = ("sqrt", "exp", "ln", "log", "log2", "log10", "sin", "cos", "tan", "abs")
CONSTS = {"pi": math.pi, "π": math.pi, "e": math.e}
CLOSE = {"(": ")", "[": "]", "{": "}"}
_NUM = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True))
_REPLACE = {"。": ".", "．": ".", "，": ",", "、": ",", "−": "-", "–": "-",
            "×": "*", "·": "*", "⋅": "*", "÷": "/", "⁄": "/"}
_SPACES = " \t\n\r\f\v\u200b\ufeff"
_OPS = "+-*/^()[]{},√"

Node = tuple[Any, ...]
Value = Any  # float | ("list", bracket, [Value, ...])


class AnswerError(Exception):
    """What was typed cannot be read; the message is shown to the learner."""


def normalise(text: str) -> str:
    """Superscripts → ^(…), NFKC, CJK/Unicode punctuation → ASCII, no spaces."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] in _SUPER:
            j = i
            while j < len(text) and text[j] in _SUPER:
                j += 1
            out.append("^(" + "".join(_SUPER[c] for c in text[i:j]) + ")")
            i = j
        else:
            out.append(text[i])
            i += 1
    s = unicodedata.normalize("NFKC", "".join(out))
    return "".join(_REPLACE.get(c, c) for c in s if c not in _SPACES)


def _is_letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z" or c == "π"


def _split_word(word: str, known: set[str]) -> list[str]:
    """Greedy longest-match split of a run of letters into known names ('2pix' → pi, x)."""
    parts: list[str] = []
    p = 0
    while p < len(word):
        q = len(word)
        while q > p and word[p:q] not in known:
            q -= 1
        if q == p:
            raise AnswerError(f"unknown name '{word}'")
        parts.append(word[p:q])
        p = q
    return parts


def tokenize(s: str, names: list[str]) -> list[tuple[str, str]]:
    """Tokens ('num' | 'name' | 'op', text); '**' becomes '^'."""
    known = set(FUNCS) | set(CONSTS) | set(names)
    toks: list[tuple[str, str]] = []
    i = 0
    while i < len(s):
        c = s[i]
        m = _NUM.match(s, i)
        if m:
            toks.append(("num", m.group()))
            i = m.end()
        elif c == "*" and s.startswith("**", i):
            toks.append(("op", "^"))
            i += 2
        elif c in _OPS:
            toks.append(("op", c))
            i += 1
        elif _is_letter(c):
            j = i
            while j < len(s) and _is_letter(s[j]):
                j += 1
            k = j
            while k < len(s) and "0" <= s[k] <= "9":
                k += 1
            if k > j and s[i:k] in known:
                toks.append(("name", s[i:k]))
                i = k
                continue
            toks.extend(("name", w) for w in _split_word(s[i:j], known))
            i = j
        else:
            raise AnswerError(f"unexpected character '{c}'")
    return toks


class _Parser:
    def __init__(self, toks: list[tuple[str, str]], names: list[str]) -> None:
        self.toks, self.names, self.i, self.depth = toks, names, 0, 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise AnswerError("unexpected end")
        self.i += 1
        return tok

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise AnswerError("too deeply nested")

    def top(self) -> Node:
        items = self.items()
        tok = self.peek()
        if tok is not None:
            raise AnswerError(f"unexpected '{tok[1]}'")
        return items[0] if len(items) == 1 else ("list", "", items)

    def items(self) -> list[Node]:
        out = [self.expr()]
        while self.peek() == ("op", ","):
            self.i += 1
            out.append(self.expr())
        return out

    def expr(self) -> Node:
        self.enter()
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = ("bin", op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            tok = self.peek()
            if tok in (("op", "*"), ("op", "/")):
                self.i += 1
                node = ("bin", tok[1], node, self.unary())
            elif tok is not None and (tok[0] == "name" or tok in (("op", "("), ("op", "√"))):
                node = ("bin", "*", node, self.power())  # implicit product: 2x, x(x+1)
            elif tok is not None and tok[0] == "num":
                raise AnswerError(f"unexpected number '{tok[1]}'")
            else:
                return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok in (("op", "-"), ("op", "+")):
            self.i += 1
            self.enter()
            node = self.unary()
            self.depth -= 1
            return ("neg", node) if tok == ("op", "-") else node
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.peek() == ("op", "^"):
            self.i += 1
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return ("bin", "^", base, exponent)
        return base

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "name":
            return self.name(text)
        if text == "√":
            self.enter()
            node = self.power()
            self.depth -= 1
            return ("fn", "sqrt", node)
        if text in CLOSE:
            self.enter()
            if self.peek() == ("op", CLOSE[text]):
                raise AnswerError("empty brackets")
            items = self.items()
            self.expect(CLOSE[text])
            self.depth -= 1
            return items[0] if text == "(" and len(items) == 1 else ("list", text, items)
        raise AnswerError(f"unexpected '{text}'")

    def name(self, text: str) -> Node:
        if text in FUNCS:
            if self.peek() != ("op", "("):
                raise AnswerError(f"write {text}(…) with parentheses")
            self.i += 1
            self.enter()
            node = self.expr()
            self.expect(")")
            self.depth -= 1
            return ("fn", text, node)
        if text in self.names:
            return ("var", text)
        return ("num", CONSTS[text])

    def expect(self, close: str) -> None:
        if self.peek() != ("op", close):
            raise AnswerError(f"missing '{close}'")
        self.i += 1


def parse(s: str, names: list[str] | tuple[str, ...] = ()) -> Node:
    """Parse a normalised string; `names` are the variables allowed (kind expr)."""
    if len(s) > MAX_CHARS:
        raise AnswerError("too long")
    if not s:
        raise AnswerError("unexpected end")
    return _Parser(tokenize(s, list(names)), list(names)).top()


def _odd_integer(b: float) -> bool:
    return math.isfinite(b) and b == math.floor(b) and math.fmod(b, 2) != 0


def ipow(a: float, b: float) -> float:
    """JavaScript's Math.pow (IEEE), where Python's math.pow raises or differs."""
    if math.isnan(b) or (abs(a) == 1 and math.isinf(b)):
        return math.nan
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0 and _odd_integer(b) else math.inf
    except ValueError:
        if a == 0:  # 0 ** negative
            return -math.inf if math.copysign(1, a) < 0 and _odd_integer(b) else math.inf
        return math.nan


def idiv(a: float, b: float) -> float:
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1, b)


def _log(f: Any) -> Any:
    def g(x: float) -> float:
        if x < 0:
            return math.nan
        return -math.inf if x == 0 else f(x)
    return g


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _trig(f: Any) -> Any:
    return lambda x: math.nan if math.isinf(x) else f(x)


FN = {"sqrt": lambda x: math.nan if x < 0 else math.sqrt(x), "exp": _exp,
      "ln": _log(math.log), "log": _log(math.log), "log2": _log(math.log2),
      "log10": _log(math.log10), "sin": _trig(math.sin), "cos": _trig(math.cos),
      "tan": _trig(math.tan), "abs": abs}


def _scalar(v: Value) -> float:
    if isinstance(v, tuple):
        raise AnswerError("cannot compute with a list")
    return float(v)


def evaluate(node: Node, env: dict[str, float]) -> Value:
    """Evaluate a tree at a point; arithmetic is on numbers only."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        return float(env[node[1]])
    if kind == "neg":
        return -_scalar(evaluate(node[1], env))
    if kind == "fn":
        return float(FN[node[1]](_scalar(evaluate(node[2], env))))
    if kind == "list":
        return ("list", node[1], [evaluate(x, env) for x in node[2]])
    a, b = _scalar(evaluate(node[2], env)), _scalar(evaluate(node[3], env))
    op = node[1]
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return idiv(a, b) if op == "/" else ipow(a, b)
