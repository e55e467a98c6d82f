"""Speech-verb cues (all inflected forms, since the lemmatizer is disabled) and cue patterns."""

from __future__ import annotations

import re


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


#: Verbs that report speech, writing or stated beliefs.
SPEECH_LEMMAS = [
    "say",
    "tell",
    "add",
    "argue",
    "claim",
    "deny",
    "warn",
    "write",
    "announce",
    "insist",
    "note",
    "explain",
    "state",
    "report",
    "suggest",
    "acknowledge",
    "admit",
    "ask",
    "assert",
    "confirm",
    "contend",
    "declare",
    "emphasize",
    "emphasise",
    "estimate",
    "predict",
    "promise",
    "pledge",
    "recall",
    "remark",
    "reply",
    "respond",
    "reveal",
    "stress",
    "testify",
    "tweet",
    "post",
    "urge",
    "vow",
    "complain",
    "concede",
    "agree",
    "allege",
    "comment",
    "counter",
    "mention",
    "maintain",
    "observe",
    "charge",
    "accuse",
    "chant",
    "cite",
    "indicate",
    "reiterate",
    "repeat",
    "retort",
    "boast",
    "joke",
    "quip",
    "concede",
    "caution",
    "conclude",
    "disclose",
    "divulge",
    "lament",
    "muse",
    "opine",
    "proclaim",
    "recount",
    "scoff",
    "speculate",
    "swear",
    "threaten",
    "whisper",
    "yell",
    "shout",
    "acknowledge",
    "affirm",
    "attest",
    "believe",
    "think",
    "fear",
    "worry",
    "find",
    "show",
    "demonstrate",
    "blame",
    "criticize",
    "criticise",
    "praise",
    "dismiss",
    "reject",
    "question",
    "suggest",
    "advise",
    "order",
    "instruct",
    "recommend",
    "propose",
    "demand",
    "insist",
    "call",
    "describe",
    "characterize",
    "characterise",
    "point",
    "declare",
    "say",
    "tell",
    "relate",
    "assure",
    "brag",
    "concede",
    "confess",
    "announce",
    "estimate",
    "forecast",
    "contend",
    "elaborate",
    "clarify",
    "highlight",
    "stress",
    "underscore",
    "admit",
    "acknowledge",
]

#: Lemmas whose bare occurrence is too ambiguous to count as a cue without a clausal complement.
WEAK_LEMMAS = frozenset(
    [
        "mention",
        "think",
        "fear",
        "worry",
        "hope",
        "expect",
        "guess",
        "feel",
        "know",
        "find",
        "show",
        "demonstrate",
        "blame",
        "criticize",
        "criticise",
        "praise",
        "dismiss",
        "reject",
        "question",
        "advise",
        "order",
        "instruct",
        "recommend",
        "propose",
        "demand",
        "call",
        "describe",
        "characterize",
        "characterise",
        "point",
        "relate",
        "accuse",
        "charge",
        "cite",
        "ask",
        "agree",
        "post",
    ]
)

_IRREGULAR = {
    "say": ["said", "says", "saying"],
    "tell": ["told", "tells", "telling"],
    "write": ["wrote", "written", "writes", "writing"],
    "swear": ["swore", "sworn"],
    "think": ["thought"],
    "feel": ["felt"],
    "know": ["knew", "known"],
    "find": ["found"],
    "show": ["shown"],
    "testify": ["testified", "testifies"],
}


def inflect(lemma: str) -> set[str]:
    """Regular (and a few irregular) inflected forms of a verb."""
    forms = {lemma, *(_IRREGULAR.get(lemma, []))}
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    elif lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif re.search(r"(s|sh|ch|x|z)$", lemma):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
        if lemma in ("admit", "quip", "regret"):
            forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


#: Inflected form -> lemma.
CUE_FORMS: dict[str, str] = {}
for _lemma in SPEECH_LEMMAS:
    for _form in inflect(_lemma):
        CUE_FORMS.setdefault(_form, _lemma)

_QUOTE_MARKS = frozenset('"“”„«»')
_LOWER_WORD = re.compile(r"[a-z]+")
_CUE_WORDS = frozenset(CUE_FORMS) | {"according"}


def has_cue(sentence: str) -> bool:
    """Cheap prefilter: a sentence worth parsing has a quotation mark or a speech-verb form."""
    if not _QUOTE_MARKS.isdisjoint(sentence):
        return True
    return not _CUE_WORDS.isdisjoint(_LOWER_WORD.findall(sentence.lower()))

#: Words before a short quoted phrase that make it a title or name, not a quote.
TITLE_WORDS = frozenset(
    [
        "titled",
        "entitled",
        "named",
        "dubbed",
        "headlined",
        "nicknamed",
        "called",
        "so-called",
        "term",
        "word",
        "words",
        "phrase",
        "slogan",
        "hashtag",
        "label",
        "film",
        "movie",
        "book",
        "song",
        "album",
        "show",
        "series",
        "novel",
        "play",
    ]
)

#: Subject pronouns and the kind of antecedent each needs.
PRONOUNS = {
    "he": "person",
    "she": "person",
    "him": "person",
    "her": "person",
    "i": "person",
    "they": "group",
    "it": "org",
    "we": "group",
    "who": "rel",
    "which": "rel",
    "that": "rel",
    "you": "person",
}
