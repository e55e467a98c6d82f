"""Article tone: the sentiment head over the whole article, window by window.

The article is cut into windows of at most ``max_chars`` characters at paragraph, then sentence,
then word boundaries; every non-blank character is in exactly one window (nothing is truncated).
Each window is scored without a target; the tone is the mean of the windows' probabilities weighted
by window length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from newsstance.inference.encoding import EncodingSettings

_BREAKS = (re.compile(r"\n\s*"), re.compile(r"(?<=[.!?])[\"”’)]*\s+"), re.compile(r"\s+"))


def window_chars(settings: EncodingSettings) -> int:
    """Characters per tone window: about what fits in one model window (~3.5 chars a token)."""
    return max(64, int((settings.max_length - 4) * 3.5))


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Spans covering ``text[start:end]``, each at most ``max_chars`` long where a break allows."""
    spans: list[tuple[int, int]] = []
    pos = start
    while end - pos > max_chars:
        limit = pos + max_chars
        cut = -1
        for pattern in _BREAKS:
            best = -1
            for m in pattern.finditer(text, pos + max_chars // 3, limit):
                best = m.end() if m.end() <= limit else m.start()
            if best > pos:
                cut = best
                break
        cut = cut if cut > pos else limit
        spans.append((pos, cut))
        pos = cut
    spans.append((pos, end))
    return spans


def tone_windows(text: str, max_chars: int) -> list[tuple[int, int]]:
    """``(start, end)`` windows of ``text`` for tone scoring (blank-only windows dropped)."""
    out = []
    for start, end in _cut(text, 0, len(text), max_chars):
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        lead = len(piece) - len(piece.lstrip())
        out.append((start + lead, start + lead + len(stripped)))
    return out


def combine(probs: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Window probabilities averaged with weights = window lengths (rows sum to 1)."""
    weights = np.array([max(1, e - s) for s, e in spans], dtype=np.float64)
    mean = (np.asarray(probs, dtype=np.float64) * weights[:, None]).sum(0) / weights.sum()
    return mean / mean.sum()
