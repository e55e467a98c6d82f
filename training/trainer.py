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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from newsstance.inference.classifier import QuoteClassifier
from newsstance.inference.encoding import EncodingSettings, encode_pairs
from newsstance.inference.modeling import (
    DEFAULT_TASK_LABELS,
    MultiTaskQuoteModel,
    save_model_dir,
)
from newsstance.training.checkpoint import load_checkpoint, save_checkpoint
from newsstance.training.config import ConfigError, TrainConfig, resolve_base_model
from newsstance.training.dev_scores import score_task, selection_score
from newsstance.training.model_card import write_metrics, write_model_card, write_provenance
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


@dataclass
class _Windows:
    """Pre-tokenised windows of one input."""

    input_ids: list[list[int]]
    token_type_ids: list[list[int]]
    weights: list[float]

    @property
    def n_tokens(self) -> int:
        return sum(len(ids) for ids in self.input_ids)


def pretokenize(tokenizer: Any, inputs: Sequence[TaskInput], settings: EncodingSettings,
                chunk: int = 1024) -> list[_Windows]:
    """Every input's windows (tokenised once, before the first epoch)."""
    from newsstance.inference.encoding import build_pair

    out: list[_Windows] = []
    for start in range(0, len(inputs), chunk):
        part = inputs[start:start + chunk]
        enc = encode_pairs(tokenizer, [build_pair(i.example, settings) for i in part], settings)
        per = [_Windows([], [], []) for _ in part]
        for w, example in enumerate(enc.window_example):
            per[example].input_ids.append(enc.input_ids[w])
            per[example].token_type_ids.append(enc.token_type_ids[w])
            per[example].weights.append(enc.window_weight[w])
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


def collate(batch: Sequence[int], windows: Sequence[_Windows], inputs: Sequence[TaskInput],
            task_labels: dict[str, list[str]], pad_id: int) -> dict[str, Any]:
    """Tensors of one batch: padded windows, window→input map, labels (-100 = none), weights."""
    ids, types, weights, owner = [], [], [], []
    for pos, i in enumerate(batch):
        ids += windows[i].input_ids
        types += windows[i].token_type_ids
        weights += windows[i].weights
        owner += [pos] * len(windows[i].input_ids)
    width = max(len(r) for r in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    token_type_ids = torch.zeros((len(ids), width), dtype=torch.long)
    attention_mask = torch.zeros((len(ids), width), dtype=torch.long)
    for r, (row, trow) in enumerate(zip(ids, types, strict=True)):
        input_ids[r, :len(row)] = torch.tensor(row)
        token_type_ids[r, :len(row)] = torch.tensor(trow)
        attention_mask[r, :len(row)] = 1
    labels = {}
    for task, labs in task_labels.items():
        index = {lab: k for k, lab in enumerate(labs)}
        labels[task] = torch.tensor([index[inputs[i].labels[task]] if task in inputs[i].labels
                                     else -100 for i in batch], dtype=torch.long)
    return {
        "model": {"input_ids": input_ids, "attention_mask": attention_mask,
                  "token_type_ids": token_type_ids,
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


class LinearSchedule:
    """Learning-rate factor: linear warmup, then linear decay reaching 0 at step ``total``
    (a :class:`BudgetGuard` may move ``total`` earlier)."""

    def __init__(self, total: int, warmup: int) -> None:
        self.total, self.warmup = total, warmup

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / (self.warmup + 1)
        return max(0.0, (self.total - step) / max(1, self.total - self.warmup))


class BudgetGuard:
    """Keeps a run inside ``time_budget_minutes``: from the measured time per step and per
    evaluation it re-estimates how many steps still fit and, when fewer than planned, shortens
    the schedule so the learning rate still decays to 0 before the budget ends."""

    def __init__(self, budget_s: float | None, started: float, schedule: LinearSchedule,
                 steps_per_epoch: int, eval_inputs: int, batch_size: int) -> None:
        self.budget_s, self.started, self.schedule = budget_s, started, schedule
        self.steps_per_epoch, self.eval_inputs, self.batch_size = (steps_per_epoch, eval_inputs,
                                                                   batch_size)
        self.step_seconds = 0.0
        self.steps = 0
        self.eval_seconds: float | None = None
        self.shortened = False

    def record_eval(self, seconds: float) -> None:
        self.eval_seconds = seconds

    def should_stop(self, step: int, step_seconds: float) -> bool:
        """Account one finished step; True when training must stop now."""
        self.steps += 1
        self.step_seconds += step_seconds
        if self.budget_s is not None and (self.steps <= 5 or self.steps % 5 == 0):
            per_step = self.step_seconds / self.steps
            eval_s = (self.eval_seconds if self.eval_seconds is not None
                      else per_step * self.eval_inputs / self.batch_size / 2)
            epoch_ends = sum(1 for k in range(1, self.schedule.total // self.steps_per_epoch + 1)
                             if step < k * self.steps_per_epoch < self.schedule.total)
            remaining = (self.budget_s - (time.monotonic() - self.started)
                         - eval_s * (1 + epoch_ends))
            fits = step + int(remaining / per_step)
            if fits < self.schedule.total:
                self.schedule.total = max(step, fits, self.schedule.warmup + 1)
                self.shortened = True
        return self.shortened and step >= self.schedule.total


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

    source = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(source)
    encoder = AutoModel.from_pretrained(source)
    return MultiTaskQuoteModel(encoder, task_labels, dropout=config.dropout), tokenizer


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
        write_provenance(self.out, config=config, data=data.summary, labels=self.task_labels,
                         weights_sha256=sha, best_epoch=self.best_epoch,
                         resolved_base_model=resolve_base_model(self.config.base_model),
                         command=self.command, stopped_early=self.stopped_early)
        rebuild = (f"{self.command}\n# or, from the resolved config saved beside the model:\n"
                   f"newsstance train {shlex.quote(str(self.out / RESOLVED_CONFIG_FILE))}")
        write_model_card(self.out, config=config, data=data.summary, metrics=metrics,
                         labels=self.task_labels, command=rebuild)


def train(config: TrainConfig, *, resume: bool = False, command: str | None = None,
          progress: bool = True) -> TrainResult:
    """Fine-tune, evaluate each epoch, write the model directory; see the module docstring."""
    command = command or "newsstance train <config>"
    threads = torch.get_num_threads()
    try:
        if config.num_threads:
            torch.set_num_threads(config.num_threads)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            return _train(config, resume=resume, command=command, progress=progress)
    finally:
        torch.set_num_threads(threads)


def _train(config: TrainConfig, *, resume: bool, command: str, progress: bool) -> TrainResult:
    from tqdm import tqdm

    started = time.monotonic()
    run = _Run(config, command)
    data = load_run_data(config)
    log.info("training inputs: %d; dev sets: %s", len(data.train),
             {k: len(v) for k, v in data.dev.items()})
    model, tokenizer = _load_base(config, run.task_labels)
    windows = pretokenize(tokenizer, data.train, run.settings)
    sizes = [w.n_tokens for w in windows]
    pad_id = tokenizer.pad_token_id or 0
    n_batches = math.ceil(len(data.train) / config.batch_size)
    total_steps = n_batches * config.epochs
    run.planned_steps = total_steps
    optimizer = _optimizer(model, config)
    schedule = LinearSchedule(total_steps, int(config.warmup * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    cweights = class_weights(data.train, run.task_labels, config.class_weighting)
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
                        sum(len(v) for v in data.dev.values()), config.eval_batch_size)
    interactive = sys.stderr.isatty()
    for epoch in range(start_epoch + 1, config.epochs + 1):
        if step >= schedule.total:
            break
        torch.manual_seed(config.seed * 1000 + epoch)
        batches = make_batches(sizes, config.batch_size, random.Random(f"{config.seed}:{epoch}"))
        model.train()
        losses: list[float] = []
        bar = tqdm(batches, desc=f"epoch {epoch}/{config.epochs}", unit="batch",
                   file=sys.stderr, disable=not progress, mininterval=1 if interactive else 60)
        for batch_idx in bar:
            tick = time.monotonic()
            batch = collate(batch_idx, windows, data.train, run.task_labels, pad_id)
            logits = model(**batch["model"])
            loss = batch_loss(logits, batch, cweights, config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            step += 1
            losses.append(float(loss.detach()))
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
