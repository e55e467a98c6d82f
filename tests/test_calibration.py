"""Temperature scaling: metrics, fitting, cross-fitting, the wrapper and `newsstance calibrate`."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from train_fixtures import write_fixture_source

from newsstance.inference.calibration import (
    CalibratedClassifier,
    CalibrationError,
    read_temperatures,
    scale_probabilities,
)
from newsstance.training.calibration import (
    calibration_metrics,
    cross_fitted,
    expected_calibration_error,
    fit_temperature,
    group_folds,
    negative_log_likelihood,
)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def overconfident(n: int, factor: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from softmax(z); the model reports softmax(factor * z)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, size=(n, 3))
    true = softmax(z)
    gold = np.array([rng.choice(3, p=p) for p in true])
    return softmax(factor * z), gold


def test_scaling_keeps_the_label_and_softens_or_sharpens():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    assert np.allclose(scale_probabilities(probs, 1.0), probs)
    soft, sharp = scale_probabilities(probs, 2.0), scale_probabilities(probs, 0.5)
    assert np.allclose(soft.sum(axis=1), 1) and np.allclose(sharp.sum(axis=1), 1)
    assert (soft.argmax(axis=1) == probs.argmax(axis=1)).all()
    assert (soft.max(axis=1) < probs.max(axis=1)).all()
    assert (sharp.max(axis=1) > probs.max(axis=1)).all()
    # T = 2 is the square root of each probability, renormalised
    root = np.sqrt(probs) / np.sqrt(probs).sum(axis=1, keepdims=True)
    assert np.allclose(soft, root)
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(CalibrationError):
            scale_probabilities(probs, bad)


def test_ece_by_hand():
    # four answers at confidence 0.9, two of them right: one bin, |0.5 - 0.9| = 0.4
    probs = np.tile([0.9, 0.05, 0.05], (4, 1))
    assert expected_calibration_error(probs, np.array([0, 0, 1, 2])) == pytest.approx(0.4)
    # two bins: 0.9 confident and right (gap 0.1), 0.5 confident and wrong (gap 0.5)
    probs = np.array([[0.9, 0.05, 0.05], [0.5, 0.3, 0.2]])
    assert expected_calibration_error(probs, np.array([0, 1])) == pytest.approx(0.3)
    assert negative_log_likelihood(probs, np.array([0, 1])) == pytest.approx(
        -(np.log(0.9) + np.log(0.3)) / 2)
    m = calibration_metrics(probs, np.array([0, 1]))
    assert m["brier"] == pytest.approx(((0.1**2 + 0.05**2 * 2) + (0.5**2 + 0.7**2 + 0.2**2)) / 2)
    with pytest.raises(ValueError, match="gold label ids"):
        calibration_metrics(probs, np.array([0, 3]))
    with pytest.raises(ValueError, match="shape"):
        calibration_metrics(probs, np.array([0]))


def test_fit_recovers_the_overconfidence():
    probs, gold = overconfident(6000, factor=2.0)
    t = fit_temperature(probs, gold)
    assert 1.8 < t < 2.2
    scaled = scale_probabilities(probs, t)
    assert expected_calibration_error(scaled, gold) < expected_calibration_error(probs, gold) / 3
    assert negative_log_likelihood(scaled, gold) < negative_log_likelihood(probs, gold)
    # an underconfident model gets T < 1
    probs, gold = overconfident(6000, factor=0.5, seed=1)
    assert 0.4 < fit_temperature(probs, gold) < 0.6


def test_folds_keep_articles_together_and_cross_fitting_helps():
    probs, gold = overconfident(1200, factor=2.0, seed=2)
    groups = [f"art{i // 12}" for i in range(len(gold))]
    fold = group_folds(groups, 5)
    for g in set(groups):
        assert len({fold[i] for i, x in enumerate(groups) if x == g}) == 1
    assert set(fold) == set(range(5))
    assert (group_folds(groups, 5) == fold).all() and not (group_folds(groups, 5, seed=4)
                                                            == fold).all()
    scaled, temps = cross_fitted(probs, gold, groups, folds=5)
    assert len(temps) == 5 and all(1.5 < t < 2.6 for t in temps)
    assert len(set(temps)) == 5  # each fold's temperature comes from different articles
    assert (scaled.argmax(axis=1) == probs.argmax(axis=1)).all()
    assert expected_calibration_error(scaled, gold) < expected_calibration_error(probs, gold)
    with pytest.raises(ValueError, match="folds"):
        group_folds(["a", "b"], 3)


class FakeClassifier:
    settings = None
    labels = {"stance": ["favor", "against", "neutral"]}

    def predict_proba_tasks(self, examples, tasks, batch_size=8):
        return {t: np.tile([0.6, 0.3, 0.1], (len(examples), 1)) for t in tasks}


def test_wrapper_scales_only_the_recorded_tasks():
    clf = CalibratedClassifier(FakeClassifier(), {"stance": 2.0})
    probs = clf.predict_proba([{}, {}], "stance", batch_size=4)
    assert np.allclose(probs, scale_probabilities(np.array([[0.6, 0.3, 0.1]] * 2), 2.0))
    assert clf.predict([{}], "stance") == ["favor"]
    assert clf.predict_proba_tasks([], ["stance"])["stance"].shape == (0, 3)
    with pytest.raises(CalibrationError, match="unknown task"):
        CalibratedClassifier(FakeClassifier(), {"sentiment": 1.5})


@pytest.mark.parametrize("entry, message", [
    ({"temperatures": {"stance": 0}}, "positive number"),
    ({"temperatures": {"stance": "hot"}}, "positive number"),
    ({"temperatures": {"stance": True}}, "positive number"),
    ({"method": "temperature"}, "no 'temperatures'"),
])
def test_bad_calibration_entries_are_refused(tmp_path, entry, message):
    (tmp_path / "newsstance.json").write_text(json.dumps({"calibration": entry}))
    with pytest.raises(CalibrationError, match=message):
        read_temperatures(tmp_path)
    (tmp_path / "newsstance.json").write_text("{not json")
    with pytest.raises(CalibrationError, match="cannot read"):
        read_temperatures(tmp_path)


def test_calibrate_cli_records_temperatures_that_every_loader_applies(
        analyzer_model_dir, quote_extractor, tmp_path, capsys):
    from newsstance.cli import main
    from newsstance.inference.analyzer import NewsAnalyzer

    model = tmp_path / "model"
    shutil.copytree(analyzer_model_dir, model)
    dev = write_fixture_source(tmp_path / "quotes", n_train=6, n_dev=30) / "dev.jsonl"
    before = (model / "newsstance.json").read_text()
    args = ["calibrate", str(model), "--data", str(dev), "--folds", "2", "--backend", "torch"]
    assert main([*args, "--dry-run", "-o", str(tmp_path / "report.json")]) == 0
    assert (model / "newsstance.json").read_text() == before
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report) == {"stance", "sentiment"} and report["stance"]["n"] == 30
    (model / "README.md").write_text("# tiny\n\n## Training data\n\nsome rows\n")
    assert main(args) == 0
    assert main(args) == 0  # a second fit replaces the card's section
    card = (model / "README.md").read_text()
    assert card.count("## Calibration") == 1 and card.startswith("# tiny\n\n## Training data")
    assert "| stance | 30 |" in card
    table = capsys.readouterr().out
    assert "ECE before" in table and "stance" in table
    info = json.loads((model / "newsstance.json").read_text())
    assert info["version"] == "0.0.1"  # the rest of the file is kept
    temps = info["calibration"]["temperatures"]
    assert set(temps) == {"stance", "sentiment"}
    assert info["calibration"]["fitted_on"].startswith(str(dev))
    assert temps == {t: r["temperature"] for t, r in report.items()}

    raw = NewsAnalyzer.from_pretrained(model, backend="torch", extractor=quote_extractor,
                                       calibrated=False)
    scaled = NewsAnalyzer.from_pretrained(model, backend="torch", extractor=quote_extractor)
    assert scaled.model["calibrated"] and not raw.model["calibrated"]
    texts = ["we support the plan , it is great", "we oppose the plan , it is terrible"]
    a, b = raw.stance("the plan", texts), scaled.stance("the plan", texts)
    for x, y in zip(a, b, strict=True):
        assert x["label"] == y["label"]
        expected = scale_probabilities(np.array([list(x["probs"].values())]), temps["stance"])
        assert np.allclose(list(y["probs"].values()), expected[0], atol=1e-6)

    out = tmp_path / "eval"
    assert main(["evaluate", str(model), "--data", str(dev), "-o", str(out), "--no-plots"]) == 0
    result = json.loads(next(out.glob("eval_*.json")).read_text())
    assert result["temperatures"] == temps
    ece = result["tasks"]["stance"]["calibration"]["ece"]
    assert ece == pytest.approx(calibration_of(model, dev, temps["stance"]), abs=1e-6)
    assert main(["evaluate", str(model), "--data", str(dev), "-o", str(out), "--no-plots",
                 "--uncalibrated"]) == 0
    result = json.loads(next(out.glob("eval_*.json")).read_text())
    assert result["temperatures"] is None
    assert result["tasks"]["stance"]["calibration"]["ece"] == pytest.approx(
        report["stance"]["before"]["ece"], abs=1e-6)


def calibration_of(model, dev, temperature):
    """ECE of the model's stance probabilities on ``dev`` scaled by ``temperature``."""
    from newsstance.inference.classifier import QuoteClassifier

    rows = [json.loads(line) for line in dev.read_text().splitlines()]
    rows = [r for r in rows if r["task"] == "stance"]
    probs = QuoteClassifier.from_pretrained(model).predict_proba(rows, "stance")
    labels = ["favor", "against", "neutral"]
    gold = np.array([labels.index(r["label"]) for r in rows])
    return expected_calibration_error(scale_probabilities(probs, temperature), gold)


def test_calibrate_cli_errors(analyzer_model_dir, tmp_path, capsys):
    from newsstance.cli import main

    dev = write_fixture_source(tmp_path / "q", n_train=3, n_dev=6) / "dev.jsonl"
    assert main(["calibrate", str(tmp_path / "nowhere"), "--data", str(dev)]) == 2
    assert "cannot load model" in capsys.readouterr().err
    # 6 quotes in 2 articles cannot make 5 folds
    assert main(["calibrate", str(analyzer_model_dir), "--data", str(dev), "--dry-run"]) == 2
    assert "folds" in capsys.readouterr().err
