"""Evaluate quote extraction on PolNeAR and nqs (the ``evaluate-quotes`` command's engine)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsstance.inference.polnear import GoldArticle, read_nqs, read_polnear
from newsstance.inference.quote_metrics import Counts, score_article

DATASETS = ("polnear", "nqs")


def gold_articles(name: str, root: Path, split: str, limit: int | None) -> Iterator[GoldArticle]:
    """Gold articles of data set ``name`` (``polnear`` or ``nqs``) under the data root."""
    if name == "polnear":
        return read_polnear(root / "polnear", split, limit)
    path = root / "nqs" / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"no nqs split {split!r} at {path}")
    return read_nqs(path, limit)


def evaluate(
    extractor: Any,
    name: str,
    root: Path,
    split: str = "dev",
    limit: int | None = None,
    batch_size: int = 16,
    n_process: int = 1,
) -> dict[str, Any]:
    """Metrics of ``extractor`` on one data set split."""
    from newsstance.inference.records import Record

    articles = list(gold_articles(name, root, split, limit))
    counts = Counts()
    records = (Record(id=a.id, text=a.text) for a in articles)
    started = time.perf_counter()
    for article, result in zip(
        articles,
        extractor.extract_records(records, batch_size=batch_size, n_process=n_process),
        strict=False,
    ):
        if "error" in result:
            counts.errors += 1
            score_article(counts, article.text, [], article.quotes)
            continue
        score_article(counts, article.text, result["quotes"], article.quotes)
    metrics = counts.metrics()
    metrics.update(data=name, split=split, seconds=round(time.perf_counter() - started, 2))
    return metrics


def format_table(results: list[dict[str, Any]]) -> str:
    """A plain-text table of the headline figures."""

    def pct(value: float | None) -> str:
        return "   -  " if value is None else f"{100 * value:6.1f}"

    head = (
        f"{'data':<8} {'split':<6} {'art':>4} {'pred':>5} {'gold':>5} | {'ovl P':>6} "
        f"{'ovl R':>6} {'ovl F1':>6} | {'ex P':>6} {'ex R':>6} {'ex F1':>6} | "
        f"{'spk':>6} {'role':>6} {'type':>6}"
    )
    lines = [head, "-" * len(head)]
    for m in results:
        o, e = m["overlap"], m["exact"]
        lines.append(
            f"{m['data']:<8} {m['split']:<6} {m['articles']:>4} {m['predicted']:>5} "
            f"{m['gold']:>5} | {pct(o['precision'])} {pct(o['recall'])} {pct(o['f1'])} | "
            f"{pct(e['precision'])} {pct(e['recall'])} {pct(e['f1'])} | "
            f"{pct(m['speaker_accuracy'])} {pct(m['role_accuracy'])} {pct(m['type_accuracy'])}"
        )
    notes = []
    for m in results:
        intervals = m.get("intervals") or {}
        spans = [f"{label} {100 * intervals[key][0]:.1f}-{100 * intervals[key][1]:.1f}"
                 for label, key in INTERVAL_LABELS if intervals.get(key)]
        if spans:
            notes.append(f"{m['data']} {m['split']} 95% intervals (articles resampled): "
                         + ", ".join(spans))
    return "\n".join(lines + ([""] + notes if notes else []))


#: Intervals printed under the table: (label, key in ``intervals``).
INTERVAL_LABELS = (("overlap F1", "overlap_f1"), ("speaker", "speaker_accuracy"),
                   ("role", "role_accuracy"))
