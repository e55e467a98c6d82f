"""Compare two models on the same labelled examples (the ``compare-evals`` command's engine).

``newsstance evaluate`` writes ``predictions_<data>_<split>.jsonl`` beside its metrics; two such
directories are compared file by file and task by task, on the examples both scored, with a
paired bootstrap that resamples whole articles (:func:`~newsstance.training.bootstrap.
paired_difference`). A dev gain whose interval includes 0 is not evidence that b is better.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from newsstance.training.bootstrap import LEVEL, RESAMPLES, SEED, paired_difference
from newsstance.training.evaluate import PREDICTIONS_PREFIX
from newsstance.training.metrics import macro_f1


class CompareError(ValueError):
    """Prediction files that cannot be compared."""


def predictions_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` if it holds prediction files, else its ``eval/`` folder (a model directory)."""
    root = Path(path)
    for candidate in (root, root / "eval"):
        if any(candidate.glob(f"{PREDICTIONS_PREFIX}*.jsonl")):
            return candidate
    raise CompareError(f"{root}: no {PREDICTIONS_PREFIX}*.jsonl here or in {root / 'eval'}; "
                       f"run `newsstance evaluate` first")


def read_predictions(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of one predictions file keyed by ``(task, id)``."""
    rows = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
                rows[(row["task"], row["id"])] = {"group": row.get("group"),
                                                  "gold": row["gold"], "pred": row["pred"]}
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise CompareError(f"{path}:{n}: not a prediction row ({exc})") from None
    return rows


def compare_dirs(dir_a: str | os.PathLike[str], dir_b: str | os.PathLike[str], *,
                 resamples: int = RESAMPLES, level: float = LEVEL,
                 seed: int = SEED) -> list[dict[str, Any]]:
    """One row per data set and task that both directories scored: n, macro-F1 of a and b, and
    the paired bootstrap of b − a."""
    a_dir, b_dir = predictions_dir(dir_a), predictions_dir(dir_b)
    shared = sorted({p.name for p in a_dir.glob(f"{PREDICTIONS_PREFIX}*.jsonl")}
                    & {p.name for p in b_dir.glob(f"{PREDICTIONS_PREFIX}*.jsonl")})
    if not shared:
        raise CompareError(f"{a_dir} and {b_dir} scored no data set in common")
    out = []
    for name in shared:
        a, b = read_predictions(a_dir / name), read_predictions(b_dir / name)
        data = ":".join(name[len(PREDICTIONS_PREFIX):-len(".jsonl")].rsplit("_", 1))
        for task in sorted({t for t, _ in a} & {t for t, _ in b}):
            keys = sorted(k for k in a.keys() & b.keys() if k[0] == task)
            if not keys:
                continue
            if any(a[k]["gold"] != b[k]["gold"] for k in keys):
                raise CompareError(f"{data} {task}: the two files disagree on gold labels")
            gold = [a[k]["gold"] for k in keys]
            pa, pb = [a[k]["pred"] for k in keys], [b[k]["pred"] for k in keys]
            groups = [a[k].get("group") for k in keys]
            diff = paired_difference(gold, pa, pb, groups=None if None in groups else groups,
                                     resamples=resamples, level=level, seed=seed)
            out.append({"data": data, "task": task, "macro_f1_a": macro_f1(gold, pa),
                        "macro_f1_b": macro_f1(gold, pb), **diff})
    return out


def format_comparison(rows: list[dict[str, Any]], level: float = LEVEL) -> str:
    """A plain-text table of :func:`compare_dirs` rows."""
    head = (f"{'data':<28} {'task':<10} {'n':>6} {'a':>7} {'b':>7} {'b - a':>7} "
            f"{f'{level:.0%} interval':>17} {'P(b<=a)':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lo, hi = r["interval"]
        lines.append(f"{r['data']:<28} {r['task']:<10} {r['n']:>6} {r['macro_f1_a']:>7.3f} "
                     f"{r['macro_f1_b']:>7.3f} {r['difference']:>+7.3f} "
                     f"{f'{lo:+.3f} to {hi:+.3f}':>17} {r['share_not_better']:>8.3f}")
    return "\n".join(lines)
