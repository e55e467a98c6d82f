"""Attribution cues in a parsed sentence: the speech verb, its subject and its reported content.

Patterns: ``X said (that) CONTENT``, ``CONTENT, X said``, ``CONTENT, X said, CONTENT``,
``X told Y CONTENT``, ``X, who said CONTENT``, ``according to X, CONTENT``, ``X said:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from newsstance.inference.quotes.cues import CUE_FORMS, WEAK_LEMMAS
from newsstance.inference.quotes.names import is_verb

_SUBJ = ("nsubj", "nsubjpass")
_CLIMB = ("conj", "xcomp", "advcl", "ccomp", "pcomp", "prep")
#: Children of a cue verb that make up a reported object ("denied the reports", "called X “Y”").
_OBJECT_DEPS = frozenset({"dobj", "oprd", "xcomp", "dative", "attr"})
_OBJECT_PREPS = frozenset({"of", "for", "about", "as", "that", "on", "against", "to"})
_CONTENT_DEPS = ("ccomp",)
_QUOTE_MARK = re.compile(r"[\"“”„«»]")
_EDGE = " \t\n,;:—–-\"'“”‘’()"


@dataclass
class Attribution:
    """A cue with its speaker head token and content fragments (absolute char spans)."""

    cue: Token
    speaker: Token | None
    content: list[tuple[int, int]] = field(default_factory=list)
    kind: str = "verb"  # verb, according, intro (ends with a colon: the quote follows)
    weak: bool = False

    @property
    def cue_start(self) -> int:
        return self.cue.idx


def _subject(verb: Token) -> Token | None:
    tok = verb
    for _ in range(3):
        for child in tok.children:
            if child.dep_ in _SUBJ:
                return child
        if tok.dep_ == "relcl":
            return tok.head
        if tok.dep_ in _CLIMB and tok.head is not tok:
            tok = tok.head
            continue
        return None
    return None


def governing_subject(doc: Doc, start: int, end: int) -> Token | None:
    """The subject of the verb that governs the content at ``doc.text[start:end]`` (``X said
    that CONTENT``, ``X accused Y of CONTENT``): the head outside the span of its highest token,
    climbing through clauses and conjunctions to a subject. ``None`` when the span is not
    governed from outside or the subject lies inside it."""
    tokens = [t for t in doc if start <= t.idx < end]
    inside = {t.i for t in tokens}
    governed = [t for t in tokens if t.head.i not in inside]
    if not governed:
        return None
    top = min(governed, key=lambda t: sum(1 for _ in t.ancestors))
    subject = _subject(top.head)
    return None if subject is None or subject.i in inside else subject


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    if text[start : start + 5].lower() == "that " and end - start > 5:
        start += 5
    if end - start > 1 and text[end - 1] == "." and text[end - 2].islower():
        end -= 1
    return start, end


def _range(tokens: list[Token]) -> tuple[int, int] | None:
    if not tokens:
        return None
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _fragments(
    sent: Span, include: list[Token], exclude: set[int], offset: int
) -> list[tuple[int, int]]:
    """Contiguous runs of ``include`` tokens not in ``exclude``, as trimmed absolute spans."""
    text = sent.doc.text
    runs: list[list[Token]] = []
    last = -2
    for tok in sorted(include, key=lambda t: t.i):
        if tok.i in exclude:
            last = -2
            continue
        if tok.i == last + 1 and runs:
            runs[-1].append(tok)
        else:
            runs.append([tok])
        last = tok.i
    out = []
    for run in runs:
        span = _range(run)
        if span is None:
            continue
        start, end = _trim(text, *span)
        words = text[start:end].split()
        if len(words) >= 2:
            out.append((offset + start, offset + end))
    return out


def _object_content(sent: Span, cue: Token, offset: int) -> list[tuple[int, int]]:
    """The object and complements after a cue verb ("denied [reports that ...]")."""
    keep = []
    for child in cue.rights:
        if child.dep_ in _OBJECT_DEPS or (child.dep_ == "prep" and child.lower_ in _OBJECT_PREPS):
            keep.append(child)
        elif keep:
            break
    if not keep:
        return []
    tokens = [t for child in keep for t in child.subtree]
    return _fragments(sent, tokens, set(), offset)[:1]


def find_attributions(sent: Span, offset: int) -> list[Attribution]:
    """Attributions of one sentence (``offset``: the chunk's position in the article)."""
    found: list[Attribution] = []
    for tok in sent:
        low = tok.lower_
        if low == "according" and tok.i + 1 < sent.end and tok.nbor().lower_ == "to":
            to = tok.nbor()
            pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            phrase = {t.i for t in tok.subtree} | {t.i for t in to.subtree}
            content = _fragments(sent, list(sent), phrase, offset)
            found.append(Attribution(tok, pobj, content, kind="according"))
            continue
        lemma = CUE_FORMS.get(low)
        if lemma is None or not is_verb(tok) or tok.dep_ in ("amod", "compound"):
            continue
        if any(c.dep_ == "auxpass" for c in tok.children) and not any(
            c.dep_ == "agent" for c in tok.children
        ):
            continue  # "is said to", "it is believed that": no source
        speaker = _subject(tok)
        if speaker is not None and speaker.i > tok.i + 8:
            speaker = None
        comps = [c for c in tok.children if c.dep_ in _CONTENT_DEPS]
        content: list[tuple[int, int]] = []
        if comps:
            for comp in comps:
                content += _fragments(sent, list(comp.subtree), set(), offset)
        elif (
            (tok.dep_ == "parataxis" or tok.head.i > tok.i)
            and tok.dep_
            in (
                "parataxis",
                "ccomp",
                "advcl",
            )
            and is_verb(tok.head)
        ):
            # "CONTENT, X said" / "CONTENT, X said, CONTENT": the head clause minus the cue clause
            cue_sub = {t.i for t in tok.subtree}
            content = _fragments(sent, list(tok.head.subtree), cue_sub, offset)
        elif tok.dep_ == "ROOT" and not comps:
            # "CONTENT, X said." parsed with the content as a dangling clause before the cue
            before = [t for t in sent if t.i < tok.left_edge.i]
            if before and any(is_verb(t) for t in before):
                content = _fragments(sent, before, set(), offset)
        if not content and speaker is not None and tok.dep_ != "relcl":
            content = _object_content(sent, tok, offset)
        text_after = sent.doc.text[tok.idx + len(tok.text) : sent.end_char].lstrip()
        kind = (
            "intro"
            if text_after.startswith(":")
            or (not content and sent.doc.text[sent.end_char - 1 : sent.end_char] == ":")
            else "verb"
        )
        weak = lemma in WEAK_LEMMAS
        if weak and not comps and kind != "intro":
            # 'called the plan "a disaster"': an object with a quoted fragment is a mixed quote
            text = sent.doc.text
            content = [
                c for c in content if _QUOTE_MARK.search(text[c[0] - offset : c[1] - offset])
            ]
        found.append(Attribution(tok, speaker, content, kind=kind, weak=weak))
    return found
