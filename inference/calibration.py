"""Temperature scaling: calibrated probabilities from any classifier.

A model directory's ``newsstance.json`` may hold a ``calibration`` entry (``newsstance
calibrate`` writes it)::

    {"calibration": {"method": "temperature", "temperatures": {"stance": 1.4, "sentiment": 1.5},
                     "fitted_on": "nqs:dev", ...}}

Each task's probabilities become ``softmax(log p / T)``: ``T > 1`` softens an overconfident
model. The most probable label never changes, only how sure the model says it is (and so the
stance and sentiment scores, which are differences of probabilities).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.checksums import INFO_FILE, read_info
from newsstance.inference.task_probs import TaskPredictions, task_probabilities

CALIBRATION_KEY = "calibration"


class CalibrationError(ValueError):
    """A calibration entry that cannot be used (bad temperatures, unknown tasks)."""


def scale_probabilities(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``probs`` rescaled by ``temperature`` (rows still sum to 1)."""
    if not math.isfinite(temperature) or temperature <= 0:
        raise CalibrationError(f"temperature must be a positive number, got {temperature!r}")
    logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return out / out.sum(axis=1, keepdims=True)


def read_temperatures(model_dir: str | Path) -> dict[str, float]:
    """Task -> temperature from ``model_dir/newsstance.json`` ({} when it has none)."""
    path = Path(model_dir) / INFO_FILE
    entry = read_info(model_dir, CalibrationError).get(CALIBRATION_KEY)
    if entry is None:
        return {}
    temps = entry.get("temperatures") if isinstance(entry, dict) else None
    if not isinstance(temps, dict):
        raise CalibrationError(f"{path}: 'calibration' has no 'temperatures' mapping")
    out = {}
    for task, value in temps.items():
        if (not isinstance(value, (int, float)) or isinstance(value, bool)
                or not math.isfinite(value) or value <= 0):
            raise CalibrationError(f"{path}: temperature of {task!r} must be a positive number, "
                                   f"got {value!r}")
        out[str(task)] = float(value)
    return out


@dataclass
class CalibratedClassifier(TaskPredictions):
    """A classifier whose probabilities are temperature-scaled per task."""

    classifier: Any
    temperatures: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.temperatures) - set(self.classifier.labels))
        if unknown:
            raise CalibrationError(f"temperatures for unknown task(s) {unknown}; the model has "
                                   f"{sorted(self.classifier.labels)}")

    @property
    def settings(self) -> Any:
        return self.classifier.settings

    @property
    def labels(self) -> dict[str, list[str]]:
        return self.classifier.labels

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int | None = None) -> dict[str, np.ndarray]:
        """The wrapped classifier's probabilities, scaled (``batch_size``: its default)."""
        raw = task_probabilities(self.classifier, examples, tasks, batch_size)
        return {task: (scale_probabilities(p, self.temperatures[task]) if task in
                       self.temperatures and len(p) else p) for task, p in raw.items()}


def with_calibration(classifier: Any, model_dir: str | Path) -> Any:
    """``classifier`` wrapped in the temperatures ``model_dir`` records, or as it is."""
    temps = read_temperatures(model_dir)
    return CalibratedClassifier(classifier, temps) if temps else classifier
