"""FNC-1 and ARC loaders (FNC-1 format): invented fixture, then the real files when present."""

from __future__ import annotations

import csv

import pytest

from newsstance.datapaths import data_dir
from newsstance.training.data.fnc import load_arc_ukp, load_fnc1
from newsstance.training.data.schema import check_dataset, label_counts
from newsstance.training.data.splits import shared_groups

REAL = data_dir(required=False)


def _write_fnc(folder, bodies_name, stances_name, n_bodies=10):
    folder.mkdir()
    with (folder / bodies_name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Body ID", "articleBody"])
        for b in range(n_bodies):
            filler = " ".join(f"Unrelated filler sentence number {k}." for k in range(60))
            w.writerow([b, f"Lead about robots {b}.\n\n{filler} The robot ate a car, "
                           f"witnesses said. {filler}"])
        w.writerow([n_bodies, "Short body, “quoted” café."])
    labels = ["agree", "disagree", "discuss", "unrelated"]
    with (folder / stances_name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Headline", "Body ID", "Stance"])
        for b in range(n_bodies + 1):
            for k, lab in enumerate(labels):
                w.writerow([f"Robot ate a car, {k}", b, lab])


@pytest.fixture
def fnc_root(tmp_path):
    _write_fnc(tmp_path / "fnc1", "train_bodies.csv", "train_stances.csv")
    _write_fnc(tmp_path / "arc_ukp", "arc_bodies.csv", "arc_stances_train.csv")
    return tmp_path


def test_fnc1_fixture(fnc_root):
    dd = load_fnc1(fnc_root, max_chars=300)
    assert set(dd) == {"train", "dev"}
    check_dataset(dd)
    assert dd["train"].num_rows + dd["dev"].num_rows == 11 * 3
    assert dd["dev"].num_rows == 6  # 2 of 11 bodies
    assert not shared_groups(dd)
    assert all(g.startswith("fnc1-train-") for g in dd["train"]["group"])
    ex = next(e for e in dd["train"] if e["group"] != "fnc1-train-10")
    assert len(ex["text"]) <= 300
    assert ex["text"].startswith("Lead about robots") and "The robot ate a car" in ex["text"]
    short = next(e for s in dd.values() for e in s if e["group"] == "fnc1-train-10")
    assert short["text"] == "Short body, “quoted” café."
    assert {lab for _, lab in label_counts(dd["train"])} <= {"favor", "against", "neutral"}
    neutral = load_fnc1(fnc_root, unrelated="neutral", max_chars=300)
    assert neutral["train"].num_rows + neutral["dev"].num_rows == 44
    assert set(neutral["dev"]["group"]) == set(dd["dev"]["group"])  # split ignores `unrelated`
    with pytest.raises(ValueError, match="unrelated"):
        load_fnc1(fnc_root, unrelated="keep")


def test_arc_fixture(fnc_root):
    dd = load_arc_ukp(fnc_root)
    check_dataset(dd)
    assert all(g.startswith("arc-") for s in dd.values() for g in s["group"])
    assert dd["train"][0]["source"] == "arc_ukp"


needs_fnc = pytest.mark.skipif(REAL is None or not (REAL / "fnc1").is_dir(), reason="no data")
needs_arc = pytest.mark.skipif(REAL is None or not (REAL / "arc_ukp").is_dir(), reason="no data")


@pytest.fixture(scope="module")
def fnc_real():
    return load_fnc1(REAL)


@needs_fnc
def test_fnc1_real(fnc_real):
    dd = fnc_real
    check_dataset(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    # SOURCE.md: agree 3,678 / disagree 840 / discuss 8,909 (unrelated dropped).
    assert total == {("stance", "favor"): 3678, ("stance", "against"): 840,
                     ("stance", "neutral"): 8909}
    assert not shared_groups(dd)
    assert 0.18 < dd["dev"].num_rows / (dd["train"].num_rows + dd["dev"].num_rows) < 0.22
    assert max(len(t) for t in dd["train"]["text"]) <= 1500


@needs_fnc
@pytest.mark.slow
def test_fnc1_real_deterministic_and_unrelated(fnc_real):
    again = load_fnc1(REAL)
    assert again["dev"]["id"] == fnc_real["dev"]["id"]
    assert again["train"]["text"] == fnc_real["train"]["text"]
    full = load_fnc1(REAL, unrelated="neutral")
    assert full["train"].num_rows + full["dev"].num_rows == 49972
    assert set(full["dev"]["group"]) >= set(fnc_real["dev"]["group"])


@needs_arc
def test_arc_real():
    dd = load_arc_ukp(REAL)
    check_dataset(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    # SOURCE.md: train agree 1,257 / disagree 1,402 / discuss 904.
    assert total == {("stance", "favor"): 1257, ("stance", "against"): 1402,
                     ("stance", "neutral"): 904}
    assert not shared_groups(dd)
    assert load_arc_ukp(REAL)["dev"]["id"] == dd["dev"]["id"]
