"""Where sources, templates and recipes live.

A folder with cards_src/ (the current one, or --src) is a project and wins;
otherwise the copies installed with the package are used (wheel: ankigen/_data,
source checkout: the repository root).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PKG = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Project:
    sources: Path
    templates: Path
    recipes: Path
    output_dir: Path
    bundled: bool


def bundled_root() -> Path:
    data = PKG / "_data"
    if (data / "cards_src").is_dir():
        return data
    return PKG.parent


def find_project(src: Path | None = None, cwd: Path | None = None) -> Project:
    here = (cwd or Path.cwd()).resolve()
    base = bundled_root()
    if src is not None:
        src = src.resolve()
        root = src.parent
        templates = root / "templates" if (root / "templates" / "anki").is_dir() else base / "templates"
        recipes = root / "decks" if (root / "decks").is_dir() else base / "decks"
        return Project(src, templates, recipes, here / "decks", False)
    if (here / "cards_src").is_dir():
        templates = here / "templates" if (here / "templates" / "anki").is_dir() else base / "templates"
        recipes = here / "decks" if (here / "decks").is_dir() else base / "decks"
        return Project(here / "cards_src", templates, recipes, here / "decks", False)
    return Project(base / "cards_src", base / "templates", base / "decks", here / "decks", True)
