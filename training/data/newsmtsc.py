"""NewsMTSC: sentiment of a news sentence toward a marked person (task ``sentiment``).

Files are the flattened per-target ``hf_splits`` copies: ``variant="rw"`` reads ``rw_train`` /
``rw_dev`` (real-world distribution), ``variant="mt"`` reads ``mt_train`` (identical to
``rw_train``) / ``mt_dev`` (sentences with two or more targets). Polarity −1/0/1 →
negative/neutral/positive. ``text`` is the sentence, ``target_start/end`` the mention, and
``target`` the person's name taken from the row id (e.g. ``Dr. Sidney J. Blair`` for the mention
``He``) or the mention when the id does not parse. ``group`` is the article part of the id
(``newsmtsc-allsides_<a>_<b>`` / ``newsmtsc-polusa_v1_<doc>``), else the sentence's hash.
The official train/dev split is used as is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, Literal

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir

from .schema import to_dataset

SOURCE = "newsmtsc"
LABEL_MAP = {-1: "negative", 0: "neutral", 1: "positive"}
#: ``<article>_<sentence>_<name>_<from>_<to>``; the name may contain underscores.
_ID = re.compile(r"^(?P<doc>allsides_\d+_\d+|polusa_v1_\d+(?:_-?\d+)?)_(?P<sent>-?\d+)_"
                 r"(?P<name>.+)_(?P<start>\d+)_(?P<end>\d+)$")


def _example(r: dict[str, Any]) -> dict[str, Any]:
    m = _ID.match(r["id"])
    sentence = r["sentence"]
    if m:
        group = f"newsmtsc-{m['doc']}"
        name = re.sub(r"^\W+|\W+$", "", m["name"]) if m["name"][-1:] != "." else \
            re.sub(r"^\W+", "", m["name"])
    else:
        group = "newsmtsc-" + hashlib.sha1(sentence.encode()).hexdigest()[:12]
        name = ""
    return {"id": f"newsmtsc-{r['id']}", "group": group, "source": SOURCE, "task": "sentiment",
            "target": name or r["mention"], "text": sentence, "target_start": int(r["from"]),
            "target_end": int(r["to"]), "label": LABEL_MAP[int(r["polarity"])]}


def load_newsmtsc(
    data_dir: str | os.PathLike[str] | None = None, *, variant: Literal["rw", "mt"] = "rw"
) -> datasets.DatasetDict:
    """NewsMTSC train/dev of the ``rw`` (default) or ``mt`` variant."""
    if variant not in ("rw", "mt"):
        raise ValueError(f"variant must be 'rw' or 'mt', not {variant!r}")
    root = resolve_data_dir(data_dir) / "newsmtsc"
    out = {}
    for split in ("train", "dev"):
        with (root / f"{variant}_{split}.jsonl").open(encoding="utf-8") as fh:
            out[split] = to_dataset(_example(json.loads(line)) for line in fh if line.strip())
    return datasets.DatasetDict(out)
