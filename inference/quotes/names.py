"""Person and organisation names in a parsed chunk: spaCy's entities when the pipeline ran NER,
otherwise runs of proper nouns labelled by simple cues (the NER component costs ~40% of the
parse time and changes extraction figures by about one point)."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from newsstance.inference.quotes.cues import word_set

#: Words inside a proper-noun run that make it an organisation.
ORG_HINTS = word_set(
    """inc inc. corp corp. co. company corporation ltd llc plc group ministry department university
    college institute party times post news journal committee association union council
    foundation agency bank network press service office commission court house senate congress
    police army navy watch international organization organisation campaign fund center centre
    club church school airlines airways motors technologies labs media authority board bureau
    reuters bloomberg cnn bbc nbc abc cbs fox msnbc politico breitbart google apple microsoft
    amazon facebook twitter tesla uber samsung ibm intel walmart pentagon kremlin nato isis
    state government administration guardian telegraph herald tribune gazette daily magazine
    observatory coalition alliance society league federation commission"""
)
#: Titles before a name, never part of it.
TITLES = word_set(
    """mr mr. mrs mrs. ms ms. dr dr. sen sen. rep rep. gov gov. gen gen. lt lt. col col. maj
    maj. sgt sgt. capt capt. adm adm. prof prof. rev rev. president senator governor mayor judge
    secretary minister chairman ceo representative sheriff chief officer pastor father sister
    sir lord lady king queen prince princess pope"""
)
_KEY = "newsstance_names"


def is_propn(tok: Token) -> bool:
    """A proper noun, by fine-grained tag (works without the attribute ruler)."""
    return tok.tag_ in ("NNP", "NNPS")


def is_verb(tok: Token) -> bool:
    """A verb or auxiliary, by fine-grained tag."""
    return tok.tag_.startswith("VB") or tok.tag_ == "MD"


Name = tuple[int, int, str]  # (first token, end token, label)


#: Frequent place names (labelled GPE, so pronouns never resolve to them).
PLACES = word_set(
    """america u.s. us usa britain england france germany russia china iran iraq syria israel
    mexico canada japan india pakistan afghanistan turkey egypt ukraine europe africa asia
    washington york california texas florida ohio iowa pennsylvania michigan virginia carolina
    georgia arizona nevada colorado wisconsin illinois massachusetts hampshire london paris
    moscow beijing baghdad mosul damascus jerusalem brussels berlin tokyo chicago boston
    philadelphia orlando cleveland detroit atlanta korea nigeria libya yemen lebanon jordan
    saudi arabia qatar cuba venezuela brazil australia scotland ireland italy spain greece"""
)


def _label(tokens: list[Token]) -> str:
    words = {t.lower_ for t in tokens}
    if words <= PLACES or (len(tokens) <= 2 and tokens[-1].lower_ in PLACES):
        return "GPE"
    if words & ORG_HINTS or any(2 <= len(t.text) <= 6 and t.text.isupper() for t in tokens):
        return "ORG"
    return "PERSON"


def doc_names(doc: Doc) -> list[Name]:
    """``(start, end, label)`` token spans of PERSON/ORG/NORP/GPE names, cached on the doc."""
    cached = doc.user_data.get(_KEY)
    if cached is not None:
        return cached
    names: list[Name] = []
    if doc.has_annotation("ENT_IOB"):
        names = [
            (e.start, e.end, e.label_)
            for e in doc.ents
            if e.label_ in ("PERSON", "ORG", "NORP", "GPE")
        ]
    else:
        run: list[Token] = []
        for tok in [*doc, None]:
            if (
                tok is not None
                and is_propn(tok)
                and tok.lower_ not in TITLES
                and tok.text[:1].isupper()
            ):
                run.append(tok)
                continue
            if run:
                names.append((run[0].i, run[-1].i + 1, _label(run)))
                run = []
    doc.user_data[_KEY] = names
    return names


def name_in(tokens: list[Token], labels: tuple[str, ...]) -> tuple[int, int, str] | None:
    """The first name with one of ``labels`` lying within ``tokens``."""
    if not tokens:
        return None
    first, last = tokens[0].i, tokens[-1].i
    for start, end, label in doc_names(tokens[0].doc):
        if label in labels and start >= first and end - 1 <= last:
            return start, end, label
    return None


def label_of(tok: Token) -> str:
    """The label of the name containing ``tok`` ("" when none does)."""
    for start, end, label in doc_names(tok.doc):
        if start <= tok.i < end:
            return label
    return ""


def name_text(doc: Doc, name: Name) -> str:
    return doc[name[0] : name[1]].text
