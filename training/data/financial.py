"""Financial sentiment sets: SEntFiN (entity sentiment in headlines) and Financial PhraseBank
(sentence sentiment, investor's view). Task ``sentiment``; labels are already ours.

SEntFiN: one example per (headline, entity); ``target`` = entity, ``target_start/end`` its first
mention in the headline (exact, then case-insensitive; -1 for the few not found). ``Decisions``
is parsed with ``ast.literal_eval`` and, for the 13 rows with an unescaped apostrophe
(``'Moody's'``), with a regex. Dev = headlines holding a seeded 20% of the entity examples
(:data:`~.splits.SPLIT_SEED`, salt ``sentfin``); group = ``sentfin-<sha1 of the headline>``, so
repeated headlines stay on one side.

Financial PhraseBank: ``agreement="all"|"75"|"66"|"50"`` picks ``Sentences_<X>Agree.txt``
(``sentence@label`` lines; AllAgree is UTF-8 in this copy, the others ISO-8859-1; each file is
decoded as UTF-8 when it can be, else Latin-1). ``target`` is ``""``. The 80/20 split is by
sentence (group = ``fpb-<sha1 of the sentence>``) and is drawn on the 50Agree file, which holds
every sentence, so a sentence is on the same side at every agreement level.

SemEval-2017 Task 5 headlines (subtask 2 training set): company = ``target``, headline = ``text``;
the score in [-1, 1] becomes positive (> ``neutral_band``, default 0.05), negative
(< −``neutral_band``) or neutral (the band, inclusive). Dev = headlines holding a seeded 20% of the
examples (group ``semeval2017-<sha1 of the headline>``).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir
from newsstance.inference.text_windows import find_mention

from .schema import to_dataset
from .splits import SPLIT_SEED, dev_groups, split_rows

SENTFIN_LABEL_MAP = {"positive": "positive", "negative": "negative", "neutral": "neutral"}
FPB_LABEL_MAP = {"positive": "positive", "negative": "negative", "neutral": "neutral"}
FPB_FILES = {"all": "Sentences_AllAgree.txt", "75": "Sentences_75Agree.txt",
             "66": "Sentences_66Agree.txt", "50": "Sentences_50Agree.txt"}
_DECISION = re.compile(r"""(?:^\{|,)\s*['"](.+?)['"]\s*:\s*['"](positive|negative|neutral)['"]""")


def _digest(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:12]


def parse_decisions(raw: str) -> dict[str, str]:
    """``{entity: label}`` from a SEntFiN ``Decisions`` cell (tolerates unescaped apostrophes)."""
    try:
        value = ast.literal_eval(raw)
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    except (ValueError, SyntaxError):
        pass
    found = dict(_DECISION.findall(raw.strip()))
    if not found:
        raise ValueError(f"cannot parse SEntFiN decisions {raw!r}")
    return found


def load_sentfin(
    data_dir: str | os.PathLike[str] | None = None, *, seed: int = SPLIT_SEED
) -> datasets.DatasetDict:
    """SEntFiN entity sentiment, split 80/20 by headline."""
    path = resolve_data_dir(data_dir) / "sentfin" / "SEntFiN.csv"
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            title = r["Title"].strip()
            for k, (entity, label) in enumerate(parse_decisions(r["Decisions"]).items()):
                ts, te = find_mention(title, entity)
                if ts >= 0 and title[ts:te].lower() != entity.lower():
                    ts = te = -1  # only a surname-style partial match: do not mark it
                rows.append({"id": f"sentfin-{r['S No.'].strip()}-{k}",
                             "group": f"sentfin-{_digest(title)}", "source": "sentfin",
                             "task": "sentiment", "target": entity, "text": title,
                             "target_start": ts, "target_end": te,
                             "label": SENTFIN_LABEL_MAP[label.strip().lower()]})
    train, dev = split_rows(rows, seed=seed, salt="sentfin")
    return datasets.DatasetDict({"train": to_dataset(train), "dev": to_dataset(dev)})


def read_phrasebank(path: Path) -> list[tuple[str, str]]:
    """(sentence, label) pairs of one Financial PhraseBank file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    pairs = []
    for line in text.splitlines():
        if line.strip():
            sentence, label = line.rsplit("@", 1)
            pairs.append((sentence.strip(), label.strip()))
    return pairs


def load_financial_phrasebank(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    agreement: Literal["all", "75", "66", "50"] = "all",
    seed: int = SPLIT_SEED,
) -> datasets.DatasetDict:
    """Financial PhraseBank sentences at one agreement level, split 80/20 by sentence."""
    if agreement not in FPB_FILES:
        raise ValueError(f"agreement must be one of {sorted(FPB_FILES)}, not {agreement!r}")
    root = resolve_data_dir(data_dir) / "financial_phrasebank"
    rows = [{"id": f"fpb-{agreement}-{i}", "group": f"fpb-{_digest(s)}",
             "source": "financial_phrasebank", "task": "sentiment", "text": s,
             "label": FPB_LABEL_MAP[lab]}
            for i, (s, lab) in enumerate(read_phrasebank(root / FPB_FILES[agreement]))]
    superset = root / FPB_FILES["50"]
    universe = ([f"fpb-{_digest(s)}" for s, _ in read_phrasebank(superset)]
                if superset.exists() else [r["group"] for r in rows])
    held_out = dev_groups(universe, seed=seed, salt="financial_phrasebank")
    train, dev = split_rows(rows, held_out=held_out)
    return datasets.DatasetDict({"train": to_dataset(train), "dev": to_dataset(dev)})


def score_label(score: float, neutral_band: float = 0.05) -> str:
    """Our sentiment label for a SemEval-2017 Task 5 score in [-1, 1]."""
    if score > neutral_band:
        return "positive"
    if score < -neutral_band:
        return "negative"
    return "neutral"


def load_semeval2017_task5_headlines(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    neutral_band: float = 0.05,
    seed: int = SPLIT_SEED,
) -> datasets.DatasetDict:
    """SemEval-2017 Task 5 headline sentiment toward a company, split 80/20 by headline."""
    path = resolve_data_dir(data_dir) / "semeval2017_task5_headlines" / \
        "SemEval2017Task5Headlines.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for k, r in enumerate(records):
        title = str(r["title"]).strip()
        company = str(r["company"]).strip()
        ts, te = find_mention(title, company)
        rows.append({"id": f"semeval2017-{r.get('id', k)}-{k}",
                     "group": f"semeval2017-{_digest(title)}",
                     "source": "semeval2017_task5_headlines", "task": "sentiment",
                     "target": company, "text": title, "target_start": ts, "target_end": te,
                     "label": score_label(float(r["sentiment"]), neutral_band)})
    train, dev = split_rows(rows, seed=seed, salt="semeval2017_task5_headlines")
    return datasets.DatasetDict({"train": to_dataset(train), "dev": to_dataset(dev)})
