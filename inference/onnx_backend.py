"""ONNX Runtime backend: :class:`OnnxQuoteClassifier`, the interface of ``QuoteClassifier``
without torch.

The exported graph (see :mod:`newsstance.inference.onnx_export`) maps token windows to one logits
tensor per task (``logits_<task>``: (windows, labels)). As the heads are linear, the model's
weighted mean of an example's window embeddings equals the weighted mean of its window logits,
which is what is computed here in NumPy. Tokenisation reuses
:func:`newsstance.inference.encoding.encode_pairs` through :class:`FastTokenizer`, a small adapter
giving a ``tokenizers.Tokenizer`` the call signature of a Hugging Face fast tokenizer.

Nothing here imports torch or transformers; every setting (threads) is session-local.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.checksums import INFO_FILE, sha256_file
from newsstance.inference.encoding import EncodedWindows, EncodingSettings, encode_examples

CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
#: Key of ``newsstance.json`` holding ``{file name: sha256}`` for the ONNX model's files.
ONNX_SHA_KEY = "onnx_sha256"
#: Windows per ONNX Runtime run (see ``OnnxQuoteClassifier.window_batch``).
INT8_WINDOW_BATCH, FP32_WINDOW_BATCH = 1, 32


class OnnxModelError(ValueError):
    """An ONNX model directory is missing, incomplete, or its files were altered."""


class _Encoded:
    """The parts of a ``BatchEncoding`` that :func:`encode_pairs` reads."""

    def __init__(self, data: dict[str, Any], encodings: list[Any]) -> None:
        self._data = data
        self.encodings = encodings

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def sequence_ids(self, index: int = 0) -> list[int | None]:
        return self.encodings[index].sequence_ids


class FastTokenizer:
    """A ``tokenizers.Tokenizer`` called like a Hugging Face fast tokenizer (the subset in use).

    Overflowing windows are flattened the way ``transformers`` does it (each encoding, then its
    overflowing encodings), so :func:`encode_pairs` gives the same windows with either.
    """

    def __init__(self, tokenizer: Any, pad_token_id: int = 0) -> None:
        self._tok = tokenizer
        self.pad_token_id = pad_token_id

    @classmethod
    def from_dir(cls, path: str | Path) -> FastTokenizer:
        from tokenizers import Tokenizer

        root = Path(path)
        tok = Tokenizer.from_file(str(root / TOKENIZER_FILE))
        pad_token = "[PAD]"
        special = root / "special_tokens_map.json"
        tok_config = root / "tokenizer_config.json"
        for meta in (tok_config, special):
            if meta.is_file():
                value = json.loads(meta.read_text(encoding="utf-8")).get("pad_token")
                if isinstance(value, dict):
                    value = value.get("content")
                if isinstance(value, str):
                    pad_token = value
                    break
        pad_id = tok.token_to_id(pad_token)
        return cls(tok, pad_token_id=0 if pad_id is None else int(pad_id))

    def __call__(self, text: str | Sequence[str], text_pair: Sequence[str] | None = None, *,
                 add_special_tokens: bool = True, truncation: bool | str = False,
                 max_length: int | None = None, stride: int = 0,
                 return_overflowing_tokens: bool = False, return_offsets_mapping: bool = False,
                 return_token_type_ids: bool = True, **_: Any) -> _Encoded:
        tok = self._tok
        tok.no_padding()
        if truncation and max_length is not None:
            strategy = truncation if isinstance(truncation, str) else "longest_first"
            tok.enable_truncation(max_length, stride=stride, strategy=strategy)
        else:
            tok.no_truncation()
        single = isinstance(text, str)
        if single:
            inputs: list[Any] = [text if text_pair is None else (text, text_pair)]
        elif text_pair is not None:
            inputs = list(zip(text, text_pair, strict=True))
        else:
            inputs = list(text)
        encodings = tok.encode_batch(inputs, add_special_tokens=add_special_tokens)
        flat, mapping = [], []
        for i, enc in enumerate(encodings):
            parts = [enc, *enc.overflowing] if return_overflowing_tokens else [enc]
            flat.extend(parts)
            mapping.extend([i] * len(parts))
        data: dict[str, Any] = {"input_ids": [e.ids for e in flat],
                                "attention_mask": [e.attention_mask for e in flat]}
        if return_token_type_ids:
            data["token_type_ids"] = [e.type_ids for e in flat]
        if return_offsets_mapping:
            data["offset_mapping"] = [e.offsets for e in flat]
        if return_overflowing_tokens:
            data["overflow_to_sample_mapping"] = mapping
        if single and not return_overflowing_tokens:
            data = {k: v[0] for k, v in data.items()}
        return _Encoded(data, flat)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxModelError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise OnnxModelError(f"{path} is not a JSON object")
    return data


def verify_files(root: Path, names: Sequence[str]) -> None:
    """Check ``names`` exist and match the sha256 recorded in ``newsstance.json``."""
    for name in names:
        if not (root / name).is_file():
            raise OnnxModelError(f"{root} is not a complete ONNX model directory: {name} is "
                                 "missing")
    if not (root / INFO_FILE).is_file():
        raise OnnxModelError(f"{root / INFO_FILE} is missing: it records the sha256 of the model "
                             "files (run `newsstance export-onnx` on the model directory)")
    recorded = read_json(root / INFO_FILE).get(ONNX_SHA_KEY) or {}
    for name in names:
        expected = recorded.get(name)
        if not expected:
            raise OnnxModelError(f"{root / INFO_FILE} records no sha256 for {name} "
                                 "(re-run `newsstance export-onnx`)")
        if sha256_file(root / name) != expected:
            raise OnnxModelError(f"{root / name} does not match the sha256 recorded in "
                                 f"{root / INFO_FILE}: the file was altered or replaced")


def session_options(threads: int | None = None) -> Any:
    """Session-local ONNX Runtime options (intra-op threads: ``threads`` or all cores, no
    spinning)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if not threads:
        try:
            threads = len(os.sched_getaffinity(0))  # the cores this process may use
        except (AttributeError, OSError):
            threads = os.cpu_count() or 1
    opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # no busy-waiting between ops: on shared cores (spaCy in the same process, other jobs on the
    # machine) spinning threads cost more than they save
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def example_chunks(examples: Sequence[Mapping[str, Any]], size: int,
                   keep_texts: bool) -> list[tuple[int, int]]:
    """``(start, end)`` chunks of about ``size`` examples; with ``keep_texts`` a run of examples
    with the same text is never split (in the ``article`` format they share windows)."""
    chunks, start = [], 0
    while start < len(examples):
        end = min(len(examples), start + size)
        while keep_texts and end < len(examples) and (
                examples[end].get("text") == examples[end - 1].get("text")):
            end += 1
        chunks.append((start, end))
        start = end
    return chunks


@dataclass
class OnnxQuoteClassifier:
    """A quote model run by ONNX Runtime; same interface as ``QuoteClassifier``."""

    session: Any
    tokenizer: FastTokenizer
    settings: EncodingSettings
    task_labels: dict[str, list[str]]
    #: token windows per ONNX Runtime run. ``from_pretrained`` sets 1 for the int8 graph: dynamic
    #: quantization scales each run's activations by that run's range, so in a batch a window's
    #: probabilities would depend on the other windows (and the run's batch size); alone, a quote
    #: always gets the same probabilities. The fp32 graph is batch-invariant and runs 32.
    window_batch: int = 32

    @classmethod
    def from_pretrained(cls, path: str | Path, quantized: bool = True,
                        threads: int | None = None) -> OnnxQuoteClassifier:
        """Load ``model.int8.onnx`` (or ``model.onnx`` when not ``quantized``) from a model dir,
        after checking every file against the sha256 in ``newsstance.json``."""
        import onnxruntime as ort

        root = Path(path)
        if not root.is_dir():
            raise OnnxModelError(f"model directory not found: {root}")
        onnx_name = INT8_FILE if quantized else ONNX_FILE
        if not (root / onnx_name).is_file():
            raise OnnxModelError(
                f"{root} has no {onnx_name}: run `newsstance export-onnx {root}` first, "
                "or use the torch backend")
        verify_files(root, [onnx_name, CONFIG_FILE, TOKENIZER_FILE])
        meta = read_json(root / CONFIG_FILE).get("newsstance")
        if not isinstance(meta, dict) or "task_labels" not in meta:
            raise OnnxModelError(f"{root / CONFIG_FILE} has no 'newsstance' entry with "
                                 "task_labels: not a newsstance model directory")
        try:
            session = ort.InferenceSession(str(root / onnx_name), sess_options=session_options(
                threads), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise OnnxModelError(f"cannot load {root / onnx_name}: {exc}") from exc
        task_labels = {t: list(v) for t, v in meta["task_labels"].items()}
        outputs = {o.name for o in session.get_outputs()}
        missing = [t for t in task_labels if f"logits_{t}" not in outputs]
        if missing:
            raise OnnxModelError(f"{root / onnx_name} has no output for task(s) {missing}")
        return cls(session=session, tokenizer=FastTokenizer.from_dir(root),
                   settings=EncodingSettings.from_dict(meta.get("encoding", {})),
                   task_labels=task_labels,
                   window_batch=INT8_WINDOW_BATCH if quantized else FP32_WINDOW_BATCH)

    @property
    def labels(self) -> dict[str, list[str]]:
        """Task -> label list; probability columns follow this order."""
        return {task: list(labels) for task, labels in self.task_labels.items()}

    def _check_task(self, task: str) -> None:
        if task not in self.task_labels:
            raise ValueError(f"unknown task {task!r}; this model has "
                             f"{', '.join(sorted(self.task_labels))}")

    @property
    def input_names(self) -> set[str]:
        """The graph's input names (``focus_mask`` and ``row_window`` are optional inputs)."""
        return {i.name for i in self.session.get_inputs()}

    def window_logits(self, input_ids: list[list[int]], attention_mask: list[list[int]],
                      token_type_ids: list[list[int]], tasks: Sequence[str],
                      focus_mask: list[list[int]] | None = None) -> dict[str, np.ndarray]:
        """Logits of each window, run in length-sorted batches of :attr:`window_batch`."""
        n = len(input_ids)
        out = {t: np.zeros((n, len(self.task_labels[t])), dtype=np.float32) for t in tasks}
        names = self.input_names
        fetch = [f"logits_{t}" for t in tasks]
        order = sorted(range(n), key=lambda i: len(input_ids[i]))
        pad = self.tokenizer.pad_token_id
        for start in range(0, n, self.window_batch):
            idx = order[start:start + self.window_batch]
            width = max(len(input_ids[i]) for i in idx)

            def padded(rows: list[list[int]], value: int, idx: list[int] = idx,
                       width: int = width) -> np.ndarray:
                return np.array([rows[i] + [value] * (width - len(rows[i])) for i in idx],
                                dtype=np.int64)

            feed = {"input_ids": padded(input_ids, pad),
                    "attention_mask": padded(attention_mask, 0)}
            if "token_type_ids" in names:
                feed["token_type_ids"] = padded(token_type_ids, 0)
            if "focus_mask" in names:
                if focus_mask is None:
                    raise ValueError("this graph pools over focus tokens: focus_mask is required")
                feed["focus_mask"] = padded(focus_mask, 0)
            for task, logits in zip(tasks, self.session.run(fetch, feed), strict=True):
                out[task][idx] = logits
        return out

    def row_logits(self, windows: EncodedWindows, keep: Sequence[int],
                   tasks: Sequence[str]) -> dict[str, np.ndarray]:
        """Logits of rows ``keep`` of an ``article``-format encoding: each shared window runs
        once (:attr:`window_batch` windows to a run, with all their rows)."""
        sources = windows.window_source or list(range(len(windows)))
        rows_of: dict[int, list[int]] = {}
        for k, row in enumerate(keep):
            rows_of.setdefault(sources[row], []).append(k)
        unique = sorted(rows_of, key=lambda r: len(windows.input_ids[r]))
        out = {t: np.zeros((len(keep), len(self.task_labels[t])), dtype=np.float32)
               for t in tasks}
        names = self.input_names
        fetch = [f"logits_{t}" for t in tasks]
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(unique), self.window_batch):
            chunk = unique[start:start + self.window_batch]
            rows = [k for r in chunk for k in rows_of[r]]
            width = max(len(windows.input_ids[r]) for r in chunk)

            def padded(table: list[list[int]], idx: Sequence[int], value: int,
                       width: int = width) -> np.ndarray:
                return np.array([table[i] + [value] * (width - len(table[i])) for i in idx],
                                dtype=np.int64)

            feed = {"input_ids": padded(windows.input_ids, chunk, pad),
                    "attention_mask": padded(windows.attention_mask, chunk, 0),
                    "focus_mask": padded(windows.focus_mask, [keep[k] for k in rows], 0),
                    "row_window": np.array([pos for pos, r in enumerate(chunk)
                                            for _ in rows_of[r]], dtype=np.int64)}
            if "token_type_ids" in names:
                feed["token_type_ids"] = padded(windows.token_type_ids, chunk, 0)
            for task, logits in zip(tasks, self.session.run(fetch, feed), strict=True):
                out[task][rows] = logits
        return out

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int = 256) -> dict[str, np.ndarray]:
        """Probabilities of several tasks at once; ``batch_size`` examples are encoded at a time
        (their windows run in length-sorted batches across examples)."""
        for task in tasks:
            self._check_task(task)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        out = {t: np.zeros((len(examples), len(self.task_labels[t])), dtype=np.float64)
               for t in tasks}
        for start, end in example_chunks(examples, max(batch_size, 64),
                                         self.settings.input_format == "article"):
            chunk = examples[start:end]
            windows = encode_examples(self.tokenizer, chunk, self.settings)
            # windows of weight 0 (context-only windows of a quote) do not change the result
            keep = [i for i, w in enumerate(windows.window_weight) if w > 0]
            if "row_window" in self.input_names:
                logits = self.row_logits(windows, keep, tasks)
            else:
                logits = self.window_logits([windows.input_ids[i] for i in keep],
                                            [windows.attention_mask[i] for i in keep],
                                            [windows.token_type_ids[i] for i in keep], tasks,
                                            [windows.focus_mask[i] for i in keep])
            example = np.asarray([windows.window_example[i] for i in keep], dtype=np.int64)
            weight = np.asarray([windows.window_weight[i] for i in keep], dtype=np.float64)
            totals = np.bincount(example, weights=weight, minlength=len(chunk))
            for task in tasks:
                sums = np.zeros((len(chunk), logits[task].shape[1]), dtype=np.float64)
                np.add.at(sums, example, logits[task].astype(np.float64) * weight[:, None])
                mean = sums / np.maximum(totals, 1e-9)[:, None]
                mean -= mean.max(axis=1, keepdims=True)
                probs = np.exp(mean)
                out[task][start:start + len(chunk)] = probs / probs.sum(axis=1, keepdims=True)
        return out

    def predict_proba(self, examples: Sequence[Mapping[str, Any]], task: str,
                      batch_size: int = 256) -> np.ndarray:
        """(n, n_labels) probabilities in ``self.labels[task]`` order; rows sum to 1."""
        return self.predict_proba_tasks(examples, [task], batch_size)[task]

    def predict(self, examples: Sequence[Mapping[str, Any]], task: str,
                batch_size: int = 256) -> list[str]:
        """The most probable label of each example."""
        self._check_task(task)
        probs = self.predict_proba(examples, task, batch_size)
        return [self.task_labels[task][i] for i in probs.argmax(axis=1)]
