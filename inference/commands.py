"""CLI subcommands of the inference half: ``quotes``, ``evaluate-quotes`` and
``quote-agreement``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: ``--tagger`` default of ``quotes`` and ``evaluate-quotes``.
DEFAULT_TAGGER = "none"
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
    add_tagger_option(p)
    p.set_defaults(func=run_quotes)

    e = sub.add_parser("evaluate-quotes", help="score quote extraction on PolNeAR and nqs",
                       description="Score quote extraction against PolNeAR (brat) and nqs gold "
                                   "spans: overlap and exact P/R/F1, speaker and role accuracy.")
    e.add_argument("--data", choices=["polnear", "nqs", "both"], default="both",
                   help="data set(s) to score (default: both)")
    e.add_argument("--split", default="dev", help="split to score (default: dev)")
    e.add_argument("--limit", type=int, help="score only the first N articles of each set")
    e.add_argument("--data-dir", help="data root (default: $NEWSSTANCE_DATA or ../shared/data)")
    e.add_argument("-o", "--output", help="write the metrics as JSON to this file")
    e.add_argument("--batch-size", type=int, default=16, help="articles per spaCy batch")
    e.add_argument("--n-process", type=int, default=1, help="spaCy worker processes")
    add_tagger_option(e)
    e.set_defaults(func=run_evaluate_quotes)

    a = sub.add_parser("quote-agreement",
                       help="how far PolNeAR's annotators agree, scored like evaluate-quotes",
                       description="Score PolNeAR's multiply annotated articles annotator against "
                                   "annotator, majority of the others against each annotator, and "
                                   "the extractor against each annotator: the ceiling of "
                                   "evaluate-quotes' figures.")
    a.add_argument("--split", action="append", dest="splits", metavar="SPLIT",
                   help="PolNeAR split(s) to read (repeatable; default: train and dev)")
    a.add_argument("--data-dir", help="data root (default: $NEWSSTANCE_DATA or ../shared/data)")
    a.add_argument("--skip-extractor", action="store_true",
                   help="score the annotators only (no spaCy pipeline loaded)")
    a.add_argument("-o", "--output", help="write the metrics as JSON to this file")
    add_tagger_option(a)
    a.set_defaults(func=run_quote_agreement)


def add_tagger_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tagger", default=DEFAULT_TAGGER, metavar="DIR",
                   help="learned span tagger added to the rules: 'bundled', 'none' or a tagger "
                        f"directory (default: {DEFAULT_TAGGER})")
    p.add_argument("--tag-scope", choices=["article", "chunks"], default="article",
                   help="what the tagger reads: the whole article (default) or only the "
                        "sentences with a quotation mark or speech cue (faster)")


def load_extractor(args: argparse.Namespace, deferred: bool = False):
    """The quote extractor the ``--tagger`` option asks for (``deferred``: loaded on first use,
    its tagger directory checked now)."""
    from newsstance.cli import CommandError
    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.quotes.tagger import TaggerError

    spec = args.tagger
    tagger = None if spec == "none" else True if spec == "bundled" else spec
    try:
        load = QuoteExtractor.deferred if deferred else QuoteExtractor.load
        return load(tagger=tagger, tag_scope=args.tag_scope)
    except (TaggerError, OSError) as exc:
        raise CommandError(f"--tagger {spec}: {exc}") from exc


def run_quotes(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from newsstance.inference.output import open_output, write_jsonl_line
    from newsstance.inference.records import read_sources

    extractor = load_extractor(args)
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


def run_evaluate_quotes(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.inference.quote_eval import evaluate, format_table

    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be a positive number")
    root = _data_root(args)
    names = ["polnear", "nqs"] if args.data == "both" else [args.data]
    extractor = load_extractor(args)
    results = []
    for name in names:
        try:
            results.append(evaluate(extractor, name, root, args.split, args.limit,
                                    batch_size=args.batch_size, n_process=args.n_process))
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
    _print_and_write(format_table(results), results, args.output)
    return 0


def run_quote_agreement(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.inference.quote_agreement import agreement, format_table, multi_annotated

    root = _data_root(args)
    splits = {}
    for split in args.splits or ["train", "dev"]:
        try:
            splits[split] = list(multi_annotated(root / "polnear", split))
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        if not splits[split]:
            raise CommandError(f"PolNeAR {split}: no article has more than one annotator")
    if len(splits) > 1:
        splits["all"] = [a for articles in splits.values() for a in articles]
    extract = None
    if not args.skip_extractor:  # each article extracted once, for its split and for "all"
        texts = list(dict.fromkeys(a.text for articles in splits.values() for a in articles))
        found = dict(zip(texts, load_extractor(args).extract_many(texts), strict=True))

        def extract(batch: list[str]) -> list[list]:
            return [found[text] for text in batch]

    results = {split: agreement(articles, extract) for split, articles in splits.items()}
    _print_and_write(format_table(results), results, args.output)
    return 0


def _data_root(args: argparse.Namespace) -> Path:
    """The labelled data root of ``--data-dir`` (or the default), as a clear error if absent."""
    from newsstance.cli import CommandError
    from newsstance.datapaths import data_dir

    try:
        root = data_dir(args.data_dir)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    assert root is not None
    return root


def _print_and_write(table: str, results: object, output: str | None) -> None:
    """Print ``table``; write ``{"results": results}`` as JSON to ``output`` if given."""
    import json

    print(table)
    if output:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"results": results}, indent=2) + "\n", encoding="utf-8")
