"""Turn quotation-mark spans and parsed attributions of one article into :class:`Quote` records.

Direct quotes take the nearest attribution in their sentence (outside the quote), else a colon
intro just before them, else the speaker of the quote they continue (multi-paragraph quotes, a
quote split by its attribution). A short quoted fragment inside an attribution's reported clause
makes that clause a ``mixed`` quote; short quoted phrases with no attribution (scare quotes,
titles) are dropped. Attributions not used by a direct quote give ``indirect`` quotes.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from newsstance.inference.quote import Quote
from newsstance.inference.quotes.attribution import Attribution, find_attributions
from newsstance.inference.quotes.cues import PRONOUNS, TITLE_WORDS
from newsstance.inference.quotes.gender import name_gender, pronoun_gender
from newsstance.inference.quotes.marks import QuoteSpan, find_quote_spans
from newsstance.inference.quotes.names import doc_names
from newsstance.inference.quotes.roles import (
    best_role,
    classify_role,
    explicit_role,
    predict_role,
    role_distribution,
    role_features,
    role_scores,
)
from newsstance.inference.quotes.speakers import (
    ORG_NOUNS,
    Mention,
    build_mention,
    descriptor_of,
    organization_of,
)

SHORT_QUOTE_WORDS = 4
MIXED_COVERAGE = 0.6
INHERIT_DISTANCE = 600
#: Give every quote of one speaker (same resolved name) in an article the same role.
SAME_SPEAKER_ROLES = True
#: Trust the rules when the mention itself holds a role title.
EXPLICIT_TITLES = True
_QUOTE_CHARS = re.compile(r"[\"“”„«»]")
_WORD = re.compile(r"\w+")
_CAPITALISED_NAME = re.compile(
    r"\b([A-Z][a-z'’]+)(?: [A-Z]\.)? [A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)?\b"
)
#: Capitalised words that start a sentence or a title rather than a name.
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "For",
        "But",
        "And",
        "If",
        "When",
        "While",
        "After",
        "Before",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "He",
        "She",
        "They",
        "We",
        "I",
        "Our",
        "Their",
        "His",
        "Her",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Sen",
        "Rep",
        "Gov",
        "President",
        "Senator",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "New",
        "United",
        "North",
        "South",
        "East",
        "West",
    ]
)
_SENTENCE_END = re.compile(r"[.!?,]\W*$")


@dataclass
class SentInfo:
    start: int
    end: int
    sent: Span
    offset: int
    attributions: list[Attribution] = field(default_factory=list)


@dataclass
class _Named:
    """What is known about a named speaker: organisation and descriptors."""

    organization: str | None = None
    descriptor: str = ""
    entity: str | None = None


class ArticleState:
    """Entities and speakers of one article, for resolving pronouns and short names."""

    def __init__(self, text: str, docs: list[tuple[int, Doc]], learned_roles: bool = True) -> None:
        self.text = text
        self.learned_roles = learned_roles
        self.people: list[tuple[int, str]] = []  # (position, name) of PERSON entities
        self.subjects: list[tuple[int, str]] = []  # PERSON entities used as subjects
        self.orgs: list[tuple[int, str]] = []
        self.surnames: set[str] = set()
        self.known: dict[str, _Named] = {}  # by lower-cased last name
        self.speakers: list[tuple[int, Mention]] = []
        for offset, doc in docs:
            for n_start, n_end, label in doc_names(doc):
                ent = doc[n_start:n_end]
                pos = offset + ent.start_char
                if label == "PERSON":
                    self.people.append((pos, ent.text))
                    self.surnames.add(ent[-1].lower_)
                    if ent.root.dep_ in ("nsubj", "nsubjpass"):
                        self.subjects.append((pos, ent.text))
                elif label == "ORG":
                    self.orgs.append((pos, ent.text))
            for sent in doc.sents:
                for n_start, n_end, _label in doc_names(doc):
                    if sent.start <= n_start < sent.end:
                        self._describe(doc, doc[n_end - 1], sent)

    def _describe(self, doc: Doc, tok, sent: Span) -> None:
        """Gather the titles and appositions around a name's last word."""
        named = self.known.setdefault(tok.lower_, _Named())
        window = doc[max(sent.start, tok.i - 8) : tok.i]
        cut = [t.i + 1 for t in window if t.is_punct and t.text not in ".-'’"]
        left = doc[max([window.start, *cut]) : tok.i].text
        right = ""
        if tok.i + 1 < sent.end and doc[tok.i + 1].text == ",":
            right = doc[tok.i + 1 : min(sent.end, tok.i + 10)].text.split(",")[1]
        named.descriptor += f" {descriptor_of(tok)} {left} {right}"
        if not named.organization:
            named.organization = organization_of(tok, [tok])

    def full_name(self, name: str) -> str:
        """The longest PERSON name in the article ending with ``name`` ("Clinton" ->
        "Hillary Clinton"); names in unparsed sentences are found by their capitals."""
        parts = name.split()
        best = name
        for _, other in self.people:
            o = other.split()
            if len(o) > len(parts) and o[-len(parts) :] == parts and len(other) > len(best):
                best = other
        if best == name and len(parts) == 1 and name[:1].isupper():
            found = re.search(r"\b((?:[A-Z][\w'’.-]+ ){1,3})" + re.escape(name) + r"\b", self.text)
            if found and found.group(1).split()[0] not in _NOT_NAMES:
                best = found.group(0)
        return best

    def name_before(self, pos: int) -> str | None:
        """The last capitalised two-or-three-word name before ``pos`` (unparsed text too)."""
        last = None
        for m in _CAPITALISED_NAME.finditer(self.text, max(0, pos - 1500), pos):
            if m.group(1) not in _NOT_NAMES:
                last = m.group(0)
        return last

    def _nearest(self, items: list[tuple[int, str]], pos: int) -> tuple[int, str] | None:
        i = bisect.bisect_left(items, (pos, ""))
        return items[i - 1] if i > 0 else None

    def _person_before(self, mention: Mention) -> str | None:
        """The nearest earlier named person (speaker or subject) whose gender fits the pronoun;
        failing that any earlier person name, or a capitalised name in unparsed text."""
        want = pronoun_gender(mention.pronoun)
        cands = [
            (pos, prev.name)
            for pos, prev in self.speakers
            if prev.kind == "person" and prev.name and pos < mention.start
        ]
        cands += [c for c in self.subjects if c[0] < mention.start]
        cands.sort(reverse=True)
        for _, name in cands:
            gender = name_gender(self.full_name(name), self.text)
            if want is None or gender is None or gender == want:
                return name
        near = self._nearest(self.people, mention.start)
        if near:
            return near[1]
        return self.name_before(mention.start)

    def resolve(self, mention: Mention) -> None:
        """Fill ``name``/``organization`` of pronoun, short-name and 'the company' mentions."""
        low = mention.text.lower()
        if (
            mention.kind == "org"
            and mention.entity == "ORG"
            and mention.name
            and mention.name.split()[-1].lower() in self.surnames
        ):
            # the small model often tags a bare surname as ORG
            mention.kind, mention.entity = "person", "PERSON"
            if mention.organization == mention.name:
                mention.organization = None
        if mention.kind == "person" and mention.name:
            mention.name = self.full_name(mention.name)
        elif mention.kind == "pronoun" and mention.name is None:
            need = PRONOUNS.get(mention.pronoun or "", "person")
            if need == "person":
                mention.name = self._person_before(mention)
                if mention.name:
                    mention.name = self.full_name(mention.name)
                    mention.entity = "PERSON"
            else:
                cands: list[tuple[int, str]] = []
                for pos, prev in reversed(self.speakers):
                    if prev.name and prev.kind in ("org", "group"):
                        cands.append((pos, prev.name))
                        break
                near = self._nearest(self.orgs, mention.start)
                if near:
                    cands.append(near)
                if cands:
                    mention.name = max(cands)[1]
        elif mention.kind == "org" and low.split()[-1] in ORG_NOUNS and low.startswith("the "):
            near = self._nearest(self.orgs, mention.start)
            if near:
                mention.name = near[1]
                mention.organization = mention.organization or near[1]
        if mention.name:
            for prev_pos, prev in reversed(self.speakers):
                if prev.name == mention.name and prev_pos < mention.start:
                    mention.organization = mention.organization or prev.organization
                    break
            if mention.entity == "PERSON" or mention.kind in ("person", "pronoun"):
                named = self.known.get(mention.name.split()[-1].lower())
                if named:
                    mention.organization = mention.organization or named.organization
                    mention.descriptor += " " + named.descriptor

    def role_features(self, mention: Mention, quote: str = "") -> tuple[str, list[str]]:
        """The rule-based role and the learned model's features of a speaker (and its quote)."""
        rule = classify_role(
            mention.text if mention.kind != "pronoun" else (mention.name or ""),
            mention.descriptor,
            mention.organization,
            mention.entity,
        )
        context = self.text[max(0, mention.start - 120) : mention.end + 120]
        feats = role_features(
            mention.text,
            mention.name,
            mention.organization,
            mention.descriptor,
            mention.entity,
            mention.kind,
            context,
            rule,
            quote,
        )
        return rule, feats

    def role(self, mention: Mention, quote: str = "") -> str:
        rule, feats = self.role_features(mention, quote)
        if EXPLICIT_TITLES and explicit_role(mention.text) == rule:
            return rule  # a title in the mention itself ("the mayor", "one employee")
        return predict_role(feats, rule) if self.learned_roles else rule


def _sent_infos(docs: list[tuple[int, Doc]]) -> list[SentInfo]:
    infos = []
    for offset, doc in docs:
        for sent in doc.sents:
            info = SentInfo(offset + sent.start_char, offset + sent.end_char, sent, offset)
            info.attributions = find_attributions(sent, offset)
            infos.append(info)
    return infos


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def _is_title(text: str, q: QuoteSpan) -> bool:
    before = _WORD.findall(text[max(0, q.start - 30) : q.start].lower())
    return bool(before) and before[-1] in TITLE_WORDS


#: "…” ― Sonya Herridge": a name after a dash right behind the closing mark.
_DASH_BYLINE = re.compile(
    r"[\"”’']?[ \t]*[―—–]{1,2}[ \t]*((?:[A-Z][\w'’.-]*[ \t]?){1,5}?)[ \t]*[.,]?[ \t]*(?:\n|$)"
)
#: "PENCE: Well, …": an upper-case speaker label opening a transcript paragraph.
_TRANSCRIPT_LABEL = re.compile(r"([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,2}):[ \t]")
_NOT_LABELS = frozenset(
    ["UPDATE", "NOTE", "EDITOR'S NOTE", "EDITOR’S NOTE", "WATCH", "READ", "RELATED", "PHOTOS",
     "VIDEO", "BREAKING", "CORRECTION", "Q", "A", "FACT CHECK", "ADVERTISEMENT"]
)


def _labelled_speaker(text: str, q: QuoteSpan) -> Mention | None:
    """A speaker named by layout rather than grammar: a dash byline after the quote, or a
    transcript label ("PENCE:") opening its paragraph."""
    found = _DASH_BYLINE.match(text, q.end)
    if found is None:
        line = text.rfind("\n", 0, q.start) + 1
        label = _TRANSCRIPT_LABEL.match(text, line) or _TRANSCRIPT_LABEL.match(text, q.start)
        if label is None or label.end() > q.end or label.group(1) in _NOT_LABELS:
            return None
        found = label
    start, end = found.span(1)
    name = text[start:end].strip().rstrip(".,")
    end = start + len(name)
    if not name:
        return None
    return Mention(start, end, name, name=name, entity="PERSON", kind="person")


def _abs(tok, offset: int) -> int:
    return offset + tok.idx


def build_quotes(
    text: str,
    docs: list[tuple[int, Doc]],
    learned_roles: bool = True,
    features: list[list[str] | None] | None = None,
) -> list[Quote]:
    """All quotes of an article from its parsed chunks ``(offset, doc)``.

    ``learned_roles=False`` keeps the rule-based roles; a ``features`` list receives each quote's
    role features (``None`` without a speaker), for training the role model.
    """
    state = ArticleState(text, docs, learned_roles)
    infos = _sent_infos(docs)
    starts = [i.start for i in infos]
    paragraph_of = _paragraph_index(text)
    found: list[tuple[int, int, str, Attribution | None, Mention | None]] = []
    used: dict[int, tuple[int, int]] = {}  # id(attribution) -> mixed span already emitted
    prev: tuple[int, Mention | None] | None = None  # (end of previous direct quote, speaker)
    chain: list[int] = []  # indexes in ``found`` of the open multi-paragraph quote so far

    marks = find_quote_spans(text)
    mark_starts = [m.start for m in marks]

    def in_marks(pos: int) -> bool:
        i = bisect.bisect_right(mark_starts, pos) - 1
        return i >= 0 and marks[i].start <= pos < marks[i].end

    # attributions with a speaker outside quotation marks, by cue position
    cue_list = sorted(
        (_abs(att.cue, info.offset), id(att), att, info.offset)
        for info in infos
        for att in info.attributions
        if att.speaker is not None and not in_marks(_abs(att.cue, info.offset))
    )
    cue_positions = [c[0] for c in cue_list]
    cue_atts = [(c[2], c[3]) for c in cue_list]
    # named people who speak anywhere ("according to X", "X said") are pronoun antecedents even
    # before their own (indirect) quotes are assembled below
    for _, _, att, offset in cue_list:
        mention = build_mention(att.speaker, offset)
        if mention.kind == "person" and mention.name:
            bisect.insort(state.subjects, (mention.start, mention.name))

    for q in marks:
        qspan = (q.start, q.end)
        n_words = len(_WORD.findall(text[q.start : q.end]))
        lo = max(0, bisect.bisect_right(starts, q.start) - 1)
        sents = []
        for info in infos[lo:]:
            if info.start > q.end + 1:
                break
            if info.end >= q.start - 1:
                sents.append(info)
        para = paragraph_of(q.start)
        best: Attribution | None = None
        best_off = 0
        best_dist = 10**9
        for info in sents:
            for att in info.attributions:
                cue = _abs(att.cue, info.offset)
                if q.start <= cue < q.end or paragraph_of(cue) != para:
                    continue
                if att.speaker is not None and q.start <= _abs(att.speaker, info.offset) < q.end:
                    continue
                if att.speaker is None and att.kind != "according":
                    continue
                dist = q.start - cue if cue < q.start else cue - q.end
                dist += 200 * att.weak
                if dist < best_dist:
                    best, best_off, best_dist = att, info.offset, dist
        if best is None and sents:
            # "X said:" ending the sentence (or paragraph) just before the quote
            k = infos.index(sents[0])
            for info in infos[max(0, k - 1) : k + 1]:
                for att in info.attributions:
                    if (
                        att.kind == "intro"
                        and att.speaker is not None
                        and _abs(att.cue, info.offset) < q.start
                    ):
                        best, best_off = att, info.offset
        short = n_words < SHORT_QUOTE_WORDS and not _SENTENCE_END.search(text[q.start : q.end])
        if short and (_is_title(text, q) or best is None):
            continue
        mention = None
        start, end, qtype = q.start, q.end, "direct"
        if best is not None:
            if best.speaker is not None:
                mention = build_mention(best.speaker, best_off)
                state.resolve(mention)
            content = [c for c in best.content if _overlaps(c, qspan)]
            if content:
                c_start, c_end = content[0]
                if (q.end - q.start) < MIXED_COVERAGE * (c_end - c_start) and _QUOTE_CHARS.search(
                    text[c_start:c_end]
                ):
                    if id(best) in used:
                        continue
                    used[id(best)] = (c_start, c_end)
                    start, end, qtype = c_start, c_end, "mixed"
            if qtype == "direct":
                used.setdefault(id(best), qspan)
        elif (
            prev is not None
            and (q.continued or q.start - prev[0] < INHERIT_DISTANCE)
            and paragraph_of(q.start) - paragraph_of(prev[0]) <= 1
        ):
            mention = prev[1]
        elif short:
            continue
        if mention is None and best is None:
            # the last speaker named in this or the previous paragraph before the quote
            k = bisect.bisect_left(cue_positions, q.start) - 1
            if k >= 0 and paragraph_of(cue_positions[k]) >= para - 1:
                att, off = cue_atts[k]
                mention = build_mention(att.speaker, off)
                state.resolve(mention)
        labelled = _labelled_speaker(text, q) if qtype == "direct" else None
        if labelled is not None:
            mention = labelled
            state.resolve(mention)
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if end <= start:
            continue
        found.append((start, end, qtype, best, mention))
        if q.continued and mention is not None:
            # the speaker named in a later paragraph of a multi-paragraph quote spoke them all
            for k in chain:
                if found[k][4] is None:
                    found[k] = (*found[k][:4], mention)
        if q.continues:
            chain = [*chain, len(found) - 1] if q.continued else [len(found) - 1]
        else:
            chain = []
        if mention is not None:
            state.speakers.append((mention.start, mention))
        prev = (q.end, mention)

    direct_spans = [(s, e) for s, e, _, _, _ in found]
    for info in infos:
        for att in info.attributions:
            if id(att) in used or att.kind == "intro" or not att.content:
                continue
            if att.speaker is None and att.kind != "according":
                continue
            if in_marks(_abs(att.cue, info.offset)):
                continue  # speech reported inside a quotation
            mention = None
            if att.speaker is not None:
                mention = build_mention(att.speaker, info.offset)
                state.resolve(mention)
            for c in att.content:
                if any(_overlaps(c, d) for d in direct_spans):
                    continue
                qtype = "mixed" if _QUOTE_CHARS.search(text[c[0] : c[1]]) else "indirect"
                found.append((c[0], c[1], qtype, att, mention))
            if mention is not None:
                state.speakers.append((mention.start, mention))
                state.speakers.sort(key=lambda t: t[0])

    quotes: list[Quote] = []
    seen: set[tuple[int, int]] = set()
    by_speaker: dict[str, list[float]] = {}
    scored: list[tuple[Quote, str]] = []
    for start, end, qtype, _att, mention in sorted(found, key=lambda t: (t[0], t[1])):
        if (start, end) in seen:
            continue
        seen.add((start, end))
        quote = Quote(text=text[start:end], start=start, end=end, type=qtype)
        if mention is not None:
            quote.speaker = text[mention.start : mention.end]
            quote.speaker_start, quote.speaker_end = mention.start, mention.end
            quote.speaker_name = mention.name or quote.speaker
            quote.organization = mention.organization
            quote.speaker_role = state.role(mention, quote.text)
            if (
                learned_roles
                and SAME_SPEAKER_ROLES
                and not (EXPLICIT_TITLES and explicit_role(mention.text) == quote.speaker_role)
            ):
                rule, feats = state.role_features(mention, quote.text)
                scores = role_scores(feats)
                if scores is not None:
                    key = (quote.speaker_name or "").lower()
                    total = by_speaker.setdefault(key, [0.0] * len(scores))
                    for i, value in enumerate(_softmax(scores)):
                        total[i] += value
                    scored.append((quote, key))
        if features is not None:
            features.append(
                state.role_features(mention, quote.text)[1] if mention is not None else None
            )
        quotes.append(quote)
    for quote, key in scored:  # one role per speaker: the summed probabilities of all quotes
        if key and key not in ("he", "she", "they", "it", "i", "we", "who"):
            quote.speaker_role = best_role(by_speaker[key])
            quote.role_probs = role_distribution(by_speaker[key])
    return quotes


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(v - top) for v in scores]
    total = sum(exps)
    return [v / total for v in exps]


def _paragraph_index(text: str):
    breaks = [m.start() for m in re.finditer(r"\n\s*", text)]

    def index(pos: int) -> int:
        return bisect.bisect_right(breaks, pos - 1) if pos else 0

    return index
