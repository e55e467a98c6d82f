"""IBM Debater Claim Stance v1: claim = ``text``, debate topic = ``target``; PRO→favor, CON→against.

The CSV copy was re-saved by a spreadsheet: each line is one cell holding the real CSV line
(quotes doubled), and the spreadsheet also split cells at ``;`` and rows at line breaks inside
claims. :func:`decode_rows` undoes that: parse each physical line as a ``;``-separated CSV,
re-join its cells with ``;``, strip the trailing ``;`` padding, then parse the result as the real
CSV, joining a line with the next ones (by ``\\n``) until it gives all 21 columns. This recovers
every claim: 1,039 train / 1,355 test, as in the official release (SOURCE.md's simpler decoding
loses 5).

Only ``split == "train"`` rows are used. Dev is a seeded 20% of the 25 train *topics*
(:data:`~.splits.SPLIT_SEED`, salt ``ibm_claim_stance``): ``group`` is ``ibm-topic-<topicId>``, so
dev topics are unseen in train, as in the official topic-disjoint test. ``text`` is
``claims.claimCorrectedText`` (whitespace normalised); ``target_start/end`` mark the claim's
target span (``claims.claimTarget.span``) when it is given.
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

SOURCE = "ibm_claim_stance"
LABEL_MAP = {"PRO": "favor", "CON": "against"}
N_COLUMNS = 21


def decode_rows(path: Path) -> list[dict[str, str]]:
    """The records of the spreadsheet-damaged claim stance CSV, as dicts by header name."""
    raw = path.read_text(encoding="utf-8")
    records: list[list[str]] = []
    buf: str | None = None
    for line in raw.splitlines():
        if not line.strip():
            continue
        cells = next(csv.reader([line], delimiter=";"))
        inner = ";".join(cells).rstrip(";")
        buf = inner if buf is None else buf + "\n" + inner
        parsed = list(csv.reader(io.StringIO(buf, newline="")))
        if len(parsed) == 1 and len(parsed[0]) == N_COLUMNS:
            records.append(parsed[0])
            buf = None
        elif len(parsed) > 1 or len(parsed[0]) > N_COLUMNS:
            raise ValueError(f"{path}: cannot decode the record ending at line {line[:60]!r}")
    if buf is not None:
        raise ValueError(f"{path}: truncated last record {buf[:60]!r}")
    header, *body = records
    return [dict(zip(header, r, strict=True)) for r in body]


def _example(r: dict[str, str]) -> dict[str, Any]:
    text = r["claims.claimCorrectedText"]
    span = (r["claims.claimTarget.span.start"], r["claims.claimTarget.span.end"])
    ts = te = -1
    if span[0].strip().isdigit() and span[1].strip().isdigit():
        s, e = int(span[0]), int(span[1])
        if 0 <= s < e <= len(text) and text[s:e] == r["claims.claimTarget.text"]:
            ts, te = s, e
    norm = " ".join(text.split())
    if norm != text:  # offsets shift when whitespace is normalised: find the mention again
        tgt = " ".join(r["claims.claimTarget.text"].split())
        ts = norm.find(tgt) if ts >= 0 and tgt else -1
        te = ts + len(tgt) if ts >= 0 else -1
    return {"id": f"ibm-{r['claims.claimId']}", "group": f"ibm-topic-{r['topicId']}",
            "source": SOURCE, "task": "stance", "target": r["topicText"].strip(), "text": norm,
            "target_start": ts, "target_end": te, "label": LABEL_MAP[r["claims.stance"]]}


def load_ibm_claim_stance(
    data_dir: str | os.PathLike[str] | None = None, *, seed: int = SPLIT_SEED
) -> datasets.DatasetDict:
    """IBM claim stance train claims, split 80/20 by topic into train/dev."""
    root = resolve_data_dir(data_dir) / "ibm_claim_stance"
    rows = [_example(r) for r in decode_rows(root / "claim_stance_dataset_v1.csv")
            if r["split"] == "train"]
    train, dev = split_rows(rows, seed=seed, salt=SOURCE)
    return datasets.DatasetDict({"train": to_dataset(train), "dev": to_dataset(dev)})
