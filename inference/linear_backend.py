"""The TF-IDF baseline for scoring articles: fast to load, fast to run, less accurate.

``newsstance baseline`` fits scikit-learn pipelines (TF-IDF vectorizers over the target, the quote
and its text, a one-hot speaker role, then logistic regression) and saves them with skops for
scikit-learn users. Loading those takes tens of seconds (skops rebuilds 200,000-term
vocabularies object by object), so it also writes what inference needs as plain data, which
:func:`export_linear` produces and :class:`LinearBaseline` reads:

- ``linear.json``: per task, the labels, and per feature its column, the vectorizer's settings
  and vocabulary (terms in column order) or the role categories;
- ``linear.safetensors``: per task and feature, the idf weights, and each task's logistic
  regression coefficients and intercepts.

Inference needs neither scikit-learn nor scipy: the TF-IDF transform is re-implemented as
scikit-learn defines it (tests check that both give the same probabilities). Nothing is
unpickled; both files must match the sha256 recorded in ``newsstance.json`` (key
``linear_sha256``). This module imports nothing from ``newsstance.training``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.checksums import INFO_FILE, sha256_file
from newsstance.inference.encoding import EncodingSettings
from newsstance.inference.text_windows import quote_window, sentence_spans

SPEC_FILE = "linear.json"
ARRAYS_FILE = "linear.safetensors"
#: Key of ``newsstance.json`` holding ``{file name: sha256}`` for the two files above.
LINEAR_SHA_KEY = "linear_sha256"
#: The columns a baseline reads from an example.
COLUMNS = ("target", "quote", "text", "role")
#: Vectorizer settings carried over (everything that affects ``transform``).
VECTORIZER_PARAMS = ("analyzer", "binary", "lowercase", "ngram_range", "norm", "strip_accents",
                     "sublinear_tf", "token_pattern", "use_idf", "smooth_idf")
#: What the analyzer reads of a baseline's settings: ``context_chars`` (where it looks for target
#: mentions) and ``max_length`` (the size of tone windows), as for the default transformer.
SETTINGS = EncodingSettings(max_length=160, stride=40, context_chars=400)
#: A quote in a text longer than this is scored on its window (as nqs's training rows are cut).
WINDOW_CHARS = 1200


class LinearModelError(ValueError):
    """A baseline directory whose export is missing, altered or not understood."""


def column(examples: Sequence[Mapping[str, Any]] | Any, name: str, default: Any) -> list[Any]:
    """Field ``name`` of schema rows (a list of dicts or a ``datasets.Dataset``)."""
    if hasattr(examples, "column_names"):  # datasets.Dataset: columnar access is faster
        return list(examples[name]) if name in examples.column_names else [default] * len(examples)
    return [ex.get(name, default) for ex in examples]


def feature_columns(examples: Sequence[Mapping[str, Any]] | Any) -> dict[str, list[str]]:
    """The baseline's input columns (``target``, ``quote``, ``text``, ``role``) of schema rows
    (a list of dicts or a ``datasets.Dataset``). ``quote`` is ``text[quote_start:quote_end]``
    when marked, else the whole text."""

    texts = [t or "" for t in column(examples, "text", "")]
    starts, ends = column(examples, "quote_start", -1), column(examples, "quote_end", -1)
    quotes = [t[s:e] if isinstance(s, int) and 0 <= s < e <= len(t) else t
              for t, s, e in zip(texts, starts, ends, strict=True)]
    return {"target": [t or "" for t in column(examples, "target", "")], "quote": quotes,
            "text": texts, "role": [r or "" for r in column(examples, "speaker_role", "")]}


def quote_in_window(example: Mapping[str, Any], max_chars: int = WINDOW_CHARS,
                    sentences: dict[str, list[tuple[int, int]]] | None = None
                    ) -> Mapping[str, Any]:
    """``example`` with its text cut to the quote's window (:func:`quote_window`) when the text
    is longer than ``max_chars`` and the quote is marked; otherwise unchanged. ``sentences``
    caches each text's sentence spans across calls (the quotes of one article share them)."""
    text = example.get("text") or ""
    start, end = example.get("quote_start", -1), example.get("quote_end", -1)
    if len(text) <= max_chars or not (isinstance(start, int) and 0 <= start < end <= len(text)):
        return example
    cache = {} if sentences is None else sentences
    if text not in cache:
        cache[text] = sentence_spans(text)
    ws, we = quote_window(text, (start, end), max_chars=max_chars, spans=cache[text])
    return {**example, "text": text[ws:we], "quote_start": start - ws, "quote_end": end - ws}


# --------------------------------------------------------------------------- export


def _feature_spec(name: str, step: Any, column: Any, task: str,
                  arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    col = column[0] if isinstance(column, (list, tuple)) else column
    if col not in COLUMNS:
        raise LinearModelError(f"{task}/{name}: unknown column {column!r}")
    kind = type(step).__name__
    if kind == "TfidfVectorizer":
        params = step.get_params()
        settings = {k: params[k] for k in VECTORIZER_PARAMS}
        settings["ngram_range"] = list(settings["ngram_range"])
        vocab = sorted(step.vocabulary_, key=step.vocabulary_.get)
        arrays[f"{task}.{name}.idf"] = np.ascontiguousarray(step.idf_, dtype=np.float32)
        return {"name": name, "column": col, "kind": "tfidf", "settings": settings,
                "vocabulary": vocab}
    if kind == "OneHotEncoder":
        if step.handle_unknown != "ignore" or getattr(step, "drop", None) is not None:
            raise LinearModelError(f"{task}/{name}: only OneHotEncoder(handle_unknown='ignore') "
                                   "without drop is supported")
        return {"name": name, "column": col, "kind": "onehot",
                "categories": [str(c) for c in step.categories_[0]]}
    raise LinearModelError(f"{task}/{name}: cannot export a {kind}")


def export_linear(pipelines: Mapping[str, Any], labels: Mapping[str, Sequence[str]],
                  model_dir: str | Path) -> dict[str, str]:
    """Write ``linear.json`` and ``linear.safetensors`` for fitted
    ``Pipeline(ColumnTransformer -> LogisticRegression)`` objects, one per task; return the
    sha256 of both files (to record in ``newsstance.json`` under :data:`LINEAR_SHA_KEY`)."""
    from safetensors.numpy import save_file

    root = Path(model_dir)
    spec: dict[str, Any] = {"format": 1, "tasks": {}}
    arrays: dict[str, np.ndarray] = {}
    for task, pipe in pipelines.items():
        features = pipe.named_steps["features"]
        clf = pipe.named_steps["clf"]
        if getattr(features, "remainder", "drop") != "drop":
            raise LinearModelError(f"{task}: the feature step must drop unused columns")
        blocks = [_feature_spec(name, step, column, task, arrays)
                  for name, step, column in features.transformers_
                  if name != "remainder" and step != "drop"]
        # safetensors writes an array's buffer as if C-ordered: scikit-learn's coefficients may be
        # Fortran-ordered, so every array is made C-contiguous first
        arrays[f"{task}.coef"] = np.ascontiguousarray(clf.coef_, dtype=np.float32)
        arrays[f"{task}.intercept"] = np.ascontiguousarray(clf.intercept_, dtype=np.float32)
        spec["tasks"][task] = {"classes": [str(c) for c in clf.classes_],
                               "labels": list(labels[task]), "features": blocks}
    spec_path, arrays_path = root / SPEC_FILE, root / ARRAYS_FILE
    spec_path.write_text(json.dumps(spec, ensure_ascii=False) + "\n", encoding="utf-8")
    save_file(arrays, str(arrays_path))
    return {SPEC_FILE: sha256_file(spec_path), ARRAYS_FILE: sha256_file(arrays_path)}


# --------------------------------------------------------------------------- model


def _strip_accents(text: str, how: str | None) -> str:
    if how is None:
        return text
    if how == "ascii":
        return unicodedata.normalize("NFKD", text).encode("ASCII", "ignore").decode("ASCII")
    if text.isascii():  # "unicode"
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class _Tfidf:
    """scikit-learn's ``TfidfVectorizer.transform`` for word n-grams, with a fixed vocabulary
    and idf (no scikit-learn needed): lowercase, strip accents, tokenize, n-grams, counts,
    sublinear tf, idf, l2 norm."""

    def __init__(self, settings: Mapping[str, Any], vocabulary: Sequence[str], idf: np.ndarray
                 ) -> None:
        if settings.get("analyzer") != "word" or settings.get("binary"):
            raise LinearModelError(f"unsupported vectorizer settings: {dict(settings)}")
        if settings.get("strip_accents") not in (None, "unicode", "ascii"):
            raise LinearModelError(f"unsupported strip_accents {settings['strip_accents']!r}")
        if settings.get("norm") not in (None, "l2"):
            raise LinearModelError(f"unsupported norm {settings['norm']!r}")
        self.lowercase = bool(settings.get("lowercase", True))
        self.accents = settings.get("strip_accents")
        self.pattern = re.compile(settings["token_pattern"])
        self.min_n, self.max_n = (int(n) for n in settings["ngram_range"])
        self.sublinear = bool(settings.get("sublinear_tf"))
        self.l2 = settings.get("norm") == "l2"
        #: what :meth:`terms` depends on
        self.key = (self.lowercase, self.accents, self.pattern.pattern, self.min_n, self.max_n)
        self.index = {term: i for i, term in enumerate(vocabulary)}
        self.idf = (np.asarray(idf, dtype=np.float64) if settings.get("use_idf", True)
                    else np.ones(len(vocabulary)))
        if len(self.idf) != len(self.index):
            raise LinearModelError(f"{len(self.idf)} idf weights for {len(self.index)} terms")

    def terms(self, doc: str) -> list[str]:
        if self.lowercase:
            doc = doc.lower()
        tokens = self.pattern.findall(_strip_accents(doc, self.accents))
        out = list(tokens) if self.min_n == 1 else []
        for n in range(max(2, self.min_n), min(self.max_n, len(tokens)) + 1):
            out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return out

    def row(self, doc: str, memo: dict[Any, list[str]] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and tf-idf values of one document; ``memo`` caches its terms for
        vectorizers with the same settings (the stance and sentiment models read the same
        texts)."""
        if memo is None:
            terms = self.terms(doc)
        else:
            key = (self.key, doc)
            terms = memo.get(key)
            if terms is None:
                terms = memo[key] = self.terms(doc)
        counts: dict[int, int] = {}
        for term in terms:
            j = self.index.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0 if self.sublinear else tf) * self.idf[cols]
        norm = float(np.sqrt((values ** 2).sum())) if self.l2 else 0.0
        return cols, values / norm if norm > 0 else values


class _Task:
    """One task's features and logistic regression, rebuilt from the export."""

    def __init__(self, task: str, spec: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
                 ) -> None:
        self.classes = list(spec["classes"])
        self.labels = list(spec["labels"])
        if sorted(self.labels) != sorted(self.classes):
            raise LinearModelError(f"{task}: labels {self.labels} do not match the classes "
                                   f"{self.classes}")
        self.order = [self.classes.index(lab) for lab in self.labels]
        self.blocks: list[tuple[str, int, _Tfidf | dict[str, int]]] = []  # column, offset, step
        width = 0
        for block in spec["features"]:
            step: _Tfidf | dict[str, int]
            if block["kind"] == "tfidf":
                step = _Tfidf(block["settings"], block["vocabulary"],
                              arrays[f"{task}.{block['name']}.idf"])
            elif block["kind"] == "onehot":
                step = {c: i for i, c in enumerate(block["categories"])}
            else:
                raise LinearModelError(f"{task}: unknown feature kind {block['kind']!r}")
            self.blocks.append((block["column"], width, step))
            width += len(step.index) if isinstance(step, _Tfidf) else len(step)
        self.coef = np.asarray(arrays[f"{task}.coef"], dtype=np.float64)
        self.intercept = np.asarray(arrays[f"{task}.intercept"], dtype=np.float64)
        if self.coef.shape[1] != width:
            raise LinearModelError(f"{task}: {self.coef.shape[1]} coefficients for {width} "
                                   "features")

    def predict_proba(self, columns: Mapping[str, list[str]],
                      memo: dict[Any, list[str]] | None = None) -> np.ndarray:
        n = len(columns["text"])
        scores = np.tile(self.intercept, (n, 1))
        for column, offset, step in self.blocks:
            for i, value in enumerate(columns[column]):
                if isinstance(step, dict):  # one-hot role; an unknown value is all zeros
                    j = step.get(value)
                    if j is not None:
                        scores[i] += self.coef[:, offset + j]
                else:
                    cols, values = step.row(value, memo)
                    scores[i] += self.coef[:, offset + cols] @ values
        if scores.shape[1] == 1:  # binary logistic regression: the score is the second class's
            scores = np.hstack([np.zeros_like(scores), scores])
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba[:, self.order]


def is_linear_dir(model_dir: str | Path) -> bool:
    """True for a directory holding a baseline's inference export."""
    root = Path(model_dir)
    return (root / SPEC_FILE).is_file() and (root / ARRAYS_FILE).is_file()


class LinearBaseline:
    """A TF-IDF + logistic regression baseline behind the classifier interface the analyzer uses
    (``labels``, ``settings``, ``predict_proba``, ``predict_proba_tasks``)."""

    kind = "baseline"

    def __init__(self, tasks: Mapping[str, _Task]) -> None:
        self._tasks = dict(tasks)
        self.labels: dict[str, list[str]] = {t: m.labels for t, m in self._tasks.items()}
        self.settings = SETTINGS

    @classmethod
    def from_pretrained(cls, model_dir: str | Path) -> LinearBaseline:
        """Load ``linear.json`` and ``linear.safetensors`` after checking them against the
        sha256 in ``newsstance.json``; :class:`LinearModelError` when they are missing or
        altered."""
        from safetensors.numpy import load_file

        root = Path(model_dir)
        info_path = root / INFO_FILE
        if not info_path.is_file():
            raise LinearModelError(f"{root}: no {INFO_FILE}; not a model directory")
        hashes = json.loads(info_path.read_text(encoding="utf-8")).get(LINEAR_SHA_KEY) or {}
        for name in (SPEC_FILE, ARRAYS_FILE):
            path = root / name
            if not path.is_file():
                raise LinearModelError(
                    f"{path} is missing: write it with `newsstance baseline CONFIG -o {root}` "
                    "(or newsstance.training.baseline.BaselineModel.load(dir).save(dir))")
            if name not in hashes:
                raise LinearModelError(f"{root / INFO_FILE} records no sha256 for {name}")
            if sha256_file(path) != hashes[name]:
                raise LinearModelError(f"{path} does not match the sha256 recorded in "
                                       f"{INFO_FILE} (altered or replaced)")
        spec = json.loads((root / SPEC_FILE).read_text(encoding="utf-8"))
        if spec.get("format") != 1:
            raise LinearModelError(f"{root / SPEC_FILE}: unknown format {spec.get('format')!r}")
        arrays = load_file(str(root / ARRAYS_FILE))
        try:
            tasks = {task: _Task(task, tspec, arrays) for task, tspec in spec["tasks"].items()}
        except KeyError as exc:
            raise LinearModelError(f"{root}: the export lacks {exc}") from None
        return cls(tasks)

    def _task(self, task: str) -> _Task:
        if task not in self._tasks:
            raise KeyError(f"this baseline has no {task!r} model (tasks: {list(self._tasks)})")
        return self._tasks[task]

    def predict_proba(self, examples: Sequence[Mapping[str, Any]] | Any, task: str,
                      batch_size: int | None = None) -> np.ndarray:
        """Class probabilities ``(n, len(labels[task]))`` of schema rows, scored as given.
        ``batch_size`` is accepted for interface parity and ignored."""
        model = self._task(task)
        if len(examples) == 0:
            return np.zeros((0, len(self.labels[task])), dtype=np.float64)
        return model.predict_proba(feature_columns(examples))

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int | None = None) -> dict[str, np.ndarray]:
        """``{task: probabilities}`` for the analyzer's examples, whose text may be a whole
        article: a marked quote is scored on its window (:func:`quote_in_window`)."""
        sentences: dict[str, list[tuple[int, int]]] = {}
        rows = [quote_in_window(e, sentences=sentences) for e in examples]
        models = {task: self._task(task) for task in tasks}
        if not rows:
            return {task: np.zeros((0, len(self.labels[task]))) for task in tasks}
        columns, memo = feature_columns(rows), {}
        return {task: model.predict_proba(columns, memo) for task, model in models.items()}
