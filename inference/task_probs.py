"""Shared by classifiers that wrap others (calibration, ensembles): one call for several tasks,
and ``predict_proba``/``predict`` derived from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def task_probabilities(classifier: Any, examples: Sequence[Mapping[str, Any]],
                       tasks: Sequence[str], batch_size: int | None = None
                       ) -> dict[str, np.ndarray]:
    """``{task: probabilities}`` of any classifier: its ``predict_proba_tasks`` when it has one
    (one encoder pass for all tasks), else ``predict_proba`` per task (e.g. the scikit-learn
    baseline). ``batch_size=None``: the classifier's default."""
    kwargs = {} if batch_size is None else {"batch_size": batch_size}
    if hasattr(classifier, "predict_proba_tasks"):
        return classifier.predict_proba_tasks(examples, tasks, **kwargs)
    return {t: classifier.predict_proba(examples, t, **kwargs) for t in tasks}


class TaskPredictions:
    """``predict_proba`` and ``predict`` for a class with ``labels`` and ``predict_proba_tasks``."""

    labels: dict[str, list[str]]

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int | None = None) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def predict_proba(self, examples: Sequence[Mapping[str, Any]], task: str,
                      batch_size: int | None = None) -> np.ndarray:
        return self.predict_proba_tasks(examples, [task], batch_size)[task]

    def predict(self, examples: Sequence[Mapping[str, Any]], task: str,
                batch_size: int | None = None) -> list[str]:
        labels = self.labels[task]
        return [labels[i] for i in self.predict_proba(examples, task, batch_size).argmax(axis=1)]
