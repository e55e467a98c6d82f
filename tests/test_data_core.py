"""Schema, grouped splits and text windows of the training-data layer."""

from __future__ import annotations

import datasets
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsstance.inference.text_windows import (
    find_mention,
    quote_window,
    select_relevant,
    sentence_spans,
)
from newsstance.training.data.schema import (
    COLUMNS,
    FEATURES,
    SchemaError,
    check_dataset,
    check_example,
    make_example,
    to_dataset,
)
from newsstance.training.data.splits import dev_groups, exclude_groups, shared_groups, split_rows


def _ex(**kw):
    base = dict(id="a-1", group="a", source="t", task="stance", text="hello", label="favor")
    return make_example(**{**base, **kw})


def test_schema_defaults_and_features():
    ds = to_dataset([_ex()])
    assert ds.features == FEATURES
    assert tuple(ds.column_names) == COLUMNS
    assert ds[0]["quote_start"] == -1 and ds[0]["speaker"] == ""
    check_dataset(ds)


@pytest.mark.parametrize("bad, msg", [
    (dict(label="positive"), "label"),
    (dict(task="topic"), "task"),
    (dict(quote_start=2, quote_end=99), "quote span"),
    (dict(quote_start=2), "quote span"),
    (dict(group=""), "group"),
])
def test_check_example_rejects(bad, msg):
    with pytest.raises(SchemaError, match=msg):
        check_example(_ex(**bad), "row 7")


def test_check_dataset_duplicate_ids():
    dd = datasets.DatasetDict({"train": to_dataset([_ex()]), "dev": to_dataset([_ex()])})
    with pytest.raises(SchemaError, match="duplicate id"):
        check_dataset(dd)


def test_dev_groups_deterministic_and_sized():
    groups = [f"g{i}" for i in range(100)]
    a = dev_groups(groups, 0.2, seed=1, salt="s")
    assert a == dev_groups(list(reversed(groups)), 0.2, seed=1, salt="s")
    assert len(a) == 20
    assert a != dev_groups(groups, 0.2, seed=2, salt="s")
    assert len(dev_groups(["x", "y"], 0.2)) == 1


def test_split_rows_and_exclude():
    rows = [_ex(id=f"{g}-{i}", group=g) for g in "abcdefghij" for i in range(3)]
    train, dev = split_rows(rows, 0.3, seed=5, salt="t")
    assert len(dev) == 9 and len(train) == 21
    dd = datasets.DatasetDict({"train": to_dataset(train), "dev": to_dataset(dev)})
    assert not shared_groups(dd)
    out = exclude_groups(dd, {"a", "b"})
    assert not {"a", "b"} & (set(out["train"]["group"]) | set(out["dev"]["group"]))
    only_train = exclude_groups(dd, set(dd["dev"]["group"]), splits=["train"])
    assert only_train["dev"].num_rows == 9


def test_sentence_spans_abbrev():
    text = 'Mr. Smith said "no." Then he left!  The U.S. team won.\n\nNew para'
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ['Mr. Smith said "no."', "Then he left!", "The U.S. team won.", "New para"]


def test_quote_window_context_and_speaker():
    text = ("Intro one. Intro two. The boss, Ann Lee, spoke. "
            '"We will win this," she said. After that. Far away text. ' + "x " * 400)
    qs = text.index('"We')
    qe = text.index(',"') + 2
    sp = (text.index("Ann Lee"), text.index("Ann Lee") + 7)
    ws, we = quote_window(text, (qs, qe), sp, max_chars=200)
    window = text[ws:we]
    assert window.startswith("The boss") and "After that." in window
    assert "Intro one" not in window
    assert ws <= qs and qe <= we


def test_quote_window_long_quote_kept_whole():
    text = "Before. " + "word " * 400 + "end. After."
    qs, qe = 8, len(text) - 8
    ws, we = quote_window(text, (qs, qe), None, max_chars=100)
    assert ws <= qs and we >= qe


def test_quote_window_cuts_long_sentence_around_quote():
    text = "a " * 1000 + "QUOTE HERE " + "b " * 1000
    qs = text.index("QUOTE")
    ws, we = quote_window(text, (qs, qs + 10), None, max_chars=300)
    assert we - ws <= 300 and ws <= qs and we >= qs + 10


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab .!?\n\"", min_size=1, max_size=400), st.data())
def test_quote_window_always_contains_quote(text, data):
    qs = data.draw(st.integers(0, len(text) - 1))
    qe = data.draw(st.integers(qs + 1, len(text)))
    ws, we = quote_window(text, (qs, qe), None, max_chars=50)
    assert 0 <= ws <= qs and qe <= we <= len(text)


def test_select_relevant_keeps_order_and_budget():
    body = ("Lead sentence about a storm. Cats like milk. The meteorite hit Managua. "
            "Dogs bark loudly. Officials confirmed the meteorite crater.")
    out = select_relevant(body, "Meteorite crashes near Managua", max_chars=110)
    assert len(out) <= 110
    assert out.startswith("Lead sentence") and "The meteorite hit Managua." in out
    assert out.index("Managua.") < out.index("crater") if "crater" in out else True
    assert "Cats" not in out
    assert select_relevant("short", "q", 100) == "short"
    assert len(select_relevant("x" * 50 + " " + "y" * 500, "q", 100)) <= 100


def test_find_mention():
    assert find_mention("Then Mr. Obama spoke", "Barack Obama") == (9, 14)
    assert find_mention("abc", "") == (-1, -1)
    assert find_mention("the apple", "Apple") == (4, 9)
