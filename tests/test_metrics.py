"""Metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsstance.training import metrics as M

GOLD = ["favor", "favor", "favor", "against", "against", "neutral", "neutral", "neutral"]
PRED = ["favor", "favor", "against", "against", "neutral", "neutral", "neutral", "favor"]


def test_confusion_matrix_fixed_order():
    m = M.confusion_matrix(GOLD, PRED, M.STANCE_LABELS)
    assert m.tolist() == [[2, 1, 0], [0, 1, 1], [1, 0, 2]]


def test_per_class_by_hand():
    stats = M.per_class(GOLD, PRED, M.STANCE_LABELS)
    # favor: tp 2, predicted 3, gold 3 -> P = R = F1 = 2/3
    assert stats["favor"] == pytest.approx(
        {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3})
    # against: tp 1, predicted 2, gold 2 -> 0.5 each
    assert stats["against"]["f1"] == pytest.approx(0.5)
    assert stats["neutral"]["support"] == 3


def test_macro_accuracy_favg_by_hand():
    assert M.accuracy(GOLD, PRED) == pytest.approx(5 / 8)
    assert M.macro_f1(GOLD, PRED) == pytest.approx((2 / 3 + 0.5 + 2 / 3) / 3)
    assert M.f_avg(GOLD, PRED) == pytest.approx((2 / 3 + 0.5) / 2)


def test_matches_sklearn():
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    rng = np.random.default_rng(0)
    labels = list(M.SENTIMENT_LABELS)
    gold = list(rng.choice(labels, 200))
    pred = list(rng.choice(labels, 200, p=[0.5, 0.3, 0.2]))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    stats = M.per_class(gold, pred, labels)
    for i, lab in enumerate(labels):
        assert stats[lab]["precision"] == pytest.approx(p[i])
        assert stats[lab]["recall"] == pytest.approx(r[i])
        assert stats[lab]["f1"] == pytest.approx(f[i])
        assert stats[lab]["support"] == s[i]
    assert M.macro_f1(gold, pred) == pytest.approx(f1_score(gold, pred, average="macro"))
    assert M.accuracy(gold, pred) == pytest.approx(accuracy_score(gold, pred))
    assert M.f_avg(gold, pred, ("positive", "negative")) == pytest.approx(
        f1_score(gold, pred, labels=["positive", "negative"], average="macro"))


def test_macro_f1_averages_gold_classes_only():
    # PRO/CON-style gold; the model predicts neutral once: it costs favor's recall only.
    gold = ["favor", "favor", "against", "against"]
    pred = ["favor", "neutral", "against", "against"]
    assert M.macro_f1(gold, pred) == pytest.approx((2 / 3 + 1.0) / 2)  # favor P1 R.5, against 1


def test_undefined_scores_are_zero():
    stats = M.per_class(["favor"], ["against"], M.STANCE_LABELS)
    assert stats["neutral"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert M.macro_f1([], []) == 0.0
    assert M.accuracy([], []) == 0.0


def test_fnc_score_three_way_is_quarter_plus_accuracy():
    # unrelated dropped: every pair related -> 0.25 + 0.75 * accuracy
    assert M.fnc_score(GOLD, PRED) == pytest.approx(0.25 + 0.75 * 5 / 8)
    assert M.fnc_score(GOLD, GOLD) == pytest.approx(1.0)


def test_fnc_score_with_unrelated_official_formula():
    gold = ["unrelated", "unrelated", "favor", "against", "neutral"]
    pred = ["unrelated", "favor", "favor", "neutral", "unrelated"]
    # 0.25 (right unrelated) + 0 + 1.0 (exact) + 0.25 (related, wrong label) + 0
    best = 0.25 * 2 + 1.0 * 3
    assert M.fnc_score(gold, pred) == pytest.approx(1.5 / best)


def test_label_order_and_report_json_ready():
    assert M.label_order(["neutral", "zz", "against", "favor"], "stance") == [
        "favor", "against", "neutral", "zz"]
    assert M.label_order(["neutral", "negative"], "sentiment") == ["negative", "neutral"]
    rep = M.task_metrics(GOLD, PRED, task="stance", source="fnc1", labels=M.STANCE_LABELS)
    assert rep["labels"] == list(M.STANCE_LABELS)
    assert rep["confusion"] == [[2, 1, 0], [0, 1, 1], [1, 0, 2]]
    assert {"f_avg", "fnc_score", "macro_f1", "accuracy", "per_class", "n"} <= set(rep)
    assert "fnc_score" not in M.task_metrics(GOLD, PRED, task="stance", source="nqs")
    assert "f_avg" not in M.task_metrics(["positive"], ["positive"], task="sentiment")
    json.dumps(rep)


def test_length_mismatch_and_unknown_label():
    with pytest.raises(ValueError, match="items"):
        M.accuracy(["favor"], [])
    with pytest.raises(ValueError, match="not in the label list"):
        M.confusion_matrix(["favor"], ["maybe"], M.STANCE_LABELS)


def test_confusion_png(tmp_path):
    from newsstance.training.plots import plot_confusion

    path = plot_confusion([[2, 1, 0], [0, 1, 1], [1, 0, 2]], M.STANCE_LABELS,
                          tmp_path / "sub" / "c.png", title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
