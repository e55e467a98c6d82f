"""Scripts under benchmarks/: the helpers that change model files, and the throughput figures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_truncated_encoder_loads_with_fewer_layers(analyzer_model_dir: Path,
                                                   tmp_path: Path) -> None:
    from newsstance.inference.modeling import load_model_dir

    truncate = _script("truncate_encoder")
    full = load_model_dir(analyzer_model_dir).model
    layers = full.encoder.config.num_hidden_layers
    assert layers >= 2
    out = tmp_path / "cut"
    base = tmp_path / "base"
    assert truncate.main(["--model", str(analyzer_model_dir), "--layers", "1", "-o", str(out),
                          "--base-model-dir", str(base)]) == 0
    from transformers import AutoModel

    assert AutoModel.from_pretrained(base).config.num_hidden_layers == 1
    cut = load_model_dir(out).model  # checks the sha256 and that no weight is missing
    assert cut.encoder.config.num_hidden_layers == 1
    assert len(cut.encoder.encoder.layer) == 1
    with pytest.raises(SystemExit, match="--layers must be"):
        truncate.main(["--model", str(analyzer_model_dir), "--layers", str(layers + 1),
                       "-o", str(tmp_path / "bad")])


def test_ceiling_windows_read_each_token_once() -> None:
    from newsstance.inference.analyzer import DEFAULT_MODEL_DIR
    from newsstance.inference.onnx_backend import FastTokenizer

    ceiling = _script("encoder_ceiling")
    tokenizer = FastTokenizer.from_dir(DEFAULT_MODEL_DIR)
    texts = ["A short one.", "word " * 300 + "and the end, she said."]
    windows = ceiling.article_windows(tokenizer, texts, 40)
    cls_id, sep_id = (tokenizer._tok.token_to_id(t) for t in ("[CLS]", "[SEP]"))
    assert all(len(w) <= 40 and w[0] == cls_id and w[-1] == sep_id for w in windows)
    ids = [tokenizer(t, add_special_tokens=False, return_token_type_ids=False)["input_ids"]
           for t in texts]
    assert [t for w in windows for t in w[1:-1]] == ids[0] + ids[1]
    # the short text is one window; the long one is cut into windows of 38 tokens, none shared
    assert len(windows) == 1 + -(-len(ids[1]) // 38)


def test_throughput_with_workers_reports_every_figure(analyzer_model_dir: Path,
                                                      tmp_path: Path) -> None:
    import json

    from newsstance.datapaths import data_dir

    if data_dir(required=False) is None:
        pytest.skip("needs ../shared/data (PolNeAR dev articles)")
    out = tmp_path / "figures.json"
    assert _script("throughput").main(["--model", str(analyzer_model_dir), "--limit", "3",
                                     "--naive-limit", "1", "--workers", "2",
                                     "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    ours, naive = report["ours"], report["naive"]
    assert ours["articles"] == 3 and naive["articles"] == 1
    assert ours["workers"] == 2 and ours["peak_worker_rss_mb"] > 0
    assert 0 < ours["first_result_s"] <= ours["seconds"]
    assert ours["quotes"] > 0 and ours["cpu_seconds"] > 0
    assert report["ratio"] == pytest.approx(naive["seconds"] / ours["naive_subset_seconds"])
