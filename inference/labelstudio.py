"""Label Studio tasks for extracted quotes, and our labeling config (the export side).

One task per quote. ``data`` holds the article id, the target, the quote and its speaker, the
quote's character offsets in the article, and a context ``window`` of the article around the
quote (the span the model reads: the quote plus ``context_chars`` around it, cut at word
boundaries), shown to the annotator as ``context`` with the quote between ``«`` ``»``.
``predictions`` (optional) carry a model's stance and sentiment choices with their probabilities.

The control names and choice values here are what ``newsstance import-labelstudio``
(:mod:`newsstance.training.data.labelstudio`) reads back.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from newsstance.inference.encoding import context_bounds
from newsstance.inference.quote import SPEAKER_ROLES, Quote
from newsstance.inference.records import Record, batched
from newsstance.inference.target import choose_target

logger = logging.getLogger(__name__)

#: Choice values per control (``stance``/``sentiment`` are the training labels).
STANCE_CHOICES: tuple[str, ...] = ("favor", "against", "neutral")
SENTIMENT_CHOICES: tuple[str, ...] = ("positive", "negative", "neutral")
ROLE_CHOICES: tuple[str, ...] = SPEAKER_ROLES
FLAG_NOT_A_QUOTE = "not a quote"
FLAG_WRONG_SPEAKER = "wrong speaker"
FLAG_CHOICES: tuple[str, ...] = (FLAG_NOT_A_QUOTE, FLAG_WRONG_SPEAKER)
#: Control name -> its choices (every ``<Choices>`` tag points at the ``context`` text).
CHOICES: dict[str, tuple[str, ...]] = {
    "stance": STANCE_CHOICES, "sentiment": SENTIMENT_CHOICES, "speaker_role": ROLE_CHOICES,
    "flag": FLAG_CHOICES,
}
TEXT_NAME = "context"
NOTE_NAME = "note"
#: Context characters around a quote when no model says otherwise (the training default).
DEFAULT_CONTEXT_CHARS = 600
QUOTE_MARKERS = ("«", "»")
_TITLES = {
    "stance": "Stance of the quote toward the target",
    "sentiment": "Sentiment of the quote",
    "speaker_role": "Speaker role (leave empty if the one shown is right)",
    "flag": "Problems ('not a quote' leaves the task out of training)",
}


def label_config() -> str:
    """Our Label Studio labeling config (XML): stance, sentiment, speaker role, a flag, a note."""
    view = ET.Element("View")

    def header(text: str) -> None:
        ET.SubElement(view, "Header", value=text, size="5")

    header("Target")
    ET.SubElement(view, "Text", name="target", value="$target")
    header("Speaker")
    ET.SubElement(view, "Text", name="speaker_info", value="$speaker_info")
    header("Quote in context (the quote is between « »)")
    ET.SubElement(view, "Text", name=TEXT_NAME, value="$context")
    for name, values in CHOICES.items():
        header(_TITLES[name])
        choices = ET.SubElement(view, "Choices", name=name, toName=TEXT_NAME, showInline="true",
                                choice="multiple" if name == "flag" else "single")
        for value in values:
            ET.SubElement(choices, "Choice", value=value)
    header("Note (optional)")
    ET.SubElement(view, "TextArea", name=NOTE_NAME, toName=TEXT_NAME, rows="2",
                  maxSubmissions="1", editable="true", placeholder="anything worth saying")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def choice_result(name: str, value: str, score: float | None = None) -> dict[str, Any]:
    """One Label Studio ``choices`` result item for control ``name``."""
    item: dict[str, Any] = {"from_name": name, "to_name": TEXT_NAME, "type": "choices",
                            "value": {"choices": [value]}}
    if score is not None:
        item["score"] = round(float(score), 6)
    return item


def prediction(stance: Mapping[str, Any] | None, sentiment: Mapping[str, Any] | None,
               model_version: str, role: str | None = None) -> dict[str, Any]:
    """A Label Studio prediction from ``{"label", "probs"}`` dicts (``Prediction.to_dict()``).

    Each choice carries its probability as ``score``; the prediction's ``score`` is the lower of
    the two (sort by it in Label Studio to label the least certain quotes first). ``role``, the
    extractor's speaker role, pre-selects the role choice.
    """
    result, scores = [], []
    for name, pred in (("stance", stance), ("sentiment", sentiment)):
        if pred is None or pred["label"] not in CHOICES[name]:
            continue
        p = float(pred["probs"][pred["label"]])
        result.append(choice_result(name, pred["label"], p))
        scores.append(p)
    if role in ROLE_CHOICES:
        result.append(choice_result("speaker_role", str(role)))
    out: dict[str, Any] = {"model_version": model_version, "result": result}
    if scores:
        out["score"] = round(min(scores), 6)
    return out


def speaker_info(quote: Quote) -> str:
    """A one-line description of the speaker for the annotator."""
    name = quote.speaker_name or quote.speaker or "(no speaker found)"
    details = ", ".join(x for x in (quote.speaker_role, quote.organization) if x)
    mention = (f" — mention: “{quote.speaker}”"
               if quote.speaker and quote.speaker_name and quote.speaker != quote.speaker_name
               else "")
    return f"{name}{f' ({details})' if details else ''}{mention} · {quote.type} quote"


def quote_task(article_id: str, text: str, target: str, quote: Quote, index: int, *,
               context_chars: int = DEFAULT_CONTEXT_CHARS, target_source: str = "",
               predictions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The Label Studio task of one quote of an article ``text``."""
    w_start, w_end = context_bounds(len(text), (quote.start, quote.end), context_chars, text)
    window = text[w_start:w_end]
    qs, qe = quote.start - w_start, quote.end - w_start
    context = (f"{window[:qs]}{QUOTE_MARKERS[0]} {window[qs:qe]} {QUOTE_MARKERS[1]}"
               f"{window[qe:]}")
    data = {
        "article_id": article_id, "quote_index": index, "target": target,
        "target_source": target_source, "quote": quote.text, "quote_type": quote.type,
        "speaker": quote.speaker or "", "speaker_name": quote.speaker_name or "",
        "speaker_role": quote.speaker_role or "", "organization": quote.organization or "",
        "start": quote.start, "end": quote.end,
        "speaker_start": quote.speaker_start, "speaker_end": quote.speaker_end,
        "window": window, "window_start": w_start, "context": context,
        "speaker_info": speaker_info(quote),
    }
    task: dict[str, Any] = {"data": data}
    if predictions:
        task["predictions"] = predictions
    return task


@dataclass
class ArticleTasks:
    """The tasks of one article, or why it could not be processed."""

    id: str
    tasks: list[dict[str, Any]]
    error: str | None = None


def iter_article_tasks(records: Iterable[Record], extractor: Any = None, analyzer: Any = None,
                       *, target: str | None = None, context_chars: int | None = None,
                       batch_size: int = 32) -> Iterator[ArticleTasks]:
    """Tasks per record, in order; a record that fails gives an error and the others go on.

    With an ``analyzer`` (a ``NewsAnalyzer``) the quotes come with its predictions and the
    context size defaults to the model's; else ``extractor`` (a ``QuoteExtractor``) finds them.
    The target is a record's ``target`` field, else ``target``, else its title, else inferred.
    """
    if analyzer is None and extractor is None:
        raise ValueError("pass an extractor or an analyzer")
    if context_chars is None:
        context_chars = (analyzer.classifier.settings.context_chars if analyzer is not None
                         else DEFAULT_CONTEXT_CHARS)
    for batch in batched(records, max(1, batch_size)):
        if analyzer is not None:
            version = str(analyzer.model.get("name") or "newsstance")
            results = analyzer.analyze_many(batch, batch_size=len(batch), target=target)
            for record, res in zip(batch, results, strict=True):
                if not res.ok:
                    yield ArticleTasks(record.id, [], res.error)
                else:
                    yield _guarded(record.id, partial(_model_tasks, record, res, version,
                                                      context_chars))
        else:
            outs = extractor.extract_records(batch, batch_size=len(batch))
            for record, out in zip(batch, outs, strict=True):
                if "error" in out:
                    yield ArticleTasks(record.id, [], str(out["error"]))
                else:
                    yield _guarded(record.id, partial(_plain_tasks, record, out["quotes"], target,
                                                      context_chars))


def _model_tasks(record: Record, result: Any, model_version: str,
                 context_chars: int) -> list[dict[str, Any]]:
    """Tasks of an analyzed article (an ``ArticleResult``), with the model's predictions."""
    return [quote_task(record.id, record.text, result.target, q.quote, i,
                       context_chars=context_chars, target_source=result.target_source,
                       predictions=[prediction(q.stance.to_dict(), q.sentiment.to_dict(),
                                               model_version, q.quote.speaker_role)])
            for i, q in enumerate(result.quotes)]


def _plain_tasks(record: Record, quotes: list[dict[str, Any]], default_target: str | None,
                 context_chars: int) -> list[dict[str, Any]]:
    """Tasks of an article's extracted quotes (no model)."""
    given = record.extra.get("target")
    given = given if isinstance(given, str) and given.strip() else default_target
    target, source = choose_target(record.text, record.title, given)
    return [quote_task(record.id, record.text, target, Quote(**q), i,
                       context_chars=context_chars, target_source=source)
            for i, q in enumerate(quotes)]


def _guarded(article_id: str, build: Callable[[], list[dict[str, Any]]]) -> ArticleTasks:
    """``build()``'s tasks, or the error it raised."""
    try:
        return ArticleTasks(article_id, build())
    except Exception as exc:
        logger.exception("article %s failed", article_id)
        return ArticleTasks(article_id, [], f"task building failed: {type(exc).__name__}: {exc}")
