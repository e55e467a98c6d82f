"""End-to-end training on a tiny random BERT and a synthetic fixture source (no downloads)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from train_fixtures import quote_rows, tiny_config, write_fixture_source

from newsstance.inference.classifier import QuoteClassifier
from newsstance.inference.encoding import EncodingSettings
from newsstance.inference.modeling import sha256_file
from newsstance.training import trainer
from newsstance.training.config import TrainConfig
from newsstance.training.train_data import load_run_data, merge_rows
from newsstance.training.trainer import make_batches, train


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return write_fixture_source(tmp_path_factory.mktemp("data") / "quotes")


@pytest.fixture(scope="module")
def trained(source, tiny_bert_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "model"
    config = TrainConfig.from_dict(tiny_config(source, tiny_bert_dir, out))
    return config, train(config, command="newsstance train tiny.json", progress=False)


def test_train_save_load_predict(trained):
    config, result = trained
    out = result.output_dir
    for name in ("model.safetensors", "config.json", "newsstance.json", "metrics.json",
                 "README.md", "train_config.json", "checkpoints/last/optimizer.safetensors",
                 "checkpoints/last/trainer_state.json"):
        assert (out / name).is_file(), name
    info = json.loads((out / "newsstance.json").read_text())
    assert info["weights_sha256"] == sha256_file(out / "model.safetensors")
    assert info["kind"] == "transformer" and "torch" in info["versions"]
    assert info["data"]["sources"]["quotes"]["train_inputs"] == 60  # stance+sentiment merged
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["history"]) == 2 and metrics["best_epoch"] in (1, 2)
    assert set(metrics["dev"]["quotes"]) == {"stance", "sentiment"}
    assert metrics["dev"]["quotes"]["stance"]["n"] == 24
    card = (out / "README.md").read_text()
    assert "newsstance train tiny.json" in card and "| quotes | stance |" in card
    clf = QuoteClassifier.from_pretrained(out)
    examples = quote_rows(5, 3, "x")
    probs = clf.predict_proba(examples, "stance")
    assert probs.shape == (10, 3)
    assert set(clf.predict(examples, "sentiment")) <= {"positive", "negative", "neutral"}
    # the saved model reproduces the dev figures of the chosen epoch
    best = metrics["history"][metrics["best_epoch"] - 1]
    assert best["dev"] == metrics["dev"]


def test_focus_pooling_trains_saves_and_reloads(source, tiny_bert_dir, tmp_path):
    config = TrainConfig.from_dict({**tiny_config(source, tiny_bert_dir, tmp_path / "focus"),
                                    "pooling": "mean+focus", "epochs": 1})
    result = train(config, progress=False)
    saved = json.loads((result.output_dir / "config.json").read_text())
    assert saved["newsstance"]["pooling"] == "mean+focus"
    assert "focus-pooled" in (result.output_dir / "README.md").read_text()
    clf = QuoteClassifier.from_pretrained(result.output_dir)
    assert clf.model.pooling == "mean+focus"
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert metrics["dev"] == result.dev
    assert clf.predict_proba(quote_rows(3, 2, "y"), "stance").shape == (6, 3)


def test_article_format_trains_saves_and_reloads(source, tiny_bert_dir, tmp_path):
    config = TrainConfig.from_dict({**tiny_config(source, tiny_bert_dir, tmp_path / "article"),
                                    "pooling": "mean+focus", "input_format": "article",
                                    "epochs": 1})
    result = train(config, progress=False)
    saved = json.loads((result.output_dir / "config.json").read_text())
    assert saved["newsstance"]["encoding"]["input_format"] == "article"
    clf = QuoteClassifier.from_pretrained(result.output_dir)
    assert clf.settings.input_format == "article"
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert metrics["dev"] == result.dev, "the saved model reproduces its dev figures"
    assert clf.predict_proba(quote_rows(3, 2, "y"), "stance").shape == (6, 3)


def test_same_seed_same_metrics(trained, source, tiny_bert_dir, tmp_path):
    config, result = trained
    steps: list[tuple[int, float]] = []
    again = train(config.replace(output_dir=str(tmp_path / "again")), progress=False,
                  on_step=lambda step, loss: steps.append((step, loss)))
    assert again.history[-1]["dev"] == result.history[-1]["dev"]
    # on_step saw every optimizer step, in order, with the losses each epoch's mean is made of
    assert [s for s, _ in steps] == list(range(1, sum(h["steps"] for h in again.history) + 1))
    first = again.history[0]["steps"]
    assert sum(loss for _, loss in steps[:first]) / first == pytest.approx(
        again.history[0]["train_loss"])
    assert [h["train_loss"] for h in again.history] == [h["train_loss"] for h in result.history]
    assert sha256_file(again.output_dir / "model.safetensors") == sha256_file(
        result.output_dir / "model.safetensors")


def test_killed_run_resumes_to_the_same_result(trained, monkeypatch, tmp_path):
    config, result = trained
    config = config.replace(output_dir=str(tmp_path / "resumed"))
    calls = []

    def dies_in_epoch_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return make_batches(*args, **kwargs)

    monkeypatch.setattr(trainer, "make_batches", dies_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        train(config, progress=False)
    monkeypatch.setattr(trainer, "make_batches", make_batches)
    resumed = train(config, resume=True, progress=False)
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"]
                                                         for h in result.history]
    assert resumed.history[-1]["dev"] == result.history[-1]["dev"]


def test_time_budget_stops_and_saves(source, tiny_bert_dir, tmp_path):
    config = TrainConfig.from_dict(tiny_config(source, tiny_bert_dir, tmp_path / "m",
                                               time_budget_minutes=1e-6, epochs=3))
    result = train(config, progress=False)
    assert result.stopped_early and len(result.history) == 1
    assert "hit its time budget" in (result.output_dir / "README.md").read_text()
    assert QuoteClassifier.from_pretrained(result.output_dir).labels["stance"][0] == "favor"


def test_merge_rows_pairs_stance_and_sentiment():
    rows = quote_rows(4, 0, "t")
    merged = merge_rows(rows, EncodingSettings(), "fixture")
    assert len(merged) == 4 and all(set(m.labels) == {"stance", "sentiment"} for m in merged)


def test_batches_cover_every_input_once():
    import random

    sizes = list(np.random.default_rng(0).integers(10, 100, size=103))
    batches = make_batches(sizes, 8, random.Random(1), pool=3)
    assert sorted(i for b in batches for i in b) == list(range(103))
    assert all(len(b) <= 8 for b in batches)
    assert batches == make_batches(sizes, 8, random.Random(1), pool=3)


def test_resample_each_epoch_reads_a_capped_source_in_turn(source, tiny_bert_dir, tmp_path):
    def data(**changes):
        base = tiny_config(source, tiny_bert_dir, tmp_path / "m", epochs=3)
        base["sources"][0]["max_samples"] = 25
        return load_run_data(TrainConfig.from_dict({**base, **changes}))

    fixed = data()
    assert len(fixed.train) == 25
    assert fixed.epoch_indices(1) == fixed.epoch_indices(3) == list(range(25))
    moving = data(resample_each_epoch=True)
    assert len(moving.train) == 60  # the whole source is loaded; each epoch takes 25
    epochs = [moving.epoch_indices(e) for e in (1, 2, 3)]
    assert [len(e) for e in epochs] == [25, 25, 25] and all(e == sorted(e) for e in epochs)
    assert not set(epochs[0]) & set(epochs[1])  # no repeat before every input is used
    assert set().union(*epochs) == set(range(60))  # 75 draws cover all 60 inputs
    assert epochs == [data(resample_each_epoch=True).epoch_indices(e) for e in (1, 2, 3)]
    info = moving.summary["sources"]["quotes"]
    assert info["train_inputs"] == 25 and info["train_inputs_seen"] == 60
    capped = data(resample_each_epoch=True, max_train_samples=10)
    assert len(capped.epoch_indices(2)) == 10 and set(capped.epoch_indices(2)) <= set(epochs[1])


def test_training_with_resampling(source, tiny_bert_dir, tmp_path):
    config = tiny_config(source, tiny_bert_dir, tmp_path / "m", resample_each_epoch=True)
    config["sources"][0]["max_samples"] = 30
    result = train(TrainConfig.from_dict(config), progress=False)
    assert [h["steps"] for h in result.history] == [4, 4]  # 30 inputs an epoch, batches of 8
    card = (result.output_dir / "README.md").read_text()
    assert "| quotes | all | 30 (60) |" in card


def test_cli_trains(source, tiny_bert_dir, tmp_path, capsys):
    from newsstance.cli import main

    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(tiny_config(source, tiny_bert_dir, tmp_path / "unused")))
    out = tmp_path / "cli_model"
    assert main(["train", str(cfg), "-o", str(out), "--epochs", "1", "--seed", "3",
                 "--max-train-samples", "20", "--no-progress"]) == 0
    assert "model written to" in capsys.readouterr().err
    info = json.loads((out / "newsstance.json").read_text())
    assert info["config"]["seed"] == 3 and info["data"]["train_inputs"] == 20
    assert "--max-train-samples 20" in info["command"]


def test_budget_guard_shortens_the_schedule_to_fit():
    from newsstance.training.schedule import BudgetGuard, LinearSchedule

    now = [0.0]

    def run(guard, seconds_per_step):
        stops = []
        for step in range(1, 101):
            now[0] += seconds_per_step(step)
            if guard.should_stop(step, seconds_per_step(step)):
                stops.append(step)
                break
        return stops

    schedule = LinearSchedule(total=100, warmup=10)
    assert schedule(0) < schedule(9) <= 1.0 and schedule(100) == 0.0
    roomy = BudgetGuard(3600.0, 0.0, schedule, 50, 10, 8, clock=lambda: now[0])
    assert run(roomy, lambda s: 1.0) == [] and schedule.total == 100 and not roomy.shortened
    # 1 s per step and a 30 s budget: about 30 steps fit, and the decay ends there
    now[0] = 0.0
    tight = BudgetGuard(30.0, 0.0, schedule, 50, 0, 8, clock=lambda: now[0])
    stops = run(tight, lambda s: 1.0)
    assert tight.shortened and 25 <= stops[0] <= 31 and schedule(schedule.total) == 0.0
    # slow at first, then fast: the end moves back out instead of stopping early
    now[0] = 0.0
    schedule = LinearSchedule(total=100, warmup=10)
    varying = BudgetGuard(70.0, 0.0, schedule, 50, 0, 8, clock=lambda: now[0])
    stops = run(varying, lambda s: 2.0 if s <= 20 else 0.25)
    assert stops == [] and schedule.total == 100


def test_init_from_continues_from_a_trained_model(trained, source, tiny_bert_dir, tmp_path):
    _, first = trained
    # with a negligible learning rate the second stage keeps the first model's predictions
    config = tiny_config(source, tiny_bert_dir, tmp_path / "stage2", init_from=str(
        first.output_dir), epochs=1, lr=1e-12)
    second = train(TrainConfig.from_dict(config), progress=False)
    assert second.dev == first.dev
    card = (second.output_dir / "README.md").read_text()
    assert f"starting from the model in `{first.output_dir}`" in card
    assert "## First stage" in card and "newsstance train tiny.json" in card  # stage 1's command
    info = json.loads((second.output_dir / "newsstance.json").read_text())
    first_info = json.loads((first.output_dir / "newsstance.json").read_text())
    assert info["first_stage"]["weights_sha256"] == first_info["weights_sha256"]
    # from the base model instead, the same run gives other figures
    fresh = train(TrainConfig.from_dict({**config, "init_from": None,
                                         "output_dir": str(tmp_path / "fresh")}),
                  progress=False)
    assert fresh.dev != first.dev


def test_init_from_must_match_the_config(trained, source, tiny_bert_dir, tmp_path, monkeypatch):
    from newsstance.training.config import ConfigError

    _, first = trained
    config = tiny_config(source, tiny_bert_dir, tmp_path / "x", init_from=str(first.output_dir))
    monkeypatch.setattr(TrainConfig, "encoding_settings", lambda self: EncodingSettings(
        max_length=self.max_length, stride=self.stride, context_chars=self.context_chars,
        quote_markers=("<q>", "</q>")))
    with pytest.raises(ConfigError, match="the input format differs"):
        train(TrainConfig.from_dict(config), progress=False)
    monkeypatch.undo()
    # a longer context is not a new format: the second stage may read more
    wider = train(TrainConfig.from_dict({**config, "context_chars": 300, "epochs": 1}),
                  progress=False)
    saved = json.loads((wider.output_dir / "config.json").read_text())
    assert saved["newsstance"]["encoding"]["context_chars"] == 300
    with pytest.raises(ConfigError, match="pools with 'mean', this config with 'mean\\+focus'"):
        train(TrainConfig.from_dict({**config, "pooling": "mean+focus"}), progress=False)
    with pytest.raises(ConfigError, match="init_from: model directory not found"):
        train(TrainConfig.from_dict({**config, "init_from": str(tmp_path / "nowhere")}),
              progress=False)
    with pytest.raises(ConfigError, match="init_from"):
        TrainConfig.from_dict({**config, "init_from": ""})
