"""Train the speaker-role model on nqs train and write ``role_weights.json`` beside this file.

Run ``python -m newsstance.inference.quotes.train_roles --cache /tmp/nqs_roles.json`` (needs the
``train`` extra for scikit-learn). Extraction runs once over nqs train (the slow part; ``--cache``
keeps it): every predicted quote with a speaker is stored with the raw inputs of
``roles.role_features``, and, when it overlaps a gold quote (IoU >= 0.5), the gold role. Features
and rule roles are recomputed from the cache, so both can change without parsing again.

Feature groups (``--variants``), ``C``, ``--min-count`` and class weights are chosen by 5-fold
cross-validation grouped by article (whole articles held out), scoring roles as
``assemble.build_quotes`` gives them (titles in the mention, one role per speaker); per-fold and
mean accuracy are printed. The best setting is refitted on all of nqs train and stored as sparse
JSON weights (package data), so inference needs no scikit-learn. nqs dev is never used here.
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


#: Argument names of :func:`roles.role_features`, in order (the cached raw inputs of a speaker).
ARGS = (
    "mention", "name", "organization", "descriptor", "entity", "kind", "context", "rule", "quote"
)


def collect(root: Path, limit: int | None = None) -> list[dict]:
    """Every predicted quote with a speaker in nqs train: ``{"id", "args", "key", "gold"}``, where
    ``args`` are the raw inputs of :func:`roles.role_features` (so features and rules can be
    redesigned without parsing again), ``key`` the speaker name that groups an article's quotes
    of one speaker, and ``gold`` the role of the gold quote it matches (IoU >= 0.5) or ``None``."""
    from newsstance.inference.extraction import QuoteExtractor
    from newsstance.inference.quotes import assemble

    extractor = QuoteExtractor.load()
    rows = [json.loads(line) for line in (root / "nqs" / "train.jsonl").open(encoding="utf-8")]
    rows = rows[:limit] if limit else rows
    records: list[dict] = []
    real = assemble.role_features
    assemble.role_features = lambda *args: dict(zip(ARGS, args, strict=True))  # record raw inputs
    try:
        for n, row in enumerate(rows, 1):
            text = row["text"]
            chunks = extractor._chunks(text)
            docs = list(
                zip([o for o, _ in chunks], extractor.nlp.pipe(c for _, c in chunks), strict=True)
            )
            raw: list = []
            quotes = assemble.build_quotes(text, docs, learned_roles=False, features=raw)
            gold = [q for q in row["quotes"] if q.get("speaker_role")]
            pairs = dict(
                match_spans(
                    [trim_span(text, q.start, q.end) for q in quotes],
                    [trim_span(text, g["start"], g["end"]) for g in gold],
                )
            )
            for i, quote in enumerate(quotes):
                if raw[i] is not None:
                    j = pairs.get(i)
                    records.append(
                        {
                            "id": row["id"],
                            "args": [raw[i][a] for a in ARGS],
                            "key": (quote.speaker_name or "").lower(),
                            "gold": gold[j]["speaker_role"] if j is not None else None,
                        }
                    )
            if n % 100 == 0:
                print(f"collected {n}/{len(rows)} articles", flush=True)
    finally:
        assemble.role_features = real
    return records


def prune(
    examples: list[tuple[str, list[str], str]], min_count: int
) -> list[tuple[str, list[str], str]]:
    """Drop features seen in fewer than ``min_count`` examples (keeps the weights file small)."""
    counts: dict[str, int] = {}
    for _, feats, _ in examples:
        for f in set(feats):
            counts[f] = counts.get(f, 0) + 1
    return [(a, [f for f in feats if counts[f] >= min_count], r) for a, feats, r in examples]


def fit(examples: list[tuple[str, list[str], str]], c: float, class_weight: str | None = None):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(f, 1) for _, f, _ in examples])
    y = [r for _, _, r in examples]
    model = LogisticRegression(C=c, max_iter=2000, tol=1e-3, class_weight=class_weight)
    model.fit(x, y)
    return vec, model


def accuracy(vec, model, examples) -> float:
    x = vec.transform([dict.fromkeys(f, 1) for _, f, _ in examples])
    pred = model.predict(x)
    return sum(p == r for p, (_, _, r) in zip(pred, examples, strict=True)) / max(1, len(examples))


def write_weights(
    vec, model, path: Path = OUT, min_weight: float = 0.1, groups: tuple[str, ...] | None = None
) -> None:
    """Store the model as sparse JSON: ``weights[feature] = [[role index, w], ...]``, with
    weights below ``min_weight`` in size dropped, and the feature ``groups`` it was trained with."""
    from newsstance.inference.quotes.roles import FEATURE_GROUPS

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
    data = {
        "roles": list(SPEAKER_ROLES),
        "features": list(groups or FEATURE_GROUPS),
        "bias": bias,
        "weights": dict(sorted(weights.items())),
    }
    path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n",
                    encoding="utf-8")


def featurize(records: list[dict], groups: tuple[str, ...]) -> list[tuple[str, list[str], str]]:
    """``(article id, features, gold role or "")`` of every collected quote, with the rule role
    recomputed by the current rules (as ``ArticleState.role_features`` does)."""
    from newsstance.inference.quotes.roles import classify_role, role_features

    out = []
    for rec in records:
        a = dict(zip(ARGS, rec["args"], strict=True))
        rule = classify_role(
            a["mention"] if a["kind"] != "pronoun" else (a["name"] or ""),
            a["descriptor"],
            a["organization"],
            a["entity"],
        )
        a["rule"] = rule
        out.append((rec["id"], role_features(*[a[k] for k in ARGS], groups=groups),
                    rec["gold"] or ""))
    return out


_PRONOUN_KEYS = ("he", "she", "they", "it", "i", "we", "who")


def pipeline_roles(vec, model, records: list[dict], examples) -> list[str]:
    """Roles as ``assemble.build_quotes`` gives them: a title in the mention that agrees with the
    rules wins; otherwise the model's probabilities are summed over all quotes of one speaker
    (same resolved name) in the article."""
    from newsstance.inference.quotes.roles import explicit_role

    x = vec.transform([dict.fromkeys(f, 1) for _, f, _ in examples])
    proba = model.predict_proba(x)
    classes = list(model.classes_)
    rules = [next(f[5:] for f in feats if f.startswith("rule=")) for _, feats, _ in examples]
    fixed = [explicit_role(r["args"][0]) == rule for r, rule in zip(records, rules, strict=True)]
    totals: dict[tuple[str, str], list[float]] = {}
    for rec, p, fix in zip(records, proba, fixed, strict=True):
        if not fix:
            total = totals.setdefault((rec["id"], rec["key"]), [0.0] * len(classes))
            for i, v in enumerate(p):
                total[i] += v
    out = []
    for rec, p, fix, rule in zip(records, proba, fixed, rules, strict=True):
        if fix:
            out.append(rule)
            continue
        if rec["key"] and rec["key"] not in _PRONOUN_KEYS:
            p = totals[(rec["id"], rec["key"])]
        out.append(classes[max(range(len(classes)), key=p.__getitem__)])
    return out


def grouped_cv(records, groups, c, min_count, class_weight=None, folds=5, verbose=False):
    """Per-fold pipeline role accuracy on held-out articles (folds of whole articles)."""
    examples = featurize(records, groups)
    ids = sorted({r["id"] for r in records})
    random.Random(0).shuffle(ids)
    fold_of = {a: i % folds for i, a in enumerate(ids)}
    scores = []
    for k in range(folds):
        train = [e for e in examples if fold_of[e[0]] != k and e[2]]
        test = [i for i, e in enumerate(examples) if fold_of[e[0]] == k]
        vec, model = fit(prune(train, min_count), c, class_weight)
        pred = pipeline_roles(vec, model, [records[i] for i in test], [examples[i] for i in test])
        gold = [examples[i][2] for i in test]
        pairs = [(p, g) for p, g in zip(pred, gold, strict=True) if g]
        scores.append(sum(p == g for p, g in pairs) / max(1, len(pairs)))
    if verbose:
        print("  folds " + " ".join(f"{s:.3f}" for s in scores))
    return scores


#: Feature-group sets compared by grouped CV.
VARIANTS = {
    "closed": ("base", "mention", "descriptor", "head", "org", "context", "quote"),
    "closed-noquote": ("base", "mention", "descriptor", "head", "org", "context"),
    "closed-nocontext": ("base", "mention", "descriptor", "head", "org", "quote"),
    "closed+names": ("base", "mention", "descriptor", "head", "org", "context", "quote", "names"),
    "closed+open": (
        "base", "mention", "descriptor", "head", "org", "context", "quote", "names", "words"
    ),
    "closed+near+open": (
        "base", "mention", "descriptor", "head", "org", "context", "near", "quote", "names", "words"
    ),
    "closed+near": ("base", "mention", "descriptor", "head", "org", "context", "near", "quote"),
    "all": (
        "base", "lex", "mention", "descriptor", "head", "org", "context", "near", "quote",
        "names", "words",
    ),
    "all-words": (
        "base", "lex", "mention", "descriptor", "head", "org", "context", "near", "quote", "names"
    ),
    "open (old)": ("base", "mention", "descriptor", "names", "words"),
}


def load_records(args) -> list[dict]:
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        records = json.loads(cache.read_text(encoding="utf-8"))
        if records and not isinstance(records[0], dict):
            raise SystemExit(f"{cache} is an old-format cache: delete it to collect again")
        return records
    records = collect(data_dir(args.data_dir), args.limit)
    if cache:
        cache.write_text(json.dumps(records), encoding="utf-8")
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--cache", help="JSON file of collected quotes (read if present, else written)"
    )
    parser.add_argument("--limit", type=int)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, nargs="+", default=[0.3, 1.0],
                        help="inverse regularisation values compared by grouped CV")
    parser.add_argument("--min-count", type=int, nargs="+", default=[3],
                        help="rarest feature kept (values compared by grouped CV)")
    parser.add_argument("--variants", nargs="+", default=["all"], choices=list(VARIANTS),
                        help="feature-group sets compared by grouped CV")
    parser.add_argument("--class-weight", nargs="+", default=["none"],
                        choices=["none", "balanced"])
    parser.add_argument("--no-write", action="store_true", help="report the CV only")
    args = parser.parse_args(argv)
    records = load_records(args)
    n_gold = sum(1 for r in records if r["gold"])
    n_art = len({r["id"] for r in records})
    print(f"{len(records)} predicted quotes with a speaker, {n_gold} matched to gold, "
          f"{n_art} articles; {args.folds}-fold CV grouped by article")
    rule = [(e[1][0] == f"rule={e[2]}") for e in featurize(records, ("base",)) if e[2]]
    print(f"rule-only accuracy {sum(rule) / max(1, len(rule)):.3f}")
    results = []
    for name in args.variants:
        for cw in args.class_weight:
            for mc in args.min_count:
                for c in args.c:
                    scores = grouped_cv(records, VARIANTS[name], c, mc,
                                        None if cw == "none" else cw, args.folds)
                    mean = sum(scores) / len(scores)
                    print(f"{name:<18} cw={cw:<8} min-count={mc:<3} C={c:<5}: "
                          f"mean {mean:.3f}  folds " + " ".join(f"{s:.3f}" for s in scores),
                          flush=True)
                    results.append((mean, name, cw, mc, c))
    mean, name, cw, mc, c = max(results)
    print(f"best: {name} class-weight={cw} min-count={mc} C={c}: grouped-CV accuracy {mean:.3f}")
    if args.no_write:
        return 0
    examples = [e for e in featurize(records, VARIANTS[name]) if e[2]]
    vec, model = fit(prune(examples, mc), c, None if cw == "none" else cw)
    write_weights(vec, model, groups=VARIANTS[name])
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
