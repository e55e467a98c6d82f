"""VAST (zero/few-shot stance toward free-text topics): dev only.

This copy has columns ``Tweet,Target 1,Stance 1,seen?`` (a comment, its topic, FAVOR/AGAINST/NONE,
and 0 = zero-shot topic / 1 = few-shot). Labels: FAVOR→favor, AGAINST→against, NONE→neutral.
The result has only a ``"dev"`` split. ``zero_shot=True`` keeps only zero-shot rows,
``zero_shot=False`` only few-shot rows, ``None`` (default) all; the flag also stays readable in
each ``id`` (``vast-dev-<row>-zs`` / ``-fs``).

The comments are NYT "Room for Debate" comments, and most are also ARC bodies: a comment whose
text equals an ARC body gets group ``arc-<Body ID>`` (the ARC loader's group), so
``exclude_groups(load_source("arc_ukp"), vast_groups)`` removes them from ARC training. Other
comments get ``vast-<sha1 of the comment>[:12]`` (one comment, several topics: one group).
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir

from .schema import to_dataset

SOURCE = "vast"
LABEL_MAP = {"FAVOR": "favor", "AGAINST": "against", "NONE": "neutral"}


def _norm(text: str) -> str:
    return " ".join(text.split())


def arc_body_ids(root: Path) -> dict[str, str]:
    """Normalised ARC body text → Body ID (empty when the ARC folder is absent)."""
    path = root / "arc_ukp" / "arc_bodies.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {_norm(r["articleBody"]): r["Body ID"].strip() for r in csv.DictReader(fh)}


def load_vast(
    data_dir: str | os.PathLike[str] | None = None, *, zero_shot: bool | None = None
) -> datasets.DatasetDict:
    """VAST dev as ``DatasetDict({"dev": ...})``, optionally only zero-shot or few-shot rows."""
    root = resolve_data_dir(data_dir)
    arc = arc_body_ids(root)
    rows = []
    with (root / "vast" / "vast_dev.csv").open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            zs = r["seen?"].strip() == "0"
            if zero_shot is not None and zs != zero_shot:
                continue
            text = r["Tweet"].strip()
            norm = _norm(text)
            body = arc.get(norm)
            digest = hashlib.sha1(norm.encode()).hexdigest()[:12]
            group = f"arc-{body}" if body else f"vast-{digest}"
            rows.append({"id": f"vast-dev-{i}-{'zs' if zs else 'fs'}", "group": group,
                         "source": SOURCE, "task": "stance", "target": r["Target 1"].strip(),
                         "text": text, "label": LABEL_MAP[r["Stance 1"].strip()]})
    return datasets.DatasetDict({"dev": to_dataset(rows)})
