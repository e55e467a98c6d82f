"""The quote model: one transformer encoder, pooled windows, a linear head per task.

A model directory holds:

- ``model.safetensors``: the state dict (encoder + heads), safetensors only;
- ``config.json``: the encoder's config with ``id2label``/``label2id`` (stance labels) and a
  ``newsstance`` entry: ``task_labels`` (task -> label list), ``encoding`` (the
  :class:`~newsstance.inference.encoding.EncodingSettings`), ``pooling`` (see
  :data:`POOLINGS`), ``format_version``;
- the tokenizer files;
- optionally ``newsstance.json`` (provenance; its ``weights_sha256`` is checked when present),
  ``metrics.json`` and a model card ``README.md``.

Each window becomes one vector: with ``pooling="mean"`` the mean of its token embeddings; with
``"mean+focus"`` that mean concatenated with the mean over its *focus* tokens (the quote and the
target mention, markers included: ``EncodedWindows.focus_mask``), so the heads see the quote
itself apart from the context around it (a window without focus tokens uses its mean twice).
An example's windows are then averaged (weighted by ``window_weight``); as the heads are linear
this equals averaging the windows' logits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from newsstance.inference.checksums import INFO_FILE as PROVENANCE_FILE
from newsstance.inference.checksums import sha256_file
from newsstance.inference.encoding import POOLINGS, EncodedWindows, EncodingSettings

#: Label order of each task head (index = class id).
DEFAULT_TASK_LABELS: dict[str, list[str]] = {
    "stance": ["favor", "against", "neutral"],
    "sentiment": ["positive", "negative", "neutral"],
}
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
FORMAT_VERSION = 1


class ModelLoadError(ValueError):
    """A model directory is missing, incomplete, or its files do not match each other."""


class MultiTaskQuoteModel(nn.Module):
    """Encoder + window pooling (:data:`POOLINGS`) + one linear head per task."""

    def __init__(self, encoder: nn.Module, task_labels: Mapping[str, Sequence[str]],
                 dropout: float = 0.1, pooling: str = "mean") -> None:
        super().__init__()
        if not task_labels:
            raise ValueError("task_labels must name at least one task")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got {pooling!r}")
        self.encoder = encoder
        self.pooling = pooling
        self.task_labels = {task: list(labels) for task, labels in task_labels.items()}
        hidden = int(encoder.config.hidden_size) * (2 if self.uses_focus else 1)
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict(
            {task: nn.Linear(hidden, len(labels)) for task, labels in self.task_labels.items()})
        self.uses_token_types = int(getattr(encoder.config, "type_vocab_size", 0) or 0) >= 2

    @property
    def uses_focus(self) -> bool:
        """Whether the model reads ``focus_mask`` (``pooling="mean+focus"``)."""
        return self.pooling == "mean+focus"

    def embed_windows(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      token_type_ids: torch.Tensor | None = None,
                      focus_mask: torch.Tensor | None = None,
                      row_window: torch.Tensor | None = None) -> torch.Tensor:
        """Pooled embedding of each window: (n_windows, hidden), or (n_windows, 2 * hidden)
        with focus pooling (``focus_mask`` required then).

        With ``row_window`` (the ``article`` format, where several examples share a window),
        the encoder reads each window once and the result has one row per entry of
        ``row_window`` (the window it reads), pooled with that row's ``focus_mask``."""
        kwargs: dict[str, torch.Tensor] = {"input_ids": input_ids,
                                           "attention_mask": attention_mask}
        if token_type_ids is not None and self.uses_token_types:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        if row_window is not None:
            hidden, mask = hidden.index_select(0, row_window), mask.index_select(0, row_window)
            mean = mean.index_select(0, row_window)
        if not self.uses_focus:
            return mean
        if focus_mask is None:
            raise ValueError("this model pools over focus tokens: focus_mask is required")
        focus = focus_mask.unsqueeze(-1).to(hidden.dtype) * mask
        count = focus.sum(1)
        focus_mean = (hidden * focus).sum(1) / count.clamp(min=1e-9)
        return torch.cat([mean, torch.where(count > 0, focus_mean, mean)], dim=-1)

    @staticmethod
    def pool_examples(window_emb: torch.Tensor, window_example: torch.Tensor,
                      window_weight: torch.Tensor, n_examples: int) -> torch.Tensor:
        """Weighted mean of each example's window embeddings: (n_examples, hidden)."""
        weighted = window_emb * window_weight.unsqueeze(-1).to(window_emb.dtype)
        sums = window_emb.new_zeros((n_examples, window_emb.shape[-1]))
        sums.index_add_(0, window_example, weighted)
        totals = window_emb.new_zeros(n_examples).index_add_(
            0, window_example, window_weight.to(window_emb.dtype))
        return sums / totals.clamp(min=1e-9).unsqueeze(-1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                window_example: torch.Tensor, window_weight: torch.Tensor, n_examples: int,
                token_type_ids: torch.Tensor | None = None,
                tasks: Sequence[str] | None = None,
                focus_mask: torch.Tensor | None = None,
                row_window: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Logits of each requested task (default: all) per example (``window_example`` and
        ``window_weight`` are per row; see :meth:`embed_windows` for ``row_window``)."""
        emb = self.embed_windows(input_ids, attention_mask, token_type_ids, focus_mask,
                                 row_window)
        pooled = self.dropout(self.pool_examples(emb, window_example, window_weight, n_examples))
        return {task: self.heads[task](pooled) for task in (tasks or self.heads.keys())}


def windows_to_tensors(windows: EncodedWindows, pad_id: int,
                       device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Pad windows to the longest one and make the forward() tensors (without ``n_examples``).

    Rows that share a window (``windows.window_source``) give one window tensor and a
    ``row_window`` index, so the encoder reads each window once."""
    width = max(len(ids) for ids in windows.input_ids)

    def pad(rows: list[list[int]], value: int) -> torch.Tensor:
        return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long,
                            device=device)

    sources = windows.window_source or list(range(len(windows)))
    unique = sorted(set(sources))  # every row when no window is shared
    out = {
        "input_ids": pad([windows.input_ids[i] for i in unique], pad_id),
        "attention_mask": pad([windows.attention_mask[i] for i in unique], 0),
        "token_type_ids": pad([windows.token_type_ids[i] for i in unique], 0),
        "focus_mask": pad(windows.focus_mask, 0),
        "window_example": torch.tensor(windows.window_example, dtype=torch.long, device=device),
        "window_weight": torch.tensor(windows.window_weight, dtype=torch.float32, device=device),
    }
    if len(unique) < len(sources):
        position = {row: k for k, row in enumerate(unique)}
        out["row_window"] = torch.tensor([position[s] for s in sources], dtype=torch.long,
                                         device=device)
    return out


def save_model_dir(model: MultiTaskQuoteModel, tokenizer: Any, path: str | Path,
                   settings: EncodingSettings) -> str:
    """Write weights, tokenizer and config.json to ``path``; return the weights' sha256."""
    from safetensors.torch import save_file

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    config = model.encoder.config
    first_task = "stance" if "stance" in model.task_labels else next(iter(model.task_labels))
    labels = model.task_labels[first_task]
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.newsstance = {
        "format_version": FORMAT_VERSION,
        "task_labels": model.task_labels,
        "encoding": settings.to_dict(),
        "pooling": model.pooling,
        "id2label_task": first_task,
    }
    config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    state = {k: v.detach().to("cpu").clone().contiguous() for k, v in model.state_dict().items()}
    tmp = out / (WEIGHTS_FILE + ".tmp")
    save_file(state, str(tmp), metadata={"format": "pt"})
    tmp.replace(out / WEIGHTS_FILE)
    return sha256_file(out / WEIGHTS_FILE)


@dataclass
class LoadedModel:
    model: MultiTaskQuoteModel
    tokenizer: Any
    settings: EncodingSettings
    task_labels: dict[str, list[str]]


def _read_newsstance_config(config: Any, path: Path) -> dict[str, Any]:
    meta = getattr(config, "newsstance", None)
    if not isinstance(meta, dict) or "task_labels" not in meta:
        raise ModelLoadError(f"{path / CONFIG_FILE} has no 'newsstance' entry with task_labels: "
                             "not a newsstance model directory")
    version = meta.get("format_version", FORMAT_VERSION)
    if version > FORMAT_VERSION:
        raise ModelLoadError(f"{path} has model format {version}; this newsstance reads "
                             f"<= {FORMAT_VERSION}: upgrade newsstance")
    return meta


def _check_sha256(path: Path) -> None:
    provenance = path / PROVENANCE_FILE
    if not provenance.is_file():
        return
    try:
        expected = json.loads(provenance.read_text(encoding="utf-8")).get("weights_sha256")
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read {provenance}: {exc}") from exc
    if expected and sha256_file(path / WEIGHTS_FILE) != expected:
        raise ModelLoadError(f"{path / WEIGHTS_FILE} does not match the sha256 recorded in "
                             f"{provenance}: the weights were altered or replaced")


def _check_state(model: nn.Module, state: Mapping[str, torch.Tensor], path: Path) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing tensor(s) (e.g. {missing[:3]})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected tensor(s) (e.g. {unexpected[:3]})")
    if wrong:
        k = wrong[0]
        problems.append(f"{len(wrong)} tensor(s) of the wrong shape (e.g. {k}: "
                        f"{tuple(state[k].shape)} instead of {tuple(expected[k].shape)})")
    if problems:
        raise ModelLoadError(f"{path / WEIGHTS_FILE} does not fit {path / CONFIG_FILE}: "
                             + "; ".join(problems))


def load_model_dir(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model directory written by :func:`save_model_dir` (in eval mode)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    root = Path(path)
    if not root.is_dir():
        raise ModelLoadError(f"model directory not found: {root}")
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (root / name).is_file():
            raise ModelLoadError(f"{root} is not a complete model directory: {name} is missing")
    try:
        config = AutoConfig.from_pretrained(root)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read {root / CONFIG_FILE}: {exc}") from exc
    meta = _read_newsstance_config(config, root)
    _check_sha256(root)
    try:
        tokenizer = AutoTokenizer.from_pretrained(root)
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"cannot load the tokenizer files in {root}: {exc}") from exc
    settings = EncodingSettings.from_dict(meta.get("encoding", {}))
    task_labels = {t: list(v) for t, v in meta["task_labels"].items()}
    pooling = meta.get("pooling", "mean")
    if pooling not in POOLINGS:
        raise ModelLoadError(f"{root / CONFIG_FILE}: unknown pooling {pooling!r}; this newsstance "
                             f"knows {', '.join(POOLINGS)}: upgrade newsstance")
    model = MultiTaskQuoteModel(AutoModel.from_config(config), task_labels, pooling=pooling)
    try:
        state = load_file(str(root / WEIGHTS_FILE))
    except (SafetensorError, OSError) as exc:
        raise ModelLoadError(f"{root / WEIGHTS_FILE} is not a readable safetensors file: "
                             f"{exc}") from exc
    _check_state(model, state, root)
    model.load_state_dict(state, strict=True)
    model.to(device)
    model.eval()
    return LoadedModel(model=model, tokenizer=tokenizer, settings=settings,
                       task_labels=task_labels)
