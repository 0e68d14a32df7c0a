"""Deck recipes: which topics, how many variants, which seed, where to write."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from ankigen.errors import Collector, Issue, UserError
from ankigen.expr import suggest
from ankigen.model import Library, Recipe, Topic
from ankigen.yamlpos import Map, Seq, load_yaml

SAFE_OUTPUT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,100}\.apkg$")
RECIPE_KEYS = {"name", "include", "exclude", "variants", "seed", "output", "description"}
DEFAULT_RECIPE = "ml-math"
MAX_VARIANTS = 100


def display_path(path: Path) -> str:
    """Paths in messages: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_recipe(path: Path) -> Recipe:
    display = display_path(path)
    data = load_yaml(path, display)
    col = Collector()
    if not isinstance(data, Map):
        raise UserError([Issue("a recipe must be a mapping with name, include, variants, seed, output",
                               path=display, line=1, column=1, hint="see decks/ml-math.yaml")])

    def at(key: str | None, msg: str, hint: str) -> None:
        line, column = data.where(key) if key else data.pos
        col.add(msg, path=display, line=line, column=column, hint=hint)

    for key in data:
        if key not in RECIPE_KEYS:
            line, column = data.where_key(key)
            col.add(f"unknown key '{key}' in recipe", path=display, line=line, column=column,
                    hint=suggest(key, sorted(RECIPE_KEYS)) or f"allowed: {', '.join(sorted(RECIPE_KEYS))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or "::" in name:
        at("name" if "name" in data else None, "recipe 'name' must be a deck name without '::'",
           "write name: ML Math")
    globs: dict[str, tuple[str, ...]] = {}
    for key, default in (("include", ("*",)), ("exclude", ())):
        raw = data.get(key)
        if raw is None:
            globs[key] = default
        elif isinstance(raw, Seq) and all(isinstance(g, str) for g in raw):
            globs[key] = tuple(raw)
        else:
            at(key, f"recipe '{key}' must be a list of topic globs", f'write {key}: ["linear-algebra/*"]')
            globs[key] = default
    variants = data.get("variants", 5)
    if not isinstance(variants, int) or isinstance(variants, bool) or not 1 <= variants <= MAX_VARIANTS:
        at("variants", f"recipe 'variants' must be a whole number from 1 to {MAX_VARIANTS}",
           "write variants: 5")
    seed = data.get("seed", 1)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        at("seed", "recipe 'seed' must be a whole number >= 0", "write seed: 1")
    output = data.get("output", f"{path.stem}.apkg")
    if not isinstance(output, str) or not SAFE_OUTPUT.match(output):
        at("output", "recipe 'output' must be a file name ending in .apkg (no folders)",
           f"write output: {path.stem}.apkg (letters, digits, '.', '_' and '-' only)")
    col.raise_if_any()
    return Recipe(str(name), globs["include"], globs["exclude"], int(variants), int(seed),
                  str(output), display)


def select_topics(library: Library, recipe: Recipe) -> tuple[Topic, ...]:
    ids = [t.id for t in library.topics]
    col = Collector()
    for g in (*recipe.include, *recipe.exclude):
        if not any(fnmatch.fnmatchcase(i, g) for i in ids):
            col.add(f"topic pattern '{g}' matches no topic",
                    path=recipe.path, hint=suggest(g, ids) or "run 'ankigen list' to see topic ids")
    col.raise_if_any()
    chosen = tuple(
        t for t in library.topics
        if any(fnmatch.fnmatchcase(t.id, g) for g in recipe.include)
        and not any(fnmatch.fnmatchcase(t.id, g) for g in recipe.exclude)
    )
    if not chosen:
        raise UserError([Issue("the recipe selects no topics", path=recipe.path,
                               hint="check include and exclude; run 'ankigen list'")])
    return chosen
