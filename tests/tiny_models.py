"""Tiny random quote models saved as model directories (and exported to ONNX) for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def save_tiny_model(tiny_bert_dir: Path, path: Path, settings: Any, *, seed: int,
                    pooling: str = "mean", export: bool = True,
                    info: dict[str, Any] | None = None) -> Path:
    """A :class:`MultiTaskQuoteModel` on the tiny BERT (heads seeded with ``seed``) saved to
    ``path`` with ``settings``, its sha256 (and ``info``) in ``newsstance.json``, exported to
    ONNX unless ``export`` is false."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from newsstance.inference.modeling import (
        DEFAULT_TASK_LABELS,
        MultiTaskQuoteModel,
        save_model_dir,
    )
    from newsstance.inference.onnx_export import export_onnx

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MultiTaskQuoteModel(AutoModel.from_pretrained(tiny_bert_dir), DEFAULT_TASK_LABELS,
                                    pooling=pooling)
    sha = save_model_dir(model, AutoTokenizer.from_pretrained(tiny_bert_dir), path, settings)
    (path / "newsstance.json").write_text(json.dumps({"weights_sha256": sha, **(info or {})}))
    if export:
        export_onnx(path)
    return path
