"""LaTeX/HTML text rules shared by loading (to reject) and rendering (to fix)."""

from __future__ import annotations

import re

MATH_RE = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)
CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.S)


def _brace_balance(s: str) -> int | None:
    """Return 0 if braces balance, the depth otherwise; None if a '}' closes nothing."""
    depth = 0
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return None
        i += 1
    return depth


def latex_problems(text: str) -> list[str]:
    """Unbalanced math delimiters or braces, as human-readable complaints."""
    out: list[str] = []
    pairs = [(r"\(", r"\)"), (r"\[", r"\]")]
    for open_, close in pairs:
        n_open, n_close = text.count(open_), text.count(close)
        if n_open != n_close:
            out.append(f"unbalanced math delimiters: {n_open} '{open_}' but {n_close} '{close}'")
    if text.count("$$") or re.search(r"(?<![\\$])\$(?!\$)", text):
        out.append("'$' math delimiters are not supported by Anki's MathJax; use \\( \\) or \\[ \\]")
    for m in MATH_RE.finditer(text):
        body = m.group(1) if m.group(1) is not None else m.group(2)
        bal = _brace_balance(body)
        if bal:
            out.append(f"unbalanced braces in math '{_short(body)}'")
        elif bal is None:
            out.append(f"a '}}' closes nothing in math '{_short(body)}'")
    return out


def _short(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def cloze_problems(text: str) -> list[tuple[str, str]]:
    """Cloze syntax problems as (what, how to fix)."""
    out: list[tuple[str, str]] = []
    found = list(CLOZE_RE.finditer(text))
    if not found:
        out.append(("cloze text has no deletion like {{c1::...}}",
                    "mark the part to recall as {{c1::...}}"))
    for m in found:
        content = m.group(2)
        answer = content.split("::")[0]
        if _brace_balance(answer) not in (0,):
            out.append((
                f"cloze c{m.group(1)} is cut short by '}}}}' inside its math "
                f"('{_short(content)}')",
                "write '} }' with a space inside math, or keep the math outside the deletion"))
    rest = CLOZE_RE.sub("", text)
    if "{{c" in rest:
        out.append(("a cloze deletion '{{c' is not closed", "close it with '}}'"))
    return out


def escape_math_comparisons(html: str) -> str:
    """Inside \\( \\) and \\[ \\], write < and > as \\lt and \\gt so HTML cannot eat them."""

    def fix(m: re.Match[str]) -> str:
        s = m.group(0)
        head, body, tail = s[:2], s[2:-2], s[-2:]
        body = re.sub(r"<(?!/?(?:br|span)\b)", r"\\lt ", body)
        body = body.replace(">", r"\gt ")
        return head + body + tail

    return MATH_RE.sub(fix, html)
