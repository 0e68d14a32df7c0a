"""Stable identity: GUIDs, per-variant random streams, model and deck ids.

Nothing here uses Python's salted hash(); every id comes from SHA-256 of names
that do not change when content changes, so re-imports update notes in place.
"""

from __future__ import annotations

import hashlib


def _digest(*parts: object) -> bytes:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).digest()


def guid(item_id: str, slot: int) -> str:
    """Note GUID from the item id and variant slot only (deck- and content-independent)."""
    import genanki  # noqa: PLC0415 - heavy (pulls in chevron, yaml, sqlite writers); list and validate never need it

    return str(genanki.guid_for("ankigen", item_id, slot))


def variant_seed(seed: int, item_id: str, slot: int) -> int:
    return int.from_bytes(_digest("ankigen-variant", seed, item_id, slot)[:8], "big")


def stable_id(*parts: object) -> int:
    """A positive 63-bit-safe id in Anki's usual range, for decks."""
    return (1 << 30) + int.from_bytes(_digest("ankigen-id", *parts)[:6], "big") % (1 << 40)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Note type ids are fixed forever: changing one makes every existing note a conflict.
MODEL_IDS = {
    "concept": 1_714_000_000_001,
    "problem": 1_714_000_000_002,
    "cloze": 1_714_000_000_003,
}
