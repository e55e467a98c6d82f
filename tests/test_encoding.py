"""Model input building and windowing (newsstance.inference.encoding)."""

from __future__ import annotations

import pytest

from newsstance.inference.encoding import (
    EncodingSettings,
    build_pair,
    context_bounds,
    encode_examples,
    encode_pairs,
    speaker_prefix,
    window_weights,
)

TEXT = ("The company said it was proud of the ICE contract. Jane Doe said: I'll seriously "
        "consider leaving over the ICE contract, she added.")


def _example(**extra):
    q0 = TEXT.index("I'll")
    q1 = TEXT.index(", she")
    t0 = TEXT.index("the ICE contract,")
    return {"target": "Microsoft's contract with ICE", "text": TEXT, "quote_start": q0,
            "quote_end": q1, "target_start": t0, "target_end": t0 + len("the ICE contract"),
            "speaker": "Jane Doe", "speaker_role": "employee", **extra}


@pytest.fixture(scope="module")
def tokenizer(tiny_bert_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_bert_dir)


def test_pair_marks_quote_target_and_speaker():
    pair = build_pair(_example(), EncodingSettings())
    assert pair.first == "Microsoft's contract with ICE"
    assert pair.second.startswith("employee (Jane Doe): The company said")
    assert "« I'll seriously consider leaving over [the ICE contract] »" in pair.second
    start, end = pair.quote_span
    assert pair.second[start:end] == "« I'll seriously consider leaving over [the ICE contract] »"


def test_missing_optional_fields():
    pair = build_pair({"text": "Shares rose 5%."}, EncodingSettings())
    assert (pair.first, pair.second, pair.quote_span) == ("", "Shares rose 5%.", None)
    pair = build_pair({"text": "x y", "quote_start": -1, "quote_end": -1, "target_start": 5,
                       "target_end": 9, "speaker": None, "speaker_role": ""}, EncodingSettings())
    assert pair.second == "x y"  # invalid span ignored


@pytest.mark.parametrize(("role", "speaker", "expected"), [
    ("employee", "Jane Doe", "employee (Jane Doe): "), ("official", "", "official: "),
    ("", "Jane  Doe", "Jane Doe: "), ("", "", "")])
def test_speaker_prefix(role, speaker, expected):
    assert speaker_prefix({"speaker_role": role, "speaker": speaker}) == expected


def test_partly_overlapping_target_is_not_marked():
    ex = _example(target_start=TEXT.index("leaving"), target_end=len(TEXT) - 2)
    pair = build_pair(ex, EncodingSettings())
    assert "[" not in pair.second and "« I'll" in pair.second


def test_context_is_centred_on_the_quote():
    filler = " ".join(f"word{i}" for i in range(400))
    text = f"{filler} QUOTE HERE {filler}"
    q0 = text.index("QUOTE")
    ex = {"text": text, "quote_start": q0, "quote_end": q0 + len("QUOTE HERE")}
    pair = build_pair(ex, EncodingSettings(context_chars=200))
    assert "« QUOTE HERE »" in pair.second
    before, after = pair.second.split("« QUOTE HERE »")
    assert abs(len(before) - len(after)) < 20 and len(pair.second) <= 200 + 14
    assert not before.startswith("ord")  # cut at a word boundary


def test_context_bounds_gives_unused_budget_to_the_other_side():
    assert context_bounds(100, (2, 10), 40) == (0, 48)
    assert context_bounds(100, (90, 98), 40) == (52, 100)
    assert context_bounds(100, (0, 100), 40) == (0, 100)


def test_windows_cover_every_token_of_a_long_input(tokenizer):
    settings = EncodingSettings(max_length=32, stride=8)
    text = " ".join(["the company said it will support the plan and profit rose"] * 30)
    pair = build_pair({"target": "the plan", "text": text}, settings)
    windows = encode_pairs(tokenizer, [pair], settings)
    assert len(windows) > 5 and set(windows.window_example) == {0}
    assert all(len(ids) <= 32 for ids in windows.input_ids)
    expected = tokenizer(pair.second, add_special_tokens=False)["input_ids"]
    sep = tokenizer.sep_token_id
    # second segment of each window: after the first [SEP], before the last
    pieces = []
    for ids in windows.input_ids:
        first_sep = ids.index(sep)
        pieces.append(ids[first_sep + 1:-1])
    stride, covered = settings.stride, list(pieces[0])
    for piece in pieces[1:]:
        assert piece[:stride] == covered[-stride:]  # overlap of `stride` tokens
        covered += piece[stride:]
    assert covered == expected
    assert windows.window_weight == [1.0] * len(windows)


def test_windows_without_the_quote_are_not_averaged(tokenizer):
    settings = EncodingSettings(max_length=24, stride=4, context_chars=2000)
    text = ("the company said it will support the plan . " * 6 + "QUOTE it is terrible . "
            + "profit rose and shares fell . " * 6)
    q0 = text.index("QUOTE")
    examples = [{"text": text, "quote_start": q0, "quote_end": q0 + 23, "target": "the plan"},
                {"text": "shares fell"}]
    windows = encode_examples(tokenizer, examples, settings)
    first = windows.windows_of(0)
    weights = [windows.window_weight[i] for i in first]
    assert len(first) > 3 and 0 < sum(weights) < len(first)
    for i in first:
        tokens = tokenizer.convert_ids_to_tokens(windows.input_ids[i])
        has_marker = "«" in tokens or "»" in tokens or "terrible" in tokens
        assert (windows.window_weight[i] == 1.0) == has_marker
    assert [windows.window_weight[i] for i in windows.windows_of(1)] == [1.0]


def test_focus_mask_marks_the_quote_and_the_target_mention(tokenizer):
    settings = EncodingSettings(max_length=64, stride=8, context_chars=200)
    text = "the company said it will support the plan . we hate it , said jane doe ."
    q0, m0 = text.index("we hate it"), text.index("the plan")
    examples = [{"text": text, "quote_start": q0, "quote_end": q0 + 10, "target": "the plan",
                 "target_start": m0, "target_end": m0 + 8}, {"text": "shares fell"}]
    windows = encode_examples(tokenizer, examples, settings)
    assert [len(m) for m in windows.focus_mask] == [len(ids) for ids in windows.input_ids]
    tokens = tokenizer.convert_ids_to_tokens(windows.input_ids[0])
    focused = [t for t, f in zip(tokens, windows.focus_mask[0], strict=True) if f]
    # the mention and the quote of the second segment, markers included; not the target segment
    assert focused == ["[", "the", "plan", "]", "«", "we", "hate", "it", "»"]
    assert tokens.count("plan") == 2
    assert windows.focus_mask[1] == [0] * len(windows.input_ids[1])
    pair = build_pair(examples[0], settings)
    assert [pair.second[a:b] for a, b in pair.focus_spans()] == ["« we hate it »", "[the plan]"]


@pytest.mark.parametrize(("text", "quote", "mention", "second"), [
    ("the plan we hate", (9, 16), (0, 8), "[the plan] « we hate »"),
    ("the planwe hate", (8, 15), (0, 8), "[the plan]« we hate »"),  # mention ends, quote begins
    ("we hatethe plan", (0, 7), (7, 15), "« we hate »[the plan]"),  # quote ends, mention begins
    ("we hate the plan", (0, 16), (8, 16), "« we hate [the plan] »"),  # same end: inner first
    ("the plan is bad", (0, 15), (0, 8), "« [the plan] is bad »"),  # same start: outer first
])
def test_markers_nest_or_follow_each_other(text, quote, mention, second):
    example = {"text": text, "target": "the plan", "quote_start": quote[0],
               "quote_end": quote[1], "target_start": mention[0], "target_end": mention[1]}
    pair = build_pair(example, EncodingSettings())
    assert pair.second == second
    assert pair.second[pair.quote_span[0]:pair.quote_span[1]].startswith("«")
    assert pair.second[pair.quote_span[0]:pair.quote_span[1]].endswith("»")
    assert pair.second[pair.mention_span[0]:pair.mention_span[1]] == "[the plan]"


def test_window_weights_fall_back_to_all_windows():
    assert window_weights([0, 0, 1, 1], [False, True, False, False]) == [0.0, 1.0, 1.0, 1.0]


def test_long_target_is_cut_not_rejected(tokenizer):
    settings = EncodingSettings(max_length=32, stride=4, max_target_tokens=8)
    windows = encode_examples(tokenizer, [{"target": "the plan " * 50, "text": "we support it"}],
                              settings)
    assert len(windows) == 1 and len(windows.input_ids[0]) <= 32


def test_settings_round_trip_and_validation():
    settings = EncodingSettings(max_length=64, stride=16, quote_markers=("<<", ">>"))
    assert EncodingSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(ValueError, match="stride"):
        EncodingSettings(max_length=64, stride=40)
    with pytest.raises(ValueError, match="quote_markers"):
        EncodingSettings(quote_markers=("«",))
