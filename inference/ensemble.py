"""Ensembles: several classifiers whose probabilities are pooled into one.

Pooling is log-linear (a weighted geometric mean, renormalised): ``p(y) ∝ Π_i p_i(y) ** w_i``
with the weights summing to 1. Each member keeps its own calibration (its temperatures are part of
what is pooled); an ensemble directory may record temperatures of its own on top
(``newsstance calibrate``).

An ensemble directory holds each member, in the form ``newsstance analyze`` runs it (an ONNX
bundle or a baseline's ``linear.*`` export), in a subdirectory, and a ``newsstance.json``::

    {"kind": "ensemble",
     "ensemble": {"method": "log-linear",
                  "members": [{"path": "transformer", "weight": 0.5, "info_sha256": "..."},
                              {"path": "linear", "weight": 0.5, "info_sha256": "..."}]}}

``info_sha256`` is that of the member's own ``newsstance.json``, which in turn records the sha256
of the member's weights: a swapped or altered member is refused at load time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.checksums import INFO_FILE, read_info, sha256_file
from newsstance.inference.task_probs import TaskPredictions, task_probabilities

ENSEMBLE_KIND = "ensemble"
ENSEMBLE_KEY = "ensemble"
METHOD = "log-linear"


class EnsembleError(ValueError):
    """An ensemble that cannot be built or loaded (bad weights, members that disagree, files)."""


def check_weights(weights: Sequence[float], n: int) -> list[float]:
    """``weights`` (one per member, positive and finite) normalised to sum to 1."""
    if len(weights) != n:
        raise EnsembleError(f"{len(weights)} weight(s) for {n} member(s)")
    for w in weights:
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w <= 0:
            raise EnsembleError(f"weights must be positive numbers, got {w!r}")
    total = float(sum(weights))
    return [float(w) / total for w in weights]


def pool_probabilities(probs: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """The log-linear pool of same-shaped probability arrays (rows sum to 1)."""
    weights = check_weights(weights, len(probs))
    logp = sum(w * np.log(np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1.0))
               for w, p in zip(weights, probs, strict=True))
    logp = logp - logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return out / out.sum(axis=1, keepdims=True)


@dataclass
class EnsembleClassifier(TaskPredictions):
    """Classifiers (anything with ``labels`` and ``predict_proba[_tasks]``) pooled log-linearly.

    The tasks are those every member has, with the first member's label order (the others'
    columns are reordered to match); ``settings`` (context reach, tone window size) are the
    first member's."""

    members: list[Any]
    weights: list[float]

    def __post_init__(self) -> None:
        if len(self.members) < 2:
            raise EnsembleError("an ensemble needs at least two members")
        self.weights = check_weights(self.weights, len(self.members))
        first = self.members[0].labels
        self._columns: dict[str, list[list[int]]] = {}
        for task, labels in first.items():
            if not all(task in m.labels for m in self.members[1:]):
                continue
            order = []
            for m in self.members:
                if sorted(m.labels[task]) != sorted(labels):
                    raise EnsembleError(f"members disagree on the {task!r} labels: "
                                        f"{labels} vs {m.labels[task]}")
                order.append([list(m.labels[task]).index(lab) for lab in labels])
            self._columns[task] = order
        if not self._columns:
            raise EnsembleError("the members share no task")
        self.labels: dict[str, list[str]] = {t: list(first[t]) for t in self._columns}

    @property
    def settings(self) -> Any:
        return self.members[0].settings

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int | None = None) -> dict[str, np.ndarray]:
        """``{task: pooled probabilities}``; each member sees the same examples."""
        unknown = [t for t in tasks if t not in self.labels]
        if unknown:
            raise KeyError(f"this ensemble has no {unknown[0]!r} task (tasks: "
                           f"{list(self.labels)})")
        if len(examples) == 0:
            return {t: np.zeros((0, len(self.labels[t]))) for t in tasks}
        outs = [task_probabilities(m, examples, tasks, batch_size) for m in self.members]
        return {t: pool_probabilities([np.asarray(o[t])[:, cols] for o, cols in
                                       zip(outs, self._columns[t], strict=True)], self.weights)
                for t in tasks}


# --------------------------------------------------------------------------- directories


@dataclass(frozen=True)
class MemberSpec:
    """One member as an ensemble directory records it."""

    path: Path
    weight: float
    info_sha256: str


def is_ensemble_dir(root: str | Path) -> bool:
    """True for a directory whose ``newsstance.json`` says ``"kind": "ensemble"``."""
    try:
        return read_info(root, EnsembleError).get("kind") == ENSEMBLE_KIND
    except EnsembleError:
        return False


def read_members(root: str | Path) -> list[MemberSpec]:
    """The members an ensemble directory records, checked against their ``newsstance.json``."""
    root = Path(root)
    entry = read_info(root, EnsembleError).get(ENSEMBLE_KEY)
    members = entry.get("members") if isinstance(entry, dict) else None
    if not isinstance(members, list) or not members:
        raise EnsembleError(f"{root / INFO_FILE}: no 'ensemble.members' list")
    if entry.get("method", METHOD) != METHOD:
        raise EnsembleError(f"{root / INFO_FILE}: unknown pooling method {entry['method']!r}")
    specs = []
    for m in members:
        if not isinstance(m, dict) or not isinstance(m.get("path"), str):
            raise EnsembleError(f"{root / INFO_FILE}: bad member entry {m!r}")
        path = (root / m["path"]).resolve()
        if root.resolve() not in path.parents:
            raise EnsembleError(f"{root / INFO_FILE}: member path {m['path']!r} leaves the "
                                "ensemble directory")
        info = path / INFO_FILE
        if not info.is_file():
            raise EnsembleError(f"ensemble member {path} is missing (no {INFO_FILE})")
        if sha256_file(info) != m.get("info_sha256"):
            raise EnsembleError(f"{info} does not match the sha256 recorded in "
                                f"{root / INFO_FILE} (member altered or replaced)")
        specs.append(MemberSpec(path, m.get("weight"), m["info_sha256"]))
    check_weights([s.weight for s in specs], len(specs))
    return specs


def load_ensemble(root: str | Path, load_member: Callable[[Path], Any]) -> EnsembleClassifier:
    """The ensemble in ``root``, each member loaded by ``load_member(member_dir)``."""
    specs = read_members(root)
    return EnsembleClassifier([load_member(s.path) for s in specs], [s.weight for s in specs])
