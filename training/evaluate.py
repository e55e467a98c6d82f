"""Run a model (transformer or baseline) over a labelled dataset and score it.

The model only needs ``labels`` (task → label list) and ``predict_proba(examples, task,
batch_size=...)``; :func:`load_model` picks the right class from the directory's files.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.calibration import with_calibration
from newsstance.training.bootstrap import macro_f1_interval
from newsstance.training.calibration import calibration_metrics, label_ids
from newsstance.training.metrics import TASK_LABELS, task_metrics
from newsstance.training.model_files import model_kind, write_json

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
#: Scored subsets, recognised by an id suffix (VAST marks zero-/few-shot topics in its ids).
ID_SUBSETS: dict[str, str] = {"zero_shot": "-zs", "few_shot": "-fs"}
#: Scored subsets of nqs, recognised by the article id's prefix: where the article comes from
#: (real FNC-1 or PolNeAR bodies, or the synthetic company/employee stories).
NQS_ORIGINS: dict[str, str] = {"fnc1_articles": "fnc1-", "polnear_articles": "polnear-",
                               "synthetic_articles": "syn-"}
DEFAULT_SPLIT = "dev"
#: File name prefix of the per-example predictions ``write_results`` writes.
PREDICTIONS_PREFIX = "predictions_"


class DataSpecError(ValueError):
    """An unknown source, a missing split or an unusable ``--data`` value."""


@dataclass(frozen=True)
class DataSpec:
    """``SOURCE[:split]``: a loader name or a schema .csv/.jsonl path, and a split (``None``:
    ``dev``, or a data file's only split)."""

    source: str
    split: str | None = None

    @property
    def is_path(self) -> bool:
        return self.source.endswith((".csv", ".jsonl")) or "/" in self.source or os.sep in (
            self.source)

    @property
    def name(self) -> str:
        """File-name-safe name: the loader name, or the path's stem."""
        raw = Path(self.source).stem if self.is_path else self.source
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw)


def parse_data_spec(spec: str) -> DataSpec:
    """``"nqs"`` → (nqs, None); ``"fnc1:train"`` → (fnc1, train); ``"x.jsonl:dev"`` works too."""
    source, sep, split = spec.rpartition(":")
    if sep and split in SPLITS and source:
        return DataSpec(source, split)
    if not spec:
        raise DataSpecError("empty --data value")
    return DataSpec(spec)


def load_split(spec: DataSpec, data_dir: str | os.PathLike[str] | None = None
               ) -> tuple[str, Any]:
    """``(split, datasets.Dataset)`` named by ``spec``; :class:`DataSpecError` if it does not
    exist. Without a split: ``dev``, or the only split of a data file."""
    from newsstance.training.data import load_source

    if spec.is_path and not Path(spec.source).exists():
        raise DataSpecError(f"{spec.source}: no such file")
    try:
        dsd = load_source(spec.source, data_dir=data_dir)
    except FileNotFoundError as exc:
        raise DataSpecError(f"data for {spec.source!r} not found: {exc}") from exc
    except (KeyError, ValueError) as exc:
        raise DataSpecError(str(exc)) from exc
    split = spec.split
    if split is None:
        split = next(iter(dsd)) if spec.is_path and len(dsd) == 1 else DEFAULT_SPLIT
    if split not in dsd:
        raise DataSpecError(f"{spec.source!r} has no {split!r} split "
                            f"(available: {', '.join(dsd) or 'none'})")
    return split, dsd[split]


def load_model(path: str | os.PathLike[str], *, calibrated: bool = True, backend: str = "auto"
               ) -> Any:
    """The classifier in a model directory (by its files): a :class:`BaselineModel`, or what
    :func:`~newsstance.inference.loading.load_classifier` loads (a transformer on ``backend``:
    ``auto`` = PyTorch when the weights are there, else ONNX; an ensemble). Temperature-scaled
    when the directory records a calibration, unless ``calibrated=False``."""
    if model_kind(path) == "baseline":
        from newsstance.training.baseline import BaselineModel

        model = BaselineModel.load(path)
        return with_calibration(model, path) if calibrated else model
    from newsstance.inference.loading import load_classifier

    return load_classifier(path, backend=backend, calibrated=calibrated)[0]


def task_subset(ds: Any, task: str, max_samples: int | None = None, seed: int = 13) -> Any:
    """The rows of ``task``, at most ``max_samples`` of them (a seeded random subset)."""
    ds = ds.select([i for i, t in enumerate(ds["task"]) if t == task])
    if max_samples is not None and len(ds) > max_samples:
        ds = ds.shuffle(seed=seed).select(range(max_samples))
    return ds


def predict_probabilities(model: Any, examples: Any, task: str, batch_size: int = 32
                          ) -> np.ndarray:
    """``model.predict_proba`` as an (n, labels) array, its shape checked."""
    labels = model.labels[task]
    if len(examples) == 0:
        return np.zeros((0, len(labels)))
    rows = examples.to_list() if hasattr(examples, "to_list") else list(examples)
    proba = np.asarray(model.predict_proba(rows, task, batch_size=batch_size), dtype=np.float64)
    if proba.shape != (len(rows), len(labels)):
        raise ValueError(f"predict_proba returned shape {proba.shape}, expected "
                         f"({len(rows)}, {len(labels)})")
    return proba


def data_tasks(ds: Any) -> list[str]:
    """Tasks present in a dataset, in canonical order."""
    present = set(ds["task"]) if len(ds) else set()
    return [t for t in TASK_LABELS if t in present]


def evaluate_dataset(model: Any, ds: Any, *, source: str = "", tasks: Iterable[str] | None = None,
                     batch_size: int = 32, max_samples: int | None = None,
                     seed: int = 13, predictions: list[dict[str, Any]] | None = None
                     ) -> dict[str, dict[str, Any]]:
    """Metrics per task (see :func:`~newsstance.training.metrics.task_metrics`), with
    ``macro_f1_ci95`` (a bootstrap interval that resamples whole articles, see
    :mod:`~newsstance.training.bootstrap`) and ``calibration`` (ECE, NLL, Brier; see
    :mod:`~newsstance.training.calibration`). A ``predictions`` list, when given, receives one row
    per scored example (task, id, group, gold, pred).

    ``tasks`` defaults to every task present in both the data and the model (the others are
    skipped with a log message); ``max_samples`` caps examples per task (seeded random subset).
    """
    present = data_tasks(ds)
    wanted = list(tasks) if tasks is not None else present
    results: dict[str, dict[str, Any]] = {}
    for task in wanted:
        if task not in present:
            log.info("%s: no %s examples", source, task)
            continue
        if task not in model.labels:
            log.warning("%s: model has no %s head; skipped", source, task)
            continue
        sub = task_subset(ds, task, max_samples, seed)
        gold = list(sub["label"])
        labels = model.labels[task]
        proba = predict_probabilities(model, sub, task, batch_size)
        pred = [labels[i] for i in proba.argmax(axis=1)]
        src = source or _single_source(sub)
        results[task] = task_metrics(gold, pred, task=task, source=src, labels=labels)
        known, gold_ids = label_ids(gold, labels)
        if known:
            results[task]["calibration"] = calibration_metrics(proba[known], gold_ids)
        groups = list(sub["group"]) if "group" in sub.column_names else None
        results[task]["macro_f1_ci95"] = list(macro_f1_interval(gold, pred, groups=groups))
        if predictions is not None:
            predictions += [{"task": task, "id": i, "group": g, "gold": t, "pred": p}
                            for i, g, t, p in zip(sub["id"], groups or [None] * len(gold), gold,
                                                  pred, strict=True)]
        subsets = subset_metrics(list(sub["id"]), gold, pred, task=task, source=src,
                                 labels=model.labels[task], groups=groups)
        if subsets:
            results[task]["subsets"] = subsets
    return results


def subset_metrics(ids: Sequence[str], gold: Sequence[str], pred: Sequence[str], *, task: str,
                   source: str, labels: Sequence[str], groups: Sequence[str] | None = None
                   ) -> dict[str, dict[str, Any]]:
    """Metrics (without per-class details) for each proper subset present: :data:`ID_SUBSETS`
    by id, and for nqs (``source`` starting with ``nqs``) :data:`NQS_ORIGINS` by article id
    (``groups``), these with the bootstrap interval over their articles."""
    parts = {name: ([i for i, x in enumerate(ids) if x.endswith(suffix)], False)
             for name, suffix in ID_SUBSETS.items()}
    if groups is not None and source.startswith("nqs"):
        parts |= {name: ([i for i, g in enumerate(groups) if str(g).startswith(prefix)], True)
                  for name, prefix in NQS_ORIGINS.items()}
    out = {}
    for name, (keep, by_article) in parts.items():
        if keep and len(keep) < len(ids):
            sub_gold, sub_pred = [gold[i] for i in keep], [pred[i] for i in keep]
            m = task_metrics(sub_gold, sub_pred, task=task, source=source, labels=labels)
            out[name] = {k: v for k, v in m.items() if k not in ("per_class", "labels")}
            if by_article:  # only nqs origins, which exist only when groups were given
                out[name]["macro_f1_ci95"] = list(macro_f1_interval(
                    sub_gold, sub_pred, groups=[groups[i] for i in keep]))
    return out


def _single_source(ds: Any) -> str:
    sources = set(ds["source"]) if len(ds) else set()
    return sources.pop() if len(sources) == 1 else ""


def write_results(results: Mapping[str, Mapping[str, Any]], out_dir: str | os.PathLike[str], *,
                  name: str, split: str, meta: Mapping[str, Any] | None = None,
                  plots: bool = True,
                  predictions: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """Write ``eval_<name>_<split>.json``, ``confusion_<name>_<split>_<task>.png`` files and,
    given ``predictions`` (rows from :func:`evaluate_dataset`), ``predictions_<name>_<split>.jsonl``
    (what ``compare-evals`` reads)."""
    out_dir = Path(out_dir)
    path = write_json(out_dir / f"eval_{name}_{split}.json",
                      {**(meta or {}), "source": name, "split": split, "tasks": dict(results)})
    if predictions:
        (out_dir / f"{PREDICTIONS_PREFIX}{name}_{split}.jsonl").write_text(
            "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in predictions),
            encoding="utf-8")
    if plots:
        from newsstance.training.plots import plot_confusion

        for task, m in results.items():
            plot_confusion(m["confusion"], m["labels"],
                           out_dir / f"confusion_{name}_{split}_{task}.png",
                           title=f"{name} {split} · {task} (n={m['n']})")
    return path


def format_table(rows: Sequence[tuple[str, str, Mapping[str, Any]]]) -> str:
    """A plain-text table of ``(data, task, metrics)`` rows."""
    head = (f"{'data':<28} {'task':<10} {'n':>6} {'macroF1':>8} {'95% interval':>14} {'acc':>6} "
            f"{'F_avg':>6} {'FNC':>6} {'ECE':>6}")
    lines = [head, "-" * len(head)]
    rows = _with_subsets(rows)
    for data, task, m in rows:
        fav = f"{m['f_avg']:.3f}" if "f_avg" in m else "-"
        fnc = f"{m['fnc_score']:.3f}" if "fnc_score" in m else "-"
        ci = m.get("macro_f1_ci95")
        interval = f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else "-"
        ece = f"{m['calibration']['ece']:.3f}" if "calibration" in m else "-"
        lines.append(f"{data:<28} {task:<10} {m['n']:>6} {m['macro_f1']:>8.3f} {interval:>14} "
                     f"{m['accuracy']:>6.3f} {fav:>6} {fnc:>6} {ece:>6}")
    return "\n".join(lines)


def _with_subsets(rows: Sequence[tuple[str, str, Mapping[str, Any]]]
                  ) -> list[tuple[str, str, Mapping[str, Any]]]:
    out = []
    for data, task, m in rows:
        out.append((data, task, m))
        out += [(f"  [{name}]", task, sm) for name, sm in m.get("subsets", {}).items()]
    return out
