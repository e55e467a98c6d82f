"""The learned quote-span tagger: windows, BIO labels and decoding, merging with the rules,
and a tiny end-to-end ``train-spans`` → ONNX → ``quotes --tagger`` run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from newsstance.inference.quote import Quote
from newsstance.inference.quotes.merge import merge_tagged
from newsstance.inference.quotes.tagging import (
    SPAN_LABELS,
    TaggedSpan,
    best_window,
    char_labels,
    decode_spans,
    token_labels,
    window_bounds,
)


@pytest.mark.parametrize("n,size,overlap", [(0, 10, 2), (5, 10, 2), (10, 10, 2), (11, 10, 2),
                                            (57, 16, 4), (100, 7, 6)])
def test_window_bounds_cover_every_token(n: int, size: int, overlap: int) -> None:
    bounds = window_bounds(n, size, overlap)
    covered = sorted({i for s, e in bounds for i in range(s, e)})
    assert covered == list(range(n))
    assert all(0 < e - s <= size for s, e in bounds)
    for (_, e1), (s2, _) in zip(bounds, bounds[1:], strict=False):
        assert e1 - s2 == overlap


def test_window_bounds_rejects_overlap_not_below_size() -> None:
    with pytest.raises(ValueError, match="must exceed overlap"):
        window_bounds(10, 4, 4)


def test_best_window_prefers_the_window_where_a_token_is_central() -> None:
    bounds = [(0, 10), (6, 16)]
    owner = best_window(bounds, 16)
    assert owner[:8].tolist() == [0] * 8  # token 7: margin 2 in both; the first window keeps it
    assert owner[9:].tolist() == [1] * 7


def _offsets(text: str) -> list[tuple[int, int]]:
    import re

    return [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]


def test_labels_round_trip_through_decoding() -> None:
    text = "Smith said the plan is good. Jones argued it would fail badly."
    spans = [("SOURCE", 0, 5), ("CONTENT", 11, 27), ("SOURCE", 29, 34), ("CONTENT", 42, 61)]
    offsets = _offsets(text)
    labels = token_labels(offsets, char_labels(len(text), spans))
    assert [SPAN_LABELS[k] for k in labels[:4]] == ["B-SOURCE", "O", "B-CONTENT", "I-CONTENT"]
    probs = np.eye(len(SPAN_LABELS))[labels]
    decoded = decode_spans(probs, offsets)
    assert [(s.kind, text[s.start:s.end]) for s in decoded] == [
        ("SOURCE", "Smith"), ("CONTENT", "the plan is good"), ("SOURCE", "Jones"),
        ("CONTENT", "it would fail badly")]


def test_adjacent_spans_of_one_kind_stay_apart() -> None:
    text = "alpha beta gamma delta"
    offsets = _offsets(text)
    labels = token_labels(offsets, char_labels(len(text), [("CONTENT", 0, 10),
                                                           ("CONTENT", 11, 22)]))
    assert labels == [1, 2, 1, 2]
    decoded = decode_spans(np.eye(len(SPAN_LABELS))[labels], offsets)
    assert [(s.start, s.end) for s in decoded] == [(0, 10), (11, 22)]


def test_decoding_starts_a_span_at_a_stray_inside_tag() -> None:
    offsets = [(0, 1), (2, 3), (4, 5)]
    probs = np.eye(len(SPAN_LABELS))[[0, 2, 4]]  # O, I-CONTENT, I-SOURCE
    assert [(s.kind, s.start) for s in decode_spans(probs, offsets)] == [("CONTENT", 2),
                                                                         ("SOURCE", 4)]


def test_decoding_bridges_short_gaps_and_drops_unsure_spans() -> None:
    offsets = [(i * 2, i * 2 + 1) for i in range(8)]
    rows = [[0, .9, .1, 0, 0], [0, 0, 1, 0, 0], [.8, 0, .2, 0, 0], [0, 0, 1, 0, 0],
            [1, 0, 0, 0, 0], [1, 0, 0, 0, 0], [.4, 0, .6, 0, 0], [1, 0, 0, 0, 0]]
    probs = np.array(rows)
    assert [(s.start, s.end) for s in decode_spans(probs, offsets)] == [(0, 3), (6, 7), (12, 13)]
    bridged = decode_spans(probs, offsets, bridge=1)
    assert [(s.start, s.end) for s in bridged] == [(0, 7), (12, 13)]  # a 2-token gap stays
    sure = decode_spans(probs, offsets, bridge=1, min_score=0.7)
    assert [(s.start, s.end, round(s.score, 2)) for s in sure] == [(0, 7, 0.8)]
    split = np.array([[0, .9, .1, 0, 0], [0, .8, .2, 0, 0]])
    assert len(decode_spans(split, offsets[:2])) == 2
    assert len(decode_spans(split, offsets[:2], split_at_begin=1.1)) == 1


# --- merging with the rule quotes -------------------------------------------------------------


def _rule_quote(text: str, content: str, speaker: str, role: str = "official") -> Quote:
    start = text.index(content)
    s_start = text.index(speaker)
    return Quote(text=content, start=start, end=start + len(content), speaker=speaker,
                 speaker_start=s_start, speaker_end=s_start + len(speaker),
                 speaker_name=speaker, speaker_role=role, organization="City Hall")


def _span(text: str, kind: str, part: str) -> TaggedSpan:
    start = text.index(part)
    return TaggedSpan(kind, start, start + len(part))


def test_merge_adds_uncovered_spans_with_their_nearest_source() -> None:
    text = ('Mayor Jane Park said the budget is balanced.\n'
            'Park believes that the stadium deal will pay off within ten years, aides say.\n'
            'She also thinks the tax cut is fair to every family here.')
    rule = _rule_quote(text, "the budget is balanced", "Mayor Jane Park")
    spans = [_span(text, "SOURCE", "Mayor Jane Park"), _span(text, "CONTENT", "the budget is"),
             TaggedSpan("SOURCE", text.index("Park believes"), text.index("Park believes") + 4),
             _span(text, "CONTENT", "that the stadium deal will pay off within ten years"),
             _span(text, "SOURCE", "She"),
             _span(text, "CONTENT", "the tax cut is fair to every family here"),
             _span(text, "CONTENT", "aides")]
    quotes = merge_tagged(text, [rule], spans)
    assert [q.text for q in quotes] == [
        "the budget is balanced", "the stadium deal will pay off within ten years",
        "the tax cut is fair to every family here"]
    added = quotes[1]
    assert added.type == "indirect" and added.speaker == "Park"
    assert text[added.speaker_start:added.speaker_end] == "Park"
    assert text[added.start:added.end] == added.text
    pronoun = quotes[2]
    assert pronoun.speaker == "She" and pronoun.speaker_name == "Park"


def test_merge_takes_the_parsed_subject_over_a_nearer_tagged_source(quote_extractor) -> None:
    text = "Jane Park met Tom Lee on Monday. Lee fears that the stadium will raise taxes for years."
    content = "the stadium will raise taxes for years"
    spans = [_span(text, "SOURCE", "Jane Park"), _span(text, "CONTENT", content)]
    [by_source] = merge_tagged(text, [], spans)
    assert by_source.speaker == "Jane Park"
    [by_parse] = merge_tagged(text, [], spans, [(0, quote_extractor.nlp(text))])
    assert by_parse.text == content and by_parse.speaker == "Lee"
    assert by_parse.speaker_start == text.index("Lee fears")
    assert by_parse.speaker_name == "Tom Lee"  # resolved like a rule speaker
    # a content whose verb has no subject outside it falls back to the tagged source
    spans = [_span(text, "SOURCE", "Jane Park"), _span(text, "CONTENT", "Lee fears that the "
                                                       "stadium will raise taxes")]
    [whole] = merge_tagged(text, [], spans, [(0, quote_extractor.nlp(text))])
    assert whole.speaker == "Jane Park"


def test_merge_keeps_role_and_organisation_of_a_known_speaker() -> None:
    text = "Jane Park said taxes will fall.\nJane Park thinks the new stadium is a good deal."
    rule = _rule_quote(text, "taxes will fall", "Jane Park", role="company")
    spans = [_span(text, "CONTENT", "the new stadium is a good deal"),
             TaggedSpan("SOURCE", text.rindex("Jane Park"), text.rindex("Jane Park") + 9)]
    quotes = merge_tagged(text, [rule], spans)
    assert quotes[1].speaker_role == "company" and quotes[1].organization == "City Hall"


def test_merge_without_a_source_in_the_paragraph_leaves_no_speaker() -> None:
    text = "Officials said nothing.\n\nThe plan will cost far more than anyone expected."
    spans = [_span(text, "SOURCE", "Officials"),
             _span(text, "CONTENT", "The plan will cost far more than anyone expected")]
    [quote] = merge_tagged(text, [], spans)
    assert quote.speaker is None and quote.speaker_role == "other"


def test_assign_roles_pools_the_mentions_of_one_speaker() -> None:
    from newsstance.inference.quotes.merge import assign_roles

    def quote(start: int, name: str) -> Quote:
        return Quote(text="x", start=100 + start, end=101 + start, speaker=name,
                     speaker_start=start, speaker_end=start + 3, speaker_name=name)

    quotes = [quote(0, "Jane Park"), quote(10, "Jane Park"), quote(20, "she"), quote(30, "she"),
              Quote(text="y", start=200, end=201)]
    table = {0: {"official": 0.9, "company": 0.1}, 10: {"official": 0.3, "company": 0.7},
             20: {"official": 0.2, "company": 0.8}, 30: {"official": 0.6, "company": 0.4}}
    assign_roles(quotes, lambda start, end: table.get(start))
    assert [q.speaker_role for q in quotes] == ["official", "official", "company", "official",
                                                "other"]


def test_assign_roles_averages_the_head_with_the_role_model() -> None:
    from newsstance.inference.quotes.merge import assign_roles

    quote = Quote(text="x", start=50, end=51, speaker="Jane Park", speaker_start=0,
                  speaker_end=9, speaker_name="Jane Park", speaker_role="official",
                  role_probs={"company": 0.9, "official": 0.1})
    assert "role_probs" not in quote.to_dict()
    assign_roles([quote], lambda start, end: {"company": 0.4, "official": 0.6})
    assert quote.speaker_role == "company"  # (0.4 + 0.9) / 2 > (0.6 + 0.1) / 2
    quote.role_probs = None
    assign_roles([quote], lambda start, end: {"company": 0.4, "official": 0.6})
    assert quote.speaker_role == "official"


# --- SpanTagger with a rule runner, and a tiny trained tagger ---------------------------------


@pytest.fixture(scope="module")
def tiny_tokenizer(tiny_bert_dir: Path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(tiny_bert_dir / "tokenizer.json"))


def test_tagger_stitches_windows_of_a_long_text(tiny_tokenizer) -> None:
    from newsstance.inference.quotes.tagger import SpanTagger

    quit_id = tiny_tokenizer.token_to_id("quit")

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # "quit" starts a content span that runs to the next "."
        out = np.zeros((*ids.shape, len(SPAN_LABELS)), dtype=np.float32)
        dot = tiny_tokenizer.token_to_id(".")
        for r in range(ids.shape[0]):
            inside = False
            for t in range(ids.shape[1]):
                tok = ids[r, t]
                label = 0
                if tok == quit_id:
                    label, inside = 1, True
                elif inside and tok != dot:
                    label = 2
                else:
                    inside = False
                out[r, t, label] = 5.0
        return out

    tagger = SpanTagger.from_tokenizer(tiny_tokenizer, run, max_tokens=12, overlap=4,
                                       batch_size=3)
    text = " ".join(["the company said it was good."] * 6 + ["we quit the plan now."] * 3)
    spans = tagger.tag(text)
    assert [text[s.start:s.end] for s in spans] == ["quit the plan now"] * 3
    assert tagger.tag_many(["", "no"]) == [[], []]


def _write_fixture_data(root: Path) -> None:
    article = ('Jane Doe said the plan is good for the company.\n'
               'John Smith thinks the contract will fail, according to news reports.\n'
               '"We will quit," an employee said.\n')
    content1 = article.index("the plan is good for the company")
    content2 = article.index("the contract will fail")
    for split in ("train", "dev"):
        text_dir = root / "polnear" / split / "text"
        ann_dir = root / "polnear" / split / "attributions"
        text_dir.mkdir(parents=True)
        ann_dir.mkdir(parents=True)
        for i in range(3):
            (text_dir / f"art{i}.txt").write_text(article, encoding="utf-8")
            (ann_dir / f"art{i}_x1.ann").write_text(
                f"T1\tSource 0 8\tJane Doe\n"
                f"T2\tContent {content1} {content1 + 32}\tthe plan is good for the company\n"
                f"T3\tAttribution 9 13\tsaid\nE1\tAttribution:T3 Content:T2 Source:T1\n"
                f"T4\tContent {content2} {content2 + 22}\tthe contract will fail\n"
                f"T5\tAttribution 60 66\tthinks\nE2\tAttribution:T5 Content:T4\n",
                encoding="utf-8")
    quote = article.index("We will quit")
    nqs = root / "nqs"
    nqs.mkdir()
    row = {"id": "n1", "text": article, "quotes": [
        {"start": quote, "end": quote + 12, "speaker_start": quote + 15,
         "speaker_end": quote + 26, "speaker_role": "employee", "type": "direct"}]}
    for split in ("train", "dev"):
        (nqs / f"{split}.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_tagger_dir(tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from newsstance.training.span_tagger import SpanTaggerConfig, train_span_tagger

    data = tmp_path_factory.mktemp("span_data")
    _write_fixture_data(data)
    out = tmp_path_factory.mktemp("tagger")
    config = SpanTaggerConfig(base_model=str(tiny_bert_dir), max_tokens=30, overlap=8, epochs=2,
                              batch_size=4, lr=1e-3, data_dir=str(data))
    train_span_tagger(config, out, progress=False)
    return out


def test_train_spans_writes_a_loadable_tagger(tiny_tagger_dir: Path) -> None:
    from newsstance.inference.quotes.tagger import SpanTagger

    info = json.loads((tiny_tagger_dir / "tagger.json").read_text(encoding="utf-8"))
    assert info["labels"] == list(SPAN_LABELS) and info["max_tokens"] == 30
    assert info["data"]["train_articles"] == 4  # 3 PolNeAR + 1 nqs
    assert set(info["dev"]) == {"polnear", "nqs"} and len(info["history"]) == 2
    assert "torch" in info["versions"]
    assert (tiny_tagger_dir / "model.safetensors").is_file()
    assert not list(tiny_tagger_dir.glob("*.bin")) and not list(tiny_tagger_dir.glob("*.pkl"))
    tagger = SpanTagger.from_dir(tiny_tagger_dir)
    assert tagger.decode == info["decode"] == {"bridge": 1, "min_score": 0.7,
                                               "split_at_begin": 1.1}
    assert info["quantization"]["per_channel"] is True
    text = "Jane Doe said the plan is good."
    for span in tagger.tag(text):
        assert span.kind in ("CONTENT", "SOURCE") and 0 <= span.start < span.end <= len(text)


def test_bundle_tagger_copies_only_what_inference_needs(tiny_tagger_dir: Path,
                                                        tmp_path: Path) -> None:
    from newsstance.inference.quotes.tagger import SpanTagger
    from newsstance.training.span_tagger import bundle_tagger

    out = bundle_tagger(tiny_tagger_dir, tmp_path / "bundle", "newsstance train-spans -o x")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "model.int8.onnx",
                                                     "tagger.json", "tokenizer.json"]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "newsstance train-spans -o x" in card and "| polnear (3 articles) |" in card
    assert "Training started from" not in card  # trained from the base model
    assert SpanTagger.from_dir(out).tag("Jane Doe said it.") is not None


def test_an_altered_tagger_file_is_refused(tiny_tagger_dir: Path, tmp_path: Path) -> None:
    import shutil

    from newsstance.inference.quotes.tagger import SpanTagger, TaggerError

    copy = tmp_path / "tagger"
    shutil.copytree(tiny_tagger_dir, copy)
    with (copy / "model.int8.onnx").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(TaggerError, match="sha256"):
        SpanTagger.from_dir(copy)
    (copy / "tagger.json").unlink()
    with pytest.raises(TaggerError, match="tagger.json is missing"):
        SpanTagger.from_dir(copy)


def test_role_head_learns_from_nqs_speakers(tiny_tagger_dir: Path, tmp_path: Path) -> None:
    from newsstance.inference.quotes.tagger import SpanTagger
    from newsstance.training.span_tagger import SpanTaggerConfig, train_span_tagger

    info = json.loads((tiny_tagger_dir / "tagger.json").read_text(encoding="utf-8"))
    data = Path(info["config"]["data_dir"])
    out = tmp_path / "roles"
    config = SpanTaggerConfig(init_from=str(tiny_tagger_dir), role_head=True, max_tokens=30,
                              overlap=8, epochs=1, batch_size=4, lr=1e-3, data_dir=str(data))
    info = train_span_tagger(config, out, progress=False)
    assert info["roles"] == ["company", "employee", "official", "expert", "advocate", "media",
                             "public", "other"]
    assert info["dev"]["nqs"]["gold_mention_role_n"] == 1
    assert "gold_mention_role_accuracy" not in info["dev"]["polnear"]  # no gold roles there
    tagger = SpanTagger.from_dir(out)
    text = '"We will quit," an employee said.'
    [tagged] = tagger.analyze_many([text])
    probs = tagged.role_probs(text.index("an employee"), len(text) - len(" said."))
    assert probs is not None and set(probs) == set(info["roles"])
    assert abs(sum(probs.values()) - 1) < 1e-5
    assert tagged.role_probs(len(text), len(text) + 5) is None  # no token there
    from newsstance.training.span_tagger import model_card

    assert f"started from the tagger in `{tiny_tagger_dir}`" in model_card(info)


def test_extractor_keeps_rule_quotes_whatever_the_tag_scope(quote_extractor,
                                                            tiny_tagger_dir: Path) -> None:
    from dataclasses import replace

    from newsstance.inference.quotes.tagger import SpanTagger

    tagger = SpanTagger.from_dir(tiny_tagger_dir)
    text = ('The company said the plan is good for everyone.\n\nNothing else happened here.\n'
            '"We will quit," an employee said. Jane Doe thinks it is fine.')
    rule = {(q.start, q.end) for q in quote_extractor.extract(text)}
    assert rule
    for scope in ("article", "chunks"):
        quotes = replace(quote_extractor, tagger=tagger, tag_scope=scope).extract(text)
        assert rule <= {(q.start, q.end) for q in quotes}
        for q in quotes:
            assert text[q.start:q.end] == q.text
            if q.speaker_start is not None:
                assert text[q.speaker_start:q.speaker_end] == q.speaker
    roles_only = replace(quote_extractor, tagger=tagger, tagger_spans=False).extract(text)
    assert {(q.start, q.end) for q in roles_only} == rule
    with pytest.raises(ValueError, match="tag_scope"):
        replace(quote_extractor, tag_scope="sentences")


def test_forked_workers_with_a_tagger_give_the_same_quotes(quote_extractor,
                                                          tiny_tagger_dir: Path) -> None:
    """The tagger runs in the parent: forked workers never touch ONNX Runtime (a child forked
    after a session started can hang)."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from newsstance.inference.quotes.tagger import SpanTagger

    extractor = replace(quote_extractor, tagger=SpanTagger.from_dir(tiny_tagger_dir))
    texts = [f'"We will quit over plan {i}," an employee said. Jane Doe thinks it is fine.'
             for i in range(6)]
    one = [[q.to_dict() for q in quotes] for quotes in extractor.extract_many(texts)]
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(lambda: [[q.to_dict() for q in quotes] for quotes in
                                      extractor.extract_many(texts, batch_size=2, n_process=2)])
        two = future.result(timeout=120)
    assert two == one


def test_span_config_validation() -> None:
    from newsstance.training.span_tagger import SpanConfigError, SpanTaggerConfig

    with pytest.raises(SpanConfigError, match="sources"):
        SpanTaggerConfig(sources=["parc"])
    with pytest.raises(SpanConfigError, match="overlap"):
        SpanTaggerConfig(max_tokens=20, overlap=20)
    with pytest.raises(SpanConfigError, match="max_tokens"):
        SpanTaggerConfig(max_tokens=600)
    with pytest.raises(SpanConfigError, match="init_from"):
        SpanTaggerConfig(init_from="/nonexistent/tagger")


def test_quotes_cli_with_a_tagger(tiny_tagger_dir: Path, tmp_path: Path) -> None:
    from newsstance.cli import main

    article = tmp_path / "a.txt"
    article.write_text('"We will quit," an employee said. Jane Doe thinks it is fine.\n',
                       encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["quotes", str(article), "-o", str(out), "--tagger", str(tiny_tagger_dir)]) == 0
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    text = article.read_text(encoding="utf-8")
    assert any(q["text"].startswith("We will quit") for q in record["quotes"])
    for q in record["quotes"]:
        assert text[q["start"]:q["end"]] == q["text"]
    assert main(["quotes", str(article), "--tagger", str(tmp_path / "nope")]) == 2


def test_analyze_cli_with_a_tagger(analyzer_model_dir: Path, tiny_tagger_dir: Path,
                                   tmp_path: Path) -> None:
    from newsstance.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Plan\n\n\"We will quit,\" an employee said. Jane Doe thinks it is fine.\n",
                       encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(article), "--model", str(analyzer_model_dir), "-o", str(out),
                 "--tagger", str(tiny_tagger_dir)]) == 0
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["quotes"] and all("stance" in q for q in record["quotes"])
    assert main(["analyze", str(article), "--model", str(analyzer_model_dir),
                 "--tagger", str(tmp_path / "missing")]) == 2


def test_bundled_tagger_finds_a_belief_and_speaker_roles() -> None:
    from newsstance.inference.quotes.tagger import BUNDLED_TAGGER, SpanTagger

    assert sum(p.stat().st_size for p in BUNDLED_TAGGER.iterdir()) < 25_000_000
    assert {p.suffix for p in BUNDLED_TAGGER.iterdir()} <= {".onnx", ".json", ".md"}
    text = ("Nimbus Cloud will host the agency's data. A company spokesperson said Nimbus was "
            "proud to support the agency. Senator Maria Lopez believes the contract puts "
            "migrants at risk.")
    [tagged] = SpanTagger.from_dir().analyze_many([text])
    contents = [text[s.start:s.end] for s in tagged.spans if s.kind == "CONTENT"]
    assert any("proud to support the agency" in c for c in contents)
    assert any("the contract puts migrants at risk" in c for c in contents)
    for mention, role in (("A company spokesperson", "company"),
                          ("Senator Maria Lopez", "official")):
        start = text.index(mention)
        probs = tagged.role_probs(start, start + len(mention))
        assert max(probs, key=probs.__getitem__) == role


def test_bundled_tagger_tags_a_text_the_same_in_any_batch() -> None:
    """The int8 graph runs each window alone: a text's tags do not depend on the other texts."""
    from newsstance.inference.quotes.tagger import SpanTagger

    tagger = SpanTagger.from_dir()
    assert tagger.batch_size == 1
    texts = ["A company spokesperson said Nimbus was proud to support the agency.",
             "Senator Maria Lopez believes the contract puts migrants at risk, aides said. " * 12,
             "\"We will fight this,\" one employee said."]
    together = tagger.analyze_many(texts)
    for text, batched in zip(texts, together, strict=True):
        [alone] = tagger.analyze_many([text])
        assert alone.spans == batched.spans
        np.testing.assert_array_equal(alone.role_logits, batched.role_logits)


def _data_root() -> Path | None:
    from newsstance.datapaths import data_dir

    root = data_dir(required=False)
    ok = root is not None and (root / "polnear" / "dev").is_dir() and (
        root / "nqs" / "dev.jsonl").is_file()
    return root if ok else None


@pytest.mark.slow
@pytest.mark.skipif(_data_root() is None, reason="labelled data absent")
def test_bundled_tagger_beats_the_rules_on_dev(quote_extractor) -> None:
    """The README's claim: rules + tagger find more PolNeAR contents and better nqs roles."""
    from dataclasses import replace

    from newsstance.inference.quote_eval import evaluate
    from newsstance.inference.quotes.tagger import SpanTagger

    root = _data_root()
    tagged = replace(quote_extractor, tagger=SpanTagger.from_dir())
    for name, key in (("polnear", "f1"), ("nqs", "role")):
        rules = evaluate(quote_extractor, name, root, "dev")
        both = evaluate(tagged, name, root, "dev")
        if key == "f1":
            assert both["overlap"]["f1"] > rules["overlap"]["f1"] + 0.04
            assert both["overlap"]["recall"] > rules["overlap"]["recall"] + 0.08
        else:
            assert both["role_accuracy"] > rules["role_accuracy"] + 0.01
            assert both["overlap"]["f1"] >= rules["overlap"]["f1"]
