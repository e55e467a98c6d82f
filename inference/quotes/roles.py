"""Speaker roles (nqs GUIDELINES.md) from keyword lexicons over the mention, its descriptors and
its organisation.

Role nouns that mean "speaks for an organisation" (spokesperson, chief executive, statement) take
their role from the kind of organisation: government -> official, advocacy group -> advocate,
news outlet -> media, university -> expert, anything else -> company.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from newsstance.inference.quote import SPEAKER_ROLES
from newsstance.inference.quotes.cues import word_set

ORG_KINDS: dict[str, tuple[str, ...]] = {
    "official": (
        "ministry",
        "minister",
        "department",
        "government",
        "police",
        "army",
        "military",
        "agency",
        "white house",
        "pentagon",
        "congress",
        "senate",
        "house of",
        "fbi",
        "cia",
        "nsa",
        "court",
        "commission",
        "council",
        "administration",
        "state department",
        "city of",
        "campaign",
        "party",
        "democrats",
        "republicans",
        "democratic",
        "republican",
        "gop",
        "dnc",
        "rnc",
        "united nations",
        "u.n.",
        "world health",
        "who",
        "nato",
        "embassy",
        "parliament",
        "kremlin",
        "navy",
        "air force",
        "marines",
        "secret service",
        "homeland",
        "dhs",
        "cdc",
        "federal",
        "authorities",
        "prosecutor",
        "sheriff",
        "legislature",
        "cabinet",
        "treasury",
        "justice department",
        "office of",
        "centers for disease",
        "border",
        "irs",
        "epa",
    ),
    "advocate": (
        "union",
        "rights",
        "watch",
        "alliance",
        "coalition",
        "association",
        "foundation",
        "aclu",
        "amnesty",
        "greenpeace",
        "society",
        "league",
        "federation",
        "pac",
        "advocacy",
        "advocates",
        "activists",
        "observatory",
        "naacp",
        "planned parenthood",
        "sierra club",
        "ngo",
        "charity",
        "campaigners",
        "movement",
        "guild",
        "spca",
        "nra",
        "black lives",
    ),
    "media": (
        "news",
        "times",
        "post",
        "journal",
        "cnn",
        "bbc",
        "reuters",
        "press",
        "tv",
        "magazine",
        "network",
        "daily",
        "herald",
        "tribune",
        "gazette",
        "guardian",
        "telegraph",
        "observer",
        "politico",
        "fox",
        "nbc",
        "abc",
        "cbs",
        "msnbc",
        "breitbart",
        "huffington",
        "buzzfeed",
        "mashable",
        "website",
        ".com",
        "bloomberg",
        "radio",
        "newspaper",
        "blog",
        "politifact",
        "axios",
        "vox",
        "slate",
        "atlantic",
        "newsweek",
        "mail",
        "sun",
        "mirror",
        "independent",
        "express",
        "usa today",
        "associated",
        "afp",
        "tmz",
        "gawker",
        "vice",
        "wired",
        "verge",
    ),
    "expert": (
        "university",
        "college",
        "institute",
        "school of",
        "laboratory",
        "lab",
        "research",
        "think tank",
        "brookings",
        "heritage",
        "cato",
        "rand",
        "academy",
        "observatory",
    ),
}

#: Nouns naming a speaker whose role comes from the organisation they speak for.
FOR_ORG = (
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "spokespeople",
    "representative",
    "statement",
    "press office",
    "press release",
    "release",
    "chief executive",
    "ceo",
    "executive",
    "chairman",
    "chairwoman",
    "chair",
    "president",
    "director",
    "head",
    "leader",
    "founder",
    "owner",
    "cfo",
    "coo",
    "cto",
    "vice president",
    "manager",
    "spokesmen",
    "officials",
    "official",
    "secretary",
    "chief",
    "management",
    "board",
    "aide",
    "source",
)

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "media": (
        "newspaper",
        "report",
        "reports",
        "reporter",
        "reporters",
        "journalist",
        "journalists",
        "columnist",
        "editor",
        "editorial",
        "magazine",
        "outlet",
        "outlets",
        "website",
        "site",
        "blog",
        "blogger",
        "anchor",
        "host",
        "correspondent",
        "article",
        "story",
        "broadcaster",
        "tabloid",
        "documents",
        "document",
        "memo",
        "leaked",
        "paper",
        "poll",
        "polls",
        "survey",
        "news",
        "times",
        "post",
        "cnn",
        "bbc",
        "reuters",
        "fox",
        "msnbc",
        "nbc",
        "cbs",
        "politico",
        "breitbart",
        "bloomberg",
        "guardian",
        "politifact",
        "ap",
        "mashable",
        "washington post",
        "associated press",
        "the times",
        "daily",
        "journal",
        "radio",
        "tv",
    ),
    "official": (
        "president",
        "senator",
        "sen",
        "sen.",
        "rep",
        "rep.",
        "representative",
        "congressman",
        "congresswoman",
        "lawmaker",
        "lawmakers",
        "governor",
        "gov",
        "gov.",
        "mayor",
        "minister",
        "secretary",
        "official",
        "officials",
        "police",
        "officer",
        "officers",
        "spokesman",
        "department",
        "ministry",
        "government",
        "agency",
        "military",
        "army",
        "general",
        "gen.",
        "judge",
        "court",
        "prosecutor",
        "prosecutors",
        "attorney general",
        "ambassador",
        "diplomat",
        "sheriff",
        "candidate",
        "nominee",
        "campaign",
        "democrat",
        "democrats",
        "republican",
        "republicans",
        "gop",
        "white house",
        "pentagon",
        "fbi",
        "cia",
        "administration",
        "authorities",
        "commissioner",
        "council",
        "councilman",
        "legislator",
        "chief of staff",
        "speaker",
        "leader",
        "trump",
        "clinton",
        "obama",
        "sanders",
        "cruz",
        "rubio",
        "pence",
        "kaine",
        "bush",
        "carson",
        "fiorina",
        "kasich",
        "christie",
        "biden",
        "mcconnell",
        "ryan",
        "pelosi",
        "reid",
        "comey",
        "lynch",
        "kerry",
        "putin",
        "giuliani",
        "conway",
        "mook",
        "podesta",
        "priebus",
        "spicer",
        "huckabee",
        "walker",
        "jindal",
        "santorum",
        "o'malley",
        "gingrich",
        "graham",
        "warren",
        "schumer",
        "mccain",
        "cotton",
        "flynn",
        "manafort",
        "sessions",
        "kelly",
        "johnson",
        "stein",
        "palin",
        "romney",
        "cheney",
        "clintons",
        "mr. trump",
        "mrs. clinton",
        "hillary",
        "donald",
        "bernie",
        "barack",
        "duterte",
        "assad",
        "erdogan",
        "netanyahu",
        "merkel",
        "cameron",
        "may",
        "hollande",
        "abe",
        "modi",
        "xi",
        "parliament",
        "mp",
        "mps",
        "state",
        "u.s.",
        "federal",
        "ministers",
        "spokeswoman",
        "staffers",
        "aides",
        "aide",
        "surrogate",
        "surrogates",
        "delegates",
        "delegate",
        "trooper",
        "troopers",
        "soldier",
        "soldiers",
        "commander",
        "colonel",
        "col.",
        "maj.",
        "lt.",
        "adm.",
        "cabinet",
        "regime",
        "kremlin",
        "embassy",
        "investigators",
        "authority",
        "nations",
        "who",
        "u.n.",
        "un",
        "nato",
        "cdc",
        "health ministry",
    ),
    "expert": (
        "analyst",
        "analysts",
        "professor",
        "prof.",
        "economist",
        "economists",
        "researcher",
        "researchers",
        "scientist",
        "scientists",
        "expert",
        "experts",
        "academic",
        "academics",
        "consultant",
        "consultants",
        "study",
        "studies",
        "university",
        "dr.",
        "dr",
        "doctor",
        "doctors",
        "pollster",
        "pollsters",
        "strategist",
        "strategists",
        "historian",
        "specialist",
        "specialists",
        "physician",
        "astronomer",
        "astronomers",
        "psychologist",
        "lawyer",
        "attorney",
        "scholar",
        "fellow",
        "institute",
        "research",
        "observers",
    ),
    "advocate": (
        "activist",
        "activists",
        "advocate",
        "advocates",
        "union",
        "unions",
        "campaigners",
        "group",
        "groups",
        "organizer",
        "organizers",
        "rights",
        "coalition",
        "alliance",
        "association",
        "ngo",
        "charity",
        "watchdog",
        "lobbyist",
        "lobby",
        "foundation",
    ),
    "employee": (
        "employee",
        "employees",
        "worker",
        "workers",
        "staff",
        "staffer",
        "engineer",
        "engineers",
        "developer",
        "developers",
        "designer",
        "technician",
        "nurse",
        "insider",
        "insiders",
        "contractor",
        "colleague",
        "colleagues",
        "team",
        "analyst at",
        "former employee",
        "manager",
        "supervisor",
        "programmer",
        "researcher at",
        "petition",
        "letter",
        "signatories",
        "driver",
        "drivers",
        "teacher",
        "teachers",
    ),
    "company": (
        "company",
        "companies",
        "firm",
        "corporation",
        "corp",
        "corp.",
        "inc",
        "inc.",
        "ltd",
        "co.",
        "ceo",
        "chief executive",
        "executive",
        "executives",
        "founder",
        "chairman",
        "spokesperson",
        "spokeswoman",
        "spokesman",
        "statement",
        "brand",
        "retailer",
        "maker",
        "bank",
        "airline",
        "manufacturer",
        "startup",
        "apple",
        "google",
        "microsoft",
        "amazon",
        "facebook",
        "twitter",
        "samsung",
        "uber",
        "tesla",
        "ibm",
        "intel",
        "walmart",
        "pope",
        "vatican",
        "church",
        "hospital",
    ),
    "public": (
        "resident",
        "residents",
        "witness",
        "witnesses",
        "customer",
        "customers",
        "user",
        "users",
        "voter",
        "voters",
        "people",
        "parent",
        "parents",
        "student",
        "students",
        "protester",
        "protesters",
        "fan",
        "fans",
        "mother",
        "father",
        "neighbor",
        "neighbors",
        "neighbour",
        "supporter",
        "supporters",
        "citizen",
        "citizens",
        "man",
        "woman",
        "men",
        "women",
        "passenger",
        "passengers",
        "viewer",
        "viewers",
        "shopper",
        "locals",
        "local",
        "friend",
        "friends",
        "family",
        "relative",
        "relatives",
        "respondents",
        "americans",
        "tweet",
        "twitter user",
        "commenter",
        "owner",
        "patient",
        "patients",
        "victim",
        "victims",
        "daughter",
        "son",
        "wife",
        "husband",
        "survivor",
        "survivors",
        "demonstrators",
        "attendee",
        "attendees",
        "member",
        "members",
        "crowd",
        "veteran",
        "veterans",
        "consumers",
    ),
    "other": (
        "militant",
        "militants",
        "isis",
        "islamic state",
        "boko haram",
        "al-qaeda",
        "al qaeda",
        "taliban",
        "rebels",
        "rebel",
        "fighter",
        "fighters",
        "hamas",
        "hezbollah",
        "agent",
        "publicist",
        "gunman",
        "hackers",
        "hacker",
    ),
}

#: Job titles of staff who speak as individuals (nqs ``employee``), with or without a company.
STAFF_TITLES = (
    "employee",
    "employees",
    "worker",
    "workers",
    "staff",
    "staffer",
    "engineer",
    "engineers",
    "insider",
    "insiders",
    "developer",
    "developers",
    "technician",
    "technicians",
    "designer",
    "designers",
    "supervisor",
    "supervisors",
    "programmer",
    "programmers",
    "nurse",
    "nurses",
)
#: Titles that mean ``employee`` only at a company (elsewhere an analyst or scientist is an expert).
STAFF_AT_COMPANY = ("analyst", "scientist", "researcher", "specialist", "associate", "driver")
#: Leadership titles: they speak for the organisation (nqs ``company``).
LEADERSHIP = (
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "chief executive",
    "ceo",
    "executive",
    "chairman",
    "chairwoman",
    "president",
    "founder",
    "chief",
    "statement",
)

_WORD = re.compile(r"[a-z][a-z.'’-]*[a-z.]|[a-z]")


@lru_cache(maxsize=64)
def _lexicon(words: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """Single words, and one pattern for the phrases, of a (constant) lexicon."""
    phrases = [w for w in words if " " in w or "." in w[:-1] or w.startswith(".")]
    single = frozenset(w for w in words if w not in phrases)
    if not phrases:
        return single, None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return single, re.compile(r"(?<![a-z])(?:" + alternatives + r")(?![a-z])")


@lru_cache(maxsize=4096)
def _words_of(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text))


def _has(text: str, words: tuple[str, ...]) -> bool:
    single, phrases = _lexicon(words)
    if not single.isdisjoint(_words_of(text)):
        return True
    return phrases is not None and phrases.search(text) is not None


def org_kind(org: str | None) -> str | None:
    """``official``, ``advocate``, ``media`` or ``expert`` for an organisation name, ``company``
    for any other name, ``None`` without one."""
    if not org:
        return None
    low = org.lower()
    for kind in ("media", "official", "advocate", "expert"):
        if _has(low, ORG_KINDS[kind]):
            return kind
    return "company"


def classify_role(
    mention: str, descriptor: str = "", organization: str | None = None, entity: str | None = None
) -> str:
    """Role of a speaker from its mention, descriptor words (titles, appositions) and
    organisation. ``entity`` is the spaCy label of the name (PERSON, ORG, ...)."""
    words = f"{mention} {descriptor}".lower()
    head_words = mention.lower()
    for role in ("other", "media"):
        if _has(head_words, ROLE_WORDS[role]) and not _has(head_words, FOR_ORG):
            return role
    kind = org_kind(organization)
    if _has(words, STAFF_TITLES) and kind in (None, "company"):
        return "employee"
    if kind == "company" and _has(words, ("manager", "managers")):
        return "employee"  # "a product manager at Acme" (a campaign manager is an official)
    if _has(words, FOR_ORG) and kind:
        return {
            "company": "company",
            "official": "official",
            "advocate": "advocate",
            "media": "media",
            "expert": "expert",
        }[kind]
    for role in (
        "official",
        "expert",
        "advocate",
        "employee",
        "company",
        "media",
        "public",
        "other",
    ):
        if _has(words, ROLE_WORDS[role]):
            return role
    if entity == "ORG" or (entity is None and kind):
        return kind or "company"
    if entity in ("NORP", "GPE"):
        return "official"
    if entity == "PERSON":
        return "public"
    return "other"


_FEATURE_WORD = re.compile(r"[a-z][a-z'’.-]*")
_STOPWORDS = word_set(
    """a an the and or but of to in on at for with from by as is are was were be been has have
    had it its this that these those he she they we i you his her their our said says say told
    not no will would could should can may might do does did than then there here who which
    what when where also just more most about into over after before up out if so"""
)


#: Feature groups of the learned role model. The shipped model names the groups it was trained
#: with (``role_weights.json`` ``"features"``); ``train_roles`` picks them by grouped CV.
#:   base: rule role, entity label, mention kind, organisation kind, explicit title;
#:   mention / descriptor: common-noun words of the mention and of its titles and appositions
#:   (capitalised words outside the role lexicons, i.e. names, become one ``<cap>`` feature);
#:   head: the mention's last common noun with its modifiers ("head=engineer", "mod=senior");
#:   org: organisation words found in the lexicons; context: lexicon words within a few words of
#:   the mention; quote: first/plural person pronouns and lexicon words of the quote;
#:   near: common-noun words just before (``b=``) and after (``a=``) the mention ("X, an
#:   engineering director at Y");
#:   lex: which role lexicons match the mention (``mr=``) and descriptor (``dr=``), and
#:   speaks-for-organisation, staff and leadership titles crossed with the organisation's kind;
#:   names, words: the old open-vocabulary features (names, every context and quote word).
FEATURE_GROUPS = ("base", "mention", "descriptor", "head", "org", "context", "quote")
OPEN_GROUPS = ("names", "words")

_EXTRA_CUES = """spokesperson spokesman spokeswoman engineer engineers employee employees staff
    staffer staffers worker workers union unions professor analyst analysts former senior junior
    anonymous anonymously statement email emailed interview tweet tweeted tweets wrote post posted
    blog letter memo petition organizer organizers rank file contractor officer vp chief head lead
    leader team ceo founder executive executives director manager boss colleague colleagues
    coworker coworkers co-worker current longtime veteran member members company companies firm
    corporation board shareholders investors customers users ordinary resident residents local
    told interviewed internal internally quit resigned fired laid hired"""


@lru_cache(maxsize=1)
def cue_words() -> frozenset[str]:
    """The closed vocabulary of role-indicative words (every single word of the lexicons)."""
    words: set[str] = set(word_set(_EXTRA_CUES))
    for lexicon in (*ROLE_WORDS.values(), *ORG_KINDS.values(), *EXPLICIT.values(), FOR_ORG):
        for entry in lexicon:
            words.update(w.rstrip(".") for w in _FEATURE_WORD.findall(entry))
    return frozenset(w for w in words if w)


_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’.-]*")
_FIRST = frozenset({"i", "me", "my", "mine", "myself"})
_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves"})


@lru_cache(maxsize=2048)
def _common_words(text: str) -> tuple[str, ...]:
    """Lower-cased words of ``text``; capitalised words outside the lexicons become ``<cap>``."""
    cues = cue_words()
    out = []
    for tok in _TOKEN.findall(text):
        low = tok.lower().rstrip(".")
        if not low:
            continue
        if tok[:1].isupper() and low not in cues and low not in _STOPWORDS:
            out.append("<cap>")
        else:
            out.append(low)
    return tuple(out)


@lru_cache(maxsize=2048)
def _lexicon_roles(text: str) -> tuple[str, ...]:
    """The roles whose :data:`ROLE_WORDS` lexicon matches ``text`` (lower-cased)."""
    return tuple(role for role, lexicon in ROLE_WORDS.items() if _has(text, lexicon))


def role_features(
    mention: str,
    name: str | None,
    organization: str | None,
    descriptor: str,
    entity: str | None,
    kind: str,
    context: str,
    rule_role: str,
    quote: str = "",
    groups: tuple[str, ...] | None = None,
) -> list[str]:
    """Sparse features of a speaker for the learned role model (see ``train_roles``); ``groups``
    defaults to those of the shipped model (:data:`FEATURE_GROUPS` without one)."""
    if groups is None:
        model = _role_model()
        groups = model[3] if model else FEATURE_GROUPS
    args = (mention, name, organization, descriptor, entity, kind, context, rule_role, quote)
    return list(_role_features(*args, tuple(groups)))


@lru_cache(maxsize=512)  # assemble asks twice for each quote's features
def _role_features(
    mention: str,
    name: str | None,
    organization: str | None,
    descriptor: str,
    entity: str | None,
    kind: str,
    context: str,
    rule_role: str,
    quote: str,
    groups: tuple[str, ...],
) -> tuple[str, ...]:
    feats = [f"rule={rule_role}", f"ent={entity}", f"kind={kind}", f"ok={org_kind(organization)}"]
    if "base" in groups:
        feats.append(f"x={explicit_role(mention)}")
        feats.append(f"rk={rule_role}|{kind}")
        if mention[:1].isupper() and name and name == mention:
            feats.append("capitalised")
        caps = sum(1 for w in _TOKEN.findall(name or mention) if w[:1].isupper())
        feats.append(f"ncap={min(caps, 3)}|{kind}")
    if "lex" in groups:
        low_m, low_d = mention.lower(), descriptor.lower()
        okind = org_kind(organization)
        feats += [f"mr={role}" for role in _lexicon_roles(low_m)]
        feats += [f"dr={role}" for role in _lexicon_roles(low_d)]
        both = f"{low_m} {low_d}"
        if _has(both, FOR_ORG):
            feats.append(f"fo={okind}")
        if _has(both, STAFF_TITLES):
            feats.append(f"st={okind}")
        if _has(both, LEADERSHIP):
            feats.append(f"lead={okind}")
    cues = cue_words()
    words = _common_words(mention)
    if "mention" in groups:
        feats += [f"w={w}" for w in dict.fromkeys(words) if w not in _STOPWORDS]
    if "head" in groups:
        nouns = [w for w in words if w != "<cap>" and w not in _STOPWORDS]
        if nouns:
            feats.append(f"head={nouns[-1]}")
            feats += [f"mod={w}" for w in dict.fromkeys(nouns[:-1])]
        dwords = [w for w in _common_words(descriptor) if w in cues]
        if dwords:
            feats.append(f"dhead={dwords[0]}")
    if "descriptor" in groups:
        dwords = [w for w in _common_words(descriptor) if w not in _STOPWORDS]
        feats += [f"d={w}" for w in dict.fromkeys(dwords[:40])]
    if "org" in groups and organization:
        owords = [w for w in _common_words(organization) if w in cues]
        feats += [f"ow={w}" for w in dict.fromkeys(owords)]
    if "context" in groups:
        low = _FEATURE_WORD.findall(context.lower())
        near = [w.rstrip(".") for w in low if w.rstrip(".") in cues]
        feats += [f"cw={w}" for w in dict.fromkeys(near)]
    if "near" in groups:
        at = context.find(mention) if mention else -1
        if at >= 0:
            before = _common_words(context[:at])[-4:]
            after = _common_words(context[at + len(mention) :])[:6]
            feats += [f"b={w}" for w in dict.fromkeys(before) if w not in _STOPWORDS]
            feats += [f"a={w}" for w in dict.fromkeys(after) if w not in _STOPWORDS]
    if "quote" in groups and quote:
        qwords = {w.rstrip(".") for w in _FEATURE_WORD.findall(quote.lower())}
        if qwords & _FIRST:
            feats.append("q=I")
        if qwords & _PLURAL:
            feats.append("q=we")
        feats += [f"qw={w}" for w in sorted(qwords & cues)]
    if "names" in groups:
        for prefix, text in (("n", name or ""), ("o", organization or "")):
            nwords = [w.rstrip(".") for w in _FEATURE_WORD.findall(text.lower())]
            feats += [f"{prefix}={w}" for w in dict.fromkeys(nwords[:6]) if w]
    if "words" in groups:
        for prefix, text in (("c", context), ("q", quote)):
            cwords = [w.rstrip(".") for w in _FEATURE_WORD.findall(text.lower())]
            cwords = [w for w in cwords if w not in _STOPWORDS]
            feats += [f"{prefix}={w}" for w in dict.fromkeys(cwords[:40]) if w]
    return tuple(feats)


#: Role titles precise enough to override the learned model when they head the mention.
EXPLICIT = {
    "official": (
        "mayor",
        "senator",
        "sen.",
        "governor",
        "gov.",
        "minister",
        "congressman",
        "congresswoman",
        "lawmaker",
        "lawmakers",
        "police",
        "sheriff",
        "prosecutor",
        "prosecutors",
        "judge",
        "ambassador",
        "rep.",
        "officials",
        "official",
    ),
    "employee": (
        "employee",
        "employees",
        "worker",
        "workers",
        "staffer",
        "staffers",
        "engineer",
        "engineers",
    ),
    "expert": (
        "analyst",
        "analysts",
        "professor",
        "economist",
        "economists",
        "researcher",
        "researchers",
        "scientist",
        "scientists",
        "expert",
        "experts",
    ),
    "media": ("newspaper", "reporter", "reporters", "journalist", "journalists", "columnist"),
    "public": (
        "resident",
        "residents",
        "witness",
        "witnesses",
        "customer",
        "customers",
        "voter",
        "voters",
        "protester",
        "protesters",
        "passenger",
        "passengers",
    ),
}


def explicit_role(mention: str) -> str | None:
    """The role named by a title in the mention itself, if one is unambiguous."""
    low = mention.lower()
    found = [role for role, words in EXPLICIT.items() if _has(low, words)]
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=1)
def _role_model() -> (
    tuple[tuple[str, ...], list[float], dict[str, list[list[float]]], tuple[str, ...]] | None
):
    """``(roles, bias, weights, feature groups)`` from ``role_weights.json`` (``None`` when none
    is shipped; a file without ``"features"`` was trained with the old open-vocabulary features)."""
    path = Path(__file__).with_name("role_weights.json")
    if not path.is_file():  # pragma: no cover - no trained weights
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    groups = tuple(data.get("features", ("base", "mention", "descriptor", *OPEN_GROUPS)))
    return tuple(data["roles"]), data["bias"], data["weights"], groups


def role_scores(features: list[str]) -> list[float] | None:
    """Log-linear scores of each role of the shipped model (``None`` when none is shipped)."""
    return None if _role_model() is None else list(_role_scores(tuple(features)))


@lru_cache(maxsize=256)
def _role_scores(features: tuple[str, ...]) -> tuple[float, ...]:
    _, bias, weights, _ = _role_model()
    scores = list(bias)
    for feat in features:
        for i, w in weights.get(feat, ()):
            scores[int(i)] += w
    return tuple(scores)


def role_distribution(totals: list[float]) -> dict[str, float]:
    """Summed per-quote role probabilities of the shipped model as one distribution."""
    model = _role_model()
    roles = model[0] if model else SPEAKER_ROLES
    total = sum(totals) or 1.0
    return {role: value / total for role, value in zip(roles, totals, strict=True)}


def best_role(scores: list[float]) -> str:
    """The role with the highest score."""
    model = _role_model()
    roles = model[0] if model else SPEAKER_ROLES
    return roles[max(range(len(roles)), key=scores.__getitem__)]


def predict_role(features: list[str], rule_role: str) -> str:
    """The learned model's role for ``features`` (the rule role when no model is shipped)."""
    scores = role_scores(features)
    return rule_role if scores is None else best_role(scores)
