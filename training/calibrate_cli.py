"""CLI subcommand ``calibrate``: fit per-task temperatures on dev data and record them.

    newsstance calibrate MODEL [--data nqs[:dev]] [--folds 5] [--dry-run]

The temperatures go into ``MODEL/newsstance.json`` (``calibration``), which every loader reads
(``analyze``, ``NewsAnalyzer``, ``evaluate``), with the metrics before and after: after is
cross-fitted over articles (see :mod:`newsstance.training.calibration`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# the same names as newsstance.inference.loading.BACKENDS, not imported from there: that module
# brings numpy into every CLI start, and this one is imported to build the parser
BACKENDS = ("auto", "torch", "onnx")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``calibrate`` to the CLI."""
    from newsstance.training.evaluate_cli import _positive_int

    p = sub.add_parser(
        "calibrate", help="fit temperatures so that the model's probabilities match its accuracy",
        description="Fit one temperature per task on labelled dev data (lowest negative "
                    "log-likelihood), print calibration before and after (after: cross-fitted "
                    "over articles) and record the temperatures in MODEL/newsstance.json.")
    p.add_argument("model", metavar="MODEL", help="model directory (transformer, ONNX bundle, "
                   "baseline or ensemble)")
    p.add_argument("--data", default="nqs", metavar="SOURCE[:split]",
                   help="labelled data to fit on (default: nqs, its dev split)")
    p.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="run the transformer in torch or ONNX Runtime (auto: torch when the "
                        "directory has PyTorch weights, else ONNX)")
    p.add_argument("--folds", type=_positive_int, default=5, metavar="K",
                   help="article folds of the cross-fitted estimate (default: 5)")
    p.add_argument("--seed", type=int, default=13, help="seed of the fold split (default: 13)")
    p.add_argument("--batch-size", type=_positive_int, default=32, metavar="N")
    p.add_argument("--data-dir", metavar="D", help="labelled data root")
    p.add_argument("-o", "--output", metavar="FILE", help="also write the report as JSON here")
    p.add_argument("--dry-run", action="store_true",
                   help="print the report; leave the model directory unchanged")
    p.set_defaults(func=run_calibrate)


def load_uncalibrated(path: str | Path, backend: str = "auto") -> Any:
    """The model in ``path`` without its own recorded calibration (see
    :func:`~newsstance.training.evaluate.load_model`; an ensemble's members keep theirs)."""
    from newsstance.training.evaluate import load_model

    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"model directory not found: {root}")
    return load_model(root, calibrated=False, backend=backend)


def fit_report(model: Any, ds: Any, *, folds: int, seed: int, batch_size: int
               ) -> dict[str, dict[str, Any]]:
    """:func:`~newsstance.training.calibration.calibration_report` per task of ``ds``."""
    from newsstance.training.calibration import calibration_report, label_ids
    from newsstance.training.evaluate import data_tasks, predict_probabilities, task_subset

    out = {}
    for task in data_tasks(ds):
        if task not in model.labels:
            continue
        sub = task_subset(ds, task)
        keep, gold = label_ids(sub["label"], model.labels[task])
        if not keep:
            continue
        sub = sub.select(keep)
        probs = predict_probabilities(model, sub, task, batch_size)
        groups = list(sub["group"]) if "group" in sub.column_names else list(sub["id"])
        out[task] = calibration_report(probs, gold, groups, folds=folds, seed=seed)
    return out


def format_report(report: dict[str, dict[str, Any]]) -> str:
    head = (f"{'task':<10} {'n':>5} {'T':>6}  {'ECE before':>10} {'after':>6}  "
            f"{'NLL before':>10} {'after':>6}  {'Brier before':>12} {'after':>6}")
    lines = [head, "-" * len(head)]
    for task, r in report.items():
        b, a = r["before"], r["cross_fitted"]
        lines.append(f"{task:<10} {r['n']:>5} {r['temperature']:>6.3f}  {b['ece']:>10.3f} "
                     f"{a['ece']:>6.3f}  {b['nll']:>10.3f} {a['nll']:>6.3f}  "
                     f"{b['brier']:>12.3f} {a['brier']:>6.3f}")
    return "\n".join(lines)


def record_calibration(model_dir: str | Path, report: dict[str, dict[str, Any]], *,
                       fitted_on: str, fitted_with: str) -> Path:
    """Write the temperatures (and the report) into ``model_dir/newsstance.json``."""
    from newsstance.inference.calibration import CALIBRATION_KEY
    from newsstance.training.model_files import INFO_FILE, write_json

    path = Path(model_dir) / INFO_FILE
    info = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    info[CALIBRATION_KEY] = {
        "method": "temperature",
        "temperatures": {task: r["temperature"] for task, r in report.items()},
        "fitted_on": fitted_on,
        "fitted_with": fitted_with,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "report": report,
    }
    card = Path(model_dir) / "README.md"
    if card.is_file():
        write_card_section(card, info[CALIBRATION_KEY])
    return write_json(path, info)


CARD_HEADING = "## Calibration"


def write_card_section(card: Path, entry: dict[str, Any]) -> None:
    """Put (or replace) the model card's calibration section, at its end."""
    text = card.read_text(encoding="utf-8")
    if CARD_HEADING in text:
        head, _, rest = text.partition(CARD_HEADING)
        following = rest.find("\n## ")
        text = head.rstrip() + "\n" + (rest[following:] if following >= 0 else "")
    rows = [f"| {task} | {r['n']} | {r['temperature']:.3f} | {r['before']['ece']:.3f} → "
            f"{r['cross_fitted']['ece']:.3f} | {r['before']['nll']:.3f} → "
            f"{r['cross_fitted']['nll']:.3f} |" for task, r in entry["report"].items()]
    folds = next(iter(entry["report"].values()))["cross_fitted"]["folds"]
    section = "\n".join([
        CARD_HEADING, "",
        f"Probabilities are temperature-scaled (`newsstance calibrate`, fitted on "
        f"`{entry['fitted_on']}` with {entry['fitted_with']}). Before → after, the after "
        f"figures cross-fitted over {folds} folds of articles:", "",
        "| task | n | temperature | ECE | NLL |", "|---|---:|---:|---|---|", *rows, ""])
    card.write_text(text.rstrip() + "\n\n" + section, encoding="utf-8")


def run_calibrate(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.training.evaluate import DataSpecError, load_split, parse_data_spec

    if args.folds < 2:
        raise CommandError("--folds must be at least 2")
    try:
        spec = parse_data_spec(args.data)
        split, ds = load_split(spec, args.data_dir)
    except DataSpecError as exc:
        raise CommandError(str(exc)) from None
    try:
        model = load_uncalibrated(args.model, args.backend)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CommandError(f"cannot load model {args.model}: {exc}") from None
    try:
        report = fit_report(model, ds, folds=args.folds, seed=args.seed,
                            batch_size=args.batch_size)
    except ValueError as exc:  # e.g. fewer articles than folds
        raise CommandError(str(exc)) from None
    if not report:
        raise CommandError(f"{spec.source}:{split} has no examples of the model's tasks "
                           f"({', '.join(model.labels)})")
    print(format_report(report))
    if args.output:
        from newsstance.training.model_files import write_json

        write_json(args.output, report)
    if args.dry_run:
        return 0
    path = record_calibration(args.model, report, fitted_on=f"{spec.source}:{split}",
                              fitted_with=type(model).__name__)
    print(f"temperatures recorded in {path}", file=sys.stderr)
    return 0
