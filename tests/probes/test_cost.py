"""Budgets and Cost Explorer probes, on hand-built evidence."""

from __future__ import annotations

import pytest

from llmops_audit.evidence.snapshot import SectionError
from llmops_audit.probes import run_probe
from tests.helpers import snapshot

BUDGET = {
    "name": "llm-monthly",
    "type": "COST",
    "time_unit": "MONTHLY",
    "limit": "250",
    "unit": "USD",
    "cost_filters": {"Service": ["Amazon Bedrock"]},
    "filter_expression": None,
    "notifications": 1,
}


def run(scope, probe_id: str, **sections):
    v = run_probe(probe_id, snapshot(scope, **sections), {})
    assert v.summary.endswith("."), v.summary
    return v


def test_budgets_present_names_the_budget_and_its_limit(scope) -> None:
    v = run(scope, "budgets_present", budgets__budgets={"budgets": [BUDGET], "errors": []})
    assert v.value is True
    assert "llm-monthly (250 USD monthly)" in v.summary and "with notifications" in v.summary
    assert any("Scoped to Bedrock" in d for d in v.details)


def test_bedrock_scope_is_judged_from_the_budget_filters(scope) -> None:
    """The collector keeps the filters; changing them in a saved snapshot changes what the probe says."""

    def details(budget: dict) -> list[str]:
        return run(scope, "budgets_present", budgets__budgets={"budgets": [budget], "errors": []}).details

    assert any("Scoped to Bedrock by a cost filter: llm-monthly" in d for d in details(BUDGET))
    assert not any("Scoped to Bedrock" in d for d in details({**BUDGET, "cost_filters": {}}))
    by_expression = {
        **BUDGET,
        "cost_filters": {},
        "filter_expression": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
    }
    assert any("Scoped to Bedrock" in d for d in details(by_expression))
    other = {**BUDGET, "cost_filters": {"Service": ["Amazon Elastic Compute Cloud - Compute"]}}
    assert not any("Scoped to Bedrock" in d for d in details(other))


def test_budget_without_notification_is_still_a_budget_but_said(scope) -> None:
    v = run(scope, "budgets_present", budgets__budgets={"budgets": [{**BUDGET, "notifications": 0}]})
    assert v.value is True and any("No notification" in d for d in v.details)


def test_no_budget(scope) -> None:
    v = run(scope, "budgets_present", budgets__budgets={"budgets": [], "errors": []})
    assert v.value is False and "No AWS Budget" in v.summary


def test_budgets_unknown_when_the_section_failed(scope) -> None:
    snap = snapshot(scope)
    snap.errors["budgets.budgets"] = SectionError("denied", "budgets:ViewBudget", "denied")
    v = run_probe("budgets_present", snap, {})
    assert v.value is None and "budgets:ViewBudget" in v.missing


@pytest.mark.parametrize(
    ("monitors", "value"),
    [([{"name": "svc", "arn": "a", "type": "DIMENSIONAL", "dimension": "SERVICE"}], True), ([], False)],
)
def test_cost_anomaly_monitors_present(scope, monitors, value) -> None:
    v = run(scope, "cost_anomaly_monitors_present", ce__anomaly_monitors={"monitors": monitors})
    assert v.value is value
    if value:
        assert "svc (SERVICE)" in v.summary


def test_user_defined_cost_allocation_tag_is_attribution(scope) -> None:
    v = run(
        scope,
        "cost_allocation_tags_active",
        ce__cost_allocation_tags={
            "tags": ["team", "aws:createdBy"],
            "types": {"team": "UserDefined", "aws:createdBy": "AWSGenerated"},
        },
    )
    assert v.value is True and "team" in v.summary and "aws:createdBy" not in v.summary


def test_only_aws_generated_tags_are_not_attribution(scope) -> None:
    v = run(
        scope,
        "cost_allocation_tags_active",
        ce__cost_allocation_tags={"tags": ["aws:createdBy"], "types": {"aws:createdBy": "AWSGenerated"}},
    )
    assert v.value is False and "AWS-generated" in v.summary


def test_no_active_cost_allocation_tags(scope) -> None:
    v = run(scope, "cost_allocation_tags_active", ce__cost_allocation_tags={"tags": [], "types": {}})
    assert v.value is False and "No cost-allocation tag is active" in v.summary
