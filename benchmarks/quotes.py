"""Throughput of quote extraction over PolNeAR dev: articles/s and words/s.

Usage: python benchmarks/quotes.py [--n-process 1|2] [--limit N] [--batch-size B] [--no-prefilter]
                                  [--tagger bundled|DIR] [--tag-scope article|chunks]
Model loading and a short warm-up are excluded from the timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from newsstance.datapaths import data_dir
from newsstance.inference.extraction import QuoteExtractor
from newsstance.inference.polnear import read_polnear


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--limit", type=int, help="use the first N dev articles (default: all)")
    parser.add_argument("--split", default="dev")
    parser.add_argument(
        "--no-prefilter",
        action="store_true",
        help="parse every paragraph, not only those with a cue or quote mark",
    )
    parser.add_argument("--tagger", help="add a learned span tagger: 'bundled' or a directory")
    parser.add_argument("--tag-scope", choices=["article", "chunks"], default="article")
    args = parser.parse_args(argv)
    root = data_dir(required=False)
    if root is None:
        print("data not found: set NEWSSTANCE_DATA", file=sys.stderr)
        return 2
    texts = [a.text for a in read_polnear(root / "polnear", args.split, args.limit)]
    words = sum(len(t.split()) for t in texts)
    tagger = True if args.tagger == "bundled" else args.tagger
    extractor = QuoteExtractor.load(prefilter=not args.no_prefilter, tagger=tagger,
                                    tag_scope=args.tag_scope)
    for _ in extractor.extract_many(texts[:2]):  # warm-up
        pass
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    n_quotes = sum(
        len(q)
        for q in extractor.extract_many(texts, batch_size=args.batch_size, n_process=args.n_process)
    )
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    print(
        f"{len(texts)} articles, {words} words ({words / len(texts):.0f} words/article), "
        f"{n_quotes} quotes, n_process={args.n_process}, prefilter={not args.no_prefilter}, "
        f"tagger={args.tagger or 'none'}" + (f" ({args.tag_scope})" if args.tagger else "")
    )
    print(f"{elapsed:.2f} s: {len(texts) / elapsed:.1f} articles/s, {words / elapsed:,.0f} words/s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"CPU time {cpu:.2f} s (this process and its workers): "
        f"{len(texts) / cpu:.1f} articles per CPU-second; load average {load:.1f} "
        f"on {os.cpu_count()} cores (other jobs slow the wall-clock figure)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
