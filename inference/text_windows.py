"""Cheap text windows: regex sentence spans, a context window around a quote, and the
sentences of a long document most relevant to a query (headline or entity).

No spaCy: a regex sentence boundary is good enough for picking context and runs in
microseconds per document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace, or at a blank line /
# line break. Common abbreviations ("Mr.", "U.S.") are not boundaries.
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s)|\n+""")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|St|Jr|Sr|Inc|Corp|Co|Ltd|No|vs|etc|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])|\b(?:[A-Za-z]\.){2,})\.$"
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORD_TEXT = (
    "a an the and or but of to in on at for with by from as is are was were be been being it its "
    "this that these those he she they we you i his her their our your not no has have had do "
    "does did will would can could should may might than then so if about into over after before "
    "says said say new up out more s t"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Half-open (start, end) spans of the sentences of ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group()[0] == "." and _ABBREV.search(text, max(0, m.start() - 12), m.start() + 1):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def quote_window(
    text: str,
    quote: tuple[int, int],
    speaker: tuple[int, int] | None = None,
    *,
    max_chars: int = 1200,
    context_sentences: int = 1,
    speaker_reach: int = 300,
    spans: Sequence[tuple[int, int]] | None = None,
) -> tuple[int, int]:
    """The (start, end) of a context window in ``text`` around the ``quote`` span.

    The window is the sentence(s) holding the quote plus up to ``context_sentences`` sentences
    before and after, each added only while the window stays within ``max_chars``. If the
    quote's own sentences exceed ``max_chars`` the window is cut to ``max_chars`` around the
    quote, but never inside the quote: a quote longer than ``max_chars`` is kept whole. A speaker
    mention within ``speaker_reach`` characters of the window is then brought in (so the window
    can exceed ``max_chars`` by at most ``speaker_reach`` plus the mention).
    """
    qs, qe = quote
    if spans is None:
        spans = sentence_spans(text)
    inside = [i for i, (s, e) in enumerate(spans) if s < qe and e > qs]
    if not inside:
        return qs, qe
    lo, hi = inside[0], inside[-1]
    ws, we = min(spans[lo][0], qs), max(spans[hi][1], qe)
    if we - ws > max_chars:
        # Cut the quote's own sentences to the budget around the quote (never inside it),
        # at word boundaries.
        spare = max(0, max_chars - (qe - qs))
        left = min(qs - ws, spare // 2)
        right = min(we - qe, spare - left)
        left = min(qs - ws, spare - right)
        ws, we = qs - left, qe + right
        while ws < qs and not text[ws - 1].isspace():
            ws += 1
        while we > qe and we < len(text) and not text[we].isspace():
            we -= 1
    else:
        for _ in range(context_sentences):
            grew = False
            if lo > 0 and we - spans[lo - 1][0] <= max_chars:
                lo -= 1
                ws = spans[lo][0]
                grew = True
            if hi + 1 < len(spans) and spans[hi + 1][1] - ws <= max_chars:
                hi += 1
                we = spans[hi][1]
                grew = True
            if not grew:
                break
    if speaker is not None and speaker[0] >= 0:
        ss, se = speaker
        if ss < ws and ws - se <= speaker_reach:
            ws = ss
            for s, e in spans:  # start at the speaker's sentence when that is close
                if s <= ss < e:
                    if ss - s <= speaker_reach // 3:
                        ws = s
                    break
        elif se > we and ss - we <= speaker_reach:
            we = se
            for s, e in spans:  # end at the speaker's sentence end when that is close
                if s < se <= e:
                    if e - se <= speaker_reach // 3:
                        we = e
                    break
    ws, we = _trim(text, ws, we)
    return min(ws, qs), max(we, qe)


def content_words(text: str) -> set[str]:
    """Lower-cased word tokens minus :data:`STOPWORDS` (and one-letter tokens)."""
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS}


@lru_cache(maxsize=4096)
def _sentences_and_words(text: str) -> tuple[list[tuple[int, int]], list[set[str]]]:
    """Sentence spans and their content words (cached: FNC-1 bodies recur across pairs)."""
    spans = sentence_spans(text)
    return spans, [content_words(text[s:e]) for s, e in spans]


def select_relevant(
    text: str, query: str, max_chars: int = 1500, *, lead: int = 1, sep: str = " "
) -> str:
    """The sentences of ``text`` most relevant to ``query``, in order, within ``max_chars``.

    Texts within the budget are returned unchanged (whitespace trimmed). Otherwise sentences are
    ranked by how many distinct content words they share with ``query`` (ties: earlier first);
    the first ``lead`` sentence(s) go first (a news lead states the story). Sentences are added
    in rank order while they fit, then joined in document order with ``sep``. A sentence longer
    than the whole budget is cut at a word boundary when nothing else fits.
    """
    text = text.strip()
    if len(text) <= max_chars:
        return text
    spans, words = _sentences_and_words(text)
    q = content_words(query)
    scores = [len(q & w) for w in words]
    order = sorted(range(len(spans)), key=lambda i: (i >= lead, -scores[i], i))
    chosen: list[int] = []
    used = 0
    for i in order:
        s, e = spans[i]
        extra = (e - s) + (len(sep) if chosen else 0)
        if used + extra <= max_chars:
            chosen.append(i)
            used += extra
    if not chosen:
        best = min(range(len(spans)), key=lambda i: (-scores[i], i))
        s, e = spans[best]
        cut = text[s:s + max_chars]
        return cut[: cut.rfind(" ")] if " " in cut else cut
    return sep.join(" ".join(text[spans[i][0]:spans[i][1]].split()) for i in sorted(chosen))


def find_mention(text: str, name: str) -> tuple[int, int]:
    """Span of the first occurrence of ``name`` in ``text`` (exact, then case-insensitive, then
    its last word, e.g. a surname); ``(-1, -1)`` when absent."""
    name = name.strip()
    if not name:
        return -1, -1
    i = text.find(name)
    if i < 0:
        i = text.lower().find(name.lower())
    if i >= 0:
        return i, i + len(name)
    last = name.split()[-1]
    if len(last) > 2 and last != name:
        m = re.search(r"\b" + re.escape(last) + r"\b", text, flags=re.IGNORECASE)
        if m:
            return m.start(), m.end()
    return -1, -1
