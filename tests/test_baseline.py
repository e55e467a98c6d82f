"""The scikit-learn baseline: config validation, fit/predict, skops round trip, allow-list."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsstance.training.baseline import (
    BaselineConfig,
    BaselineModel,
    UntrustedModelError,
    load_pipeline,
)
from newsstance.training.model_files import ModelDirError, model_kind

GOOD = ["we welcome the plan", "a great step forward", "we fully support this deal"]
BAD = ["this plan is a disgrace", "we oppose the deal", "a terrible and harmful step"]
MEH = ["we will study the plan", "no comment at this time", "the details are being reviewed"]


def rows(task: str = "stance", n: int = 4) -> list[dict]:
    """Invented quotes inside a short text; the quote span is marked."""
    labels = {"stance": ("favor", "against", "neutral"),
              "sentiment": ("positive", "negative", "neutral")}[task]
    out = []
    for i in range(n):
        for label, quotes, role in zip(labels, (GOOD, BAD, MEH),
                                       ("company", "employee", "official"), strict=True):
            quote = quotes[i % 3]
            text = f"Officials met on day {i}. \"{quote},\" said a spokesperson."
            start = text.index(quote)
            out.append({"id": f"{task}-{label}-{i}", "group": f"a{i}", "source": "toy",
                        "task": task, "target": "" if task == "sentiment" else "the new plan",
                        "text": text, "quote_start": start, "quote_end": start + len(quote),
                        "speaker_start": -1, "speaker_end": -1, "target_start": -1,
                        "target_end": -1, "speaker": "", "speaker_role": role, "label": label})
    return out


def config(**kw) -> BaselineConfig:
    return BaselineConfig(sources=[{"name": "toy"}], min_df=1, max_features=1000, **kw)


@pytest.fixture(scope="module")
def model() -> BaselineModel:
    return BaselineModel.fit({"stance": rows("stance"), "sentiment": rows("sentiment")}, config(),
                             {"data": {"train": [{"source": "toy", "task": "stance", "n": 12}]}})


def test_config_validation_and_round_trip(tmp_path):
    cfg = BaselineConfig.from_dict({"sources": ["nqs", {"name": "fnc1", "tasks": ["stance"]}],
                                    "ngram_range": [1, 2], "C": 2})
    assert cfg.sources[1].tasks == ("stance",) and cfg.C == 2.0
    assert BaselineConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    (tmp_path / "c.yaml").write_text("sources: [nqs]\nclass_weight: null\n")
    assert BaselineConfig.from_file(tmp_path / "c.yaml").class_weight is None
    bad = [({"sources": []}, "sources"), ({"sources": ["nqs"], "C": 0}, "C must"),
           ({"sources": ["nqs"], "ngram_range": [2, 1]}, "ngram_range"),
           ({"sources": ["nqs"], "class_weight": "auto"}, "class_weight"),
           ({"sources": ["nqs"], "features": ["speaker"]}, "features"),
           ({"sources": [{"name": "nqs", "tasks": ["tone"]}]}, "tasks"),
           ({"sources": ["nqs"], "solver": "liblinear"}, "solver"),
           ({"sources": ["nqs"], "tol": 0}, "tol"),
           ({"sources": ["nqs"], "exclude_dev_groups_of": "vast"}, "exclude_dev_groups_of"),
           ({"sources": [{"name": "nqs", "max_samples": 0}]}, "max_samples"),
           ({"sources": ["nqs"], "lr": 1}, "unknown config keys")]
    for data, msg in bad:
        with pytest.raises(ValueError, match=msg):
            BaselineConfig.from_dict(data)


def test_predict_proba_interface(model):
    assert model.labels == {"stance": ["favor", "against", "neutral"],
                            "sentiment": ["positive", "negative", "neutral"]}
    probe = rows("stance", 3)
    proba = model.predict_proba(probe, "stance")
    assert proba.shape == (9, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.predict(probe, "stance") == [r["label"] for r in probe]
    assert model.predict_proba([], "stance").shape == (0, 3)
    with pytest.raises(KeyError, match="no 'tone' model"):
        model.predict(probe, "tone")


def test_empty_target_column_is_dropped(model):
    def names(task):
        return [n for n, *_ in model.pipelines[task].named_steps["features"].transformers]

    assert "target" not in names("sentiment") and "quote" in names("sentiment")
    assert "target" in names("stance")


def test_save_load_round_trip(model, tmp_path):
    model.metrics = {"toy:dev": {"stance": {"n": 9, "macro_f1": 1.0, "accuracy": 1.0}}}
    model.save(tmp_path / "m")
    files = {p.name for p in (tmp_path / "m").iterdir()}
    assert {"stance.skops", "sentiment.skops", "newsstance.json", "metrics.json",
            "README.md"} <= files
    assert not any(name.endswith((".pkl", ".pickle", ".joblib")) for name in files)
    assert model_kind(tmp_path / "m") == "baseline"
    info = json.loads((tmp_path / "m" / "newsstance.json").read_text())
    assert info["kind"] == "baseline" and info["config"]["C"] == 1.0
    assert "scikit-learn" in info["versions"] and "commit" in info["git"]
    loaded = BaselineModel.load(tmp_path / "m")
    probe = rows("sentiment", 2)
    assert loaded.labels == model.labels
    assert np.allclose(loaded.predict_proba(probe, "sentiment"),
                       model.predict_proba(probe, "sentiment"))
    assert loaded.metrics == model.metrics


def _custom_feature(x):  # a function skops does not trust
    return x


def test_untrusted_type_refused(tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipe = Pipeline([("f", FunctionTransformer(_custom_feature)), ("clf", LogisticRegression())])
    pipe.fit(np.array([[0.0], [1.0], [0.1], [0.9]]), ["a", "b", "a", "b"])
    sio.dump(pipe, tmp_path / "stance.skops")
    with pytest.raises(UntrustedModelError, match="_custom_feature"):
        load_pipeline(tmp_path / "stance.skops")
    (tmp_path / "newsstance.json").write_text('{"kind": "baseline"}')
    with pytest.raises(UntrustedModelError):
        BaselineModel.load(tmp_path)


def test_model_kind(tmp_path):
    with pytest.raises(ModelDirError, match="not a model directory"):
        model_kind(tmp_path)
    with pytest.raises(ModelDirError, match="not a directory"):
        model_kind(tmp_path / "missing")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert model_kind(tmp_path) == "transformer"


def test_fit_needs_two_labels():
    one = [r for r in rows("stance") if r["label"] == "favor"]
    with pytest.raises(ValueError, match="at least two labels"):
        BaselineModel.fit({"stance": one}, config())
