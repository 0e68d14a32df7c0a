"""Safe YAML loading that remembers where every key and value came from.

Sources are data: only plain YAML types are accepted (no Python tags, no
anchors), and every mapping keeps line/column marks so errors can point at
the exact spot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ankigen.errors import Loc, UserError

Pos = tuple[int, int]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
MAX_BYTES = 2_000_000
MAX_DEPTH = 100  # levels of nested mappings and lists
_LEADING = re.compile(r"(?m)^[ \t?:-]*")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# libyaml's parser when PyYAML has it (same safe constructors, several times faster)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Map(dict[str, Any]):
    """A dict that knows the position of itself, its keys and its values."""

    pos: Pos = (0, 0)
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]

    def where(self, key: str | None = None) -> Pos:
        if key is not None and key in self.value_pos:
            return self.value_pos[key]
        return self.pos

    def where_key(self, key: str) -> Pos:
        return self.key_pos.get(key, self.pos)


class Seq(list[Any]):
    """A list that knows the position of itself and its items."""

    pos: Pos = (0, 0)
    item_pos: list[Pos]

    def where(self, index: int) -> Pos:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _mark(node: yaml.Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    def __init__(self, path: str):
        self.path = path
        self.seen: set[int] = set()
        self.constructor = yaml.SafeLoader("")  # scalar resolution only

    def fail(self, node: yaml.Node, message: str, hint: str) -> UserError:
        line, col = _mark(node)
        return Loc(self.path, line, col).error(message, hint=hint)

    def convert(self, node: yaml.Node) -> Any:
        if id(node) in self.seen:
            raise self.fail(
                node,
                "YAML anchors and aliases are not supported",
                "write the value out in full",
            )
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self._bad_tag(node)
            out = Map()
            out.pos = _mark(node)
            out.key_pos, out.value_pos = {}, {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, "YAML merge keys ('<<:') are not supported",
                                    "write the keys out in full")
                key = self.convert(key_node)
                if not isinstance(key, str):
                    raw = getattr(key_node, "value", key)
                    raise self.fail(key_node, f"mapping key '{raw}' is read by YAML as {key!r}, not as text",
                                    f"quote it: '{raw}':")
                if key in out:
                    raise self.fail(key_node, f"duplicate key '{key}'",
                                    "remove one of the two entries")
                out[key] = self.convert(value_node)
                out.key_pos[key] = _mark(key_node)
                out.value_pos[key] = _mark(value_node)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._bad_tag(node)
            seq = Seq(self.convert(n) for n in node.value)
            seq.pos = _mark(node)
            seq.item_pos = [_mark(n) for n in node.value]
            return seq
        assert isinstance(node, yaml.ScalarNode)
        if node.tag == "tag:yaml.org,2002:str":  # most scalars: the constructor would return this
            return node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)
        if node.tag not in _SCALAR_TAGS:
            raise self._bad_tag(node)
        return _scalar(self.constructor, node, self.fail)

    def _bad_tag(self, node: yaml.Node) -> UserError:
        return self.fail(
            node,
            f"YAML tag '{node.tag}' is not allowed",
            "sources are plain data: remove the tag",
        )


def read_capped(path: Path, display: str, limit: int = MAX_BYTES) -> bytes:
    """A file's bytes, refusing it before reading when it is larger than `limit`."""
    try:
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size > limit:
                raise Loc(display).error(f"file is larger than {limit} bytes", hint="split it into several topic files")
            raw = f.read(limit + 1)  # a file that grows while read, or a device, still stops
    except OSError as e:
        raise Loc(display).error(f"cannot read file: {e.strerror or e}",
                                 hint="check that the file exists and is readable") from e
    if len(raw) > limit:
        raise Loc(display).error(f"file is larger than {limit} bytes", hint="split it into several topic files")
    return raw


def _nesting_problem(text: str, display: str) -> UserError | None:
    """Nesting deeper than MAX_DEPTH, located; libyaml's composer recurses in C and would crash.

    A cheap bound (brackets and leading indentation) skips the exact event scan for normal files.
    """
    brackets = re.sub(r"[^\[\]{}]", "", text)
    depth = bound = 0
    for ch in brackets:
        depth = depth + 1 if ch in "[{" else max(depth - 1, 0)
        bound = max(bound, depth)
    bound += max((len(m) for m in _LEADING.findall(text)), default=0)
    if bound <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                mark = event.start_mark
                if depth > MAX_DEPTH and mark is not None:
                    return Loc(display, mark.line + 1, mark.column + 1).error(
                        f"YAML is nested more than {MAX_DEPTH} levels deep", hint="flatten the structure")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # a syntax error: composing reports it with its location
    return None


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def load_yaml(path: Path, display: str) -> Any:
    """Parse one YAML file into Map/Seq/scalars, or raise UserError with a location."""
    raw = read_capped(path, display)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Loc(display).error("file is not valid UTF-8", hint="save it with UTF-8 encoding") from e
    bad = _CONTROL.search(text)
    if bad:
        at = _position(text, bad.start())
        raise Loc(display, *at).error(f"the file contains the control character U+{ord(bad.group()):04X}",
                                      hint="delete it")
    nesting = _nesting_problem(text, display)
    if nesting is not None:
        raise nesting
    try:
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            # the pure-Python parser words its errors better; errors are rare, so parse again
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = e.problem or "syntax error"
        if e.context:
            what = f"{e.context}, {what}"
        raise Loc(display, line, col).error(f"YAML syntax error: {what}",
                                           hint="fix the YAML syntax at this spot") from e
    except yaml.YAMLError as e:
        raise Loc(display).error(f"YAML error: {e}", hint="fix the YAML syntax") from e
    if node is None:
        return None
    return _Converter(display).convert(node)


def _scalar(constructor: Any, node: yaml.ScalarNode, fail: Any) -> Any:
    try:
        return constructor.construct_object(node, deep=True)
    except ValueError as e:  # an integer over 4300 digits, a bad date, ...
        raise fail(node, f"cannot read the value: {str(e).split(';')[0]}",
                   "use a shorter number, or quote it to make it text") from e
