"""The ``article`` input format: every quote of a text marked at once, the text read in windows.

With the ``pair`` format (:func:`~newsstance.inference.encoding.build_pair`) each quote gets a
window of its own context, so an article of 20 quotes is read about 20 times over. The
``article`` format reads the text once: every quote is marked in it as ``role (speaker): « … »``,
the marked text is tokenised as the second segment after the target in overlapping windows of
``max_length`` tokens (``stride`` shared), and each quote is pooled from the window where it sits
most centrally (focus pooling over its marked tokens, role prefix included). A quote too long for
any window is pooled from every window holding part of it. All quotes of a text, and its tone,
share the same windows, so a backend runs each window once (``EncodedWindows.window_source``).

An example is a schema dict as for the ``pair`` format plus ``text_quotes``: the quotes of
``text`` to mark, a list of ``{"start", "end", "speaker", "speaker_role"}`` (or that list as a
JSON string; empty: only the example's own quote). The example's own quote is
``quote_start``/``quote_end`` (added to the marks when the list lacks it). An example without a
quote is read from all the windows of its text: its focus is its target mention when there is one
and the text has no quotes, else nothing (the window mean).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from newsstance.inference.encoding import (
    EncodedWindows,
    EncodingSettings,
    _clean,
    _cut_target,
    _span,
    speaker_prefix,
)

Span = tuple[int, int]


@dataclass(frozen=True)
class MarkedText:
    """A text with its quotes marked: each quote's span in ``text`` (prefix and markers
    included) by its ``(start, end)`` in the original, and the bracketed mention's."""

    first: str
    text: str
    quote_spans: dict[Span, Span]
    mention_span: Span | None = None


def text_quotes(example: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The example's ``text_quotes`` as a list of dicts, its own quote included, sorted."""
    raw = example.get("text_quotes") or []
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else []
    text_len = len(str(example.get("text") or ""))
    quotes: dict[Span, dict[str, Any]] = {}
    for q in raw:
        span = _span({"q_start": q.get("start"), "q_end": q.get("end")}, "q", text_len)
        if span is not None:
            quotes.setdefault(span, {"speaker": q.get("speaker") or "",
                                     "speaker_role": q.get("speaker_role") or ""})
    own = _span(example, "quote", text_len)
    if own is not None and own not in quotes:
        quotes[own] = {"speaker": example.get("speaker") or "",
                       "speaker_role": example.get("speaker_role") or ""}
    return [{"start": s, "end": e, **quotes[(s, e)]} for s, e in sorted(quotes)]


def mark_text(example: Mapping[str, Any], settings: EncodingSettings) -> MarkedText:
    """Mark every quote of the example's text (and, with no quotes, its target mention)."""
    text = str(example.get("text") or "")
    quotes = text_quotes(example)
    q_open, q_close = settings.quote_markers
    # (position, kind, order, marker, span key): at one position closers (kind 0) go first, inner
    # before outer (order = length), then openers (kind 1), outer before inner (order = -length)
    inserts: list[tuple[int, int, int, str, Span]] = []
    for q in quotes:
        span = (q["start"], q["end"])
        opener = speaker_prefix(q) + q_open + " "
        inserts += [(span[0], 1, span[0] - span[1], opener, span),
                    (span[1], 0, span[1] - span[0], " " + q_close, span)]
    mention = _span(example, "target", len(text)) if not quotes else None
    if mention is not None:
        t_open, t_close = settings.target_markers
        inserts += [(mention[0], 1, 0, t_open, mention), (mention[1], 0, 0, t_close, mention)]
    inserts.sort(key=lambda i: i[:3])
    pieces: list[str] = []
    pos = length = 0
    opened: dict[Span, int] = {}
    spans: dict[Span, Span] = {}
    for at, kind, _, marker, key in inserts:
        pieces.append(text[pos:at])
        length += at - pos
        pos = at
        if kind == 1:
            opened[key] = length
        pieces.append(marker)
        length += len(marker)
        if kind == 0:
            spans[key] = (opened[key], length)
    pieces.append(text[pos:])
    mention_span = spans.pop(mention) if mention is not None else None
    return MarkedText(first=_clean(example.get("target")), text="".join(pieces),
                      quote_spans=spans, mention_span=mention_span)


def _key(marked: MarkedText) -> tuple[str, str]:
    return marked.first, marked.text


def encode_articles(tokenizer: Any, examples: Sequence[Mapping[str, Any]],
                    settings: EncodingSettings) -> EncodedWindows:
    """Windows of the examples' marked texts; texts shared by several examples are tokenised
    once and their rows point at the same ``window_source``."""
    out = EncodedWindows()
    if not examples:
        return out
    marked = [mark_text(e, settings) for e in examples]
    unique: dict[tuple[str, str], int] = {}
    for m in marked:
        unique.setdefault(_key(m), len(unique))
    texts = list(unique)
    target_tokens = min(settings.max_target_tokens, settings.max_length // 3)
    firsts = [_cut_target(tokenizer, first, target_tokens) for first, _ in texts]
    enc = tokenizer(firsts, [t for _, t in texts], truncation="only_second",
                    max_length=settings.max_length, stride=settings.stride,
                    return_overflowing_tokens=True, return_offsets_mapping=True,
                    return_token_type_ids=True)
    by_text: dict[int, list[int]] = {}
    for w, t in enumerate(enc["overflow_to_sample_mapping"]):
        by_text.setdefault(int(t), []).append(w)
    # second-segment character offsets of each window's tokens, once per window
    seconds: dict[int, list[tuple[int, int, int]]] = {}

    def second_tokens(w: int) -> list[tuple[int, int, int]]:
        if w not in seconds:
            seconds[w] = [(k, a, b) for k, (s, (a, b)) in
                          enumerate(zip(enc.sequence_ids(w), enc["offset_mapping"][w],
                                        strict=True)) if s == 1 and b > a]
        return seconds[w]

    first_row: dict[int, int] = {}
    for i, (example, m) in enumerate(zip(examples, marked, strict=True)):
        windows = by_text[unique[_key(m)]]
        own = _span(example, "quote", len(str(example.get("text") or "")))
        focus = m.quote_spans.get(own) if own is not None else m.mention_span
        chosen = _focus_windows(windows, focus, second_tokens) if focus else []
        if not chosen:  # nothing to focus on: every window, pooled by its mean
            chosen = [(w, [], 1.0) for w in windows]
        for w, mask_tokens, weight in chosen:
            mask = [0] * len(enc["input_ids"][w])
            for k in mask_tokens:
                mask[k] = 1
            out.input_ids.append(list(enc["input_ids"][w]))
            out.token_type_ids.append(list(enc["token_type_ids"][w]))
            out.attention_mask.append(list(enc["attention_mask"][w]))
            out.focus_mask.append(mask)
            out.window_example.append(i)
            out.window_weight.append(weight)
            out.window_source.append(first_row.setdefault(w, len(out.window_source)))
    return out


def _focus_windows(windows: Sequence[int], focus: Span,
                   second_tokens: Callable[[int], list[tuple[int, int, int]]]
                   ) -> list[tuple[int, list[int], float]]:
    """The window(s) to pool ``focus`` (a character span of the marked text) from, with the
    focus tokens of each: the window holding all its tokens with the widest margin on the
    narrower side; if none holds them all, every window holding some, weighted equally."""
    lo, hi = focus
    found: list[tuple[int, list[int], int, int]] = []  # window, focus tokens, before, after
    for w in windows:
        tokens = second_tokens(w)
        hits = [k for k, a, b in tokens if a < hi and lo < b]
        if not hits:
            continue
        first_char, last_char = tokens[0][1], tokens[-1][2]
        whole = first_char <= lo and hi <= last_char
        before = sum(1 for k, _, _ in tokens if k < hits[0])
        after = sum(1 for k, _, _ in tokens if k > hits[-1])
        found.append((w, hits, before if whole else -1, after if whole else -1))
    whole = [f for f in found if f[2] >= 0]
    if whole:
        w, hits, _, _ = max(whole, key=lambda f: (min(f[2], f[3]), -f[0]))
        return [(w, hits, 1.0)]
    return [(w, hits, 1.0) for w, hits, _, _ in found]


def article_example(text: str, target: str, quotes: Sequence[Mapping[str, Any]],
                    index: int | None) -> dict[str, Any]:
    """The example of quote ``index`` of ``quotes`` (``None``: the whole text, e.g. its tone)
    in the ``article`` format; ``quotes`` are dicts with ``start``, ``end``, ``speaker`` and
    ``speaker_role``."""
    marks = [{"start": int(q["start"]), "end": int(q["end"]),
              "speaker": q.get("speaker") or "", "speaker_role": q.get("speaker_role") or ""}
             for q in quotes]
    example: dict[str, Any] = {"text": text, "target": target, "text_quotes": marks}
    if index is not None:
        q = marks[index]
        example.update(quote_start=q["start"], quote_end=q["end"], speaker=q["speaker"],
                       speaker_role=q["speaker_role"])
    return example
