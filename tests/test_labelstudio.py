"""Label Studio round trip: ``export-labelstudio`` tasks and config, ``import-labelstudio`` rows."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsstance.cli import main
from newsstance.inference.labelstudio import CHOICES, quote_task
from newsstance.inference.quote import SPEAKER_ROLES, Quote

ARTICLES = {
    "a1": ("Nimbus Cloud said on Tuesday that it would keep its contract with the agency.\n\n"
           "\"We are proud to support the agency's mission,\" a Nimbus Cloud spokesperson said. "
           "\"This contract keeps critical services running.\"\n\n"
           "\"I'll seriously consider leaving if this goes through,\" said Priya Raman, a Nimbus "
           "Cloud engineer."),
    "a2": ("The city council approved the new parking plan on Monday.\n\n"
           "\"This is a terrible decision for small shops,\" said John Smith, who owns a bakery "
           "on Main Street.\n\n"
           "Mayor Jane Doe said the plan would cut traffic downtown. \"We welcome the change,\" "
           "she added."),
}
TARGETS = {"a1": "Nimbus Cloud's contract with the agency", "a2": "the parking plan"}


@pytest.fixture(autouse=True)
def _shared_models(shared_analyzer):
    """CLI runs reuse the session's spaCy pipeline and tiny analyzer (no reloads)."""


def _write_inputs(folder: Path, bad: bool = True) -> Path:
    path = folder / "articles.jsonl"
    lines = [json.dumps({"id": i, "text": t, "target": TARGETS[i]}) for i, t in ARTICLES.items()]
    if bad:
        lines.insert(1, json.dumps({"id": "empty", "text": ""}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _export(tmp_path: Path, *extra: str) -> list[dict]:
    out = tmp_path / "ls" / "tasks.json"
    assert main(["export-labelstudio", str(_write_inputs(tmp_path)), "-o", str(out),
                 *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _strip_markers(context: str) -> str:
    return context.replace("« ", "", 1).replace(" »", "", 1)


# -- export ------------------------------------------------------------------------------------

def test_label_config_parses_and_names_what_import_reads():
    from newsstance.inference.labelstudio import label_config
    from newsstance.training.data.schema import LABELS

    root = ET.fromstring(label_config())
    texts = {t.get("name"): t.get("value") for t in root.iter("Text")}
    assert texts["context"] == "$context" and texts["target"] == "$target"
    found = {c.get("name"): tuple(x.get("value") for x in c.iter("Choice"))
             for c in root.iter("Choices")}
    assert found == CHOICES
    assert found["stance"] == LABELS["stance"] and found["sentiment"] == LABELS["sentiment"]
    assert found["speaker_role"] == SPEAKER_ROLES
    assert {"not a quote", "wrong speaker"} == set(found["flag"])
    assert all(c.get("toName") in texts for c in root.iter("Choices"))
    assert [a.get("name") for a in root.iter("TextArea")] == ["note"]


def test_export_without_predictions(tmp_path, monkeypatch, capsys):
    from newsstance.inference.analyzer import NewsAnalyzer

    def no_model(*args, **kwargs):
        raise AssertionError("--no-predictions must not load a model")

    monkeypatch.setattr(NewsAnalyzer, "from_pretrained", no_model)
    tasks = _export(tmp_path, "--no-predictions", "--context-chars", "80")
    err = capsys.readouterr().err
    assert "article empty: error: empty text" in err and "1 error(s)" in err
    assert {t["data"]["article_id"] for t in tasks} == {"a1", "a2"}
    assert len(tasks) >= 4
    for task in tasks:
        assert set(task) == {"data"}
        d = task["data"]
        text = ARTICLES[d["article_id"]]
        assert d["target"] == TARGETS[d["article_id"]] and d["target_source"] == "given"
        assert text[d["start"]:d["end"]] == d["quote"]
        assert d["window"] == text[d["window_start"]:d["window_start"] + len(d["window"])]
        assert d["window"][d["start"] - d["window_start"]:d["end"] - d["window_start"]] == \
            d["quote"]
        assert f"« {d['quote']} »" in d["context"]
        assert _strip_markers(d["context"]) == d["window"]
        assert len(d["window"]) <= len(d["quote"]) + 80
        if d["speaker_start"] is not None:
            assert text[d["speaker_start"]:d["speaker_end"]] == d["speaker"]
        assert d["speaker_role"] in SPEAKER_ROLES
    priya = [t["data"] for t in tasks if t["data"]["speaker_name"] == "Priya Raman"]
    assert priya and priya[0]["quote"].startswith("I'll seriously consider leaving")
    assert priya[0]["speaker_role"] == "employee"
    config = tmp_path / "ls" / "tasks.label_config.xml"
    assert ET.fromstring(config.read_text(encoding="utf-8")).tag == "View"


def test_export_with_model_predictions(tmp_path, analyzer_model_dir, tiny_analyzer):
    cfg = tmp_path / "elsewhere" / "config.xml"
    tasks = _export(tmp_path, "--model", str(analyzer_model_dir), "--config-out", str(cfg))
    assert cfg.is_file() and not (tmp_path / "ls" / "tasks.label_config.xml").exists()
    from newsstance.inference.records import read_sources

    records = list(read_sources([str(tmp_path / "articles.jsonl")]))  # scored as one batch
    expected = {r.id: r for r in tiny_analyzer.analyze_many(records, batch_size=len(records))
                if r.ok}
    assert len(tasks) == sum(len(r.quotes) for r in expected.values())
    context = tiny_analyzer.classifier.settings.context_chars
    for task in tasks:
        d = task["data"]
        assert len(d["window"]) <= len(d["quote"]) + context
        q = expected[d["article_id"]].quotes[d["quote_index"]]
        assert (q.quote.start, q.quote.end) == (d["start"], d["end"])
        [pred] = task["predictions"]
        assert pred["model_version"] == "tiny-news"
        by_name = {r["from_name"]: r for r in pred["result"]}
        assert set(by_name) == {"stance", "sentiment", "speaker_role"}
        for name, r in by_name.items():
            assert r["to_name"] == "context" and r["type"] == "choices"
            [value] = r["value"]["choices"]
            assert value in CHOICES[name]
        assert by_name["stance"]["value"]["choices"] == [q.stance.label]
        assert by_name["stance"]["score"] == pytest.approx(q.stance.probs[q.stance.label])
        assert by_name["sentiment"]["value"]["choices"] == [q.sentiment.label]
        assert pred["score"] == pytest.approx(min(by_name["stance"]["score"],
                                                  by_name["sentiment"]["score"]))


# -- import ------------------------------------------------------------------------------------

TEXT = ("The mayor spoke on Monday. \"We welcome the plan,\" said Jane Doe, the mayor. "
        "Shops disagreed.")


def _quote() -> Quote:
    start = TEXT.index("We welcome")
    return Quote(text="We welcome the plan,", start=start, end=start + 20, speaker="Jane Doe",
                 speaker_start=TEXT.index("Jane"), speaker_end=TEXT.index("Jane") + 8,
                 speaker_name="Jane Doe", speaker_role="official")


def _data() -> dict:
    return quote_task("art1", TEXT, "the plan", _quote(), 0, context_chars=60)["data"]


def _ann(created: str, stance=None, sentiment=None, role=None, flags=(), note=None,
         cancelled=False) -> dict:
    result = [{"from_name": name, "to_name": "context", "type": "choices",
               "value": {"choices": [value]}}
              for name, value in (("stance", stance), ("sentiment", sentiment),
                                  ("speaker_role", role)) if value]
    if flags:
        result.append({"from_name": "flag", "to_name": "context", "type": "choices",
                       "value": {"choices": list(flags)}})
    if note:
        result.append({"from_name": "note", "to_name": "context", "type": "textarea",
                       "value": {"text": [note]}})
    return {"id": created, "result": result, "was_cancelled": cancelled,
            "created_at": created, "updated_at": created}


def _export_file(tmp_path: Path) -> Path:
    data = _data()
    other = {**data, "article_id": "art2"}
    shifted = {**data, "article_id": "art3", "start": data["start"] + 1}
    tasks = [
        {"id": 1, "data": data, "annotations": [
            _ann("2024-01-02T10:00:00Z", "favor", "positive"),
            _ann("2024-01-03T10:00:00Z", "against", "negative", role="advocate",
                 note="sarcastic?"),
            _ann("2024-01-04T10:00:00Z", "neutral", "neutral", cancelled=True)]},
        {"id": 2, "data": {**data, "article_id": "art4"},
         "annotations": [_ann("2024-01-02T10:00:00Z", "favor", flags=["not a quote"])]},
        {"id": 3, "data": {**data, "article_id": "art5"}, "annotations": []},
        {"id": 4, "data": shifted, "annotations": [_ann("2024-01-02T10:00:00Z", "favor")]},
        {"id": 5, "data": {**data, "article_id": "art6"},
         "annotations": [_ann("2024-01-02T10:00:00Z", "maybe")]},
        {"id": 6, "data": other,
         "annotations": [_ann("2024-01-02T10:00:00Z", "favor", flags=["wrong speaker"])]},
        "not a task",
        {"id": 8, "data": {**data, "article_id": "art7"},
         "annotations": [_ann("2024-01-02T10:00:00Z", cancelled=True, stance="favor")]},
        {"id": 9, "data": dict(data), "annotations": [_ann("2024-01-05T10:00:00Z", "favor")]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def test_import_rows_exactly(tmp_path, capsys):
    from newsstance.training.data import check_dataset, from_file

    out = tmp_path / "data" / "mine.jsonl"
    assert main(["import-labelstudio", str(_export_file(tmp_path)), "-o", str(out),
                 "--source", "my_labels"]) == 0
    err = capsys.readouterr().err
    d = _data()
    window, ws = d["window"], d["window_start"]
    qs, qe = d["start"] - ws, d["end"] - ws
    ss, se = d["speaker_start"] - ws, d["speaker_end"] - ws
    assert window[qs:qe] == "We welcome the plan," and window[ss:se] == "Jane Doe"
    base = {"group": "art1", "source": "my_labels", "target": "the plan", "text": window,
            "quote_start": qs, "quote_end": qe, "speaker_start": ss, "speaker_end": se,
            "target_start": -1, "target_end": -1, "speaker": "Jane Doe",
            "speaker_role": "advocate", "text_quotes": "", "split": "train"}
    span = f"q{d['start']}-{d['end']}"
    expected = [
        {**base, "id": f"art1-{span}-stance", "task": "stance", "label": "against"},
        {**base, "id": f"art1-{span}-sentiment", "task": "sentiment", "label": "negative"},
        {**base, "id": f"art2-{span}-stance", "group": "art2", "task": "stance",
         "label": "favor", "speaker": "", "speaker_role": "", "speaker_start": -1,
         "speaker_end": -1},
    ]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == expected
    ds = from_file(out)
    check_dataset(ds)
    assert list(ds) == ["train"] and ds["train"]["id"] == [r["id"] for r in expected]
    assert "task 3 (id 4): quote offsets" in err
    assert "task 4 (id 5): stance: unknown choice 'maybe'" in err
    assert "task 6: expected a task object, got str" in err
    for line in ("9 task(s) read, 3 row(s) written (train 3)",
                 "stance: 2 (favor 1, against 1, neutral 0)",
                 "sentiment: 1 (positive 0, negative 1, neutral 0)",
                 "skipped 1: flagged 'not a quote'", "skipped 1: no annotation",
                 "skipped 1: only cancelled annotations", "skipped 1: duplicate quote",
                 "malformed 3", "1 annotation(s) have a note"):
        assert line in err, line


def test_import_errors(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["import-labelstudio", str(bad), "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    assert main(["import-labelstudio", str(empty), "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "no annotated quotes" in capsys.readouterr().err
    assert main(["import-labelstudio", str(empty), "-o", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.jsonl").exists()


# -- round trip --------------------------------------------------------------------------------

def test_round_trip_export_label_import_train(tmp_path, analyzer_model_dir, tiny_bert_dir,
                                              capsys):
    from train_fixtures import tiny_config

    from newsstance.training.config import TrainConfig
    from newsstance.training.trainer import train

    tasks = _export(tmp_path, "--model", str(analyzer_model_dir))
    stances, sentiments = CHOICES["stance"], CHOICES["sentiment"]
    for i, task in enumerate(tasks):  # the "annotator": a fixed pattern of labels
        task["id"] = i + 1
        task["annotations"] = [_ann("2024-02-01T00:00:00Z", stances[i % 3],
                                    sentiments[(i + 1) % 3])]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    data = tmp_path / "labels.jsonl"
    assert main(["import-labelstudio", str(export), "-o", str(data),
                 "--dev-fraction", "0.5"]) == 0
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 * len(tasks)
    assert {r["split"] for r in rows} == {"train", "dev"}
    for r in rows:  # the split is by article
        assert r["split"] == rows[0]["split"] or r["group"] != rows[0]["group"]
    for r, task in zip(rows[::2], tasks, strict=True):
        assert r["label"] == task["annotations"][0]["result"][0]["value"]["choices"][0]
        assert r["text"][r["quote_start"]:r["quote_end"]] == task["data"]["quote"]
    config = TrainConfig.from_dict(tiny_config(data, tiny_bert_dir, tmp_path / "model",
                                               epochs=1))
    result = train(config, progress=False)
    assert (result.output_dir / "model.safetensors").is_file()
    n_dev = sum(r["split"] == "dev" for r in rows) // 2
    assert result.dev["labels"]["stance"]["n"] == n_dev


def test_speaker_mention_cut_by_the_window_keeps_the_name_only():
    from newsstance.training.data.labelstudio import task_rows

    data = quote_task("art1", TEXT, "the plan", _quote(), 0, context_chars=30)["data"]
    assert "Jane Doe" not in data["window"]
    task = {"data": data, "annotations": [_ann("2024-01-01T00:00:00Z", sentiment="positive")]}
    rows, skip, note = task_rows(task)
    assert skip is None and note == "" and len(rows) == 1
    [row] = rows
    assert (row["task"], row["label"], row["speaker"]) == ("sentiment", "positive", "Jane Doe")
    assert (row["speaker_start"], row["speaker_end"]) == (-1, -1)
