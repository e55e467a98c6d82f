"""Turn a quote example into model input: a (target, marked context) text pair, in windows.

An example is a dict in the training schema (``target``, ``text``, ``quote_start``/``quote_end``,
``target_start``/``target_end``, ``speaker``, ``speaker_role``; every field but ``text`` optional,
offsets ``-1`` = none). The first segment is the target; the second is ``"role (speaker): "``
and the context, with the quote between ``«`` ``»`` and the target mention between ``[`` ``]``,
e.g.::

    ("Microsoft's contract with ICE",
     "employee (Jane Doe): ... « I'll seriously consider leaving » over [the ICE contract] ...")

When a quote is marked, the context is the quote plus up to ``context_chars`` characters around it
(cut at word boundaries). The pair is then tokenised in overlapping windows of ``max_length`` tokens
(``stride`` tokens shared), truncating only the second segment, so no token of the context is lost.
Each window maps back to its example; :func:`window_weights` says which windows to average (those
holding part of the quote when there is one, else all). Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

#: How the model pools a window's tokens: ``mean`` (all of them) or ``mean+focus`` (that mean
#: beside the mean over the window's ``focus_mask`` tokens: the marked quote and target mention).
POOLINGS = ("mean", "mean+focus")
#: What a model reads: ``pair`` (each quote its own window of context, :func:`build_pair`) or
#: ``article`` (every quote of the text marked at once and the text read in shared windows,
#: :mod:`newsstance.inference.article_encoding`; needs ``mean+focus`` pooling).
INPUT_FORMATS = ("pair", "article")


@dataclass(frozen=True)
class EncodingSettings:
    """How examples become model input (saved in the model's ``config.json``)."""

    max_length: int = 192
    stride: int = 48
    context_chars: int = 600
    #: the target is cut to this many tokens (and to a third of ``max_length``)
    max_target_tokens: int = 48
    quote_markers: tuple[str, str] = ("«", "»")
    target_markers: tuple[str, str] = ("[", "]")
    #: ``pair`` or ``article`` (:data:`INPUT_FORMATS`)
    input_format: str = "pair"

    def __post_init__(self) -> None:
        if self.input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, "
                             f"got {self.input_format!r}")
        if self.max_length < 16:
            raise ValueError(f"max_length must be >= 16, got {self.max_length}")
        if not 0 <= self.stride < self.max_length // 2:
            raise ValueError(f"stride must be in [0, max_length/2), got {self.stride}")
        if self.context_chars < 0:
            raise ValueError(f"context_chars must be >= 0, got {self.context_chars}")
        if self.max_target_tokens < 1:
            raise ValueError(f"max_target_tokens must be >= 1, got {self.max_target_tokens}")
        for name in ("quote_markers", "target_markers"):
            markers = getattr(self, name)
            if len(markers) != 2 or not all(isinstance(m, str) and m for m in markers):
                raise ValueError(f"{name} must be two non-empty strings, got {markers!r}")
            object.__setattr__(self, name, tuple(markers))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quote_markers"] = list(self.quote_markers)
        data["target_markers"] = list(self.target_markers)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncodingSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("quote_markers", "target_markers"):
            if name in known:
                known[name] = tuple(known[name])
        return cls(**known)


@dataclass(frozen=True)
class TextPair:
    """One example's model input before tokenisation.

    ``quote_span`` is the character span of the marked quote (markers included) in ``second``,
    or ``None`` when the example marks no quote; ``mention_span`` likewise for the bracketed
    target mention.
    """

    first: str
    second: str
    quote_span: tuple[int, int] | None = None
    mention_span: tuple[int, int] | None = None

    def focus_spans(self) -> list[tuple[int, int]]:
        """The marked spans of ``second`` (quote, target mention) that focus pooling reads."""
        return [s for s in (self.quote_span, self.mention_span) if s is not None]


@dataclass
class EncodedWindows:
    """Tokenised windows of a list of examples (plain lists, ready for a tensor)."""

    input_ids: list[list[int]] = field(default_factory=list)
    token_type_ids: list[list[int]] = field(default_factory=list)
    attention_mask: list[list[int]] = field(default_factory=list)
    #: index of the example each window belongs to
    window_example: list[int] = field(default_factory=list)
    #: 1.0 for windows to average over (quote windows when the example has a quote), else 0.0
    window_weight: list[float] = field(default_factory=list)
    #: per token, 1 inside a marked quote or target mention of the second segment, else 0
    focus_mask: list[list[int]] = field(default_factory=list)
    #: per row, the first row with the same tokens (a window several examples share; the
    #: ``article`` format), so a backend runs it once; empty: every row is its own window
    window_source: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.input_ids)

    def windows_of(self, example: int) -> list[int]:
        return [i for i, e in enumerate(self.window_example) if e == example]


def _span(example: Mapping[str, Any], name: str, text_len: int) -> tuple[int, int] | None:
    """The ``name_start``/``name_end`` span if it is a valid, non-empty span of the text."""
    start, end = example.get(f"{name}_start", -1), example.get(f"{name}_end", -1)
    if start is None or end is None:
        return None
    start, end = int(start), int(end)
    if 0 <= start < end <= text_len:
        return start, end
    return None


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def speaker_prefix(example: Mapping[str, Any]) -> str:
    """``"role (speaker): "``, ``"role: "``, ``"speaker: "`` or ``""``."""
    role, speaker = _clean(example.get("speaker_role")), _clean(example.get("speaker"))
    if role and speaker:
        return f"{role} ({speaker}): "
    if role or speaker:
        return f"{role or speaker}: "
    return ""


def _snap_left(text: str, pos: int, floor: int) -> int:
    """Move ``pos`` right to the start of a word (not past ``floor``)."""
    if pos <= 0:
        return 0
    while pos < floor and not text[pos - 1].isspace():
        pos += 1
    return pos


def _snap_right(text: str, pos: int, ceiling: int) -> int:
    """Move ``pos`` left to the end of a word (not before ``ceiling``)."""
    if pos >= len(text):
        return len(text)
    while pos > ceiling and not text[pos].isspace():
        pos -= 1
    return pos


def context_bounds(text_len: int, quote: tuple[int, int], context_chars: int,
                   text: str | None = None) -> tuple[int, int]:
    """Character bounds of the context: the quote with ``context_chars`` shared around it.

    The budget is split evenly before and after the quote; what one side cannot use (the text ends)
    goes to the other. With ``text``, the cuts move inward to word boundaries.
    """
    q_start, q_end = quote
    half = context_chars // 2
    before, after = min(half, q_start), min(half, text_len - q_end)
    spare = context_chars - before - after
    before = min(q_start, before + spare)
    spare = context_chars - before - after
    after = min(text_len - q_end, after + spare)
    start, end = q_start - before, q_end + after
    if text is not None:
        start, end = _snap_left(text, start, q_start), _snap_right(text, end, q_end)
    return start, end


def build_pair(example: Mapping[str, Any], settings: EncodingSettings) -> TextPair:
    """The (target, speaker + marked context) pair of one example."""
    text = str(example.get("text") or "")
    quote = _span(example, "quote", len(text))
    mention = _span(example, "target", len(text))
    if mention and quote and mention[0] < quote[1] and quote[0] < mention[1] and not (
            quote[0] <= mention[0] and mention[1] <= quote[1]):
        mention = None  # partly overlapping spans cannot both be bracketed
    if quote:
        start, end = context_bounds(len(text), quote, settings.context_chars, text)
    else:
        start, end = 0, len(text)
    # (position, order, span, marker); at one position closers go first (a span ending where
    # the next begins), then openers outer before inner (a mention may sit inside the quote)
    inserts: list[tuple[int, int, str, str]] = []
    q_open, q_close = settings.quote_markers
    t_open, t_close = settings.target_markers
    if quote:
        inserts += [(quote[0], 2, "quote", q_open + " "), (quote[1], 1, "quote", " " + q_close)]
    if mention and start <= mention[0] and mention[1] <= end:
        inserts += [(mention[0], 3, "mention", t_open), (mention[1], 0, "mention", t_close)]
    inserts.sort()
    prefix = speaker_prefix(example)
    pieces, pos = [prefix], start
    spans: dict[str, tuple[int, int]] = {}  # span name -> its span in ``second``, markers included
    length = len(prefix)
    opened: dict[str, int] = {}
    for at, order, name, marker in inserts:
        pieces.append(text[pos:at])
        length += at - pos
        pos = at
        if order >= 2:
            opened[name] = length
        pieces.append(marker)
        length += len(marker)
        if order <= 1:
            spans[name] = (opened[name], length)
    pieces.append(text[pos:end])
    second = "".join(pieces)
    return TextPair(first=_clean(example.get("target")), second=second,
                    quote_span=spans.get("quote"), mention_span=spans.get("mention"))


def _cut_target(tokenizer: Any, target: str, max_tokens: int) -> str:
    """The target, cut to ``max_tokens`` tokens (targets are short phrases; this is a guard)."""
    if not target:
        return target
    enc = tokenizer(target, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    if len(offsets) <= max_tokens:
        return target
    return target[: offsets[max_tokens - 1][1]]


def encode_pairs(tokenizer: Any, pairs: Sequence[TextPair],
                 settings: EncodingSettings) -> EncodedWindows:
    """Tokenise pairs into overlapping windows; every token of each second segment is kept."""
    out = EncodedWindows()
    if not pairs:
        return out
    target_tokens = min(settings.max_target_tokens, settings.max_length // 3)
    firsts = [_cut_target(tokenizer, p.first, target_tokens) for p in pairs]
    enc = tokenizer(firsts, [p.second for p in pairs], truncation="only_second",
                    max_length=settings.max_length, stride=settings.stride,
                    return_overflowing_tokens=True, return_offsets_mapping=True,
                    return_token_type_ids=True)
    mapping = enc["overflow_to_sample_mapping"]
    in_quote: list[bool] = []
    for w, example in enumerate(mapping):
        out.input_ids.append(list(enc["input_ids"][w]))
        out.token_type_ids.append(list(enc["token_type_ids"][w]))
        out.attention_mask.append(list(enc["attention_mask"][w]))
        out.window_example.append(int(example))
        quote, focus = pairs[example].quote_span, pairs[example].focus_spans()
        mask = [0] * len(enc["input_ids"][w])
        has_quote = False
        if focus:
            seq_ids = enc.sequence_ids(w)
            for k, (s, (a, b)) in enumerate(zip(seq_ids, enc["offset_mapping"][w], strict=True)):
                if s == 1 and any(lo < b and a < hi for lo, hi in focus):
                    mask[k] = 1
                    has_quote = has_quote or (quote is not None and a < quote[1] and quote[0] < b)
        out.focus_mask.append(mask)
        in_quote.append(has_quote)
    out.window_weight = window_weights(out.window_example, in_quote)
    return out


def window_weights(window_example: Sequence[int], in_quote: Sequence[bool]) -> list[float]:
    """1.0 for the windows to average: an example's quote windows if any, else all its windows."""
    with_quote = {e for e, q in zip(window_example, in_quote, strict=True) if q}
    return [1.0 if (q or e not in with_quote) else 0.0
            for e, q in zip(window_example, in_quote, strict=True)]


def input_length(example: Mapping[str, Any], settings: EncodingSettings) -> int:
    """Characters of the example's model input (to sort examples by length before batching)."""
    if settings.input_format == "article":
        return len(str(example.get("target") or "")) + len(str(example.get("text") or ""))
    pair = build_pair(example, settings)
    return len(pair.first) + len(pair.second)


def encode_examples(tokenizer: Any, examples: Sequence[Mapping[str, Any]],
                    settings: EncodingSettings) -> EncodedWindows:
    """Schema dicts to windows: :func:`build_pair` then :func:`encode_pairs`, or with
    ``settings.input_format == "article"``
    :func:`~newsstance.inference.article_encoding.encode_articles`."""
    if settings.input_format == "article":
        from newsstance.inference.article_encoding import encode_articles

        return encode_articles(tokenizer, examples, settings)
    return encode_pairs(tokenizer, [build_pair(e, settings) for e in examples], settings)
