"""Quote scoring (spans, speakers, roles) and the PolNeAR / nqs gold readers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsstance.inference.polnear import GoldQuote, parse_ann, read_nqs, read_polnear
from newsstance.inference.quote_metrics import (
    Counts,
    iou,
    match_spans,
    same_person,
    score_article,
    speaker_correct,
    trim_span,
)

TEXT = 'Jane Doe said: "We will appeal." The company said it would comply, Smith added.'


Q_START = TEXT.index('"')  # the opening mark
COMPANY = TEXT.index("The company")
CONTENT = TEXT.index("it would")
SMITH = TEXT.index("Smith")


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ((Q_START, Q_START + 17), "We will appeal"),
        ((Q_START + 1, Q_START + 16), "We will appeal"),
        ((0, 0), ""),
        ((13, 16), ""),
        ((SMITH, 500), "Smith added"),
    ],
)
def test_trim_span(span: tuple[int, int], expected: str) -> None:
    start, end = trim_span(TEXT, *span)
    assert TEXT[start:end] == expected


def test_iou_and_matching() -> None:
    assert iou((0, 10), (0, 10)) == 1.0
    assert iou((0, 10), (10, 20)) == 0.0
    assert iou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    # one to one: the best pair wins, the other prediction stays unmatched
    assert match_spans([(0, 10), (0, 9)], [(0, 10)]) == [(0, 0)]
    assert match_spans([(0, 10)], [(4, 30)]) == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Hillary Clinton", "hillary clinton", True),
        ("Clinton", "Hillary Clinton", True),
        ("Mr. Obama", "Barack Obama", True),
        ("the company", "Company", True),
        ("Jane Doe", "John Doe", False),
        ("he", "Jane Doe", False),
        (None, "x", False),
        ("Apple's", "Apple", True),
    ],
)
def test_same_person(a: str | None, b: str | None, same: bool) -> None:
    assert same_person(a, b) is same


def test_speaker_correct_by_overlap_or_name() -> None:
    gold = GoldQuote(15, 30, 0, 8, "Jane Doe")
    assert speaker_correct(TEXT, {"speaker_start": 5, "speaker_end": 8}, gold)
    assert speaker_correct(
        TEXT,
        {"speaker_start": 40, "speaker_end": 42, "speaker": "she", "speaker_name": "Jane Doe"},
        gold,
    )
    assert not speaker_correct(
        TEXT,
        {"speaker_start": 40, "speaker_end": 42, "speaker": "she", "speaker_name": "Smith"},
        gold,
    )


def test_score_article() -> None:
    gold = [
        GoldQuote(Q_START, Q_START + 17, 0, 8, None, "official", "direct"),
        GoldQuote(CONTENT, CONTENT + 16, COMPANY, COMPANY + 11, None, "company", "indirect"),
    ]
    pred = [
        {
            "start": Q_START + 1,
            "end": Q_START + 15,
            "speaker_start": 0,
            "speaker_end": 8,
            "speaker_role": "official",
            "type": "direct",
        },
        {
            "start": CONTENT,
            "end": CONTENT + 12,
            "speaker_start": SMITH,
            "speaker_end": SMITH + 5,
            "speaker_role": "public",
            "type": "indirect",
        },
        {"start": SMITH, "end": SMITH + 11, "speaker_role": "other", "type": "indirect"},
    ]
    counts = Counts()
    score_article(counts, TEXT, pred, gold)
    m = counts.metrics()
    assert (m["predicted"], m["gold"]) == (3, 2)
    assert m["exact"]["precision"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["overlap"]["recall"] == 1.0 and m["overlap"]["precision"] == pytest.approx(
        2 / 3, abs=1e-3
    )
    assert m["speaker_accuracy"] == 0.5 and m["role_accuracy"] == 0.5
    assert m["role_confusion"] == {"official": {"official": 1}, "company": {"public": 1}}


def test_empty_metrics() -> None:
    m = Counts().metrics()
    assert m["overlap"]["f1"] == 0.0 and m["speaker_accuracy"] is None
    assert m["intervals"] == {"overlap_f1": None, "speaker_accuracy": None,
                              "role_accuracy": None}


def test_intervals_resample_whole_articles() -> None:
    gold = [GoldQuote(Q_START, Q_START + 17, 0, 8, None, "official", "direct")]
    right = [{"start": Q_START, "end": Q_START + 17, "speaker_start": 0, "speaker_end": 8,
              "speaker_role": "official"}]
    counts = Counts()
    for _ in range(10):
        score_article(counts, TEXT, right, gold)
    assert counts.per_article[0] == (1, 1, 1, 1, 1, 1, 1)
    assert counts.metrics()["intervals"] == {"overlap_f1": [1.0, 1.0],
                                             "speaker_accuracy": [1.0, 1.0],
                                             "role_accuracy": [1.0, 1.0]}
    for _ in range(10):  # ten articles where nothing is found
        score_article(counts, TEXT, [], gold)
    m = counts.metrics()
    lo, hi = m["intervals"]["overlap_f1"]
    assert lo < m["overlap"]["f1"] < hi and hi - lo > 0.2
    assert m["intervals"]["speaker_accuracy"] == [1.0, 1.0]  # only matched quotes count
    assert counts.intervals() == counts.intervals()  # seeded


ANN = """T1\tSource 0 8\tJane Doe
E1\tAttribution:T3 Content:T2 Cue:T4 Source:T1
T2\tContent 15 30;35 40\tWe will appeal ...
T3\tAttribution 9 13\tsaid
T4\tCue 9 13\tsaid
#1\tAnnotatorNotes T1\tnote
T5\tContent 50 60\tx
T6\tAttribution 45 49\tsaid
E2\tAttribution-no-source:T6 Content:T5 Content2:T7
T7\tContent 62 66\ty
T8\tDiscard 0 3\tJan
"""


def test_parse_ann_two_passes_discontinuous_content2() -> None:
    events = parse_ann(ANN)
    assert events == [([(15, 30), (35, 40)], [(0, 8)]), ([(50, 60), (62, 66)], None)]


def test_read_polnear_one_annotator_per_article(tmp_path: Path) -> None:
    for split in ("dev",):
        (tmp_path / split / "text").mkdir(parents=True)
        (tmp_path / split / "attributions").mkdir(parents=True)
    (tmp_path / "dev" / "text" / "art_one.txt").write_text(TEXT + " " * 10, encoding="utf-8")
    (tmp_path / "dev" / "attributions" / "art_one_aaaa.ann").write_text(ANN, encoding="utf-8")
    (tmp_path / "dev" / "attributions" / "art_one_bbbb.ann").write_text("", encoding="utf-8")
    [article] = list(read_polnear(tmp_path, "dev"))
    assert article.id == "art_one"
    assert [(q.start, q.end) for q in article.quotes] == [(15, 30), (35, 40), (50, 60), (62, 66)]
    assert article.quotes[0].speaker_name == "Jane Doe" and article.quotes[2].speaker_start is None
    with pytest.raises(FileNotFoundError):
        list(read_polnear(tmp_path, "test"))


def test_read_nqs(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    row = {
        "id": "n1",
        "text": TEXT,
        "quotes": [
            {
                "text": "We will appeal",
                "start": 15,
                "end": 29,
                "type": "direct",
                "speaker": "Jane Doe",
                "speaker_start": 0,
                "speaker_end": 8,
                "speaker_name": "Jane Doe",
                "speaker_role": "official",
            }
        ],
    }
    path.write_text(json.dumps(row) + "\n" + json.dumps(row | {"id": "n2"}) + "\n")
    articles = list(read_nqs(path, limit=1))
    assert len(articles) == 1 and articles[0].quotes[0].speaker_role == "official"
