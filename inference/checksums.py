"""File checksums recorded in model directories and checked before loading."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: The file of a model directory that records how it was made, its checksums and its calibration.
INFO_FILE = "newsstance.json"


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
