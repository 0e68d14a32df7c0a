"""Load stage: cards_src/**/*.yaml → a validated Library, every mistake collected, then one error.

This module assembles the library (areas, topic files, ids unique across files, prerequisites
known, acyclic and in order); the items themselves are read by load_concept and load_problem,
from the shared checks of load_shape (keys, types) and load_checks (names, templates, order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ankigen import expr as E
from ankigen.errors import Collector, Issue, UserError
from ankigen.load_checks import dependency_order
from ankigen.load_concept import load_concept
from ankigen.load_problem import load_problem
from ankigen.load_shape import ID_RE, Ctx, check_keys, text, text_list, type_name
from ankigen.model import Area, Concept, Library, Loc, Problem, Topic
from ankigen.yamlpos import Map, Seq, load_yaml

TOPIC_KEYS = {"title": True, "requires": False, "concepts": False, "problems": False}
AREA_KEYS = {"title": True}


def _load_areas(root: Path, col: Collector) -> list[Area]:
    path = root / "areas.yaml"
    display = _display(path, root)
    ctx = Ctx(col, display)
    if not path.exists():
        col.issues.append(Loc(display).issue("missing areas.yaml", hint="list the areas in curriculum order"))
        return []
    try:
        data = load_yaml(path, display)
    except UserError as e:
        col.extend(e.issues)
        return []
    if not isinstance(data, Map):
        ctx.at(None, "areas.yaml must map area ids to {title: ...}", "see the README")
        return []
    areas = []
    for aid, spec in data.items():
        if not ID_RE.match(aid):
            ctx.at(data.where_key(aid), f"area id '{aid}' is not lowercase-with-dashes",
                   "rename the area folder and entry")
        if not isinstance(spec, Map):
            ctx.at(data.where(aid), f"area '{aid}' must be a mapping like {{title: ...}}",
                   "write title: Linear Algebra")
            continue
        check_keys(ctx, spec, AREA_KEYS, f"area '{aid}'")
        title = text(ctx, spec, "title")
        if title:
            areas.append(Area(aid, title))
    return areas


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _require_source_root(root: Path) -> None:
    """Refuse a folder that is not a source tree before walking it (`--src /`)."""
    if not root.is_dir():
        raise UserError([Issue(f"source folder '{root}' does not exist",
                               hint="run from a project with cards_src/ or pass --src")])
    if not (root / "areas.yaml").is_file():
        raise UserError([Issue(f"'{root}' is not an ankigen source folder: it has no areas.yaml",
                               hint="pass --src the cards_src folder of a project")])


def scan_library(root: Path) -> list[dict[str, Any]]:
    """Topic files parsed as plain YAML only (fast: for listing); YAML errors are still reported."""
    col = Collector()
    _require_source_root(root)
    areas = [a.id for a in _load_areas(root, col)]
    out = []
    for path in sorted(p for p in root.glob("*/*.yaml") if p.is_file()):
        display = _display(path, root)
        try:
            data = load_yaml(path, display)
        except UserError as e:
            col.extend(e.issues)
            continue
        if isinstance(data, dict) and path.parent.name in areas:
            out.append({**data, "id": f"{path.parent.name}/{path.stem}", "area": path.parent.name})
    col.raise_if_any()
    return sorted(out, key=lambda t: (areas.index(t["area"]), t["id"]))


def load_library(root: Path) -> Library:
    """Load every topic under `root` (a cards_src folder), or raise one UserError with all issues."""
    col = Collector()
    _require_source_root(root)
    areas = _load_areas(root, col)
    area_ids = [a.id for a in areas]
    topics: list[Topic] = []
    seen_ids: dict[str, str] = {}
    files = sorted(p for p in root.glob("*/*.yaml") if p.is_file())
    for extra in sorted(root.glob("**/*.yml")):
        col.issues.append(Loc(_display(extra, root)).issue("source files must end in .yaml", hint="rename it to .yaml"))
    for path in files:
        display = _display(path, root)
        area = path.parent.name
        if area not in area_ids:
            col.issues.append(Loc(display).issue(f"area '{area}' is not listed in areas.yaml",
                                                 hint=E.suggest(area, area_ids) or "add it to cards_src/areas.yaml"))
            continue
        topic = _load_topic(Ctx(col, display), path, area, seen_ids)
        if topic is not None:
            topics.append(topic)
    ordered = _prerequisite_order(col, topics, area_ids)
    col.raise_if_any()
    return Library(str(root), tuple(areas), tuple(ordered))


def _requires(ctx: Ctx, data: Map) -> tuple[str, ...]:
    raw = text_list(ctx, data, "requires", "topic ids", "write requires: [linear-algebra/vectors]")
    return () if raw is None else tuple(raw)


def _item_id(ctx: Ctx, item: Any, pos: tuple[int, int], kind: str, seen_ids: dict[str, str]) -> str | None:
    """The item's id if it is a well-formed mapping with a new id; reported otherwise."""
    if not isinstance(item, Map):
        ctx.at(pos, f"each {kind} must be a mapping, got {type_name(item)}", f"start the {kind} with '- id: ...'")
        return None
    item_id = item.get("id")
    if not isinstance(item_id, str) or not ID_RE.match(item_id):
        ctx.at(item.where("id") if "id" in item else pos,
               f"{kind} id {item_id!r} is missing or not lowercase-with-dashes", "write id: like-this-2x2")
        return None
    if item_id in seen_ids:
        ctx.at(item.where("id"), f"duplicate id '{item_id}' (first defined in {seen_ids[item_id]})",
               "ids must be unique across all sources; rename one")
        return None
    seen_ids[item_id] = ctx.path
    return item_id


def _items(ctx: Ctx, data: Map, key: str, topic_id: str, seen_ids: dict[str, str]) -> list[Any]:
    """The concepts or problems of one topic file."""
    kind = key[:-1]
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, Seq):
        ctx.at(data.where(key), f"'{key}' must be a list, got {type_name(items)}",
               f"write each {kind} as a '- id: ...' list item")
        return []
    loader = load_concept if key == "concepts" else load_problem
    out = []
    for i, item in enumerate(items):
        item_id = _item_id(ctx, item, items.where(i), kind, seen_ids)
        if item_id is not None:
            out.append(loader(ctx.for_item(kind, item_id), item, topic_id))
    return out


def _load_topic(ctx: Ctx, path: Path, area: str, seen_ids: dict[str, str]) -> Topic | None:
    name = path.stem
    if not ID_RE.match(name):
        ctx.at(None, f"topic file name '{name}' is not lowercase-with-dashes",
               "rename the file, e.g. eigen-values.yaml")
    try:
        data = load_yaml(path, ctx.path)
    except UserError as e:
        ctx.col.extend(e.issues)
        return None
    if not isinstance(data, Map):
        ctx.at((1, 1), f"a topic file must be a mapping, got {type_name(data)}", "start the file with 'title: ...'")
        return None
    check_keys(ctx, data, TOPIC_KEYS, "topic")
    title = text(ctx, data, "title") or name
    requires = _requires(ctx, data)
    topic_id = f"{area}/{name}"
    concepts: list[Concept] = _items(ctx, data, "concepts", topic_id, seen_ids)
    problems: list[Problem] = _items(ctx, data, "problems", topic_id, seen_ids)
    requires_loc = ctx.loc(data.where("requires") if "requires" in data else data.pos)
    return Topic(topic_id, area, title, ctx.path, requires, tuple(concepts), tuple(problems), requires_loc)


def _prerequisite_order(col: Collector, topics: list[Topic], area_order: list[str]) -> list[Topic]:
    """Topics after their prerequisites, ties broken by area order, then id (deterministic);
    unknown prerequisites and a cycle are reported."""
    ids = [t.id for t in topics]
    by_id = {t.id: t for t in topics}
    for t in topics:
        loc = t.requires_loc or Loc(t.path)
        for r in t.requires:
            if r not in by_id:
                col.issues.append(loc.issue(f"topic '{t.id}' requires unknown topic '{r}'",
                                            hint=E.suggest(r, ids) or "use an id like area/topic"))
            if r == t.id:
                col.issues.append(loc.issue(f"topic '{t.id}' requires itself", hint="remove it from requires"))
    order, cycle = dependency_order(
        ids, lambda n: [r for r in by_id[n].requires if r in by_id and r != n],
        lambda n: (area_order.index(by_id[n].area), n))
    if cycle:
        last = by_id[cycle[-2]]
        col.issues.append((last.requires_loc or Loc(last.path)).issue(
            f"prerequisite cycle: {' -> '.join(cycle)}", hint="remove one of these requires"))
    return [by_id[n] for n in order]
