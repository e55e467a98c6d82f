"""CLI subcommand ``export-labelstudio``: quotes as Label Studio tasks, plus our label config."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newsstance.inference.commands import INPUT_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-labelstudio", help="write extracted quotes as Label Studio tasks",
        description="Extract the quotes of each article and write a Label Studio task file (one "
                    "task per quote, with the model's stance and sentiment as pre-annotations) "
                    "and the labeling config to use with it.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("-o", "--output", required=True, help="task file to write (JSON list)")
    p.add_argument("--target", help="target for articles without one (default: a record's "
                                    "'target' field, else its title, else inferred from the lead)")
    model = p.add_mutually_exclusive_group()
    model.add_argument("--model", help="model directory for pre-annotations (default: the "
                                       "bundled model, when installed)")
    model.add_argument("--no-predictions", action="store_true",
                       help="no pre-annotations (the model is not loaded)")
    p.add_argument("--backend", choices=["onnx", "torch"], default="onnx",
                   help="model backend (default: onnx)")
    p.add_argument("--config-out", help="labeling config XML to write "
                                        "(default: OUTPUT's name with .label_config.xml)")
    p.add_argument("--context-chars", type=int, metavar="N",
                   help="context characters around a quote (default: the model's, else 600)")
    p.add_argument("--input-format", choices=["txt", "jsonl", "csv", "html"],
                   help="force the input format (default: by suffix; stdin is sniffed)")
    p.add_argument("--batch-size", type=int, default=32, help="articles processed together")
    p.set_defaults(func=run_export_labelstudio)


def config_path(output: str | Path) -> Path:
    """The label config beside a task file: ``tasks.json`` -> ``tasks.label_config.xml``."""
    out = Path(output)
    return out.with_name(f"{out.stem}.label_config.xml")


def run_export_labelstudio(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.inference.analyzer import DEFAULT_MODEL_DIR, ModelNotFoundError, NewsAnalyzer
    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.labelstudio import iter_article_tasks, label_config
    from newsstance.inference.records import read_sources

    if args.batch_size < 1:
        raise CommandError("--batch-size must be a positive number")
    if args.context_chars is not None and args.context_chars < 0:
        raise CommandError("--context-chars must be >= 0")
    extractor = QuoteExtractor.load()
    analyzer = None
    if not args.no_predictions:
        if args.model is None and not (DEFAULT_MODEL_DIR / "config.json").is_file():
            print("no bundled model: writing tasks without predictions (pass --model DIR)",
                  file=sys.stderr)
        else:
            try:
                analyzer = NewsAnalyzer.from_pretrained(args.model, backend=args.backend,
                                                        extractor=extractor)
            except (ModelNotFoundError, ValueError, OSError) as exc:
                raise CommandError(str(exc)) from None
    tasks, errors, articles = [], [], 0
    for art in iter_article_tasks(read_sources(args.inputs, args.input_format), extractor,
                                  analyzer, target=args.target, context_chars=args.context_chars,
                                  batch_size=args.batch_size):
        articles += 1
        if art.error is not None:
            errors.append(art.id)
            print(f"article {art.id}: error: {art.error}", file=sys.stderr)
        tasks.extend(art.tasks)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    xml = Path(args.config_out) if args.config_out else config_path(out)
    xml.parent.mkdir(parents=True, exist_ok=True)
    xml.write_text(label_config(), encoding="utf-8")
    model = f"predictions by {analyzer.model.get('name')}" if analyzer else "no predictions"
    print(f"{articles} article(s), {len(errors)} error(s), {len(tasks)} task(s) ({model}) "
          f"-> {out}; label config -> {xml}", file=sys.stderr)
    return 0
