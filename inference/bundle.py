"""Copy the files the ONNX backend needs from a trained model directory into a small bundle.

The bundled default model (``inference/default_model``) is made this way: only the int8 graph,
the config, the tokenizer, ``newsstance.json`` (checksums, library versions) and the model card,
about 24 MB instead of the ~350 MB of a training run directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from newsstance.inference.onnx_backend import (
    CONFIG_FILE,
    INFO_FILE,
    INT8_FILE,
    TOKENIZER_FILE,
    OnnxModelError,
    verify_files,
)

#: Files checked against their recorded sha256 before they are copied.
CHECKED_FILES = (INT8_FILE, CONFIG_FILE, TOKENIZER_FILE)
#: Files copied besides the checked ones (the model card and dev figures are optional).
OTHER_FILES = ("tokenizer_config.json", INFO_FILE)
OPTIONAL_FILES = ("README.md", "metrics.json")


def bundle_model(model_dir: str | Path, dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy an exported model's ONNX-backend files from ``model_dir`` into ``dest``.

    Refuses a ``dest`` that already holds files unless ``overwrite``; then only the bundle's
    own file names are replaced. Returns the written paths.
    """
    src, out = Path(model_dir), Path(dest)
    verify_files(src, CHECKED_FILES)
    for name in OTHER_FILES:
        if not (src / name).is_file():
            raise OnnxModelError(f"{src} has no {name}")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OnnxModelError(f"{out} is not empty (pass overwrite=True / --overwrite)")
    out.mkdir(parents=True, exist_ok=True)
    names = [*CHECKED_FILES, *OTHER_FILES, *(n for n in OPTIONAL_FILES if (src / n).is_file())]
    written = []
    for name in names:
        written.append(Path(shutil.copy2(src / name, out / name)))
    verify_files(out, CHECKED_FILES)
    return written
