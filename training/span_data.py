"""Training windows for the quote-span tagger from PolNeAR and nqs gold quotes.

Each gold quote gives a ``CONTENT`` span (every fragment of a discontinuous PolNeAR content) and,
when it has one, a ``SOURCE`` span (the speaker mention). Speaker mentions with a gold role (nqs)
also label their tokens with that role, for the tagger's optional role head. Articles are
tokenised once and cut into windows with :mod:`newsstance.inference.quotes.tagging`, the
functions the tagger uses at inference time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.polnear import GoldArticle, read_nqs, read_polnear
from newsstance.inference.quote import SPEAKER_ROLES
from newsstance.inference.quotes.tagging import (
    IGNORE_INDEX,
    SPAN_LABELS,
    char_labels,
    token_labels,
    window_bounds,
)

SPAN_SOURCES = ("polnear", "nqs")


@dataclass
class Window:
    """One training window: token ids with special tokens, and BIO labels (-100 on specials)."""

    article: str
    input_ids: list[int]
    labels: list[int]
    roles: list[int]


def gold_spans(article: GoldArticle) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of an article's gold contents and speaker mentions."""
    spans: list[tuple[str, int, int]] = []
    sources: set[tuple[int, int]] = set()
    for q in article.quotes:
        spans.append(("CONTENT", q.start, q.end))
        if q.speaker_start is not None and q.speaker_end is not None:
            sources.add((q.speaker_start, q.speaker_end))
    spans.extend(("SOURCE", s, e) for s, e in sorted(sources))
    return spans


def char_roles(article: GoldArticle) -> np.ndarray:
    """Per-character role ids (indexes into ``SPEAKER_ROLES``) over gold speaker mentions with a
    role; -100 elsewhere."""
    out = np.full(len(article.text), IGNORE_INDEX, dtype=np.int64)
    for q in article.quotes:
        if q.speaker_start is None or q.speaker_end is None or q.speaker_role not in SPEAKER_ROLES:
            continue
        out[q.speaker_start:q.speaker_end] = SPEAKER_ROLES.index(q.speaker_role)
    return out


def read_articles(name: str, root: Path, split: str, limit: int | None = None) -> list[GoldArticle]:
    """Gold articles of ``polnear`` or ``nqs`` under the data root."""
    if name == "polnear":
        return list(read_polnear(root / "polnear", split, limit))
    if name == "nqs":
        return list(read_nqs(root / "nqs" / f"{split}.jsonl", limit))
    raise ValueError(f"unknown span source {name!r}: use one of {', '.join(SPAN_SOURCES)}")


def article_windows(tokenizer: Any, article: GoldArticle, max_tokens: int,
                    overlap: int) -> list[Window]:
    """Labelled windows of one article (``tokenizer``: a Hugging Face fast tokenizer)."""
    enc = tokenizer(article.text, add_special_tokens=False, return_offsets_mapping=True,
                    truncation=False)
    offsets = enc["offset_mapping"]
    labels = token_labels(offsets, char_labels(len(article.text), gold_spans(article)))
    chars = char_roles(article)
    roles = [int(chars[s]) if e > s and s < len(chars) else IGNORE_INDEX for s, e in offsets]
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = []
    for start, end in window_bounds(len(offsets), max_tokens, overlap):
        out.append(Window(article.id, [cls_id, *enc["input_ids"][start:end], sep_id],
                          [IGNORE_INDEX, *labels[start:end], IGNORE_INDEX],
                          [IGNORE_INDEX, *roles[start:end], IGNORE_INDEX]))
    return out


def build_windows(tokenizer: Any, articles: Iterable[GoldArticle], max_tokens: int,
                  overlap: int) -> list[Window]:
    """Windows of every article, in order."""
    return [w for a in articles for w in article_windows(tokenizer, a, max_tokens, overlap)]


def label_counts(windows: Sequence[Window]) -> list[int]:
    """How many tokens carry each label id (for the model card)."""
    counts = [0] * len(SPAN_LABELS)
    for w in windows:
        for label in w.labels:
            if label >= 0:
                counts[label] += 1
    return counts
