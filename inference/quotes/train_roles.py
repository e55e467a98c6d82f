"""Train the speaker-role model on nqs train and write ``role_weights.json`` beside this file.

Run ``python -m newsstance.inference.quotes.train_roles [--data-dir DIR] [--c 1.0]`` (needs the
``train`` extra for scikit-learn). Extraction runs over nqs train; each predicted quote that
overlaps a gold quote (IoU >= 0.5) gives one example: the rule-based features of the predicted
speaker, labelled with the gold role. A multinomial logistic regression over those sparse
features is stored as sparse JSON weights (package data), so inference needs no scikit-learn.
nqs dev is never used here.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from newsstance.datapaths import data_dir
from newsstance.inference.quote import SPEAKER_ROLES
from newsstance.inference.quote_metrics import match_spans, trim_span

OUT = Path(__file__).with_name("role_weights.json")


def collect(root: Path, limit: int | None = None) -> list[tuple[str, list[str], str]]:
    """``(article id, features, gold role)`` for matched quotes of nqs train."""
    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.quotes.assemble import build_quotes

    extractor = QuoteExtractor.load()
    rows = [json.loads(line) for line in (root / "nqs" / "train.jsonl").open(encoding="utf-8")]
    rows = rows[:limit] if limit else rows
    examples = []
    for row in rows:
        text = row["text"]
        chunks = extractor._chunks(text)
        docs = list(
            zip([o for o, _ in chunks], extractor.nlp.pipe(c for _, c in chunks), strict=True)
        )
        feats: list[list[str] | None] = []
        quotes = build_quotes(text, docs, learned_roles=False, features=feats)
        gold = [q for q in row["quotes"] if q.get("speaker_role")]
        pairs = match_spans(
            [trim_span(text, q.start, q.end) for q in quotes],
            [trim_span(text, g["start"], g["end"]) for g in gold],
        )
        for i, j in pairs:
            if feats[i] is not None:
                examples.append((row["id"], feats[i], gold[j]["speaker_role"]))
    return examples


def prune(
    examples: list[tuple[str, list[str], str]], min_count: int
) -> list[tuple[str, list[str], str]]:
    """Drop features seen in fewer than ``min_count`` examples (keeps the weights file small)."""
    counts: dict[str, int] = {}
    for _, feats, _ in examples:
        for f in set(feats):
            counts[f] = counts.get(f, 0) + 1
    return [(a, [f for f in feats if counts[f] >= min_count], r) for a, feats, r in examples]


def fit(examples: list[tuple[str, list[str], str]], c: float):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(f, 1) for _, f, _ in examples])
    y = [r for _, _, r in examples]
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, y)
    return vec, model


def accuracy(vec, model, examples) -> float:
    x = vec.transform([dict.fromkeys(f, 1) for _, f, _ in examples])
    pred = model.predict(x)
    return sum(p == r for p, (_, _, r) in zip(pred, examples, strict=True)) / max(1, len(examples))


def write_weights(vec, model, path: Path = OUT, min_weight: float = 0.1) -> None:
    """Store the model as sparse JSON: ``weights[feature] = [[role index, w], ...]``, with
    weights below ``min_weight`` in size dropped."""
    classes = list(model.classes_)
    order = [classes.index(r) if r in classes else None for r in SPEAKER_ROLES]
    bias = [round(float(model.intercept_[i]), 3) if i is not None else -99.0 for i in order]
    weights = {}
    for feat, col in vec.vocabulary_.items():
        row = [
            [k, round(float(model.coef_[i, col]), 2)]
            for k, i in enumerate(order)
            if i is not None and abs(model.coef_[i, col]) >= min_weight
        ]
        if row:
            weights[feat] = row
    data = {"roles": list(SPEAKER_ROLES), "bias": bias, "weights": dict(sorted(weights.items()))}
    path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n",
                    encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--c", type=float, default=None, help="inverse regularisation")
    parser.add_argument("--cache", help="JSON file of collected examples (read if present)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--min-count", type=int, default=5, help="rarest feature kept")
    args = parser.parse_args(argv)
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        examples = [tuple(e) for e in json.loads(cache.read_text(encoding="utf-8"))]
    else:
        examples = collect(data_dir(args.data_dir), args.limit)
        if cache:
            cache.write_text(json.dumps(examples), encoding="utf-8")
    examples = prune(examples, args.min_count)
    ids = sorted({e[0] for e in examples})
    random.Random(0).shuffle(ids)
    held = set(ids[: len(ids) // 10])
    train = [e for e in examples if e[0] not in held]
    test = [e for e in examples if e[0] in held]
    rule = sum(next(f for f in e[1] if f.startswith("rule=")) == f"rule={e[2]}" for e in test)
    print(f"{len(examples)} examples; held-out rule accuracy {rule / max(1, len(test)):.3f}")
    best = (0.0, 1.0)
    for c in [args.c] if args.c else [0.1, 0.3, 1.0, 3.0]:
        vec, model = fit(train, c)
        acc = accuracy(vec, model, test)
        print(f"C={c}: held-out accuracy {acc:.3f}")
        best = max(best, (acc, c))
    vec, model = fit(examples, best[1])
    write_weights(vec, model)
    print(f"wrote {OUT} (C={best[1]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
