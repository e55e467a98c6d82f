"""Where the labelled data sets live (they are read in place, never copied into the repo).

Resolution order: an explicit path; the ``NEWSSTANCE_DATA`` environment variable; ``../shared/data``
beside the current directory; ``../shared/data`` beside the source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NEWSSTANCE_DATA"


def data_dir(path: str | os.PathLike[str] | None = None, *, required: bool = True) -> Path | None:
    """The data root. Raises ``FileNotFoundError`` (or returns ``None``) when none exists."""
    candidates: list[Path] = []
    if path is not None:
        candidates.append(Path(path))
    elif os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    else:
        candidates.append(Path.cwd().parent / "shared" / "data")
        checkout = Path(__file__).resolve().parents[2]  # src/newsstance/datapaths.py -> repo root
        candidates.append(checkout.parent / "shared" / "data")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    if required:
        tried = ", ".join(str(c) for c in candidates)
        raise FileNotFoundError(
            f"labelled data not found (tried {tried}); set {ENV_VAR} or pass a path")
    return None
