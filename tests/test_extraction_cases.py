"""Hand-written quote extraction cases: one per behaviour the quote extractor promises.

Each case gives a text and the quotes expected in it, as partial dicts (only the keys given are
checked). ``None`` as the expected list means "no quote at all".
"""

from __future__ import annotations

import pytest

CASES: list[tuple[str, str, list[dict] | None]] = [
    # --- direct quotes, attribution after / before / around the quote
    (
        "direct-after",
        '"We will appeal the ruling," said Jane Doe.',
        [{"text": "We will appeal the ruling,", "type": "direct", "speaker": "Jane Doe"}],
    ),
    (
        "direct-after-subj-first",
        '"The numbers are wrong," Jane Doe said on Monday.',
        [{"text": "The numbers are wrong,", "type": "direct", "speaker": "Jane Doe"}],
    ),
    (
        "direct-before-colon",
        'Jane Doe said: "We will appeal the ruling."',
        [{"text": "We will appeal the ruling.", "type": "direct", "speaker": "Jane Doe"}],
    ),
    (
        "direct-before-comma",
        'John Smith said, "There is nothing to hide here."',
        [{"text": "There is nothing to hide here.", "type": "direct", "speaker": "John Smith"}],
    ),
    (
        "curly-quotes",
        "“We are proud of our work,” said Maria Lopez.",
        [{"text": "We are proud of our work,", "type": "direct", "speaker": "Maria Lopez"}],
    ),
    (
        "colon-previous-sentence",
        'Maria Lopez said in a statement:\n\n"Nobody asked the workers what they wanted."',
        [{"text": "Nobody asked the workers what they wanted.", "speaker": "Maria Lopez"}],
    ),
    # --- a quote split by its attribution: two quotes, one speaker
    (
        "split-quote",
        '"This is wrong," she said. "We will fight."',
        [
            {"text": "This is wrong,", "speaker": "she"},
            {"text": "We will fight.", "speaker": "she"},
        ],
    ),
    (
        "split-quote-named",
        '"The plan is dead," said Tom Baker. "Nobody will vote for it now."',
        [
            {"text": "The plan is dead,", "speaker": "Tom Baker"},
            {"text": "Nobody will vote for it now.", "speaker": "Tom Baker"},
        ],
    ),
    (
        "split-mid-sentence",
        "“The decision,” said Ann Lee, “was made without us.”",
        [
            {"text": "The decision,", "speaker": "Ann Lee"},
            {"text": "was made without us.", "speaker": "Ann Lee"},
        ],
    ),
    # --- multi-paragraph quotes: one quote per paragraph, the reopening paragraphs inherit
    (
        "multi-paragraph",
        "“We have worked here for ten years and never saw anything like it.\n\n"
        "“Management does not listen to us any more,” said Carl Weber, a warehouse worker.",
        [
            {
                "text": "We have worked here for ten years and never saw anything like it.",
                "speaker_name": "Carl Weber",
            },
            {
                "text": "Management does not listen to us any more,",
                "speaker": "Carl Weber",
                "speaker_role": "employee",
            },
        ],
    ),
    (
        "multi-paragraph-attribution-first",
        "Carl Weber said: “We have worked here for ten years.\n\n"
        "“Management does not listen to us any more.”",
        [
            {"text": "We have worked here for ten years.", "speaker": "Carl Weber"},
            {"text": "Management does not listen to us any more.", "speaker_name": "Carl Weber"},
        ],
    ),
    # --- parentheses
    (
        "parentheses",
        'The vote was delayed. ("We need more time to read the bill," Senator Ruth Adams said.)',
        [
            {
                "text": "We need more time to read the bill,",
                "speaker": "Senator Ruth Adams",
                "speaker_role": "official",
            }
        ],
    ),
    # --- indirect speech
    (
        "indirect-company",
        "The company said it would appeal the decision.",
        [
            {
                "text": "it would appeal the decision",
                "type": "indirect",
                "speaker": "The company",
                "speaker_role": "company",
            }
        ],
    ),
    (
        "indirect-that",
        "Jane Doe said that the factory would close next year.",
        [{"text": "the factory would close next year", "type": "indirect", "speaker": "Jane Doe"}],
    ),
    (
        "indirect-after",
        "The factory will close next year, the mayor said.",
        [
            {
                "text": "The factory will close next year",
                "type": "indirect",
                "speaker": "the mayor",
                "speaker_role": "official",
            }
        ],
    ),
    (
        "indirect-interrupted",
        "The plan, she said, is dead.",
        [{"type": "indirect", "speaker": "she"}],
    ),
    (
        "told",
        "Tom Baker told reporters that the deal was off.",
        [{"text": "the deal was off", "type": "indirect", "speaker": "Tom Baker"}],
    ),
    # --- mixed: reported speech with a quoted fragment
    (
        "mixed",
        'Microsoft said it was "dismayed" by the decision.',
        [
            {
                "text": 'it was "dismayed" by the decision',
                "type": "mixed",
                "speaker": "Microsoft",
                "organization": "Microsoft",
            }
        ],
    ),
    (
        "mixed-curly",
        "The union said the new rules were “an insult to every nurse.”",
        [{"type": "mixed", "speaker": "The union", "speaker_role": "advocate"}],
    ),
    # --- according to
    (
        "according-to",
        "According to a person familiar with the matter, the deal is off.",
        [
            {
                "text": "the deal is off",
                "type": "indirect",
                "speaker": "a person familiar with the matter",
            }
        ],
    ),
    (
        "according-to-after",
        "The deal is off, according to the newspaper.",
        [{"text": "The deal is off", "speaker": "the newspaper", "speaker_role": "media"}],
    ),
    # --- speech verbs beyond "said"
    (
        "verb-added",
        "Tom Baker added that the workers were not consulted.",
        [{"text": "the workers were not consulted", "speaker": "Tom Baker"}],
    ),
    (
        "verb-argued",
        "Lawyers for the city argued that the law was unconstitutional.",
        [{"text": "the law was unconstitutional", "speaker": "Lawyers for the city"}],
    ),
    (
        "verb-claimed",
        "The group claimed the attack was a response to the raids.",
        [{"text": "the attack was a response to the raids", "speaker": "The group"}],
    ),
    (
        "verb-denied",
        "The minister denied that he had met the lobbyists.",
        [
            {
                "text": "he had met the lobbyists",
                "speaker": "The minister",
                "speaker_role": "official",
            }
        ],
    ),
    (
        "verb-warned",
        "Economists warned that prices would rise sharply.",
        [{"text": "prices would rise sharply", "speaker": "Economists", "speaker_role": "expert"}],
    ),
    (
        "verb-wrote",
        'In a blog post, the engineer wrote that the system "was never tested."',
        [{"speaker": "the engineer", "speaker_role": "employee"}],
    ),
    (
        "verb-announced",
        "Apple announced that it would open a new campus in Austin.",
        [
            {
                "text": "it would open a new campus in Austin",
                "speaker": "Apple",
                "speaker_role": "company",
            }
        ],
    ),
    (
        "verb-insisted",
        'The spokesman insisted, "Nothing has changed."',
        [{"text": "Nothing has changed.", "speaker": "The spokesman"}],
    ),
    (
        "verb-told-direct",
        '"We are not going anywhere," Maria Lopez told The Guardian.',
        [{"text": "We are not going anywhere,", "speaker": "Maria Lopez"}],
    ),
    # --- anonymous speakers
    (
        "anon-employee",
        '"Morale has never been lower," one employee said.',
        [{"speaker": "one employee", "speaker_role": "employee"}],
    ),
    (
        "anon-spokesperson",
        '"We take these concerns seriously," a company spokesperson said.',
        [{"speaker": "a company spokesperson", "speaker_role": "company"}],
    ),
    (
        "anon-familiar",
        "A person familiar with the matter said the talks had stalled.",
        [{"text": "the talks had stalled", "speaker": "A person familiar with the matter"}],
    ),
    # --- pronouns resolved to the nearest named speaker
    (
        "pronoun-he",
        '"The budget is a disgrace," said Senator Tom Baker. He said the vote would fail.',
        [{"text": "the vote would fail", "speaker": "He", "speaker_name": "Tom Baker"}],
    ),
    (
        "pronoun-she-later",
        'Maria Lopez runs the clinic. "We are out of money," she said.',
        [{"speaker": "she", "speaker_name": "Maria Lopez"}],
    ),
    (
        "pronoun-gender",
        'Maria Lopez said the clinic was full. John Smith said it was not. "We are out of money," '
        "she said.",
        [{"speaker": "she", "speaker_name": "Maria Lopez"}],
    ),
    (
        "surname-resolved",
        'Maria Lopez, a nurse, spoke first. "We are exhausted," Lopez said.',
        [{"speaker": "Lopez", "speaker_name": "Maria Lopez"}],
    ),
    (
        "pronoun-after-according-to",
        '"I will leave," said Priya Raman.\n\nAccording to Mark Ellison, the deal is small. '
        '"The risk is real," he said.',
        [
            {"text": "I will leave,", "speaker_name": "Priya Raman"},
            {"text": "the deal is small", "speaker_name": "Mark Ellison"},
            {"text": "The risk is real,", "speaker": "he", "speaker_name": "Mark Ellison"},
        ],
    ),
    # --- speakers named by layout: dash bylines and transcript labels
    (
        "dash-byline",
        "Readers wrote to us.\n\n“The debate showed who he really is. It was a disgrace.” ― Ana "
        "Ortiz\n“I am afraid of what comes next. Nobody is listening.”― Ben Cole.",
        [
            {"text": "The debate showed who he really is. It was a disgrace.",
             "speaker": "Ana Ortiz"},
            {"text": "I am afraid of what comes next. Nobody is listening.", "speaker": "Ben Cole"},
        ],
    ),
    (
        "transcript-label",
        'The interview went on.\n\n"HOST: Do you see those two as equivalent? We have little '
        'time."\n\n"PENCE: Well, the question really should be why she did it."',
        [
            {"speaker": "HOST", "speaker_name": "HOST"},
            {"speaker": "PENCE", "speaker_name": "PENCE"},
        ],
    ),
    # --- organisations from the mention
    (
        "org-compound-unknown-name",
        '"We are proud of this work," a Nimbus Cloud spokesperson said.',
        [{"organization": "Nimbus Cloud", "speaker_role": "company"}],
    ),
    (
        "org-at-phrase",
        '"The risk is small," said Mark Ellison, an analyst at Redfield Research.',
        [{"speaker": "Mark Ellison", "organization": "Redfield Research"}],
    ),
    (
        "org-is-the-company",
        "Nimbus Cloud, the Seattle software company, said it would keep the contract.",
        [{"text": "it would keep the contract", "organization": "Nimbus Cloud"}],
    ),
    (
        "org-compound",
        '"We disagree with the ruling," a Microsoft spokesperson said.',
        [{"organization": "Microsoft", "speaker_role": "company"}],
    ),
    (
        "org-possessive",
        "Apple's chief executive said the company would comply with the order.",
        [
            {
                "speaker": "Apple's chief executive",
                "organization": "Apple",
                "speaker_role": "company",
            }
        ],
    ),
    (
        "org-apposition",
        '"The tool is not safe," said John Smith, a Google engineer.',
        [{"speaker": "John Smith", "organization": "Google", "speaker_role": "employee"}],
    ),
    (
        "org-for",
        '"The contract stands," a spokesman for the Defense Department said.',
        [{"speaker_role": "official"}],
    ),
    # --- roles
    (
        "role-expert",
        '"Inflation will stay high," said Ann Lee, an economist at Harvard University.',
        [{"speaker": "Ann Lee", "speaker_role": "expert"}],
    ),
    (
        "role-public",
        '"I waited for three hours," said one customer.',
        [{"speaker": "one customer", "speaker_role": "public"}],
    ),
    (
        "role-media",
        "The New York Times reported that the deal had collapsed.",
        [{"speaker_role": "media", "text": "the deal had collapsed"}],
    ),
    (
        "role-advocate",
        '"This is a victory for workers," said Amnesty International.',
        [{"speaker_role": "advocate"}],
    ),
    # --- not quotes
    ("scare-quote", 'The so-called "reform" was passed on Tuesday.', None),
    ("title", 'He watched a film called "Up" with his children.', None),
    ("no-quotes", "The weather was fine and the market closed early.", None),
]


def _matches(quote: dict, expected: dict) -> bool:
    return all(quote.get(key) == value for key, value in expected.items())


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in CASES], ids=[c[0] for c in CASES]
)
def test_case(quote_extractor, text: str, expected: list[dict] | None) -> None:
    quotes = [q.to_dict() for q in quote_extractor.extract(text)]
    for q in quotes:  # offsets always slice back to the reported strings
        assert text[q["start"] : q["end"]] == q["text"]
        if q["speaker"] is not None:
            assert text[q["speaker_start"] : q["speaker_end"]] == q["speaker"]
    if expected is None:
        assert quotes == []
        return
    for exp in expected:
        assert any(_matches(q, exp) for q in quotes), f"{exp} not in {quotes}"


def test_enough_cases() -> None:
    assert len(CASES) >= 40
