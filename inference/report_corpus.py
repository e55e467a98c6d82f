"""Corpus aggregates for the HTML report: tone by date and outlet, stance by role, top speakers.

:class:`CorpusStats` takes result dicts (``ArticleResult.to_dict()`` or ``{"id", "error"}``) one at
a time, with each article's metadata (``title``, ``date``, ``source``), and keeps only the
aggregates and one small summary row per article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from newsstance.inference.result import score_of

#: Group dates by day while they span at most this many days, else by month.
DAY_SPAN_LIMIT = 92
_DATE = re.compile(r"\s*(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?!\d)")


def parse_date(value: Any) -> tuple[date, bool] | None:
    """``(date, has_day)`` from ``YYYY-MM-DD`` or ``YYYY-MM`` text (a time may follow), or None."""
    if isinstance(value, date):
        return value, True
    if not isinstance(value, str):
        return None
    m = _DATE.match(value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3] or 1)), m[3] is not None
    except ValueError:
        return None


def meta_text(value: Any) -> str | None:
    """A metadata value as one trimmed line of text, or None when empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


@dataclass
class ArticleSummary:
    """One row of the corpus page's article list."""

    id: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    href: str | None = None
    error: str | None = None
    target: str = ""
    tone_label: str = ""
    tone_score: float = 0.0
    quotes: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Mean:
    """A running count and mean."""

    n: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        self.total += value

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0


@dataclass
class SpeakerStats:
    """Quotes of one speaker (matched on the name, case and spacing ignored)."""

    name: str
    quotes: int = 0
    articles: set[str] = field(default_factory=set)
    roles: Counter[str] = field(default_factory=Counter)
    organizations: Counter[str] = field(default_factory=Counter)
    stance: Counter[str] = field(default_factory=Counter)
    stance_score: Mean = field(default_factory=Mean)

    @property
    def role(self) -> str:
        return self.roles.most_common(1)[0][0] if self.roles else "other"

    @property
    def organization(self) -> str:
        return self.organizations.most_common(1)[0][0] if self.organizations else ""


@dataclass
class PeriodTone:
    """Mean tone of the articles dated in one period (a day or a month)."""

    label: str
    start: date
    n: int
    mean: float


@dataclass
class CorpusStats:
    """Aggregates over the articles of a report, filled by :meth:`add`."""

    articles: list[ArticleSummary] = field(default_factory=list)
    stance_by_role: dict[str, Counter[str]] = field(default_factory=dict)
    role_scores: dict[str, Mean] = field(default_factory=dict)
    speakers: dict[str, SpeakerStats] = field(default_factory=dict)
    unattributed: int = 0
    _dated: list[tuple[date, bool, float]] = field(default_factory=list)
    _outlets: dict[str, Mean] = field(default_factory=dict)

    def add(self, result: Mapping[str, Any], meta: Mapping[str, Any] | None = None,
            href: str | None = None) -> ArticleSummary:
        """Count one result; ``meta`` gives ``title``, ``date`` and ``source`` (or ``outlet``)."""
        meta = meta or {}
        row = ArticleSummary(
            id=str(result.get("id", "")), title=meta_text(meta.get("title")),
            date=meta_text(meta.get("date")),
            source=meta_text(meta.get("source") or meta.get("outlet")), href=href)
        self.articles.append(row)
        if "error" in result:
            row.error = str(result["error"])
            return row
        tone = result.get("tone") or {}
        row.target = str(result.get("target", ""))
        row.tone_label = str(tone.get("label", ""))
        row.tone_score = float(tone.get("score", score_of("sentiment", tone.get("probs", {}))))
        row.quotes = len(result.get("quotes", []))
        parsed = parse_date(meta.get("date"))
        if parsed:
            self._dated.append((parsed[0], parsed[1], row.tone_score))
        if row.source:
            self._outlets.setdefault(row.source, Mean()).add(row.tone_score)
        for q in result.get("quotes", []):
            self._add_quote(q, row.id)
        return row

    def _add_quote(self, q: Mapping[str, Any], article_id: str) -> None:
        role = q.get("speaker_role") or "other"
        stance = q.get("stance") or {}
        label = str(stance.get("label", "neutral"))
        score = score_of("stance", stance.get("probs", {}))
        self.stance_by_role.setdefault(role, Counter())[label] += 1
        self.role_scores.setdefault(role, Mean()).add(score)
        name = meta_text(q.get("speaker_name") or q.get("speaker"))
        if not name:
            self.unattributed += 1
            return
        who = self.speakers.setdefault(name.casefold(), SpeakerStats(name=name))
        who.quotes += 1
        who.articles.add(article_id)
        who.roles[role] += 1
        if q.get("organization"):
            who.organizations[str(q["organization"])] += 1
        who.stance[label] += 1
        who.stance_score.add(score)

    @property
    def ok_articles(self) -> list[ArticleSummary]:
        return [a for a in self.articles if a.ok]

    @property
    def errors(self) -> list[ArticleSummary]:
        return [a for a in self.articles if not a.ok]

    @property
    def quote_count(self) -> int:
        return sum(a.quotes for a in self.articles)

    def tone_by_period(self) -> tuple[str, list[PeriodTone]]:
        """``(granularity, periods)``: mean tone per day, or per month when the dates span more
        than :data:`DAY_SPAN_LIMIT` days or some have no day; periods in date order."""
        if not self._dated:
            return "day", []
        days = [d for d, _, _ in self._dated]
        by_day = all(has_day for _, has_day, _ in self._dated) and \
            (max(days) - min(days)).days <= DAY_SPAN_LIMIT
        groups: dict[date, Mean] = {}
        for d, _, score in self._dated:
            key = d if by_day else d.replace(day=1)
            groups.setdefault(key, Mean()).add(score)
        periods = [PeriodTone(label=k.isoformat() if by_day else k.strftime("%Y-%m"), start=k,
                              n=m.n, mean=m.mean) for k, m in sorted(groups.items())]
        return ("day" if by_day else "month"), periods

    def tone_by_outlet(self) -> list[tuple[str, int, float]]:
        """``(source, articles, mean tone)``, most articles first, then by name."""
        rows = [(name, m.n, m.mean) for name, m in self._outlets.items()]
        return sorted(rows, key=lambda r: (-r[1], r[0].casefold()))

    def roles(self) -> list[tuple[str, Counter[str], float]]:
        """``(role, stance label counts, mean stance score)``, most quotes first."""
        rows = [(role, counts, self.role_scores[role].mean)
                for role, counts in self.stance_by_role.items()]
        return sorted(rows, key=lambda r: (-sum(r[1].values()), r[0]))

    def top_speakers(self, n: int = 15) -> list[SpeakerStats]:
        """The ``n`` most-quoted speakers (ties: in more articles, then by name)."""
        ranked = sorted(self.speakers.values(),
                        key=lambda s: (-s.quotes, -len(s.articles), s.name.casefold()))
        return ranked[:n]
