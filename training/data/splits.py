"""Deterministic grouped splits and group filtering.

Groups are ranked by ``sha256(f"{salt}:{seed}:{group}")`` and taken into dev in that order until
dev holds the wanted share (20%) of the examples (or of the groups): no clock, no global RNG, the
same result on every machine and Python version, and no group on both sides. ``salt`` is the
source name, so sources get independent splits. :data:`SPLIT_SEED` (13) is every loader's
default seed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import datasets

SPLIT_SEED = 13
DEV_FRACTION = 0.2


def _key(group: str, seed: int, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{seed}:{group}".encode()).hexdigest()


def dev_groups(
    groups: Iterable[str],
    fraction: float = DEV_FRACTION,
    seed: int = SPLIT_SEED,
    salt: str = "",
    sizes: Mapping[str, int] | None = None,
) -> set[str]:
    """The groups held out as dev, taken in seeded hash order.

    Without ``sizes``: exactly ``round(fraction * n_groups)`` groups. With ``sizes`` (examples per
    group): groups are added until the dev share of examples is as close as possible to
    ``fraction``. At least one group goes to dev when there are two or more and ``fraction > 0``.
    """
    distinct = sorted(set(groups))
    ranked = sorted(distinct, key=lambda g: _key(g, seed, salt))
    if sizes is None:
        n_dev = round(fraction * len(distinct))
    else:
        total = sum(sizes.get(g, 0) for g in distinct)
        goal = fraction * total
        n_dev, acc = 0, 0
        for g in ranked:
            nxt = acc + sizes.get(g, 0)
            if abs(nxt - goal) > abs(acc - goal):
                break
            acc, n_dev = nxt, n_dev + 1
    if fraction > 0 and n_dev == 0 and len(distinct) >= 2:
        n_dev = 1
    return set(ranked[:n_dev])


def split_rows(
    rows: Sequence[Mapping[str, Any]],
    fraction: float = DEV_FRACTION,
    seed: int = SPLIT_SEED,
    salt: str = "",
    held_out: set[str] | None = None,
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(train, dev) rows split by ``group``: about ``fraction`` of the rows go to dev
    (``held_out`` overrides the dev groups)."""
    if held_out is None:
        held_out = dev_groups((r["group"] for r in rows), fraction, seed, salt,
                              sizes=Counter(r["group"] for r in rows))
    train_rows = [r for r in rows if r["group"] not in held_out]
    dev_rows = [r for r in rows if r["group"] in held_out]
    return train_rows, dev_rows


def exclude_groups(
    ds: datasets.DatasetDict | datasets.Dataset,
    groups: Iterable[str],
    splits: Iterable[str] | None = None,
) -> datasets.DatasetDict | datasets.Dataset:
    """Drop every example whose ``group`` is in ``groups`` (from all splits, or only ``splits``).

    Typical use: ``exclude_groups(load_source("fnc1"), nqs_dev_groups())`` before training on
    FNC-1 when nqs dev figures are reported.
    """
    drop = set(groups)

    def keep(d: datasets.Dataset) -> datasets.Dataset:
        if not drop:
            return d
        return d.select([i for i, g in enumerate(d["group"]) if g not in drop])

    if isinstance(ds, datasets.Dataset):
        return keep(ds)
    only = set(ds) if splits is None else set(splits)
    return datasets.DatasetDict(
        {name: (keep(d) if name in only else d) for name, d in ds.items()})


def shared_groups(dd: datasets.DatasetDict) -> set[str]:
    """Groups found in more than one split of ``dd`` (empty for a leak-free split)."""
    seen: dict[str, str] = {}
    shared: set[str] = set()
    for name, d in dd.items():
        for g in set(d["group"]):
            if g in seen and seen[g] != name:
                shared.add(g)
            seen.setdefault(g, name)
    return shared
