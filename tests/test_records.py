"""Input readers: every input record gives exactly one Record, bad ones an error."""

from __future__ import annotations

import io
import json
import sys
from types import SimpleNamespace

import pytest

from newsstance.inference.records import MAX_CHARS, read_source, read_sources

ARTICLE = 'The company said it would appeal. "We disagree," a spokesperson said.'


def write(tmp_path, name, data):
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def test_txt_title_and_body(tmp_path):
    path = write(tmp_path, "a1.txt", f"A headline\n\n{ARTICLE}\n")
    [rec] = read_source(path)
    assert rec.ok and rec.id == "a1" and rec.title == "A headline"
    assert rec.text.startswith("The company said")


def test_txt_without_title(tmp_path):
    path = write(tmp_path, "a2.txt", ARTICLE)
    [rec] = read_source(path)
    assert rec.ok and rec.title is None and rec.text == ARTICLE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9 au lait said".encode("latin-1"), "UTF-8"),
        (b"x" * (MAX_CHARS + 10), "too long"),
    ],
    ids=["empty", "blank", "binary", "latin1", "huge"],
)
def test_bad_txt_gives_error_record(tmp_path, data, message):
    [rec] = read_source(write(tmp_path, "bad.txt", data))
    assert not rec.ok and message in rec.error and rec.id == "bad"


def test_jsonl_good_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "x1", "text": ARTICLE, "title": "T"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "x4"}),
        json.dumps({"id": "x5", "text": ""}),
        "",
        json.dumps({"text": ARTICLE, "date": "2020-01-01"}),
    ]
    recs = list(read_source(write(tmp_path, "batch.jsonl", "\n".join(lines))))
    assert [r.id for r in recs] == ["x1", "batch:2", "batch:3", "x4", "x5", "batch:7"]
    assert [r.ok for r in recs] == [True, False, False, False, False, True]
    assert "invalid JSON" in recs[1].error and "no 'text'" in recs[3].error
    assert recs[5].extra == {"date": "2020-01-01"}


def test_csv_good_and_malformed_rows(tmp_path):
    content = (
        "id,title,text\n"
        f'c1,Title,"{ARTICLE.replace(chr(34), chr(34) * 2)}"\n'
        "c2,too,many,cells\n"
        "c3,only-two\n"
        "c4,,Plain text said nobody.\n"
    )
    recs = list(read_source(write(tmp_path, "t.csv", content)))
    assert [r.id for r in recs] == ["c1", "c2", "c3", "c4"]
    assert [r.ok for r in recs] == [True, False, False, True]
    assert recs[0].text == ARTICLE and recs[3].title is None


def test_csv_without_text_column(tmp_path):
    [rec] = read_source(write(tmp_path, "n.csv", "id,body\n1,hello\n"))
    assert not rec.ok and "'text' column" in rec.error


def test_html_main_text(tmp_path):
    body = "".join(f"<p>{ARTICLE} Paragraph {i} has more words to count.</p>" for i in range(8))
    html = f"<html><head><title>Story</title></head><body><article>{body}</article></body></html>"
    [rec] = read_source(write(tmp_path, "page.html", html))
    assert rec.ok, rec.error
    assert "The company said it would appeal." in rec.text


def test_directory_and_unknown_suffix(tmp_path):
    write(tmp_path, "b.txt", ARTICLE)
    write(tmp_path, "a.jsonl", json.dumps({"id": "j", "text": ARTICLE}))
    write(tmp_path, "skip.bin", b"\x00\x01")
    recs = list(read_sources([tmp_path, tmp_path / "missing.txt", tmp_path / "skip.bin"]))
    assert [r.id for r in recs] == ["j", "b", "missing", "skip"]
    assert [r.ok for r in recs] == [True, True, False, False]


@pytest.mark.parametrize(("data", "fmt"), [(ARTICLE, "txt"),
                                           (json.dumps({"id": "s", "text": ARTICLE}), "jsonl")])
def test_stdin_is_sniffed(monkeypatch, data, fmt):
    stdin = SimpleNamespace(buffer=io.BytesIO(data.encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    [rec] = read_source("-")
    assert rec.ok and rec.text == ARTICLE
    assert rec.id == ("s" if fmt == "jsonl" else "stdin")
