"""Accuracy cost of the ONNX Runtime int8 backend: macro-F1 on nqs dev, PyTorch vs ONNX.

Usage: python benchmarks/onnx_accuracy.py --model DIR [--limit N] [--fp32] [--context-chars C]
       [--data nqs|nqs_articles] [--json OUT]

Runs the same nqs dev examples (stance and sentiment rows) through the PyTorch model and the int8
ONNX graph (and the fp32 graph with ``--fp32``) of one model directory, and prints macro-F1 per
task for each, the difference, and how often the two agree. The goal: int8 loses at most 1 point.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model directory (exported to ONNX)")
    parser.add_argument("--limit", type=int, help="first N dev examples of each task")
    parser.add_argument("--fp32", action="store_true", help="also score the fp32 ONNX graph")
    parser.add_argument("--context-chars", type=int,
                        help="override the model's context_chars (speed/accuracy trade-off)")
    parser.add_argument("--data", default="nqs", choices=["nqs", "nqs_articles"],
                        help="nqs_articles: each quote in its whole article, as analyze reads it")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    from dataclasses import replace

    from newsstance.inference.classifier import QuoteClassifier
    from newsstance.inference.onnx_backend import OnnxQuoteClassifier
    from newsstance.training.data import load_source
    from newsstance.training.metrics import macro_f1

    dev = load_source(args.data)["dev"]
    backends: dict[str, Any] = {"torch": QuoteClassifier.from_pretrained(args.model),
                                "onnx-int8": OnnxQuoteClassifier.from_pretrained(args.model)}
    if args.fp32:
        backends["onnx-fp32"] = OnnxQuoteClassifier.from_pretrained(args.model, quantized=False)
    if args.context_chars is not None:
        for clf in backends.values():
            clf.settings = replace(clf.settings, context_chars=args.context_chars)
    report: dict[str, Any] = {}
    for task in ("stance", "sentiment"):
        rows = [r for r in dev if r["task"] == task][:args.limit]
        gold = [r["label"] for r in rows]
        preds: dict[str, list[str]] = {}
        for name, clf in backends.items():
            start = time.perf_counter()
            preds[name] = clf.predict(rows, task)
            seconds = time.perf_counter() - start
            f1 = macro_f1(gold, preds[name], labels=clf.labels[task])
            report.setdefault(task, {})[name] = {"macro_f1": f1, "seconds": seconds}
            print(f"{task:9} {name:9} macro-F1 {100 * f1:6.2f}  ({len(rows)} examples, "
                  f"{seconds:.1f} s)")
        base = report[task]["torch"]["macro_f1"]
        for name in preds:
            if name == "torch":
                continue
            agree = sum(a == b for a, b in zip(preds[name], preds["torch"], strict=True))
            report[task][name]["delta_points"] = 100 * (report[task][name]["macro_f1"] - base)
            report[task][name]["agreement"] = agree / max(1, len(rows))
            print(f"{task:9} {name:9} - torch: {report[task][name]['delta_points']:+.2f} points, "
                  f"same label on {100 * agree / max(1, len(rows)):.1f}% of examples")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
