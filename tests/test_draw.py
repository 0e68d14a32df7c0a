"""Drawing: every figure kind is used by the sources, and the shared text-metrics cache does not
change a single byte of any figure."""

from __future__ import annotations

import pytest

from ankigen import draw


@pytest.fixture(scope="module")
def one_figure_per_kind(library):
    """The arguments of the first figure of each kind in the sources (problems at seed 1, slot 0)."""
    from ankigen.sample import sample
    from ankigen.solve import solve

    found: dict[str, dict] = {}
    for topic in library.topics:
        for c in topic.concepts:
            if c.figure is not None and c.figure.kind not in found:
                found[c.figure.kind] = dict(draw.figure_args(c.figure, {}, f"concept '{c.id}'"))
        for p in topic.problems:
            if p.figure is not None and p.figure.kind not in found:
                found[p.figure.kind] = dict(draw.figure_args(p.figure, solve(p, sample(p, 1, 0)).namespace(),
                                                         f"problem '{p.id}'"))
    return found


def test_every_kind_is_used_by_a_source(one_figure_per_kind):
    """`ankigen figures` lists the registry: a kind that no note draws is dead code (remove it or use it)."""
    from ankigen.figures import REGISTRY

    assert sorted(set(REGISTRY) - set(one_figure_per_kind)) == []


def test_shared_text_metrics_give_identical_svg(one_figure_per_kind):
    draw.share_text_metrics(False)
    try:
        # measured per figure, as matplotlib does by itself (render_svg would switch sharing on)
        plain = {}
        for kind, args in one_figure_per_kind.items():
            plain[kind] = draw.render_svg(kind, dict(args), share_text=False)
        draw.share_text_metrics(True)
        for _ in range(2):  # the second pass is served from the cache
            for kind, args in one_figure_per_kind.items():
                assert draw.render_svg(kind, dict(args)) == plain[kind], kind
    finally:
        draw.share_text_metrics(True)
