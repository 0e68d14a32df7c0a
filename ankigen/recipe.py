"""Deck recipes: which topics, how many variants, which seed, where to write.

A recipe comes from a file (or the default one) combined with command-line overrides
(`resolve_recipe`); topic globs pick topics from the library (`select_topics`, `match_topics`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from pathlib import Path

from ankigen.errors import Collector, Issue, UserError
from ankigen.expr import suggest
from ankigen.model import Library, Recipe, Topic
from ankigen.paths import Project
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


def match_topics(library: Library, globs: Sequence[str]) -> tuple[Topic, ...]:
    """The topics any glob matches (all of them without globs); every glob must match one."""
    recipe = Recipe("check", tuple(globs) or ("*",), (), 1, 1, "check.apkg", "--topics")
    return select_topics(library, recipe)


def available_recipes(project: Project) -> list[str]:
    return sorted(p.stem for p in project.recipes.glob("*.yaml"))


def resolve_recipe(project: Project, recipe_arg: str | None = None, *, topics: Sequence[str] = (),
                   variants: int | None = None, seed: int | None = None, output: str | None = None,
                   name: str | None = None) -> tuple[Recipe, Path]:
    """Combine a recipe file (or the default) with command-line overrides; return it and its output path."""
    if recipe_arg is not None:
        path = Path(recipe_arg)
        if not path.exists() and (project.recipes / f"{recipe_arg}.yaml").exists():
            path = project.recipes / f"{recipe_arg}.yaml"
        if not path.exists():
            raise UserError([Issue(f"recipe '{recipe_arg}' not found", hint="give a path to a .yaml recipe or "
                                   f"one of: {', '.join(available_recipes(project))}")])
        recipe = load_recipe(path)
        out_dir = path.parent if not project.bundled else project.output_dir
    else:
        recipe = load_recipe(project.recipes / f"{DEFAULT_RECIPE}.yaml")
        out_dir = project.output_dir
    if topics:
        recipe = Recipe(recipe.name, tuple(topics), (), recipe.variants, recipe.seed,
                        "subset.apkg", "--topics")
    if variants is not None or seed is not None or name is not None:
        recipe = Recipe(name or recipe.name, recipe.include, recipe.exclude,
                        recipe.variants if variants is None else variants,
                        recipe.seed if seed is None else seed, recipe.output, recipe.path)
    out = Path(output) if output else out_dir / recipe.output
    if out.suffix != ".apkg":
        raise UserError([Issue(f"output '{out}' must end in .apkg", hint="e.g. -o decks/my.apkg")])
    return recipe, out
