"""``NewsAnalyzer``: quotes, their stance and sentiment, and the tone of news articles.

    analyzer = NewsAnalyzer.from_pretrained()           # bundled default model, ONNX int8
    analyzer.analyze(text, title=None, target=None).to_dict()
    for result in analyzer.analyze_many(records, batch_size=32): ...
    analyzer.stance("the contract", ["We are proud to support it."])
    analyzer.sentiment(["Shares fell sharply."])

A small dataclass of parts (a quote extractor and a classifier: ONNX Runtime, PyTorch, or the
TF-IDF baseline); it changes no process-wide state. Quotes and tone windows of a batch of
articles are scored together.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from newsstance.inference.calibration import CalibratedClassifier
from newsstance.inference.checksums import read_info
from newsstance.inference.encoding import EncodingSettings
from newsstance.inference.loading import ModelNotFoundError, load_classifier
from newsstance.inference.quote import Quote
from newsstance.inference.records import Record, make_record
from newsstance.inference.result import (
    ArticleError,
    ArticleResult,
    Prediction,
    QuoteResult,
    summarize_roles,
)
from newsstance.inference.target import choose_target
from newsstance.inference.tone import combine, tone_windows, window_chars

logger = logging.getLogger(__name__)

#: Where the bundled default model lives (package data; may be absent in a source checkout).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"
BACKENDS = ("onnx", "torch")
__all__ = ["DEFAULT_MODEL_DIR", "ModelNotFoundError", "NewsAnalyzer"]
TASKS = ("stance", "sentiment")


class Classifier(Protocol):
    """What the analyzer needs of a classifier (``QuoteClassifier``, ``OnnxQuoteClassifier``)."""

    settings: EncodingSettings

    @property
    def labels(self) -> dict[str, list[str]]: ...

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int = ...) -> dict[str, np.ndarray]: ...


def _read_info(root: Path) -> dict[str, Any]:
    try:
        return read_info(root)
    except ValueError:
        return {}


def _version(info: Mapping[str, Any]) -> str:
    sha = info.get("weights_sha256") or (info.get("onnx_sha256") or {}).get("model.int8.onnx")
    return str(info.get("version") or info.get("created") or (sha or "")[:12] or "unknown")


def _model_info(root: Path, backend: str) -> dict[str, Any]:
    """``model`` of the output: name, version, backend (and an ensemble's members)."""
    info = _read_info(root)
    name = str(info.get("name") or root.name)
    if root == DEFAULT_MODEL_DIR:
        name = str(info.get("name") or "newsstance-default")
    out: dict[str, Any] = {"name": name, "version": _version(info), "backend": backend}
    members = (info.get("ensemble") or {}).get("members") if backend == "ensemble" else None
    if members:
        out["members"] = []
        for m in members:
            member = _read_info(root / m["path"])
            out["members"].append({"name": str(m.get("name") or member.get("name") or m["path"]),
                                   "version": _version(member), "weight": m.get("weight")})
    return out


def _calibrated(classifier: Any) -> bool:
    """Whether temperatures scale ``classifier``'s probabilities (or any ensemble member's)."""
    return isinstance(classifier, CalibratedClassifier) or any(
        _calibrated(m) for m in getattr(classifier, "members", ()))


def _mention(lower_text: str, target: str, lo: int, hi: int, center: int) -> tuple[int, int]:
    """The target mention in ``[lo, hi)`` nearest ``center`` (case-insensitive), or (-1, -1)."""
    needle = target.lower()
    if not needle or len(needle.split()) > 8:
        return -1, -1
    best, pos = (-1, -1), lower_text.find(needle, lo, hi)
    while pos >= 0:
        if best[0] < 0 or abs(pos - center) < abs(best[0] - center):
            best = (pos, pos + len(needle))
        pos = lower_text.find(needle, pos + 1, hi)
    return best


@dataclass
class NewsAnalyzer:
    """Finds quotes in articles and labels their stance, sentiment and the article's tone."""

    extractor: Any
    classifier: Classifier
    model: dict[str, Any] = field(default_factory=dict)
    #: examples per classifier call chunk
    classifier_batch_size: int = 256
    #: the arguments of :meth:`from_pretrained` that built this analyzer (``None`` when built
    #: otherwise): how ``analyze_many(workers=N)`` loads it again in each worker process
    load_args: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_pretrained(cls, path: str | Path | None = None, *, backend: str = "onnx",
                        quantized: bool = True, threads: int | None = None,
                        extractor: Any = None, calibrated: bool = True) -> NewsAnalyzer:
        """Load a model directory (default: the bundled model) with the ``onnx`` (int8 unless
        ``quantized=False``) or ``torch`` backend, and the default quote extractor.

        Probabilities are temperature-scaled when the directory records a calibration
        (``newsstance calibrate``; see :mod:`newsstance.inference.calibration`), unless
        ``calibrated=False``.

        A baseline directory (``newsstance baseline`` writes one, with ``linear.json`` and
        ``linear.safetensors``) is recognised by its files and runs as TF-IDF + logistic
        regression whatever ``backend`` says: much faster, and less accurate (see the README).
        An ensemble directory (``newsstance ensemble``) pools its members' probabilities; its
        transformer members run on ``backend`` (see :mod:`newsstance.inference.loading`)."""
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
        root = Path(path) if path is not None else DEFAULT_MODEL_DIR
        if path is None and not (root.is_dir() and (root / "config.json").is_file()):
            raise ModelNotFoundError(
                f"no bundled default model at {root}: train one (`newsstance train "
                "training/configs/default.json`, then `newsstance export-onnx runs/default`) and "
                "pass its directory, e.g. NewsAnalyzer.from_pretrained('runs/default') or "
                "`--model runs/default`")
        load_args = {"path": str(root.resolve()), "backend": backend, "quantized": quantized,
                      "calibrated": calibrated}
        classifier, backend = load_classifier(root, backend=backend, quantized=quantized,
                                              threads=threads, calibrated=calibrated)
        if extractor is None:
            from newsstance.inference.extraction import QuoteExtractor

            extractor = QuoteExtractor.load()
        for task in TASKS:
            if task not in classifier.labels:
                raise ValueError(f"the model in {root} has no {task!r} head")
        info = _model_info(root, backend)
        info["calibrated"] = _calibrated(classifier)
        return cls(extractor=extractor, classifier=classifier, model=info, load_args=load_args)

    # -- bare pairs -------------------------------------------------------------------------

    def _predict(self, examples: Sequence[Mapping[str, Any]], task: str) -> list[dict[str, Any]]:
        probs = self.classifier.predict_proba_tasks(examples, [task],
                                                    self.classifier_batch_size)[task]
        labels = self.classifier.labels[task]
        return [Prediction.from_row(task, labels, row, with_score=task != "stance").to_dict()
                for row in probs]

    def stance(self, target: str, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Stance of each text toward ``target``: ``[{"label", "probs"}]``."""
        return self._predict([{"target": target, "text": t} for t in _texts(texts)], "stance")

    def sentiment(self, texts: Sequence[str],
                  spans: Sequence[tuple[int, int] | None] | None = None) -> list[dict[str, Any]]:
        """Sentiment of each text, toward the target mention ``text[start:end]`` when a span is
        given: ``[{"label", "score", "probs"}]``."""
        texts = _texts(texts)
        if spans is not None and len(spans) != len(texts):
            raise ValueError(f"got {len(spans)} spans for {len(texts)} texts")
        examples = []
        for i, text in enumerate(texts):
            span = spans[i] if spans is not None else None
            if span is not None:
                start, end = int(span[0]), int(span[1])
                if not 0 <= start < end <= len(text):
                    raise ValueError(f"span {span} is outside text {i} ({len(text)} chars)")
                examples.append({"text": text, "target": text[start:end],
                                 "target_start": start, "target_end": end})
            else:
                examples.append({"text": text, "target": ""})
        return self._predict(examples, "sentiment")

    # -- articles ---------------------------------------------------------------------------

    def analyze(self, text: str, title: str | None = None, target: str | None = None,
                id: str = "article") -> ArticleResult:
        """Analyze one article; raises ``ValueError`` if it cannot be read."""
        record = make_record(id, text, title, target=target)
        result = next(iter(self.analyze_many([record], batch_size=1)))
        if isinstance(result, ArticleError):
            raise ValueError(result.error)
        return result

    def analyze_many(self, records: Iterable[Mapping[str, Any] | Record | str],
                     batch_size: int = 32, target: str | None = None,
                     n_process: int = 1, workers: int = 1,
                     ) -> Iterator[ArticleResult | ArticleError]:
        """One result per record, in order: :class:`ArticleResult`, or :class:`ArticleError` for
        a record that cannot be read or analysed (the others go on).

        ``records`` are dicts (``id``, ``text``, optional ``title`` and ``target``),
        :class:`Record` objects or plain texts. ``target`` is used for records without one.
        ``batch_size`` articles are parsed and scored together.

        ``n_process > 1``: quote extraction in that many forked processes, scoring here.
        ``workers > 1``: that many spawned processes each load this analyzer again (one
        ONNX Runtime or PyTorch thread each) and analyse whole articles, parse and scoring
        (see :mod:`newsstance.inference.workers`); the results are the same. Needs an analyzer
        from :meth:`from_pretrained` with an extractor from ``QuoteExtractor.load``, and a
        script that calls it needs an ``if __name__ == "__main__":`` guard, as for any
        spawned process.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if workers < 1 or n_process < 1:
            raise ValueError(f"workers and n_process must be >= 1, got {workers}, {n_process}")
        if workers > 1:
            if n_process > 1:
                raise ValueError("use workers or n_process, not both")
            from newsstance.inference.workers import WorkerSpec, analyze_in_workers

            spec = WorkerSpec.of(self)
            rows = (_as_record(item, i) for i, item in enumerate(records))
            yield from analyze_in_workers(self, spec, rows, workers=workers,
                                          batch_size=batch_size, target=target)
            return
        queued: deque[Record] = deque()  # read, not yet extracted (in input order)

        def stream() -> Iterator[Record]:
            for i, item in enumerate(records):
                record = _as_record(item, i)
                queued.append(record)
                yield record

        # One extraction stream for the whole run (with n_process > 1: one pool of workers that
        # parse ahead while a batch is scored); results come back in input order.
        extracted = self.extractor.extract_records(stream(), batch_size=min(64, batch_size),
                                                   n_process=n_process)
        batch: list[tuple[Record, dict[str, Any]]] = []
        for out in extracted:
            batch.append((queued.popleft(), out))
            if len(batch) >= batch_size:
                yield from self._analyze_batch(batch, target)
                batch = []
        if batch:
            yield from self._analyze_batch(batch, target)

    def _analyze_batch(self, batch: list[tuple[Record, dict[str, Any]]],
                       default_target: str | None) -> list[ArticleResult | ArticleError]:
        """Score a batch of extracted articles (``(record, extract_records output)``)."""
        prepared: list[tuple[Record, Any]] = []
        for record, out in batch:
            if "error" in out:
                prepared.append((record, ArticleError(record.id, str(out["error"]))))
                continue
            try:
                prepared.append((record, self._prepare(record, out["quotes"], default_target)))
            except Exception as exc:
                logger.exception("article %s failed", record.id)
                prepared.append((record, ArticleError(record.id, _failure(exc))))
        work = [p for _, p in prepared if isinstance(p, _Prepared)]
        try:
            self._score(work)
        except Exception:
            logger.exception("batch scoring failed; going on article by article")
            for p in work:
                try:
                    self._score([p])
                except Exception as exc:
                    p.error = _failure(exc)
        results: list[ArticleResult | ArticleError] = []
        for _, p in prepared:
            if isinstance(p, ArticleError):
                results.append(p)
            elif p.error is not None:
                results.append(ArticleError(p.record.id, p.error))
            else:
                try:
                    results.append(self._finish(p))
                except Exception as exc:
                    logger.exception("article %s failed", p.record.id)
                    results.append(ArticleError(p.record.id, _failure(exc)))
        return results

    def _prepare(self, record: Record, quotes: list[dict[str, Any]],
                 default_target: str | None) -> _Prepared:
        given = record.extra.get("target")
        given = given if isinstance(given, str) and given.strip() else default_target
        target, source = choose_target(record.text, record.title, given)
        text = record.text
        lower = text.lower()
        reach = self.classifier.settings.context_chars
        parsed = [Quote(**q) for q in quotes]
        # every quote of the text, for models that read the article format (the pair format
        # reads only each example's own quote and target mention)
        marks = [{"start": q.start, "end": q.end, "speaker": q.speaker_name or q.speaker or "",
                  "speaker_role": q.speaker_role or ""} for q in parsed]
        examples = []
        for q, mark in zip(parsed, marks, strict=True):
            t_start, t_end = _mention(lower, target, max(0, q.start - reach), q.end + reach,
                                      (q.start + q.end) // 2)
            examples.append({"text": text, "target": target, "quote_start": q.start,
                             "quote_end": q.end, "target_start": t_start, "target_end": t_end,
                             "speaker": mark["speaker"], "speaker_role": mark["speaker_role"],
                             "text_quotes": marks})
        if self.classifier.settings.input_format == "article":
            # the tone reads the windows the quotes were read from: one example, all windows
            spans = [(0, len(text))] if text.strip() else []
            tone = [{"text": text, "target": target, "text_quotes": marks}] if spans else []
        else:
            spans = tone_windows(text, window_chars(self.classifier.settings))
            tone = [{"text": text[s:e], "target": ""} for s, e in spans]
        return _Prepared(record, target, source, parsed, examples, spans, tone)

    def _score(self, work: list[_Prepared]) -> None:
        """Score every quote (stance, sentiment) and tone window of ``work`` in one call."""
        examples = [e for p in work for e in p.examples + p.tone_examples]
        probs = self.classifier.predict_proba_tasks(examples, list(TASKS),
                                                    self.classifier_batch_size)
        at = 0
        for p in work:
            n, m = len(p.examples), len(p.tone_examples)
            p.stance = probs["stance"][at:at + n]
            p.sentiment = probs["sentiment"][at:at + n]
            p.tone = probs["sentiment"][at + n:at + n + m]
            at += n + m

    def _finish(self, p: _Prepared) -> ArticleResult:
        labels = self.classifier.labels
        quotes = [QuoteResult(q, Prediction.from_row("stance", labels["stance"], st, False),
                              Prediction.from_row("sentiment", labels["sentiment"], se))
                  for q, st, se in zip(p.quotes, p.stance, p.sentiment, strict=True)]
        if len(p.tone_spans):
            tone_row = combine(p.tone, p.tone_spans)
        else:
            tone_row = np.full(len(labels["sentiment"]), 1.0 / len(labels["sentiment"]))
        return ArticleResult(id=p.record.id, target=p.target, target_source=p.source,
                             tone=Prediction.from_row("sentiment", labels["sentiment"], tone_row),
                             quotes=quotes, by_role=summarize_roles(quotes),
                             model=dict(self.model))


@dataclass
class _Prepared:
    record: Record
    target: str
    source: str
    quotes: list[Quote]
    examples: list[dict[str, Any]]
    tone_spans: list[tuple[int, int]]
    tone_examples: list[dict[str, Any]]
    stance: Any = None
    sentiment: Any = None
    tone: Any = None
    error: str | None = None


def _failure(exc: Exception) -> str:
    return f"analysis failed: {type(exc).__name__}: {exc}"


def _texts(texts: Sequence[str] | str) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not one string")
    return [str(t) for t in texts]


def _as_record(item: Mapping[str, Any] | Record | str, index: int) -> Record:
    if isinstance(item, Record):
        return item
    if isinstance(item, str):
        return make_record(str(index), item)
    if isinstance(item, Mapping):
        rid = item.get("id")
        rid = str(index) if rid in (None, "") else str(rid)
        if "text" not in item:
            return Record(id=rid, error="no 'text' field")
        extra = {k: v for k, v in item.items() if k not in ("id", "text", "title")}
        return make_record(rid, item["text"], item.get("title"), **extra)
    return Record(id=str(index), error=f"expected a dict or a text, got {type(item).__name__}")
