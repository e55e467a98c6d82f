"""Write JSON lines to a file or stdout, one flushed line per record."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def dumps(obj: dict[str, Any]) -> str:
    """One compact JSON line (UTF-8 kept readable)."""
    return json.dumps(obj, ensure_ascii=False)


@contextmanager
def open_output(path: str | Path | None, append: bool = False) -> Iterator[IO[str]]:
    """``path`` opened for writing (``None`` or ``-``: stdout), parent folders created."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if append else "w", encoding="utf-8") as handle:
        yield handle


def write_jsonl_line(handle: IO[str], obj: dict[str, Any]) -> None:
    """Write and flush one record, so a killed run leaves only whole lines behind."""
    handle.write(dumps(obj) + "\n")
    handle.flush()
