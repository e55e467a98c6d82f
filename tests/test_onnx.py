"""ONNX export and the ONNX Runtime backend: parity with PyTorch, no torch import, tampering."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from newsstance.inference.classifier import QuoteClassifier
from newsstance.inference.encoding import encode_examples
from newsstance.inference.modeling import ModelLoadError
from newsstance.inference.onnx_backend import (
    FastTokenizer,
    OnnxModelError,
    OnnxQuoteClassifier,
    sha256_file,
)

BODY = ("The company said it would go ahead with the contract. \"We are proud to support the "
        "plan,\" said Jane Doe, an employee. Critics said the plan was terrible and bad for "
        "the public. ") * 6
EXAMPLES = [
    {"target": "the plan", "text": BODY, "quote_start": 55, "quote_end": 84,
     "speaker": "Jane Doe", "speaker_role": "employee", "target_start": 80, "target_end": 84},
    {"target": "", "text": "Shares fell."},
    {"target": "the contract", "text": " ".join(["the company said profit rose"] * 80)},
    {"target": "a much longer target phrase about the company and its contract with ice",
     "text": "We hate it. " * 30, "quote_start": 0, "quote_end": 10},
    {"target": "x", "text": "ok"},
]


def _copy_model(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_export_writes_files_and_records_sha256(analyzer_model_dir):
    info = json.loads((analyzer_model_dir / "newsstance.json").read_text())
    assert info["version"] == "0.0.1", "other newsstance.json keys are kept"
    recorded = info["onnx_sha256"]
    assert set(recorded) == {"model.onnx", "model.int8.onnx", "config.json", "tokenizer.json"}
    for name, sha in recorded.items():
        assert sha256_file(analyzer_model_dir / name) == sha
    report = info["onnx_export"]
    assert report["fp32_max_abs_diff"] < 1e-3
    assert report["int8_max_abs_diff"] < 0.5
    assert (analyzer_model_dir / "model.int8.onnx").stat().st_size < (
        analyzer_model_dir / "model.onnx").stat().st_size


def test_fast_tokenizer_gives_the_same_windows(analyzer_model_dir):
    from transformers import AutoTokenizer

    clf = OnnxQuoteClassifier.from_pretrained(analyzer_model_dir)
    hf = AutoTokenizer.from_pretrained(analyzer_model_dir)
    fast = FastTokenizer.from_dir(analyzer_model_dir)
    assert fast.pad_token_id == hf.pad_token_id
    a = encode_examples(hf, EXAMPLES, clf.settings)
    b = encode_examples(fast, EXAMPLES, clf.settings)
    assert len(a) > len(EXAMPLES), "some examples need several windows"
    assert a == b


def test_onnx_fp32_matches_torch(analyzer_model_dir):
    torch_clf = QuoteClassifier.from_pretrained(analyzer_model_dir)
    onnx_clf = OnnxQuoteClassifier.from_pretrained(analyzer_model_dir, quantized=False)
    int8_clf = OnnxQuoteClassifier.from_pretrained(analyzer_model_dir)
    assert onnx_clf.labels == torch_clf.labels
    for batch_size in (1, 3, 64):
        want = torch_clf.predict_proba_tasks(EXAMPLES, ["stance", "sentiment"], batch_size=2)
        onnx_clf.window_batch = batch_size
        got = onnx_clf.predict_proba_tasks(EXAMPLES, ["stance", "sentiment"])
        q8 = int8_clf.predict_proba_tasks(EXAMPLES, ["stance", "sentiment"])
        for task in ("stance", "sentiment"):
            np.testing.assert_allclose(got[task], want[task], atol=1e-4)
            np.testing.assert_allclose(q8[task], want[task], atol=0.05)
            np.testing.assert_allclose(got[task].sum(1), 1.0, atol=1e-6)
    assert onnx_clf.predict(EXAMPLES, "stance") == torch_clf.predict(EXAMPLES, "stance")
    assert onnx_clf.predict_proba([], "stance").shape == (0, 3)
    with pytest.raises(ValueError, match="unknown task"):
        onnx_clf.predict(EXAMPLES, "role")


def _backends_match_torch(path, examples):
    """The fp32 and int8 ONNX classifiers of ``path``, checked against PyTorch on ``examples``."""
    want = QuoteClassifier.from_pretrained(path).predict_proba_tasks(examples,
                                                                     ["stance", "sentiment"])
    fp32 = OnnxQuoteClassifier.from_pretrained(path, quantized=False)
    int8 = OnnxQuoteClassifier.from_pretrained(path)
    for clf, atol in ((fp32, 1e-4), (int8, 0.05)):
        got = clf.predict_proba_tasks(examples, ["stance", "sentiment"])
        for task in ("stance", "sentiment"):
            np.testing.assert_allclose(got[task], want[task], atol=atol)
    return fp32, int8


def test_focus_pooling_exports_with_a_focus_mask_input(tiny_bert_dir, tmp_path):
    import onnxruntime as ort
    from tiny_models import save_tiny_model

    from newsstance.inference.encoding import EncodingSettings

    path = save_tiny_model(tiny_bert_dir, tmp_path / "focus",
                           EncodingSettings(max_length=64, stride=16, context_chars=200),
                           seed=5, pooling="mean+focus")
    session = ort.InferenceSession(str(path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [
        "input_ids", "attention_mask", "token_type_ids", "focus_mask"]
    fp32, _ = _backends_match_torch(path, EXAMPLES)
    with pytest.raises(ValueError, match="focus_mask is required"):
        fp32.window_logits([[2, 3]], [[1, 1]], [[0, 0]], ["stance"])


def test_article_format_exports_with_shared_windows(tiny_bert_dir, tmp_path):
    """An article-format graph reads each shared window once (``row_window``), matches PyTorch,
    and gives a quote the same probabilities whether its article's other quotes are scored with
    it or not."""
    import onnxruntime as ort
    from tiny_models import save_tiny_model

    from newsstance.inference.article_encoding import article_example
    from newsstance.inference.encoding import EncodingSettings

    path = save_tiny_model(tiny_bert_dir, tmp_path / "article",
                           EncodingSettings(max_length=64, stride=16, input_format="article"),
                           seed=6, pooling="mean+focus")
    import onnx

    int8_ops = {n.op_type for n in onnx.load(str(path / "model.int8.onnx")).graph.node
                if n.name.startswith(("/stance/", "/sentiment/"))}
    assert int8_ops and not int8_ops & {"MatMulInteger", "DynamicQuantizeLinear"}, int8_ops
    session = ort.InferenceSession(str(path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [
        "input_ids", "attention_mask", "token_type_ids", "focus_mask", "row_window"]
    quotes = [{"start": 55, "end": 84, "speaker": "Jane Doe", "speaker_role": "employee"},
              {"start": 0, "end": 11, "speaker": "the company", "speaker_role": "company"}]
    article = [article_example(BODY, "the plan", quotes, i) for i in (0, 1, None)]
    _, int8 = _backends_match_torch(path, EXAMPLES + article)
    together = int8.predict_proba_tasks(article, ["stance"])["stance"]
    for i, example in enumerate(article):
        alone = int8.predict_proba_tasks([example], ["stance"])["stance"]
        np.testing.assert_allclose(alone[0], together[i], atol=1e-4)


def test_session_threads_are_session_local(analyzer_model_dir):
    import onnxruntime as ort

    clf = OnnxQuoteClassifier.from_pretrained(analyzer_model_dir, threads=1)
    assert clf.session.get_session_options().intra_op_num_threads == 1
    assert isinstance(clf.session, ort.InferenceSession)


def test_onnx_backend_does_not_import_torch(analyzer_model_dir):
    code = (
        "import sys\n"
        "from newsstance.inference.onnx_backend import OnnxQuoteClassifier\n"
        f"clf = OnnxQuoteClassifier.from_pretrained({str(analyzer_model_dir)!r})\n"
        "p = clf.predict_proba([{'target': 'the plan', 'text': 'We love the plan.'}], 'stance')\n"
        "assert abs(p.sum() - 1) < 1e-6\n"
        "bad = sorted(m for m in ('torch', 'transformers') if m in sys.modules)\n"
        "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_tampered_onnx_file_is_refused(analyzer_model_dir, tmp_path):
    model = _copy_model(analyzer_model_dir, tmp_path / "m")
    data = bytearray((model / "model.int8.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (model / "model.int8.onnx").write_bytes(bytes(data))
    with pytest.raises(OnnxModelError, match="sha256.*altered"):
        OnnxQuoteClassifier.from_pretrained(model)
    OnnxQuoteClassifier.from_pretrained(model, quantized=False)  # the fp32 file is intact


def test_tampered_tokenizer_or_config_is_refused(analyzer_model_dir, tmp_path):
    model = _copy_model(analyzer_model_dir, tmp_path / "m")
    with (model / "tokenizer.json").open("a") as fh:
        fh.write(" ")
    with pytest.raises(OnnxModelError, match="tokenizer.json does not match"):
        OnnxQuoteClassifier.from_pretrained(model)


def test_tampered_weights_are_refused_by_torch_backend(analyzer_model_dir, tmp_path):
    from newsstance.inference.analyzer import NewsAnalyzer

    model = _copy_model(analyzer_model_dir, tmp_path / "m")
    data = bytearray((model / "model.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (model / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="sha256"):
        NewsAnalyzer.from_pretrained(model, backend="torch", extractor=object())


@pytest.mark.parametrize("missing, message", [
    ("model.int8.onnx", "export-onnx"),
    ("tokenizer.json", "tokenizer.json is missing"),
    ("config.json", "config.json is missing"),
    ("newsstance.json", "newsstance.json is missing"),
])
def test_missing_files_give_clear_errors(analyzer_model_dir, tmp_path, missing, message):
    model = _copy_model(analyzer_model_dir, tmp_path / "m")
    (model / missing).unlink()
    with pytest.raises(OnnxModelError, match=message):
        OnnxQuoteClassifier.from_pretrained(model)


def test_unrecorded_onnx_file_is_refused(analyzer_model_dir, tmp_path):
    model = _copy_model(analyzer_model_dir, tmp_path / "m")
    info = json.loads((model / "newsstance.json").read_text())
    del info["onnx_sha256"]["model.int8.onnx"]
    (model / "newsstance.json").write_text(json.dumps(info))
    with pytest.raises(OnnxModelError, match="records no sha256"):
        OnnxQuoteClassifier.from_pretrained(model)


def test_export_onnx_command(analyzer_model_dir, tmp_path, capsys):
    from newsstance.cli import main

    model = tmp_path / "m"
    model.mkdir()
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(analyzer_model_dir / name, model / name)
    assert main(["export-onnx", str(model), "--no-quantize"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["fp32_max_abs_diff"] < 1e-3
    assert (model / "model.onnx").is_file() and not (model / "model.int8.onnx").exists()
    info = json.loads((model / "newsstance.json").read_text())
    assert info["weights_sha256"] == sha256_file(model / "model.safetensors")
    OnnxQuoteClassifier.from_pretrained(model, quantized=False)
    assert main(["export-onnx", str(tmp_path / "nowhere")]) == 2


def test_int8_export_keeps_the_second_feed_forward_projection_in_fp32(analyzer_model_dir):
    import onnx

    from newsstance.inference.onnx_export import fp32_nodes

    kept = fp32_nodes(analyzer_model_dir / "model.onnx")
    assert kept and all("/attention/" not in n for n in kept)
    int8 = onnx.load(str(analyzer_model_dir / "model.int8.onnx")).graph
    float_matmuls = {n.name for n in int8.node if n.op_type == "MatMul"}
    assert set(kept) <= float_matmuls
    assert any(n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for n in int8.node)
    info = json.loads((analyzer_model_dir / "newsstance.json").read_text())
    assert info["onnx_export"]["quantization"]["fp32_nodes"] == len(kept)


def test_int8_probabilities_do_not_depend_on_the_batch(analyzer_model_dir):
    """Dynamic int8 quantization scales a run's activations by the whole run's range, so the
    int8 graph scores each window alone: a quote's probabilities are the same in any company."""
    from newsstance.inference.onnx_backend import INT8_WINDOW_BATCH

    clf = OnnxQuoteClassifier.from_pretrained(analyzer_model_dir)
    assert clf.window_batch == INT8_WINDOW_BATCH == 1
    assert OnnxQuoteClassifier.from_pretrained(analyzer_model_dir, quantized=False
                                               ).window_batch > 1
    together = clf.predict_proba_tasks(EXAMPLES, ["stance", "sentiment"], batch_size=64)
    for i, example in enumerate(EXAMPLES):
        alone = clf.predict_proba_tasks([example], ["stance", "sentiment"])
        for task in ("stance", "sentiment"):
            np.testing.assert_array_equal(alone[task][0], together[task][i])
