"""NewsMTSC, SEntFiN and Financial PhraseBank: invented fixtures, then the real files."""

from __future__ import annotations

import csv
import json

import pytest

from newsstance.datapaths import data_dir
from newsstance.training.data.financial import (
    load_financial_phrasebank,
    load_semeval2017_task5_headlines,
    load_sentfin,
    parse_decisions,
    score_label,
)
from newsstance.training.data.newsmtsc import load_newsmtsc
from newsstance.training.data.schema import check_dataset, label_counts
from newsstance.training.data.splits import shared_groups

REAL = data_dir(required=False)


@pytest.fixture
def newsmtsc_root(tmp_path):
    d = tmp_path / "newsmtsc"
    d.mkdir()
    s1 = "Then Trump didn’t let Priebus be a real chief of staff."
    rows = [
        {"mention": "Trump", "polarity": -1, "from": 5, "to": 10, "sentence": s1,
         "id": "allsides_775_313_30_President Donald Trump_5_10"},
        {"mention": "Priebus", "polarity": 0, "from": 22, "to": 29, "sentence": s1,
         "id": "allsides_775_313_30_Reince_Priebus_22_29"},
        {"mention": "He", "polarity": 1, "from": 1, "to": 3, "sentence": "“He was kind.”",
         "id": "polusa_v1_59488606_-1_30_Dr. Sidney J. Blair_1_3"},
    ]
    for name in ("rw_train", "mt_train"):
        (d / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:2]),
                                         encoding="utf-8")
    (d / "rw_dev.jsonl").write_text(json.dumps(rows[2]) + "\n", encoding="utf-8")
    (d / "mt_dev.jsonl").write_text(json.dumps({**rows[2], "id": "odd-id"}) + "\n",
                                    encoding="utf-8")
    return tmp_path


def test_newsmtsc_fixture(newsmtsc_root):
    dd = load_newsmtsc(newsmtsc_root)
    check_dataset(dd)
    t = dd["train"][0]
    assert t["task"] == "sentiment" and t["label"] == "negative"
    assert t["text"][t["target_start"]:t["target_end"]] == "Trump"
    assert t["target"] == "President Donald Trump"
    assert t["group"] == "newsmtsc-allsides_775_313"
    assert dd["train"][1]["target"] == "Reince_Priebus" and dd["train"][1]["label"] == "neutral"
    d = dd["dev"][0]
    assert d["target"] == "Dr. Sidney J. Blair" and d["group"] == "newsmtsc-polusa_v1_59488606_-1"
    mt = load_newsmtsc(newsmtsc_root, variant="mt")
    assert mt["dev"][0]["target"] == "He" and mt["dev"][0]["label"] == "positive"
    with pytest.raises(ValueError, match="variant"):
        load_newsmtsc(newsmtsc_root, variant="xx")


def test_parse_decisions():
    assert parse_decisions("{'SpiceJet': 'neutral'}") == {"SpiceJet": "neutral"}
    assert parse_decisions("{'Tata Steel UK': 'negative', 'Moody's': 'neutral'}") == {
        "Tata Steel UK": "negative", "Moody's": "neutral"}
    with pytest.raises(ValueError, match="SEntFiN"):
        parse_decisions("nonsense")


@pytest.fixture
def fin_root(tmp_path):
    (tmp_path / "sentfin").mkdir()
    with (tmp_path / "sentfin" / "SEntFiN.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["S No.", "Title", "Decisions", "Words"])
        for i in range(1, 11):
            w.writerow([i, f"Acme {i} beats Moody's view", f"{{'Acme {i}': 'positive', "
                           f"'Moody's': 'neutral'}}", 5])
        w.writerow([11, "Acme 1 beats Moody's view", "{'Acme 1': 'negative'}", 5])
    fpb = tmp_path / "financial_phrasebank"
    fpb.mkdir()
    labels = ["positive", "neutral", "negative"]
    lines = [f"Net sales in {i} rose {i} % from EUR {i}m ; café .@{labels[i % 3]}"
             for i in range(20)]
    (fpb / "Sentences_50Agree.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    (fpb / "Sentences_AllAgree.txt").write_bytes(("\r\n".join(lines[:10]) + "\r\n").encode())
    return tmp_path


def test_sentfin_fixture(fin_root):
    dd = load_sentfin(fin_root)
    check_dataset(dd)
    assert dd["train"].num_rows + dd["dev"].num_rows == 21
    assert not shared_groups(dd)
    rows = list(dd["train"]) + list(dd["dev"])
    moody = next(r for r in rows if r["target"] == "Moody's")
    assert moody["text"][moody["target_start"]:moody["target_end"]] == "Moody's"
    dup = [r for r in rows if r["text"] == "Acme 1 beats Moody's view"]
    assert len({r["group"] for r in dup}) == 1 and len(dup) == 3  # same headline, one group


def test_phrasebank_fixture(fin_root):
    full = load_financial_phrasebank(fin_root, agreement="50")
    check_dataset(full)
    assert full["dev"].num_rows == 4 and full["train"].num_rows == 16
    assert any("café" in t for s in full.values() for t in s["text"])  # Latin-1 decoded
    allagree = load_financial_phrasebank(fin_root)
    assert allagree["train"].num_rows + allagree["dev"].num_rows == 10
    assert set(allagree["dev"]["group"]) <= set(full["dev"]["group"])
    assert allagree["train"][0]["target"] == "" and allagree["train"][0]["task"] == "sentiment"
    with pytest.raises(ValueError, match="agreement"):
        load_financial_phrasebank(fin_root, agreement="90")


@pytest.mark.skipif(REAL is None or not (REAL / "newsmtsc").is_dir(), reason="no real data")
def test_newsmtsc_real():
    dd = load_newsmtsc(REAL)
    check_dataset(dd)
    # SOURCE.md: train 8,739 targets (neg 3,316 / neu 3,028 / pos 2,395); rw dev 343, mt dev 442.
    assert label_counts(dd["train"]) == {("sentiment", "negative"): 3316,
                                         ("sentiment", "neutral"): 3028,
                                         ("sentiment", "positive"): 2395}
    assert dd["dev"].num_rows == 343
    mt = load_newsmtsc(REAL, variant="mt")
    assert mt["dev"].num_rows == 442
    for ex in dd["dev"]:
        assert ex["target_start"] >= 0
    assert not any(g.startswith("newsmtsc-") and len(g) == 21 for g in dd["train"]["group"][:50])


@pytest.mark.skipif(REAL is None or not (REAL / "sentfin").is_dir(), reason="no real data")
def test_sentfin_real():
    dd = load_sentfin(REAL)
    check_dataset(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    # SOURCE.md: 14,405 entity labels: neutral 5,517 / positive 5,074 / negative 3,814.
    assert total == {("sentiment", "neutral"): 5517, ("sentiment", "positive"): 5074,
                     ("sentiment", "negative"): 3814}
    assert not shared_groups(dd)
    assert 0.18 < dd["dev"].num_rows / 14405 < 0.22
    assert load_sentfin(REAL)["dev"]["id"] == dd["dev"]["id"]


@pytest.mark.skipif(REAL is None or not (REAL / "financial_phrasebank").is_dir(),
                    reason="no real data")
@pytest.mark.parametrize("level, n, pos, neu, neg", [
    ("all", 2264, 570, 1391, 303), ("75", 3453, 887, 2146, 420),
    ("66", 4217, 1168, 2535, 514), ("50", 4846, 1363, 2879, 604)])
def test_phrasebank_real(level, n, pos, neu, neg):
    dd = load_financial_phrasebank(REAL, agreement=level)
    check_dataset(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    assert total == {("sentiment", "positive"): pos, ("sentiment", "neutral"): neu,
                     ("sentiment", "negative"): neg}
    assert not shared_groups(dd)
    assert 0.17 < dd["dev"].num_rows / n < 0.23
    assert not any("\ufffd" in t or "Ã" in t for s in dd.values() for t in s["text"])


def test_semeval2017_fixture(tmp_path):
    d = tmp_path / "semeval2017_task5_headlines"
    d.mkdir()
    recs = [{"id": i, "company": "Acme", "title": f"Acme shares move {i}",
             "sentiment": (i - 5) / 10} for i in range(11)]
    (d / "SemEval2017Task5Headlines.json").write_text(json.dumps(recs), encoding="utf-8")
    dd = load_semeval2017_task5_headlines(tmp_path)
    check_dataset(dd)
    assert dd["dev"].num_rows == 2 and not shared_groups(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    assert total == {("sentiment", "negative"): 5, ("sentiment", "neutral"): 1,
                     ("sentiment", "positive"): 5}
    ex = dd["train"][0]
    assert ex["text"][ex["target_start"]:ex["target_end"]] == "Acme"
    assert score_label(0.05) == "neutral" and score_label(0.051) == "positive"


@pytest.mark.skipif(REAL is None or not (REAL / "semeval2017_task5_headlines").is_dir(),
                    reason="no real data")
def test_semeval2017_real():
    dd = load_semeval2017_task5_headlines(REAL)
    check_dataset(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    # SOURCE.md: 1,142 headlines; score > 0.05: 622; < -0.05: 434; in the band: 86.
    assert total == {("sentiment", "positive"): 622, ("sentiment", "negative"): 434,
                     ("sentiment", "neutral"): 86}
    assert not shared_groups(dd)
