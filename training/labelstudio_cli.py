"""CLI subcommand ``import-labelstudio``: a Label Studio JSON export as training-schema rows.

Only argparse at import time; the data stack loads when the command runs.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-labelstudio", help="turn a Label Studio JSON export into training data",
        description="Read a Label Studio JSON export of `newsstance export-labelstudio` tasks and "
                    "write one stance and one sentiment row per annotated quote as schema JSONL, "
                    "a source `newsstance train` can use (name the file in a config's sources).")
    p.add_argument("export", metavar="EXPORT.json", help="Label Studio export (JSON format)")
    p.add_argument("-o", "--output", required=True, help="schema JSONL file to write")
    p.add_argument("--split", choices=["train", "dev"], default="train",
                   help="split of the rows (default: train)")
    p.add_argument("--dev-fraction", type=float, default=0.0, metavar="F",
                   help="send a seeded share F of the articles to dev instead (default: 0)")
    p.add_argument("--source", default="labelstudio",
                   help="value of the rows' source column (default: labelstudio)")
    p.set_defaults(func=run_import_labelstudio)


def run_import_labelstudio(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError

    if not args.output.endswith(".jsonl"):
        raise CommandError("the output must be a .jsonl file (the schema loader reads it)")
    if not 0 <= args.dev_fraction < 1:
        raise CommandError("--dev-fraction must be in [0, 1)")
    if not args.source.strip():
        raise CommandError("--source must not be empty")

    from newsstance.training.data.labelstudio import import_tasks, read_export, write_rows

    try:
        tasks = read_export(args.export)
    except (OSError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    result = import_tasks(tasks, source=args.source.strip(), split=args.split,
                          dev_fraction=args.dev_fraction)
    for line in result.errors:
        print(f"error: {line}", file=sys.stderr)
    if not result.rows:
        print(result.summary(), file=sys.stderr)
        raise CommandError("no annotated quotes to write")
    path = write_rows(result.rows, args.output)
    print(result.summary() + f"\n-> {path}", file=sys.stderr)
    return 0
