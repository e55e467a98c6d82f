"""The baseline's inference export: same probabilities as scikit-learn, checked files, analyze."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from test_analyzer import check_result

from newsstance.inference.analyzer import NewsAnalyzer
from newsstance.inference.linear_backend import (
    ARRAYS_FILE,
    INFO_FILE,
    SPEC_FILE,
    VECTORIZER_PARAMS,
    LinearBaseline,
    LinearModelError,
    _Tfidf,
    is_linear_dir,
    quote_in_window,
)
from newsstance.training.baseline import BaselineConfig, BaselineModel

WORDS = {
    "favor": ["we welcome the plan", "a great step forward", "we fully support this deal",
              "a proud day, très bien"],
    "against": ["this plan is a disgrace", "we oppose the deal", "a terrible and harmful step",
                "naïve and reckless"],
    "neutral": ["we will study the plan", "no comment at this time", "details are reviewed",
                "the board meets in Zürich"],
}
SENTIMENT_OF = {"favor": "positive", "against": "negative", "neutral": "neutral"}
ROLES = ("company", "employee", "official", "")


def _rows(task: str, labels: tuple[str, ...] = ("favor", "against", "neutral")) -> list[dict]:
    out = []
    for label in labels:
        for i, quote in enumerate(WORDS[label]):
            text = f"On day {i} the news broke. \"{quote},\" said a spokesperson. Ünïcode ok."
            start = text.index(quote)
            out.append({"task": task, "target": "" if task == "sentiment" else "the new plan",
                        "text": text, "quote_start": start, "quote_end": start + len(quote),
                        "speaker_role": ROLES[i % len(ROLES)],
                        "label": label if task == "stance" else SENTIMENT_OF[label]})
    return out


def _config() -> BaselineConfig:
    return BaselineConfig(sources=[{"name": "toy"}], min_df=1, max_features=500)


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory):
    """A tiny fitted baseline saved with its inference export."""
    model = BaselineModel.fit({"stance": _rows("stance"), "sentiment": _rows("sentiment")},
                              _config())
    return model, model.save(tmp_path_factory.mktemp("baseline"))


PROBES = [
    {"target": "the new plan", "text": "\"We welcome the plan,\" said an official.",
     "quote_start": 1, "quote_end": 20, "speaker_role": "official"},
    {"target": "the new plan", "text": "Naïve, reckless: a disgrace to Zürich.",
     "speaker_role": "unknown-role"},
    {"target": "", "text": ""},
    {"target": "other words entirely", "text": "nothing in the vocabulary here xyz"},
]


def test_export_gives_scikit_learns_probabilities(baseline_dir):
    model, root = baseline_dir
    assert is_linear_dir(root)
    linear = LinearBaseline.from_pretrained(root)
    assert linear.labels == model.labels
    probes = PROBES + _rows("stance")
    for task in ("stance", "sentiment"):
        expected = model.predict_proba(probes, task)
        got = linear.predict_proba(probes, task)
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert np.allclose(got.sum(1), 1)


def test_binary_task_export(tmp_path):
    model = BaselineModel.fit({"stance": _rows("stance", ("favor", "against"))}, _config())
    linear = LinearBaseline.from_pretrained(model.save(tmp_path))
    assert linear.labels["stance"] == ["favor", "against"]
    np.testing.assert_allclose(linear.predict_proba(PROBES, "stance"),
                               model.predict_proba(PROBES, "stance"), atol=1e-6)


@pytest.mark.parametrize("settings", [
    {"ngram_range": (1, 2), "strip_accents": "unicode", "sublinear_tf": True},
    {"ngram_range": (1, 1), "strip_accents": "ascii", "sublinear_tf": False},
    {"ngram_range": (2, 3), "strip_accents": None, "norm": None, "lowercase": False},
])
def test_tfidf_matches_scikit_learn(settings):
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["Naïve Café owners say: the café is great", "the CAFÉ is great, great, great",
            "Zürich — über alles", "", "a b c d e f"]
    vec = TfidfVectorizer(**settings).fit(docs)
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    params = {k: v for k, v in vec.get_params().items() if k in VECTORIZER_PARAMS}
    mine = _Tfidf(params, vocab, vec.idf_)
    expected = vec.transform(docs + ["unseen words only"]).toarray()
    for doc, row in zip(docs + ["unseen words only"], expected, strict=True):
        got = np.zeros(len(vocab))
        cols, values = mine.row(doc)
        got[cols] = values
        np.testing.assert_allclose(got, row, atol=1e-9)


def test_altered_or_missing_files_are_refused(baseline_dir, tmp_path):
    _, root = baseline_dir
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in root.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    spec = json.loads((copy / SPEC_FILE).read_text())
    spec["tasks"]["stance"]["labels"].reverse()
    (copy / SPEC_FILE).write_text(json.dumps(spec))
    with pytest.raises(LinearModelError, match="sha256"):
        LinearBaseline.from_pretrained(copy)
    (copy / ARRAYS_FILE).unlink()
    assert not is_linear_dir(copy)
    with pytest.raises(LinearModelError, match="missing"):
        LinearBaseline.from_pretrained(copy)
    (copy / ARRAYS_FILE).write_bytes((root / ARRAYS_FILE).read_bytes())
    (copy / SPEC_FILE).write_bytes((root / SPEC_FILE).read_bytes())
    info = json.loads((copy / INFO_FILE).read_text())
    del info["linear_sha256"]
    (copy / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(LinearModelError, match="records no sha256"):
        LinearBaseline.from_pretrained(copy)


def test_a_baseline_without_its_export_is_refused_clearly(baseline_dir, tmp_path, quote_extractor):
    _, root = baseline_dir
    for name in ("stance.skops", INFO_FILE):
        (tmp_path / name).write_bytes((root / name).read_bytes())
    with pytest.raises(LinearModelError, match="linear.json is missing"):
        NewsAnalyzer.from_pretrained(tmp_path, extractor=quote_extractor)


def test_long_text_is_cut_to_the_quote_window():
    filler = "Nothing happened on this day at all. " * 80
    quote = "We fully support this deal"
    text = filler + f"\"{quote},\" the company said. " + filler
    start = text.index(quote)
    example = {"text": text, "quote_start": start, "quote_end": start + len(quote)}
    cut = quote_in_window(example)
    assert len(cut["text"]) <= 1200 < len(text)
    assert cut["text"][cut["quote_start"]:cut["quote_end"]] == quote
    assert "the company said" in cut["text"]
    assert quote_in_window({"text": text}) == {"text": text}  # no quote marked: as given
    short = {"text": "Short.", "quote_start": 0, "quote_end": 5}
    assert quote_in_window(short) is short


def test_analyzer_runs_a_baseline_directory(baseline_dir, quote_extractor):
    _, root = baseline_dir
    analyzer = NewsAnalyzer.from_pretrained(root, extractor=quote_extractor)
    assert isinstance(analyzer.classifier, LinearBaseline)
    assert analyzer.model["backend"] == "linear"
    text = ("The plan drew fire on Monday.\n\n\"We welcome the plan,\" said Ann Lee, a company "
            "spokesperson. \"This plan is a disgrace,\" said Bob Ray, an employee.")
    result = analyzer.analyze(text, title="A new plan").to_dict()
    check_result(result, text)
    assert len(result["quotes"]) == 2
    assert analyzer.stance("the new plan", ["we oppose the deal"])[0]["label"] == "against"


def test_analyze_cli_with_a_baseline(baseline_dir, tmp_path):
    _, root = baseline_dir
    article = tmp_path / "a.txt"
    article.write_text("Plan news\n\n\"We welcome the plan,\" said Ann Lee, a spokesperson.\n")
    out = subprocess.run([sys.executable, "-m", "newsstance", "analyze", str(article),
                          "--model", str(root), "--tagger", "none"],
                         capture_output=True, text=True, check=True)
    record = json.loads(out.stdout)
    assert record["model"]["backend"] == "linear" and record["quotes"]
    assert "(linear)" in out.stderr


def test_recorded_temperatures_apply_to_the_baseline(baseline_dir, quote_extractor, tmp_path):
    import shutil

    from newsstance.inference.calibration import scale_probabilities

    _, root = baseline_dir
    copy = tmp_path / "calibrated"
    shutil.copytree(root, copy)
    info = json.loads((copy / "newsstance.json").read_text())
    info["calibration"] = {"method": "temperature", "temperatures": {"stance": 2.0}}
    (copy / "newsstance.json").write_text(json.dumps(info))
    raw = NewsAnalyzer.from_pretrained(root, extractor=quote_extractor)
    scaled = NewsAnalyzer.from_pretrained(copy, extractor=quote_extractor)
    assert scaled.model["calibrated"] and not raw.model["calibrated"]
    a = raw.stance("the new plan", ["we oppose the deal"])[0]
    b = scaled.stance("the new plan", ["we oppose the deal"])[0]
    assert a["label"] == b["label"]
    expected = scale_probabilities(np.array([list(a["probs"].values())]), 2.0)[0]
    assert np.allclose(list(b["probs"].values()), expected)
    # sentiment has no recorded temperature: unchanged
    assert (raw.sentiment(["a great plan"])[0]["probs"]
            == scaled.sentiment(["a great plan"])[0]["probs"])
