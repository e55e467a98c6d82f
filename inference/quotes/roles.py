"""Speaker roles (nqs GUIDELINES.md) from keyword lexicons over the mention, its descriptors and
its organisation.

Role nouns that mean "speaks for an organisation" (spokesperson, chief executive, statement) take
their role from the kind of organisation: government -> official, advocacy group -> advocate,
news outlet -> media, university -> expert, anything else -> company.
"""

from __future__ import annotations

import re

ORG_KINDS: dict[str, tuple[str, ...]] = {
    "official": (
        "ministry", "minister", "department", "government", "police", "army", "military", "agency",
        "white house", "pentagon", "congress", "senate", "house of", "fbi", "cia", "nsa", "court",
        "commission", "council", "administration", "state department", "city of", "campaign",
        "party", "democrats", "republicans", "democratic", "republican", "gop", "dnc", "rnc",
        "united nations", "u.n.", "world health", "who", "nato", "embassy", "parliament",
        "kremlin", "navy", "air force", "marines", "secret service", "homeland", "dhs", "cdc",
        "federal", "authorities", "prosecutor", "sheriff", "legislature", "cabinet", "treasury",
        "justice department", "office of", "centers for disease", "border", "irs", "epa",
    ),
    "advocate": (
        "union", "rights", "watch", "alliance", "coalition", "association", "foundation", "aclu",
        "amnesty", "greenpeace", "society", "league", "federation", "pac", "advocacy",
        "advocates", "activists", "observatory", "naacp", "planned parenthood", "sierra club",
        "ngo", "charity", "campaigners", "movement", "guild", "spca", "nra", "black lives",
    ),
    "media": (
        "news", "times", "post", "journal", "cnn", "bbc", "reuters", "press", "tv", "magazine",
        "network", "daily", "herald", "tribune", "gazette", "guardian", "telegraph", "observer",
        "politico", "fox", "nbc", "abc", "cbs", "msnbc", "breitbart", "huffington", "buzzfeed",
        "mashable", "website", ".com", "bloomberg", "radio", "newspaper", "blog", "politifact",
        "axios", "vox", "slate", "atlantic", "newsweek", "mail", "sun", "mirror", "independent",
        "express", "usa today", "associated", "afp", "tmz", "gawker", "vice", "wired", "verge",
    ),
    "expert": (
        "university", "college", "institute", "school of", "laboratory", "lab", "research",
        "think tank", "brookings", "heritage", "cato", "rand", "academy", "observatory",
    ),
}

#: Nouns naming a speaker whose role comes from the organisation they speak for.
FOR_ORG = ("spokesperson", "spokesman", "spokeswoman", "spokespeople", "representative",
           "statement", "press office", "press release", "release", "chief executive", "ceo",
           "executive", "chairman", "chairwoman", "chair", "president", "director", "head",
           "leader", "founder", "owner", "cfo", "coo", "cto", "vice president", "manager",
           "spokesmen", "officials", "official", "secretary", "chief", "management", "board",
           "aide", "source")

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "media": (
        "newspaper", "report", "reports", "reporter", "reporters", "journalist", "journalists",
        "columnist", "editor", "editorial", "magazine", "outlet", "outlets", "website", "site",
        "blog", "blogger", "anchor", "host", "correspondent", "article", "story", "broadcaster",
        "tabloid", "documents", "document", "memo", "leaked", "paper", "poll", "polls", "survey",
        "news", "times", "post", "cnn", "bbc", "reuters", "fox", "msnbc", "nbc", "cbs",
        "politico", "breitbart", "bloomberg", "guardian", "politifact", "ap", "mashable",
        "washington post", "associated press", "the times", "daily", "journal", "radio", "tv",
    ),
    "official": (
        "president", "senator", "sen", "sen.", "rep", "rep.", "representative", "congressman",
        "congresswoman", "lawmaker", "lawmakers", "governor", "gov", "gov.", "mayor", "minister",
        "secretary", "official", "officials", "police", "officer", "officers", "spokesman",
        "department", "ministry", "government", "agency", "military", "army", "general", "gen.",
        "judge", "court", "prosecutor", "prosecutors", "attorney general", "ambassador",
        "diplomat", "sheriff", "candidate", "nominee", "campaign", "democrat", "democrats",
        "republican", "republicans", "gop", "white house", "pentagon", "fbi", "cia", "administration",
        "authorities", "commissioner", "council", "councilman", "legislator", "chief of staff",
        "speaker", "leader", "trump", "clinton", "obama", "sanders", "cruz", "rubio", "pence",
        "kaine", "bush", "carson", "fiorina", "kasich", "christie", "biden", "mcconnell", "ryan",
        "pelosi", "reid", "comey", "lynch", "kerry", "putin", "giuliani", "conway", "mook",
        "podesta", "priebus", "spicer", "huckabee", "walker", "jindal", "santorum", "o'malley",
        "gingrich", "graham", "warren", "schumer", "mccain", "cotton", "flynn", "manafort",
        "sessions", "kelly", "johnson", "stein", "palin", "romney", "cheney", "clintons",
        "mr. trump", "mrs. clinton", "hillary", "donald", "bernie", "barack", "duterte", "assad",
        "erdogan", "netanyahu", "merkel", "cameron", "may", "hollande", "abe", "modi", "xi",
        "parliament", "mp", "mps", "state", "u.s.", "federal", "ministers", "spokeswoman",
        "staffers", "aides", "aide", "surrogate", "surrogates", "delegates", "delegate",
        "trooper", "troopers", "soldier", "soldiers", "commander", "colonel", "col.", "maj.",
        "lt.", "adm.", "cabinet", "regime", "kremlin", "embassy", "investigators", "authority",
        "nations", "who", "u.n.", "un", "nato", "cdc", "health ministry",
    ),
    "expert": (
        "analyst", "analysts", "professor", "prof.", "economist", "economists", "researcher",
        "researchers", "scientist", "scientists", "expert", "experts", "academic", "academics",
        "consultant", "consultants", "study", "studies", "university", "dr.", "dr", "doctor",
        "doctors", "pollster", "pollsters", "strategist", "strategists", "historian",
        "specialist", "specialists", "physician", "astronomer", "astronomers", "psychologist",
        "lawyer", "attorney", "scholar", "fellow", "institute", "research", "observers",
    ),
    "advocate": (
        "activist", "activists", "advocate", "advocates", "union", "unions", "campaigners",
        "group", "groups", "organizer", "organizers", "rights", "coalition", "alliance",
        "association", "ngo", "charity", "watchdog", "lobbyist", "lobby", "foundation",
    ),
    "employee": (
        "employee", "employees", "worker", "workers", "staff", "staffer", "engineer", "engineers",
        "developer", "developers", "designer", "technician", "nurse", "insider", "insiders",
        "contractor", "colleague", "colleagues", "team", "analyst at", "former employee",
        "manager", "supervisor", "programmer", "researcher at", "petition", "letter", "signatories",
        "driver", "drivers", "teacher", "teachers",
    ),
    "company": (
        "company", "companies", "firm", "corporation", "corp", "corp.", "inc", "inc.", "ltd",
        "co.", "ceo", "chief executive", "executive", "executives", "founder", "chairman",
        "spokesperson", "spokeswoman", "spokesman", "statement", "brand", "retailer", "maker",
        "bank", "airline", "manufacturer", "startup", "apple", "google", "microsoft", "amazon",
        "facebook", "twitter", "samsung", "uber", "tesla", "ibm", "intel", "walmart",
        "pope", "vatican", "church", "hospital",
    ),
    "public": (
        "resident", "residents", "witness", "witnesses", "customer", "customers", "user", "users",
        "voter", "voters", "people", "parent", "parents", "student", "students", "protester",
        "protesters", "fan", "fans", "mother", "father", "neighbor", "neighbors", "neighbour",
        "supporter", "supporters", "citizen", "citizens", "man", "woman", "men", "women",
        "passenger", "passengers", "viewer", "viewers", "shopper", "locals", "local", "friend",
        "friends", "family", "relative", "relatives", "respondents", "americans", "tweet",
        "twitter user", "commenter", "owner", "patient", "patients", "victim", "victims",
        "daughter", "son", "wife", "husband", "survivor", "survivors", "demonstrators",
        "attendee", "attendees", "member", "members", "crowd", "veteran", "veterans", "consumers",
    ),
    "other": (
        "militant", "militants", "isis", "islamic state", "boko haram", "al-qaeda", "al qaeda",
        "taliban", "rebels", "rebel", "fighter", "fighters", "hamas", "hezbollah", "agent",
        "publicist", "gunman", "hackers", "hacker",
    ),
}

_WORD = re.compile(r"[a-z][a-z.'’-]*[a-z.]|[a-z]")


def _has(text: str, words: tuple[str, ...]) -> bool:
    tokens = set(_WORD.findall(text))
    for word in words:
        if " " in word or "." in word[:-1] or word.startswith("."):
            if re.search(r"(?<![a-z])" + re.escape(word) + r"(?![a-z])", text):
                return True
        elif word in tokens:
            return True
    return False


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


def classify_role(mention: str, descriptor: str = "", organization: str | None = None,
                  entity: str | None = None) -> str:
    """Role of a speaker from its mention, descriptor words (titles, appositions) and
    organisation. ``entity`` is the spaCy label of the name (PERSON, ORG, ...)."""
    words = f"{mention} {descriptor}".lower()
    head_words = mention.lower()
    for role in ("other", "media"):
        if _has(head_words, ROLE_WORDS[role]) and not _has(head_words, FOR_ORG):
            return role
    kind = org_kind(organization)
    if _has(words, ("employee", "employees", "worker", "workers", "staff", "staffer", "engineer",
                    "engineers", "former", "insider", "insiders", "developer", "technician")):
        if kind in (None, "company"):
            return "employee"
    if _has(words, FOR_ORG) and kind:
        return {"company": "company", "official": "official", "advocate": "advocate",
                "media": "media", "expert": "expert"}[kind]
    for role in ("official", "expert", "advocate", "employee", "company", "media", "public",
                 "other"):
        if _has(words, ROLE_WORDS[role]):
            return role
    if entity == "ORG" or (entity is None and kind):
        return kind or "company"
    if entity in ("NORP", "GPE"):
        return "official"
    if entity == "PERSON":
        return "public"
    return "other"
