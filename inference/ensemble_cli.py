"""CLI subcommand ``ensemble``: pool several model directories into one."""

from __future__ import annotations

import argparse
import shlex
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ensemble", help="pool models (e.g. the transformer and the TF-IDF baseline) into one",
        description="Write an ensemble directory: the members (transformers exported to ONNX, "
                    "baselines) copied in, their calibrated probabilities pooled log-linearly "
                    "(p ∝ Π p_i^w_i). `analyze`, `evaluate` and `calibrate` take the result "
                    "like any model directory.")
    p.add_argument("members", nargs="+", metavar="MODEL_DIR", help="member model directories")
    p.add_argument("-o", "--output", required=True, help="the ensemble directory to write")
    p.add_argument("--weights", type=float, nargs="+", metavar="W",
                   help="one weight per member (default: equal); normalised to sum to 1")
    p.add_argument("--name", help="the ensemble's name in outputs (default: the directory name)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUTPUT")
    p.set_defaults(func=run_ensemble)


def run_ensemble(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.inference.ensemble_build import build_ensemble

    argv = [*args.members, "-o", args.output]
    argv += ["--weights", *map(str, args.weights)] if args.weights else []
    argv += ["--name", args.name] if args.name else []
    command = shlex.join(["newsstance", "ensemble", *argv])
    try:
        out = build_ensemble(args.members, args.output, weights=args.weights, name=args.name,
                             overwrite=args.overwrite, command=command)
    except (ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    print(f"wrote {out}", file=sys.stderr)
    return 0
