"""``QuoteClassifier``: stance and sentiment probabilities for quote examples.

    clf = QuoteClassifier.from_pretrained("runs/default")
    clf.labels                               # {"stance": [...], "sentiment": [...]}
    clf.predict_proba(examples, "stance")    # (n, 3) array in clf.labels["stance"] order
    clf.predict(examples, "sentiment")       # ["negative", ...]

Examples are dicts in the training schema (``text`` plus optional ``target``, ``quote_start``,
``quote_end``, ``target_start``, ``target_end``, ``speaker``, ``speaker_role``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from newsstance.inference.encoding import EncodingSettings, encode_examples, input_length
from newsstance.inference.modeling import MultiTaskQuoteModel, load_model_dir, windows_to_tensors


class QuoteClassifier:
    """A loaded quote model; batched, length-sorted inference under ``torch.inference_mode()``."""

    def __init__(self, model: MultiTaskQuoteModel, tokenizer: Any, settings: EncodingSettings,
                 device: str | torch.device = "cpu") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.device = torch.device(device)

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "cpu") -> QuoteClassifier:
        """Load a model directory (see :mod:`newsstance.inference.modeling`)."""
        loaded = load_model_dir(path, device=device)
        return cls(loaded.model, loaded.tokenizer, loaded.settings, device=device)

    @property
    def labels(self) -> dict[str, list[str]]:
        """Task -> label list; probability columns follow this order."""
        return {task: list(labels) for task, labels in self.model.task_labels.items()}

    def _check_task(self, task: str) -> None:
        if task not in self.model.task_labels:
            raise ValueError(f"unknown task {task!r}; this model has "
                             f"{', '.join(sorted(self.model.task_labels))}")

    def predict_proba_tasks(self, examples: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                            batch_size: int = 32) -> dict[str, np.ndarray]:
        """Probabilities of several tasks at once (each input is encoded once)."""
        for task in tasks:
            self._check_task(task)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        out = {t: np.zeros((len(examples), len(self.model.task_labels[t])), dtype=np.float64)
               for t in tasks}
        if not examples:
            return out
        lengths = [input_length(e, self.settings) for e in examples]
        order = sorted(range(len(examples)), key=lengths.__getitem__)
        pad_id = self.tokenizer.pad_token_id or 0
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                for start in range(0, len(order), batch_size):
                    idx = order[start:start + batch_size]
                    windows = encode_examples(self.tokenizer, [examples[i] for i in idx],
                                              self.settings)
                    tensors = windows_to_tensors(windows, pad_id, self.device)
                    logits = self.model(**tensors, n_examples=len(idx), tasks=list(tasks))
                    for task in tasks:
                        probs = torch.softmax(logits[task].float(), dim=-1).cpu().numpy()
                        out[task][idx] = probs
        finally:
            self.model.train(was_training)
        return out

    def predict_proba(self, examples: Sequence[Mapping[str, Any]], task: str,
                      batch_size: int = 32) -> np.ndarray:
        """(n, n_labels) probabilities in ``self.labels[task]`` order; rows sum to 1."""
        return self.predict_proba_tasks(examples, [task], batch_size)[task]

    def predict(self, examples: Sequence[Mapping[str, Any]], task: str,
                batch_size: int = 32) -> list[str]:
        """The most probable label of each example."""
        self._check_task(task)
        labels = self.model.task_labels[task]
        probs = self.predict_proba(examples, task, batch_size)
        return [labels[i] for i in probs.argmax(axis=1)]
