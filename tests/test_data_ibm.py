"""IBM claim stance loader: spreadsheet-damaged fixture, then the real file when present."""

from __future__ import annotations

import csv
import io

import pytest

from newsstance.datapaths import data_dir
from newsstance.training.data.ibm import decode_rows, load_ibm_claim_stance
from newsstance.training.data.schema import check_dataset, label_counts
from newsstance.training.data.splits import shared_groups

REAL = data_dir(required=False)
HEADER = ["topicId", "split", "topicText", "topicTarget", "topicSentiment", "claims.claimId",
          "claims.stance", "claims.claimCorrectedText", "claims.claimOriginalText",
          "claims.article.rawFile", "claims.article.rawSpan.start", "claims.article.rawSpan.end",
          "claims.article.cleanFile", "claims.article.cleanSpan.start",
          "claims.article.cleanSpan.end", "claims.Compatible", "claims.claimTarget.text",
          "claims.claimTarget.span.start", "claims.claimTarget.span.end",
          "claims.claimSentiment", "claims.targetsRelation"]


def _damage(record: list[str]) -> list[str]:
    """What the spreadsheet did: the CSV line became one cell (quotes doubled), then cells were
    split at ';' (padded to 5) and rows at line breaks."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(record)
    out = []
    for part in buf.getvalue()[:-2].split("\n"):
        cells = part.split(";")
        cells += [""] * (5 - len(cells))
        row = io.StringIO()
        csv.writer(row, delimiter=";", lineterminator="\r\n").writerow(cells)
        out.append(row.getvalue()[:-2])
    return out


def _claim(topic, split, cid, stance, claim, target):
    s = claim.find(target)
    return [str(topic), split, f"Topic {topic} is good", f"topic {topic}", "1", str(cid), stance,
            claim, claim, "raw", "0", "1", "clean", "0", "1", "yes", target,
            str(s), str(s + len(target)), "1", "1"]


@pytest.fixture
def ibm_root(tmp_path):
    d = tmp_path / "ibm_claim_stance"
    d.mkdir()
    records = [HEADER]
    cid = 0
    for topic in range(1, 11):
        for stance in ("PRO", "CON"):
            cid += 1
            records.append(_claim(topic, "train", cid, stance,
                                  f'Claim {cid} says "robots" help', "robots"))
    records.append(_claim(1, "train", 900, "PRO", "Humans are equal; cultures are not", "Humans"))
    records.append(_claim(2, "train", 901, "CON", "It is meant to promote\nequality", "It"))
    records.append(_claim(3, "test", 902, "CON", "test claim", "test"))
    lines = [line for r in records for line in _damage(r)]
    (d / "claim_stance_dataset_v1.csv").write_bytes("\r\n".join(lines).encode() + b"\r\n")
    return tmp_path


def test_ibm_decode(ibm_root):
    rows = decode_rows(ibm_root / "ibm_claim_stance" / "claim_stance_dataset_v1.csv")
    assert len(rows) == 23
    by_id = {r["claims.claimId"]: r for r in rows}
    assert by_id["900"]["claims.claimCorrectedText"] == "Humans are equal; cultures are not"
    assert by_id["901"]["claims.claimCorrectedText"] == "It is meant to promote\nequality"
    assert by_id["1"]["claims.claimCorrectedText"] == 'Claim 1 says "robots" help'


def test_ibm_fixture(ibm_root):
    dd = load_ibm_claim_stance(ibm_root)
    check_dataset(dd)
    assert dd["train"].num_rows + dd["dev"].num_rows == 22  # the test claim is left out
    assert 3 <= dd["dev"].num_rows <= 6 and not shared_groups(dd)
    ex = next(e for s in dd.values() for e in s if e["id"] == "ibm-901")
    assert ex["text"] == "It is meant to promote equality" and ex["label"] == "against"
    assert ex["target"] == "Topic 2 is good" and ex["group"] == "ibm-topic-2"
    first = next(e for s in dd.values() for e in s if e["id"] == "ibm-1")
    assert first["text"][first["target_start"]:first["target_end"]] == "robots"


@pytest.mark.skipif(REAL is None or not (REAL / "ibm_claim_stance").is_dir(), reason="no data")
def test_ibm_real():
    dd = load_ibm_claim_stance(REAL)
    check_dataset(dd)
    total = label_counts(dd["train"]) + label_counts(dd["dev"])
    # Official: 1,039 train claims (SOURCE.md's decoding: PRO 623 / CON 414; +2 PRO recovered).
    assert total == {("stance", "favor"): 625, ("stance", "against"): 414}
    assert not shared_groups(dd)
    assert len(set(dd["train"]["group"]) | set(dd["dev"]["group"])) == 25
    assert load_ibm_claim_stance(REAL)["dev"]["id"] == dd["dev"]["id"]
