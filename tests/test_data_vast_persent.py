"""VAST and PerSenT (dev-only sets): invented fixtures, then the real files when present."""

from __future__ import annotations

import csv

import pytest

from newsstance.datapaths import data_dir
from newsstance.training.data.persent import load_persent
from newsstance.training.data.schema import check_dataset, label_counts
from newsstance.training.data.vast import load_vast

REAL = data_dir(required=False)


@pytest.fixture
def vast_root(tmp_path):
    (tmp_path / "vast").mkdir()
    (tmp_path / "arc_ukp").mkdir()
    with (tmp_path / "arc_ukp" / "arc_bodies.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Body ID", "articleBody"])
        w.writerow([90001, "Nuclear power is  safe, I think."])
    with (tmp_path / "vast" / "vast_dev.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Tweet", "Target 1", "Stance 1", "seen?"])
        w.writerow(["Nuclear power is safe, I think.", "nuclear power", "FAVOR", "0"])
        w.writerow(["Nuclear power is safe, I think.", "energy", "NONE", "1"])
        w.writerow(['Comments "improve" nothing.', "comment section", "AGAINST", "1"])
    return tmp_path


def test_vast_fixture(vast_root):
    dd = load_vast(vast_root)
    assert list(dd) == ["dev"]
    check_dataset(dd)
    dev = dd["dev"]
    assert list(dev["label"]) == ["favor", "neutral", "against"]
    assert list(dev["id"]) == ["vast-dev-0-zs", "vast-dev-1-fs", "vast-dev-2-fs"]
    assert dev[0]["group"] == dev[1]["group"] == "arc-90001"  # same comment as an ARC body
    assert dev[2]["group"].startswith("vast-")
    assert list(load_vast(vast_root, zero_shot=True)["dev"]["target"]) == ["nuclear power"]
    assert load_vast(vast_root, zero_shot=False)["dev"].num_rows == 2


@pytest.fixture
def persent_root(tmp_path):
    (tmp_path / "persent").mkdir()
    cols = ["DOCUMENT_INDEX", "TITLE", "TARGET_ENTITY", "DOCUMENT", "MASKED_DOCUMENT",
            "TRUE_SENTIMENT"] + [f"Paragraph{i}" for i in range(16)]
    filler = " ".join(f"Weather sentence {k} was mild." for k in range(80))
    docs = [("1", "Ann Lee", f"Ann Lee won the prize.\n{filler}\nLee thanked her team.",
             "Positive"),
            ("2", "Bo Chan", "Short doc on the economy.", "Negative")]
    with (tmp_path / "persent" / "dev.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for idx, ent, doc, lab in docs:
            w.writerow([idx, "title", ent, doc, doc, lab] + [""] * 16)
    return tmp_path


def test_persent_fixture(persent_root):
    dd = load_persent(persent_root, max_chars=200)
    assert list(dd) == ["dev"]
    check_dataset(dd)
    a, b = dd["dev"][0], dd["dev"][1]
    assert a["label"] == "positive" and a["target"] == "Ann Lee" and a["group"] == "persent-1"
    assert len(a["text"]) <= 200 and "Lee thanked her team." in a["text"]
    assert a["text"][a["target_start"]:a["target_end"]] == "Ann Lee"
    assert b["target_start"] == -1 and b["label"] == "negative"


@pytest.mark.skipif(REAL is None or not (REAL / "vast").is_dir(), reason="no real data")
def test_vast_real():
    dd = load_vast(REAL)
    check_dataset(dd)
    # SOURCE.md: dev 2,062 rows: NONE 697 / AGAINST 684 / FAVOR 681; zero-shot 1,019.
    assert label_counts(dd["dev"]) == {("stance", "neutral"): 697, ("stance", "against"): 684,
                                       ("stance", "favor"): 681}
    assert load_vast(REAL, zero_shot=True)["dev"].num_rows == 1019
    assert sum(i.endswith("-zs") for i in dd["dev"]["id"]) == 1019
    assert load_vast(REAL)["dev"]["group"] == dd["dev"]["group"]


@pytest.mark.skipif(REAL is None or not (REAL / "persent").is_dir(), reason="no real data")
def test_persent_real():
    dd = load_persent(REAL)
    check_dataset(dd)
    # SOURCE.md: dev 578 docs, Pos/Neu/Neg 304/216/58.
    assert label_counts(dd["dev"]) == {("sentiment", "positive"): 304,
                                       ("sentiment", "neutral"): 216,
                                       ("sentiment", "negative"): 58}
    assert max(len(t) for t in dd["dev"]["text"]) <= 1500
    assert sum(s >= 0 for s in dd["dev"]["target_start"]) > 550
