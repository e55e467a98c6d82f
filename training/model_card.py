"""The files that describe a trained model: ``newsstance.json``, ``metrics.json``, ``README.md``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newsstance.training.model_files import METRICS_FILE, write_json, write_model_info

CARD_FILE = "README.md"


def write_provenance(model_dir: str | Path, *, config: Mapping[str, Any],
                     data: Mapping[str, Any], labels: Mapping[str, list[str]],
                     weights_sha256: str, **extra: Any) -> Path:
    """``newsstance.json``: resolved config, data sizes, versions, git commit, weights sha256."""
    return write_model_info(model_dir, "transformer", config=config, data=data, labels=labels,
                            weights_sha256=weights_sha256, **extra)


def write_metrics(model_dir: str | Path, metrics: Mapping[str, Any]) -> Path:
    return write_json(Path(model_dir) / METRICS_FILE, metrics)


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def dev_table(dev: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[str]:
    """Markdown rows: source, task, n, macro-F1, accuracy, F_avg / FNC score."""
    lines = ["| dev set | task | n | macro-F1 | accuracy | other |", "|---|---|---|---|---|---|"]
    for source, tasks in dev.items():
        for task, m in tasks.items():
            other = ", ".join(f"{k} {_fmt(m[k])}" for k in ("f_avg", "fnc_score") if k in m)
            lines.append(f"| {source} | {task} | {m.get('n')} | {_fmt(m.get('macro_f1'))} | "
                         f"{_fmt(m.get('accuracy'))} | {other} |")
    return lines


def data_table(sources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Markdown rows: source, tasks, training inputs, dev inputs, loss weight."""
    rows = ["| source | tasks | train inputs an epoch (all epochs) | dev inputs | loss weight |",
            "|---|---|---|---|---|"]
    for label, info in sources.items():
        tasks = ", ".join(info.get("tasks") or ["all"])
        train = info.get("train_inputs", "-") if info.get("trained_on") else "(eval only)"
        if info.get("trained_on") and "train_inputs_seen" in info:
            train = f"{train} ({info['train_inputs_seen']})"
        rows.append(f"| {label} | {tasks} | {train} | {info.get('dev_inputs', 0)} | "
                    f"{info.get('weight', 1.0)} |")
    return rows


def first_stage_section(first: Mapping[str, Any] | None) -> list[str]:
    """The card's account of the model a second stage started from (its ``newsstance.json``)."""
    if not first:
        return []
    return ["## First stage",
            "This model continued training from another (`init_from`), made by:",
            "```", str(first.get("command", "(command not recorded)")), "```",
            *data_table(first.get("data", {}).get("sources", {})), ""]


#: How the card names each window pooling (``TrainConfig.pooling``).
POOLING_WORDS = {"mean": "mean-pooled",
                 "mean+focus": "focus-pooled (the mean of all tokens beside the mean over the "
                               "marked quote and target mention)"}

#: How the card describes each input format (``TrainConfig.input_format``).
INPUT_WORDS = {
    "pair": "Input: the target as the first segment; `role (speaker): ` and the context around "
            "the quote as the second, the quote between « » and a target mention between [ ]. "
            "Long inputs are read in overlapping windows whose logits are averaged.",
    "article": "Input (article format): the target as the first segment; the text as the second, "
               "with every quote in it marked as `role (speaker): « … »`, read in overlapping "
               "windows that all its quotes share; each quote is pooled from the window where "
               "it is most central.",
}


def write_model_card(model_dir: str | Path, *, config: Mapping[str, Any],
                     data: Mapping[str, Any], metrics: Mapping[str, Any],
                     labels: Mapping[str, list[str]], command: str,
                     first_stage: Mapping[str, Any] | None = None) -> Path:
    """A short model card: what it is, data, rebuild command, dev figures, limitations.
    ``first_stage``: the ``newsstance.json`` of the ``init_from`` model, if any."""
    data_rows = data_table(data.get("sources", {}))
    best = metrics.get("best_epoch")
    text = "\n".join([
        "# newsstance quote stance and sentiment model",
        "",
        f"A `{config.get('base_model')}` encoder fine-tuned by `newsstance train` with a linear "
        "head per task on " + POOLING_WORDS.get(config.get("pooling", "mean"), "pooled")
        + " windows"
        + (f", starting from the model in `{config['init_from']}`" if config.get("init_from")
           else "") + ":",
        *[f"- **{task}**: {', '.join(labs)}" for task, labs in labels.items()],
        "",
        INPUT_WORDS.get(config.get("input_format", "pair"), INPUT_WORDS["pair"]),
        "",
        "Use it with `newsstance.inference.classifier.QuoteClassifier.from_pretrained(<dir>)`.",
        "",
        "## Training data",
        *data_rows,
        "",
        f"nqs dev articles excluded from the other sources: {config.get('exclude_nqs_dev_groups')}"
        f" ({data.get('excluded_groups', 0)} groups).",
        "",
        *first_stage_section(first_stage),
        "## Rebuild",
        "```",
        command,
        "```",
        "Same config and seed give the same weights on the same machine and library versions "
        "(see `newsstance.json`).",
        *([f"This run hit its time budget ({config.get('time_budget_minutes')} min): its "
           "learning-rate decay was shortened to end within it "
           f"({sum(h.get('steps', 0) for h in metrics.get('history', []))} of "
           f"{metrics.get('planned_steps', '?')} planned steps), so a rebuild on a faster or "
           "less busy machine trains longer and gives other figures."]
          if metrics.get("stopped_early") else []),
        "",
        f"## Dev figures (epoch {best}, chosen by "
        f"{metrics.get('selected_by', 'dev macro-F1')})",
        *dev_table(metrics.get("dev", {})),
        "",
        "## Limitations",
        "- nqs labels are silver (LLM-produced, audited at ~97% stance accuracy); nqs dev has "
        "only 46 articles, so its figures carry a few points of noise.",
        "- Trained on English news, tweets, debate claims and financial text; other domains "
        "and languages are untested.",
        "- Stance is toward the given target only; a wrong or vague target gives meaningless "
        "stance labels. Sentiment is the tone of the quote itself.",
        "- Several training sets forbid redistribution or commercial use (see the data "
        "README); check their licences before using this model commercially.",
        "",
    ])
    path = Path(model_dir) / CARD_FILE
    path.write_text(text, encoding="utf-8")
    return path
