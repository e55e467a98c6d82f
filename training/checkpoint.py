"""Per-epoch resumable checkpoints, without pickle.

``<output_dir>/checkpoints/last/`` is a full model directory (loadable by ``QuoteClassifier``)
plus ``optimizer.safetensors`` (AdamW moment tensors) and ``trainer_state.json`` (epoch, step,
scheduler and optimizer scalars, dev history, best score). It is written to a temporary folder
and renamed, so a run killed mid-write keeps the previous checkpoint.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from newsstance.inference.encoding import EncodingSettings
from newsstance.inference.modeling import MultiTaskQuoteModel, save_model_dir

OPTIMIZER_FILE = "optimizer.safetensors"
STATE_FILE = "trainer_state.json"


def checkpoint_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / "checkpoints" / "last"


def _optimizer_split(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors (for safetensors) and JSON scalars of ``optimizer.state_dict()``."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for idx, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{idx}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(idx), {})[name] = value
    return tensors, {"scalars": scalars, "param_groups": state["param_groups"]}


def _optimizer_join(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    for idx, values in meta["scalars"].items():
        state.setdefault(int(idx), {}).update(values)
    return {"state": state, "param_groups": meta["param_groups"]}


def save_checkpoint(output_dir: str | Path, model: MultiTaskQuoteModel, tokenizer: Any,
                    settings: EncodingSettings, optimizer: torch.optim.Optimizer,
                    scheduler: torch.optim.lr_scheduler.LRScheduler,
                    trainer_state: dict[str, Any]) -> Path:
    """Write the resumable checkpoint of the epoch just finished."""
    from safetensors.torch import save_file

    final = checkpoint_dir(output_dir)
    tmp = final.with_name("last.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_model_dir(model, tokenizer, tmp, settings)
    tensors, meta = _optimizer_split(optimizer.state_dict())
    save_file(tensors, str(tmp / OPTIMIZER_FILE))
    sched = {k: v for k, v in scheduler.state_dict().items() if k != "lr_lambdas"}
    state = {**trainer_state, "optimizer": meta, "scheduler": sched}
    (tmp / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")
    old = final.with_name("last.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def load_checkpoint(output_dir: str | Path, model: MultiTaskQuoteModel,
                    optimizer: torch.optim.Optimizer,
                    scheduler: torch.optim.lr_scheduler.LRScheduler) -> dict[str, Any] | None:
    """Restore model, optimizer and scheduler from the last checkpoint; its trainer state
    (``None`` when there is no checkpoint)."""
    from safetensors.torch import load_file

    from newsstance.inference.modeling import WEIGHTS_FILE

    folder = checkpoint_dir(output_dir)
    if not (folder / STATE_FILE).is_file():
        return None
    state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    model.load_state_dict(load_file(str(folder / WEIGHTS_FILE)), strict=True)
    optimizer.load_state_dict(_optimizer_join(load_file(str(folder / OPTIMIZER_FILE)),
                                              state.pop("optimizer")))
    sched = scheduler.state_dict()
    sched.update(state.pop("scheduler"))
    scheduler.load_state_dict(sched)
    return state
