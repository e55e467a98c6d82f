"""SemEval-2016 Task 6 (tweet stance toward five targets).

``trainingdata-all-annotations.txt`` is Windows-1252 (decoded as ``cp1252``), the trial file
ASCII; both are tab-separated with CRLF lines. Labels: FAVOR→favor, AGAINST→against,
NONE→neutral. Dev is a seeded 20% of the *training file* tweets
(:data:`~.splits.SPLIT_SEED`, salt ``semeval2016_task6``); the 100 trial tweets are folded into
train (the official training set is trial + train), never into dev (``include_trial=False``
leaves them out). Each tweet is its own group (``semeval2016-<ID>``; the two files' IDs do
not overlap).

The per-tweet ``Sentiment`` column (POSITIVE/NEGATIVE/NEITHER) gives optional sentence-sentiment
examples (``tasks=("stance", "sentiment")``; target ``""``); stance only by default.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir

from .schema import to_dataset
from .splits import SPLIT_SEED, split_rows

SOURCE = "semeval2016_task6"
STANCE_MAP = {"FAVOR": "favor", "AGAINST": "against", "NONE": "neutral"}
SENTIMENT_MAP = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEITHER": "neutral"}
FILES = {"train": ("trainingdata-all-annotations.txt", "cp1252"),
         "trial": ("trialdata-all-annotations.txt", "cp1252")}


def read_tsv(path: Path, encoding: str) -> list[dict[str, str]]:
    """Rows of one SemEval annotations file (tab-separated, header line, tweets unquoted)."""
    text = path.read_bytes().decode(encoding)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    return list(reader)


def _examples(rows: list[dict[str, str]], tasks: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        tid = r["ID"].strip()
        common = {"group": f"semeval2016-{tid}", "source": SOURCE, "text": r["Tweet"].strip()}
        if "stance" in tasks:
            out.append({**common, "id": f"semeval2016-{tid}-stance", "task": "stance",
                        "target": r["Target"].strip(), "label": STANCE_MAP[r["Stance"].strip()]})
        if "sentiment" in tasks:
            out.append({**common, "id": f"semeval2016-{tid}-sentiment", "task": "sentiment",
                        "label": SENTIMENT_MAP[r["Sentiment"].strip()]})
    return out


def load_semeval2016_task6(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    tasks: tuple[str, ...] = ("stance",),
    include_trial: bool = True,
    seed: int = SPLIT_SEED,
) -> datasets.DatasetDict:
    """SemEval-2016 Task 6 (task A) train/dev."""
    root = resolve_data_dir(data_dir) / "semeval2016_task6"
    name, enc = FILES["train"]
    train, dev = split_rows(_examples(read_tsv(root / name, enc), tasks), seed=seed, salt=SOURCE)
    trial_name, trial_enc = FILES["trial"]
    if include_trial and (root / trial_name).exists():
        train = _examples(read_tsv(root / trial_name, trial_enc), tasks) + list(train)
    return datasets.DatasetDict({"train": to_dataset(train), "dev": to_dataset(dev)})
