"""Find quoted passages by pairing quotation marks, paragraph by paragraph.

Curly marks (“ ”), low-9 („) and guillemets are paired by shape; straight double quotes (") by
context: after a space, line start or opening bracket a mark opens, otherwise it closes. A quote
still open at the end of a paragraph whose next paragraph starts with an opening mark is a
multi-paragraph quote: it ends at the paragraph end (one quote per paragraph) and the next
paragraph's quote is marked as its continuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENERS = frozenset("“„«")
CLOSERS = frozenset("”»")
STRAIGHT = '"'
_OPEN_CONTEXT = frozenset(" \t\n([{—–-/:")
_PARA = re.compile(r"[^\n]+")


@dataclass
class QuoteSpan:
    """Content between a pair of quotation marks (marks excluded)."""

    start: int
    end: int
    closed: bool = True
    continues: bool = False  # the quote goes on in the next paragraph
    continued: bool = False  # continues a quote of the previous paragraph


def _kind(text: str, i: int) -> str:
    ch = text[i]
    if ch in OPENERS:
        return "open"
    if ch in CLOSERS:
        # a right mark used as an opener: at paragraph start or after a space, before a letter
        if (i == 0 or text[i - 1] in " \t\n(") and i + 1 < len(text) and text[i + 1].isalnum():
            return "open"
        return "close"
    prev = text[i - 1] if i > 0 else "\n"
    nxt = text[i + 1] if i + 1 < len(text) else "\n"
    if prev in _OPEN_CONTEXT and not nxt.isspace():
        return "open"
    if nxt.isspace() or not nxt.isalnum():
        return "close"
    return "open" if prev in _OPEN_CONTEXT else "close"


def find_quote_spans(text: str, max_chars: int = 5000) -> list[QuoteSpan]:
    """Quoted passages of ``text``, in order; empty and over-long passages are dropped."""
    spans: list[QuoteSpan] = []
    paragraphs = [(m.start(), m.end()) for m in _PARA.finditer(text)]
    carried = False
    for index, (p_start, p_end) in enumerate(paragraphs):
        open_at: int | None = None
        first_in_para = True
        for i in range(p_start, p_end):
            ch = text[i]
            if ch not in OPENERS and ch not in CLOSERS and ch != STRAIGHT:
                continue
            kind = _kind(text, i)
            if kind == "open" and open_at is None:
                open_at = i + 1
            elif kind == "close" and open_at is not None:
                spans.append(QuoteSpan(open_at, i, continued=carried and first_in_para))
                first_in_para = carried = False
                open_at = None
            elif kind == "close" and open_at is None and first_in_para and carried:
                # a quote carried over whose paragraph does not reopen it: treat as its end
                spans.append(QuoteSpan(p_start, i, continued=True))
                first_in_para = carried = False
        if open_at is not None:
            nxt = paragraphs[index + 1][0] if index + 1 < len(paragraphs) else None
            goes_on = nxt is not None and text[nxt] in (OPENERS | {STRAIGHT})
            end = p_end
            while end > open_at and text[end - 1].isspace():
                end -= 1
            spans.append(
                QuoteSpan(
                    open_at,
                    end,
                    closed=False,
                    continues=goes_on,
                    continued=carried and first_in_para,
                )
            )
            carried = goes_on
        else:
            carried = False
    return [
        s
        for s in spans
        if s.end > s.start and s.end - s.start <= max_chars and text[s.start : s.end].strip()
    ]
