"""Bootstrap intervals for macro-F1: how far a dev figure can move by chance.

Quotes from one article are not independent (one target, often one speaker), so when ``groups``
(article ids) are given, whole groups are resampled with replacement (a cluster bootstrap);
otherwise single examples are (:mod:`newsstance.inference.resampling`). Intervals are percentile
intervals over ``resamples`` seeded draws, so the same inputs give the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsstance.inference.resampling import (
    LEVEL,
    RESAMPLES,
    SEED,
    check_level,
    percentile_interval,
    resample_indices,
)


def _codes(*label_lists: Sequence[str]) -> tuple[list[np.ndarray], int]:
    index: dict[str, int] = {}
    out = [np.array([index.setdefault(x, len(index)) for x in labels], dtype=np.int64)
           for labels in label_lists]
    return out, len(index)


def _macro_f1(gold: np.ndarray, pred: np.ndarray, k: int) -> float:
    """Macro-F1 over the classes present in ``gold``, as :func:`metrics.macro_f1` defines it."""
    m = np.bincount(gold * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(m).astype(float)
    n_gold, n_pred = m.sum(1), m.sum(0)
    denom = n_gold + n_pred
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    present = n_gold > 0
    return float(f1[present].mean()) if present.any() else 0.0


def _check(level: float, resamples: int, *lengths: int) -> None:
    check_level(level)
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    if len(set(lengths)) > 1:
        raise ValueError(f"label lists differ in length: {lengths}")


def macro_f1_interval(y_true: Sequence[str], y_pred: Sequence[str], *,
                      groups: Sequence[Any] | None = None, resamples: int = RESAMPLES,
                      level: float = LEVEL, seed: int = SEED) -> tuple[float, float]:
    """``(low, high)`` bootstrap interval of macro-F1 at ``level``."""
    _check(level, resamples, len(y_true), len(y_pred))
    if not y_true:
        return 0.0, 0.0
    (gold, pred), k = _codes(y_true, y_pred)
    draws = resample_indices(len(gold), groups, resamples, seed)
    return percentile_interval([_macro_f1(gold[i], pred[i], k) for i in draws], level)


def paired_difference(y_true: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str], *,
                      groups: Sequence[Any] | None = None, resamples: int = RESAMPLES,
                      level: float = LEVEL, seed: int = SEED) -> dict[str, Any]:
    """Macro-F1 of ``pred_b`` minus that of ``pred_a`` on the same examples, with a paired
    bootstrap: ``difference``, its ``interval`` at ``level``, and ``share_not_better``, the
    share of draws in which b did not beat a (a one-sided bootstrap p-value for "b is better")."""
    _check(level, resamples, len(y_true), len(pred_a), len(pred_b))
    if not y_true:
        raise ValueError("no examples to compare")
    (gold, a, b), k = _codes(y_true, pred_a, pred_b)
    diffs = [_macro_f1(gold[i], b[i], k) - _macro_f1(gold[i], a[i], k)
             for i in resample_indices(len(gold), groups, resamples, seed)]
    return {"n": len(gold), "difference": _macro_f1(gold, b, k) - _macro_f1(gold, a, k),
            "interval": list(percentile_interval(diffs, level)),
            "share_not_better": float(np.mean(np.array(diffs) <= 0))}
