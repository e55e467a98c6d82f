"""Grammatical gender of a person's name, for resolving "he" / "she" to a compatible speaker:
honorifics in the article ("Mrs. Clinton") first, then common first names."""

from __future__ import annotations

import re

from newsstance.inference.quotes.cues import word_set

FEMALE_NAMES = word_set(
    """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty
    margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela
    nicole emma samantha katherine christine debra rachel catherine carolyn janet ruth maria
    heather diane virginia julie joyce victoria olivia kelly christina lauren joan evelyn judith
    megan cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice
    jean alice madison doris abigail julia judy grace denise amber marilyn beverly danielle
    theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla hillary
    carly megyn kirsten kristen felicia phyllis ivanka melania chelsea condoleezza nikki sarah
    elena sonia michele huma kellyanne hope loretta debbie tulsi kamala amy jill tammy lisa
    theresa angela marine lianne taylor lucy jess lana jo anne jane janet claire sabine stacey"""
)
MALE_NAMES = word_set(
    """james robert john michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
    brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron
    jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith
    roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy
    joe bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene
    russell bobby mason philip louis barack bernie ted marco mike mitt newt rudy reince chris
    jeb rand ben tim bill hugh sean rush glenn vladimir bashar recep benjamin boris emmanuel
    francois justin xi jim tom bob dick jon chuck mitch harry al jesse lindsey duncan jeh
    martin kevin nigel tony gordon david ahmed mohammed muhammad ali omar abu vladimir sergei"""
)
_HONORIFIC = {"mr": "m", "sir": "m", "lord": "m", "mrs": "f", "ms": "f", "miss": "f", "madam": "f"}


def name_gender(name: str, text: str = "") -> str | None:
    """``"m"``, ``"f"`` or ``None`` (unknown) for a person's name."""
    parts = [p.strip(".,").lower() for p in name.split()]
    parts = [p for p in parts if p]
    if not parts:
        return None
    if parts[0] in _HONORIFIC:
        return _HONORIFIC[parts[0]]
    if text:
        found = re.search(r"\b(Mr|Mrs|Ms|Miss)\.? " + re.escape(name.split()[-1]) + r"\b", text)
        if found:
            return _HONORIFIC[found.group(1).lower()]
    first = parts[0]
    if first in FEMALE_NAMES and first not in MALE_NAMES:
        return "f"
    if first in MALE_NAMES and first not in FEMALE_NAMES:
        return "m"
    return None


def pronoun_gender(pronoun: str | None) -> str | None:
    return {"he": "m", "him": "m", "she": "f", "her": "f"}.get(pronoun or "")
