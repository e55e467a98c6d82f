"""Result records of :class:`~newsstance.inference.analyzer.NewsAnalyzer`, each with ``to_dict()``.

A score is P(positive or favor) - P(negative or against), in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsstance.inference.quote import Quote

#: The label whose probability counts +1 / -1 in a score, per task.
POSITIVE = {"stance": "favor", "sentiment": "positive"}
NEGATIVE = {"stance": "against", "sentiment": "negative"}


def score_of(task: str, probs: Mapping[str, float]) -> float:
    """P(favor/positive) - P(against/negative), clipped to [-1, 1]."""
    value = float(probs.get(POSITIVE.get(task, ""), 0.0)) - float(
        probs.get(NEGATIVE.get(task, ""), 0.0))
    return max(-1.0, min(1.0, value))


@dataclass
class Prediction:
    """A label, its probabilities (label -> p, summing to 1) and optionally a score."""

    label: str
    probs: dict[str, float]
    score: float | None = None

    @classmethod
    def from_row(cls, task: str, labels: Sequence[str], row: Sequence[float],
                 with_score: bool = True) -> Prediction:
        """The prediction of one probability row in ``labels`` order."""
        probs = {label: round(float(p), 6) for label, p in zip(labels, row, strict=True)}
        label = max(probs, key=lambda k: probs[k])
        score = round(score_of(task, probs), 6) if with_score else None
        return cls(label=label, probs=probs, score=score)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label}
        if self.score is not None:
            out["score"] = self.score
        out["probs"] = dict(self.probs)
        return out


@dataclass
class QuoteResult:
    """A quote with its stance toward the target and its sentiment."""

    quote: Quote
    stance: Prediction
    sentiment: Prediction

    @property
    def stance_score(self) -> float:
        return score_of("stance", self.stance.probs)

    def to_dict(self) -> dict[str, Any]:
        return {**self.quote.to_dict(), "stance": self.stance.to_dict(),
                "sentiment": self.sentiment.to_dict()}


@dataclass
class RoleSummary:
    """Quotes of one speaker role: how many, mean stance and sentiment scores."""

    quotes: int
    stance_score: float
    sentiment_score: float

    def to_dict(self) -> dict[str, Any]:
        return {"quotes": self.quotes, "stance_score": self.stance_score,
                "sentiment_score": self.sentiment_score}


def summarize_roles(quotes: Sequence[QuoteResult]) -> dict[str, RoleSummary]:
    """Per speaker role (in first-seen order): count and mean scores of its quotes."""
    groups: dict[str, list[QuoteResult]] = {}
    for q in quotes:
        groups.setdefault(q.quote.speaker_role or "other", []).append(q)
    return {
        role: RoleSummary(
            quotes=len(items),
            stance_score=round(sum(q.stance_score for q in items) / len(items), 6),
            sentiment_score=round(sum(score_of("sentiment", q.sentiment.probs)
                                      for q in items) / len(items), 6))
        for role, items in groups.items()
    }


@dataclass
class ArticleResult:
    """Everything found in one article (see the README for the JSON schema)."""

    id: str
    target: str
    target_source: str
    tone: Prediction
    quotes: list[QuoteResult] = field(default_factory=list)
    by_role: dict[str, RoleSummary] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    ok = True
    error = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target,
            "target_source": self.target_source,
            "tone": self.tone.to_dict(),
            "quotes": [q.to_dict() for q in self.quotes],
            "by_role": {role: s.to_dict() for role, s in self.by_role.items()},
            "model": dict(self.model),
        }


@dataclass
class ArticleError:
    """An article that could not be read or analysed."""

    id: str
    error: str

    ok = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "error": self.error}
