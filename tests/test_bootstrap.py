"""Bootstrap intervals of macro-F1 and the paired comparison of two models."""

from __future__ import annotations

import random

import pytest

from newsstance.training.bootstrap import macro_f1_interval, paired_difference
from newsstance.training.metrics import macro_f1

LABELS = ("favor", "against", "neutral")


def noisy(n: int, accuracy: float, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    gold = [rng.choice(LABELS) for _ in range(n)]
    return gold, [g if rng.random() < accuracy else rng.choice(LABELS) for g in gold]


def test_interval_brackets_the_estimate_and_is_reproducible() -> None:
    gold, pred = noisy(400, 0.6, 1)
    lo, hi = macro_f1_interval(gold, pred)
    assert lo < macro_f1(gold, pred) < hi and hi - lo < 0.2
    assert macro_f1_interval(gold, pred) == (lo, hi)
    assert macro_f1_interval(gold, pred, seed=2) != (lo, hi)
    assert macro_f1_interval(gold, gold) == (1.0, 1.0)
    assert macro_f1_interval([], []) == (0.0, 0.0)


def test_resampling_whole_groups_widens_the_interval_when_groups_agree() -> None:
    """Articles whose quotes are all right or all wrong: 20 articles, not 400 quotes."""
    rng = random.Random(3)
    gold, pred, groups = [], [], []
    for article in range(20):
        right = article % 2 == 0
        for _ in range(20):
            g = rng.choice(LABELS)
            gold.append(g)
            pred.append(g if right else LABELS[(LABELS.index(g) + 1) % 3])
            groups.append(article)
    lo, hi = macro_f1_interval(gold, pred)
    glo, ghi = macro_f1_interval(gold, pred, groups=groups)
    assert ghi - glo > 2 * (hi - lo)


def test_paired_difference() -> None:
    gold, worse = noisy(300, 0.5, 4)
    better = [g if i % 3 else w for i, (g, w) in enumerate(zip(gold, worse, strict=True))]
    res = paired_difference(gold, worse, better)
    assert res["n"] == 300
    assert res["difference"] == pytest.approx(macro_f1(gold, better) - macro_f1(gold, worse))
    assert 0 < res["interval"][0] < res["difference"] < res["interval"][1]
    assert res["share_not_better"] < 0.01
    same = paired_difference(gold, worse, worse)
    assert same["difference"] == 0 and same["interval"] == [0.0, 0.0]
    assert same["share_not_better"] == 1.0


def test_internal_macro_f1_matches_metrics_when_a_class_is_missing() -> None:
    gold = ["favor", "favor", "neutral", "neutral", "favor"]  # no gold "against"
    pred = ["favor", "against", "neutral", "favor", "favor"]
    res = paired_difference(gold, gold, pred, resamples=1)
    assert res["difference"] == pytest.approx(macro_f1(gold, pred) - 1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"level": 1.5}, "level"),
    ({"resamples": 0}, "resamples"),
    ({"groups": [1, 2]}, "groups"),
])
def test_bad_arguments(kwargs, message) -> None:
    gold, pred = noisy(10, 0.5, 5)
    with pytest.raises(ValueError, match=message):
        macro_f1_interval(gold, pred, **kwargs)


def test_lists_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paired_difference(["favor"], ["favor"], ["favor", "against"])


def test_group_draws_take_whole_articles() -> None:
    from collections import Counter

    from newsstance.inference.resampling import resample_indices

    groups = ["a", "b", "b", "c", "c", "c", "a"]
    sizes = Counter(groups)
    for draw in resample_indices(len(groups), groups, 50, seed=7):
        assert len(draw) > 0
        members = Counter(groups[i] for i in draw)
        assert all(n % sizes[g] == 0 for g, n in members.items())
        per_index = Counter(draw.tolist())
        for g in members:  # a drawn article brings every one of its quotes, equally often
            assert len({per_index[i] for i, x in enumerate(groups) if x == g}) == 1


def test_a_single_group_falls_back_to_single_examples() -> None:
    gold, pred = noisy(200, 0.6, 8)
    assert macro_f1_interval(gold, pred, groups=["one"] * 200) == macro_f1_interval(gold, pred)
