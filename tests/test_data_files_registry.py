"""User files, the Hub wrapper (mocked: never the network) and the load_source registry."""

from __future__ import annotations

import csv
import json

import datasets
import pytest

import newsstance.training.data.files as files_mod
from newsstance.datapaths import data_dir
from newsstance.training.data import (
    SOURCES,
    HubUnavailableError,
    SchemaError,
    check_dataset,
    exclude_groups,
    from_file,
    from_hub,
    load_source,
    nqs_dev_groups,
)
from newsstance.training.data.schema import FEATURES

REAL = data_dir(required=False)
ROWS = [
    {"id": "u1", "group": "art-1", "task": "stance", "target": "the plan", "text": "We back it.",
     "label": "FAVOR", "split": "train"},
    {"id": "u2", "group": "art-2", "task": "sentiment", "text": "Sad news.",
     "label": "negative", "quote_start": 0, "quote_end": 3, "split": "dev"},
]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_from_file_jsonl(tmp_path):
    dd = from_file(_jsonl(tmp_path / "mine.jsonl", ROWS))
    check_dataset(dd)
    assert set(dd) == {"train", "dev"}
    assert dd["train"][0]["label"] == "favor" and dd["train"][0]["source"] == "mine"
    assert dd["dev"][0]["quote_end"] == 3 and dd["dev"][0]["speaker_start"] == -1


def test_from_file_csv_defaults(tmp_path):
    path = tmp_path / "plain.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "quote_start", "quote_end"])
        w.writerow(["Good, really.", "positive", "", ""])
        w.writerow(["Bad.", "negative", "0", "3"])
    dd = from_file(path, task="sentiment", split="dev")
    assert list(dd) == ["dev"]
    assert list(dd["dev"]["id"]) == ["plain-2", "plain-3"]
    assert dd["dev"][0]["group"] == "plain-2" and dd["dev"][0]["quote_start"] == -1


@pytest.mark.parametrize("bad, message", [
    ({"label": "maybe"}, r"bad\.jsonl:2 \(id 'u2'\): label 'maybe' not valid"),
    ({"quote_end": 99}, r"bad\.jsonl:2 .*bad quote span"),
    ({"quote_start": "x"}, r"bad\.jsonl:2 .*quote_start must be an integer"),
    ({"colour": "red"}, r"bad\.jsonl:2 .*unknown column\(s\) \['colour'\]"),
    ({"id": "u1"}, r"duplicate id 'u1'"),
])
def test_from_file_errors_name_the_row(tmp_path, bad, message):
    rows = [ROWS[0], {**ROWS[1], **bad}]
    with pytest.raises(SchemaError, match=message):
        from_file(_jsonl(tmp_path / "bad.jsonl", rows))


def test_from_file_missing_task(tmp_path):
    path = _jsonl(tmp_path / "t.jsonl", [{"text": "x", "label": "favor"}])
    with pytest.raises(SchemaError, match="t.jsonl:1: column 'task' missing"):
        from_file(path)


def test_load_source_paths(tmp_path):
    folder = tmp_path / "mydata"
    folder.mkdir()
    _jsonl(folder / "train.jsonl", [{k: v for k, v in ROWS[0].items() if k != "split"}])
    _jsonl(folder / "dev.jsonl", [{k: v for k, v in ROWS[1].items() if k != "split"}])
    dd = load_source(str(folder))
    assert dd["train"].num_rows == 1 and dd["dev"].num_rows == 1
    assert dd["train"].features == FEATURES
    single = load_source(str(_jsonl(tmp_path / "one.jsonl", ROWS)))
    assert set(single) == {"train", "dev"}
    with pytest.raises(ValueError, match="unknown data source 'nope'"):
        load_source("nope")


def test_from_hub_offline_is_clear(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'https://huggingface.co'")

    monkeypatch.setattr(files_mod.datasets, "load_dataset", offline)
    with pytest.raises(HubUnavailableError, match="needs a network connection"):
        load_source("hub:someone/stance", text="t", label="l", task="stance")


def test_from_hub_maps_columns_mocked():
    train = datasets.Dataset.from_dict(
        {"sentence": ["up", "down", "flat", "more", "less"], "lab": [2, 0, 1, 2, 0]},
        features=datasets.Features({"sentence": datasets.Value("string"),
                                    "lab": datasets.ClassLabel(names=["negative", "neutral",
                                                                      "positive"])}))
    fake = datasets.DatasetDict({"train": train, "test": train})
    dd = from_hub("x/fin", text="sentence", label="lab", task="sentiment",
                  load_dataset=lambda *a, **k: fake)
    check_dataset(dd)
    assert set(dd) == {"train", "dev"} and dd["dev"].num_rows == 1
    labels = sorted(list(dd["train"]["label"]) + list(dd["dev"]["label"]))
    assert labels == ["negative", "negative", "neutral", "positive", "positive"]


def test_registry_names():
    assert set(SOURCES) == {"nqs", "nqs_articles", "fnc1", "semeval2016_task6",
                            "ibm_claim_stance", "arc_ukp",
                            "vast", "newsmtsc", "sentfin", "financial_phrasebank", "persent",
                            "semeval2017_task5_headlines"}


@pytest.mark.skipif(REAL is None or not (REAL / "nqs").is_dir(), reason="no real data")
def test_nqs_dev_articles_leave_fnc1():
    held = nqs_dev_groups(REAL)
    fnc = load_source("fnc1", data_dir=REAL)
    in_fnc = held & set(fnc["train"]["group"])
    assert in_fnc  # nqs dev articles are FNC-1 train bodies, with the same group ids
    cleaned = exclude_groups(fnc, held)
    assert not held & set(cleaned["train"]["group"])
    assert cleaned["train"].num_rows < fnc["train"].num_rows


@pytest.mark.slow
@pytest.mark.skipif(REAL is None, reason="no real data")
def test_all_sources_concatenate():
    # nqs_articles is nqs read another way (the same ids)
    parts = [d for name in SOURCES if name != "nqs_articles"
             for d in load_source(name, data_dir=REAL).values()]
    everything = datasets.concatenate_datasets(parts)
    assert len(everything) > 70000
    assert len(set(everything["id"])) == len(everything)  # ids unique across sources
