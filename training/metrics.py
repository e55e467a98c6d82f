"""Classification metrics for quote stance and sentiment (plain Python + NumPy, no scikit-learn).

Conventions:

* Labels are strings; :func:`label_order` fixes their order (canonical labels first, then any other
  label in sorted order) so confusion matrices and tables line up across runs.
* ``macro_f1`` averages the F1 of the classes that occur in the gold labels. A class that is only
  predicted (e.g. *neutral* on a PRO/CON set) is listed in ``per_class`` and costs recall of the
  gold classes, but is not averaged in. When every class occurs in the gold labels this equals
  scikit-learn's ``f1_score(average="macro")``.
* ``f_avg`` is SemEval-2016 Task 6's official score: the mean F1 of *favor* and *against* (neutral /
  NONE counts only through the errors it causes).
* ``fnc_score`` is FNC-1's weighted score, normalised to [0, 1]; see its docstring for how it reads
  in our label space.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")
TASK_LABELS: dict[str, tuple[str, ...]] = {"stance": STANCE_LABELS, "sentiment": SENTIMENT_LABELS}
#: FNC-1's extra class when a loader keeps it (headline unrelated to the body).
UNRELATED = "unrelated"
#: Sources whose stance labels come from FNC-1-style headline/body pairs.
FNC_SOURCES = frozenset({"fnc1", "arc", "arc_ukp"})


def label_order(labels: Iterable[str], task: str | None = None) -> list[str]:
    """``labels`` deduplicated: canonical labels first (the task's, or all tasks'), then sorted."""
    seen = set(labels)
    canon = TASK_LABELS.get(task or "", (*STANCE_LABELS, *SENTIMENT_LABELS, UNRELATED))
    head = list(dict.fromkeys(lab for lab in canon if lab in seen))
    return head + sorted(seen - set(head))


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str],
                     labels: Sequence[str]) -> np.ndarray:
    """Counts ``m[i, j]`` of gold ``labels[i]`` predicted as ``labels[j]`` (int64)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    index = {lab: i for i, lab in enumerate(labels)}
    missing = (set(y_true) | set(y_pred)) - set(index)
    if missing:
        raise ValueError(f"labels not in the label list {list(labels)}: {sorted(missing)}")
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        m[index[t], index[p]] += 1
    return m


def _prf(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    tp = np.diag(m).astype(float)
    pred = m.sum(axis=0).astype(float)
    gold = m.sum(axis=1).astype(float)
    precision = np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0)
    recall = np.divide(tp, gold, out=np.zeros_like(tp), where=gold > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1, gold.astype(np.int64)


def per_class(y_true: Sequence[str], y_pred: Sequence[str],
              labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """``{label: {precision, recall, f1, support}}`` (0.0 where undefined, as sklearn's default)."""
    p, r, f, s = _prf(confusion_matrix(y_true, y_pred, labels))
    return {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                  "support": int(s[i])} for i, lab in enumerate(labels)}


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str],
             labels: Sequence[str] | None = None) -> float:
    """Mean F1 over the classes present in ``y_true`` (0.0 for empty input)."""
    if not y_true:
        return 0.0
    labels = list(labels) if labels is not None else label_order([*y_true, *y_pred])
    stats = per_class(y_true, y_pred, labels)
    gold = set(y_true)
    return float(np.mean([stats[lab]["f1"] for lab in labels if lab in gold]))


def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Share of exact matches (0.0 for empty input)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    return float(np.mean([t == p for t, p in zip(y_true, y_pred, strict=True)])) if y_true else 0.0


def f_avg(y_true: Sequence[str], y_pred: Sequence[str],
          classes: Sequence[str] = ("favor", "against")) -> float:
    """SemEval-2016 Task 6 score: mean F1 of ``classes`` (favor, against) over all items."""
    labels = label_order([*y_true, *y_pred, *classes])
    stats = per_class(y_true, y_pred, labels)
    return float(np.mean([stats[c]["f1"] for c in classes]))


def fnc_score(y_true: Sequence[str], y_pred: Sequence[str], unrelated: str = UNRELATED) -> float:
    """FNC-1's weighted score divided by the best possible score (in [0, 1]).

    The official scorer gives, per pair: +0.25 when the related/unrelated decision is right
    (both ``unrelated``, or both related), and +0.75 more when a related pair gets its exact
    label (agree/disagree/discuss; here favor/against/neutral). The maximum is 0.25 per gold
    unrelated pair and 1.0 per gold related pair.

    Our loaders map agree→favor, disagree→against, discuss→neutral. When unrelated pairs are
    dropped every pair is related and the relatedness decision is always right, so the score
    is ``0.25 + 0.75 * accuracy``. When a 4th ``unrelated`` class is kept, the official formula
    applies unchanged.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    score = best = 0.0
    for t, p in zip(y_true, y_pred, strict=True):
        t_rel, p_rel = t != unrelated, p != unrelated
        best += 1.0 if t_rel else 0.25
        if t_rel == p_rel:
            score += 0.25
            if t_rel and t == p:
                score += 0.75
    return score / best if best else 0.0


def classification_report(y_true: Sequence[str], y_pred: Sequence[str],
                          labels: Sequence[str] | None = None,
                          task: str | None = None) -> dict[str, Any]:
    """Per-class P/R/F1/support, macro-F1, accuracy, n and the confusion matrix (JSON-ready).

    ``labels`` fixes the row/column order; labels seen in the data but not listed are appended.
    """
    order = list(labels or [])
    order += [lab for lab in label_order([*y_true, *y_pred], task) if lab not in order]
    return {
        "n": len(y_true),
        "labels": order,
        "accuracy": accuracy(y_true, y_pred),
        "macro_f1": macro_f1(y_true, y_pred, order),
        "per_class": per_class(y_true, y_pred, order),
        "confusion": confusion_matrix(y_true, y_pred, order).tolist(),
    }


def task_metrics(y_true: Sequence[str], y_pred: Sequence[str], *, task: str, source: str = "",
                 labels: Sequence[str] | None = None) -> dict[str, Any]:
    """:func:`classification_report` plus the scores that apply to this source and task.

    ``f_avg`` for every stance set; ``fnc_score`` for FNC-1-style sets (fnc1, arc_ukp).
    """
    report = classification_report(y_true, y_pred, labels, task)
    report["task"] = task
    if task == "stance":
        report["f_avg"] = f_avg(y_true, y_pred)
        if source in FNC_SOURCES:
            report["fnc_score"] = fnc_score(y_true, y_pred)
    return report
