"""Append-safe result files: which ids an output already holds, and trimming a torn tail.

Results are written one flushed line per JSONL record (CSV: one line per row, the rows of an
article in one write). After a crash (even ``kill -9``) the file ends with whole records, possibly
followed by a torn part: :func:`prepare_resume` cuts that part off and returns the ids done.
For CSV the last article's rows are also cut off and that article redone, as its rows may be
incomplete.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


def _whole_lines(path: Path) -> bytes:
    """The file's content up to its last newline (the rest, a torn line, is cut off)."""
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep != len(data):
        _truncate(path, keep)
    return data[:keep]


def _jsonl_ids(path: Path) -> set[str]:
    done: set[str] = set()
    data = _whole_lines(path)
    offset = 0
    for line in data.splitlines(keepends=True):
        try:
            obj = json.loads(line)
            rid = obj["id"] if isinstance(obj, dict) else None
        except (ValueError, KeyError):
            rid = None
        if rid is None:  # a damaged line: cut it and everything after it
            _truncate(path, offset)
            break
        done.add(str(rid))
        offset += len(line)
    return done


def _csv_ids(path: Path) -> set[str]:
    data = _whole_lines(path)
    lines = data.splitlines(keepends=True)
    if not lines:
        return set()
    header = next(csv.reader([lines[0].decode("utf-8")]))
    if "id" not in header:
        raise ValueError(f"{path} is not a newsstance CSV (no 'id' column)")
    col = header.index("id")
    ids: list[tuple[str, int]] = []  # (id, byte offset of its row)
    offset = len(lines[0])
    for line in lines[1:]:
        row = next(csv.reader(io.StringIO(line.decode("utf-8", "replace"))), [])
        if len(row) != len(header):  # a damaged row: drop it and what follows
            break
        ids.append((row[col], offset))
        offset += len(line)
    # the last article's rows may be incomplete: drop its run of rows and redo it
    cut = len(ids)
    while cut > 0 and ids[cut - 1][0] == ids[-1][0]:
        cut -= 1
    _truncate(path, ids[cut][1] if cut < len(ids) else offset)
    return {rid for rid, _ in ids[:cut]}


def prepare_resume(path: str | Path, fmt: str) -> set[str]:
    """Ids already in the output ``path`` (``jsonl`` or ``csv``), after trimming its torn tail;
    an empty set when the file does not exist."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return set()
    return _csv_ids(path) if fmt == "csv" else _jsonl_ids(path)
