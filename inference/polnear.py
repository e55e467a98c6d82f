"""Read PolNeAR (brat standoff) and nqs JSONL as gold quotes for evaluation.

PolNeAR notes (see ``polnear/SOURCE.md``): events are ``Attribution`` or ``Attribution-no-source``,
an E line may name a T defined later (two passes), offsets may be discontinuous (``10 20;25 40``)
and an event may carry ``Content2``. Each content fragment becomes one gold quote: a discontinuous
content is a statement interrupted by its attribution, which newsstance (like the nqs guidelines)
reports as separate quotes with one speaker. Several ``.ann`` files for one article are several
annotators; the first file in sorted order is used (:mod:`~newsstance.inference.quote_agreement`
reads them all).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GoldQuote:
    """One gold quote span with its speaker mention (offsets into the article text)."""

    start: int
    end: int
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_name: str | None = None
    speaker_role: str | None = None
    type: str | None = None


@dataclass
class GoldArticle:
    """An article text and its gold quotes."""

    id: str
    text: str
    quotes: list[GoldQuote] = field(default_factory=list)


def _parse_offsets(spec: str) -> list[tuple[int, int]]:
    spans = []
    for part in spec.split(";"):
        start, end = part.split()
        spans.append((int(start), int(end)))
    return spans


def parse_ann(ann: str) -> list[tuple[list[tuple[int, int]], list[tuple[int, int]] | None]]:
    """Attribution events of one ``.ann`` file: ``(content fragments, source fragments or None)``.

    ``Content`` and ``Content2`` fragments are listed together.
    """
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events: list[dict[str, str]] = []
    for line in ann.splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            label, _, offsets = parts[1].partition(" ")
            try:
                spans[parts[0]] = (label, _parse_offsets(offsets))
            except ValueError:
                continue
        elif line.startswith("E"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            args = dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg)
            events.append(args)
    out = []
    for args in events:
        if not (args.get("Attribution") or args.get("Attribution-no-source")):
            continue
        content: list[tuple[int, int]] = []
        for role in ("Content", "Content2"):
            if args.get(role) in spans:
                content.extend(spans[args[role]][1])
        if not content:
            continue
        source = spans[args["Source"]][1] if args.get("Source") in spans else None
        out.append((content, source))
    return out


def annotator_files(root: Path, split: str) -> dict[str, list[Path]]:
    """The ``.ann`` files of each article of a PolNeAR split, by text stem, in sorted order
    (one file an annotator; the first is the gold :func:`read_polnear` uses)."""
    ann_dir = root / split / "attributions"
    anns: dict[str, list[Path]] = {}
    for path in sorted(ann_dir.glob("*.ann")):
        anns.setdefault(path.stem.rsplit("_", 1)[0], []).append(path)
    return anns


def ann_quotes(text: str, ann: str) -> list[GoldQuote]:
    """One annotator's gold quotes (one a content fragment, sorted) from an ``.ann`` file."""
    quotes = []
    for content, source in parse_ann(ann):
        s_start = min(s for s, _ in source) if source else None
        s_end = max(e for _, e in source) if source else None
        for start, end in content:
            if end > start:
                quotes.append(GoldQuote(start, end, s_start, s_end,
                                        text[s_start:s_end] if source else None))
    quotes.sort(key=lambda q: (q.start, q.end))
    return quotes


def read_polnear(root: Path, split: str = "dev", limit: int | None = None) -> Iterator[GoldArticle]:
    """Gold articles of one PolNeAR split under ``root`` (the ``polnear`` folder)."""
    text_dir = root / split / "text"
    if not text_dir.is_dir():
        raise FileNotFoundError(f"no PolNeAR split {split!r} under {root}")
    anns = annotator_files(root, split)
    count = 0
    for text_path in sorted(text_dir.glob("*.txt")):
        if limit is not None and count >= limit:
            return
        files = anns.get(text_path.stem)
        if not files:
            continue
        text = text_path.read_text(encoding="utf-8")
        yield GoldArticle(id=text_path.stem, text=text,
                          quotes=ann_quotes(text, files[0].read_text(encoding="utf-8")))
        count += 1


def read_nqs(path: Path, limit: int | None = None) -> Iterator[GoldArticle]:
    """Gold articles of an nqs JSONL file."""
    with path.open(encoding="utf-8") as handle:
        for count, line in enumerate(handle):
            if limit is not None and count >= limit:
                return
            obj = json.loads(line)
            quotes = [
                GoldQuote(
                    q["start"],
                    q["end"],
                    q.get("speaker_start"),
                    q.get("speaker_end"),
                    q.get("speaker_name") or q.get("speaker"),
                    q.get("speaker_role"),
                    q.get("type"),
                )
                for q in obj.get("quotes", [])
                if q.get("start") is not None
            ]
            yield GoldArticle(id=str(obj["id"]), text=obj["text"], quotes=quotes)
