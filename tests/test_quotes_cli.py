"""``newsstance quotes`` and ``newsstance evaluate-quotes`` through ``newsstance.cli.main``."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from newsstance.cli import main
from newsstance.datapaths import data_dir
from newsstance.inference.extraction import QuoteExtractor

ARTICLE = (
    '"We will appeal the ruling," said Jane Doe, a Microsoft spokesperson. '
    "The union said the decision was unfair."
)


@pytest.fixture(autouse=True)
def _shared_model(monkeypatch: pytest.MonkeyPatch, quote_extractor: QuoteExtractor) -> None:
    """Reuse the session's spaCy pipeline instead of loading one per command."""
    monkeypatch.setattr(QuoteExtractor, "load", classmethod(lambda cls, *a, **k: quote_extractor))


def run(args: list[str], tmp_path: Path) -> list[dict]:
    out = tmp_path / "out.jsonl"
    assert main(["quotes", *args, "-o", str(out)]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_txt_with_title(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Court rules against Microsoft\n\n" + ARTICLE, encoding="utf-8")
    [rec] = run([str(path)], tmp_path)
    assert rec["id"] == "story"
    first = rec["quotes"][0]
    assert first["text"] == "We will appeal the ruling," and first["speaker"] == "Jane Doe"
    assert first["organization"] == "Microsoft" and first["speaker_role"] == "company"
    text = ARTICLE  # offsets are into the body, the title line excluded
    assert text[first["start"] : first["end"]] == first["text"]
    assert rec["quotes"][1]["type"] == "indirect"


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"id": "x1", "text": ARTICLE})
        + "\n"
        + json.dumps({"id": "x2", "text": "No quotes at all here."})
        + "\n",
        encoding="utf-8",
    )
    recs = run([str(path)], tmp_path)
    assert [r["id"] for r in recs] == ["x1", "x2"]
    assert len(recs[0]["quotes"]) == 2 and recs[1]["quotes"] == []


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        'id,title,text\nc1,Title,"' + ARTICLE.replace('"', '""') + '"\n', encoding="utf-8"
    )
    [rec] = run([str(path)], tmp_path)
    assert rec["id"] == "c1" and len(rec["quotes"]) == 2


def test_html(tmp_path: Path) -> None:
    body = "".join(f"<p>{p}</p>" for p in [ARTICLE, "Filler sentence number one here."] * 3)
    path = tmp_path / "page.html"
    path.write_text(
        f"<html><head><title>Ruling</title></head><body><article>{body}</article></body></html>",
        encoding="utf-8",
    )
    [rec] = run([str(path)], tmp_path)
    assert rec["id"] == "page" and any(q["speaker"] == "Jane Doe" for q in rec["quotes"])


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b.jsonl").write_text(
        json.dumps({"id": "b1", "text": ARTICLE}) + "\n", encoding="utf-8"
    )
    (folder / "ignored.bin").write_bytes(b"\x00\x01")
    recs = run([str(folder)], tmp_path)
    assert [r["id"] for r in recs] == ["a", "b1"]


def test_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (json.dumps({"id": "s1", "text": ARTICLE}) + "\n").encode()
    fake = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    [rec] = run(["-"], tmp_path)
    assert rec["id"] == "s1" and len(rec["quotes"]) == 2


def test_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert main(["quotes", str(path)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == "a"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n  ", "empty"),
        ("binary.txt", b"\x00\x01\x02binary\x00" * 50, "binary"),
        ("latin1.txt", "Caf\u00e9 said \u00abhello\u00bb".encode("latin-1"), "UTF-8"),
        ("huge.txt", b"He said it was fine. " * 250_000, "too"),
    ],
    ids=["empty", "blank", "binary", "not-utf8", "5MB"],
)
def test_bad_file_gives_error_record(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    recs = run([str(bad), str(good)], tmp_path)
    assert len(recs) == 2
    assert set(recs[0]) == {"id", "error"} and message in recs[0]["error"]
    assert recs[1]["id"] == "good" and len(recs[1]["quotes"]) == 2


def test_unbalanced_quotes(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text(
        'Opening line.\n"We will never stop, said Jane Doe.\n\nThe "company said it would "appeal.'
        "\n\n”Backwards“ quotes, he said.",
        encoding="utf-8",
    )
    [rec] = run([str(path)], tmp_path)
    text = path.read_text(encoding="utf-8")
    for q in rec["quotes"]:
        assert text[q["start"] : q["end"]] == q["text"]


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "ok1", "text": ARTICLE}),
                "{not json",
                json.dumps(["a", "list"]),
                json.dumps({"id": "nt"}),
                json.dumps({"id": "num", "text": 42}),
                json.dumps({"id": "ok2", "text": ARTICLE}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    recs = run([str(path)], tmp_path)
    assert [r["id"] for r in recs] == ["ok1", "mixed:2", "mixed:3", "nt", "num", "ok2"]
    assert ["error" in r for r in recs] == [False, True, True, True, True, False]


def test_malformed_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        'id,text\nr1,"' + ARTICLE.replace('"', '""') + '"\nr2,a,b,c\nr3\n'
        'r4,"Jane Doe said it was fine."\n',
        encoding="utf-8",
    )
    recs = run([str(path)], tmp_path)
    assert [r["id"] for r in recs] == ["r1", "r2", "r3", "r4"]
    assert ["error" in r for r in recs] == [False, True, True, False]


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "nocol.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    [rec] = run([str(path)], tmp_path)
    assert "text" in rec["error"]


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    other = tmp_path / "notes.xyz"
    other.write_text("hello", encoding="utf-8")
    recs = run([str(tmp_path / "nope.txt"), str(other)], tmp_path)
    assert [set(r) for r in recs] == [{"id", "error"}, {"id", "error"}]


def test_evaluate_quotes_missing_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-quotes", "--data-dir", str(tmp_path / "absent")]) == 2
    assert "not found" in capsys.readouterr().err


def test_evaluate_quotes_bad_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-quotes", "--limit", "0"]) == 2


DATA = data_dir(required=False)


@pytest.mark.skipif(
    DATA is None
    or not (DATA / "nqs" / "dev.jsonl").exists()
    or not (DATA / "polnear" / "dev").is_dir(),
    reason="labelled data absent",
)
def test_evaluate_quotes_small_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "metrics.json"
    assert main(["evaluate-quotes", "--data", "both", "--limit", "2", "-o", str(out)]) == 0
    table = capsys.readouterr().out
    assert "polnear" in table and "nqs" in table
    results = json.loads(out.read_text())["results"]
    assert [r["data"] for r in results] == ["polnear", "nqs"]
    for r in results:
        assert r["articles"] == 2 and 0 <= r["overlap"]["f1"] <= 1
