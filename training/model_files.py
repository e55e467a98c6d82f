"""Shared helpers for model directories: what kind a directory holds, and ``newsstance.json``.

``newsstance.json`` records how a model was made so a result can be traced back::

    {"kind": "baseline" | "transformer", "created": ISO time, "newsstance_version": ...,
     "config": {...}, "data": {...}, "labels": {task: [...]}, "versions": {package: version},
     "git": {"commit": sha | null, "dirty": bool | null}, ...extra}

Both the scikit-learn baseline and the transformer trainer write it with :func:`write_model_info`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from newsstance.inference.checksums import INFO_FILE

METRICS_FILE = "metrics.json"
TRANSFORMER_FILES = ("config.json", "model.safetensors")
ONNX_BUNDLE_FILES = ("config.json", "model.int8.onnx")
BASELINE_SUFFIX = ".skops"
DEFAULT_LIBRARIES = ("numpy", "scikit-learn", "skops", "torch", "transformers", "datasets",
                     "safetensors", "tokenizers", "pandas")

ModelKind = Literal["baseline", "transformer", "onnx", "ensemble"]


class ModelDirError(ValueError):
    """A path that is not a usable model directory."""


def model_kind(path: str | os.PathLike[str]) -> ModelKind:
    """What a model directory holds, by its files: ``"baseline"`` (``*.skops`` +
    ``newsstance.json``), ``"transformer"`` (``config.json`` + ``model.safetensors``),
    ``"onnx"`` (an ONNX bundle: ``config.json`` + ``model.int8.onnx``) or ``"ensemble"``
    (``newsstance ensemble``); raises :class:`ModelDirError` for anything else."""
    from newsstance.inference.ensemble import is_ensemble_dir

    path = Path(path)
    if not path.is_dir():
        raise ModelDirError(f"{path}: not a directory")
    if is_ensemble_dir(path):
        return "ensemble"
    if (path / INFO_FILE).is_file() and any(path.glob(f"*{BASELINE_SUFFIX}")):
        return "baseline"
    if all((path / name).is_file() for name in TRANSFORMER_FILES):
        return "transformer"
    if all((path / name).is_file() for name in ONNX_BUNDLE_FILES):
        return "onnx"
    raise ModelDirError(
        f"{path}: not a model directory (expected {INFO_FILE} + *{BASELINE_SUFFIX} for a "
        f"baseline, {' + '.join(TRANSFORMER_FILES)} for a transformer, "
        f"{' + '.join(ONNX_BUNDLE_FILES)} for an ONNX bundle, or an ensemble's {INFO_FILE})")


def library_versions(names: Iterable[str] = DEFAULT_LIBRARIES) -> dict[str, str]:
    """Installed versions of ``names`` (packages that are not installed are left out)."""
    import platform

    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_info(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """``{"commit": sha, "dirty": bool}`` of the checkout holding ``path`` (default: this code);
    both ``None`` outside a git checkout or without git."""
    cwd = Path(path) if path is not None else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=cwd, capture_output=True, text=True, timeout=10,
                                check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


def _jsonable(obj: Any) -> Any:
    """JSON fallback for NumPy scalars/arrays, paths, sets and dataclass-like objects."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON (creating parent directories)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=_jsonable) + "\n",
                    encoding="utf-8")
    return path


def model_info(kind: ModelKind, *, config: Mapping[str, Any], data: Mapping[str, Any],
               labels: Mapping[str, list[str]], **extra: Any) -> dict[str, Any]:
    """The ``newsstance.json`` record (see the module docstring); ``extra`` keys are added."""
    from newsstance import __version__

    return {
        "kind": kind,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "newsstance_version": __version__,
        "config": dict(config),
        "data": dict(data),
        "labels": {task: list(labs) for task, labs in labels.items()},
        "versions": library_versions(),
        "git": git_info(),
        **extra,
    }


def write_model_info(model_dir: str | os.PathLike[str], kind: ModelKind, *,
                     config: Mapping[str, Any], data: Mapping[str, Any],
                     labels: Mapping[str, list[str]], **extra: Any) -> Path:
    """Write ``<model_dir>/newsstance.json`` (see :func:`model_info`) and return its path."""
    info = model_info(kind, config=config, data=data, labels=labels, **extra)
    return write_json(Path(model_dir) / INFO_FILE, info)


def read_model_info(model_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed ``newsstance.json`` of ``model_dir`` (``{}`` when absent)."""
    path = Path(model_dir) / INFO_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
