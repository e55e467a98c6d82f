"""The ``newsstance`` command line: one entry point, one subcommand per job.

Subcommands are registered by small argparse-only modules of each half (``COMMAND_MODULES``);
their heavy imports (spaCy, torch, transformers) happen only when a subcommand runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from newsstance import __version__

#: Modules with a ``register(subparsers)`` function, in help order.
COMMAND_MODULES = (
    "newsstance.inference.commands",      # quotes, evaluate-quotes
    "newsstance.inference.analyze_cli",   # analyze, export-onnx
    "newsstance.inference.ensemble_cli",  # ensemble
    "newsstance.training.train_cli",      # train
    "newsstance.training.span_cli",       # train-spans
    "newsstance.training.evaluate_cli",   # baseline, evaluate, compare-evals
    "newsstance.training.calibrate_cli",  # calibrate
    "newsstance.inference.labelstudio_cli", "newsstance.training.labelstudio_cli",  # label studio
)


class CommandError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    from importlib import import_module

    parser = argparse.ArgumentParser(
        prog="newsstance",
        description="Find who is quoted in news articles and where they stand.",
    )
    parser.add_argument("--version", action="version", version=f"newsstance {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"newsstance {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
