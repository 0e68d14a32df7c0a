"""The library's usual-mistake feedback (issue 12 §2): enough problems carry it, in every area.

How often each mistake coincides with the answer is measured by
benchmarks/mistake_coincidence.py (the generator resamples such draws); the built card's
reaction to each typed mistake is tested by the practice-card tests.
"""

from __future__ import annotations

from collections import Counter


def test_at_least_40_problems_carry_mistakes_in_every_area(library):
    with_mistakes = [p for p in library.problems() if p.mistakes]
    assert len(with_mistakes) >= 40
    per_area = Counter(t.area for t in library.topics for p in t.problems if p.mistakes)
    for area in {t.area for t in library.topics}:
        assert per_area[area] >= 3, area


def test_each_mistake_names_one_error_in_short_plain_text(library):
    for p in library.problems():
        seen = set()
        for m in p.mistakes:
            where = f"{p.id}: {m.message}"
            assert 20 <= len(m.message) <= 220, where
            assert m.message.endswith("."), where
            assert "<<" not in m.message and "\\" not in m.message, where  # shown as plain text
            assert (m.answer, m.value.text) not in seen, where  # one message per wrong value
            seen.add((m.answer, m.value.text))
