"""File checksums recorded in model directories and checked before loading."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

#: The file of a model directory that records how it was made, its checksums and its calibration.
INFO_FILE = "newsstance.json"


def read_info(model_dir: str | Path, error: type[Exception] = ValueError) -> dict[str, Any]:
    """``model_dir/newsstance.json`` as a dict ({} when absent or not a JSON object); a file
    that cannot be read or parsed raises ``error``."""
    path = Path(model_dir) / INFO_FILE
    if not path.is_file():
        return {}
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise error(f"cannot read {path}: {exc}") from exc
    return info if isinstance(info, dict) else {}


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
