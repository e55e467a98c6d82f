"""A small synthetic quote data set in the training schema, and a tiny training config."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

STANCE_WORDS = {"favor": ["support", "welcome", "love"], "against": ["oppose", "hate", "quit"],
                "neutral": ["reported", "said", "consider"]}
SENTIMENT_WORDS = {"positive": ["great", "good", "proud"], "negative": ["terrible", "bad", "loss"],
                   "neutral": ["statement", "market", "news"]}
ROLES = ["employee", "company", "official", "expert"]


def quote_rows(n_quotes: int, seed: int, prefix: str) -> list[dict[str, Any]]:
    """``n_quotes`` quotes, each as a stance row and a sentiment row with the same input."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_quotes):
        stance = rng.choice(list(STANCE_WORDS))
        sentiment = rng.choice(list(SENTIMENT_WORDS))
        quote = (f"we {rng.choice(STANCE_WORDS[stance])} the plan , it is "
                 f"{rng.choice(SENTIMENT_WORDS[sentiment])}")
        before = "the company said in a statement on the contract . jane doe said "
        text = before + quote + " , she added ."
        common = {"group": f"{prefix}-art{i // 3}", "source": "fixture", "target": "the plan",
                  "text": text, "quote_start": len(before),
                  "quote_end": len(before) + len(quote), "speaker": "jane doe",
                  "speaker_role": rng.choice(ROLES)}
        rows.append({**common, "id": f"{prefix}-{i}-stance", "task": "stance", "label": stance})
        rows.append({**common, "id": f"{prefix}-{i}-sentiment", "task": "sentiment",
                     "label": sentiment})
    return rows


def write_fixture_source(folder: Path, n_train: int = 60, n_dev: int = 24) -> Path:
    """A folder with schema ``train.jsonl`` and ``dev.jsonl`` (a source usable by name)."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, n, seed in (("train", n_train, 1), ("dev", n_dev, 2)):
        with (folder / f"{split}.jsonl").open("w", encoding="utf-8") as fh:
            for row in quote_rows(n, seed, split):
                fh.write(json.dumps(row) + "\n")
    return folder


def tiny_config(source: Path, base_model: Path, output_dir: Path, **changes: Any) -> dict:
    """A config dict that trains the tiny BERT for 2 short epochs."""
    return {"sources": [{"name": str(source)}], "base_model": str(base_model),
            "output_dir": str(output_dir), "max_length": 48, "stride": 8, "context_chars": 200,
            "batch_size": 8, "eval_batch_size": 16, "lr": 1e-3, "epochs": 2, "warmup": 0.1,
            "seed": 7, "class_weighting": "balanced", "label_smoothing": 0.05, "num_threads": 1,
            **changes}
