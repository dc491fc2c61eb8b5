"""Cost collectors against moto (Budgets), canned responses and botocore's Stubber (Cost Explorer)."""

from __future__ import annotations

from botocore.stub import ANY, Stubber

from llmops_audit.collectors import CollectContext, SectionFailed
from llmops_audit.collectors.cost import MAX_TAG_GROUPS
from tests.conftest import ACCOUNT, seed_client


def _budget(name: str, notify: bool = True, **extra) -> None:
    kwargs = {}
    if notify:
        kwargs["NotificationsWithSubscribers"] = [
            {
                "Notification": {
                    "NotificationType": "ACTUAL",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80,
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}],
            }
        ]
    seed_client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": name,
            "BudgetLimit": {"Amount": "250", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            **extra,
        },
        **kwargs,
    )


def test_budgets_with_filters_and_notifications(moto_aws, scope) -> None:
    _budget("llm-monthly", CostFilters={"Service": ["Amazon Bedrock"]})
    _budget("everything", notify=False)
    data = CollectContext(moto_aws, scope).section("budgets.budgets")
    by_name = {b["name"]: b for b in data["budgets"]}
    assert set(by_name) == {"llm-monthly", "everything"}
    assert by_name["llm-monthly"]["limit"] == "250" and by_name["llm-monthly"]["time_unit"] == "MONTHLY"
    assert by_name["llm-monthly"]["cost_filters"] == {"Service": ["Amazon Bedrock"]}
    assert by_name["everything"]["cost_filters"] == {} and by_name["everything"]["filter_expression"] is None
    assert "bedrock_scoped" not in by_name["llm-monthly"]  # probes/cost.py judges the filters
    assert by_name["llm-monthly"]["notifications"] == 1 and by_name["everything"]["notifications"] == 0
    assert data["organization_role"] == "standalone"  # moto: AWSOrganizationsNotInUseException
    assert data["errors"] == []


def test_budgets_are_read_with_their_filter_expression(moto_aws, scope, canned) -> None:
    """Without ShowFilterExpression, DescribeBudgets leaves FilterExpression out of its answer."""
    expression = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}}

    def answer(params: dict) -> dict:
        assert params.get("ShowFilterExpression") is True, params
        return {
            "Budgets": [
                {
                    "BudgetName": "llm",
                    "BudgetType": "COST",
                    "TimeUnit": "MONTHLY",
                    "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                    "FilterExpression": expression,
                }
            ]
        }

    canned.add("budgets", "DescribeBudgets", answer)
    canned.add("budgets", "DescribeNotificationsForBudget", {"Notifications": []})
    data = CollectContext(moto_aws, scope).section("budgets.budgets")
    assert data["budgets"][0]["filter_expression"] == expression


def test_budgets_know_a_management_account(moto_aws, scope) -> None:
    seed_client("organizations").create_organization(FeatureSet="ALL")  # moto: the caller is the management
    data = CollectContext(moto_aws, scope).section("budgets.budgets")
    assert data["organization_role"] == "management"


def test_budgets_know_a_member_account(moto_aws, scope, canned) -> None:
    canned.add(
        "organizations",
        "DescribeOrganization",
        {
            "Organization": {
                "Id": "o-abcdefghij",
                "MasterAccountId": "999999999999",
                "FeatureSet": "ALL",
            }
        },
    )
    data = CollectContext(moto_aws, scope).section("budgets.budgets")
    assert data["budgets"] == [] and data["organization_role"] == "member"


def test_budgets_organization_denied_is_unknown_not_fatal(moto_aws, scope, canned) -> None:
    _budget("llm-monthly")
    canned.deny("organizations", "DescribeOrganization")
    data = CollectContext(moto_aws, scope).section("budgets.budgets")
    assert data["organization_role"] is None and len(data["budgets"]) == 1
    assert any("organizations:DescribeOrganization" in e for e in data["errors"])


def test_budgets_notification_failure_is_recorded_not_fatal(moto_aws, scope, canned) -> None:
    _budget("llm-monthly")
    canned.deny("budgets", "DescribeNotificationsForBudget")
    data = CollectContext(moto_aws, scope).section("budgets.budgets")
    assert data["budgets"][0]["notifications"] is None
    assert "budgets:" in data["errors"][0] and "llm-monthly" in data["errors"][0]


def test_budgets_denied_fails_the_section_with_the_action(moto_aws, scope, canned) -> None:
    canned.deny(
        "budgets",
        "DescribeBudgets",
        "User: arn:aws:iam::123456789012:user/audit is not authorized to "
        "perform: budgets:ViewBudget on resource: budget/*",
    )
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("budgets.budgets")
    except SectionFailed as exc:
        assert exc.error.kind == "denied" and exc.error.action == "budgets:ViewBudget"
    else:
        raise AssertionError("the section should have failed")


def test_anomaly_monitors_and_active_tags_from_canned(moto_aws, scope, canned) -> None:
    canned.add(
        "ce",
        "GetAnomalyMonitors",
        {
            "AnomalyMonitors": [
                {
                    "MonitorArn": "arn:aws:ce::123456789012:anomalymonitor/m1",
                    "MonitorName": "services",
                    "MonitorType": "DIMENSIONAL",
                    "MonitorDimension": "SERVICE",
                }
            ]
        },
    )
    canned.add(
        "ce",
        "ListCostAllocationTags",
        lambda p: {
            "CostAllocationTags": [
                {"TagKey": "team", "Type": "UserDefined", "Status": p["Status"]},
                {"TagKey": "aws:createdBy", "Type": "AWSGenerated", "Status": p["Status"]},
            ]
        },
    )
    canned.add("ce", "GetAnomalySubscriptions", {"AnomalySubscriptions": []})
    ctx = CollectContext(moto_aws, scope)
    assert ctx.section("ce.anomaly_monitors")["monitors"] == [
        {
            "name": "services",
            "arn": "arn:aws:ce::123456789012:anomalymonitor/m1",
            "type": "DIMENSIONAL",
            "dimension": "SERVICE",
            "specification": None,
            "subscribers": 0,
            "subscriptions": [],
        }
    ]
    tags = ctx.section("ce.cost_allocation_tags")
    assert tags["tags"] == ["team", "aws:createdBy"]
    assert tags["types"] == {"team": "UserDefined", "aws:createdBy": "AWSGenerated"}


M1 = "arn:aws:ce::123456789012:anomalymonitor/m1"
M2 = "arn:aws:ce::123456789012:anomalymonitor/m2"


def _two_monitors(canned) -> None:
    canned.add(
        "ce",
        "GetAnomalyMonitors",
        {
            "AnomalyMonitors": [
                {
                    "MonitorArn": M1,
                    "MonitorName": "Default-Services-Monitor",
                    "MonitorType": "DIMENSIONAL",
                    "MonitorDimension": "SERVICE",
                },
                {
                    "MonitorArn": M2,
                    "MonitorName": "chat-app",
                    "MonitorType": "CUSTOM",
                    "MonitorSpecification": {"Tags": {"Key": "app", "Values": ["chat"]}},
                },
            ]
        },
    )


def test_anomaly_monitors_carry_their_subscribers(moto_aws, scope, canned) -> None:
    _two_monitors(canned)
    canned.add(
        "ce",
        "GetAnomalySubscriptions",
        {
            "AnomalySubscriptions": [
                {
                    "SubscriptionName": "daily-summary",
                    "MonitorArnList": [M1, M2],
                    "Subscribers": [
                        {"Address": "finops@example.com", "Type": "EMAIL", "Status": "CONFIRMED"},
                        {"Address": "gone@example.com", "Type": "EMAIL", "Status": "DECLINED"},
                    ],
                    "Frequency": "DAILY",
                },
                {
                    "SubscriptionName": "nobody",
                    "MonitorArnList": [M2],
                    "Subscribers": [{"Address": "x@example.com", "Type": "EMAIL", "Status": "DECLINED"}],
                    "Frequency": "WEEKLY",
                },
            ]
        },
    )
    data = CollectContext(moto_aws, scope).section("ce.anomaly_monitors")
    by_name = {m["name"]: m for m in data["monitors"]}
    assert by_name["Default-Services-Monitor"]["subscribers"] == 1
    assert by_name["Default-Services-Monitor"]["subscriptions"] == ["daily-summary"]
    assert by_name["chat-app"]["subscriptions"] == ["daily-summary", "nobody"]
    assert by_name["chat-app"]["specification"] == {"Tags": {"Key": "app", "Values": ["chat"]}}
    assert data["errors"] == []


def test_anomaly_subscriptions_denied_leave_subscribers_unknown(moto_aws, scope, canned) -> None:
    _two_monitors(canned)
    canned.deny("ce", "GetAnomalySubscriptions")
    data = CollectContext(moto_aws, scope).section("ce.anomaly_monitors")
    assert [m["subscribers"] for m in data["monitors"]] == [None, None]
    assert any("ce:GetAnomalySubscriptions" in e for e in data["errors"])


def test_unsupported_anomaly_monitors_fail_the_section(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("ce.anomaly_monitors")
    except SectionFailed as exc:
        assert exc.error.kind == "unsupported" and exc.error.action == "ce:GetAnomalyMonitors"
    else:
        raise AssertionError("moto lacks GetAnomalyMonitors: the section should fail as unsupported")


def _money(amount: str) -> dict:
    return {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}


def test_cost_by_tag_with_stubber(moto_aws, scope) -> None:
    ce = moto_aws._client("ce")
    stub = Stubber(ce)
    stub.add_response(
        "get_dimension_values",
        {
            "DimensionValues": [
                {"Value": "Amazon Bedrock"},
                {"Value": "Claude 3.5 Sonnet (Amazon Bedrock Edition)"},
            ],
            "ReturnSize": 2,
            "TotalSize": 2,
        },
        {"TimePeriod": ANY, "Dimension": "SERVICE", "SearchString": "Bedrock", "Context": "COST_AND_USAGE"},
    )
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-30"},
                    "Total": _money("12.50"),
                    "Estimated": True,
                },
                {
                    "TimePeriod": {"Start": "2026-12-01", "End": "2026-12-02"},
                    "Total": _money("0.50"),
                    "Estimated": True,
                },
            ]
        },
        {
            "Granularity": "MONTHLY",
            "Metrics": ["UnblendedCost"],
            "TimePeriod": ANY,
            "Filter": {
                "Dimensions": {
                    "Key": "SERVICE",
                    "Values": ["Amazon Bedrock", "Claude 3.5 Sonnet (Amazon Bedrock Edition)"],
                }
            },
        },
    )
    stub.add_response(
        "list_cost_allocation_tags",
        {
            "CostAllocationTags": [
                {"TagKey": "project", "Type": "UserDefined", "Status": "Active"},
                {"TagKey": "team", "Type": "UserDefined", "Status": "Active"},
                {"TagKey": "Name", "Type": "UserDefined", "Status": "Active"},
            ]
        },
        {"Status": "Active"},
    )
    for key, groups in (  # every active tag, in the order AWS listed them
        ("project", [("project$chat", "13.00")]),
        ("team", [("team$support", "10.00"), ("team$", "3.00")]),
        ("Name", [("Name$bot", "13.00")]),
    ):
        stub.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-30"},
                        "Estimated": True,
                        "Groups": [{"Keys": [k], "Metrics": _money(v)} for k, v in groups],
                    }
                ]
            },
            {
                "Granularity": "MONTHLY",
                "Metrics": ["UnblendedCost"],
                "TimePeriod": ANY,
                "Filter": ANY,
                "GroupBy": [{"Type": "TAG", "Key": key}],
            },
        )
    with stub:
        data = CollectContext(moto_aws, scope).section("ce.cost_by_tag")
    stub.assert_no_pending_responses()
    assert data["total"] == 13.0 and data["currency"] == "USD"
    assert data["services_discovered"] is True and len(data["services"]) == 2
    # All active tags with their spend; which of them attribute spend is the metric's choice (metrics/cost.py).
    assert data["tag_keys"] == ["project", "team", "Name"] and data["tags_not_grouped"] == []
    assert data["by_tag"] == {
        "team": {"support": 10.0, "": 3.0},
        "project": {"chat": 13.0},
        "Name": {"bot": 13.0},
    }
    assert data["end"] > data["start"]


def test_cost_by_tag_in_plain_moto_falls_back_and_has_no_total(moto_aws, scope) -> None:
    data = CollectContext(moto_aws, scope).section("ce.cost_by_tag")
    # moto lacks GetDimensionValues and ListCostAllocationTags, and returns no cost rows unless seeded.
    assert data["services"] == ["Amazon Bedrock"] and data["services_discovered"] is False
    assert data["total"] is None and data["by_tag"] == {}
    assert any("ce:GetDimensionValues" in e for e in data["errors"])
    assert any("ce:ListCostAllocationTags" in e for e in data["errors"])


def test_cost_by_tag_denied_get_cost_and_usage_fails(moto_aws, scope, canned) -> None:
    canned.deny("ce", "GetCostAndUsage")
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("ce.cost_by_tag")
    except SectionFailed as exc:
        assert exc.error.action == "ce:GetCostAndUsage" and exc.error.kind == "denied"
    else:
        raise AssertionError("the section should have failed")


def test_cost_by_tag_groups_every_active_tag_up_to_the_bound(moto_aws, scope, canned) -> None:
    keys = [f"tag{i:02d}" for i in range(MAX_TAG_GROUPS + 2)]
    canned.add(
        "ce",
        "ListCostAllocationTags",
        {"CostAllocationTags": [{"TagKey": k, "Type": "UserDefined", "Status": "Active"} for k in keys]},
    )
    data = CollectContext(moto_aws, scope).section("ce.cost_by_tag")
    # No ranking in the collector: the first keys AWS listed are grouped, the rest are named as not grouped.
    assert data["tag_keys"] == keys[:MAX_TAG_GROUPS] and data["tags_not_grouped"] == keys[MAX_TAG_GROUPS:]
    assert set(data["by_tag"]) == set(keys[:MAX_TAG_GROUPS])
