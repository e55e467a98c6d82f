"""CLI subcommands of the inference half: ``quotes`` and ``evaluate-quotes``."""

from __future__ import annotations

import argparse
import sys

INPUT_HELP = ("articles: .txt (first line + blank line = title), .jsonl/.csv (id, text, title?), "
              ".html, a directory of these, or - for stdin")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quotes", help="extract quotes and speakers, one JSON line per article",
                       description="Extract quotes and speakers, one JSON line per article.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("-o", "--output", help="output JSONL file (default: stdout)")
    p.add_argument("--input-format", choices=["txt", "jsonl", "csv", "html"],
                   help="force the input format (default: by suffix; stdin is sniffed)")
    p.add_argument("--batch-size", type=int, default=32, help="articles per spaCy batch")
    p.add_argument("--n-process", type=int, default=1, help="spaCy worker processes")
    p.set_defaults(func=run_quotes)


def run_quotes(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.output import open_output, write_jsonl_line
    from newsstance.inference.records import read_sources

    extractor = QuoteExtractor.load()
    records = read_sources(args.inputs, args.input_format)
    done = errors = 0
    with open_output(args.output) as out:
        bar = tqdm(desc="articles", unit="art", file=sys.stderr, disable=None)
        for result in extractor.extract_records(records, batch_size=args.batch_size,
                                                n_process=args.n_process):
            write_jsonl_line(out, result)
            done += 1
            errors += "error" in result
            bar.update()
        bar.close()
    print(f"{done} article(s), {errors} error(s)", file=sys.stderr)
    return 0
