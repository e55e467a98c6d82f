"""Per-epoch dev scores of a training run and the checkpoint-selection score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from newsstance.training.metrics import task_metrics

#: Keys of :func:`~newsstance.training.metrics.task_metrics` kept in the run's metrics.
KEPT = ("n", "macro_f1", "accuracy", "f_avg", "fnc_score", "per_class")


def score_task(y_true: Sequence[str], y_pred: Sequence[str], *, task: str, source: str,
               labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, accuracy, n, per-class P/R/F1 (and F_avg / FNC score where they apply)."""
    report = task_metrics(list(y_true), list(y_pred), task=task, source=source, labels=labels)
    return {k: report[k] for k in KEPT if k in report}


def selection_score(metrics: Mapping[str, Mapping[str, Mapping[str, Any]]],
                    prefer: str = "nqs") -> float | None:
    """Mean macro-F1 over ``prefer``'s tasks when it was evaluated, else over every dev set."""
    chosen = {prefer: metrics[prefer]} if prefer in metrics else metrics
    values = [float(task["macro_f1"]) for source in chosen.values()
              for task in source.values() if task.get("n")]
    return float(np.mean(values)) if values else None
