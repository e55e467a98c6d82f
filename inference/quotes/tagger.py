"""The learned quote-span tagger: :class:`SpanTagger` finds content and source spans in text.

A token classifier (fine-tuned by ``newsstance train-spans``) runs over overlapping windows of
the whole article (:mod:`~newsstance.inference.quotes.tagging`). A tagger may also have a
speaker-role head: per-token role logits, read over a speaker mention's tokens
(:meth:`TaggedText.role_probs`). :meth:`SpanTagger.from_dir`
loads an exported tagger directory (``tagger.json``, ``tokenizer.json`` and an ONNX graph whose
sha256 is recorded in ``tagger.json``) with ONNX Runtime; nothing here imports torch.
"""

from __future__ import annotations

import bisect
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.checksums import sha256_file
from newsstance.inference.quotes.tagging import (
    SPAN_LABELS,
    TaggedSpan,
    best_window,
    decode_spans,
    softmax,
    window_bounds,
)

TAGGER_INFO = "tagger.json"
TOKENIZER_FILE = "tokenizer.json"
#: Where the bundled tagger lives (inside the package).
BUNDLED_TAGGER = Path(__file__).resolve().parent / "tagger_model"

#: (input ids, attention mask) -> tag logits, or (tag logits, role logits)
Runner = Callable[[np.ndarray, np.ndarray], "np.ndarray | tuple[np.ndarray, np.ndarray]"]


@dataclass
class TaggedText:
    """The tagger's output for one text: spans, token offsets and (with a role head) per-token
    role probabilities."""

    spans: list[TaggedSpan]
    offsets: list[tuple[int, int]]
    role_logits: np.ndarray | None = None
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._starts = [s for s, _ in self.offsets]
        self._ends = [e for _, e in self.offsets]

    def role_probs(self, start: int, end: int) -> dict[str, float] | None:
        """Role probabilities of a mention ``text[start:end]`` (mean logits of its tokens);
        ``None`` without a role head or when no token falls inside."""
        if self.role_logits is None or not self.offsets:
            return None
        # offsets are in text order: the tokens ending after ``start`` up to the first token
        # starting at or after ``end``
        first = bisect.bisect_right(self._ends, start)
        last = bisect.bisect_left(self._starts, end, lo=first)
        idx = list(range(first, last))
        if not idx:
            return None
        probs = softmax(self.role_logits[idx].mean(0))
        return {role: float(p) for role, p in zip(self.roles, probs, strict=True)}

    @classmethod
    def join(cls, parts: Sequence[tuple[int, TaggedText]], roles: tuple[str, ...] = ()
             ) -> TaggedText:
        """One result from results of pieces ``(offset of the piece, result)`` of a text."""
        spans: list[TaggedSpan] = []
        offsets: list[tuple[int, int]] = []
        logits: list[np.ndarray] = []
        for off, part in parts:
            spans.extend(TaggedSpan(s.kind, s.start + off, s.end + off, s.score)
                         for s in part.spans)
            offsets.extend((s + off, e + off) for s, e in part.offsets)
            if part.role_logits is not None:
                logits.append(part.role_logits)
        joined = np.concatenate(logits) if logits and len(logits) == len(parts) else None
        return cls(spans, offsets, joined, roles)


class TaggerError(ValueError):
    """A tagger directory is missing, incomplete or altered."""


class OnnxRunner:
    """Runs an ONNX token classifier (``threads``: intra-op threads; default all cores). The
    session is made on first use and again in a process with another pid."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path, self.threads = path, threads
        self._session: Any = None
        self._outputs: list[str] = []
        self._pid: int | None = None

    def session(self) -> Any:
        if self._session is None or self._pid != os.getpid():
            import onnxruntime as ort

            from newsstance.inference.onnx_backend import session_options

            self._session = ort.InferenceSession(str(self.path), session_options(self.threads),
                                                 providers=["CPUExecutionProvider"])
            self._outputs = [o.name for o in self._session.get_outputs()]
            self._pid = os.getpid()
        return self._session

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
        out = self.session().run(self._outputs, {"input_ids": ids, "attention_mask": mask})
        return out[0] if len(out) == 1 else tuple(out)


@dataclass
class SpanTagger:
    """Tags ``CONTENT``/``SOURCE`` spans. ``run`` maps (input ids, attention mask), both
    (windows, tokens) int64, to logits (windows, tokens, labels); ``tokenizer`` is a
    ``tokenizers.Tokenizer``."""

    tokenizer: Any
    run: Runner
    cls_id: int
    sep_id: int
    pad_id: int = 0
    max_tokens: int = 254
    overlap: int = 64
    #: windows per run; ``from_dir`` sets 1 for a dynamically quantized graph, whose activation
    #: ranges are the whole run's: alone, a text's spans do not depend on the other texts
    batch_size: int = 16
    name: str = "tagger"
    #: labels of the role head's logits (empty: no role head)
    roles: tuple[str, ...] = ()
    #: decoding settings (see :func:`~newsstance.inference.quotes.tagging.decode_spans`); an
    #: exported tagger keeps them in ``tagger.json`` under ``"decode"``
    decode: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dir(cls, path: str | Path | None = None, threads: int | None = None) -> SpanTagger:
        """Load an exported tagger directory (default: the bundled one) with ONNX Runtime."""
        root = Path(path) if path is not None else BUNDLED_TAGGER
        info = check_tagger_dir(root)
        onnx_name = info.get("onnx_file", "model.int8.onnx")
        run = OnnxRunner(root / onnx_name, threads)
        run.session()  # fail early on a broken graph
        return cls.from_tokenizer_file(root / TOKENIZER_FILE, run, max_tokens=info["max_tokens"],
                                       overlap=info["overlap"], name=info.get("name", root.name),
                                       roles=tuple(info.get("roles") or ()),
                                       decode=dict(info.get("decode") or {}),
                                       batch_size=1 if info.get("quantization") else 16)

    @classmethod
    def from_tokenizer_file(cls, path: str | Path, run: Runner, **kwargs: Any) -> SpanTagger:
        """A tagger from a ``tokenizer.json`` and a runner."""
        from tokenizers import Tokenizer

        return cls.from_tokenizer(Tokenizer.from_file(str(path)), run, **kwargs)

    @classmethod
    def from_tokenizer(cls, tokenizer: Any, run: Runner, **kwargs: Any) -> SpanTagger:
        """A tagger from a ``tokenizers.Tokenizer`` (truncation and padding are switched off on a
        copy) and a runner."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_str(tokenizer.to_str())
        tok.no_truncation()
        tok.no_padding()

        def token_id(*names: str) -> int:
            for n in names:
                value = tok.token_to_id(n)
                if value is not None:
                    return int(value)
            raise TaggerError(f"the tokenizer has none of {names}")

        return cls(tok, run, cls_id=token_id("[CLS]", "<s>"), sep_id=token_id("[SEP]", "</s>"),
                   pad_id=token_id("[PAD]", "<pad>"), **kwargs)

    def tag(self, text: str) -> list[TaggedSpan]:
        """Spans of one text."""
        return self.tag_many([text])[0]

    def tag_many(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        """Spans of each text."""
        return [t.spans for t in self.analyze_many(texts)]

    def analyze_many(self, texts: Sequence[str]) -> list[TaggedText]:
        """Spans (and role logits) of each text; windows of all texts are batched together."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        windows: list[tuple[int, int, int]] = []  # (text index, start, end)
        bounds_of: list[list[tuple[int, int]]] = []
        for i, enc in enumerate(encodings):
            bounds = window_bounds(len(enc.ids), self.max_tokens, self.overlap)
            bounds_of.append(bounds)
            windows.extend((i, s, e) for s, e in bounds)
        logits_of: dict[tuple[int, int], tuple[np.ndarray, np.ndarray | None]] = {}
        order = sorted(range(len(windows)), key=lambda k: windows[k][2] - windows[k][1])
        for b in range(0, len(order), self.batch_size):
            chunk = [windows[k] for k in order[b : b + self.batch_size]]
            width = max(e - s for _, s, e in chunk) + 2
            ids = np.full((len(chunk), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for r, (i, s, e) in enumerate(chunk):
                row = [self.cls_id, *encodings[i].ids[s:e], self.sep_id]
                ids[r, : len(row)] = row
                mask[r, : len(row)] = 1
            out = self.run(ids, mask)
            tags, roles = out if isinstance(out, tuple) else (out, None)
            for r, (i, s, e) in enumerate(chunk):
                logits_of[(i, s)] = (tags[r, 1 : 1 + e - s],
                                     None if roles is None else roles[r, 1 : 1 + e - s])
        results: list[TaggedText] = []
        for i, enc in enumerate(encodings):
            n = len(enc.ids)
            if n == 0:
                results.append(TaggedText([], [], roles=self.roles))
                continue
            bounds = bounds_of[i]
            owner = best_window(bounds, n)
            logits = np.zeros((n, len(SPAN_LABELS)), dtype=np.float32)
            has_roles = logits_of[(i, bounds[0][0])][1] is not None
            role_logits = np.zeros((n, len(self.roles)), dtype=np.float32) if has_roles else None
            for w, (s, e) in enumerate(bounds):
                sel = np.nonzero(owner[s:e] == w)[0]
                tags, roles = logits_of[(i, s)]
                logits[s + sel] = tags[sel]
                if role_logits is not None and roles is not None:
                    role_logits[s + sel] = roles[sel]
            offsets = [tuple(o) for o in enc.offsets]
            probs = softmax(logits)
            words = enc.word_ids
            for t in range(1, n):  # a word's later sub-word pieces follow its first piece
                if words[t] is not None and words[t] == words[t - 1]:
                    probs[t] = probs[t - 1]
            spans = decode_spans(probs, offsets, **self.decode)
            results.append(TaggedText(spans, offsets, role_logits, self.roles))
        return results


def check_tagger_dir(root: Path) -> dict[str, Any]:
    """The ``tagger.json`` of a tagger directory, after checking its files (present, with the
    recorded sha256) and labels; ``TaggerError`` otherwise."""
    info_path = root / TAGGER_INFO
    if not info_path.is_file():
        raise TaggerError(f"{root} is not a tagger directory: {TAGGER_INFO} is missing")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    onnx_name = info.get("onnx_file", "model.int8.onnx")
    for name in (onnx_name, TOKENIZER_FILE):
        file = root / name
        if not file.is_file():
            raise TaggerError(f"{root} is not a complete tagger directory: {name} is missing")
        expected = (info.get("sha256") or {}).get(name)
        if not expected:
            raise TaggerError(f"{info_path} records no sha256 for {name}")
        if sha256_file(file) != expected:
            raise TaggerError(f"{file} does not match the sha256 in {info_path}: the file "
                              "was altered or replaced")
    if list(info.get("labels", [])) != list(SPAN_LABELS):
        raise TaggerError(f"{info_path}: labels {info.get('labels')} are not {SPAN_LABELS}")
    return info
