"""Ensembles: log-linear pooling, the classifier, `newsstance ensemble` and every loader."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from test_analyzer import check_result
from test_linear_backend import _config, _rows
from train_fixtures import write_fixture_source

from newsstance.inference.calibration import scale_probabilities
from newsstance.inference.ensemble import (
    EnsembleClassifier,
    EnsembleError,
    is_ensemble_dir,
    pool_probabilities,
    read_members,
)
from newsstance.inference.ensemble_build import build_ensemble
from newsstance.inference.linear_backend import LinearBaseline
from newsstance.inference.loading import load_classifier

STANCE = ["favor", "against", "neutral"]


class Fixed:
    """A fake member: the same probabilities for every example, in its own label order."""

    settings = "fixed-settings"

    def __init__(self, probs: dict[str, list[float]], labels: dict[str, list[str]]) -> None:
        self.probs, self.labels = probs, labels

    def predict_proba(self, examples, task, batch_size=None):
        return np.tile(self.probs[task], (len(examples), 1))


def test_pool_is_the_normalised_weighted_geometric_mean():
    a = np.array([[0.7, 0.2, 0.1], [0.2, 0.2, 0.6]])
    b = np.array([[0.1, 0.6, 0.3], [0.3, 0.3, 0.4]])
    pooled = pool_probabilities([a, b], [1, 1])
    manual = np.sqrt(a * b) / np.sqrt(a * b).sum(axis=1, keepdims=True)
    assert np.allclose(pooled, manual)
    skewed = pool_probabilities([a, b], [3, 1])  # weights are normalised: 0.75 / 0.25
    manual = a ** 0.75 * b ** 0.25
    assert np.allclose(skewed, manual / manual.sum(axis=1, keepdims=True))
    assert np.allclose(pool_probabilities([a, a], [0.2, 0.8]), a)
    # a zero probability does not make a row of NaNs
    zero = pool_probabilities([np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]])], [1, 1])
    assert np.isfinite(zero).all() and np.allclose(zero.sum(axis=1), 1)


@pytest.mark.parametrize("weights, message", [
    ([1.0], "1 weight"), ([1.0, 0.0], "positive"), ([1.0, -1.0], "positive"),
    ([1.0, float("nan")], "positive"), ([True, 1.0], "positive")])
def test_bad_weights_are_refused(weights, message):
    a = np.full((1, 3), 1 / 3)
    with pytest.raises(EnsembleError, match=message):
        pool_probabilities([a, a], weights)


def test_members_label_orders_are_aligned_and_only_shared_tasks_kept():
    first = Fixed({"stance": [0.6, 0.3, 0.1], "sentiment": [0.5, 0.25, 0.25]},
                  {"stance": STANCE, "sentiment": ["positive", "negative", "neutral"]})
    # the same distribution over labels, in another column order; no sentiment head
    second = Fixed({"stance": [0.1, 0.6, 0.3]}, {"stance": ["neutral", "favor", "against"]})
    ens = EnsembleClassifier([first, second], [1, 1])
    assert ens.labels == {"stance": STANCE} and ens.settings == "fixed-settings"
    probs = ens.predict_proba([{}, {}], "stance")
    assert probs.shape == (2, 3) and np.allclose(probs[0], [0.6, 0.3, 0.1])
    assert ens.predict([{}], "stance") == ["favor"]
    assert ens.predict_proba([], "stance").shape == (0, 3)
    with pytest.raises(KeyError, match="sentiment"):
        ens.predict_proba([{}], "sentiment")


def test_members_that_cannot_be_pooled_are_refused():
    stance = Fixed({"stance": [0.6, 0.3, 0.1]}, {"stance": STANCE})
    other = Fixed({"stance": [0.5, 0.5]}, {"stance": ["pro", "con"]})
    sentiment = Fixed({"sentiment": [0.5, 0.5]}, {"sentiment": ["positive", "negative"]})
    with pytest.raises(EnsembleError, match="disagree"):
        EnsembleClassifier([stance, other], [1, 1])
    with pytest.raises(EnsembleError, match="share no task"):
        EnsembleClassifier([stance, sentiment], [1, 1])
    with pytest.raises(EnsembleError, match="at least two"):
        EnsembleClassifier([stance], [1])


@pytest.fixture(scope="module")
def member_dirs(analyzer_model_dir, tmp_path_factory):
    """(transformer with its ONNX export, calibrated baseline with its inference export)."""
    from newsstance.training.baseline import BaselineModel

    root = tmp_path_factory.mktemp("members")
    baseline = BaselineModel.fit({"stance": _rows("stance"), "sentiment": _rows("sentiment")},
                                 _config()).save(root / "baseline")
    info = json.loads((baseline / "newsstance.json").read_text())
    info["calibration"] = {"method": "temperature", "temperatures": {"stance": 2.0}}
    (baseline / "newsstance.json").write_text(json.dumps(info))
    return analyzer_model_dir, baseline


@pytest.fixture(scope="module")
def ensemble_dir(member_dirs, tmp_path_factory):
    return build_ensemble(member_dirs, tmp_path_factory.mktemp("ens") / "tiny-ensemble",
                          weights=[3, 1])


PROBES = [{"target": "the plan", "text": "\"We welcome the plan,\" said an official.",
           "quote_start": 1, "quote_end": 20, "speaker_role": "official"},
          {"target": "the plan", "text": "we oppose the deal , it is terrible"}]


def test_built_ensemble_pools_its_calibrated_members(member_dirs, ensemble_dir):
    from newsstance.inference.onnx_backend import OnnxQuoteClassifier

    assert is_ensemble_dir(ensemble_dir) and not is_ensemble_dir(member_dirs[1])
    specs = read_members(ensemble_dir)
    assert [s.path.name for s in specs] == ["transformer", "linear"]
    assert [s.weight for s in specs] == [0.75, 0.25]
    assert not (specs[1].path / "stance.skops").exists()  # only what inference runs is copied
    ens, backend = load_classifier(ensemble_dir)
    assert backend == "ensemble" and set(ens.labels) == {"stance", "sentiment"}
    t = OnnxQuoteClassifier.from_pretrained(member_dirs[0]).predict_proba_tasks(
        PROBES, ["stance", "sentiment"])
    lin = LinearBaseline.from_pretrained(member_dirs[1])
    b = lin.predict_proba_tasks(PROBES, ["stance", "sentiment"])
    b["stance"] = scale_probabilities(b["stance"], 2.0)  # the baseline's own temperature
    for task in ("stance", "sentiment"):
        order = [lin.labels[task].index(lab) for lab in ens.labels[task]]
        expected = t[task] ** 0.75 * b[task][:, order] ** 0.25
        expected /= expected.sum(axis=1, keepdims=True)
        assert np.allclose(ens.predict_proba(PROBES, task), expected, atol=1e-6)
    card = (ensemble_dir / "README.md").read_text()
    assert "| `linear` | linear | 0.25 |" in card


def test_analyzer_and_cli_run_an_ensemble(ensemble_dir, quote_extractor, tmp_path):
    from newsstance.cli import main
    from newsstance.inference.analyzer import NewsAnalyzer

    analyzer = NewsAnalyzer.from_pretrained(ensemble_dir, extractor=quote_extractor)
    assert analyzer.model["backend"] == "ensemble" and analyzer.model["calibrated"]
    assert analyzer.model["name"] == "tiny-ensemble"
    assert [(m["name"], m["weight"]) for m in analyzer.model["members"]] == [
        ("tiny-news", 0.75), ("baseline", 0.25)]
    assert analyzer.model["members"][0]["version"] == "0.0.1"
    text = ("Apple said it was proud to support the plan. \"We welcome it,\" a spokesman said. "
            "\"I will quit over this,\" one employee said.")
    obj = analyzer.analyze(text, title="Apple's plan").to_dict()
    check_result(obj, text)
    assert obj["quotes"]
    out = tmp_path / "dev"
    dev = write_fixture_source(out, n_train=3, n_dev=12) / "dev.jsonl"
    assert main(["evaluate", str(ensemble_dir), "--data", str(dev), "-o", str(out / "ev"),
                 "--no-plots"]) == 0
    result = json.loads(next((out / "ev").glob("eval_*.json")).read_text())
    assert result["model_kind"] == "ensemble" and result["tasks"]["stance"]["n"] == 12
    # an ONNX bundle (here the ensemble's transformer member) is evaluated in ONNX Runtime
    assert main(["evaluate", str(ensemble_dir / "transformer"), "--data", str(dev), "-o",
                 str(out / "ev1"), "--no-plots"]) == 0
    result = json.loads(next((out / "ev1").glob("eval_*.json")).read_text())
    assert result["model_kind"] == "onnx" and result["tasks"]["stance"]["n"] == 12


def test_an_ensemble_takes_its_own_temperatures_on_top(ensemble_dir, tmp_path):
    from newsstance.cli import main

    model = tmp_path / "ens"
    shutil.copytree(ensemble_dir, model)
    dev = write_fixture_source(tmp_path / "q", n_train=3, n_dev=30) / "dev.jsonl"
    assert main(["calibrate", str(model), "--data", str(dev), "--folds", "2"]) == 0
    temps = json.loads((model / "newsstance.json").read_text())["calibration"]["temperatures"]
    raw, _ = load_classifier(model, calibrated=False)
    scaled, _ = load_classifier(model)
    expected = scale_probabilities(raw.predict_proba(PROBES, "stance"), temps["stance"])
    assert np.allclose(scaled.predict_proba(PROBES, "stance"), expected, atol=1e-6)
    read_members(model)  # the members are untouched


def test_altered_or_missing_members_are_refused(ensemble_dir, tmp_path):
    model = tmp_path / "ens"
    shutil.copytree(ensemble_dir, model)
    info = model / "linear" / "newsstance.json"
    info.write_text(info.read_text().replace("\"stance\": 2.0", "\"stance\": 9.0"))
    with pytest.raises(EnsembleError, match="altered or replaced"):
        load_classifier(model)
    shutil.rmtree(model / "linear")
    with pytest.raises(EnsembleError, match="missing"):
        load_classifier(model)
    escape = json.loads((model / "newsstance.json").read_text())
    escape["ensemble"]["members"][1]["path"] = "../elsewhere"
    (model / "newsstance.json").write_text(json.dumps(escape))
    with pytest.raises(EnsembleError, match="leaves"):
        load_classifier(model)


def test_ensemble_cli_and_its_errors(member_dirs, tiny_bert_dir, tmp_path, capsys):
    from newsstance.cli import main

    transformer, baseline = map(str, member_dirs)
    out = tmp_path / "e"
    assert main(["ensemble", transformer, baseline, "-o", str(out), "--weights", "2", "1"]) == 0
    assert [s.weight for s in read_members(out)] == pytest.approx([2 / 3, 1 / 3])
    assert f"newsstance ensemble {transformer} {baseline} -o {out}" in (
        out / "README.md").read_text()
    before = (out / "newsstance.json").read_text()
    cases = [
        ([transformer, baseline, "-o", str(out)], "not empty"),
        ([transformer, "-o", str(tmp_path / "one")], "at least two"),
        ([transformer, baseline, "-o", str(tmp_path / "w"), "--weights", "1"], "1 weight"),
        ([transformer, str(out), "-o", str(tmp_path / "nested")], "ensemble itself"),
        ([transformer, str(tiny_bert_dir), "-o", str(tmp_path / "raw")], "export-onnx"),
        ([transformer, str(tmp_path / "nowhere"), "-o", str(tmp_path / "x")], "not found"),
    ]
    for argv, message in cases:
        assert main(["ensemble", *argv]) == 2, argv
        assert message in capsys.readouterr().err, argv
    assert (out / "newsstance.json").read_text() == before  # a refused run changes nothing
    assert not any((tmp_path / n).exists() for n in ("one", "w", "nested", "raw", "x"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dirs left
    assert main(["ensemble", transformer, baseline, "-o", str(out), "--overwrite"]) == 0
