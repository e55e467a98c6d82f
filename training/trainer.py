"""The fine-tuning loop of ``newsstance train``.

Multi-task batches: each input carries the labels of one or more tasks and trains those heads
(an nqs quote's stance and sentiment share one forward pass). AdamW with linear warmup and decay,
optional class weights and label smoothing, per-source loss weights. After every epoch the dev
sets are scored, a resumable checkpoint is written, and the model directory is (re)written when
the selection score (nqs dev mean macro-F1 of stance and sentiment, else the mean over all dev
sets) improves. All randomness comes from ``config.seed``; torch's global RNG is forked, so the
caller's RNG state is untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from newsstance.inference.classifier import QuoteClassifier
from newsstance.inference.modeling import (
    DEFAULT_TASK_LABELS,
    PROVENANCE_FILE,
    ModelLoadError,
    MultiTaskQuoteModel,
    load_model_dir,
    save_model_dir,
)
from newsstance.training.batching import (
    batch_loss,
    class_weights,
    collate,
    make_batches,
    pretokenize,
)
from newsstance.training.checkpoint import load_checkpoint, save_checkpoint
from newsstance.training.config import ConfigError, TrainConfig, resolve_base_model
from newsstance.training.dev_scores import score_task, selection_score
from newsstance.training.model_card import write_metrics, write_model_card, write_provenance
from newsstance.training.schedule import BudgetGuard, LinearSchedule
from newsstance.training.train_data import RunData, TaskInput, load_run_data

log = logging.getLogger(__name__)

RESOLVED_CONFIG_FILE = "train_config.json"
#: Config fields that may change between a run and its resumption.
RESUMABLE_CHANGES = ("time_budget_minutes", "output_dir", "data_dir", "num_threads")


@dataclass
class TrainResult:
    """What a run produced: the model directory, the chosen epoch's dev metrics, the history."""

    output_dir: Path
    best_epoch: int
    dev: dict[str, dict[str, dict[str, Any]]]
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped_early: bool = False


def _optimizer(model: MultiTaskQuoteModel, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; no weight decay on biases and norms; the new heads at ``lr * head_lr_scale``."""
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        plain = name.endswith("bias") or "norm" in name.lower()
        groups.setdefault((name.startswith("heads."), plain), []).append(param)
    param_groups = [
        {"params": params,
         "weight_decay": 0.0 if plain else config.weight_decay,
         "lr": config.lr * (config.head_lr_scale if head else 1.0)}
        for (head, plain), params in sorted(groups.items())]
    try:  # the fused kernel is ~10x faster than the default per-tensor loop on CPU
        return torch.optim.AdamW(param_groups, lr=config.lr, fused=True)
    except (RuntimeError, TypeError, ValueError):  # older torch: no fused CPU AdamW
        return torch.optim.AdamW(param_groups, lr=config.lr, foreach=True)


def evaluate_dev(classifier: QuoteClassifier, dev: dict[str, list[TaskInput]],
                 batch_size: int) -> dict[str, dict[str, dict[str, Any]]]:
    """Scores of every dev set, per task: ``{source: {task: scores}}``."""
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for source, items in dev.items():
        tasks = [t for t in classifier.labels if any(t in i.labels for i in items)]
        if not tasks:
            continue
        probs = classifier.predict_proba_tasks([i.example for i in items], tasks, batch_size)
        results[source] = {}
        for task in tasks:
            labels = classifier.labels[task]
            rows = [k for k, i in enumerate(items) if task in i.labels]
            gold = [items[k].labels[task] for k in rows]
            pred = [labels[j] for j in probs[task][rows].argmax(axis=1)]
            results[source][task] = score_task(gold, pred, task=task, source=source,
                                               labels=labels)
    return results


def config_fingerprint(config: TrainConfig) -> str:
    data = {k: v for k, v in config.to_dict().items() if k not in RESUMABLE_CHANGES}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _load_base(config: TrainConfig, task_labels: dict[str, list[str]]) -> tuple[Any, Any]:
    from transformers import AutoModel, AutoTokenizer

    if config.init_from is not None:
        return _load_init(config, task_labels)
    source = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(source)
    encoder = AutoModel.from_pretrained(source)
    return (MultiTaskQuoteModel(encoder, task_labels, dropout=config.dropout,
                                pooling=config.pooling), tokenizer)


def _first_stage(init_from: str | None) -> dict[str, Any] | None:
    """What the ``init_from`` model's ``newsstance.json`` says of how it was made."""
    if init_from is None:
        return None
    path = Path(init_from) / PROVENANCE_FILE
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"path": init_from}
    keep = ("command", "data", "weights_sha256", "created", "first_stage")
    return {"path": init_from, **{k: info[k] for k in keep if k in info}}


#: Encoding settings a second stage must share with its ``init_from`` model (the input's
#: format); the window and context lengths may change.
INPUT_FORMAT = ("quote_markers", "target_markers", "max_target_tokens", "input_format")


def _load_init(config: TrainConfig, task_labels: dict[str, list[str]]) -> tuple[Any, Any]:
    """The model and tokenizer of ``config.init_from``, checked against the config."""
    try:
        loaded = load_model_dir(config.init_from)
    except ModelLoadError as exc:
        raise ConfigError(f"init_from: {exc}") from exc
    if loaded.task_labels != task_labels:
        raise ConfigError(f"init_from: {config.init_from} has tasks {loaded.task_labels}, "
                          f"this config trains {task_labels}")
    ours = config.encoding_settings()
    if any(getattr(loaded.settings, name) != getattr(ours, name) for name in INPUT_FORMAT):
        raise ConfigError(f"init_from: {config.init_from} encodes with {loaded.settings}, "
                          f"this config with {ours}: the input format differs")
    if loaded.model.pooling != config.pooling:
        raise ConfigError(f"init_from: {config.init_from} pools with {loaded.model.pooling!r}, "
                          f"this config with {config.pooling!r}")
    loaded.model.dropout.p = config.dropout
    loaded.model.train()
    return loaded.model, loaded.tokenizer


def _summary_line(epoch: int, loss: float, dev: dict[str, Any], score: float | None) -> str:
    parts = [f"{s}/{t} {m['macro_f1']:.3f}" for s, tasks in dev.items() for t, m in tasks.items()]
    best = f" score {score:.4f}" if score is not None else ""
    return f"epoch {epoch}: train loss {loss:.4f};{best} dev macro-F1: " + ", ".join(parts)


class _Run:
    """State of one training run (kept small: the loop lives in :func:`train`)."""

    def __init__(self, config: TrainConfig, command: str) -> None:
        self.config = config
        self.command = command
        self.out = Path(config.output_dir)
        self.settings = config.encoding_settings()
        self.task_labels = {t: DEFAULT_TASK_LABELS[t] for t in config.task_names}
        self.history: list[dict[str, Any]] = []
        self.best_score: float | None = None
        self.best_epoch = 0
        self.best_dev: dict[str, Any] = {}
        self.stopped_early = False
        self.planned_steps = 0
        self.first_stage = _first_stage(config.init_from)

    def save_best(self, model: MultiTaskQuoteModel, tokenizer: Any, data: RunData) -> None:
        sha = save_model_dir(model, tokenizer, self.out, self.settings)
        self.write_description(data, sha)

    def write_description(self, data: RunData, sha: str | None = None) -> None:
        """newsstance.json, metrics.json, README.md and the resolved config."""
        if sha is None:
            from newsstance.inference.modeling import WEIGHTS_FILE, sha256_file

            sha = sha256_file(self.out / WEIGHTS_FILE)
        config = self.config.to_dict()
        (self.out / RESOLVED_CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n",
                                                     encoding="utf-8")
        metrics = {
            "best_epoch": self.best_epoch,
            "selected_by": ("nqs dev mean macro-F1 (stance, sentiment)" if "nqs" in data.dev
                            else "mean dev macro-F1"),
            "selection_score": self.best_score,
            "dev": self.best_dev,
            "history": self.history,
            "stopped_early": self.stopped_early,
            "planned_steps": self.planned_steps,
        }
        write_metrics(self.out, metrics)
        first = self.first_stage
        write_provenance(self.out, config=config, data=data.summary, labels=self.task_labels,
                         weights_sha256=sha, best_epoch=self.best_epoch, first_stage=first,
                         resolved_base_model=resolve_base_model(self.config.base_model),
                         command=self.command, stopped_early=self.stopped_early)
        rebuild = (f"{self.command}\n# or, from the resolved config saved beside the model:\n"
                   f"newsstance train {shlex.quote(str(self.out / RESOLVED_CONFIG_FILE))}")
        write_model_card(self.out, config=config, data=data.summary, metrics=metrics,
                         labels=self.task_labels, command=rebuild, first_stage=first)


@dataclass
class _Update:
    """One optimisation step on a collated batch; returns the batch loss."""

    model: MultiTaskQuoteModel
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    class_weights: dict[str, torch.Tensor | None]
    label_smoothing: float
    grad_clip: float

    def __call__(self, batch: dict[str, Any]) -> float:
        logits = self.model(**batch["model"])
        loss = batch_loss(logits, batch, self.class_weights, self.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        return float(loss.detach())


def train(config: TrainConfig, *, resume: bool = False, command: str | None = None,
          progress: bool = True,
          on_step: Callable[[int, float], None] | None = None) -> TrainResult:
    """Fine-tune, evaluate each epoch, write the model directory; see the module docstring.

    ``on_step(step, loss)`` is called after every optimizer step (e.g. to plot a loss curve)."""
    command = command or "newsstance train <config>"
    threads = torch.get_num_threads()
    try:
        if config.num_threads:
            torch.set_num_threads(config.num_threads)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            return _train(config, resume=resume, command=command, progress=progress,
                          on_step=on_step)
    finally:
        torch.set_num_threads(threads)


def _train(config: TrainConfig, *, resume: bool, command: str, progress: bool,
           on_step: Callable[[int, float], None] | None) -> TrainResult:
    from tqdm import tqdm

    started = time.monotonic()
    run = _Run(config, command)
    data = load_run_data(config)
    first = data.epoch_indices(1)
    log.info("training inputs: %d an epoch (%d in all); dev sets: %s", len(first),
             len(data.train), {k: len(v) for k, v in data.dev.items()})
    model, tokenizer = _load_base(config, run.task_labels)
    windows = pretokenize(tokenizer, data.train, run.settings)
    sizes = [w.n_tokens for w in windows]
    pad_id = tokenizer.pad_token_id or 0
    n_batches = math.ceil(len(first) / config.batch_size)
    total_steps = n_batches * config.epochs
    run.planned_steps = total_steps
    optimizer = _optimizer(model, config)
    schedule = LinearSchedule(total_steps, int(config.warmup * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    update = _Update(model, optimizer, scheduler,
                     class_weights([data.train[i] for i in first], run.task_labels,
                                   config.class_weighting),
                     config.label_smoothing, config.grad_clip)
    classifier = QuoteClassifier(model, tokenizer, run.settings)
    start_epoch, step = 0, 0
    if resume:
        state = load_checkpoint(config.output_dir, model, optimizer, scheduler)
        if state is not None:
            if state.get("fingerprint") != config_fingerprint(config):
                raise ConfigError("the checkpoint in "
                                 f"{config.output_dir} was made with another config; "
                                 "resume with the same config or use another output dir")
            start_epoch, step = state["epoch"], state["step"]
            schedule.total = state.get("schedule_total", total_steps)
            run.history, run.best_epoch = state["history"], state["best_epoch"]
            run.best_score, run.best_dev = state["best_score"], state["best_dev"]
            log.info("resuming after epoch %d", start_epoch)
    budget = config.time_budget_minutes * 60 if config.time_budget_minutes else None
    guard = BudgetGuard(budget, started, schedule, n_batches,
                        sum(len(v) for v in data.dev.values()), config.eval_batch_size,
                        planned_total=total_steps)
    interactive = sys.stderr.isatty()
    for epoch in range(start_epoch + 1, config.epochs + 1):
        if step >= schedule.total:
            break
        torch.manual_seed(config.seed * 1000 + epoch)
        chosen = data.epoch_indices(epoch)
        batches = [[chosen[j] for j in b] for b in make_batches(
            [sizes[i] for i in chosen], config.batch_size, random.Random(f"{config.seed}:{epoch}"))]
        model.train()
        losses: list[float] = []
        bar = tqdm(batches, desc=f"epoch {epoch}/{config.epochs}", unit="batch",
                   file=sys.stderr, disable=not progress, mininterval=1 if interactive else 60)
        for batch_idx in bar:
            tick = time.monotonic()
            losses.append(update(collate(batch_idx, windows, data.train, run.task_labels,
                                         pad_id)))
            step += 1
            if on_step is not None:
                on_step(step, losses[-1])
            if len(losses) % 20 == 0:
                bar.set_postfix(loss=f"{sum(losses[-50:]) / len(losses[-50:]):.4f}")
            if guard.should_stop(step, time.monotonic() - tick):
                run.stopped_early = True
                log.warning("time budget of %s min: training ends at step %d of %d (epoch %d)",
                            config.time_budget_minutes, step, total_steps, epoch)
                break
        bar.close()
        tick = time.monotonic()
        dev = evaluate_dev(classifier, data.dev, config.eval_batch_size)
        guard.record_eval(time.monotonic() - tick)
        score = selection_score(dev)
        mean_loss = sum(losses) / max(1, len(losses))
        run.history.append({"epoch": epoch, "steps": len(losses), "train_loss": mean_loss,
                            "score": score, "minutes": (time.monotonic() - started) / 60,
                            "dev": dev})
        log.info(_summary_line(epoch, mean_loss, dev, score))
        if progress:
            tqdm.write(_summary_line(epoch, mean_loss, dev, score), file=sys.stderr)
        if run.best_score is None or score is None or score > run.best_score:
            run.best_score, run.best_epoch, run.best_dev = score, epoch, dev
            run.save_best(model, tokenizer, data)
        save_checkpoint(config.output_dir, model, tokenizer, run.settings, optimizer, scheduler,
                        {"epoch": epoch, "step": step, "schedule_total": schedule.total,
                         "history": run.history, "best_epoch": run.best_epoch,
                         "best_score": run.best_score, "best_dev": run.best_dev,
                         "fingerprint": config_fingerprint(config)})
        if run.stopped_early:
            break
    run.write_description(data)
    return TrainResult(output_dir=run.out, best_epoch=run.best_epoch, dev=run.best_dev,
                       history=run.history, stopped_early=run.stopped_early)
