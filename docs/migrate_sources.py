"""Rewrite topic files written under the old schema (before issue 13) to the one-way schema.

Run it ONCE on each file written under the old rules (e.g. topics merged from an older branch):
    python docs/migrate_sources.py cards_src/area/topic.yaml ...
It removes problems' `title:` lines; turns a concept's `check:` mapping into a one-item list,
adding `tol: 1e-8` (the old concept default) to an lhs/rhs check that had none; on problem
figures drops `side: back` (now the default) and adds `side: front` where none was written
(the old problem default). Running it twice would move such figures, hence once per file.
"""
import re
import sys
from pathlib import Path
from typing import Any

from ankigen.yamlpos import load_yaml


def _drop_title(lines: list[str], item: Any, drop: set[int]) -> None:
    if "title" in item:
        drop.add(item.where_key("title")[0] - 1)


def _figure_side(lines: list[str], fig: Any) -> None:
    if fig.get("side") == "back":
        k = fig.where_key("side")[0] - 1
        lines[k] = re.sub(r",\s*side:\s*back\b", "", lines[k], count=1)
    elif "side" not in fig:
        k = fig.pos[0] - 1
        line = lines[k].rstrip()
        if not line.endswith("}"):
            raise SystemExit(f"{k + 1}: write side: front on this figure by hand")
        lines[k] = line[:-1] + ", side: front}"


def _concept_check(lines: list[str], item: Any, inserts: dict[int, list[str]]) -> None:
    check = item["check"]
    k = item.where_key("check")[0] - 1
    if lines[k].split("#")[0].rstrip() != "    check:":
        raise SystemExit(f"{k + 1}: convert this check by hand (write it as a list: check: [{{...}}])")
    last, j = k, k + 1
    while j < len(lines) and (lines[j].startswith("      ") or not lines[j].strip()):
        last = j if lines[j].strip() else last
        j += 1
    for n in range(k + 1, last + 1):
        if lines[n].strip():
            lines[n] = "      - " + lines[n][6:] if n == k + 1 else "  " + lines[n]
    if "tol" not in check and "lhs" in check:
        inserts.setdefault(last + 1, []).append("        tol: 1e-8")


def convert(path: Path) -> None:
    data = load_yaml(path, str(path))
    lines = path.read_text().split("\n")
    drop: set[int] = set()
    inserts: dict[int, list[str]] = {}
    for item in data.get("problems") or []:
        _drop_title(lines, item, drop)
        if item.get("figure") is not None:
            _figure_side(lines, item["figure"])
    for item in data.get("concepts") or []:
        if isinstance(item.get("check"), dict):
            _concept_check(lines, item, inserts)
    out = []
    for i, line in enumerate(lines):
        out.extend(inserts.get(i, []))
        if i not in drop:
            out.append(line)
    out.extend(inserts.get(len(lines), []))
    path.write_text("\n".join(out))


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        convert(Path(arg))
