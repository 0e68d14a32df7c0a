"""Items whose display objects may scroll sideways on a phone: genuinely wide objects
(e.g. a 6 x 6 matrix) that cannot be split into lines. Each scrolls inside its own box."""

WIDE_OK: frozenset[str] = frozenset()
