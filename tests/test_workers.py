"""``analyze_many(workers=N)`` and ``analyze --workers N``: spawned whole-pipeline processes."""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import signal
from pathlib import Path

import pytest

from newsstance.cli import main
from newsstance.inference.analyzer import NewsAnalyzer

ARTICLE = (Path(__file__).resolve().parents[1] / "examples" / "article.txt").read_text(
    encoding="utf-8")


def _records(n: int) -> list:
    """``n`` records: articles, short texts and one that cannot be read, in a fixed order."""
    out: list = []
    for i in range(n):
        if i % 5 == 3:
            out.append({"id": f"bad{i}", "text": "  "})
        elif i % 2:
            out.append(f"Item {i}. \"We will fight it,\" said Jane Doe, a union leader.")
        else:
            out.append({"id": f"a{i}", "text": ARTICLE[: 600 + 150 * i], "title": "Cloud deal"})
    return out


def test_workers_give_the_same_results_in_order(tiny_analyzer):
    records = _records(11)
    one = [r.to_dict() for r in tiny_analyzer.analyze_many(records, batch_size=4)]
    two = [r.to_dict() for r in tiny_analyzer.analyze_many(records, batch_size=4, workers=2)]
    assert [r["id"] for r in two] == [r["id"] for r in one]
    assert "error" in two[3] and "error" not in two[0]
    assert any(r.get("quotes") for r in two)
    assert two == one  # int8 windows run alone: the same labels and probabilities anywhere


def test_stopping_early_ends_the_workers_and_reads_a_bounded_stream(tiny_analyzer):
    read = [0]

    def endless():
        while True:
            read[0] += 1
            yield f"Story {read[0]}. \"We back it,\" said Jane Doe."

    results = tiny_analyzer.analyze_many(endless(), batch_size=4, workers=2)
    assert next(results).ok
    results.close()
    assert read[0] <= 4 * (2 * 2 + 1)  # chunks of 4 articles, at most 5 in flight
    assert not mp.active_children()


def test_a_killed_worker_loses_no_record(tiny_analyzer, caplog):
    records = _records(40)
    expected = [r.to_dict() for r in tiny_analyzer.analyze_many(records, batch_size=4)]
    results = tiny_analyzer.analyze_many(records, batch_size=4, workers=2)
    got = [next(results).to_dict()]
    children = mp.active_children()
    assert children
    for child in children:
        os.kill(child.pid, signal.SIGKILL)
    with caplog.at_level(logging.ERROR, logger="newsstance.inference.workers"):
        got += [r.to_dict() for r in results]
    assert got == expected  # every record exactly once, in order
    assert "a worker process died" in caplog.text


def test_workers_need_an_analyzer_they_can_load_again(tiny_analyzer):
    built = NewsAnalyzer(extractor=tiny_analyzer.extractor, classifier=tiny_analyzer.classifier)
    with pytest.raises(ValueError, match="from_pretrained"):
        list(built.analyze_many(["\"Yes,\" she said."], workers=2))
    with pytest.raises(ValueError, match="not both"):
        list(tiny_analyzer.analyze_many(["x"], workers=2, n_process=2))
    with pytest.raises(ValueError, match=">= 1"):
        list(tiny_analyzer.analyze_many(["x"], workers=0))


def test_cli_workers_write_what_one_process_writes(tmp_path, shared_analyzer, capsys):
    analyzer_model_dir = shared_analyzer
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(r if isinstance(r, dict) else {"id": f"t{i}", "text": r})
             for i, r in enumerate(_records(9))]
    source.write_text("\n".join(lines + ["{broken json"]) + "\n", encoding="utf-8")
    outputs = []
    for extra in ([], ["--workers", "2"]):
        out = tmp_path / f"out{len(extra)}.jsonl"
        assert main(["analyze", str(source), "--model", str(analyzer_model_dir), "-o", str(out),
                     *extra]) == 0
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert len(outputs[1].splitlines()) == 10
    capsys.readouterr()
    for bad in (["--workers", "0"], ["--workers", "2", "--n-process", "2"]):
        assert main(["analyze", str(source), "--model", str(analyzer_model_dir), *bad]) != 0
        assert "--workers" in capsys.readouterr().err


def test_deferred_extractor_checks_a_tagger_now_and_loads_on_first_use(tmp_path,
                                                                        quote_extractor):
    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.quotes.tagger import TaggerError

    with pytest.raises(TaggerError, match="not a tagger directory"):
        QuoteExtractor.deferred(tagger=tmp_path)
    lazy = QuoteExtractor.deferred()
    assert lazy._loaded is None and lazy.load_args == quote_extractor.load_args
    text = "\"We will appeal,\" said Jane Doe, a Google engineer."
    assert [q.to_dict() for q in lazy.extract(text)] == [
        q.to_dict() for q in quote_extractor.extract(text)]
    assert lazy._loaded is not None


def test_cli_workers_refuse_a_bad_tagger_before_starting(tmp_path, capsys):
    source = tmp_path / "in.txt"
    source.write_text("\"Yes,\" she said.\n", encoding="utf-8")
    code = main(["analyze", str(source), "--workers", "2", "--tagger", str(tmp_path)])
    assert code != 0
    assert "not a tagger directory" in capsys.readouterr().err
    assert not mp.active_children()
