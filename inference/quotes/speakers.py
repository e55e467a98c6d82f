"""Speaker mentions from the parse: mention span, resolved name, organisation, descriptors."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from newsstance.inference.quotes.cues import PRONOUNS
from newsstance.inference.quotes.names import doc_names, is_propn, label_of, name_in

#: Children left out of a speaker mention (they are used for the organisation and role instead).
_CUT_DEPS = frozenset({"relcl", "appos", "advcl", "punct", "cc", "parataxis", "ccomp"})
_MAX_MENTION = 14
#: Nouns whose definite mention ("the company") refers back to the last organisation named.
ORG_NOUNS = frozenset(
    [
        "company",
        "firm",
        "group",
        "organization",
        "organisation",
        "agency",
        "ministry",
        "department",
        "campaign",
        "government",
        "administration",
        "network",
        "newspaper",
        "paper",
        "outlet",
        "union",
        "bank",
        "party",
        "committee",
        "team",
    ]
)
_TITLE_LEFT = frozenset({"compound", "amod", "nmod", "det", "poss", "case"})


@dataclass
class Mention:
    """A speaker mention: absolute char span, text, resolved name, organisation, role hints."""

    start: int
    end: int
    text: str
    name: str | None = None
    organization: str | None = None
    descriptor: str = ""
    entity: str | None = None
    kind: str = "other"  # person, org, group, pronoun, other
    pronoun: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def mention_tokens(head: Token) -> list[Token]:
    """The contiguous noun phrase around ``head`` without relative clauses and appositions."""
    keep: set[int] = set()
    stack = [head]
    while stack:
        tok = stack.pop()
        keep.add(tok.i)
        for child in tok.children:
            if child.dep_ not in _CUT_DEPS or (
                child.dep_ == "punct" and child.i < head.i and child.text in ".'’"
            ):
                stack.append(child)
    if len(keep) > _MAX_MENTION:
        keep = {head.i} | {c.i for c in head.lefts if c.dep_ in _TITLE_LEFT}
        keep |= {t.i for c in head.lefts if c.dep_ in _TITLE_LEFT for t in c.subtree}
    doc = head.doc
    lo = hi = head.i
    while lo - 1 in keep:
        lo -= 1
    while hi + 1 in keep:
        hi += 1
    # keep words glued to the mention ("al-Jubeir", "T. Decker") and a name entity it cuts
    while (
        hi + 1 < len(doc)
        and not doc[hi].whitespace_
        and (doc[hi + 1].text in "-'’" or doc[hi].text in "-'’")
    ):
        hi += 1
    for n_start, n_end, label in doc_names(doc):
        if label == "PERSON" and n_start <= head.i < n_end:
            lo, hi = min(lo, n_start), max(hi, n_end - 1)
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    while hi > lo and (doc[hi].is_punct and doc[hi].text != "." or doc[hi].is_space):
        hi -= 1
    return list(doc[lo : hi + 1])


def _entity_in(tokens: list[Token], labels: tuple[str, ...]) -> Span | None:
    found = name_in(tokens, labels)
    if found is None:
        return None
    return tokens[0].doc[found[0] : found[1]]


def _propn_name(tokens: list[Token], head: Token) -> str | None:
    """Proper-noun run ending at the head ("Sen. Ted Cruz" -> "Ted Cruz")."""
    if not is_propn(head):
        return None
    run = [head]
    i = head.i - 1
    doc = head.doc
    while (
        i >= tokens[0].i
        and is_propn(doc[i])
        and doc[i].dep_ in ("compound", "nmod")
        and not doc[i].text.endswith(".")
    ):
        run.insert(0, doc[i])
        i -= 1
    return " ".join(t.text for t in run)


def descriptor_of(head: Token) -> str:
    """Words describing the speaker: appositions, titles before the name, 'for/of/at' phrases."""
    parts: list[str] = []
    for child in head.children:
        if (
            child.dep_ == "appos"
            or (child.dep_ == "prep" and child.lower_ in ("for", "of", "at", "with", "from"))
            or child.dep_ in ("compound", "amod", "nmod", "poss")
            and child.i < head.i
        ):
            parts.append(child.doc[child.left_edge.i : child.right_edge.i + 1].text)
    if head.dep_ == "appos":
        parts.append(head.head.text)
    return " ".join(parts)


def _propn_modifier(noun: Token) -> str | None:
    """A proper-noun compound or possessor of a common noun, not a place ("a Nimbus Cloud
    spokesperson" -> "Nimbus Cloud", "Apple's chief executive" -> "Apple")."""
    if is_propn(noun):
        return None
    for child in noun.children:
        if child.dep_ in ("compound", "poss", "nmod") and child.i < noun.i and is_propn(child):
            words = [t for t in child.subtree if t.dep_ != "case" and (is_propn(t) or t.is_punct)]
            if words and label_of(child) != "GPE":
                return child.doc[words[0].i : words[-1].i + 1].text
    return None


def organization_of(head: Token, tokens: list[Token]) -> str | None:
    """An ORG named in the mention, its possessor, apposition or 'for/of/at' phrase; without an
    ORG name, the proper-noun modifier of a role noun ("X, a Google engineer" -> "Google")."""
    ent = _entity_in(tokens, ("ORG",))
    if ent is not None:
        return ent.text
    for child in head.children:
        if child.dep_ in ("appos", "prep", "poss", "compound", "nmod"):
            sub = list(child.subtree)
            ent = _entity_in(sub, ("ORG",))
            if ent is not None:
                return ent.text
    found = _propn_modifier(head)
    if found:
        return found
    for child in head.children:
        if child.dep_ == "appos" and child.lower_ in ORG_NOUNS and is_propn(head):
            return _propn_name(tokens, head)  # "Nimbus Cloud, the Seattle software company"
        nouns = [child] if child.dep_ == "appos" else []
        if child.dep_ == "prep" and child.lower_ in ("at", "of", "for", "with", "from"):
            nouns = [t for t in child.children if t.dep_ == "pobj"]
        for noun in nouns:
            found = _propn_modifier(noun)
            if found:
                return found
            if child.dep_ == "prep" and is_propn(noun) and label_of(noun) != "GPE":
                words = [t for t in noun.subtree if is_propn(t)]
                return noun.doc[words[0].i : words[-1].i + 1].text
            for grand in noun.children:
                if grand.dep_ == "prep" and grand.lower_ in ("at", "of", "for", "with", "from"):
                    for pobj in grand.children:
                        if pobj.dep_ == "pobj" and is_propn(pobj) and label_of(pobj) != "GPE":
                            words = [t for t in pobj.subtree if is_propn(t)]
                            return pobj.doc[words[0].i : words[-1].i + 1].text
    return None


def build_mention(head: Token, offset: int) -> Mention:
    """The speaker mention headed by ``head`` (``offset``: the chunk's position in the article)."""
    tokens = mention_tokens(head)
    doc = head.doc
    start = offset + tokens[0].idx
    end = offset + tokens[-1].idx + len(tokens[-1].text)
    text = doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
    mention = Mention(start, end, text, descriptor=descriptor_of(head))
    low = head.lower_
    if len(tokens) == 1 and low in PRONOUNS:
        mention.kind = "pronoun"
        mention.pronoun = low
        if PRONOUNS[low] == "rel" and head.head.dep_ == "relcl":
            antecedent = head.head.head
            inner = build_mention(antecedent, offset)
            mention.name = inner.name
            mention.organization = inner.organization
            mention.descriptor = inner.descriptor
            mention.entity = inner.entity
            mention.extra["antecedent_kind"] = inner.kind
        return mention
    person = _entity_in(tokens, ("PERSON",))
    org = organization_of(head, tokens)
    head_label = label_of(head)
    if (
        person is not None
        and person.start <= head.i < person.end
        or (person is None and is_propn(head) and head_label in ("", "PERSON"))
    ):
        mention.kind = "person"
        mention.entity = "PERSON"
        mention.name = person.text if person is not None else _propn_name(tokens, head)
    elif head_label in ("ORG", "NORP", "GPE"):
        mention.kind = "org"
        mention.entity = head_label
        ent = _entity_in(tokens, (head_label,))
        mention.name = ent.text if ent is not None else text
        if head_label == "ORG":
            org = org or mention.name
    else:
        mention.kind = "org" if low in ORG_NOUNS else "group"
        mention.name = text
    mention.organization = org
    return mention
