"""Read articles from files, directories or stdin as records, one per article.

Every input record yields exactly one :class:`Record`. A record that cannot be read (empty,
binary, not UTF-8, too large, a malformed JSONL line or CSV row) carries an ``error`` message
instead of text, so the caller writes ``{"id": ..., "error": ...}`` for it and goes on.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Largest article accepted, in characters (a 1 MB article is fine; 5 MB of text is refused).
MAX_CHARS = 2_000_000
#: Formats recognised by file suffix; ``-`` (stdin) is sniffed, or given with ``input_format``.
SUFFIXES = {".txt": "txt", ".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".html": "html",
            ".htm": "html"}


@dataclass
class Record:
    """One article: ``text`` and optional ``title``, or an ``error`` saying why it was not read."""

    id: str
    text: str = ""
    title: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_dict(self) -> dict[str, Any]:
        return {"id": self.id, "error": self.error}


def check_text(text: Any) -> str | None:
    """Why ``text`` is not a usable article, or ``None`` when it is."""
    if not isinstance(text, str):
        return f"'text' must be a string, got {type(text).__name__}"
    if not text.strip():
        return "empty text"
    if len(text) > MAX_CHARS:
        return f"text too long: {len(text):,} characters (limit {MAX_CHARS:,})"
    if "\x00" in text:
        return "binary content (NUL bytes)"
    controls = sum(1 for ch in text[:10_000] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > 0.05 * min(len(text), 10_000):
        return "binary content (control characters)"
    return None


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Decode UTF-8 bytes (a BOM is allowed): ``(text, None)`` or ``(None, error)``."""
    if b"\x00" in data[:8192]:
        return None, "binary content (NUL bytes)"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte {exc.start})"


def make_record(rid: str, text: Any, title: Any = None, **extra: Any) -> Record:
    """Build a record from raw fields, validating the text."""
    error = check_text(text)
    if title is not None and not isinstance(title, str):
        title = str(title)
    if error:
        return Record(id=rid, error=error, extra=extra)
    return Record(id=rid, text=text, title=title or None, extra=extra)


def parse_txt(rid: str, content: str) -> Record:
    """A plain-text article; a first line followed by a blank line is its title."""
    lines = content.split("\n", 2)
    if len(lines) == 3 and lines[0].strip() and not lines[1].strip() and lines[2].strip():
        return make_record(rid, lines[2], title=lines[0].strip())
    return make_record(rid, content)


def parse_html(rid: str, content: str) -> Record:
    """Main text (and title) of an HTML page, extracted with trafilatura."""
    import trafilatura

    if not content.strip():
        return Record(id=rid, error="empty text")
    try:
        doc = trafilatura.bare_extraction(content, include_comments=False, with_metadata=True)
    except Exception as exc:  # trafilatura raises a variety of parser errors
        return Record(id=rid, error=f"cannot parse HTML: {exc}")
    if doc is None:
        return Record(id=rid, error="no main text found in HTML")
    data = doc if isinstance(doc, dict) else doc.as_dict()
    return make_record(rid, data.get("text") or "", title=data.get("title"))


def parse_jsonl(stem: str, content: str) -> Iterator[Record]:
    """One record per non-blank line: fields ``id``, ``text``, optional ``title``."""
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        fallback = f"{stem}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(id=fallback, error=f"line {lineno}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield Record(id=fallback, error=f"line {lineno}: expected a JSON object")
            continue
        yield _from_mapping(obj, fallback, f"line {lineno}")


def parse_csv(stem: str, content: str) -> Iterator[Record]:
    """One record per row: columns ``id``, ``text``, optional ``title``."""
    csv.field_size_limit(MAX_CHARS * 4)
    reader = csv.DictReader(io.StringIO(content, newline=""))
    if not reader.fieldnames or "text" not in reader.fieldnames:
        yield Record(id=stem, error="CSV has no 'text' column")
        return
    row_no = 0
    while True:
        row_no += 1
        fallback = f"{stem}:{row_no}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(id=fallback, error=f"row {row_no}: malformed CSV ({exc})")
            return
        if None in row:  # more cells than header columns
            yield Record(id=row.get("id") or fallback,
                         error=f"row {row_no}: {len(row[None])} cell(s) beyond the header")
            continue
        if any(value is None for value in row.values()):
            yield Record(id=row.get("id") or fallback, error=f"row {row_no}: missing cells")
            continue
        yield _from_mapping(row, fallback, f"row {row_no}")


def _from_mapping(obj: dict[str, Any], fallback: str, where: str) -> Record:
    rid = obj.get("id")
    rid = fallback if rid in (None, "") else str(rid)
    extra = {k: v for k, v in obj.items() if k not in ("id", "text", "title")}
    if "text" not in obj:
        return Record(id=rid, error=f"{where}: no 'text' field", extra=extra)
    record = make_record(rid, obj["text"], obj.get("title"), **extra)
    return record


def read_source(source: str | Path, input_format: str | None = None) -> Iterator[Record]:
    """Records from one path (file or directory) or ``-`` for stdin."""
    if str(source) == "-":
        data = sys.stdin.buffer.read()
        yield from _parse_bytes("stdin", data, input_format or _sniff(data))
        return
    path = Path(source)
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if child.suffix.lower() in SUFFIXES:
                yield from read_source(child, input_format)
        return
    stem = path.stem
    if not path.exists():
        yield Record(id=stem, error=f"no such file: {path}")
        return
    fmt = input_format or SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        yield Record(id=stem, error=f"unknown input format {path.suffix!r} (use --input-format)")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Record(id=stem, error=f"cannot read {path}: {exc.strerror}")
        return
    yield from _parse_bytes(stem, data, fmt)


def read_sources(
    sources: Iterable[str | Path], input_format: str | None = None
) -> Iterator[Record]:
    """Records from several sources, in order."""
    for source in sources:
        yield from read_source(source, input_format)


def _sniff(data: bytes) -> str:
    head = data.lstrip()[:1]
    if head == b"{":
        return "jsonl"
    if head == b"<":
        return "html"
    return "txt"


def _parse_bytes(stem: str, data: bytes, fmt: str) -> Iterator[Record]:
    if fmt not in ("txt", "jsonl", "csv", "html"):
        yield Record(id=stem, error=f"unknown input format {fmt!r}")
        return
    if fmt in ("txt", "html") and len(data) > MAX_CHARS * 4:
        yield Record(id=stem, error=f"file too large: {len(data):,} bytes")
        return
    text, error = decode(data)
    if error:
        yield Record(id=stem, error=error)
        return
    assert text is not None
    if fmt == "txt":
        yield parse_txt(stem, text)
    elif fmt == "html":
        yield parse_html(stem, text)
    elif fmt == "jsonl":
        yield from parse_jsonl(stem, text)
    else:
        yield from parse_csv(stem, text)


def batched(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    """Consecutive lists of ``size`` records (the last may be shorter), read lazily."""
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
