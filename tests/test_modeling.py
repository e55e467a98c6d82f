"""Model directory save/load and the QuoteClassifier interface (tiny random BERT)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from newsstance.inference.classifier import QuoteClassifier
from newsstance.inference.encoding import EncodingSettings
from newsstance.inference.modeling import (
    DEFAULT_TASK_LABELS,
    ModelLoadError,
    MultiTaskQuoteModel,
    load_model_dir,
    save_model_dir,
)

EXAMPLES = [
    {"target": "the plan", "text": "Jane Doe said: we support the plan.", "quote_start": 15,
     "quote_end": 35, "speaker": "Jane Doe", "speaker_role": "employee"},
    {"text": "Shares fell."},
    {"target": "the contract", "text": " ".join(["the company said profit rose"] * 60)},
]
SETTINGS = EncodingSettings(max_length=32, stride=8, context_chars=100)


def _build(tiny_bert_dir, task_labels=DEFAULT_TASK_LABELS, pooling="mean"):
    from transformers import AutoModel, AutoTokenizer

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        model = MultiTaskQuoteModel(AutoModel.from_pretrained(tiny_bert_dir), task_labels,
                                    pooling=pooling)
    return model, AutoTokenizer.from_pretrained(tiny_bert_dir)


@pytest.fixture()
def model_dir(tiny_bert_dir, tmp_path):
    model, tokenizer = _build(tiny_bert_dir)
    sha = save_model_dir(model, tokenizer, tmp_path / "model", SETTINGS)
    (tmp_path / "model" / "newsstance.json").write_text(json.dumps({"weights_sha256": sha}))
    return tmp_path / "model"


def test_model_dir_layout_and_config(model_dir):
    names = {p.name for p in model_dir.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer_config.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    config = json.loads((model_dir / "config.json").read_text())
    assert config["id2label"] == {"0": "favor", "1": "against", "2": "neutral"}
    assert config["label2id"] == {"favor": 0, "against": 1, "neutral": 2}
    assert config["newsstance"]["task_labels"] == DEFAULT_TASK_LABELS
    assert config["newsstance"]["encoding"]["max_length"] == 32
    assert config["newsstance"]["encoding"]["quote_markers"] == ["«", "»"]


def test_round_trip_gives_the_same_predictions(tiny_bert_dir, model_dir):
    model, tokenizer = _build(tiny_bert_dir)
    before = QuoteClassifier(model, tokenizer, SETTINGS).predict_proba(EXAMPLES, "stance")
    clf = QuoteClassifier.from_pretrained(model_dir)
    assert clf.settings == SETTINGS
    np.testing.assert_allclose(clf.predict_proba(EXAMPLES, "stance"), before, atol=1e-6)


def test_classifier_interface(model_dir):
    clf = QuoteClassifier.from_pretrained(model_dir, device="cpu")
    assert clf.labels == DEFAULT_TASK_LABELS
    for task in ("stance", "sentiment"):
        probs = clf.predict_proba(EXAMPLES, task, batch_size=2)
        assert probs.shape == (3, 3)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
        labels = clf.predict(EXAMPLES, task)
        assert labels == [clf.labels[task][i] for i in probs.argmax(axis=1)]
    assert clf.predict_proba([], "stance").shape == (0, 3)
    with pytest.raises(ValueError, match="unknown task"):
        clf.predict(EXAMPLES, "role")


def test_batching_and_order_do_not_change_results(model_dir):
    clf = QuoteClassifier.from_pretrained(model_dir)
    full = clf.predict_proba(EXAMPLES, "sentiment", batch_size=32)
    one = clf.predict_proba(EXAMPLES, "sentiment", batch_size=1)
    rev = clf.predict_proba(EXAMPLES[::-1], "sentiment", batch_size=2)[::-1]
    np.testing.assert_allclose(full, one, atol=1e-5)
    np.testing.assert_allclose(full, rev, atol=1e-5)


def test_long_example_averages_its_windows(model_dir):
    from newsstance.inference.encoding import encode_examples
    from newsstance.inference.modeling import windows_to_tensors

    clf = QuoteClassifier.from_pretrained(model_dir)
    windows = encode_examples(clf.tokenizer, EXAMPLES[2:], clf.settings)
    assert len(windows) > 2
    with torch.inference_mode():
        t = windows_to_tensors(windows, clf.tokenizer.pad_token_id)
        emb = clf.model.embed_windows(t["input_ids"], t["attention_mask"], t["token_type_ids"])
        per_window = clf.model.heads["stance"](emb)
    expected = torch.softmax(per_window.mean(0), -1).numpy()
    np.testing.assert_allclose(clf.predict_proba(EXAMPLES[2:], "stance")[0], expected, atol=1e-5)


def test_focus_pooling_is_the_mean_beside_the_mean_over_focus_tokens(tiny_bert_dir):
    from newsstance.inference.encoding import encode_examples
    from newsstance.inference.modeling import windows_to_tensors

    model, tokenizer = _build(tiny_bert_dir, pooling="mean+focus")
    model.eval()
    hidden_size = model.encoder.config.hidden_size
    assert model.heads["stance"].in_features == 2 * hidden_size
    windows = encode_examples(tokenizer, EXAMPLES, SETTINGS)
    assert any(map(any, windows.focus_mask)) and not all(map(any, windows.focus_mask))
    t = windows_to_tensors(windows, tokenizer.pad_token_id)
    with torch.inference_mode():
        emb = model.embed_windows(t["input_ids"], t["attention_mask"], t["token_type_ids"],
                                  t["focus_mask"])
        hidden = model.encoder(input_ids=t["input_ids"], attention_mask=t["attention_mask"],
                               token_type_ids=t["token_type_ids"]).last_hidden_state
    for w, ids in enumerate(windows.input_ids):
        h = hidden[w, :len(ids)]
        focus = torch.tensor(windows.focus_mask[w], dtype=torch.bool)
        mean = h.mean(0)
        want = torch.cat([mean, h[focus].mean(0) if focus.any() else mean])
        torch.testing.assert_close(emb[w], want, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="focus_mask is required"):
        model.embed_windows(t["input_ids"], t["attention_mask"], t["token_type_ids"])
    with pytest.raises(ValueError, match="pooling must be one of"):
        MultiTaskQuoteModel(model.encoder, DEFAULT_TASK_LABELS, pooling="max")


def test_focus_pooling_survives_save_and_load(tiny_bert_dir, tmp_path):
    model, tokenizer = _build(tiny_bert_dir, pooling="mean+focus")
    before = QuoteClassifier(model, tokenizer, SETTINGS).predict_proba(EXAMPLES, "stance")
    save_model_dir(model, tokenizer, tmp_path / "m", SETTINGS)
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["newsstance"]["pooling"] == "mean+focus"
    loaded = load_model_dir(tmp_path / "m")
    assert loaded.model.pooling == "mean+focus"
    clf = QuoteClassifier.from_pretrained(tmp_path / "m")
    np.testing.assert_allclose(clf.predict_proba(EXAMPLES, "stance"), before, atol=1e-6)
    # the same weights read with mean pooling would not even fit the heads
    config["newsstance"]["pooling"] = "mean"
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="wrong shape"):
        load_model_dir(tmp_path / "m")
    config["newsstance"]["pooling"] = "max"
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="unknown pooling 'max'"):
        load_model_dir(tmp_path / "m")


def test_shared_windows_are_read_once_and_pooled_per_row(tiny_bert_dir):
    """In the article format rows share windows: the encoder reads each window once, and each
    row gets what its own copy of the window would give."""
    from newsstance.inference.article_encoding import article_example
    from newsstance.inference.encoding import encode_examples
    from newsstance.inference.modeling import windows_to_tensors

    model, tokenizer = _build(tiny_bert_dir, pooling="mean+focus")
    model.eval()
    settings = EncodingSettings(max_length=48, stride=16, input_format="article")
    text = "Jane Doe said: we support the plan. John Smith said: we hate the plan. " * 4
    quotes = [{"start": m, "end": m + 19, "speaker": "x", "speaker_role": "employee"}
              for m in range(15, len(text), 72)]
    examples = [article_example(text, "the plan", quotes, i) for i in range(len(quotes))]
    examples.append(article_example(text, "the plan", quotes, None))
    windows = encode_examples(tokenizer, examples, settings)
    shared = windows_to_tensors(windows, tokenizer.pad_token_id)
    assert shared["input_ids"].shape[0] == len(set(windows.window_source)) < len(windows)
    windows.window_source = []  # every row its own copy of its window
    copies = windows_to_tensors(windows, tokenizer.pad_token_id)
    assert "row_window" not in copies and copies["input_ids"].shape[0] == len(windows)
    with torch.inference_mode():
        a = model(**shared, n_examples=len(examples))
        b = model(**copies, n_examples=len(examples))
    for task in a:
        torch.testing.assert_close(a[task], b[task], atol=1e-5, rtol=1e-5)


def test_missing_weights_file(model_dir):
    (model_dir / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="model.safetensors is missing"):
        QuoteClassifier.from_pretrained(model_dir)


def test_not_a_model_dir(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        load_model_dir(tmp_path / "nope")


def test_altered_weights_fail_the_sha256_check(model_dir):
    path = model_dir / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="sha256"):
        load_model_dir(model_dir)


def test_weights_that_do_not_fit_the_config(tiny_bert_dir, model_dir):
    from safetensors.torch import load_file, save_file

    (model_dir / "newsstance.json").unlink()
    state = load_file(str(model_dir / "model.safetensors"))
    state["heads.stance.weight"] = torch.zeros(5, 32)
    del state["heads.sentiment.bias"]
    state["extra.weight"] = torch.zeros(1)
    save_file(state, str(model_dir / "model.safetensors"))
    with pytest.raises(ModelLoadError) as info:
        load_model_dir(model_dir)
    message = str(info.value)
    assert "missing" in message and "unexpected" in message and "wrong shape" in message


def test_garbage_weights_file(model_dir):
    (model_dir / "newsstance.json").unlink()
    (model_dir / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelLoadError, match="safetensors"):
        load_model_dir(model_dir)


def test_config_without_newsstance_entry(model_dir):
    config = json.loads((model_dir / "config.json").read_text())
    del config["newsstance"]
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="not a newsstance model"):
        load_model_dir(model_dir)


def test_inference_modules_do_not_import_training_code():
    import subprocess
    import sys

    code = ("import sys; import newsstance.inference.classifier, newsstance.inference.analyzer, "
            "newsstance.inference.linear_backend, newsstance.inference.text_windows; "
            "print(any(m.startswith('newsstance.training') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
