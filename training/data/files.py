"""Data in the schema from a user's file or folder, or from the Hugging Face Hub.

* :func:`from_file`: a ``.csv`` or ``.jsonl`` file with the schema's columns. ``text``, ``label``
  and ``task`` are required (``task`` may instead be given as an argument); ``id`` (default
  ``<file stem>-<row>``), ``group`` (default: the id), ``source`` (default: the file stem) and
  every other column are optional (defaults ``""``/``-1``). A ``split`` column, if present,
  sends each row to that split (else all rows go to ``split``). Labels are matched
  case-insensitively. Any problem raises :class:`~.schema.SchemaError` naming file and row.
* :func:`from_dir`: a folder with ``train`` and/or ``dev`` files (``.jsonl`` or ``.csv``).
* :func:`from_hub`: ``datasets.load_dataset`` plus a column mapping; without a network it raises
  :class:`HubUnavailableError` with a clear message.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import datasets

from .schema import COLUMNS, LABELS, SPAN_COLUMNS, SchemaError, check_example, to_dataset
from .splits import SPLIT_SEED, split_rows

FILE_SUFFIXES = (".jsonl", ".csv")
OPTIONAL_EXTRA = ("split",)


class HubUnavailableError(RuntimeError):
    """A Hugging Face Hub data set could not be fetched (no network, unknown name, ...)."""


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) pairs of a CSV or JSONL file."""
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SchemaError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
                if not isinstance(rec, dict):
                    raise SchemaError(f"{path}:{n}: expected a JSON object per line")
                yield n, rec
    elif path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for n, rec in enumerate(csv.DictReader(fh), 2):
                yield n, dict(rec)
    else:
        raise SchemaError(f"{path}: unsupported file type (use {' or '.join(FILE_SUFFIXES)})")


def normalise_record(
    rec: Mapping[str, Any], *, where: str, default_id: str, source: str, task: str | None = None
) -> dict[str, Any]:
    """A schema row from a user record (types coerced, defaults filled, checked)."""
    unknown = set(rec) - set(COLUMNS) - set(OPTIONAL_EXTRA)
    if unknown:
        raise SchemaError(f"{where}: unknown column(s) {sorted(unknown)}; "
                          f"allowed: {', '.join(COLUMNS + OPTIONAL_EXTRA)}")
    row: dict[str, Any] = {}
    for col in COLUMNS:
        value = rec.get(col)
        if col in SPAN_COLUMNS:
            if value is None or (isinstance(value, str) and not value.strip()):
                row[col] = -1
                continue
            try:
                row[col] = int(value)
            except (TypeError, ValueError):
                raise SchemaError(f"{where}: {col} must be an integer, got {value!r}") from None
        elif value is not None:
            row[col] = str(value)
    row.setdefault("task", task or "")
    if not row["task"]:
        raise SchemaError(f"{where}: column 'task' missing (or pass task=...) "
                          f"— one of {', '.join(LABELS)}")
    row["task"] = row["task"].strip().lower()
    row["label"] = row.get("label", "").strip().lower()
    if "text" not in row:
        raise SchemaError(f"{where}: column 'text' missing")
    row["id"] = row.get("id") or default_id
    row["group"] = row.get("group") or row["id"]
    row["source"] = row.get("source") or source
    check_example({**{c: -1 for c in SPAN_COLUMNS}, **row}, where)
    return row


def from_file(
    path: str | os.PathLike[str], *, split: str = "train", task: str | None = None,
    source: str | None = None,
) -> datasets.DatasetDict:
    """A schema CSV/JSONL file as a ``DatasetDict`` (one split per ``split`` column value)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    src = source or path.stem
    by_split: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, str] = {}
    for n, rec in _records(path):
        where = f"{path}:{n}" + (f" (id {rec['id']!r})" if rec.get("id") else "")
        row = normalise_record(rec, where=where, default_id=f"{src}-{n}", source=src, task=task)
        if row["id"] in seen:
            raise SchemaError(f"{where}: duplicate id {row['id']!r} (first at {seen[row['id']]})")
        seen[row["id"]] = where
        target_split = str(rec.get("split") or split).strip()
        by_split.setdefault(target_split, []).append(row)
    if not by_split:
        raise SchemaError(f"{path}: no rows")
    return datasets.DatasetDict({k: to_dataset(v) for k, v in by_split.items()})


def from_dir(path: str | os.PathLike[str], **kwargs: Any) -> datasets.DatasetDict:
    """A folder of ``train``/``dev`` schema files (``train.jsonl``, ``dev.csv``, ...)."""
    path = Path(path)
    out: dict[str, datasets.Dataset] = {}
    for split in ("train", "dev"):
        files = [path / f"{split}{suffix}" for suffix in FILE_SUFFIXES]
        found = [f for f in files if f.is_file()]
        if len(found) > 1:
            raise SchemaError(f"{path}: both {found[0].name} and {found[1].name}; keep one")
        if found:
            out[split] = from_file(found[0], split=split, **kwargs)[split]
    if not out:
        raise FileNotFoundError(f"{path}: no train/dev .jsonl or .csv files")
    return datasets.DatasetDict(out)


def from_hub(
    name: str,
    *,
    text: str,
    label: str,
    task: str,
    target: str | None = None,
    group: str | None = None,
    id_column: str | None = None,
    config_name: str | None = None,
    label_map: Mapping[Any, str] | None = None,
    splits: Mapping[str, str] | None = None,
    seed: int = SPLIT_SEED,
    load_dataset: Callable[..., Any] | None = None,
    **load_kwargs: Any,
) -> datasets.DatasetDict:
    """A Hub data set mapped to the schema (needs a network, or a warm local cache).

    ``text``/``label``/``target``/``group``/``id_column`` name the Hub columns; ``label_map``
    maps Hub labels (e.g. ``0``/``1``/``2``) to ours (default: the label, lower-cased; a
    ``ClassLabel`` is turned into its name first). ``splits`` maps our split to the Hub's
    (default ``{"train": "train", "dev": "validation"}``); with no dev split on the Hub, a seeded
    20% of train (by ``group``) becomes dev. Test splits are never loaded.
    """
    load = load_dataset or datasets.load_dataset
    try:
        hub = load(name, config_name, **load_kwargs)
    except Exception as exc:  # network, auth, unknown name: all surface as one clear error
        raise HubUnavailableError(
            f"could not load {name!r} from the Hugging Face Hub ({type(exc).__name__}: {exc}). "
            "from_hub needs a network connection (or the data set in the local Hugging Face "
            "cache); offline, export the data to a .jsonl/.csv in the schema and use "
            "load_source('<path>') instead.") from exc
    mapping = dict(splits or {"train": "train", "dev": "validation"})
    source = "hub:" + name
    out: dict[str, list[dict[str, Any]]] = {}
    for ours, theirs in mapping.items():
        if theirs not in hub:
            continue
        d = hub[theirs]
        feat = d.features.get(label) if hasattr(d, "features") else None
        names = getattr(feat, "names", None)
        rows = []
        for i, rec in enumerate(d):
            raw = rec[label]
            if names is not None and isinstance(raw, int):
                raw = names[raw]
            lab = label_map[raw] if label_map is not None else str(raw).lower()
            rid = str(rec[id_column]) if id_column else f"{name}-{theirs}-{i}"
            row = {"id": rid, "group": str(rec[group]) if group else rid, "source": source,
                   "task": task, "text": str(rec[text]), "label": lab,
                   "target": str(rec[target]) if target else ""}
            rows.append(normalise_record(row, where=f"{name} [{theirs}] row {i}",
                                         default_id=rid, source=source))
        out[ours] = rows
    if "train" not in out:
        raise HubUnavailableError(f"{name!r} has no split {mapping.get('train')!r} "
                                  f"(has {', '.join(hub)})")
    if "dev" not in out:
        out["train"], out["dev"] = map(list, split_rows(out["train"], seed=seed, salt=source))
    return datasets.DatasetDict({k: to_dataset(v) for k, v in out.items()})
