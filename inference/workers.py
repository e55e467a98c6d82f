"""Whole-pipeline worker processes: ``NewsAnalyzer.analyze_many(..., workers=N)``.

Each worker is a spawned process that loads the same analyzer again, with one ONNX Runtime
(or PyTorch) thread, and analyses whole chunks of articles: parse, quotes and scoring. The
parent reads the records, hands out chunks of :data:`CHUNK_ARTICLES`, and yields the results
in input order. On 2 cores two single-threaded workers analyse more articles a second than one
process whose ONNX Runtime spreads each small run over both cores (README, Speed).

Workers are spawned, not forked: a child forked from a process that has started ONNX Runtime
or PyTorch threads can hang. A worker that dies (killed, out of memory) breaks the pool; the
articles not yet returned are then analysed in the parent, so every record still gets exactly
one result.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newsstance.inference.records import Record, batched
from newsstance.inference.result import ArticleError, ArticleResult

if TYPE_CHECKING:
    from newsstance.inference.analyzer import NewsAnalyzer

logger = logging.getLogger(__name__)

#: Articles a worker analyses per task: small, so the last tasks of a run end close together.
CHUNK_ARTICLES = 4
#: Threads of the model runtime in each worker.
WORKER_THREADS = 1
#: How often a worker checks that its parent is alive.
PARENT_CHECK_SECONDS = 1.0

Result = ArticleResult | ArticleError


@dataclass(frozen=True)
class WorkerSpec:
    """How a worker loads the analyzer again: the arguments that built it."""

    analyzer_args: dict[str, Any]
    extractor_args: dict[str, Any]

    @classmethod
    def of(cls, analyzer: NewsAnalyzer) -> WorkerSpec:
        """The spec of ``analyzer``; ``ValueError`` if it was not built by ``from_pretrained``
        with an extractor from ``QuoteExtractor.load``."""
        extractor_args = getattr(analyzer.extractor, "load_args", None)
        if analyzer.load_args is None or extractor_args is None:
            raise ValueError("workers > 1 needs an analyzer from NewsAnalyzer.from_pretrained "
                             "with an extractor from QuoteExtractor.load (each worker loads "
                             "them again)")
        return cls(dict(analyzer.load_args), dict(extractor_args))

    def load(self, threads: int = WORKER_THREADS) -> NewsAnalyzer:
        from newsstance.inference.analyzer import NewsAnalyzer
        from newsstance.inference.extraction import QuoteExtractor

        args = dict(self.analyzer_args)
        extractor = QuoteExtractor.load(**self.extractor_args)
        return NewsAnalyzer.from_pretrained(args.pop("path"), threads=threads,
                                            extractor=extractor, **args)


#: The worker process's analyzer (set by :func:`_init_worker`, never in the parent).
_worker: dict[str, Any] = {}


def _watch_parent(parent: int) -> None:
    """End this worker when its parent is gone (``kill -9`` leaves workers blocked otherwise)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _init_worker(spec: WorkerSpec, parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # its batches: one core too
    _worker["analyzer"] = spec.load()
    torch = sys.modules.get("torch")  # this process is ours: one PyTorch thread, as ONNX
    if torch is not None:
        torch.set_num_threads(WORKER_THREADS)


def _analyze_chunk(records: list[Record], batch_size: int, target: str | None) -> list[Result]:
    """Worker side: one result per record (an error result if the chunk fails as a whole)."""
    try:
        return list(_worker["analyzer"].analyze_many(records, batch_size=batch_size,
                                                     target=target))
    except Exception as exc:
        logger.exception("a worker chunk failed")
        return [ArticleError(r.id, f"analysis failed: {type(exc).__name__}: {exc}")
                for r in records]


def analyze_in_workers(analyzer: NewsAnalyzer, spec: WorkerSpec, records: Iterable[Record], *,
                       workers: int, batch_size: int, target: str | None) -> Iterator[Result]:
    """One result per record, in input order, from ``workers`` spawned processes.

    At most ``2 * workers + 1`` chunks are in flight, so a long stream is never read whole. If
    the pool breaks, the chunks it had not finished and the rest of the stream go through
    ``analyzer`` here, in this process."""
    chunks = batched(records, max(1, min(batch_size, CHUNK_ARTICLES)))
    # (chunk, its future: None until submitted)
    pending: deque[tuple[list[Record], Future[list[Result]] | None]] = deque()

    def drain(keep: int) -> Iterator[Result]:
        while len(pending) > keep:
            chunk, future = pending[0]
            assert future is not None
            try:
                results = future.result()
            except BrokenProcessPool:
                raise
            except Exception as exc:  # e.g. a result that could not be sent back
                results = [ArticleError(r.id, f"analysis failed in a worker: "
                                              f"{type(exc).__name__}: {exc}") for r in chunk]
            pending.popleft()
            yield from results

    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(spec, os.getpid()))
    broken = False
    try:
        for chunk in chunks:
            pending.append((chunk, None))  # kept if the submission fails
            pending[-1] = (chunk, pool.submit(_analyze_chunk, chunk, batch_size, target))
            yield from drain(2 * workers)
        yield from drain(0)
    except BrokenProcessPool:
        broken = True
    finally:
        pool.shutdown(wait=not broken, cancel_futures=True)
    if broken:
        logger.error("a worker process died; analysing the remaining articles in this process")
        yield from _recover(analyzer, pending, chunks, batch_size, target)


def _recover(analyzer: NewsAnalyzer,
             pending: deque[tuple[list[Record], Future[list[Result]] | None]],
             chunks: Iterator[list[Record]], batch_size: int,
             target: str | None) -> Iterator[Result]:
    """After the pool broke: the results the workers finished, the rest analysed here."""
    for chunk, future in pending:
        done = (future is not None and future.done() and not future.cancelled()
                and future.exception() is None)
        if done:
            yield from future.result()
        else:
            yield from analyzer.analyze_many(chunk, batch_size=batch_size, target=target)
    rest = (record for chunk in chunks for record in chunk)
    yield from analyzer.analyze_many(rest, batch_size=batch_size, target=target)
