"""Python API of quote extraction: extract_quotes, extract_many, extract_records, chunking."""

from __future__ import annotations

import pytest

import newsstance
from newsstance.inference import extraction
from newsstance.inference.extraction import QuoteExtractor, split_chunks
from newsstance.inference.quote import Quote
from newsstance.inference.records import Record

TEXT = '"We will appeal," said Jane Doe. The company said it would comply.'


def test_extract_quotes_with_extractor(quote_extractor: QuoteExtractor) -> None:
    quotes = newsstance.extract_quotes(TEXT, extractor=quote_extractor)
    assert all(isinstance(q, Quote) for q in quotes)
    assert [q.type for q in quotes] == ["direct", "indirect"]


def test_extract_quotes_default_is_cached(
    monkeypatch: pytest.MonkeyPatch, quote_extractor: QuoteExtractor
) -> None:
    monkeypatch.setattr(extraction, "_default", {"extractor": quote_extractor})
    assert extraction.default_extractor() is quote_extractor
    assert newsstance.extract_quotes(TEXT)[0].speaker == "Jane Doe"


def test_quote_schema(quote_extractor: QuoteExtractor) -> None:
    quote = quote_extractor.extract(TEXT)[0].to_dict()
    assert list(quote) == [
        "text",
        "start",
        "end",
        "type",
        "speaker",
        "speaker_start",
        "speaker_end",
        "speaker_name",
        "speaker_role",
        "organization",
    ]


def test_extract_many_keeps_order(quote_extractor: QuoteExtractor) -> None:
    texts = [TEXT, "Nothing here.", "", 'Tom Baker said: "Hello there, everyone."'] * 3
    results = list(quote_extractor.extract_many(texts, batch_size=2))
    assert len(results) == len(texts)
    assert [len(r) for r in results[:4]] == [2, 0, 0, 1]
    assert results[3][0].speaker == "Tom Baker"
    assert results[4:8] == results[:4]


def test_extract_records_errors_and_order(
    quote_extractor: QuoteExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = extraction.build_quotes

    def flaky(text, docs):
        if "EXPLODE" in text:
            raise RuntimeError("boom")
        return real(text, docs)

    monkeypatch.setattr(extraction, "build_quotes", flaky)
    records = [
        Record("a", TEXT),
        Record("b", error="empty text"),
        Record("c", 'He said "EXPLODE now please" loudly.'),
        Record("d", TEXT),
    ]
    out = list(quote_extractor.extract_records(records, batch_size=1))
    assert [o["id"] for o in out] == ["a", "b", "c", "d"]
    assert out[1] == {"id": "b", "error": "empty text"}
    assert "boom" in out[2]["error"] and set(out[2]) == {"id", "error"}
    assert len(out[0]["quotes"]) == 2 and out[3] == out[0] | {"id": "d"}


def test_extract_records_recovers_from_pipe_failure(
    quote_extractor: QuoteExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def __init__(self, nlp):
            self.nlp = nlp

        def pipe(self, *args, **kwargs):
            raise ValueError("pipe broke")

        def __call__(self, text):
            if "BAD" in text:
                raise ValueError("bad text")
            return self.nlp(text)

    extractor = QuoteExtractor(nlp=Broken(quote_extractor.nlp))
    records = [Record("a", TEXT), Record("b", "Jane said BAD things happened here.")]
    out = list(extractor.extract_records(records))
    assert [o["id"] for o in out] == ["a", "b"]
    assert len(out[0]["quotes"]) == 2 and "bad text" in out[1]["error"]


def test_split_chunks_prefilter_and_offsets() -> None:
    text = "Intro line.\n\nNothing to see. He said it was fine. More.\n“Quoted,” she added."
    chunks = split_chunks(text)
    assert all(text[o : o + len(c)] == c for o, c in chunks)
    assert [c for _, c in chunks] == ["He said it was fine.", "“Quoted,” she added."]
    assert len(split_chunks(text, prefilter=False)) == 3


def test_long_paragraph_is_cut() -> None:
    text = ("He said the word was fine. " * 2000).strip()
    chunks = split_chunks(text, max_chars=5000)
    assert all(len(c) <= 5000 for _, c in chunks)
    assert all(text[o : o + len(c)] == c for o, c in chunks)


def test_two_processes_same_results_in_order(quote_extractor: QuoteExtractor) -> None:
    records = [Record(str(i), t) for i, t in enumerate([TEXT, "Nothing.", TEXT] * 3)]
    records.insert(4, Record("bad", error="empty text"))
    serial = list(quote_extractor.extract_records(records, batch_size=4))
    parallel = list(quote_extractor.extract_records(records, batch_size=4, n_process=2))
    assert parallel == serial
    assert [r["id"] for r in parallel] == [r.id for r in records]
