"""Assemble a run's training and dev inputs from its sources.

Rows become :class:`TaskInput` s: one model input with the labels of every task it carries, so an
nqs quote (a stance row and a sentiment row with the same text) is encoded once and trains both
heads. Subsampling uses ``random.Random`` seeded with the run's seed and the source name.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from newsstance.inference.encoding import EncodingSettings, build_pair
from newsstance.training.config import KNOWN_SOURCES, SourceSpec, TrainConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Schema columns that feed the model input (the rest is bookkeeping).
INPUT_COLUMNS = ("target", "text", "quote_start", "quote_end", "target_start", "target_end",
                 "speaker", "speaker_role", "text_quotes")


class DataError(ValueError):
    """A source cannot be loaded or gives no usable rows."""


@dataclass
class TaskInput:
    """One model input (``example``: the schema fields the encoder reads) and its labels."""

    example: dict[str, Any]
    labels: dict[str, str]
    source: str
    group: str
    weight: float = 1.0


@dataclass
class RunData:
    """Training inputs, dev inputs per source label, and a JSON-ready summary.

    ``train`` holds every input some epoch trains on. Without ``resample`` that is each epoch's
    whole set. With it, ``caps`` (source label → ``max_samples``) and ``max_train_samples`` are
    applied per epoch by :meth:`epoch_indices`.
    """

    train: list[TaskInput]
    dev: dict[str, list[TaskInput]]
    summary: dict[str, Any] = field(default_factory=dict)
    resample: bool = False
    caps: dict[str, int] = field(default_factory=dict)
    max_train_samples: int | None = None
    seed: int = 0

    def epoch_indices(self, epoch: int) -> list[int]:
        """Indices into ``train`` of the inputs epoch ``epoch`` (from 1) trains on, in order.

        With ``resample``, a capped source's inputs are shuffled once (seeded) and epoch ``e``
        takes the next ``cap`` of them, wrapping round, so every input is used before any repeats.
        """
        if not self.resample:
            return list(range(len(self.train)))
        chosen: list[int] = []
        for source, order in self._orders.items():
            cap = self.caps.get(source)
            if cap is None or len(order) <= cap:
                chosen.extend(order)
                continue
            start = (epoch - 1) * cap % len(order)
            chosen.extend((order + order)[start:start + cap])
        chosen.sort()
        return subsample(chosen, self.max_train_samples, self.seed, f"all:{epoch}")

    @cached_property
    def _orders(self) -> dict[str, list[int]]:
        """Each source's indices into ``train``; a capped source's in its seeded shuffled order."""
        by_source: dict[str, list[int]] = {}
        for i, item in enumerate(self.train):
            by_source.setdefault(item.source, []).append(i)
        return {source: random.Random(f"{self.seed}:{source}:epochs").sample(idx, len(idx))
                if source in self.caps else idx for source, idx in by_source.items()}


def merge_rows(rows: Iterable[Mapping[str, Any]], settings: EncodingSettings, source: str,
               weight: float = 1.0) -> list[TaskInput]:
    """Group rows with the same model input (and article) into one :class:`TaskInput`."""
    merged: list[TaskInput] = []
    index: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        example = {k: row.get(k) for k in INPUT_COLUMNS if k in row}
        pair = build_pair(example, settings)
        key = (str(row.get("group", "")), pair.first, pair.second)
        task, label = row["task"], row["label"]
        for i in index.get(key, []):
            if task not in merged[i].labels:
                merged[i].labels[task] = label
                break
        else:
            index.setdefault(key, []).append(len(merged))
            merged.append(TaskInput(example=example, labels={task: label}, source=source,
                                    group=str(row.get("group", "")), weight=weight))
    return merged


def subsample(items: list[T], limit: int | None, seed: int, salt: str) -> list[T]:
    """At most ``limit`` items, a seeded random choice kept in their original order."""
    if limit is None or len(items) <= limit:
        return items
    chosen = sorted(random.Random(f"{seed}:{salt}").sample(range(len(items)), limit))
    return [items[i] for i in chosen]


def _load(spec: SourceSpec, data_dir: str | None) -> Any:
    """The source's splits (``load_source``: a loader name, a schema file or folder, hub:...)."""
    from newsstance.training.data import load_source

    try:
        return load_source(spec.name, data_dir=data_dir, **spec.kwargs)
    except FileNotFoundError as exc:
        raise DataError(f"data for source {spec.name!r} not found: {exc}") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise DataError(f"cannot load source {spec.name!r}: {exc}") from exc


def _rows(ds: Any, tasks: list[str] | None) -> list[dict[str, Any]]:
    if ds is None:
        return []
    rows = ds.to_list()
    return rows if tasks is None else [r for r in rows if r["task"] in tasks]


def _label_counts(items: list[TaskInput]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for item in items:
        for task, label in item.labels.items():
            counts.setdefault(task, Counter())[label] += 1
    return {task: dict(sorted(c.items())) for task, c in sorted(counts.items())}


def _excluded_groups(config: TrainConfig) -> set[str]:
    others = [s for s in config.sources if s.use_train and s.name in KNOWN_SOURCES
              and s.name != "nqs"]
    if not config.exclude_nqs_dev_groups or not others:
        return set()
    from newsstance.training.data import nqs_dev_groups

    try:
        return set(nqs_dev_groups(data_dir=config.data_dir))
    except FileNotFoundError:
        log.warning("nqs dev not found: no groups excluded from the other sources")
        return set()


def load_run_data(config: TrainConfig) -> RunData:
    """Load, filter, merge and subsample every source of ``config``."""
    settings = config.encoding_settings()
    excluded = _excluded_groups(config)
    train: list[TaskInput] = []
    dev: dict[str, list[TaskInput]] = {}
    summary: dict[str, Any] = {"sources": {}, "excluded_groups": len(excluded)}
    for spec in [*config.sources, *config.eval_sources]:
        is_train = spec.use_train and spec in config.sources
        dsd = _load(spec, config.data_dir)
        info: dict[str, Any] = {"name": spec.name, "tasks": spec.tasks, "weight": spec.weight,
                                "kwargs": spec.kwargs, "trained_on": is_train}
        if is_train:
            train_ds = dsd.get("train") if hasattr(dsd, "get") else None
            rows = _rows(train_ds, spec.tasks)
            before = len(rows)
            if excluded and spec.label != "nqs":
                rows = [r for r in rows if r["group"] not in excluded]
            items = merge_rows(rows, settings, spec.label, spec.weight)
            info.update(train_rows=before, train_rows_excluded=before - len(rows),
                        train_inputs_available=len(items))
            if not config.resample_each_epoch:
                items = subsample(items, spec.max_samples, config.seed, spec.label)
            if not items:
                raise DataError(f"source {spec.name!r} gives no training rows"
                                f"{' for tasks ' + str(spec.tasks) if spec.tasks else ''}")
            train.extend(items)
        dev_ds = dsd.get("dev") if hasattr(dsd, "get") else None
        dev_items = merge_rows(_rows(dev_ds, spec.tasks), settings, spec.label)
        info["dev_inputs_available"] = len(dev_items)
        dev_items = subsample(dev_items, spec.max_eval_samples or config.max_eval_samples,
                              config.seed, f"dev:{spec.label}")
        if dev_items:
            dev[spec.label] = dev_items
        info["dev_inputs"] = len(dev_items)
        info["dev_labels"] = _label_counts(dev_items)
        summary["sources"][spec.label] = info
    if (not config.resample_each_epoch and config.max_train_samples is not None
            and len(train) > config.max_train_samples):
        train = subsample(train, config.max_train_samples, config.seed, "all")
    data = RunData(train=train, dev=dev, summary=summary, resample=config.resample_each_epoch,
                   caps={s.label: s.max_samples for s in config.sources if s.max_samples},
                   max_train_samples=config.max_train_samples, seed=config.seed)
    first = [train[i] for i in data.epoch_indices(1)]
    seen = set().union(*(data.epoch_indices(e) for e in range(1, config.epochs + 1)))
    for label, info in summary["sources"].items():
        if info["trained_on"]:
            mine = [t for t in first if t.source == label]
            info["train_inputs"] = len(mine)
            info["train_labels"] = _label_counts(mine)
            if data.resample:
                info["train_inputs_seen"] = sum(train[i].source == label for i in seen)
    summary["train_inputs"] = len(first)
    summary["train_labels"] = _label_counts(first)
    return data
