"""nqs (news quote stance, ours): each quote gives one stance and one sentiment example.

``text`` is a window of the article around the quote (see
:func:`~newsstance.inference.text_windows.quote_window`): the quote's sentence(s) plus about
one sentence either side, at most ~``max_chars`` characters unless the quote itself is longer
(a quote is never cut), with the speaker mention brought in when it lies within 300 characters.
All spans are relative to the window. ``group`` is the article id (``fnc1-train-<Body ID>``,
``polnear-train-<file stem>``, ``syn-...``); ``target`` the article's target.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import datasets

from newsstance.datapaths import data_dir as resolve_data_dir
from newsstance.inference.text_windows import quote_window, sentence_spans

from .schema import to_dataset

SOURCE = "nqs"
#: nqs labels are already our labels (identity maps, written down for the README table).
STANCE_MAP = {"favor": "favor", "against": "against", "neutral": "neutral"}
SENTIMENT_MAP = {"positive": "positive", "negative": "negative", "neutral": "neutral"}
SPLIT_FILES = {"train": "train.jsonl", "dev": "dev.jsonl"}


def read_articles(path: Path) -> list[dict[str, Any]]:
    """The article records of one nqs JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def article_examples(
    article: dict[str, Any], *, max_chars: int = 1200, speaker_reach: int = 300,
    whole_articles: bool = False,
) -> list[dict[str, Any]]:
    """The stance and sentiment examples of one article's quotes (``whole_articles``: each
    example's text is the whole article, as ``newsstance analyze`` reads it)."""
    text: str = article["text"]
    spans = sentence_spans(text)
    rows: list[dict[str, Any]] = []
    for i, q in enumerate(article.get("quotes", [])):
        qs, qe = int(q["start"]), int(q["end"])
        sp = q.get("speaker_start")
        speaker = (int(sp), int(q["speaker_end"])) if sp is not None and sp >= 0 else None
        if whole_articles:
            ws, we = 0, len(text)
        else:
            ws, we = quote_window(text, (qs, qe), speaker, max_chars=max_chars,
                                  speaker_reach=speaker_reach, spans=spans)
        if speaker is not None and ws <= speaker[0] and speaker[1] <= we:
            s_start, s_end = speaker[0] - ws, speaker[1] - ws
        else:
            s_start = s_end = -1
        inside = [{"start": int(o["start"]) - ws, "end": int(o["end"]) - ws,
                   "speaker": o.get("speaker_name") or o.get("speaker") or "",
                   "speaker_role": o.get("speaker_role") or ""}
                  for o in article.get("quotes", [])
                  if ws <= int(o["start"]) and int(o["end"]) <= we]
        common = {
            "group": article["id"],
            "source": SOURCE,
            "target": article.get("target") or "",
            "text": text[ws:we],
            "quote_start": qs - ws,
            "quote_end": qe - ws,
            "speaker_start": s_start,
            "speaker_end": s_end,
            "speaker": q.get("speaker_name") or q.get("speaker") or "",
            "speaker_role": q.get("speaker_role") or "",
            "text_quotes": json.dumps(inside, ensure_ascii=False),
        }
        qid = f"{article['id']}-q{i}"
        rows.append({**common, "id": f"{qid}-stance", "task": "stance",
                     "label": STANCE_MAP[q["stance"]]})
        rows.append({**common, "id": f"{qid}-sentiment", "task": "sentiment",
                     "label": SENTIMENT_MAP[q["sentiment"]]})
    return rows


def load_nqs(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    max_chars: int = 1200,
    tasks: tuple[str, ...] = ("stance", "sentiment"),
    whole_articles: bool = False,
) -> datasets.DatasetDict:
    """nqs train/dev: two examples per quote (``tasks`` keeps only some of them).

    ``whole_articles``: every example's text is its whole article (with all its quotes in
    ``text_quotes``) instead of a window around its quote: how ``newsstance analyze`` reads an
    article, for models of the ``article`` input format."""
    root = resolve_data_dir(data_dir) / "nqs"
    out = {}
    for split, name in SPLIT_FILES.items():
        rows = [r for a in read_articles(root / name)
                for r in article_examples(a, max_chars=max_chars, whole_articles=whole_articles)
                if r["task"] in tasks]
        out[split] = to_dataset(rows)
    return datasets.DatasetDict(out)


def nqs_dev_groups(data_dir: str | os.PathLike[str] | None = None) -> set[str]:
    """Article ids of nqs dev (``fnc1-train-<Body ID>``, ``polnear-train-<stem>``, ``syn-...``).

    They are FNC-1/PolNeAR *train* articles: leave them out of training from other sets when
    reporting nqs dev figures (:func:`~newsstance.training.data.splits.exclude_groups`).
    """
    root = resolve_data_dir(data_dir) / "nqs"
    with (root / SPLIT_FILES["dev"]).open(encoding="utf-8") as fh:
        return {json.loads(line)["id"] for line in fh if line.strip()}
