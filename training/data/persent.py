"""PerSenT: the author's sentiment toward an article's main entity (person). Dev only.

``target`` = ``TARGET_ENTITY``, label = ``TRUE_SENTIMENT`` (Positive/Neutral/Negative →
positive/neutral/negative). Documents are long, so ``text`` holds the sentences most relevant
to the entity (same selection as FNC-1 with the entity name as the query; lead sentence first,
original order) within ``max_chars`` (default 1500); ``target_start/end`` mark the entity's
first mention in that text (or its last name), -1 if absent. The result has only ``"dev"``;
``group`` is ``persent-<DOCUMENT_INDEX>``. Note: this copy has lost most commas inside the
documents (``"In 2006  Benjamin..."``).
"""

from __future__ import annotations

import csv
import os

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir
from newsstance.inference.text_windows import find_mention, select_relevant

from .schema import to_dataset

SOURCE = "persent"
LABEL_MAP = {"Positive": "positive", "Neutral": "neutral", "Negative": "negative"}


def load_persent(
    data_dir: str | os.PathLike[str] | None = None, *, max_chars: int = 1500
) -> datasets.DatasetDict:
    """PerSenT dev documents as ``DatasetDict({"dev": ...})``."""
    path = resolve_data_dir(data_dir) / "persent" / "dev.csv"
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            entity = r["TARGET_ENTITY"].strip()
            text = select_relevant(r["DOCUMENT"], entity, max_chars)
            ts, te = find_mention(text, entity)
            doc = r["DOCUMENT_INDEX"].strip()
            rows.append({"id": f"persent-{doc}", "group": f"persent-{doc}", "source": SOURCE,
                         "task": "sentiment", "target": entity, "text": text,
                         "target_start": ts, "target_end": te,
                         "label": LABEL_MAP[r["TRUE_SENTIMENT"].strip()]})
    return datasets.DatasetDict({"dev": to_dataset(rows)})
