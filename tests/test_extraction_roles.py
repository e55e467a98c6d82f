"""Speaker-role rules, the learned role model and its trainer (on a toy example set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsstance.inference.quote import SPEAKER_ROLES
from newsstance.inference.quotes.roles import (
    classify_role,
    explicit_role,
    org_kind,
    predict_role,
    role_features,
)


@pytest.mark.parametrize(
    ("org", "kind"),
    [
        ("the Defense Department", "official"),
        ("The New York Times", "media"),
        ("Amnesty International", "advocate"),
        ("Harvard University", "expert"),
        ("Microsoft", "company"),
        (None, None),
    ],
)
def test_org_kind(org: str | None, kind: str | None) -> None:
    assert org_kind(org) == kind


@pytest.mark.parametrize(
    ("mention", "descriptor", "org", "role"),
    [
        ("a company spokesperson", "", "Microsoft", "company"),
        ("a spokesman", "", "the Defense Department", "official"),
        ("John Smith", "a Google engineer", "Google", "employee"),
        ("Ann Lee", "an economist at Harvard", None, "expert"),
        ("one customer", "", None, "public"),
        ("the newspaper", "", None, "media"),
    ],
)
def test_classify_role(mention: str, descriptor: str, org: str | None, role: str) -> None:
    assert classify_role(mention, descriptor, org) == role


def test_explicit_role() -> None:
    assert explicit_role("the mayor") == "official"
    assert explicit_role("one employee") == "employee"
    assert explicit_role("Jane Doe") is None


def test_learned_model_gives_a_role() -> None:
    feats = role_features("the mayor", "the mayor", None, "", None, "group", "said", "official")
    assert "rule=official" in feats and "w=mayor" in feats
    assert predict_role(feats, "official") in SPEAKER_ROLES


def test_trainer_writes_loadable_weights(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from newsstance.inference.quotes import train_roles

    examples = [(f"a{i}", ["rule=official", "w=mayor"], "official") for i in range(20)]
    examples += [(f"b{i}", ["rule=company", "w=spokesperson"], "company") for i in range(20)]
    examples = train_roles.prune(examples + [("c", ["w=rare"], "public")], min_count=2)
    assert examples[-1][1] == []
    vec, model = train_roles.fit(examples, c=1.0)
    assert train_roles.accuracy(vec, model, examples[:40]) == 1.0
    out = tmp_path / "weights.json"
    train_roles.write_weights(vec, model, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert tuple(data["roles"]) == SPEAKER_ROLES and "w=mayor" in data["weights"]
    row = {int(i): w for i, w in data["weights"]["w=mayor"]}
    official, company = SPEAKER_ROLES.index("official"), SPEAKER_ROLES.index("company")
    assert row.get(official, 0.0) > row.get(company, 0.0)


@pytest.mark.parametrize(
    ("mention", "descriptor", "org", "role"),
    [
        # a job title at a company: staff speaking as individuals
        ("Dana Ortiz", "a product manager at Helix", "Helix", "employee"),
        ("Maria Lopez", "a senior designer at Skyvane", "Skyvane", "employee"),
        ("Tom Reyes", "a nurse at the company's clinic", None, "employee"),
        ("Lee Park", "a former employee", None, "employee"),
        # leadership and officials are not employees
        ("Mark Li", "Helix's chief executive", "Helix", "company"),
        ("Robby Mook", "campaign manager of the Clinton campaign", "Clinton campaign", "official"),
        ("John Kerry", "the former secretary of state", None, "official"),
    ],
)
def test_classify_role_staff_titles(
    mention: str, descriptor: str, org: str | None, role: str
) -> None:
    assert classify_role(mention, descriptor, org) == role


def test_role_features_are_closed_vocabulary() -> None:
    context = 'said Dennis Halvorsen, an engineering director at Skyvane, in "We quit," he said.'
    feats = role_features(
        "Dennis Halvorsen",
        "Dennis Halvorsen",
        "Skyvane",
        "an engineering director at Skyvane",
        None,
        "person",
        context,
        "employee",
        "We quit",
        groups=("base", "mention", "descriptor", "head", "org", "context", "near", "quote"),
    )
    assert "a=engineering" in feats and "a=director" in feats and "q=we" in feats
    assert "w=<cap>" in feats
    assert not any("halvorsen" in f or "skyvane" in f for f in feats)  # no names memorised
