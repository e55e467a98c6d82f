"""A Label Studio JSON export of our quote tasks, as training-schema rows (the import side).

Tasks come from ``newsstance export-labelstudio`` (:mod:`newsstance.inference.labelstudio`),
labelled with its config. Per task, the latest annotation that is not cancelled counts
(latest by ``updated_at``/``created_at``, else by position). It gives one ``stance`` row and one
``sentiment`` row (each only when that choice was made), nqs-style: ``text`` is the task's context
window, spans are relative to it, ``group`` is the article id. A task flagged "not a quote" is
skipped; "wrong speaker" drops the speaker name and mention (the role is kept only when the
annotator chose one). A task without a usable annotation is skipped with a reason; a malformed
task is reported as an error. Neither stops the others.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsstance.inference.labelstudio import (
    CHOICES,
    FLAG_NOT_A_QUOTE,
    FLAG_WRONG_SPEAKER,
    NOTE_NAME,
)

from .schema import COLUMNS, LABELS, SchemaError, check_example, make_example
from .splits import SPLIT_SEED, split_rows

SOURCE = "labelstudio"


class TaskError(ValueError):
    """A task that does not look like one of ours (the message says why)."""


@dataclass
class ImportResult:
    """Rows built from an export, and what happened to every task."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    tasks: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: int = 0

    def label_counts(self) -> Counter[tuple[str, str]]:
        return Counter((r["task"], r["label"]) for r in self.rows)

    def summary(self) -> str:
        """A few readable lines: tasks, rows per task and label, skipped and malformed tasks."""
        splits = Counter(r.get("split", "train") for r in self.rows)
        lines = [f"{self.tasks} task(s) read, {len(self.rows)} row(s) written ("
                 + ", ".join(f"{k} {n}" for k, n in sorted(splits.items(), reverse=True)) + ")"]
        counts = self.label_counts()
        for task in LABELS:
            per = ", ".join(f"{label} {counts[(task, label)]}" for label in LABELS[task])
            lines.append(f"  {task}: {sum(counts[(task, x)] for x in LABELS[task])} ({per})")
        for reason, n in sorted(self.skipped.items()):
            lines.append(f"  skipped {n}: {reason}")
        if self.errors:
            lines.append(f"  malformed {len(self.errors)} (see the error lines)")
        if self.notes:
            lines.append(f"  {self.notes} annotation(s) have a note (not used in training)")
        return "\n".join(lines)


def read_export(path: str | os.PathLike[str]) -> list[Any]:
    """The task list of a Label Studio JSON export (raises ``ValueError`` with the reason)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of tasks (Label Studio's JSON export)")
    return data


def _int(data: Mapping[str, Any], key: str, optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TaskError(f"data.{key} must be an integer, got {value!r}")
    return value


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise TaskError(f"data.{key} must be a string, got {value!r}")
    return value


def latest_annotation(annotations: Sequence[Any]) -> Mapping[str, Any] | None:
    """The latest annotation that is not cancelled (``None`` if there is none)."""
    live = [(i, a) for i, a in enumerate(annotations)
            if isinstance(a, Mapping) and not a.get("was_cancelled")]
    if not live:
        return None
    stamp = lambda ia: (str(ia[1].get("updated_at") or ia[1].get("created_at") or ""), ia[0])  # noqa: E731
    return max(live, key=stamp)[1]


def annotation_values(annotation: Mapping[str, Any]) -> tuple[dict[str, list[str]], str]:
    """``({control: [choices]}, note)`` of one annotation's ``result``."""
    result = annotation.get("result")
    if not isinstance(result, list):
        raise TaskError("annotation 'result' must be a list")
    choices: dict[str, list[str]] = {}
    note = ""
    for item in result:
        if not isinstance(item, Mapping) or not isinstance(item.get("value"), Mapping):
            raise TaskError(f"bad result item {item!r}")
        name, value = item.get("from_name"), item["value"]
        if "choices" in value:
            if not isinstance(value["choices"], list):
                raise TaskError(f"{name}: 'choices' must be a list")
            choices.setdefault(str(name), []).extend(str(c) for c in value["choices"])
        elif name == NOTE_NAME and "text" in value:
            texts = value["text"] if isinstance(value["text"], list) else [value["text"]]
            note = " ".join(str(t) for t in texts).strip()
    return choices, note


def _one(choices: Mapping[str, list[str]], name: str) -> str | None:
    values = choices.get(name) or []
    if len(values) > 1:
        raise TaskError(f"{name}: one choice expected, got {values}")
    if values and values[0] not in CHOICES[name]:
        raise TaskError(f"{name}: unknown choice {values[0]!r} (expected one of "
                        f"{', '.join(CHOICES[name])})")
    return values[0] if values else None


def task_rows(task: Any, *, source: str = SOURCE, split: str = "train"
              ) -> tuple[list[dict[str, Any]], str | None, str]:
    """``(rows, skip reason or None, note)`` of one exported task; raises :class:`TaskError`."""
    if not isinstance(task, Mapping):
        raise TaskError(f"expected a task object, got {type(task).__name__}")
    data = task.get("data")
    if not isinstance(data, Mapping):
        raise TaskError("no 'data' object (export with Label Studio's JSON format, not JSON-MIN)")
    article = _str(data, "article_id")
    window, quote = _str(data, "window"), _str(data, "quote")
    w_start, start, end = _int(data, "window_start"), _int(data, "start"), _int(data, "end")
    assert w_start is not None and start is not None and end is not None
    qs, qe = start - w_start, end - w_start
    if not (article and 0 <= qs <= qe <= len(window)) or window[qs:qe] != quote:
        raise TaskError(f"quote offsets {start}-{end} do not match the window "
                        f"(window_start {w_start})")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise TaskError("'annotations' must be a list")
    annotation = latest_annotation(annotations)
    if annotation is None:
        return [], ("only cancelled annotations" if annotations else "no annotation"), ""
    choices, note = annotation_values(annotation)
    flags = set(choices.get("flag") or [])
    if unknown := flags - set(CHOICES["flag"]):
        raise TaskError(f"flag: unknown choice(s) {sorted(unknown)}")
    labels = {name: _one(choices, name) for name in LABELS}
    role = _one(choices, "speaker_role")
    if FLAG_NOT_A_QUOTE in flags:
        return [], "flagged 'not a quote'", note
    if not any(labels.values()):
        return [], "no stance or sentiment chosen", note
    speaker, s_start, s_end = "", -1, -1
    if FLAG_WRONG_SPEAKER not in flags:
        role = role or str(data.get("speaker_role") or "")
        speaker = str(data.get("speaker_name") or data.get("speaker") or "")
        sp0, sp1 = _int(data, "speaker_start", True), _int(data, "speaker_end", True)
        if sp0 is not None and sp1 is not None and w_start <= sp0 <= sp1 <= w_start + len(window):
            s_start, s_end = sp0 - w_start, sp1 - w_start
    common = {"group": article, "source": source, "target": str(data.get("target") or ""),
              "text": window, "quote_start": qs, "quote_end": qe, "speaker_start": s_start,
              "speaker_end": s_end, "speaker": speaker, "speaker_role": role or ""}
    rows = []
    for name, label in labels.items():
        if label is not None:
            row = make_example(**common, id=f"{article}-q{start}-{end}-{name}", task=name,
                               label=label)
            try:
                check_example(row)
            except SchemaError as exc:
                raise TaskError(str(exc)) from None
            rows.append({**row, "split": split})
    return rows, None, note


def import_tasks(tasks: Iterable[Any], *, source: str = SOURCE, split: str = "train",
                 dev_fraction: float = 0.0, seed: int = SPLIT_SEED) -> ImportResult:
    """Rows of every usable task; ``dev_fraction`` > 0 sends a seeded share of the articles
    (by ``group``) to ``dev`` instead of ``split``."""
    out = ImportResult()
    first: dict[str, int] = {}
    for i, task in enumerate(tasks):
        out.tasks += 1
        where = f"task {i}" + (f" (id {task['id']})"
                               if isinstance(task, Mapping) and "id" in task else "")
        try:
            rows, skip, note = task_rows(task, source=source, split=split)
        except TaskError as exc:
            out.errors.append(f"{where}: {exc}")
            continue
        out.notes += bool(note)
        if skip is not None:
            out.skipped[skip] += 1
            continue
        key = rows[0]["id"].rsplit("-", 1)[0]
        if key in first:
            out.skipped["duplicate quote (same article and span as an earlier task)"] += 1
            continue
        first[key] = i
        out.rows.extend(rows)
    if dev_fraction > 0:
        _, dev = split_rows(out.rows, dev_fraction, seed, salt=source)
        dev_ids = {r["id"] for r in dev}
        out.rows = [{**r, "split": "dev" if r["id"] in dev_ids else r["split"]}
                    for r in out.rows]
    return out


def write_rows(rows: Iterable[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write rows as schema JSONL (columns in schema order, plus ``split``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({c: row[c] for c in (*COLUMNS, "split") if c in row},
                                ensure_ascii=False) + "\n")
    return path
