"""Load a model directory as a classifier, whatever it holds.

- a baseline (``linear.json`` + ``linear.safetensors``, written by ``newsstance baseline``): the
  TF-IDF backend, whatever ``backend`` says;
- a transformer: ONNX Runtime (``backend="onnx"``, int8 unless ``quantized=False``) or PyTorch
  (``"torch"``); ``"auto"`` takes PyTorch when the directory has its weights
  (``model.safetensors``, as a training run does), else ONNX (as a bundle);
- an ensemble (:mod:`newsstance.inference.ensemble`): its members, each loaded this way.

Probabilities are temperature-scaled when the directory records a calibration, unless
``calibrated=False`` (an ensemble's members always keep theirs: they are part of the pool).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsstance.inference.calibration import with_calibration

BACKENDS = ("onnx", "torch", "auto")
WEIGHTS_FILE = "model.safetensors"


class ModelNotFoundError(FileNotFoundError):
    """No model directory to load (e.g. the bundled default is not installed)."""


def transformer_backend(root: Path, backend: str) -> str:
    """``"onnx"`` or ``"torch"`` for a transformer directory (``"auto"`` resolved by its files)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if backend == "auto":
        return "torch" if (root / WEIGHTS_FILE).is_file() else "onnx"
    return backend


def load_classifier(path: str | Path, *, backend: str = "onnx", quantized: bool = True,
                    threads: int | None = None, calibrated: bool = True) -> tuple[Any, str]:
    """``(classifier, backend name)`` for the model directory ``path``: ``"linear"``,
    ``"onnx"``, ``"torch"`` or ``"ensemble"``."""
    from newsstance.inference.ensemble import is_ensemble_dir, load_ensemble
    from newsstance.inference.linear_backend import LinearBaseline, is_linear_dir

    root = Path(path)
    if not root.is_dir():
        raise ModelNotFoundError(f"model directory not found: {root}")
    classifier: Any
    if is_ensemble_dir(root):
        def member(p: Path) -> Any:
            return load_classifier(p, backend=backend, quantized=quantized, threads=threads)[0]

        classifier, name = load_ensemble(root, member), "ensemble"
    elif is_linear_dir(root) or any(root.glob("*.skops")):  # says so if the export is missing
        classifier, name = LinearBaseline.from_pretrained(root), "linear"
    elif transformer_backend(root, backend) == "onnx":
        from newsstance.inference.onnx_backend import OnnxQuoteClassifier

        classifier = OnnxQuoteClassifier.from_pretrained(root, quantized=quantized,
                                                         threads=threads)
        name = "onnx"
    else:
        from newsstance.inference.classifier import QuoteClassifier

        classifier, name = QuoteClassifier.from_pretrained(root), "torch"
    return (with_calibration(classifier, root) if calibrated else classifier), name
