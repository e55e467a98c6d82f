"""Bootstrap resampling shared by quote-extraction and classifier evaluation.

Draws come from a seeded NumPy generator, so the same inputs give the same intervals. With
``groups`` (article ids), whole groups are drawn with replacement, each bringing all its members
(a cluster bootstrap): quotes from one article are not independent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

#: Draws per interval; enough for stable 95% bounds to a few tenths of a point.
RESAMPLES = 2000
LEVEL = 0.95
SEED = 13


def resample_indices(n: int, groups: Sequence[Any] | None = None, resamples: int = RESAMPLES,
                     seed: int = SEED) -> Iterator[np.ndarray]:
    """``resamples`` index arrays over ``range(n)``: single items, or whole ``groups``. With
    fewer than two distinct groups there is nothing to resample between, so single items are
    drawn."""
    rng = np.random.default_rng(seed)
    if groups is not None and len(groups) != n:
        raise ValueError(f"{len(groups)} groups for {n} examples")
    if groups is None or len(set(groups)) < 2:
        for _ in range(resamples):
            yield rng.integers(0, n, n)
        return
    members: dict[Any, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    # items ordered group by group; a draw picks groups and expands each to its members
    order = np.array([i for v in members.values() for i in v], dtype=np.int64)
    sizes = np.array([len(v) for v in members.values()], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for _ in range(resamples):
        picked = rng.integers(0, len(sizes), len(sizes))
        n_picked = sizes[picked]
        offsets = np.repeat(starts[picked] - np.cumsum(n_picked) + n_picked, n_picked)
        yield order[offsets + np.arange(n_picked.sum())]


def check_level(level: float) -> None:
    """:class:`ValueError` unless ``0 < level < 1``."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")


def percentile_interval(values: Sequence[float] | np.ndarray,
                        level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` share of ``values`` (a percentile bootstrap interval)."""
    check_level(level)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)
