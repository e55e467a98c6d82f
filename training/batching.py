"""Training batches: pre-tokenised inputs, length-bucketed shuffled batches, the loss."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from newsstance.inference.encoding import EncodingSettings, encode_examples
from newsstance.training.train_data import TaskInput


@dataclass
class InputWindows:
    """Pre-tokenised windows of one input."""

    input_ids: list[list[int]]
    token_type_ids: list[list[int]]
    weights: list[float]
    focus_mask: list[list[int]]

    @property
    def n_tokens(self) -> int:
        return sum(len(ids) for ids in self.input_ids)


def pretokenize(tokenizer: Any, inputs: Sequence[TaskInput], settings: EncodingSettings,
                chunk: int = 1024) -> list[InputWindows]:
    """Every input's windows (tokenised once, before the first epoch)."""
    out: list[InputWindows] = []
    for start in range(0, len(inputs), chunk):
        part = inputs[start:start + chunk]
        enc = encode_examples(tokenizer, [i.example for i in part], settings)
        per = [InputWindows([], [], [], []) for _ in part]
        for w, example in enumerate(enc.window_example):
            per[example].input_ids.append(enc.input_ids[w])
            per[example].token_type_ids.append(enc.token_type_ids[w])
            per[example].weights.append(enc.window_weight[w])
            per[example].focus_mask.append(enc.focus_mask[w])
        out.extend(per)
    return out


def make_batches(sizes: Sequence[int], batch_size: int, rng: random.Random,
                 pool: int = 50) -> list[list[int]]:
    """Shuffled batches of input indices; inputs of similar size share a batch (less padding)."""
    order = list(range(len(sizes)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    span = batch_size * pool
    for start in range(0, len(order), span):
        block = sorted(order[start:start + span], key=lambda i: sizes[i])
        batches.extend(block[i:i + batch_size] for i in range(0, len(block), batch_size))
    rng.shuffle(batches)
    return batches


def collate(batch: Sequence[int], windows: Sequence[InputWindows], inputs: Sequence[TaskInput],
            task_labels: dict[str, list[str]], pad_id: int) -> dict[str, Any]:
    """Tensors of one batch: padded windows, window→input map, labels (-100 = none), weights."""
    ids, types, focus, weights, owner = [], [], [], [], []
    for pos, i in enumerate(batch):
        ids += windows[i].input_ids
        types += windows[i].token_type_ids
        focus += windows[i].focus_mask
        weights += windows[i].weights
        owner += [pos] * len(windows[i].input_ids)
    width = max(len(r) for r in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    token_type_ids = torch.zeros((len(ids), width), dtype=torch.long)
    attention_mask = torch.zeros((len(ids), width), dtype=torch.long)
    focus_mask = torch.zeros((len(ids), width), dtype=torch.long)
    for r, (row, trow, frow) in enumerate(zip(ids, types, focus, strict=True)):
        input_ids[r, :len(row)] = torch.tensor(row)
        token_type_ids[r, :len(row)] = torch.tensor(trow)
        focus_mask[r, :len(row)] = torch.tensor(frow)
        attention_mask[r, :len(row)] = 1
    labels = {}
    for task, labs in task_labels.items():
        index = {lab: k for k, lab in enumerate(labs)}
        labels[task] = torch.tensor([index[inputs[i].labels[task]] if task in inputs[i].labels
                                     else -100 for i in batch], dtype=torch.long)
    return {
        "model": {"input_ids": input_ids, "attention_mask": attention_mask,
                  "token_type_ids": token_type_ids, "focus_mask": focus_mask,
                  "window_example": torch.tensor(owner, dtype=torch.long),
                  "window_weight": torch.tensor(weights, dtype=torch.float32),
                  "n_examples": len(batch)},
        "labels": labels,
        "weights": torch.tensor([inputs[i].weight for i in batch], dtype=torch.float32),
    }


def class_weights(inputs: Sequence[TaskInput], task_labels: dict[str, list[str]],
                  mode: str) -> dict[str, torch.Tensor | None]:
    """Per-task class weights: ``balanced`` = n / (k * count), ``sqrt`` its square root."""
    out: dict[str, torch.Tensor | None] = {}
    for task, labs in task_labels.items():
        counts = Counter(i.labels[task] for i in inputs if task in i.labels)
        if mode == "none" or not counts:
            out[task] = None
            continue
        total = sum(counts.values())
        raw = [total / (len(labs) * counts[lab]) if counts[lab] else 0.0 for lab in labs]
        if mode == "sqrt":
            raw = [math.sqrt(w) for w in raw]
        out[task] = torch.tensor(raw, dtype=torch.float32)
    return out


def batch_loss(logits: dict[str, torch.Tensor], batch: dict[str, Any],
               weights: dict[str, torch.Tensor | None], label_smoothing: float) -> torch.Tensor:
    """Sum of the weighted per-label cross-entropies divided by the number of labels."""
    total, count = None, 0
    for task, task_logits in logits.items():
        labels = batch["labels"][task]
        mask = labels != -100
        if not bool(mask.any()):
            continue
        loss = nn.functional.cross_entropy(task_logits[mask], labels[mask], weight=weights[task],
                                           label_smoothing=label_smoothing, reduction="none")
        loss = (loss * batch["weights"][mask]).sum()
        total = loss if total is None else total + loss
        count += int(mask.sum())
    if total is None:
        raise ValueError("a batch without labels")
    return total / count
