"""How well a model's probabilities match its accuracy, and temperature scaling to fix it.

- :func:`calibration_metrics`: expected calibration error (ECE, top label, equal-width
  confidence bins), negative log-likelihood and Brier score.
- :func:`fit_temperature`: the temperature that minimises the negative log-likelihood.
- :func:`cross_fitted`: an honest estimate of what a fitted temperature buys. Articles are
  split into folds; each fold is scaled by a temperature fitted on the other folds, so no
  example is scored by a temperature fitted on it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from newsstance.inference.calibration import scale_probabilities

#: Confidence bins of the ECE.
ECE_BINS = 15
#: Search range of :func:`fit_temperature`.
TEMPERATURE_RANGE = (0.05, 20.0)


def _check(probs: np.ndarray, gold: np.ndarray) -> None:
    if probs.ndim != 2 or len(probs) != len(gold):
        raise ValueError(f"probs must be (n, k) with n = {len(gold)} gold labels, "
                         f"got shape {probs.shape}")
    if len(gold) == 0:
        raise ValueError("no examples")
    if gold.min() < 0 or gold.max() >= probs.shape[1]:
        raise ValueError(f"gold label ids must be in [0, {probs.shape[1]})")


def label_ids(gold: Sequence[str], labels: Sequence[str]) -> tuple[list[int], np.ndarray]:
    """Positions of the gold labels that are in ``labels``, and their label ids."""
    known = [i for i, g in enumerate(gold) if g in labels]
    return known, np.array([list(labels).index(gold[i]) for i in known], dtype=int)


def negative_log_likelihood(probs: np.ndarray, gold: np.ndarray) -> float:
    """Mean −log p(gold)."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold)
    _check(probs, gold)
    return float(-np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, 1.0)).mean())


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """Σ over confidence bins of (share of examples) × |accuracy − mean confidence|."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold)
    _check(probs, gold)
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == gold
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def calibration_metrics(probs: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """``ece``, ``nll``, ``brier`` (mean squared error of the probability vector) and
    ``confidence`` (mean top probability)."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold)
    _check(probs, gold)
    onehot = np.eye(probs.shape[1])[gold]
    return {"ece": expected_calibration_error(probs, gold),
            "nll": negative_log_likelihood(probs, gold),
            "brier": float(((probs - onehot) ** 2).sum(axis=1).mean()),
            "confidence": float(probs.max(axis=1).mean())}


def fit_temperature(probs: np.ndarray, gold: np.ndarray) -> float:
    """The temperature in :data:`TEMPERATURE_RANGE` with the lowest NLL (golden-section search
    over log T; the NLL of temperature-scaled log-probabilities is unimodal in T)."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold)
    _check(probs, gold)

    def loss(log_t: float) -> float:
        return negative_log_likelihood(scale_probabilities(probs, math.exp(log_t)), gold)

    lo, hi = (math.log(t) for t in TEMPERATURE_RANGE)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = loss(a), loss(b)
    while hi - lo > 1e-4:
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = loss(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = loss(b)
    return math.exp((lo + hi) / 2)


def group_folds(groups: Sequence[Any], folds: int, seed: int = 13) -> np.ndarray:
    """A fold id per example; all examples of a group (article) share a fold (seeded)."""
    distinct = sorted({str(g) for g in groups})
    if folds < 2 or folds > len(distinct):
        raise ValueError(f"folds must be in [2, {len(distinct)}] (the number of groups), "
                         f"got {folds}")
    random.Random(seed).shuffle(distinct)
    fold_of = {g: i % folds for i, g in enumerate(distinct)}
    return np.array([fold_of[str(g)] for g in groups])


def cross_fitted(probs: np.ndarray, gold: np.ndarray, groups: Sequence[Any], *,
                 folds: int = 5, seed: int = 13) -> tuple[np.ndarray, list[float]]:
    """Every example's probabilities scaled by a temperature fitted on the other folds'
    articles; returns the scaled probabilities and the per-fold temperatures."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold)
    _check(probs, gold)
    if len(groups) != len(gold):
        raise ValueError(f"{len(groups)} groups for {len(gold)} examples")
    fold = group_folds(groups, folds, seed)
    out = np.empty_like(probs)
    temps = []
    for k in range(folds):
        held = fold == k
        t = fit_temperature(probs[~held], gold[~held])
        temps.append(t)
        out[held] = scale_probabilities(probs[held], t)
    return out, temps


def calibration_report(probs: np.ndarray, gold: np.ndarray, groups: Sequence[Any], *,
                       folds: int = 5, seed: int = 13) -> dict[str, Any]:
    """Metrics before scaling, after cross-fitted scaling, and the temperature fitted on all."""
    scaled, temps = cross_fitted(probs, gold, groups, folds=folds, seed=seed)
    return {"n": len(gold), "temperature": fit_temperature(probs, gold),
            "before": calibration_metrics(probs, gold),
            "cross_fitted": {**calibration_metrics(scaled, gold), "folds": folds,
                             "fold_temperatures": temps}}
