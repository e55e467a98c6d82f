"""PolNeAR annotator agreement (``newsstance quote-agreement``) on a hand-made set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsstance.cli import main
from newsstance.datapaths import data_dir
from newsstance.inference.extraction import QuoteExtractor
from newsstance.inference.polnear import GoldQuote, read_polnear
from newsstance.inference.quote_agreement import (
    AnnotatedArticle,
    agreement,
    majority,
    multi_annotated,
)

TEXT = ("Ann Lee said the plan would fail. Bob Ray argued that taxes must rise. "
        "Officials claimed the road is safe.")


def span(fragment: str) -> tuple[int, int]:
    start = TEXT.index(fragment)
    return start, start + len(fragment)


PLAN, TAXES = span("the plan would fail"), span("that taxes must rise")
ROAD = span("the road is safe")
ROAD_SHORT = span("road is safe")  # IoU 12/16 with ROAD: the same statement, marked shorter


def ann(*contents: tuple[int, int]) -> str:
    """A brat file with one source-less attribution per content span."""
    lines = []
    for i, (start, end) in enumerate(contents, 1):
        lines.append(f"T{i}\tContent {start} {end}\t{TEXT[start:end]}")
        lines.append(f"E{i}\tAttribution-no-source:T{i} Content:T{i}")
    return "\n".join(lines) + "\n"


#: Annotator a marks all three statements, b the first two, c the first and the last.
ANNOTATORS = {"a": (PLAN, TAXES, ROAD), "b": (PLAN, TAXES), "c": (PLAN, ROAD_SHORT)}


@pytest.fixture()
def polnear(tmp_path: Path) -> Path:
    """A PolNeAR folder: ``dev`` has one article by three annotators and one by a single one."""
    root = tmp_path / "polnear"
    for split in ("dev", "train"):
        (root / split / "text").mkdir(parents=True)
        (root / split / "attributions").mkdir(parents=True)
    (root / "dev" / "text" / "art_one.txt").write_text(TEXT, encoding="utf-8")
    for name, contents in ANNOTATORS.items():
        (root / "dev" / "attributions" / f"art_one_{name}.ann").write_text(ann(*contents))
    (root / "dev" / "text" / "art_two.txt").write_text(TEXT, encoding="utf-8")
    (root / "dev" / "attributions" / "art_two_a.ann").write_text(ann(PLAN))
    (root / "train" / "text" / "art_two.txt").write_text(TEXT, encoding="utf-8")
    (root / "train" / "attributions" / "art_two_a.ann").write_text(ann(PLAN))
    return root


def quotes(*spans: tuple[int, int]) -> list[GoldQuote]:
    return [GoldQuote(s, e) for s, e in spans]


def test_multi_annotated_reads_every_annotator_and_skips_single_ones(polnear: Path) -> None:
    [article] = list(multi_annotated(polnear, "dev"))
    assert article.id == "art_one"
    assert [[(q.start, q.end) for q in a] for a in article.annotators] == [
        sorted(ANNOTATORS[name]) for name in "abc"]
    # the evaluation's gold is the first annotator's file, as before the refactoring
    gold = {a.id: [(q.start, q.end) for q in a.quotes] for a in read_polnear(polnear, "dev")}
    assert gold == {"art_one": sorted(ANNOTATORS["a"]), "art_two": [PLAN]}
    assert list(multi_annotated(polnear, "train")) == []
    with pytest.raises(FileNotFoundError):
        list(multi_annotated(polnear, "test"))


def test_majority_keeps_what_more_than_half_marked() -> None:
    a, b, c = (quotes(*ANNOTATORS[n]) for n in "abc")
    assert [(q.start, q.end) for q in majority(TEXT, [a, b, c])] == [PLAN, TAXES, ROAD]
    assert [(q.start, q.end) for q in majority(TEXT, [b, c])] == [PLAN]  # both of two
    assert majority(TEXT, [a, quotes()]) == []


def test_agreement_figures_by_hand(polnear: Path) -> None:
    [article] = list(multi_annotated(polnear, "dev"))
    first = article.annotators[0]
    result = agreement([article], extract=lambda texts: [first for _ in texts])
    # ordered pairs: a-b and a-c share 2 statements, b-c 1, each counted both ways: 10 matches
    # among 14 predicted and 14 gold quotes
    assert result["pairs"]["overlap"] == {"precision": round(10 / 14, 4),
                                          "recall": round(10 / 14, 4), "f1": round(10 / 14, 4)}
    # majority of the others: {PLAN} against a, {PLAN, ROAD} against b, {PLAN, TAXES} against c
    assert result["majority"]["overlap"] == {"precision": 0.6, "recall": round(3 / 7, 4),
                                             "f1": 0.5}
    # an extractor that returns annotator a's quotes: 3 + 2 + 2 matches, 9 predicted, 7 gold
    assert result["extractor"]["overlap"]["f1"] == round(14 / 16, 4)
    assert result["pairs"]["articles"] == 1 and result["pairs"]["annotator_files"] == 3
    assert set(agreement([article])) == {"pairs", "majority"}
    with pytest.raises(ValueError, match="two or more annotators"):
        agreement([article, AnnotatedArticle("solo", TEXT, [first])])


def test_intervals_resample_articles_not_annotator_pairs(polnear: Path) -> None:
    [article] = list(multi_annotated(polnear, "dev"))
    result = agreement([article, article])
    f1 = result["pairs"]["overlap"]["f1"]
    assert result["pairs"]["intervals"]["overlap_f1"] == [f1, f1]  # two identical articles


def test_cli_writes_the_table_and_json(polnear: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "agreement.json"
    assert main(["quote-agreement", "--data-dir", str(polnear.parent), "--split", "dev",
                 "--skip-extractor", "-o", str(out)]) == 0
    table = capsys.readouterr().out
    assert "pairs" in table and "majority" in table and "extractor" not in table
    results = json.loads(out.read_text())["results"]
    assert list(results) == ["dev"]
    assert results["dev"]["majority"]["overlap"]["f1"] == 0.5


def test_cli_refuses_a_split_without_multiple_annotators(
        polnear: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quote-agreement", "--data-dir", str(polnear.parent), "--split", "train",
                 "--skip-extractor"]) == 2
    assert "no article has more than one annotator" in capsys.readouterr().err
    assert main(["quote-agreement", "--data-dir", str(polnear.parent), "--split", "test",
                 "--skip-extractor"]) == 2


DATA = data_dir(required=False)


@pytest.mark.skipif(DATA is None or not (DATA / "polnear" / "dev").is_dir(),
                    reason="labelled data absent")
def test_cli_on_polnear_with_the_extractor(
        monkeypatch: pytest.MonkeyPatch, quote_extractor: QuoteExtractor, tmp_path: Path) -> None:
    monkeypatch.setattr(QuoteExtractor, "load", classmethod(lambda cls, *a, **k: quote_extractor))
    out = tmp_path / "agreement.json"
    assert main(["quote-agreement", "-o", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    assert list(results) == ["train", "dev", "all"]
    assert results["all"]["pairs"]["articles"] == (
        results["train"]["pairs"]["articles"] + results["dev"]["pairs"]["articles"])
    for rows in results.values():
        assert set(rows) == {"pairs", "majority", "extractor"}
        assert all(0 < m["overlap"]["f1"] <= 1 for m in rows.values())
