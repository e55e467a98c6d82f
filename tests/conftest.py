"""Shared pytest fixtures."""

from __future__ import annotations

import pytest

# --- transformer model fixtures (owner: model/training) -------------------------------------
# A tiny random BERT (hidden 32, 2 layers, 2 heads) with a small WordPiece vocabulary, written to
# a tmp dir once per session: no download. Used by tests/test_encoding.py, tests/test_modeling.py
# and tests/test_train_*.py.

TINY_WORDS = (
    "the a an of to and in on for with over it is was be said says will would not no we i you "
    "they he she company employee employees contract plan ice microsoft apple support supports "
    "great good love welcome proud oppose opposes terrible bad hate quit leaving leave consider "
    "seriously reported according statement market shares rose fell profit loss target "
    "spokesman official expert public jane doe john smith news policy decision"
)


def _tiny_vocab() -> list[str]:
    chars = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789")
    punct = list(".,;:!?'\"()[]«»-/&%$")
    return (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + punct
            + [f"##{c}" for c in chars] + TINY_WORDS.split())


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory):
    """Path of a tiny random BERT model + tokenizer directory (AutoModel/AutoTokenizer-loadable)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = tmp_path_factory.mktemp("tiny_bert")
    vocab_file = path / "vocab.txt"
    vocab_file.write_text("\n".join(dict.fromkeys(_tiny_vocab())) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast.from_pretrained(path, do_lower_case=True)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = BertModel(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_bert_tokenizer(tiny_bert_dir):
    """The tiny BERT's fast tokenizer."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_bert_dir)
# --- end of transformer model fixtures --------------------------------------------------------


# --- quote extraction fixtures (owner: quote and speaker extraction) ---------------------------
# One spaCy pipeline per test session, shared by the quote extraction and quotes CLI tests.


@pytest.fixture(scope="session")
def quote_extractor():
    """The default :class:`~newsstance.inference.extraction.QuoteExtractor`, loaded once."""
    from newsstance.inference.extraction import QuoteExtractor

    return QuoteExtractor.load()
# --- end of quote extraction fixtures -----------------------------------------------------------


# --- analyzer fixtures (owner: scoring API / analyze CLI / ONNX backend) -----------------------
# A tiny random multi-task model directory (from tiny_bert_dir), exported to ONNX + int8 once per
# session, and a NewsAnalyzer on it (ONNX int8 backend) sharing the session's quote extractor.


@pytest.fixture(scope="session")
def analyzer_model_dir(tiny_bert_dir, tmp_path_factory: pytest.TempPathFactory):
    """A model directory (safetensors + model.onnx + model.int8.onnx, sha256s recorded)."""
    from tiny_models import save_tiny_model

    from newsstance.inference.encoding import EncodingSettings

    path = tmp_path_factory.mktemp("analyzer_model") / "tiny-news"
    return save_tiny_model(tiny_bert_dir, path,
                           EncodingSettings(max_length=64, stride=16, context_chars=200),
                           seed=3, info={"version": "0.0.1"})


@pytest.fixture(scope="session")
def tiny_analyzer(analyzer_model_dir, quote_extractor):
    """A :class:`NewsAnalyzer` on the tiny model (ONNX int8)."""
    from newsstance.inference.analyzer import NewsAnalyzer

    return NewsAnalyzer.from_pretrained(analyzer_model_dir, extractor=quote_extractor)


@pytest.fixture
def shared_analyzer(monkeypatch, tiny_analyzer, analyzer_model_dir, quote_extractor):
    """In-process CLI runs reuse the session's spaCy pipeline and tiny analyzer (no reloads):
    ``--model <analyzer_model_dir>`` gets :func:`tiny_analyzer`. Returns that directory."""
    from pathlib import Path

    from newsstance.inference.analyzer import NewsAnalyzer
    from newsstance.inference.extraction import QuoteExtractor

    real = NewsAnalyzer.from_pretrained.__func__

    def cached(cls, path=None, **kwargs):
        if path is not None and Path(path) == analyzer_model_dir:
            return tiny_analyzer
        return real(cls, path, **kwargs)

    monkeypatch.setattr(NewsAnalyzer, "from_pretrained", classmethod(cached))
    monkeypatch.setattr(QuoteExtractor, "load", classmethod(lambda cls, *a, **k: quote_extractor))
    return analyzer_model_dir
# --- end of analyzer fixtures -------------------------------------------------------------------
