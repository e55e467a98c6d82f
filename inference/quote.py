"""The :class:`Quote` record: one attributed statement found in an article."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

QUOTE_TYPES = ("direct", "indirect", "mixed")
SPEAKER_ROLES = (
    "company", "employee", "official", "expert", "advocate", "media", "public", "other",
)


@dataclass
class Quote:
    """An attributed statement. Offsets are character offsets into the article text.

    ``text == article[start:end]`` (without quotation marks) and, when a speaker mention was found,
    ``speaker == article[speaker_start:speaker_end]``.
    """

    text: str
    start: int
    end: int
    type: str = "direct"
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_name: str | None = None
    speaker_role: str = "other"
    organization: str | None = None
    #: the learned role model's probabilities for this speaker, pooled over the speaker's quotes
    #: (internal: combined with the span tagger's role head; not part of :meth:`to_dict`)
    role_probs: dict[str, float] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready plain dict, fields in schema order."""
        out = asdict(self)
        del out["role_probs"]
        return out
