"""Score predicted quotes against gold quotes: span P/R/F1, speaker and role accuracy.

Spans are compared after trimming spaces, quotation marks and edge punctuation. ``exact`` needs
identical trimmed spans; ``overlap`` needs intersection-over-union >= 0.5, matched one to one
(greedily, best IoU first). Speaker and role accuracy are computed on overlap-matched pairs whose
gold quote has a speaker (role) label. :meth:`Counts.intervals` gives 95% bootstrap intervals
that resample whole articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from newsstance.inference.resampling import percentile_interval, resample_indices

TRIM_CHARS = " \t\r\n\u00a0\"'“”‘’«»„‟‹›`.,;:!?—–-()[]…"
IOU_THRESHOLD = 0.5
_DETERMINERS = re.compile(r"^(the|a|an|mr\.?|mrs\.?|ms\.?|dr\.?)\s+", re.I)


class SpanLike(Protocol):
    start: int
    end: int


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without surrounding spaces, quotation marks and edge punctuation."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start] in TRIM_CHARS:
        start += 1
    while end > start and text[end - 1] in TRIM_CHARS:
        end -= 1
    return start, end


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two half-open character spans."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union


def match_spans(
    pred: Sequence[tuple[int, int]],
    gold: Sequence[tuple[int, int]],
    threshold: float = IOU_THRESHOLD,
) -> list[tuple[int, int]]:
    """One-to-one ``(pred index, gold index)`` pairs with IoU >= ``threshold``, best first."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            score = iou(p, g)
            if score >= threshold and score > 0:
                pairs.append((score, i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def normalize_name(name: str | None) -> str:
    """Lower-cased name without leading determiners/titles, possessive 's and extra spaces."""
    if not name:
        return ""
    name = re.sub(r"\s+", " ", name.strip().lower())
    name = re.sub(r"['’]s$", "", name)
    while True:
        stripped = _DETERMINERS.sub("", name)
        if stripped == name:
            return name
        name = stripped


def same_person(a: str | None, b: str | None) -> bool:
    """Names of the same speaker: equal after normalising, or one is the other's surname."""
    a, b = normalize_name(a), normalize_name(b)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a.split(), b.split()), key=len)
    return (
        len(short) < len(long_)
        and long_[-len(short) :] == short
        and short[-1].isalpha()
        and len(short[-1]) > 2
    )


@dataclass
class Counts:
    """Running counts for one data set."""

    n_articles: int = 0
    n_pred: int = 0
    n_gold: int = 0
    tp_exact: int = 0
    tp_overlap: int = 0
    speaker_n: int = 0
    speaker_ok: int = 0
    role_n: int = 0
    role_ok: int = 0
    type_n: int = 0
    type_ok: int = 0
    errors: int = 0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    #: each article's own counts, in :data:`ARTICLE_COUNTS` order (for the bootstrap intervals)
    per_article: list[tuple[int, ...]] = field(default_factory=list)

    def intervals(self) -> dict[str, list[float] | None]:
        """95% bootstrap intervals of overlap F1, speaker and role accuracy, resampling whole
        articles (``None`` where nothing was scored)."""
        if not self.per_article:
            return {"overlap_f1": None, "speaker_accuracy": None, "role_accuracy": None}
        rows = np.array(self.per_article, dtype=float)
        sums = np.stack([rows[i].sum(0) for i in resample_indices(len(rows))])
        pred, gold, tp, spk_n, spk_ok, role_n, role_ok = sums.T

        def ratio(num: np.ndarray, den: np.ndarray) -> list[float] | None:
            if not den.any():
                return None
            return [round(v, 4) for v in percentile_interval(
                np.divide(num, den, out=np.zeros_like(num), where=den > 0))]

        return {"overlap_f1": ratio(2 * tp, pred + gold),
                "speaker_accuracy": ratio(spk_ok, spk_n),
                "role_accuracy": ratio(role_ok, role_n)}

    def metrics(self) -> dict[str, Any]:
        def prf(tp: int) -> dict[str, float]:
            p = tp / self.n_pred if self.n_pred else 0.0
            r = tp / self.n_gold if self.n_gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}

        def acc(ok: int, n: int) -> float | None:
            return round(ok / n, 4) if n else None

        return {
            "articles": self.n_articles,
            "errors": self.errors,
            "predicted": self.n_pred,
            "gold": self.n_gold,
            "exact": prf(self.tp_exact),
            "overlap": prf(self.tp_overlap),
            "speaker_accuracy": acc(self.speaker_ok, self.speaker_n),
            "speaker_n": self.speaker_n,
            "role_accuracy": acc(self.role_ok, self.role_n),
            "role_n": self.role_n,
            "type_accuracy": acc(self.type_ok, self.type_n),
            "type_n": self.type_n,
            "role_confusion": self.confusion,
            "intervals": self.intervals(),
        }


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def speaker_correct(text: str, pred: Any, gold: Any) -> bool:
    """The predicted speaker mention overlaps the gold one, or the names match."""
    ps, pe = _get(pred, "speaker_start"), _get(pred, "speaker_end")
    gs, ge = _get(gold, "speaker_start"), _get(gold, "speaker_end")
    if None not in (ps, pe, gs, ge) and min(pe, ge) > max(ps, gs):
        return True
    gold_names = {_get(gold, "speaker_name")}
    if gs is not None and ge is not None:
        gold_names.add(text[gs:ge])
    pred_names = {_get(pred, "speaker_name"), _get(pred, "speaker")}
    return any(same_person(p, g) for p in pred_names for g in gold_names)


def score_article(counts: Counts, text: str, pred: Iterable[Any], gold: Iterable[Any]) -> None:
    """Add one article's predicted and gold quotes (objects or dicts) to ``counts``."""
    pred = list(pred)
    gold = list(gold)
    before = _article_counts(counts)
    _score(counts, text, pred, gold)
    counts.per_article.append(tuple(
        a - b for a, b in zip(_article_counts(counts), before, strict=True)))


#: The counts kept per article, for :meth:`Counts.intervals`.
ARTICLE_COUNTS = ("n_pred", "n_gold", "tp_overlap", "speaker_n", "speaker_ok", "role_n",
                  "role_ok")


def _article_counts(counts: Counts) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in ARTICLE_COUNTS)


def _score(counts: Counts, text: str, pred: list[Any], gold: list[Any]) -> None:
    counts.n_articles += 1
    p_spans = [trim_span(text, _get(q, "start"), _get(q, "end")) for q in pred]
    g_spans = [trim_span(text, _get(q, "start"), _get(q, "end")) for q in gold]
    keep_p = [i for i, s in enumerate(p_spans) if s[1] > s[0]]
    keep_g = [j for j, s in enumerate(g_spans) if s[1] > s[0]]
    counts.n_pred += len(keep_p)
    counts.n_gold += len(keep_g)
    gold_set: dict[tuple[int, int], int] = {}
    for j in keep_g:
        gold_set[g_spans[j]] = gold_set.get(g_spans[j], 0) + 1
    for i in keep_p:
        if gold_set.get(p_spans[i], 0) > 0:
            gold_set[p_spans[i]] -= 1
            counts.tp_exact += 1
    pairs = match_spans([p_spans[i] for i in keep_p], [g_spans[j] for j in keep_g])
    counts.tp_overlap += len(pairs)
    for pi, gj in pairs:
        p, g = pred[keep_p[pi]], gold[keep_g[gj]]
        if _get(g, "speaker_start") is not None or _get(g, "speaker_name"):
            counts.speaker_n += 1
            counts.speaker_ok += speaker_correct(text, p, g)
        g_role = _get(g, "speaker_role")
        if g_role:
            p_role = _get(p, "speaker_role") or "other"
            counts.role_n += 1
            counts.role_ok += p_role == g_role
            row = counts.confusion.setdefault(g_role, {})
            row[p_role] = row.get(p_role, 0) + 1
        g_type = _get(g, "type")
        if g_type:
            counts.type_n += 1
            counts.type_ok += _get(p, "type") == g_type
