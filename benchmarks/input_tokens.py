"""Model-input tokens an article costs in the pair and the article input formats.

Usage: python benchmarks/input_tokens.py --model DIR [--limit N] [--max-length L] [--stride S]

Extracts the quotes of the first ``--limit`` PolNeAR dev articles, builds the examples
``NewsAnalyzer`` would score (quotes and tone), and counts the tokens the encoder reads: in the
pair format with the model's settings (windows of weight 0 are skipped, as the backends do), and
in the article format with ``--max-length``/``--stride`` (each shared window once). Only the
tokenizer runs; no model is scored, so it takes seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import load_texts  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: the bundled)")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--stride", type=int, default=48)
    args = parser.parse_args(argv)

    from newsstance.inference.analyzer import NewsAnalyzer
    from newsstance.inference.encoding import encode_examples
    from newsstance.inference.records import make_record

    texts = load_texts(args.limit, "dev")
    analyzer = NewsAnalyzer.from_pretrained(args.model, calibrated=False)
    tokenizer = analyzer.classifier.tokenizer
    formats = {"pair": dataclasses.replace(analyzer.classifier.settings, input_format="pair"),
               "article": dataclasses.replace(analyzer.classifier.settings,
                                              max_length=args.max_length, stride=args.stride,
                                              input_format="article")}
    records = [make_record(str(i), t) for i, t in enumerate(texts)]
    outs = list(analyzer.extractor.extract_records(iter(records), batch_size=16))
    tokens = dict.fromkeys(formats, 0)
    quotes = 0
    for record, out in zip(records, outs, strict=True):
        quotes += len(out.get("quotes", []))
        for name, settings in formats.items():
            analyzer.classifier.settings = settings
            prepared = analyzer._prepare(record, out.get("quotes", []), None)
            windows = encode_examples(tokenizer, prepared.examples + prepared.tone_examples,
                                      settings)
            if name == "article":
                tokens[name] += sum(len(windows.input_ids[s]) for s in set(windows.window_source))
            else:
                tokens[name] += sum(len(ids) for ids, w in zip(windows.input_ids,
                                                               windows.window_weight, strict=True)
                                    if w > 0)
    n = len(texts)
    print(f"{n} PolNeAR dev articles, {quotes / n:.1f} quotes an article")
    for name, total in tokens.items():
        print(f"{name:8s}: {total / n:,.0f} tokens an article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
