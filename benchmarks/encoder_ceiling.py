"""The most articles/s an encoder allows on this machine, if each article were read exactly once.

Usage: python benchmarks/encoder_ceiling.py [--model DIR] [--limit 40] [--window 160]
       [--threads N] [--fp32] [--repeats 3]

Cuts the first ``--limit`` PolNeAR dev articles into consecutive, non-overlapping windows of
``--window`` tokens (each article read once: no target, no markers, no context read twice) and
runs every window through the model's ONNX graph alone, as the int8 graph runs in ``analyze``.
It prints the encoder's tokens/s and CPU time per token, then three upper bounds on articles/s:
the encoder alone, the encoder plus quote extraction (measured on the same articles) with both
cores fully used, and how many encoder layers a model could have for 10 articles/s (the cost of
an encoder grows with its layers; embeddings and heads are left out, which flatters the bound).
The labels are not used: only the work per token matters.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import load_texts  # noqa: E402

GOAL = 10.0


def article_windows(tokenizer, texts: list[str], window: int) -> list[list[int]]:
    """Each text's tokens in consecutive windows of ``window`` tokens, [CLS] and [SEP] included."""
    cls_id, sep_id = (tokenizer._tok.token_to_id(t) for t in ("[CLS]", "[SEP]"))
    out = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False, return_token_type_ids=False)["input_ids"]
        body = window - 2
        out.extend([cls_id, *ids[i:i + body], sep_id] for i in range(0, len(ids), body))
    return out


def run_windows(session, windows: list[list[int]]) -> tuple[float, float]:
    """Wall and process CPU seconds to run every window alone (one window a run)."""
    names = {i.name for i in session.get_inputs()}
    outputs = [o.name for o in session.get_outputs() if o.name.startswith("logits_")]
    wall, cpu = time.perf_counter(), time.process_time()
    for ids in windows:
        n = len(ids)
        feed = {"input_ids": np.array([ids], dtype=np.int64),
                "attention_mask": np.ones((1, n), dtype=np.int64)}
        if "token_type_ids" in names:
            feed["token_type_ids"] = np.zeros((1, n), dtype=np.int64)
        if "focus_mask" in names:
            feed["focus_mask"] = np.ones((1, n), dtype=np.int64)
        if "row_window" in names:
            feed["row_window"] = np.zeros(1, dtype=np.int64)
        session.run(outputs, feed)
    return time.perf_counter() - wall, time.process_time() - cpu


def extraction_cpu(texts: list[str]) -> float:
    """Process CPU seconds an article for quote extraction (parse and rules), one process."""
    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.records import make_record

    extractor = QuoteExtractor.load()
    records = [make_record(str(i), t) for i, t in enumerate(texts)]
    list(extractor.extract_records(iter(records[:2]), batch_size=16))  # warm up
    cpu = time.process_time()
    list(extractor.extract_records(iter(records), batch_size=16))
    return (time.process_time() - cpu) / len(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory with an ONNX export "
                        "(default: the bundled model)")
    parser.add_argument("--limit", type=int, default=40, help="PolNeAR dev articles (default 40)")
    parser.add_argument("--window", type=int, default=160, help="tokens a window (default 160)")
    parser.add_argument("--threads", type=int, default=None,
                        help="ONNX Runtime threads (default: all cores, as in analyze)")
    parser.add_argument("--fp32", action="store_true", help="run model.onnx, not model.int8.onnx")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the best is kept")
    args = parser.parse_args(argv)

    from newsstance.inference.analyzer import DEFAULT_MODEL_DIR
    from newsstance.inference.onnx_backend import OnnxQuoteClassifier

    root = Path(args.model) if args.model else DEFAULT_MODEL_DIR
    clf = OnnxQuoteClassifier.from_pretrained(root, quantized=not args.fp32, threads=args.threads)
    layers = json.loads((root / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
    texts = load_texts(args.limit, "dev")
    windows = article_windows(clf.tokenizer, texts, args.window)
    tokens = sum(len(w) for w in windows)
    run_windows(clf.session, windows[:8])  # warm up
    wall, cpu = min((run_windows(clf.session, windows) for _ in range(args.repeats)),
                    key=lambda t: t[0])
    threads = clf.session.get_session_options().intra_op_num_threads
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    per_token = cpu / tokens
    article_tokens = tokens / len(texts)
    words = sum(len(t.split()) for t in texts) / len(texts)
    encoder_only = tokens / wall / article_tokens
    parse = extraction_cpu(texts)
    both = cores / (parse + per_token * article_tokens)
    budget = cores / GOAL - parse  # CPU s an article left for the encoder at the goal
    max_layers = layers * budget / (per_token * article_tokens)

    print(f"{root}: {layers} encoder layers, {'fp32' if args.fp32 else 'int8'} graph, "
          f"{cores} cores")
    print(f"{len(texts)} PolNeAR dev articles of {words:.0f} words: {article_tokens:,.0f} tokens "
          f"an article read once ({len(windows)} windows of <= {args.window} tokens)")
    print(f"encoder: {tokens / wall:,.0f} tokens/s, {per_token * 1e3:.3f} CPU ms a token "
          f"(best of {args.repeats})")
    print(f"upper bound, encoder alone on {threads} thread(s), each article read once: "
          f"{encoder_only:.2f} articles/s")
    print(f"quote extraction: {parse:.3f} CPU s an article (one process)")
    print(f"upper bound with extraction, {cores} cores fully used: {both:.2f} articles/s "
          f"(goal {GOAL:g})")
    if budget <= 0:
        print(f"extraction alone exceeds the {GOAL:g} articles/s budget")
    else:
        print(f"for {GOAL:g} articles/s an encoder like this one could have at most "
              f"{max_layers:.1f} layers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
