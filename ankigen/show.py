"""Terminal view of one note: fields as readable text."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from ankigen.errors import Variant
from ankigen.model import FinalNote, Media


def html_to_text(html: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", html)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r"<img [^>]*src=\"([^\"]+)\"[^>]*>", r"[figure \1]", text)
    text = re.sub(r"</(li|tr|div)>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return unescape(text).strip()


def format_note(note: FinalNote, raw: bool = False) -> str:
    lines = [f"{note.item_id}  ({note.note_type}, {Variant(note.item_id, note.seed, note.slot).label})",
             f"guid: {note.guid}", f"deck: {note.deck}", f"tags: {' '.join(note.tags)}", ""]
    for name, value in note.fields:
        if not value or name == "Source":
            continue
        body = value if raw else html_to_text(value)
        lines.append(f"── {name} ──")
        lines.append(body)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _is_svg(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(512).lstrip()
    except OSError:
        return False
    return head.startswith((b"<?xml", b"<svg")) and b"<svg" in head


def write_figure(media: Media, path: Path) -> bool:
    """Write the figure, unless `path` holds something other than an SVG figure (then False)."""
    if path.exists() and not _is_svg(path):
        return False
    path.write_bytes(media.data)
    return True
