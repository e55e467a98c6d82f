"""FNC-1 and ARC (FNC-1 format): headline = ``target``, body = ``text``.

Labels: agree→favor, disagree→against, discuss→neutral; ``unrelated`` pairs are dropped by
default (``unrelated="neutral"`` keeps them as neutral). Bodies are long, so ``text`` holds
the body sentences most relevant to the headline (distinct shared content words, the lead
sentence first, original order kept) within ``max_chars`` (default 1500); see
:func:`~newsstance.inference.text_windows.select_relevant`. Bodies within the budget are
kept whole.

No official dev split: bodies holding a seeded 20% of all pairs (unrelated included, so the
split does not depend on ``unrelated``; :data:`~.splits.SPLIT_SEED`, salted with the source name)
are held out, so no body is on both sides; bodies with identical text are kept together.
``group`` is ``fnc1-train-<Body ID>`` (as in nqs article ids) or ``arc-<Body ID>``
(the id VAST rows get when their comment is an ARC body).
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir
from newsstance.inference.text_windows import select_relevant

from .schema import to_dataset
from .splits import SPLIT_SEED, dev_groups

#: FNC-1 (and ARC) label → our stance label; "unrelated" is handled by the ``unrelated`` param.
FNC_LABEL_MAP = {"agree": "favor", "disagree": "against", "discuss": "neutral"}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_fnc_format(
    bodies_path: Path,
    stances_path: Path,
    *,
    source: str,
    group_prefix: str,
    unrelated: Literal["drop", "neutral"] = "drop",
    max_chars: int = 1500,
    dev_fraction: float = 0.2,
    seed: int = SPLIT_SEED,
) -> datasets.DatasetDict:
    """Any FNC-1-format pair of files (``Body ID,articleBody`` and ``Headline,Body ID,Stance``)."""
    if unrelated not in ("drop", "neutral"):
        raise ValueError(f"unrelated must be 'drop' or 'neutral', not {unrelated!r}")
    bodies = {r["Body ID"].strip(): r["articleBody"] for r in _read_csv(bodies_path)}
    # Bodies with the same text share a split key, so a duplicate cannot leak across the split.
    canon: dict[str, str] = {}
    first_by_text: dict[str, str] = {}
    for bid in sorted(bodies, key=lambda b: (len(b), b)):
        canon[bid] = first_by_text.setdefault(" ".join(bodies[bid].split()), bid)
    stances = _read_csv(stances_path)
    keys = Counter(canon[r["Body ID"].strip()] for r in stances)
    held_out = dev_groups(keys, dev_fraction, seed, salt=source, sizes=keys)
    split_rows: dict[str, list[dict[str, Any]]] = {"train": [], "dev": []}
    for i, r in enumerate(stances):
        stance = r["Stance"].strip()
        if stance == "unrelated":
            if unrelated == "drop":
                continue
            label = "neutral"
        else:
            label = FNC_LABEL_MAP[stance]
        bid = r["Body ID"].strip()
        headline = r["Headline"].strip()
        split = "dev" if canon[bid] in held_out else "train"
        split_rows[split].append({
            "id": f"{source}-{i}", "group": f"{group_prefix}{bid}", "source": source,
            "task": "stance", "target": headline,
            "text": select_relevant(bodies[bid], headline, max_chars), "label": label,
        })
    return datasets.DatasetDict({k: to_dataset(v) for k, v in split_rows.items()})


def load_fnc1(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    unrelated: Literal["drop", "neutral"] = "drop",
    max_chars: int = 1500,
    seed: int = SPLIT_SEED,
) -> datasets.DatasetDict:
    """FNC-1 train pairs, split 80/20 by body into train/dev."""
    root = resolve_data_dir(data_dir) / "fnc1"
    return load_fnc_format(root / "train_bodies.csv", root / "train_stances.csv",
                           source="fnc1", group_prefix="fnc1-train-", unrelated=unrelated,
                           max_chars=max_chars, seed=seed)


def load_arc_ukp(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    unrelated: Literal["drop", "neutral"] = "drop",
    max_chars: int = 1500,
    seed: int = SPLIT_SEED,
) -> datasets.DatasetDict:
    """ARC (UKP's FNC-1-format version) train pairs, split 80/20 by comment (body)."""
    root = resolve_data_dir(data_dir) / "arc_ukp"
    return load_fnc_format(root / "arc_bodies.csv", root / "arc_stances_train.csv",
                           source="arc_ukp", group_prefix="arc-", unrelated=unrelated,
                           max_chars=max_chars, seed=seed)
