"""The scikit-learn baseline: TF-IDF features + logistic regression, one pipeline per task.

Features per example (each a separate TF-IDF vocabulary, word 1–2 grams by default):

* ``target`` – the stance target / entity (``""`` for sentence-level sentiment sets);
* ``quote``  – the quote span ``text[quote_start:quote_end]`` when marked, else the whole text;
* ``text``   – the whole text (the quote with its context);
* ``role``   – the speaker role, one-hot (``""`` = none).

A text feature whose column is empty in the training data of a task is dropped for that task.
Models are saved with ``skops`` (never pickle) and loaded only when every type the file needs is
trusted by skops or on :data:`TRUSTED_TYPES`. ``save`` also writes the plain-data export that
``NewsAnalyzer`` loads in well under a second
(:class:`~newsstance.inference.linear_backend.LinearBaseline`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.linear_backend import (
    LINEAR_SHA_KEY,
    column,
    export_linear,
    feature_columns,
)
from newsstance.training.metrics import TASK_LABELS, label_order
from newsstance.training.model_files import (
    BASELINE_SUFFIX,
    INFO_FILE,
    METRICS_FILE,
    read_model_info,
    write_json,
    write_model_info,
)

log = logging.getLogger(__name__)

TASKS = tuple(TASK_LABELS)
FEATURES = ("target", "quote", "text", "role")
TEXT_FEATURES = ("target", "quote", "text")
SOLVERS = ("saga", "sag", "lbfgs", "newton-cg")  # multinomial solvers
#: Data-only types a baseline file may need beyond skops' defaults (today's files need none; some
#: skops/scikit-learn versions flag these). Any other untrusted type is refused.
TRUSTED_TYPES: frozenset[str] = frozenset({
    "numpy.dtype", "numpy.float32", "numpy.float64", "numpy.int32", "numpy.int64",
    "builtins.slice", "scipy.sparse._csr.csr_matrix", "scipy.sparse._csr.csr_array",
    "sklearn.utils._bunch.Bunch",
})


class UntrustedModelError(RuntimeError):
    """A ``.skops`` file needs types outside the allow-list."""


# --------------------------------------------------------------------------- config


@dataclass
class SourceSpec:
    """One training source: a loader name or a schema .csv/.jsonl path, its tasks and a cap."""

    name: str
    tasks: tuple[str, ...] | None = None  # None: every task the source has
    max_samples: int | None = None  # per task, seeded random subset of the train split

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("source name must be a non-empty string")
        if self.tasks is not None:
            if isinstance(self.tasks, str):
                self.tasks = (self.tasks,)
            self.tasks = tuple(self.tasks)
            bad = [t for t in self.tasks if t not in TASKS]
            if bad or not self.tasks:
                raise ValueError(f"source {self.name!r}: tasks must be among {TASKS}, got "
                                 f"{list(self.tasks)}")
        if self.max_samples is not None and (
                not isinstance(self.max_samples, int) or self.max_samples < 1):
            raise ValueError(f"source {self.name!r}: max_samples must be a positive integer")


@dataclass
class BaselineConfig:
    """Hyper-parameters and training data of the baseline (see ``training/configs/baseline.json``).
    """

    sources: list[SourceSpec]
    C: float = 1.0
    ngram_range: tuple[int, int] = (1, 2)
    max_features: int | None = 50_000  # per text feature
    min_df: int = 2
    sublinear_tf: bool = True
    class_weight: str | None = "balanced"
    features: tuple[str, ...] = FEATURES
    solver: str = "saga"  # fast on sparse TF-IDF; "lbfgs" matches sklearn's default
    tol: float = 1e-3
    max_iter: int = 1000
    seed: int = 13
    exclude_nqs_dev_groups: bool = True
    exclude_dev_groups_of: list[str] = field(default_factory=list)  # e.g. ["vast"]
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.sources, (list, tuple)) or not self.sources:
            raise ValueError("config needs a non-empty 'sources' list")
        self.sources = [_source_spec(s) for s in self.sources]
        if not isinstance(self.C, (int, float)) or isinstance(self.C, bool) or self.C <= 0:
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        self.C = float(self.C)
        ng = tuple(self.ngram_range) if isinstance(self.ngram_range, (list, tuple)) else ()
        if len(ng) != 2 or not all(isinstance(n, int) for n in ng) or not 1 <= ng[0] <= ng[1]:
            raise ValueError(f"ngram_range must be [min, max] with 1 <= min <= max, "
                             f"got {self.ngram_range!r}")
        self.ngram_range = (ng[0], ng[1])
        if self.max_features is not None and (
                not isinstance(self.max_features, int) or self.max_features < 1):
            raise ValueError(f"max_features must be a positive integer or null, "
                             f"got {self.max_features!r}")
        if not isinstance(self.min_df, int) or self.min_df < 1:
            raise ValueError(f"min_df must be a positive integer, got {self.min_df!r}")
        if self.class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be 'balanced' or null, got {self.class_weight!r}")
        self.features = tuple(self.features)
        bad = [f for f in self.features if f not in FEATURES]
        if bad or not self.features:
            raise ValueError(f"features must be a non-empty subset of {FEATURES}, got "
                             f"{list(self.features)}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        if not isinstance(self.tol, (int, float)) or isinstance(self.tol, bool) or self.tol <= 0:
            raise ValueError(f"tol must be a positive number, got {self.tol!r}")
        if not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if isinstance(self.exclude_dev_groups_of, str) or not all(
                isinstance(n, str) and n for n in self.exclude_dev_groups_of):
            raise ValueError("exclude_dev_groups_of must be a list of source names")
        self.exclude_dev_groups_of = list(self.exclude_dev_groups_of)
        if not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselineConfig:
        """Build from a mapping; unknown keys are an error (typos should not pass silently)."""
        if not isinstance(data, Mapping):
            raise ValueError("config must be a JSON/YAML mapping")
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; known: {sorted(known)}")
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> BaselineConfig:
        """Read a ``.json`` or ``.yaml``/``.yml`` config."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (round-trips through :meth:`from_dict`)."""
        out = asdict(self)
        out["ngram_range"] = list(self.ngram_range)
        out["features"] = list(self.features)
        for s in out["sources"]:
            if s["tasks"] is not None:
                s["tasks"] = list(s["tasks"])
        return out


def _source_spec(item: Any) -> SourceSpec:
    if isinstance(item, SourceSpec):
        return item
    if isinstance(item, str):
        return SourceSpec(item)
    if isinstance(item, Mapping):
        unknown = sorted(set(item) - {"name", "tasks", "max_samples"})
        if unknown:
            raise ValueError(f"unknown source keys {unknown} (known: name, tasks, max_samples)")
        if "name" not in item:
            raise ValueError(f"source entry without 'name': {dict(item)}")
        return SourceSpec(**item)
    raise ValueError(f"a source is a name or a mapping with 'name', got {item!r}")


# --------------------------------------------------------------------------- features


def feature_frame(examples: Sequence[Mapping[str, Any]] | Any) -> Any:
    """A pandas DataFrame with the columns the pipelines read (``target``, ``quote``, ``text``,
    ``role``) from schema rows (a list of dicts or a ``datasets.Dataset``); see
    :func:`~newsstance.inference.linear_backend.feature_columns`."""
    import pandas as pd

    return pd.DataFrame(feature_columns(examples))


def _has_text(values: Iterable[str], min_docs: int) -> bool:
    return sum(1 for v in values if any(ch.isalnum() for ch in v)) >= min_docs


def build_pipeline(config: BaselineConfig, frame: Any | None = None) -> Any:
    """An unfitted ``Pipeline(ColumnTransformer -> LogisticRegression)``; with ``frame``, text
    features with fewer than ``min_df`` non-empty documents are left out."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    parts = []
    for name in config.features:
        if name == "role":
            parts.append(("role", OneHotEncoder(handle_unknown="ignore"), ["role"]))
            continue
        if frame is not None and not _has_text(frame[name], config.min_df):
            continue
        vec = TfidfVectorizer(ngram_range=config.ngram_range, max_features=config.max_features,
                              min_df=config.min_df, sublinear_tf=config.sublinear_tf,
                              strip_accents="unicode", dtype=np.float32)
        parts.append((name, vec, name))
    if not parts:
        raise ValueError("no usable features: every selected text column is empty")
    clf = LogisticRegression(C=config.C, class_weight=config.class_weight, solver=config.solver,
                             tol=config.tol, max_iter=config.max_iter, random_state=config.seed)
    return Pipeline([("features", ColumnTransformer(parts)), ("clf", clf)])


def _compact(pipe: Any) -> Any:
    """Make vocabularies plain ``{str: int}``: skops stores each NumPy scalar as its own array
    file, which makes saving 100k-term vocabularies take minutes."""
    for _, step, _ in pipe.named_steps["features"].transformers_:
        if hasattr(step, "vocabulary_"):
            step.vocabulary_ = {term: int(i) for term, i in step.vocabulary_.items()}
        if hasattr(step, "stop_words_"):
            step.stop_words_ = None  # terms cut by max_features/min_df: not needed to predict
    return pipe


# --------------------------------------------------------------------------- model


class BaselineModel:
    """One fitted scikit-learn pipeline per task, with the transformer classifier's interface:
    ``labels``, ``predict_proba(examples, task)``, ``predict(examples, task)``."""

    kind = "baseline"

    def __init__(self, pipelines: Mapping[str, Any], info: Mapping[str, Any] | None = None,
                 metrics: Mapping[str, Any] | None = None) -> None:
        self.pipelines = dict(pipelines)
        self.info = dict(info or {})
        self.metrics = dict(metrics or {})
        self.labels: dict[str, list[str]] = {
            task: label_order(map(str, pipe.classes_), task)
            for task, pipe in self.pipelines.items()
        }

    @property
    def tasks(self) -> list[str]:
        return list(self.pipelines)

    @classmethod
    def fit(cls, examples_by_task: Mapping[str, Any], config: BaselineConfig,
            info: Mapping[str, Any] | None = None) -> BaselineModel:
        """Fit one pipeline per task on schema rows (list of dicts or ``datasets.Dataset``)."""
        pipelines = {}
        for task, examples in examples_by_task.items():
            if task not in TASKS:
                raise ValueError(f"unknown task {task!r} (expected one of {TASKS})")
            labels = column(examples, "label", "")
            if len(set(labels)) < 2:
                raise ValueError(f"task {task!r}: need at least two labels to train, "
                                 f"got {sorted(set(labels))} in {len(labels)} example(s)")
            frame = feature_frame(examples)
            pipelines[task] = _compact(build_pipeline(config, frame).fit(frame, labels))
        return cls(pipelines, {"config": config.to_dict(), **(info or {})})

    def _pipeline(self, task: str) -> Any:
        if task not in self.pipelines:
            raise KeyError(f"this baseline has no {task!r} model (tasks: {self.tasks})")
        return self.pipelines[task]

    def predict_proba(self, examples: Sequence[Mapping[str, Any]] | Any, task: str,
                      batch_size: int | None = None) -> np.ndarray:
        """Class probabilities ``(n, len(labels[task]))`` in ``labels[task]`` order.
        ``batch_size`` is accepted for interface parity and ignored."""
        pipe = self._pipeline(task)
        if len(examples) == 0:
            return np.zeros((0, len(self.labels[task])), dtype=np.float64)
        proba = pipe.predict_proba(feature_frame(examples))
        classes = [str(c) for c in pipe.classes_]
        return proba[:, [classes.index(lab) for lab in self.labels[task]]]

    def predict(self, examples: Sequence[Mapping[str, Any]] | Any, task: str,
                batch_size: int | None = None) -> list[str]:
        """The most probable label of each example."""
        proba = self.predict_proba(examples, task)
        return [self.labels[task][i] for i in proba.argmax(axis=1)]

    # ------------------------------------------------------------------- files

    def save(self, model_dir: str | os.PathLike[str]) -> Path:
        """Write ``<task>.skops``, the inference export (``linear.json``,
        ``linear.safetensors``: see :mod:`newsstance.inference.linear_backend`),
        ``newsstance.json``, ``metrics.json`` (if any) and a ``README.md`` model card into
        ``model_dir``."""
        import zipfile

        import skops.io as sio

        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        for task, pipe in self.pipelines.items():
            sio.dump(pipe, model_dir / f"{task}{BASELINE_SUFFIX}",
                     compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        hashes = export_linear(self.pipelines, self.labels, model_dir)
        write_model_info(model_dir, "baseline", config=self.info.get("config", {}),
                         data=self.info.get("data", {}), labels=self.labels,
                         files={task: f"{task}{BASELINE_SUFFIX}" for task in self.pipelines},
                         **{LINEAR_SHA_KEY: hashes})
        self.info = read_model_info(model_dir)
        if self.metrics:
            write_json(model_dir / METRICS_FILE, self.metrics)
        (model_dir / "README.md").write_text(model_card(self.info, self.metrics),
                                             encoding="utf-8")
        return model_dir

    @classmethod
    def load(cls, model_dir: str | os.PathLike[str]) -> BaselineModel:
        """Load a saved baseline; raises :class:`UntrustedModelError` if a file needs a type
        outside skops' defaults and :data:`TRUSTED_TYPES`."""
        model_dir = Path(model_dir)
        info = read_model_info(model_dir)
        if not info:
            raise FileNotFoundError(f"{model_dir}: no {INFO_FILE}; not a baseline model directory")
        files = info.get("files") or {p.stem: p.name
                                      for p in sorted(model_dir.glob(f"*{BASELINE_SUFFIX}"))}
        pipelines = {task: load_pipeline(model_dir / name) for task, name in files.items()}
        if not pipelines:
            raise FileNotFoundError(f"{model_dir}: no *{BASELINE_SUFFIX} files")
        metrics_path = model_dir / METRICS_FILE
        metrics = json.loads(metrics_path.read_text("utf-8")) if metrics_path.is_file() else {}
        return cls(pipelines, info, metrics)


def load_pipeline(path: str | os.PathLike[str],
                  trusted: Iterable[str] = TRUSTED_TYPES) -> Any:
    """Load one ``.skops`` file after checking its untrusted types against ``trusted``."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing")
    needed = sio.get_untrusted_types(file=path)
    refused = sorted(set(needed) - set(trusted))
    if refused:
        raise UntrustedModelError(
            f"{path}: refusing to load; it needs types outside the allow-list: "
            f"{', '.join(refused)}")
    return sio.load(path, trusted=list(needed))


def model_card(info: Mapping[str, Any], metrics: Mapping[str, Any]) -> str:
    """A short Markdown model card from ``newsstance.json`` contents and dev metrics."""
    cfg = info.get("config", {})
    lines = [
        "# newsstance baseline (TF-IDF + logistic regression)",
        "",
        "Quote stance (favor/against/neutral toward the article's target) and sentiment "
        "(positive/negative/neutral) with one scikit-learn pipeline per task: TF-IDF over the "
        "target, the quote span and the text, a one-hot speaker role, logistic regression.",
        "",
        f"- created: {info.get('created', '?')}, newsstance {info.get('newsstance_version', '?')},"
        f" git {str((info.get('git') or {}).get('commit') or '?')[:12]}",
        "- tasks and labels: " + "; ".join(
            f"{t}: {', '.join(labs)}" for t, labs in (info.get("labels") or {}).items()),
        f"- hyper-parameters: C={cfg.get('C')}, ngram_range={cfg.get('ngram_range')}, "
        f"max_features={cfg.get('max_features')}, min_df={cfg.get('min_df')}, "
        f"class_weight={cfg.get('class_weight')}, features={cfg.get('features')}",
        "",
        "## Training data",
        "",
        "| source | task | examples |",
        "|---|---|---:|",
    ]
    for row in (info.get("data") or {}).get("train", []):
        lines.append(f"| {row.get('source')} | {row.get('task')} | {row.get('n')} |")
    excluded = (info.get("data") or {}).get("excluded_dev_group_examples") or {}
    for dev_source, n in excluded.items():
        lines += ["", f"{dev_source} dev articles/documents left out of the other sets' "
                      f"training data: {n} example(s) removed."]
    if metrics:
        lines += ["", "## Dev results", "", "| data | task | n | macro-F1 | accuracy | extra |",
                  "|---|---|---:|---:|---:|---|"]
        for key, tasks in metrics.items():
            for task, m in (tasks or {}).items():
                extras = ", ".join(f"{k}={m[k]:.3f}" for k in ("f_avg", "fnc_score") if k in m)
                lines.append(f"| {key} | {task} | {m.get('n')} | {m.get('macro_f1', 0):.3f} | "
                             f"{m.get('accuracy', 0):.3f} | {extras} |")
    lines += ["", "## Use", "", "```python",
              "from newsstance.training.baseline import BaselineModel",
              "model = BaselineModel.load('path/to/this/dir')",
              "model.predict([{'target': '...', 'text': '...', 'quote_start': -1, "
              "'quote_end': -1, 'speaker_role': ''}], 'stance')",
              "```", "",
              "Files are saved with skops (no pickle) and loaded against an allow-list of types.",
              "Labels of nqs are silver (LLM-produced); see the data set's SOURCE.md.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- training run


def load_training_data(config: BaselineConfig, data_dir: str | os.PathLike[str] | None = None,
                       max_train_samples: int | None = None
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train-split examples per task from ``config.sources`` and a record of what was used.

    With ``exclude_nqs_dev_groups`` the nqs dev articles are dropped from every other source
    (likewise the dev groups of each ``exclude_dev_groups_of`` source, e.g. VAST comments that
    are ARC bodies).
    ``max_train_samples`` caps each source's examples per task (as does a source's
    ``max_samples``; the smaller wins), by a seeded random subset.
    """
    import datasets

    from newsstance.training.data import exclude_groups, load_source

    held_out = _held_out_groups(config, data_dir)
    parts: dict[str, list[Any]] = {}
    record: list[dict[str, Any]] = []
    excluded = dict.fromkeys(held_out, 0)
    for spec in config.sources:
        dsd = load_source(spec.name, data_dir=data_dir)
        if "train" not in dsd:
            raise ValueError(f"source {spec.name!r} has no train split "
                             f"(splits: {', '.join(dsd) or 'none'})")
        train = dsd["train"]
        for dev_source, groups in held_out.items():
            if spec.name != dev_source:
                before = len(train)
                train = exclude_groups(train, groups)
                excluded[dev_source] += before - len(train)
        for task in spec.tasks or TASKS:
            sub = train.select([i for i, t in enumerate(train["task"]) if t == task])
            caps = [c for c in (spec.max_samples, max_train_samples) if c is not None]
            if caps and len(sub) > min(caps):
                sub = sub.shuffle(seed=config.seed).select(range(min(caps)))
            if len(sub) == 0:
                if spec.tasks:
                    raise ValueError(f"source {spec.name!r} has no {task!r} training examples")
                continue
            parts.setdefault(task, []).append(sub)
            record.append({"source": spec.name, "split": "train", "task": task, "n": len(sub)})
    if not parts:
        raise ValueError("no training examples in the configured sources")
    by_task = {t: datasets.concatenate_datasets(p) for t, p in parts.items()}
    data = {"train": record, "excluded_dev_group_examples": excluded,
            "max_train_samples": max_train_samples}
    return by_task, data


def _held_out_groups(config: BaselineConfig, data_dir: str | os.PathLike[str] | None
                     ) -> dict[str, set[str]]:
    """Dev groups to keep out of the other sources' training data, by dev source."""
    from newsstance.training.data import load_source, nqs_dev_groups

    out: dict[str, set[str]] = {}
    if config.exclude_nqs_dev_groups:
        try:
            out["nqs"] = nqs_dev_groups(data_dir)
        except FileNotFoundError:
            if any(s.name == "nqs" for s in config.sources):
                raise
            log.warning("nqs data not found: nqs dev articles cannot be excluded")
    for name in config.exclude_dev_groups_of:
        dsd = load_source(name, data_dir=data_dir)
        if "dev" not in dsd:
            raise ValueError(f"exclude_dev_groups_of: {name!r} has no dev split")
        out[name] = set(dsd["dev"]["group"])
    return out


def train_baseline(config: BaselineConfig, data_dir: str | os.PathLike[str] | None = None,
                   max_train_samples: int | None = None) -> BaselineModel:
    """Load the configured training data and fit a :class:`BaselineModel`."""
    by_task, data = load_training_data(config, data_dir, max_train_samples)
    return BaselineModel.fit(by_task, config, {"data": data})
