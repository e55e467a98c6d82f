"""Token windows and BIO decoding for the learned quote-span tagger.

The tagger labels every token of an article ``O``, ``B-/I-CONTENT`` (what was said or believed)
or ``B-/I-SOURCE`` (who said it). An article is tokenised once, without special tokens, and cut
into overlapping windows of at most ``max_tokens`` tokens; each token takes its label from the
window where it sits farthest from an edge. Training (``newsstance.training.span_tagger``) builds
its windows with the same functions, so both sides see identical inputs.

Nothing here imports torch or transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SPAN_LABELS = ("O", "B-CONTENT", "I-CONTENT", "B-SOURCE", "I-SOURCE")
SPAN_KINDS = ("CONTENT", "SOURCE")
IGNORE_INDEX = -100


@dataclass(frozen=True)
class TaggedSpan:
    """A predicted span: ``kind`` is ``CONTENT`` or ``SOURCE``; character offsets; mean
    probability of its tokens' labels as ``score``."""

    kind: str
    start: int
    end: int
    score: float = 1.0


def window_bounds(n_tokens: int, max_tokens: int, overlap: int) -> list[tuple[int, int]]:
    """``(start, end)`` token ranges covering ``n_tokens`` tokens, each at most ``max_tokens``
    long, consecutive windows sharing ``overlap`` tokens (an empty text gives no window)."""
    if max_tokens <= overlap:
        raise ValueError(f"max_tokens ({max_tokens}) must exceed overlap ({overlap})")
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < n_tokens:
        end = min(n_tokens, start + max_tokens)
        bounds.append((start, end))
        if end == n_tokens:
            break
        start = end - overlap
    return bounds


def best_window(bounds: Sequence[tuple[int, int]], n_tokens: int) -> np.ndarray:
    """For each token, the index of the window in which it is farthest from an edge."""
    owner = np.zeros(n_tokens, dtype=np.int64)
    margin = np.full(n_tokens, -1, dtype=np.int64)
    for w, (start, end) in enumerate(bounds):
        idx = np.arange(start, end)
        m = np.minimum(idx - start, end - 1 - idx)
        better = m > margin[start:end]
        owner[start:end][better] = w
        margin[start:end][better] = m[better]
    return owner


def char_labels(length: int, spans: Sequence[tuple[str, int, int]]) -> np.ndarray:
    """Per-character span ids (0 = none, k = the k-th span of ``spans``) and kinds: returns an
    int array where ``value = 2 * span_index + (0 for CONTENT, 1 for SOURCE) + 1``.

    Content wins where a source and a content overlap."""
    out = np.zeros(length, dtype=np.int64)
    ordered = sorted(enumerate(spans), key=lambda s: s[1][0] == "CONTENT")
    for i, (kind, start, end) in ordered:
        out[max(0, start):min(length, end)] = 2 * i + (0 if kind == "CONTENT" else 1) + 1
    return out


def token_labels(offsets: Sequence[tuple[int, int]], chars: np.ndarray) -> list[int]:
    """BIO label ids (indexes into :data:`SPAN_LABELS`) of tokens from per-char span ids."""
    labels: list[int] = []
    prev = 0
    for start, end in offsets:
        value = int(chars[start]) if end > start and start < len(chars) else 0
        if value == 0:
            labels.append(0)
        else:
            kind = (value - 1) % 2  # 0 content, 1 source
            inside = value == prev
            labels.append(1 + 2 * kind + (1 if inside else 0))
        prev = value
    return labels


def decode_spans(probs: np.ndarray, offsets: Sequence[tuple[int, int]], *, bridge: int = 0,
                 min_score: float = 0.0, split_at_begin: float = 0.5) -> list[TaggedSpan]:
    """Spans from per-token label probabilities (tokens, labels) and their char offsets.

    Each token takes the kind (none, content, source) with the highest summed ``B-``/``I-``
    probability; a span is a run of tokens of one kind, split where a token's ``B-`` probability
    exceeds ``split_at_begin`` (``> 1``: never). Runs of at most ``bridge`` no-kind tokens
    between two content tokens are filled in (the tagger's stray gaps inside long contents).
    Content spans whose mean kind probability (``score``) is below ``min_score`` are dropped
    (sources are kept: they only name the speaker of a content that was kept)."""
    n = len(probs)
    if n == 0:
        return []
    kind_p = np.stack([probs[:, 0], probs[:, 1] + probs[:, 2], probs[:, 3] + probs[:, 4]], 1)
    kinds = kind_p.argmax(1)
    if bridge > 0:
        i = 0
        while i < n:
            if kinds[i] != 0:
                i += 1
                continue
            j = i
            while j < n and kinds[j] == 0:
                j += 1
            if i > 0 and j < n and j - i <= bridge and kinds[i - 1] == 1 and kinds[j] == 1:
                kinds[i:j] = 1
            i = j
    spans: list[TaggedSpan] = []
    i = 0
    while i < n:
        kind = int(kinds[i])
        if kind == 0:
            i += 1
            continue
        j = i
        while j + 1 < n and kinds[j + 1] == kind and probs[j + 1, 2 * kind - 1] <= split_at_begin:
            j += 1
        score = float(kind_p[i : j + 1, kind].mean())
        if kind == 2 or score >= min_score:
            spans.append(TaggedSpan(SPAN_KINDS[kind - 1], int(offsets[i][0]), int(offsets[j][1]),
                                    score))
        i = j + 1
    return spans


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)
