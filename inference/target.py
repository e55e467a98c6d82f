"""Which target an article's quotes are scored against.

The rule, in order:

1. ``given``: the target passed by the caller (``--target``, or a record's ``target`` field);
2. ``title``: the article's title, whitespace-normalised;
3. ``inferred``: the article's lead: its first sentence with at least four words, a leading dateline
   (``WASHINGTON (AP) —``) removed, cut before the first clause break (``;``, ``:``, a dash,
   ``, which``/``, who``/``, said``/``, according to``) and to at most :data:`MAX_WORDS` words,
   trailing punctuation stripped. If nothing is left, the first :data:`MAX_WORDS` words.
"""

from __future__ import annotations

import re

#: Most words an inferred target keeps.
MAX_WORDS = 16

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z.,' -]{1,40}(?:\([A-Za-z. ]{1,20}\))?\s*(?:[-—–]{1,2}|:)\s+")
_CLAUSE_BREAK = re.compile(
    r"\s*(?:;|:\s|\s[-—–]{1,2}\s|—|,\s+(?:which|who|whose|where|according to|said|says|"
    r"officials? said|he said|she said)\b)", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return text.split()


def lead_sentence(text: str) -> str:
    """The first sentence of ``text`` with at least four words (else the first non-blank line)."""
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        for sentence in _SENTENCE_END.split(para):
            if len(_words(sentence)) >= 4:
                return sentence.strip()
    for para in text.split("\n"):
        if para.strip():
            return para.strip()
    return ""


def infer_target(text: str, max_words: int = MAX_WORDS) -> str:
    """The article's target by the lead-sentence rule (see the module docstring)."""
    sentence = _DATELINE.sub("", lead_sentence(text), count=1)
    clause = _CLAUSE_BREAK.split(sentence, maxsplit=1)[0]
    words = _words(clause)[:max_words] or _words(text)[:max_words]
    return " ".join(words).strip(" \t\"'“”‘’.,;:!?-—–")


def choose_target(text: str, title: str | None = None,
                  target: str | None = None) -> tuple[str, str]:
    """``(target, source)`` with ``source`` one of ``given``, ``title``, ``inferred``."""
    if target is not None and target.strip():
        return " ".join(target.split()), "given"
    if title is not None and title.strip():
        return " ".join(title.split()), "title"
    return infer_target(text), "inferred"
