"""SemEval-2016 Task 6 loader: cp1252 fixture, then the real files when present."""

from __future__ import annotations

import pytest

from newsstance.datapaths import data_dir
from newsstance.training.data.schema import check_dataset, label_counts
from newsstance.training.data.semeval import load_semeval2016_task6
from newsstance.training.data.splits import shared_groups

REAL = data_dir(required=False)
HEADER = "ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\r\n"


@pytest.fixture
def semeval_root(tmp_path):
    d = tmp_path / "semeval2016_task6"
    d.mkdir()
    stances = ["FAVOR", "AGAINST", "NONE"]
    sents = ["POSITIVE", "NEGATIVE", "NEITHER"]
    lines = [HEADER] + [
        f"{101 + i}\tAtheism\tTweet {i} about “faith” — café #SemST\t{stances[i % 3]}\tTARGET\t"
        f"{sents[i % 3]}\r\n" for i in range(20)]
    (d / "trainingdata-all-annotations.txt").write_bytes("".join(lines).encode("cp1252"))
    trial = [HEADER, "1\tHillary Clinton\tplain ascii tweet #SemST\tAGAINST\tTARGET\tNEGATIVE\r\n"]
    (d / "trialdata-all-annotations.txt").write_bytes("".join(trial).encode("ascii"))
    return tmp_path


def test_semeval_fixture(semeval_root):
    dd = load_semeval2016_task6(semeval_root)
    check_dataset(dd)
    assert dd["dev"].num_rows == 4 and dd["train"].num_rows == 17
    assert "semeval2016-1" in dd["train"]["group"]  # trial folded into train
    texts = list(dd["train"]["text"]) + list(dd["dev"]["text"])
    assert any("“faith” — café" in t for t in texts)
    ex = next(e for e in dd["train"] if e["id"] == "semeval2016-1-stance")
    assert ex["target"] == "Hillary Clinton" and ex["label"] == "against"
    both = load_semeval2016_task6(semeval_root, tasks=("stance", "sentiment"),
                                  include_trial=False)
    check_dataset(both)
    assert both["train"].num_rows == 32 and not shared_groups(both)
    assert set(both["dev"]["group"]) == set(dd["dev"]["group"])
    sent = [e for e in both["train"] if e["task"] == "sentiment"]
    assert {e["label"] for e in sent} == {"positive", "negative", "neutral"}
    assert all(e["target"] == "" for e in sent)


@pytest.mark.skipif(REAL is None or not (REAL / "semeval2016_task6").is_dir(), reason="no data")
def test_semeval_real():
    dd = load_semeval2016_task6(REAL, tasks=("stance", "sentiment"))
    check_dataset(dd)
    stance = label_counts(dd["train"]) + label_counts(dd["dev"])
    # SOURCE.md: train 1,342 AGAINST / 731 FAVOR / 741 NONE; trial 53 / 22 / 25.
    assert stance[("stance", "against")] == 1342 + 53
    assert stance[("stance", "favor")] == 731 + 22 and stance[("stance", "neutral")] == 741 + 25
    assert stance[("sentiment", "negative")] == 1700 + 62
    assert dd["dev"].num_rows == 2 * round(0.2 * 2814)
    assert not shared_groups(dd)
    assert not any("\ufffd" in t for t in dd["train"]["text"])
    again = load_semeval2016_task6(REAL, tasks=("stance", "sentiment"))
    assert again["dev"]["id"] == dd["dev"]["id"]
