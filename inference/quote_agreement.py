"""How far PolNeAR's annotators agree with each other, scored as ``evaluate-quotes`` scores.

A few PolNeAR articles were annotated by five or six people (16 in train, 2 in dev: the
agreement study). Scoring one annotator's file against another's with the extractor's metrics
gives a ceiling for those metrics: a model cannot be expected to match one annotator better than
the annotators match each other. Three comparisons, each against every annotator's file in turn:

- ``pairs``: every other annotator's file (all ordered pairs);
- ``majority``: the majority of the other annotators (the spans that more than half of them
  marked, IoU >= 0.5; what a model that learnt the "average annotator" perfectly would output);
- ``extractor``: a :class:`~newsstance.inference.extraction.QuoteExtractor`'s quotes.

95% intervals resample whole articles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsstance.inference.polnear import GoldQuote, ann_quotes, annotator_files
from newsstance.inference.quote_metrics import Counts, iou, score_article, trim_span

COMPARISONS = ("pairs", "majority", "extractor")


@dataclass
class AnnotatedArticle:
    """An article text and each annotator's quotes (file order)."""

    id: str
    text: str
    annotators: list[list[GoldQuote]]


def multi_annotated(root: Path, split: str) -> Iterator[AnnotatedArticle]:
    """The articles of a PolNeAR split (``root``: the ``polnear`` folder) with two or more
    annotators."""
    text_dir = root / split / "text"
    if not text_dir.is_dir():
        raise FileNotFoundError(f"no PolNeAR split {split!r} under {root}")
    for stem, files in annotator_files(root, split).items():
        text_path = text_dir / f"{stem}.txt"
        if len(files) < 2 or not text_path.is_file():
            continue
        text = text_path.read_text(encoding="utf-8")
        yield AnnotatedArticle(stem, text, [ann_quotes(text, f.read_text(encoding="utf-8"))
                                            for f in files])


def majority(text: str, annotators: Sequence[Sequence[GoldQuote]]) -> list[GoldQuote]:
    """The spans that more than half of ``annotators`` marked (IoU >= 0.5 with one of theirs),
    most-voted first, one for each group of such overlapping spans."""
    trimmed = [[trim_span(text, q.start, q.end) for q in a] for a in annotators]
    candidates = []
    for quotes, spans in zip(annotators, trimmed, strict=True):
        for q, span in zip(quotes, spans, strict=True):
            if span[1] > span[0]:
                votes = sum(any(iou(span, s) >= 0.5 for s in other) for other in trimmed)
                candidates.append((votes, span, q))
    need = len(annotators) // 2 + 1
    kept: list[tuple[tuple[int, int], GoldQuote]] = []
    for votes, span, q in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if votes >= need and not any(iou(span, s) >= 0.5 for s, _ in kept):
            kept.append((span, q))
    return sorted((q for _, q in kept), key=lambda q: (q.start, q.end))


def _add_article(counts: Counts, text: str, pairs: Sequence[tuple[Sequence[Any], Sequence[Any]]]
                 ) -> None:
    """Score ``(pred, gold)`` pairs of one article; the bootstrap sees them as one article."""
    before = len(counts.per_article)
    for pred, gold in pairs:
        score_article(counts, text, pred, gold)
    rows = counts.per_article[before:]
    del counts.per_article[before:]
    counts.per_article.append(tuple(sum(col) for col in zip(*rows, strict=True)))


def agreement(articles: Sequence[AnnotatedArticle],
              extract: Callable[[list[str]], list[list[Any]]] | None = None
              ) -> dict[str, dict[str, Any]]:
    """Metrics of each comparison (see the module docstring) over ``articles``; ``extract``
    maps texts to their predicted quotes (``extractor`` is left out without it)."""
    single = [a.id for a in articles if len(a.annotators) < 2]
    if single:
        raise ValueError(f"agreement needs two or more annotators an article; {single[0]} has "
                         "fewer")
    counts = {name: Counts() for name in COMPARISONS if extract is not None or name != "extractor"}
    predicted = extract([a.text for a in articles]) if extract is not None else None
    for i, a in enumerate(articles):
        n = len(a.annotators)
        others = [[ann for j, ann in enumerate(a.annotators) if j != k] for k in range(n)]
        _add_article(counts["pairs"], a.text, [(a.annotators[j], a.annotators[k])
                                               for k in range(n) for j in range(n) if j != k])
        _add_article(counts["majority"], a.text,
                     [(majority(a.text, others[k]), a.annotators[k]) for k in range(n)])
        if predicted is not None:
            _add_article(counts["extractor"], a.text,
                         [(predicted[i], a.annotators[k]) for k in range(n)])
    out = {}
    for name, c in counts.items():
        m = c.metrics()
        m.update(articles=len(articles), annotator_files=sum(len(a.annotators) for a in articles))
        out[name] = m
    return out


def format_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """A plain-text table: one row per split and comparison."""
    head = (f"{'split':<6} {'comparison':<10} {'art':>4} {'files':>5} | {'ovl P':>6} {'ovl R':>6} "
            f"{'ovl F1':>6} {'95% interval':>13} | {'ex F1':>6} | {'spk':>6}")
    lines = [head, "-" * len(head)]
    for split, rows in results.items():
        for name, m in rows.items():
            o = m["overlap"]
            ci = m["intervals"]["overlap_f1"]
            interval = f"{100 * ci[0]:.1f}-{100 * ci[1]:.1f}" if ci else "-"
            spk = m["speaker_accuracy"]
            lines.append(
                f"{split:<6} {name:<10} {m['articles']:>4} {m['annotator_files']:>5} | "
                f"{100 * o['precision']:6.1f} {100 * o['recall']:6.1f} {100 * o['f1']:6.1f} "
                f"{interval:>13} | {100 * m['exact']['f1']:6.1f} | "
                f"{'  -   ' if spk is None else f'{100 * spk:6.1f}'}")
    return "\n".join(lines)
