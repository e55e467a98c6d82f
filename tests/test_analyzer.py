"""NewsAnalyzer: output schema, target choice, stance()/sentiment(), batches and bad records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from newsstance.inference.analyzer import DEFAULT_MODEL_DIR, ModelNotFoundError, NewsAnalyzer
from newsstance.inference.encoding import encode_examples
from newsstance.inference.result import ArticleError, ArticleResult
from newsstance.inference.target import choose_target, infer_target
from newsstance.inference.tone import combine, tone_windows

ARTICLE_PATH = Path(__file__).resolve().parents[1] / "examples" / "article.txt"
STANCE = {"favor", "against", "neutral"}
SENTIMENT = {"positive", "negative", "neutral"}
TYPES = {"direct", "indirect", "mixed"}


def _article() -> tuple[str, str]:
    title, _, body = ARTICLE_PATH.read_text(encoding="utf-8").partition("\n\n")
    return title.strip(), body


def _check_probs(pred: dict, labels: set[str], with_score: bool) -> None:
    assert set(pred["probs"]) == labels
    assert pred["label"] in labels
    assert pred["label"] == max(pred["probs"], key=pred["probs"].get)
    assert all(0.0 <= p <= 1.0 for p in pred["probs"].values())
    assert math.isclose(sum(pred["probs"].values()), 1.0, abs_tol=1e-4)
    if with_score:
        assert -1.0 <= pred["score"] <= 1.0
        pos = pred["probs"].get("positive", 0.0)
        neg = pred["probs"].get("negative", 0.0)
        assert math.isclose(pred["score"], pos - neg, abs_tol=1e-4)
    else:
        assert set(pred) == {"label", "probs"}


def check_result(obj: dict, text: str) -> None:
    """Every field of one article result, against the article text."""
    assert list(obj) == ["id", "target", "target_source", "tone", "quotes", "by_role", "model"]
    assert isinstance(obj["target"], str) and obj["target"]
    assert obj["target_source"] in {"given", "title", "inferred"}
    _check_probs(obj["tone"], SENTIMENT, with_score=True)
    assert set(obj["tone"]) == {"label", "score", "probs"}
    roles: dict[str, list[dict]] = {}
    for q in obj["quotes"]:
        assert set(q) == {"text", "start", "end", "type", "speaker", "speaker_start",
                          "speaker_end", "speaker_name", "speaker_role", "organization",
                          "stance", "sentiment"}
        assert text[q["start"]:q["end"]] == q["text"]
        if q["speaker_start"] is not None:
            assert text[q["speaker_start"]:q["speaker_end"]] == q["speaker"]
        assert q["type"] in TYPES
        _check_probs(q["stance"], STANCE, with_score=False)
        _check_probs(q["sentiment"], SENTIMENT, with_score=True)
        roles.setdefault(q["speaker_role"], []).append(q)
    assert set(obj["by_role"]) == set(roles)
    for role, summary in obj["by_role"].items():
        quotes = roles[role]
        assert summary["quotes"] == len(quotes)
        stance = np.mean([q["stance"]["probs"]["favor"] - q["stance"]["probs"]["against"]
                          for q in quotes])
        sentiment = np.mean([q["sentiment"]["score"] for q in quotes])
        assert math.isclose(summary["stance_score"], stance, abs_tol=1e-4)
        assert math.isclose(summary["sentiment_score"], sentiment, abs_tol=1e-4)
        assert -1 <= summary["stance_score"] <= 1 and -1 <= summary["sentiment_score"] <= 1
    assert set(obj["model"]) >= {"name", "version"}
    json.dumps(obj)


def test_analyze_schema(tiny_analyzer):
    title, body = _article()
    result = tiny_analyzer.analyze(body, title=title)
    assert isinstance(result, ArticleResult)
    obj = result.to_dict()
    check_result(obj, body)
    assert len(obj["quotes"]) >= 5
    assert obj["target"] == title and obj["target_source"] == "title"
    assert {"company", "employee"} <= set(obj["by_role"])
    assert obj["model"]["name"] == "tiny-news" and obj["model"]["version"] == "0.0.1"


def test_target_sources(tiny_analyzer):
    title, body = _article()
    given = tiny_analyzer.analyze(body, title=title, target="the ICE contract")
    assert (given.target, given.target_source) == ("the ICE contract", "given")
    inferred = tiny_analyzer.analyze(body)
    assert inferred.target_source == "inferred"
    assert inferred.target.startswith("Nimbus Cloud")
    assert (tiny_analyzer.analyze(body, title="  A  title ").target) == "A title"


def test_target_rule():
    assert choose_target("x", "T", "  given  target ") == ("given target", "given")
    assert choose_target("x", "The title", None) == ("The title", "title")
    assert choose_target("x", "  ", "") == ("x", "inferred")
    lead = ("WASHINGTON (AP) — The Senate voted on Tuesday to block the new tariffs on steel, "
            "which the president had announced in May. Other news followed.")
    assert infer_target(lead) == "The Senate voted on Tuesday to block the new tariffs on steel"
    assert infer_target("Short.\n\nThe city council approved the stadium plan; critics "
                        "objected.") == "The city council approved the stadium plan"
    long = " ".join(f"w{i}" for i in range(40)) + "."
    assert len(infer_target(long).split()) == 16


def test_stance_and_sentiment_apis(tiny_analyzer):
    out = tiny_analyzer.stance("the plan", ["We support the plan.", "We oppose it.", ""])
    assert len(out) == 3
    for pred in out:
        _check_probs(pred, STANCE, with_score=False)
    text = "Shares of Apple rose while Microsoft fell."
    sent = tiny_analyzer.sentiment([text, text, "Great news."], spans=[(10, 15), (27, 36), None])
    assert len(sent) == 3
    for pred in sent:
        _check_probs(pred, SENTIMENT, with_score=True)
    assert tiny_analyzer.sentiment([]) == []
    with pytest.raises(ValueError, match="outside"):
        tiny_analyzer.sentiment(["abc"], spans=[(2, 10)])
    with pytest.raises(ValueError, match="spans"):
        tiny_analyzer.sentiment(["abc", "def"], spans=[(0, 1)])
    with pytest.raises(TypeError):
        tiny_analyzer.stance("t", "one string")


def test_analyze_many_bad_records_and_order(tiny_analyzer):
    title, body = _article()
    records = [
        {"id": "ok1", "text": body, "title": title},
        {"id": "empty", "text": "   "},
        {"id": "notext"},
        {"id": "num", "text": 42},
        "A bare text. \"We love the plan,\" said Jane Doe, an employee.",
        {"id": "ok2", "text": body, "target": "deportations"},
        {"id": "bin", "text": "abc\x00def"},
    ]
    out = list(tiny_analyzer.analyze_many(records, batch_size=3, target="fallback target"))
    assert [r.id for r in out] == ["ok1", "empty", "notext", "num", "4", "ok2", "bin"]
    assert [r.ok for r in out] == [True, False, False, False, True, True, False]
    for r in out:
        if isinstance(r, ArticleError):
            assert set(r.to_dict()) == {"id", "error"} and r.error
    assert (out[0].target, out[0].target_source) == ("fallback target", "given")
    assert (out[4].target, out[4].target_source) == ("fallback target", "given")
    assert (out[5].target, out[5].target_source) == ("deportations", "given")
    check_result(out[4].to_dict(), records[4])
    with pytest.raises(ValueError, match="empty"):
        tiny_analyzer.analyze("  ")


def test_worker_processes_give_the_same_results_and_read_ahead_is_bounded(tiny_analyzer):
    title, body = _article()
    records = [{"id": "a", "text": body, "title": title}, {"id": "bad", "text": "  "},
               "Short. \"It is terrible,\" said John Smith.", {"id": "b", "text": body[:900]}]
    one = [r.to_dict() for r in tiny_analyzer.analyze_many(records, batch_size=2)]
    two = [r.to_dict() for r in tiny_analyzer.analyze_many(records, batch_size=2, n_process=2)]
    assert [r["id"] for r in two] == ["a", "bad", "2", "b"]
    assert [[q["start"] for q in r.get("quotes", [])] for r in two] == [
        [q["start"] for q in r.get("quotes", [])] for r in one]
    read = [0]

    def endless():
        while True:
            read[0] += 1
            yield f"Story {read[0]}. \"We back it,\" said Jane Doe."

    for n_process in (1, 2):
        read[0] = 0
        results = tiny_analyzer.analyze_many(endless(), batch_size=4, n_process=n_process)
        first = next(results)
        assert first.ok
        results.close()  # stopping early ends the workers instead of hanging
        assert read[0] < 200, (n_process, read[0])


def test_batch_failure_is_isolated(tiny_analyzer, monkeypatch):
    classifier = tiny_analyzer.classifier
    real = classifier.predict_proba_tasks

    def flaky(examples, tasks, batch_size=256):
        if any("POISON" in e["text"] for e in examples):
            raise RuntimeError("boom")
        return real(examples, tasks, batch_size)

    monkeypatch.setattr(classifier, "predict_proba_tasks", flaky)
    texts = ["\"We support it,\" said Jane Doe.", "POISON. \"Bad,\" he said.", "Shares rose."]
    out = list(tiny_analyzer.analyze_many(texts, batch_size=8))
    assert [r.ok for r in out] == [True, False, True]
    assert "RuntimeError: boom" in out[1].error


def test_batched_matches_single(tiny_analyzer):
    # int8 dynamic quantization scales activations per batch, so batching moves probabilities
    # slightly; the fp32 graph gives the same numbers either way.
    title, body = _article()
    texts = [body, "Short text. \"It is terrible,\" said John Smith.", body[:400]]
    together = [r.to_dict() for r in tiny_analyzer.analyze_many(texts, batch_size=3)]
    alone = [tiny_analyzer.analyze(t, id=str(i)).to_dict() for i, t in enumerate(texts)]
    for a, b in zip(together, alone, strict=True):
        assert [q["start"] for q in a["quotes"]] == [q["start"] for q in b["quotes"]]
        np.testing.assert_allclose(list(a["tone"]["probs"].values()),
                                   list(b["tone"]["probs"].values()), atol=0.02)
        for qa, qb in zip(a["quotes"], b["quotes"], strict=True):
            np.testing.assert_allclose(list(qa["stance"]["probs"].values()),
                                       list(qb["stance"]["probs"].values()), atol=0.02)


def test_one_megabyte_article_is_windowed(tiny_analyzer):
    filler = "The committee met again on Monday and the weather stayed mild across the region. "
    head = "\"We are proud to support the plan,\" said Jane Doe, an employee.\n\n"
    tail = "\n\n\"I will quit over the plan,\" said John Smith, a company engineer."
    text = head + filler * (1_000_000 // len(filler)) + tail
    assert len(text) > 1_000_000
    spans = tone_windows(text, 200)
    assert len(spans) > 4000 and max(e - s for s, e in spans) <= 200
    result = tiny_analyzer.analyze(text, target="the plan")
    obj = result.to_dict()
    check_result(obj, text)
    assert any(q["start"] > 1_000_000 for q in obj["quotes"]), "the last quote was lost"


def test_tone_windows_cover_the_text():
    text = "First para. It has two sentences.\n\n  Second one is here!  " + "word " * 100
    spans = tone_windows(text, 60)
    assert all(0 < e - s <= 60 for s, e in spans)
    covered = " ".join(text[s:e] for s, e in spans)
    assert covered.split() == text.split()
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(combine(probs, [(0, 30), (30, 40)]), [0.75, 0.25, 0.0])


def test_torch_backend_matches_onnx_fp32(analyzer_model_dir, quote_extractor):
    title, body = _article()
    torch_an = NewsAnalyzer.from_pretrained(analyzer_model_dir, backend="torch",
                                            extractor=quote_extractor)
    onnx_an = NewsAnalyzer.from_pretrained(analyzer_model_dir, quantized=False,
                                           extractor=quote_extractor)
    a, b = torch_an.analyze(body, title=title).to_dict(), onnx_an.analyze(body,
                                                                          title=title).to_dict()
    assert a["model"]["backend"] == "torch" and b["model"]["backend"] == "onnx"
    np.testing.assert_allclose(list(a["tone"]["probs"].values()),
                               list(b["tone"]["probs"].values()), atol=1e-4)
    for qa, qb in zip(a["quotes"], b["quotes"], strict=True):
        for task in ("stance", "sentiment"):
            np.testing.assert_allclose(list(qa[task]["probs"].values()),
                                       list(qb[task]["probs"].values()), atol=1e-4)


def test_missing_model_errors(tmp_path, quote_extractor):
    with pytest.raises(ModelNotFoundError, match="not found"):
        NewsAnalyzer.from_pretrained(tmp_path / "nope", extractor=quote_extractor)
    with pytest.raises(ValueError, match="unknown backend"):
        NewsAnalyzer.from_pretrained(tmp_path, backend="tf", extractor=quote_extractor)
    if not DEFAULT_MODEL_DIR.exists():
        with pytest.raises(ModelNotFoundError, match="train one"):
            NewsAnalyzer.from_pretrained(extractor=quote_extractor)


def test_top_level_export():
    import newsstance

    assert newsstance.NewsAnalyzer is NewsAnalyzer


NEEDS_DEFAULT = pytest.mark.skipif(
    not (DEFAULT_MODEL_DIR / "config.json").is_file(),
    reason=f"no bundled default model at {DEFAULT_MODEL_DIR} (the training half ships it)")
NIMBUS_TARGET = "Nimbus Cloud's contract with the immigration agency"
NIMBUS_TEXT = (
    "Nimbus Cloud will host data for the immigration agency under a new contract.\n\n"
    "\"We are proud to support the agency's mission with this contract,\" a Nimbus Cloud "
    "spokesperson said.\n\n"
    "\"I'll seriously consider leaving if this contract goes through. I am ashamed of it,\""
    " said Priya Raman, a Nimbus Cloud engineer.")


@pytest.fixture(scope="module")
def nimbus_quotes(quote_extractor):
    analyzer = NewsAnalyzer.from_pretrained(extractor=quote_extractor)
    result = analyzer.analyze(NIMBUS_TEXT, target=NIMBUS_TARGET)
    proud = next(q for q in result.quotes if "proud" in q.quote.text)
    leaving = next(q for q in result.quotes if "leaving" in q.quote.text)
    return proud, leaving


@NEEDS_DEFAULT
def test_default_model_labels_a_small_article_sensibly(nimbus_quotes):
    proud, leaving = nimbus_quotes
    assert (proud.quote.speaker_role, leaving.quote.speaker_role) == ("company", "employee")
    assert proud.stance.label == "favor"
    assert proud.sentiment.label == "positive" and leaving.sentiment.label == "negative"
    assert proud.stance_score > leaving.stance_score + 0.5


@NEEDS_DEFAULT
def test_default_model_labels_the_threat_to_quit_against(nimbus_quotes):
    _, leaving = nimbus_quotes
    assert leaving.stance.label == "against"


@pytest.fixture(scope="module")
def article_model_dir(tiny_bert_dir, tmp_path_factory):
    """A tiny model of the article input format, exported to ONNX."""
    from tiny_models import save_tiny_model

    from newsstance.inference.encoding import EncodingSettings

    return save_tiny_model(tiny_bert_dir, tmp_path_factory.mktemp("article") / "tiny-article",
                           EncodingSettings(max_length=64, stride=16, input_format="article"),
                           seed=4, pooling="mean+focus")


def test_an_article_model_reads_each_article_once(article_model_dir, quote_extractor,
                                                  monkeypatch):
    """With an article-format model every quote of an article, and its tone, is scored from
    the same windows of the marked article, and the result is the classifier's own answer for
    each quote in that format."""
    from newsstance.inference.article_encoding import article_example
    from newsstance.inference.onnx_backend import OnnxQuoteClassifier

    title, body = _article()
    analyzer = NewsAnalyzer.from_pretrained(article_model_dir, extractor=quote_extractor)
    runs: list[int] = []
    real_run = OnnxQuoteClassifier.row_logits

    def counting(self, windows, keep, tasks):
        runs.append(len({(windows.window_source or range(len(windows)))[k] for k in keep}))
        return real_run(self, windows, keep, tasks)

    monkeypatch.setattr(OnnxQuoteClassifier, "row_logits", counting)
    obj = analyzer.analyze(body, title=title).to_dict()
    check_result(obj, body)
    assert len(obj["quotes"]) > 3
    marks = [{"start": q["start"], "end": q["end"],
              "speaker": q["speaker_name"] or q["speaker"] or "",
              "speaker_role": q["speaker_role"]} for q in obj["quotes"]]
    # the windows run are the marked article's windows, each once (the tone reads them all)
    windows = encode_examples(analyzer.classifier.tokenizer,
                              [article_example(body, obj["target"], marks, None)],
                              analyzer.classifier.settings)
    assert sum(runs) == len(windows) > 1
    own = analyzer.classifier.predict_proba_tasks(
        [article_example(body, obj["target"], marks, i) for i in range(len(marks))],
        ["stance"])["stance"]
    got = np.array([[q["stance"]["probs"][k] for k in ("favor", "against", "neutral")]
                    for q in obj["quotes"]])
    np.testing.assert_allclose(got, own, atol=1e-4)
