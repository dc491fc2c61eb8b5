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
ACCOUNT_WIDE = {**BUDGET, "name": "everything", "cost_filters": {}}
STANDALONE = "standalone"


def budgets(*found: dict, role: str | None = STANDALONE) -> dict:
    return {"budgets": list(found), "organization_role": role, "errors": []}


def run(scope, probe_id: str, **sections):
    v = run_probe(probe_id, snapshot(scope, **sections), {})
    assert v.summary.endswith("."), v.summary
    assert not v.error, v.summary
    return v


def denied(snap, section: str, action: str):
    snap.errors[section] = SectionError("denied", action, f"permission {action} was denied")
    return snap


# -- budgets_present (L1.5, negated) ----------------------------------------------------------------


def test_budgets_present_names_the_budget_and_its_limit(scope) -> None:
    v = run(scope, "budgets_present", budgets__budgets=budgets(BUDGET))
    assert v.value is True
    assert "llm-monthly (250 USD monthly)" in v.summary and "with notifications" in v.summary
    assert any("Scoped to Bedrock" in d for d in v.details)


def test_bedrock_scope_is_judged_from_the_budget_filters(scope) -> None:
    """The collector keeps the filters; changing them in a saved snapshot changes what the probe says."""

    def details(budget: dict) -> list[str]:
        return run(scope, "budgets_present", budgets__budgets=budgets(budget)).details

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
    # name matching on a tag value is no scope: only the SERVICE dimension names Bedrock
    tag = {**BUDGET, "cost_filters": {"TagKeyValue": ["user:team$bedrock-fans"]}}
    assert not any("Scoped to Bedrock" in d for d in details(tag))


def test_budget_without_notification_is_still_a_budget_but_said(scope) -> None:
    v = run(scope, "budgets_present", budgets__budgets=budgets({**BUDGET, "notifications": 0}))
    assert v.value is True and any("No notification" in d for d in v.details)


@pytest.mark.parametrize("role", ["standalone", "management"])
def test_no_budget_in_a_standalone_or_management_account(scope, role) -> None:
    v = run(scope, "budgets_present", budgets__budgets=budgets(role=role))
    assert v.value is False and "No AWS Budget" in v.summary


def test_no_budget_visible_in_a_member_account_is_unknown(scope) -> None:
    """Before: not_met, which made L1.5 ("no tracking of cost") met in every member account whose budgets
    live in the management account (members cannot list them)."""
    v = run(scope, "budgets_present", budgets__budgets=budgets(role="member"))
    assert v.value is None and "member" in v.summary and "management" in v.summary


@pytest.mark.parametrize("data", [budgets(role=None), {"budgets": [], "errors": []}])
def test_no_budget_with_organization_unknown_is_unknown(scope, data) -> None:
    """DescribeOrganization failed (or a snapshot from before the field): no budget proves nothing."""
    v = run(scope, "budgets_present", budgets__budgets=data)
    assert v.value is None and v.missing == ("organizations:DescribeOrganization",)


def test_a_visible_budget_is_met_in_a_member_account(scope) -> None:
    assert run(scope, "budgets_present", budgets__budgets=budgets(ACCOUNT_WIDE, role="member")).value is True


def test_budgets_unknown_when_the_section_failed(scope) -> None:
    v = run_probe("budgets_present", denied(snapshot(scope), "budgets.budgets", "budgets:ViewBudget"), {})
    assert v.value is None and "budgets:ViewBudget" in v.missing


# -- bedrock_budget_present (L4.6) ------------------------------------------------------------------

WORKLOAD = {
    "ce__cost_by_tag": {
        "tag_keys": ["app", "team"],
        "tags_not_grouped": [],
        "by_tag": {"app": {"support-bot": 12.0, "": 1.0}, "team": {"": 13.0}},
        "errors": [],
    },
    "ce__cost_allocation_tags": {
        "tags": ["app", "team"],
        "types": {"app": "UserDefined", "team": "UserDefined"},
    },
    "bedrock__inference_profiles": {"profiles": [], "errors": []},
}


def bedrock_budget(scope, *found: dict, role: str | None = STANDALONE, **sections):
    return run(scope, "bedrock_budget_present", budgets__budgets=budgets(*found, role=role), **sections)


@pytest.mark.parametrize(
    "budget",
    [
        BUDGET,
        {**BUDGET, "cost_filters": {"Service": ["Claude 3.5 Sonnet (Amazon Bedrock Edition)"]}},
        {**BUDGET, "type": "USAGE"},
        {
            **BUDGET,
            "cost_filters": {},
            "filter_expression": {
                "And": [
                    {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
                    {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
                ]
            },
        },
        {
            **BUDGET,
            "cost_filters": {},
            "filter_expression": {
                "Or": [
                    {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
                    {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}},
                ]
            },
        },
    ],
    ids=["service", "marketplace-model", "usage", "and", "or"],
)
def test_bedrock_budget_met_from_a_service_filter(scope, budget) -> None:
    v = bedrock_budget(scope, budget)
    assert v.value is True and "llm-monthly" in v.summary


@pytest.mark.parametrize(
    "budget",
    [
        {**BUDGET, "cost_filters": {"TagKeyValue": ["user:app$support-bot"]}},
        {**BUDGET, "cost_filters": {"TagKeyValue": ["app$support-bot"]}},
        {
            **BUDGET,
            "cost_filters": {},
            "filter_expression": {"Tags": {"Key": "app", "Values": ["support-bot"]}},
        },
        {**BUDGET, "cost_filters": {}, "filter_expression": {"Tags": {"Key": "app", "Values": []}}},
    ],
    ids=["legacy", "legacy-no-prefix", "expression", "key-only"],
)
def test_bedrock_budget_met_from_the_workload_tag(scope, budget) -> None:
    assert bedrock_budget(scope, budget, **WORKLOAD).value is True


def test_bedrock_budget_met_from_a_tag_on_an_application_inference_profile(scope) -> None:
    profile = {"name": "support", "tags": {"project": "chat"}}
    sections = {
        **WORKLOAD,
        "ce__cost_allocation_tags": {"tags": ["project"], "types": {"project": "UserDefined"}},
        "bedrock__inference_profiles": {"profiles": [profile], "errors": []},
    }
    budget = {**BUDGET, "cost_filters": {"TagKeyValue": ["user:project$chat"]}}
    assert bedrock_budget(scope, budget, **sections).value is True


@pytest.mark.parametrize(
    ("budget", "why"),
    [
        (ACCOUNT_WIDE, "account-wide"),
        (
            {**BUDGET, "cost_filters": {"Service": ["Amazon Elastic Compute Cloud - Compute"]}},
            "other service",
        ),
        ({**BUDGET, "cost_filters": {"TagKeyValue": ["user:team$bedrock"]}}, "tag of no Bedrock spend"),
        ({**BUDGET, "cost_filters": {"TagKeyValue": ["user:app$other-app"]}}, "another value of the tag"),
        ({**BUDGET, "cost_filters": {"TagKeyValue": ["user:app$"]}}, "untagged spend"),
        ({**BUDGET, "notifications": 0}, "no notification"),
        ({**BUDGET, "type": "RI_UTILIZATION"}, "utilization budget"),
        (
            {
                **BUDGET,
                "cost_filters": {},
                "filter_expression": {
                    "Not": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}}
                },
            },
            "everything but Bedrock",
        ),
        (
            {
                **BUDGET,
                "cost_filters": {},
                "filter_expression": {
                    "And": [
                        {"Tags": {"Key": "app", "Values": ["support-bot"]}},
                        {"Not": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}}},
                    ]
                },
            },
            "the workload minus Bedrock",
        ),
        (
            {
                **BUDGET,
                "cost_filters": {},
                "filter_expression": {
                    "Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"], "MatchOptions": ["ABSENT"]}
                },
            },
            "absent",
        ),
    ],
)
def test_bedrock_budget_never_met_on_look_alikes(scope, budget, why) -> None:
    """Before: budgets_present made L4.6's budget part met for any budget at all."""
    v = bedrock_budget(scope, budget, **WORKLOAD)
    assert v.value is False, (why, v.summary)


def test_bedrock_budget_unknown_when_the_tag_sources_were_not_read(scope) -> None:
    budget = {**BUDGET, "cost_filters": {"TagKeyValue": ["user:app$support-bot"]}}
    snap = snapshot(
        scope,
        budgets__budgets=budgets(budget),
        **{k: v for k, v in WORKLOAD.items() if k != "ce__cost_by_tag"},
    )
    v = run_probe("bedrock_budget_present", denied(snap, "ce.cost_by_tag", "ce:GetCostAndUsage"), {})
    assert v.value is None and "ce:GetCostAndUsage" in v.missing


def test_bedrock_budget_unknown_when_notifications_were_not_read(scope) -> None:
    v = bedrock_budget(scope, {**BUDGET, "notifications": None})
    assert v.value is None and "budgets:ViewBudget" in v.missing


def test_bedrock_budget_unknown_for_a_cost_category_filter(scope) -> None:
    budget = {
        **BUDGET,
        "cost_filters": {},
        "filter_expression": {"CostCategories": {"Key": "workload", "Values": ["chat"]}},
    }
    assert bedrock_budget(scope, budget).value is None


@pytest.mark.parametrize("role", ["member", None])
def test_bedrock_budget_unknown_in_a_member_account_without_one(scope, role) -> None:
    v = bedrock_budget(scope, ACCOUNT_WIDE, role=role)
    assert v.value is None
    assert any("everything" in d for d in v.details)


def test_bedrock_budget_not_met_without_budgets(scope) -> None:
    v = bedrock_budget(scope)
    assert v.value is False and "No AWS Budget" in v.summary


def test_bedrock_budget_unknown_when_budgets_were_denied(scope) -> None:
    v = run_probe(
        "bedrock_budget_present", denied(snapshot(scope), "budgets.budgets", "budgets:ViewBudget"), {}
    )
    assert v.value is None and v.missing == ("budgets:ViewBudget",)


# -- cost_anomaly_monitors_present ------------------------------------------------------------------

SERVICES = {
    "name": "Default-Services-Monitor",
    "arn": "arn:aws:ce::123456789012:anomalymonitor/m1",
    "type": "DIMENSIONAL",
    "dimension": "SERVICE",
    "specification": None,
    "subscribers": 1,
    "subscriptions": ["daily-summary"],
}


def monitors(*found: dict) -> dict:
    return {"monitors": list(found), "errors": []}


def test_services_monitor_with_a_subscription_covers_bedrock(scope) -> None:
    v = run(scope, "cost_anomaly_monitors_present", ce__anomaly_monitors=monitors(SERVICES))
    assert v.value is True
    assert "Default-Services-Monitor (SERVICE)" in v.summary and "daily-summary" in v.summary


def test_custom_monitor_on_the_workload_tag_covers_bedrock(scope) -> None:
    custom = {
        **SERVICES,
        "name": "chat",
        "type": "CUSTOM",
        "dimension": None,
        "specification": {"Tags": {"Key": "app", "Values": ["support-bot"]}},
    }
    tagged = {
        **custom,
        "name": "by-app",
        "type": "DIMENSIONAL",
        "dimension": "TAG",
        "specification": {"Tags": {"Key": "app"}},
    }
    for m in (custom, tagged):
        assert (
            run(scope, "cost_anomaly_monitors_present", ce__anomaly_monitors=monitors(m), **WORKLOAD).value
            is True
        )


@pytest.mark.parametrize(
    ("monitor", "why"),
    [
        ({**SERVICES, "subscribers": 0, "subscriptions": []}, "no subscription"),
        ({**SERVICES, "dimension": "LINKED_ACCOUNT"}, "linked-account totals"),
        (
            {
                **SERVICES,
                "type": "CUSTOM",
                "dimension": None,
                "specification": {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": ["1"]}},
            },
            "custom linked account",
        ),
        (
            {
                **SERVICES,
                "type": "CUSTOM",
                "dimension": None,
                "specification": {"Tags": {"Key": "team", "Values": ["x"]}},
            },
            "tag of no Bedrock spend",
        ),
    ],
)
def test_anomaly_monitors_never_met_on_look_alikes(scope, monitor, why) -> None:
    """Before: any monitor at all was met, with or without anyone alerted."""
    v = run(scope, "cost_anomaly_monitors_present", ce__anomaly_monitors=monitors(monitor), **WORKLOAD)
    assert v.value is False, (why, v.summary)


def test_anomaly_monitors_unknown_when_subscriptions_were_not_read(scope) -> None:
    v = run(
        scope,
        "cost_anomaly_monitors_present",
        ce__anomaly_monitors=monitors({**SERVICES, "subscribers": None}),
    )
    assert v.value is None and v.missing == ("ce:GetAnomalySubscriptions",)


def test_anomaly_monitor_on_a_tag_unknown_when_the_tag_sources_were_denied(scope) -> None:
    custom = {
        **SERVICES,
        "type": "CUSTOM",
        "dimension": None,
        "specification": {"Tags": {"Key": "app", "Values": ["support-bot"]}},
    }
    snap = snapshot(
        scope,
        ce__anomaly_monitors=monitors(custom),
        **{k: v for k, v in WORKLOAD.items() if k != "ce__cost_by_tag"},
    )
    v = run_probe("cost_anomaly_monitors_present", denied(snap, "ce.cost_by_tag", "ce:GetCostAndUsage"), {})
    assert v.value is None and "ce:GetCostAndUsage" in v.missing


def test_no_anomaly_monitor(scope) -> None:
    assert run(scope, "cost_anomaly_monitors_present", ce__anomaly_monitors=monitors()).value is False


def test_anomaly_monitors_unknown_when_denied(scope) -> None:
    snap = denied(snapshot(scope), "ce.anomaly_monitors", "ce:GetAnomalyMonitors")
    assert run_probe("cost_anomaly_monitors_present", snap, {}).value is None


# -- cost_allocation_tags_active --------------------------------------------------------------------


def tags_run(scope, **overrides):
    return run(scope, "cost_allocation_tags_active", **{**WORKLOAD, **overrides})


def test_active_tag_carrying_bedrock_spend_is_attribution(scope) -> None:
    v = tags_run(scope)
    assert v.value is True and "app (support-bot)" in v.summary and "team" not in v.summary


def test_active_tag_on_an_application_inference_profile_is_attribution(scope) -> None:
    v = tags_run(
        scope,
        ce__cost_by_tag={"tag_keys": ["team"], "tags_not_grouped": [], "by_tag": {"team": {"": 3.0}}},
        ce__cost_allocation_tags={"tags": ["team"], "types": {"team": "UserDefined"}},
        bedrock__inference_profiles={"profiles": [{"name": "support", "tags": {"team": "ml"}}], "errors": []},
    )
    assert v.value is True and "team (on support)" in v.summary


def test_active_tag_of_another_team_is_not_attribution(scope) -> None:
    """Before: any active user-defined tag was met, whether or not it touched the LLM workload."""
    v = tags_run(
        scope,
        ce__cost_by_tag={"tag_keys": ["team"], "tags_not_grouped": [], "by_tag": {"team": {"": 13.0}}},
        ce__cost_allocation_tags={"tags": ["team"], "types": {"team": "UserDefined"}},
    )
    assert v.value is False and "team" in v.summary


@pytest.mark.parametrize("missing", ["ce.cost_by_tag", "bedrock.inference_profiles"])
def test_active_tag_unknown_when_its_use_could_not_be_read(scope, missing) -> None:
    sections = {
        **WORKLOAD,
        "ce__cost_by_tag": {"tag_keys": ["team"], "tags_not_grouped": [], "by_tag": {"team": {"": 13.0}}},
        "ce__cost_allocation_tags": {"tags": ["team"], "types": {"team": "UserDefined"}},
    }
    snap = snapshot(scope, **{k: v for k, v in sections.items() if k != missing.replace(".", "__")})
    v = run_probe("cost_allocation_tags_active", denied(snap, missing, "x:Denied"), {})
    assert v.value is None and v.missing == ("x:Denied",)


def test_active_tag_past_the_grouping_bound_is_unknown(scope) -> None:
    v = tags_run(
        scope,
        ce__cost_by_tag={"tag_keys": [], "tags_not_grouped": ["team"], "by_tag": {}},
        ce__cost_allocation_tags={"tags": ["team"], "types": {"team": "UserDefined"}},
    )
    assert v.value is None


def test_only_aws_generated_tags_are_not_attribution(scope) -> None:
    v = tags_run(
        scope,
        ce__cost_allocation_tags={"tags": ["aws:createdBy"], "types": {"aws:createdBy": "AWSGenerated"}},
    )
    assert v.value is False and "AWS-generated" in v.summary


def test_no_active_cost_allocation_tags(scope) -> None:
    v = tags_run(scope, ce__cost_allocation_tags={"tags": [], "types": {}})
    assert v.value is False and "No cost-allocation tag is active" in v.summary


# -- application_inference_profiles_tagged (probes/bedrock.py) ------------------------------------


def profiles(*found: dict) -> dict:
    return {"profiles": list(found), "errors": []}


PROFILE = {
    "id": "p1",
    "name": "support-app",
    "arn": "arn:p1",
    "status": "ACTIVE",
    "type": "APPLICATION",
    "models": [],
}


def test_profile_tag_counts_once_activated_for_cost_allocation(scope) -> None:
    v = run(
        scope,
        "application_inference_profiles_tagged",
        bedrock__inference_profiles=profiles({**PROFILE, "tags": {"app": "support"}}),
        ce__cost_allocation_tags={"tags": ["app"], "types": {"app": "UserDefined"}},
    )
    assert v.value is True and "support-app (app)" in v.summary


def test_profile_tag_not_activated_attributes_nothing(scope) -> None:
    """Before: any tag on a profile was met, though an unactivated tag never shows in billing."""
    v = run(
        scope,
        "application_inference_profiles_tagged",
        bedrock__inference_profiles=profiles({**PROFILE, "tags": {"app": "support"}}),
        ce__cost_allocation_tags={"tags": ["team"], "types": {"team": "UserDefined"}},
    )
    assert v.value is False and "not" in v.summary and "app" in v.summary


def test_profile_tag_unknown_when_active_tags_were_denied(scope) -> None:
    snap = snapshot(scope, bedrock__inference_profiles=profiles({**PROFILE, "tags": {"app": "support"}}))
    v = run_probe(
        "application_inference_profiles_tagged",
        denied(snap, "ce.cost_allocation_tags", "ce:ListCostAllocationTags"),
        {},
    )
    assert v.value is None and v.missing == ("ce:ListCostAllocationTags",)


def test_untagged_profiles_are_not_met_whatever_the_active_tags(scope) -> None:
    snap = snapshot(
        scope,
        bedrock__inference_profiles=profiles({**PROFILE, "tags": {"aws:cloudformation:stack-name": "s"}}),
    )
    v = run_probe(
        "application_inference_profiles_tagged",
        denied(snap, "ce.cost_allocation_tags", "ce:ListCostAllocationTags"),
        {},
    )
    assert v.value is False
