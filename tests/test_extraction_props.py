"""Property test: any string gives quotes whose offsets slice back to their text and speaker."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsstance.inference.quotes.marks import find_quote_spans

_PIECES = st.sampled_from(
    [
        '"',
        "“",
        "”",
        "'",
        "’",
        " said ",
        " she said. ",
        ", according to ",
        "Jane Doe",
        " the company ",
        "\n",
        "\n\n",
        ":",
        "(",
        ")",
        ". ",
        " told reporters that ",
        "he",
        "We will fight",
        "é",
        "\x00",
        "—",
    ]
)
_TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_TEXTS)
def test_any_text(quote_extractor, text: str) -> None:
    for quote in quote_extractor.extract(text):
        assert 0 <= quote.start < quote.end <= len(text)
        assert text[quote.start : quote.end] == quote.text
        assert quote.type in ("direct", "indirect", "mixed")
        if quote.speaker is not None:
            assert text[quote.speaker_start : quote.speaker_end] == quote.speaker


@given(text=_TEXTS)
def test_quote_marks_never_fail(text: str) -> None:
    for span in find_quote_spans(text):
        assert 0 <= span.start < span.end <= len(text)
