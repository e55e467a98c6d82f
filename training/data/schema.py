"""The one example schema every training-data loader returns.

Columns (all sources share :data:`FEATURES`, so their datasets concatenate):

==================  =====  ===================================================================
column              type   meaning
==================  =====  ===================================================================
``id``              str    unique example id (``<group>-...``-style, unique across sources)
``group``           str    article/body/document id: leakage control and grouped splits
``source``          str    loader name (``nqs``, ``fnc1``, ...)
``task``            str    ``"stance"`` or ``"sentiment"``
``target``          str    issue/claim/topic/entity; ``""`` for sentence sentiment sets
``text``            str    quote with context, or the sentence/tweet/headline/body
``quote_start``     int    span of the quote inside ``text`` (``-1`` if none)
``quote_end``       int
``speaker_start``   int    speaker mention inside ``text`` (``-1`` if none)
``speaker_end``     int
``target_start``    int    a target mention inside ``text`` (``-1`` if none)
``target_end``      int
``speaker``         str    resolved speaker name (``""`` if none)
``speaker_role``    str    speaker role (``""`` if none)
``label``           str    favor/against/neutral (stance); positive/negative/neutral (sentiment)
``text_quotes``     str    every quote in ``text``, JSON ``[{"start", "end", "speaker",
                           "speaker_role"}]`` (``""`` if not given): the ``article`` input format
                           marks them all
==================  =====  ===================================================================

Spans are half-open character offsets: ``text[start:end]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import datasets
import pyarrow as pa

STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")
LABELS: dict[str, tuple[str, ...]] = {"stance": STANCE_LABELS, "sentiment": SENTIMENT_LABELS}
TASKS: tuple[str, ...] = tuple(LABELS)

STR_COLUMNS = (
    "id", "group", "source", "task", "target", "text", "speaker", "speaker_role", "label",
    "text_quotes",
)
SPAN_COLUMNS = (
    "quote_start", "quote_end", "speaker_start", "speaker_end", "target_start", "target_end",
)
COLUMNS: tuple[str, ...] = (
    "id", "group", "source", "task", "target", "text",
    *SPAN_COLUMNS, "speaker", "speaker_role", "label", "text_quotes",
)
FEATURES = datasets.Features(
    {c: datasets.Value("int32" if c in SPAN_COLUMNS else "string") for c in COLUMNS}
)
#: Defaults for optional columns (every span -1, every optional string "").
DEFAULTS: dict[str, Any] = {
    **{c: -1 for c in SPAN_COLUMNS}, "target": "", "speaker": "", "speaker_role": "",
    "text_quotes": "",
}
REQUIRED = ("id", "group", "source", "task", "text", "label")


class SchemaError(ValueError):
    """An example does not fit the schema."""


def check_example(ex: Mapping[str, Any], where: str = "") -> None:
    """Raise :class:`SchemaError` (message prefixed with ``where``) when ``ex`` breaks a rule."""
    at = f"{where}: " if where else ""
    for col in REQUIRED:
        if not isinstance(ex.get(col), str) or (col != "text" and not ex[col]):
            raise SchemaError(f"{at}column {col!r} missing or empty")
    task = ex["task"]
    if task not in LABELS:
        raise SchemaError(f"{at}task {task!r} not one of {', '.join(TASKS)}")
    if ex["label"] not in LABELS[task]:
        raise SchemaError(f"{at}label {ex['label']!r} not valid for task {task!r} "
                          f"({'/'.join(LABELS[task])})")
    n = len(ex["text"])
    for name in ("quote", "speaker", "target"):
        s, e = ex.get(f"{name}_start", -1), ex.get(f"{name}_end", -1)
        if not isinstance(s, int) or not isinstance(e, int):
            raise SchemaError(f"{at}{name}_start/{name}_end must be int")
        if (s == -1) != (e == -1) or (s != -1 and not 0 <= s <= e <= n):
            raise SchemaError(f"{at}bad {name} span ({s}, {e}) for text of length {n}")


def make_example(**fields: Any) -> dict[str, Any]:
    """One row with defaults filled in (no validation; see :func:`check_example`)."""
    row = {**DEFAULTS, **fields}
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise SchemaError(f"unknown columns {sorted(unknown)}")
    return row


def to_dataset(rows: Iterable[Mapping[str, Any]], *, check: bool = False) -> datasets.Dataset:
    """A :class:`datasets.Dataset` with :data:`FEATURES` from rows (defaults filled in)."""
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for i, row in enumerate(rows):
        full = make_example(**row)
        if check:
            check_example(full, f"row {i}, id {full.get('id')!r}")
        for c in COLUMNS:
            cols[c].append(full[c])
    # Building the Arrow table directly is ~10x faster than Dataset.from_dict's per-value encoding.
    table = pa.Table.from_pydict(cols, schema=FEATURES.arrow_schema)
    return datasets.Dataset(table, info=datasets.DatasetInfo(features=FEATURES))


def empty_dataset() -> datasets.Dataset:
    """A dataset with no rows and the schema's features."""
    return to_dataset([])


def check_dataset(ds: datasets.Dataset | datasets.DatasetDict) -> None:
    """Validate features, every row (:func:`check_example`) and id uniqueness; raise on error."""
    parts = ds.items() if isinstance(ds, datasets.DatasetDict) else [("", ds)]
    seen: set[str] = set()
    for name, d in parts:
        if d.features != FEATURES:
            raise SchemaError(f"split {name!r}: features differ from FEATURES: {d.features}")
        for i, ex in enumerate(d):
            check_example(ex, f"split {name!r} row {i}, id {ex['id']!r}")
            if ex["id"] in seen:
                raise SchemaError(f"duplicate id {ex['id']!r} (split {name!r} row {i})")
            seen.add(ex["id"])


def label_counts(ds: datasets.Dataset) -> Counter[tuple[str, str]]:
    """Counts of ``(task, label)`` pairs in ``ds``."""
    return Counter(zip(ds["task"], ds["label"], strict=True))
