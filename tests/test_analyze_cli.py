"""``newsstance analyze``: formats, bad records, --resume after a killed run."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from newsstance.cli import main
from newsstance.inference.analyze_cli import ARTICLE_COLUMNS, QUOTE_COLUMNS
from newsstance.inference.resume import prepare_resume

ARTICLE = (Path(__file__).resolve().parents[1] / "examples" / "article.txt").read_text(
    encoding="utf-8")


@pytest.fixture(autouse=True)
def _share_analyzer(monkeypatch, tiny_analyzer, analyzer_model_dir):
    """In-process runs reuse the session's analyzer (no spaCy reload per test)."""
    from newsstance.inference.analyzer import NewsAnalyzer

    real = NewsAnalyzer.from_pretrained.__func__

    def cached(cls, path=None, **kwargs):
        if path is not None and Path(path) == analyzer_model_dir and \
                kwargs.get("backend", "onnx") == "onnx":
            return tiny_analyzer
        return real(cls, path, **kwargs)

    monkeypatch.setattr(NewsAnalyzer, "from_pretrained", classmethod(cached))


def _inputs(folder: Path) -> Path:
    path = folder / "in.jsonl"
    lines = [json.dumps({"id": "a1", "text": ARTICLE}),
             json.dumps({"id": "a2", "text": "No quotes here at all.", "title": "A title"}),
             json.dumps({"id": "a3", "text": ARTICLE, "target": "the contract"}),
             json.dumps({"id": "empty", "text": ""}),
             "{broken json",
             json.dumps({"id": "a4", "text": "\"We love the plan,\" said Jane Doe."})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_output(tmp_path, analyzer_model_dir, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["analyze", str(_inputs(tmp_path)), "--model", str(analyzer_model_dir),
                 "-o", str(out), "--batch-size", "2"])
    assert code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "empty", "in:5", "a4"]
    assert ["error" in r for r in rows] == [False, False, False, True, True, False]
    assert rows[0]["target_source"] == "inferred" and rows[0]["quotes"]
    assert rows[1]["target_source"] == "title" and rows[1]["quotes"] == []
    assert rows[2]["target"] == "the contract" and rows[2]["target_source"] == "given"
    err = capsys.readouterr().err
    assert "6 article(s)" in err and "2 error(s)" in err


def test_target_option_and_stdout(tmp_path, analyzer_model_dir, capsys):
    code = main(["analyze", str(_inputs(tmp_path)), "--model", str(analyzer_model_dir),
                 "--target", "Nimbus"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 6
    assert [r.get("target") for r in rows] == ["Nimbus", "Nimbus", "the contract", None, None,
                                               "Nimbus"]


def test_csv_output(tmp_path, analyzer_model_dir):
    out = tmp_path / "out.csv"
    assert main(["analyze", str(_inputs(tmp_path)), "--model", str(analyzer_model_dir),
                 "--format", "csv", "-o", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = out.read_text().splitlines()[0].split(",")
    assert header[:len(ARTICLE_COLUMNS) + len(QUOTE_COLUMNS)] == ARTICLE_COLUMNS + QUOTE_COLUMNS
    assert header[-1] == "error" and "stance_favor" in header and "sentiment_negative" in header
    by_id = Counter(r["id"] for r in rows)
    assert by_id["a2"] == 1 and by_id["empty"] == 1 and by_id["in:5"] == 1
    assert by_id["a1"] >= 5 and by_id["a1"] == by_id["a3"]
    a1 = [r for r in rows if r["id"] == "a1"]
    assert [int(r["quote_index"]) for r in a1] == list(range(len(a1)))
    for r in a1:
        assert ARTICLE[int(r["start"]):int(r["end"])].split() == r["quote_text"].split()
        assert r["stance_label"] in {"favor", "against", "neutral"}
        assert -1 <= float(r["stance_score"]) <= 1 and -1 <= float(r["tone_score"]) <= 1
        assert r["error"] == ""
    assert next(r for r in rows if r["id"] == "empty")["error"] == "empty text"
    assert next(r for r in rows if r["id"] == "a2")["quote_text"] == ""


def test_usage_errors(tmp_path, analyzer_model_dir, capsys):
    inp = str(_inputs(tmp_path))
    assert main(["analyze", inp, "--model", str(analyzer_model_dir), "--resume"]) == 2
    assert "--resume needs an output file" in capsys.readouterr().err
    assert main(["analyze", inp, "--model", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["analyze", inp, "--model", str(analyzer_model_dir), "--batch-size", "0"]) == 2


def test_prepare_resume_trims_torn_tails(tmp_path):
    jl = tmp_path / "o.jsonl"
    jl.write_text('{"id": "a"}\n{"id": "b", "error": "x"}\n{"id": "c", "quo', encoding="utf-8")
    assert prepare_resume(jl, "jsonl") == {"a", "b"}
    assert jl.read_text() == '{"id": "a"}\n{"id": "b", "error": "x"}\n'
    jl.write_text('{"id": "a"}\nnot json\n{"id": "c"}\n', encoding="utf-8")
    assert prepare_resume(jl, "jsonl") == {"a"}
    assert jl.read_text() == '{"id": "a"}\n'
    cs = tmp_path / "o.csv"
    cs.write_text("id,x\na,1\na,2\nb,1\nc,1\nc,2\nc,", encoding="utf-8")
    assert prepare_resume(cs, "csv") == {"a", "b"}
    assert cs.read_text() == "id,x\na,1\na,2\nb,1\n"
    assert prepare_resume(tmp_path / "none.jsonl", "jsonl") == set()


def test_resume_in_process_csv(tmp_path, analyzer_model_dir):
    inp = str(_inputs(tmp_path))
    full, part = tmp_path / "full.csv", tmp_path / "part.csv"
    args = ["analyze", inp, "--model", str(analyzer_model_dir), "--format", "csv"]
    assert main([*args, "-o", str(full)]) == 0
    lines = full.read_text().splitlines(keepends=True)
    part.write_text("".join(lines[:4]) + lines[4][:7], encoding="utf-8")  # a torn row
    assert main([*args, "-o", str(part), "--resume"]) == 0
    assert Counter(full.read_text().splitlines()[1:]) == Counter(
        part.read_text().splitlines()[1:])
    assert part.read_text().count("id,target,") == 1


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.is_file():
            count = path.read_bytes().count(b"\n")
            if count >= n:
                return count
        time.sleep(0.02)
    return path.read_bytes().count(b"\n") if path.is_file() else 0


def _kill_9_after(cmd: list[str], env: dict[str, str], out: Path, lines: int,
                  before_kill: Callable[[subprocess.Popen], None] | None = None) -> int:
    """Run ``cmd``, ``kill -9`` it once ``out`` has ``lines`` lines; the lines written then."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        written = _wait_for_lines(out, lines, proc, timeout=120)
        if before_kill is not None:
            before_kill(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return written


def test_resume_after_kill_9(tmp_path, analyzer_model_dir):
    n = 150
    inp = tmp_path / "many.jsonl"
    with inp.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = ARTICLE if i % 3 else f"Item {i}. \"We support the plan,\" said Jane Doe."
            fh.write(json.dumps({"id": f"r{i:03d}", "text": text}) + "\n")
        fh.write(json.dumps({"id": "bad", "text": ""}) + "\n")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "newsstance", "analyze", str(inp), "--model",
           str(analyzer_model_dir), "-o", str(out), "--batch-size", "2", "--threads", "1"]
    env = {**os.environ, "TQDM_DISABLE": "1"}
    written = _kill_9_after(cmd, env, out, 10)
    assert 10 <= written < n + 1
    with out.open("ab") as fh:  # what a kill in the middle of a write leaves behind
        fh.write(b'{"id": "r149", "target": "torn')
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, env=env,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "skipped (already in output)" in resumed.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ids = Counter(r["id"] for r in rows)
    assert set(ids) == {f"r{i:03d}" for i in range(n)} | {"bad"}
    assert max(ids.values()) == 1
    assert [r["id"] for r in rows if "error" in r] == ["bad"]
    # the records are those of a run never killed: its batches differed, its results may not
    whole = tmp_path / "whole.jsonl"
    assert main(["analyze", str(inp), "--model", str(analyzer_model_dir), "-o", str(whole),
                 "--batch-size", "5"]) == 0
    by_id = {r["id"]: r for r in map(json.loads, whole.read_text(encoding="utf-8").splitlines())}
    assert {r["id"]: r for r in rows} == by_id


def test_csv_rows_flatten_newlines():
    from newsstance.inference.analyze_cli import ResultWriter

    buf = io.StringIO()
    labels = {"stance": ["favor", "against", "neutral"],
              "sentiment": ["positive", "negative", "neutral"]}
    writer = ResultWriter(buf, "csv", labels, header=False)
    writer.write({"id": "x\ny", "error": "bad\r\nthing"})
    assert buf.getvalue().count("\n") == 1


def test_estimate_records(tmp_path):
    from newsstance.inference.analyze_cli import estimate_records

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("x")
    (tmp_path / "d" / "b.html").write_text("<p>x</p>")
    (tmp_path / "d" / "skip.bin").write_text("x")
    (tmp_path / "c.csv").write_text('id,text\n1,"two\nlines"\n2,b\n')
    jl = _inputs(tmp_path)
    assert estimate_records([str(tmp_path / "d"), str(tmp_path / "c.csv"), str(jl)], None) == 10
    assert estimate_records(["-"], None) is None


def test_torch_backend(tmp_path, analyzer_model_dir, quote_extractor, monkeypatch):
    from newsstance.inference import extraction

    monkeypatch.setattr(extraction.QuoteExtractor, "load", classmethod(
        lambda cls, *a, **k: quote_extractor))
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(_inputs(tmp_path)), "--model", str(analyzer_model_dir),
                 "--backend", "torch", "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 6
    assert {r["model"]["backend"] for r in rows if "error" not in r} == {"torch"}


def _children_of(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (Linux ``/proc``)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
def test_kill_9_ends_the_workers_and_resume_completes(tmp_path, analyzer_model_dir):
    n = 80
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({"id": f"r{i:02d}", "text": ARTICLE if i % 3 else
                                          f"Item {i}. \"We back the plan,\" said Jane Doe."})
                              + "\n" for i in range(n)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "newsstance", "analyze", str(source), "--model",
           str(analyzer_model_dir), "-o", str(out), "--workers", "2"]
    env = {**os.environ, "TQDM_DISABLE": "1"}
    workers: set[int] = set()
    _kill_9_after(cmd, env, out, 5, lambda proc: workers.update(_children_of(proc.pid)))
    assert len(workers) >= 2  # the two workers (and multiprocessing's resource tracker)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers), "workers outlived their killed parent"
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, env=env,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in rows) == [f"r{i:02d}" for i in range(n)]
    whole = tmp_path / "whole.jsonl"
    assert main(["analyze", str(source), "--model", str(analyzer_model_dir), "-o",
                 str(whole)]) == 0
    assert {r["id"]: r for r in rows} == {
        r["id"]: r for r in map(json.loads, whole.read_text(encoding="utf-8").splitlines())}
