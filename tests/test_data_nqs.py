"""nqs loader: invented fixture, then the real files when present."""

from __future__ import annotations

import json

import pytest

from newsstance.datapaths import data_dir
from newsstance.training.data.nqs import load_nqs, nqs_dev_groups
from newsstance.training.data.schema import check_dataset, label_counts
from newsstance.training.data.splits import shared_groups

REAL = data_dir(required=False)


def _article(aid: str, n_filler: int = 0) -> dict:
    filler = "Filler sentence here. " * n_filler
    text = (filler + "Acme Corp announced layoffs on Monday. A spokesman, Jo Park, said: "
            '"We regret this decision." Workers were angry. The union said it would fight.')
    q = '"We regret this decision."'
    qs = text.index(q)
    sp = text.index("Jo Park")
    u = text.index("it would fight")
    return {"id": aid, "source": "synthetic", "text": text, "target": "Acme's layoffs",
            "quotes": [
                {"text": q, "start": qs, "end": qs + len(q), "type": "direct",
                 "speaker": "Jo Park", "speaker_start": sp, "speaker_end": sp + 7,
                 "speaker_name": "Jo Park", "speaker_role": "company", "organization": "Acme",
                 "stance": "favor", "sentiment": "negative"},
                {"text": "it would fight", "start": u, "end": u + 14, "type": "indirect",
                 "speaker": "The union", "speaker_name": "union", "speaker_role": "advocate",
                 "organization": "union", "stance": "against", "sentiment": "negative"},
            ]}


@pytest.fixture
def nqs_dir(tmp_path):
    d = tmp_path / "nqs"
    d.mkdir()
    for split, ids in {"train": ["syn-a-1", "fnc1-train-5"], "dev": ["polnear-train-x"]}.items():
        with (d / f"{split}.jsonl").open("w", encoding="utf-8") as fh:
            for i, aid in enumerate(ids):
                fh.write(json.dumps(_article(aid, n_filler=60 * i)) + "\n")
    return tmp_path


def test_nqs_fixture(nqs_dir):
    dd = load_nqs(nqs_dir)
    assert set(dd) == {"train", "dev"}
    check_dataset(dd)
    assert dd["train"].num_rows == 8 and dd["dev"].num_rows == 4
    ex = dd["train"][0]
    assert ex["id"] == "syn-a-1-q0-stance" and ex["task"] == "stance" and ex["label"] == "favor"
    assert ex["text"][ex["quote_start"]:ex["quote_end"]] == '"We regret this decision."'
    assert ex["text"][ex["speaker_start"]:ex["speaker_end"]] == "Jo Park"
    assert ex["speaker"] == "Jo Park" and ex["speaker_role"] == "company"
    assert ex["target"] == "Acme's layoffs" and ex["group"] == "syn-a-1"
    sent = dd["train"][1]
    assert sent["task"] == "sentiment" and sent["label"] == "negative"
    assert sent["text"] == ex["text"]
    union = dd["train"][2]
    assert union["speaker_start"] == -1 and union["speaker"] == "union"
    long = dd["train"][4]  # the article with 60 filler sentences: window, not whole article
    assert long["text"].startswith("Acme Corp") and "Filler" not in long["text"]
    # the quotes that lie whole in the window are listed for the article input format
    for row in dd["train"]:
        marks = json.loads(row["text_quotes"])
        own = {"start": row["quote_start"], "end": row["quote_end"], "speaker": row["speaker"],
               "speaker_role": row["speaker_role"]}
        assert own in marks
        assert all(row["text"][m["start"]:m["end"]] in ('"We regret this decision."',
                                                        "it would fight") for m in marks)
    whole = load_nqs(nqs_dir, whole_articles=True)["train"][4]
    assert whole["text"].startswith("Filler") and whole["text"][
        whole["quote_start"]:whole["quote_end"]] == '"We regret this decision."'
    assert [(m["speaker"], m["speaker_role"]) for m in json.loads(whole["text_quotes"])] == [
        ("Jo Park", "company"), ("union", "advocate")]
    assert nqs_dev_groups(nqs_dir) == {"polnear-train-x"}
    assert load_nqs(nqs_dir, tasks=("stance",))["train"].num_rows == 4


@pytest.mark.skipif(REAL is None or not (REAL / "nqs").is_dir(), reason="no real data")
def test_nqs_real():
    dd = load_nqs(REAL)
    check_dataset(dd)
    # SOURCE.md: train 11,490 quotes, dev 527 quotes; two examples per quote.
    assert dd["train"].num_rows == 2 * 11490 and dd["dev"].num_rows == 2 * 527
    counts = label_counts(dd["dev"])
    assert counts[("stance", "favor")] == 231 and counts[("stance", "against")] == 89
    assert counts[("sentiment", "positive")] == 84 and counts[("sentiment", "neutral")] == 237
    tr = label_counts(dd["train"])
    assert tr[("stance", "neutral")] == 4479 and tr[("sentiment", "negative")] == 4519
    assert not shared_groups(dd)
    for ex in dd["dev"]:
        assert ex["quote_end"] - ex["quote_start"] > 0
        assert len(ex["text"]) <= max(1600, ex["quote_end"] - ex["quote_start"] + 400)
    groups = nqs_dev_groups(REAL)
    assert len(groups) == 46 and groups == set(dd["dev"]["group"])
    assert all(g.startswith(("fnc1-train-", "polnear-train-", "syn-")) for g in groups)
    again = load_nqs(REAL)
    assert again["dev"]["text"] == dd["dev"]["text"] and again["train"]["id"] == dd["train"]["id"]
