"""``newsstance baseline`` and ``newsstance evaluate`` end to end on tiny invented data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsstance.cli import main
from newsstance.datapaths import data_dir
from newsstance.training.evaluate import (
    DataSpec,
    format_table,
    parse_data_spec,
    subset_metrics,
)

WORDS = {"favor": "welcome support applaud", "against": "oppose condemn reject",
         "neutral": "review study consider", "positive": "great happy excellent",
         "negative": "awful sad terrible"}


def write_toy(path: Path) -> Path:
    """A schema JSONL with train and dev rows for both tasks (a ``split`` column)."""
    lines = []
    for split, n in (("train", 6), ("dev", 3)):
        for task, labels in (("stance", ("favor", "against", "neutral")),
                             ("sentiment", ("positive", "negative", "neutral"))):
            for label in labels:
                for i in range(n):
                    word = WORDS[label].split()[i % 3]
                    text = f"Day {i}. \"We {word} it,\" a manager said."
                    lines.append({"id": f"{split}-{task}-{label}-{i}", "group": f"{split}{i}",
                                  "task": task, "target": "the plan" if task == "stance" else "",
                                  "text": text, "quote_start": text.index("We"),
                                  "quote_end": text.index(" it") + 3,
                                  "speaker_role": "employee", "label": label, "split": split})
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data = write_toy(root / "toy.jsonl")
    cfg = root / "baseline.json"
    cfg.write_text(json.dumps({"sources": [{"name": str(data)}], "min_df": 1,
                               "max_features": 500, "exclude_nqs_dev_groups": False}))
    out = root / "model"
    assert main(["baseline", str(cfg), "-o", str(out)]) == 0
    return root, data, out


def test_baseline_command_writes_model(trained):
    _, _, out = trained
    for name in ("stance.skops", "sentiment.skops", "newsstance.json", "metrics.json",
                 "README.md", "eval/eval_toy_dev.json", "eval/confusion_toy_dev_stance.png"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["toy:dev"]["stance"]["macro_f1"] == pytest.approx(1.0)
    info = json.loads((out / "newsstance.json").read_text())
    assert {"source": "toy", "split": "train", "task": "stance", "n": 18} in [
        {**r, "source": Path(r["source"]).stem} for r in info["data"]["train"]]


def test_evaluate_command(trained, capsys):
    root, data, out = trained
    ev = root / "ev"
    code = main(["evaluate", str(out), "--data", str(data), "--data", f"{data}:train",
                 "-o", str(ev), "--no-plots"])
    assert code == 0
    table = capsys.readouterr().out
    assert "toy:dev" in table and "toy:train" in table and "sentiment" in table
    res = json.loads((ev / "eval_toy_dev.json").read_text())
    assert res["split"] == "dev" and res["model_kind"] == "baseline"
    assert set(res["tasks"]) == {"stance", "sentiment"}
    assert res["tasks"]["stance"]["n"] == 9 and "f_avg" in res["tasks"]["stance"]
    assert "f_avg" not in res["tasks"]["sentiment"]
    lo, hi = res["tasks"]["stance"]["macro_f1_ci95"]
    assert lo <= res["tasks"]["stance"]["macro_f1"] <= hi
    rows = [json.loads(line) for line in (ev / "predictions_toy_dev.jsonl").open()]
    assert len(rows) == 18 and {r["task"] for r in rows} == {"stance", "sentiment"}
    assert set(rows[0]) == {"task", "id", "group", "gold", "pred"}
    assert "95% interval" in table


def test_compare_evals(trained, capsys):
    root, data, out = trained
    first, second = root / "cmp_a", root / "cmp_b"
    for ev in (first, second):
        assert main(["evaluate", str(out), "--data", str(data), "-o", str(ev), "--no-plots"]) == 0
    # b scores worse than a on stance: its predictions are rotated
    path = second / "predictions_toy_dev.jsonl"
    rows = [json.loads(line) for line in path.open()]
    labels = ["favor", "against", "neutral"]
    for r in rows:
        if r["task"] == "stance":
            r["pred"] = labels[(labels.index(r["gold"]) + 1) % 3]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    capsys.readouterr()
    assert main(["compare-evals", str(first), str(second), "--resamples", "200"]) == 0
    lines = {line.split()[1]: line.split() for line in capsys.readouterr().out.splitlines()
             if line.startswith("toy:dev")}
    assert lines["stance"][3:6] == ["1.000", "0.000", "-1.000"] and lines["stance"][-1] == "1.000"
    assert lines["sentiment"][5] == "+0.000"


def test_compare_evals_without_predictions(tmp_path, capsys):
    assert main(["compare-evals", str(tmp_path), str(tmp_path)]) == 2
    assert "run `newsstance evaluate` first" in capsys.readouterr().err
    (tmp_path / "predictions_x_dev.jsonl").write_text('{"task": "stance", "id": "1"}\n')
    assert main(["compare-evals", str(tmp_path), str(tmp_path)]) == 2
    assert "predictions_x_dev.jsonl:1: not a prediction row" in capsys.readouterr().err


def test_evaluate_one_task_default_output(trained):
    _, data, out = trained
    assert main(["evaluate", str(out), "--data", f"{data}:dev", "--task", "stance",
                 "--max-samples", "4"]) == 0
    res = json.loads((out / "eval" / "eval_toy_dev.json").read_text())
    assert list(res["tasks"]) == ["stance"] and res["tasks"]["stance"]["n"] == 4
    assert (out / "eval" / "confusion_toy_dev_stance.png").is_file()


@pytest.mark.parametrize("argv_tail, message", [
    (["--data", "no_such_source"], "unknown data source"),
    (["--data", "{data}:test"], "no 'test' split"),
    (["--data", "missing.jsonl"], "no such file"),
])
def test_evaluate_data_errors(trained, capsys, argv_tail, message):
    _, data, out = trained
    argv = ["evaluate", str(out), *[a.format(data=data) for a in argv_tail]]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_evaluate_not_a_model_dir(trained, tmp_path, capsys):
    _, data, _ = trained
    assert main(["evaluate", str(tmp_path), "--data", str(data)]) == 2
    assert "not a model directory" in capsys.readouterr().err


def test_baseline_config_errors(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"sources": ["nqs"], "C": -1}))
    assert main(["baseline", str(bad), "-o", str(tmp_path / "m")]) == 2
    assert "C must be a positive number" in capsys.readouterr().err
    assert main(["baseline", str(tmp_path / "none.json")]) == 2
    assert "no such config file" in capsys.readouterr().err


def test_parse_data_spec():
    assert parse_data_spec("nqs") == DataSpec("nqs", None)
    assert parse_data_spec("fnc1:train") == DataSpec("fnc1", "train")
    spec = parse_data_spec("dir/my data.jsonl:dev")
    assert spec.split == "dev" and spec.is_path and spec.name == "my-data"


def test_zero_shot_subsets_and_table():
    ids = ["v-1-zs", "v-2-zs", "v-3-fs", "v-4-fs"]
    gold = ["favor", "against", "favor", "neutral"]
    pred = ["favor", "favor", "favor", "neutral"]
    subs = subset_metrics(ids, gold, pred, task="stance", source="vast",
                          labels=["favor", "against", "neutral"])
    assert subs["zero_shot"]["n"] == 2 and subs["zero_shot"]["accuracy"] == 0.5
    assert subs["few_shot"]["accuracy"] == 1.0
    assert subset_metrics(["a", "b"], gold[:2], pred[:2], task="stance", source="x",
                          labels=["favor", "against"]) == {}
    table = format_table([("vast:dev", "stance", {"n": 4, "macro_f1": 0.5, "accuracy": 0.75,
                                                  "f_avg": 0.5, "subsets": subs})])
    assert "[zero_shot]" in table and "[few_shot]" in table


def test_nqs_subsets_by_article_origin():
    labels = ["favor", "against", "neutral"]
    groups = ["fnc1-train-1", "fnc1-train-1", "fnc1-train-2", "syn-a-01", "syn-a-01", "syn-b-02"]
    ids = [f"{g}-q{i}-stance" for i, g in enumerate(groups)]
    gold = ["favor", "against", "neutral", "favor", "against", "neutral"]
    pred = ["favor", "against", "neutral", "against", "against", "favor"]
    subs = subset_metrics(ids, gold, pred, task="stance", source="nqs_articles", labels=labels,
                          groups=groups)
    assert set(subs) == {"fnc1_articles", "synthetic_articles"}  # no polnear article here
    assert subs["fnc1_articles"]["n"] == 3 and subs["fnc1_articles"]["accuracy"] == 1.0
    assert subs["synthetic_articles"]["n"] == 3
    assert subs["synthetic_articles"]["accuracy"] == pytest.approx(1 / 3)
    low, high = subs["synthetic_articles"]["macro_f1_ci95"]
    assert 0.0 <= low <= subs["synthetic_articles"]["macro_f1"] <= high <= 1.0
    # other sources' groups are not split by prefix, and a subset must be a proper part
    assert subset_metrics(ids, gold, pred, task="stance", source="fnc1", labels=labels,
                          groups=groups) == {}
    assert subset_metrics(ids[:3], gold[:3], pred[:3], task="stance", source="nqs",
                          labels=labels, groups=groups[:3]) == {}


def test_cli_import_is_light():
    code = ("import sys, newsstance.training.evaluate_cli; "
            "heavy = [m for m in ('sklearn', 'torch', 'datasets', 'matplotlib') "
            "if m in sys.modules]; assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
@pytest.mark.skipif(data_dir(required=False) is None, reason="needs /work/shared/data")
def test_real_nqs_baseline(tmp_path, capsys):
    cfg = tmp_path / "nqs.json"
    cfg.write_text(json.dumps({"sources": ["nqs"], "max_features": 20000}))
    out = tmp_path / "m"
    assert main(["baseline", str(cfg), "-o", str(out), "--max-train-samples", "3000"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())["nqs:dev"]
    assert metrics["stance"]["n"] == 527 and metrics["stance"]["macro_f1"] > 0.4
    assert main(["evaluate", str(out), "--data", "semeval2016_task6", "--no-plots"]) == 0
    assert "semeval2016_task6:dev" in capsys.readouterr().out


def test_evaluate_transformer_dir(tiny_bert_dir, tmp_path):
    torch = pytest.importorskip("torch")
    from transformers import AutoModel, AutoTokenizer

    from newsstance.inference.encoding import EncodingSettings
    from newsstance.inference.modeling import MultiTaskQuoteModel, save_model_dir

    labels = {"stance": ["favor", "against", "neutral"],
              "sentiment": ["positive", "negative", "neutral"]}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = MultiTaskQuoteModel(AutoModel.from_pretrained(tiny_bert_dir), labels)
    save_model_dir(model, AutoTokenizer.from_pretrained(tiny_bert_dir), tmp_path / "tf",
                   EncodingSettings(max_length=32, stride=8, context_chars=100))
    data = write_toy(tmp_path / "toy.jsonl")
    assert main(["evaluate", str(tmp_path / "tf"), "--data", f"{data}:dev", "--batch-size", "4",
                 "--no-plots"]) == 0
    res = json.loads((tmp_path / "tf" / "eval" / "eval_toy_dev.json").read_text())
    assert res["model_kind"] == "transformer"
    assert res["tasks"]["stance"]["n"] == 9 and res["tasks"]["sentiment"]["n"] == 9
