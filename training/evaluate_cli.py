"""CLI subcommands ``baseline`` (fit the scikit-learn baseline), ``evaluate`` (score a model) and
``compare-evals`` (a paired bootstrap of two evaluations).

Only argparse runs at import time; scikit-learn, datasets and torch load when a command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_BASELINE_DIR = "runs/baseline"


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``baseline``, ``evaluate`` and ``compare-evals`` to the CLI."""
    p = sub.add_parser(
        "baseline", help="train the TF-IDF + logistic-regression baseline",
        description="Train the scikit-learn baseline from a JSON/YAML config, save it with skops "
                    "and score it on the dev split of each training source.")
    p.add_argument("config", metavar="CONFIG", help="baseline config (.json/.yaml), e.g. "
                   "training/configs/baseline.json")
    p.add_argument("-o", "--output", default=DEFAULT_BASELINE_DIR, metavar="DIR",
                   help=f"model directory (default: {DEFAULT_BASELINE_DIR})")
    p.add_argument("--max-train-samples", type=_positive_int, metavar="N",
                   help="cap each source's training examples per task (quick runs)")
    p.add_argument("--data-dir", metavar="D", help="labelled data root (default: NEWSSTANCE_DATA "
                   "or ../shared/data)")
    p.add_argument("--no-eval", action="store_true", help="skip the dev evaluation")
    p.set_defaults(func=run_baseline)

    e = sub.add_parser(
        "evaluate", help="score a transformer or baseline model on labelled data",
        description="Score a model directory (transformer or baseline) on labelled data: "
                    "per-class P/R/F1, macro-F1, accuracy, F_avg (stance), FNC score "
                    "(fnc1/arc_ukp); writes eval_<source>_<split>.json and confusion PNGs.")
    e.add_argument("model", metavar="MODEL",
                   help="model directory (transformer, ONNX bundle, baseline or ensemble)")
    e.add_argument("--data", action="append", required=True, metavar="SOURCE[:split]",
                   help="source name (nqs, fnc1, semeval2016_task6, ...) or schema .csv/.jsonl, "
                        "optional :train/:dev/:test (default dev); repeatable")
    e.add_argument("--task", choices=["stance", "sentiment"],
                   help="only this task (default: every task in the data)")
    e.add_argument("-o", "--output", metavar="DIR", help="output directory (default: MODEL/eval)")
    e.add_argument("--batch-size", type=_positive_int, default=32, metavar="N")
    e.add_argument("--max-samples", type=_positive_int, metavar="N",
                   help="score at most N examples per task (seeded random subset)")
    e.add_argument("--data-dir", metavar="D", help="labelled data root")
    e.add_argument("--no-plots", action="store_true", help="skip the confusion-matrix PNGs")
    e.add_argument("--uncalibrated", action="store_true",
                   help="score the raw probabilities, without the temperatures recorded by "
                        "`newsstance calibrate` (only the calibration metrics change)")
    e.set_defaults(func=run_evaluate)

    c = sub.add_parser(
        "compare-evals", help="is model b better than model a? a paired bootstrap on dev",
        description="Compare the predictions two `newsstance evaluate` runs wrote, on the "
                    "examples both scored: macro-F1 of each, b - a, and its interval from a "
                    "paired bootstrap that resamples whole articles.")
    c.add_argument("a", metavar="A", help="evaluation directory (or model directory with eval/)")
    c.add_argument("b", metavar="B", help="the same for the model compared with A")
    c.add_argument("--resamples", type=_positive_int, metavar="N",
                   help="bootstrap draws (default: 2,000)")
    c.add_argument("--seed", type=int, help="seed of the draws (default: 13)")
    c.set_defaults(func=run_compare)


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def run_baseline(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.training.baseline import BaselineConfig, train_baseline

    config_path = Path(args.config)
    if not config_path.is_file():
        raise CommandError(f"{config_path}: no such config file")
    try:
        config = BaselineConfig.from_file(config_path)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"{config_path}: {exc}") from None
    start = time.perf_counter()
    try:
        model = train_baseline(config, args.data_dir, args.max_train_samples)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    except (KeyError, ValueError) as exc:
        raise CommandError(f"training failed: {exc}") from None
    fit_seconds = round(time.perf_counter() - start, 1)
    model.info["data"]["fit_seconds"] = fit_seconds
    model.info["data"]["config_file"] = str(config_path)
    for row in model.info["data"]["train"]:
        print(f"train {row['source']:<24} {row['task']:<10} {row['n']:>7}", file=sys.stderr)
    print(f"fitted {', '.join(model.tasks)} in {fit_seconds}s", file=sys.stderr)
    out = Path(args.output)
    if not args.no_eval:
        rows = _evaluate_sources(model, [s.name for s in config.sources], out / "eval",
                                 data_dir=args.data_dir)
        model.metrics = {f"{name}:dev": tasks for name, tasks in rows.items()}
    model.save(out)
    print(f"saved baseline to {out}", file=sys.stderr)
    return 0


def _evaluate_sources(model: Any, sources: list[str], out_dir: Path,
                      data_dir: str | None) -> dict[str, dict[str, Any]]:
    """Score ``model`` on each source's dev split (sources without one are skipped)."""
    from newsstance.training.evaluate import (
        DataSpec,
        DataSpecError,
        evaluate_dataset,
        format_table,
        load_split,
        write_results,
    )

    results: dict[str, dict[str, Any]] = {}
    for source in sources:
        spec = DataSpec(source, "dev")
        try:
            _, ds = load_split(spec, data_dir)
        except DataSpecError as exc:
            print(f"no dev evaluation for {source}: {exc}", file=sys.stderr)
            continue
        rows: list[dict[str, Any]] = []
        res = evaluate_dataset(model, ds, source=source, predictions=rows)
        write_results(res, out_dir, name=spec.name, split="dev", predictions=rows)
        results[spec.name] = res
    table = [(f"{name}:dev", task, m) for name, res in results.items() for task, m in res.items()]
    if table:
        print(format_table(table))
    return results


def run_evaluate(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.training.evaluate import (
        DataSpecError,
        evaluate_dataset,
        format_table,
        load_model,
        load_split,
        parse_data_spec,
        write_results,
    )
    from newsstance.training.model_files import ModelDirError, model_kind

    try:
        kind = model_kind(args.model)
        specs = [parse_data_spec(d) for d in args.data]
    except (ModelDirError, DataSpecError) as exc:
        raise CommandError(str(exc)) from None
    datasets_ = []
    for spec in specs:  # load all data first: a typo in the last --data fails fast
        try:
            datasets_.append((spec, *load_split(spec, args.data_dir)))
        except DataSpecError as exc:
            raise CommandError(str(exc)) from None
    try:
        model = load_model(args.model, calibrated=not args.uncalibrated)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CommandError(f"cannot load model {args.model}: {exc}") from None
    if args.task and args.task not in model.labels:
        raise CommandError(f"model {args.model} has no {args.task!r} head "
                           f"(tasks: {', '.join(model.labels)})")
    out_dir = Path(args.output) if args.output else Path(args.model) / "eval"
    table = []
    for spec, split, ds in datasets_:
        tasks = [args.task] if args.task else None
        rows: list[dict[str, Any]] = []
        res = evaluate_dataset(model, ds, source="" if spec.is_path else spec.source, tasks=tasks,
                               batch_size=args.batch_size, max_samples=args.max_samples,
                               predictions=rows)
        if not res:
            print(f"{spec.source}:{split}: nothing to score (no examples of the model's "
                  f"tasks)", file=sys.stderr)
            continue
        meta = {"model": str(args.model), "model_kind": kind, "data": spec.source,
                "max_samples": args.max_samples,
                "temperatures": getattr(model, "temperatures", None)}
        path = write_results(res, out_dir, name=spec.name, split=split, meta=meta,
                             plots=not args.no_plots, predictions=rows)
        print(f"wrote {path}", file=sys.stderr)
        table += [(f"{spec.name}:{split}", task, m) for task, m in res.items()]
    if table:
        print(format_table(table))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.training.compare import CompareError, compare_dirs, format_comparison

    try:
        given = {"resamples": args.resamples, "seed": args.seed}
        rows = compare_dirs(args.a, args.b, **{k: v for k, v in given.items() if v is not None})
    except CompareError as exc:
        raise CommandError(str(exc)) from None
    print(format_comparison(rows))
    return 0
