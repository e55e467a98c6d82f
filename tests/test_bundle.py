"""Bundling an exported model into the small directory the ONNX backend needs."""

from __future__ import annotations

import json
import shutil

import pytest

from newsstance.inference.bundle import bundle_model
from newsstance.inference.onnx_backend import OnnxModelError, OnnxQuoteClassifier


def test_bundle_copies_only_what_the_onnx_backend_needs(analyzer_model_dir, tmp_path):
    out = tmp_path / "bundle"
    written = bundle_model(analyzer_model_dir, out)
    names = {p.name for p in written}
    assert {"model.int8.onnx", "config.json", "tokenizer.json", "tokenizer_config.json",
            "newsstance.json"} <= names
    assert not (out / "model.safetensors").exists() and not (out / "model.onnx").exists()
    assert not (out / "checkpoints").exists()
    bundled = OnnxQuoteClassifier.from_pretrained(out)
    original = OnnxQuoteClassifier.from_pretrained(analyzer_model_dir)
    example = [{"target": "the plan", "text": "We love the plan.", "quote_start": 0,
                "quote_end": 17}]
    assert bundled.predict_proba(example, "stance") == pytest.approx(
        original.predict_proba(example, "stance"))


def test_bundle_refuses_altered_files_and_a_full_destination(analyzer_model_dir, tmp_path):
    out = tmp_path / "bundle"
    bundle_model(analyzer_model_dir, out)
    with pytest.raises(OnnxModelError, match="not empty"):
        bundle_model(analyzer_model_dir, out)
    bundle_model(analyzer_model_dir, out, overwrite=True)

    src = tmp_path / "altered"
    shutil.copytree(analyzer_model_dir, src)
    config = json.loads((src / "config.json").read_text())
    config["id2label"] = {"0": "against", "1": "favor", "2": "neutral"}
    (src / "config.json").write_text(json.dumps(config))
    with pytest.raises(OnnxModelError, match="altered"):
        bundle_model(src, tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_export_onnx_bundle_to_option(analyzer_model_dir, tmp_path, capsys):
    from newsstance.cli import main

    model = tmp_path / "m"
    model.mkdir()
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(analyzer_model_dir / name, model / name)
    out = tmp_path / "bundle"
    assert main(["export-onnx", str(model), "--bundle-to", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bundle"]["model.int8.onnx"] == (out / "model.int8.onnx").stat().st_size
    OnnxQuoteClassifier.from_pretrained(out)
    assert main(["export-onnx", str(model), "--no-quantize", "--bundle-to",
                 str(tmp_path / "x")]) == 2


def test_bundled_default_model_is_small_and_pickle_free():
    from newsstance.inference.analyzer import DEFAULT_MODEL_DIR

    if not (DEFAULT_MODEL_DIR / "config.json").is_file():
        pytest.skip(f"no bundled default model at {DEFAULT_MODEL_DIR}")
    files = [p for p in DEFAULT_MODEL_DIR.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 60 * 2**20  # the budget
    assert {p.suffix for p in files} <= {".onnx", ".json", ".md"}
    OnnxQuoteClassifier.from_pretrained(DEFAULT_MODEL_DIR)  # every file matches its sha256
