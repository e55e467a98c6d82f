"""The ``article`` input format: every quote marked at once, shared windows, one window a quote."""

from __future__ import annotations

import json

import pytest

from newsstance.inference.article_encoding import article_example, mark_text, text_quotes
from newsstance.inference.encoding import EncodingSettings, encode_examples, input_length

SETTINGS = EncodingSettings(max_length=64, stride=24, input_format="article")
COMPANY = "proud to support the contract"
EMPLOYEE = "I will seriously consider leaving"
SENTENCE = f'Nimbus said it was {COMPANY}. "{EMPLOYEE}," said Jane Doe, an engineer. '


def _quotes(text: str) -> list[dict]:
    out = []
    for needle, speaker, role in ((COMPANY, "Nimbus", "company"),
                                  (EMPLOYEE, "Jane Doe", "employee")):
        start = text.find(needle)
        while start >= 0:
            out.append({"start": start, "end": start + len(needle), "speaker": speaker,
                        "speaker_role": role})
            start = text.find(needle, start + 1)
    return sorted(out, key=lambda q: q["start"])


def _focus_text(tokenizer, windows, row: int) -> str:
    ids = windows.input_ids[row]
    return tokenizer.decode([t for t, f in zip(ids, windows.focus_mask[row], strict=True) if f])


def test_every_quote_is_marked_with_its_speaker():
    marked = mark_text(article_example(SENTENCE, "the contract", _quotes(SENTENCE), 0), SETTINGS)
    assert marked.text == (f'Nimbus said it was company (Nimbus): « {COMPANY} ». "employee '
                           f'(Jane Doe): « {EMPLOYEE} »," said Jane Doe, an engineer. ')
    company, employee = _quotes(SENTENCE)
    lo, hi = marked.quote_spans[(company["start"], company["end"])]
    assert marked.text[lo:hi] == f"company (Nimbus): « {COMPANY} »"
    lo, hi = marked.quote_spans[(employee["start"], employee["end"])]
    assert marked.text[lo:hi] == f"employee (Jane Doe): « {EMPLOYEE} »"
    assert marked.first == "the contract" and marked.mention_span is None


@pytest.mark.parametrize("spans, want", [
    # a quote inside another: the outer opens first and closes last
    ([(0, 20), (5, 10)], "« aaaaa« bbbbb »ccccc dddd » eeee"),
    # one quote ends where the next begins: the first closes before the second opens
    ([(0, 10), (10, 20)], "« aaaaabbbbb »« ccccc dddd » eeee"),
])
def test_nested_and_adjacent_quotes_keep_their_markers_apart(spans, want):
    text = "aaaaabbbbbccccc dddd eeee"
    quotes = [{"start": a, "end": b} for a, b in spans]
    marked = mark_text({"text": text, "text_quotes": quotes}, SETTINGS)
    assert marked.text == want
    for (a, b), (lo, hi) in marked.quote_spans.items():
        inner = marked.text[lo:hi]
        assert inner.startswith("« ") and inner.endswith(" »")
        assert inner.replace("« ", "").replace(" »", "") == text[a:b]


def test_text_quotes_as_json_and_the_own_quote_added():
    quotes = _quotes(SENTENCE)
    as_json = {"text": SENTENCE, "text_quotes": json.dumps(quotes[1:]),
               "quote_start": quotes[0]["start"], "quote_end": quotes[0]["end"],
               "speaker": "Nimbus", "speaker_role": "company"}
    assert text_quotes(as_json) == quotes
    broken = {"text": SENTENCE, "text_quotes": [{"start": 5, "end": 9999}, {"start": 3}]}
    assert text_quotes(broken) == [], "spans outside the text are not marked"


def test_the_quotes_of_a_text_share_its_windows(tiny_bert_tokenizer):
    text = SENTENCE * 6
    quotes = _quotes(text)
    examples = [article_example(text, "the contract", quotes, i) for i in range(len(quotes))]
    examples.append(article_example(text, "the contract", quotes, None))  # the tone
    windows = encode_examples(tiny_bert_tokenizer, examples, SETTINGS)
    alone = encode_examples(tiny_bert_tokenizer, examples[-1:], SETTINGS)
    n_windows = len(alone)
    assert n_windows > 3, "the text needs several windows"
    # every row is one of the text's windows, and each window's tokens are kept once
    assert len(set(windows.window_source)) == n_windows
    for row, source in enumerate(windows.window_source):
        assert windows.input_ids[row] == windows.input_ids[source]
    tone_rows = windows.windows_of(len(quotes))
    assert len(tone_rows) == n_windows and not any(any(windows.focus_mask[r]) for r in tone_rows)
    for i, q in enumerate(quotes):
        rows = windows.windows_of(i)
        assert len(rows) == 1, "a quote that fits a window is read from one window"
        focus = _focus_text(tiny_bert_tokenizer, windows, rows[0])
        want = COMPANY if q["speaker_role"] == "company" else EMPLOYEE
        assert focus.replace(" ", "") == f"{q['speaker_role']}({q['speaker']}):«{want}»".lower(
            ).replace(" ", "")


def _margin(ids: list[int], part: list[int], sep: int) -> int | None:
    """Tokens between ``part`` and the window's second-segment edges (the narrower side), or
    None when ``part`` is not whole in ``ids``."""
    first = ids.index(sep) + 1
    for k in range(first, len(ids) - len(part)):
        if ids[k:k + len(part)] == part:
            return min(k - first, len(ids) - 1 - (k + len(part)))
    return None


@pytest.mark.parametrize("words_before", [40, 45, 50, 55, 60])
def test_a_quote_is_read_where_it_is_most_central(tiny_bert_tokenizer, words_before):
    text = ("word " * words_before) + f'"{EMPLOYEE}," she said. ' + ("more " * 60)
    start = text.index(EMPLOYEE)
    quote = {"start": start, "end": start + len(EMPLOYEE), "speaker": "", "speaker_role": ""}
    settings = EncodingSettings(max_length=64, stride=30, input_format="article")
    chosen = encode_examples(tiny_bert_tokenizer, [article_example(text, "", [quote], 0)],
                             settings)
    every = encode_examples(tiny_bert_tokenizer, [article_example(text, "", [quote], None)],
                            settings)
    (row,) = chosen.windows_of(0)
    part = [t for t, f in zip(chosen.input_ids[row], chosen.focus_mask[row], strict=True) if f]
    sep = tiny_bert_tokenizer.sep_token_id
    whole = [m for m in (_margin(ids, part, sep) for ids in every.input_ids) if m is not None]
    # of the windows holding the whole quote, none has a wider margin on its narrower side
    assert whole and _margin(chosen.input_ids[row], part, sep) == max(whole)


def test_the_margin_decides_between_windows(tiny_bert_tokenizer):
    """At least one of the texts above puts the quote whole in two windows (the test bites)."""
    settings = EncodingSettings(max_length=64, stride=30, input_format="article")
    counts = []
    for words_before in [40, 45, 50, 55, 60]:
        text = ("word " * words_before) + f'"{EMPLOYEE}," she said. ' + ("more " * 60)
        start = text.index(EMPLOYEE)
        marked = f"« {EMPLOYEE} »".lower()
        every = encode_examples(tiny_bert_tokenizer, [article_example(
            text, "", [{"start": start, "end": start + len(EMPLOYEE)}], None)], settings)
        counts.append(sum(marked in tiny_bert_tokenizer.decode(ids) for ids in every.input_ids))
    assert max(counts) >= 2


def test_a_quote_longer_than_a_window_is_read_from_every_window_it_spans(tiny_bert_tokenizer):
    long_quote = " ".join(["we will fight this plan"] * 20)
    text = f'"{long_quote}," she said.'
    quote = {"start": 1, "end": 1 + len(long_quote), "speaker": "", "speaker_role": ""}
    windows = encode_examples(tiny_bert_tokenizer, [article_example(text, "the plan", [quote], 0)],
                              SETTINGS)
    rows = windows.windows_of(0)
    assert len(rows) > 1 and all(windows.window_weight[r] == 1.0 for r in rows)
    assert all(any(windows.focus_mask[r]) for r in rows)


def test_without_quotes_the_target_mention_is_the_focus(tiny_bert_tokenizer):
    example = {"text": "Shares of Acme fell after the report.", "target": "Acme",
               "target_start": 10, "target_end": 14}
    windows = encode_examples(tiny_bert_tokenizer, [example], SETTINGS)
    assert _focus_text(tiny_bert_tokenizer, windows, 0).replace(" ", "") == "[acme]"
    assert input_length(example, SETTINGS) == len("Acme") + len(example["text"])
