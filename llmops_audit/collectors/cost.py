"""Cost evidence: AWS Budgets, Cost Explorer anomaly monitors, active cost-allocation tags, Bedrock spend.

Budgets and Cost Explorer are global services (their endpoints live in us-east-1); the client's Region
does not change what they return. No cost data is ever invented: a section that could not be read fails,
and a sub-call that failed leaves its field None (unknown) with an entry in "errors".

budgets.budgets
    {"budgets": [{"name", "type": "COST"|"USAGE"|..., "time_unit", "limit": str|None (amount),
                  "unit": str|None, "cost_filters": {dimension: [values]},
                  "filter_expression": the budget's FilterExpression as AWS returned it | None
                                       (DescribeBudgets with ShowFilterExpression),
                  "notifications": int|None (None: describe_notifications_for_budget failed)}],
     "organization_role": "standalone"|"management"|"member"|None (from DescribeOrganization: budgets of
                          an organization usually live in its management account, and a member account
                          does not see them; None: DescribeOrganization failed, see "errors"),
     "errors": [str]}
    Whether a budget is scoped to Bedrock is decided by the probe (probes/cost.py).

ce.anomaly_monitors
    {"monitors": [{"name", "arn", "type": "DIMENSIONAL"|"CUSTOM", "dimension": str|None,
                   "specification": the MonitorSpecification expression as AWS returned it | None,
                   "subscribers": int|None (subscribers not DECLINED, over the alert subscriptions that
                                  list this monitor; None: GetAnomalySubscriptions failed),
                   "subscriptions": [names of those subscriptions]}],
     "errors": [str]}
    Monitors and subscriptions are visible only to the account that created them.

ce.cost_allocation_tags
    {"tags": [tag key...], "types": {tag key: "UserDefined"|"AWSGenerated"}}   (Status Active only)

ce.cost_by_tag
    {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD" (exclusive), "services": [SERVICE values filtered on],
     "services_discovered": bool, "total": float|None (None: Cost Explorer returned no result rows),
     "currency": str|None, "tag_keys": [active tag keys grouped by, in the order AWS listed them],
     "tags_not_grouped": [active tag keys past MAX_TAG_GROUPS, not queried],
     "by_tag": {tag key: {tag value ("" when untagged): amount}}, "errors": [str]}
    Totals only (UnblendedCost); no per-resource or per-day detail is kept. Which tags attribute spend
    (per user, team, application) is decided by the metric (metrics/cost.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.evidence.shapes import (
    AnomalyMonitor,
    AnomalyMonitors,
    Budget,
    Budgets,
    CostAllocationTags,
    CostByTag,
)

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_BUDGET_DETAILS = 50
MAX_TAG_GROUPS = 20  # one get_cost_and_usage call per active tag key (Cost Explorer charges per request)


def _organization_role(ctx: CollectContext, errors: list[str]) -> str | None:
    """standalone, management or member (DescribeOrganization is callable from every account of one)."""
    try:
        org = ctx.aws.call("organizations", "describe_organization").get("Organization") or {}
    except AwsCallError as exc:
        if exc.code == "AWSOrganizationsNotInUseException":
            return "standalone"
        errors.append(f"{exc.describe()}; whether budgets live in a management account is unknown")
        return None
    management = org.get("MasterAccountId")
    if not management:
        errors.append("DescribeOrganization named no management account")
        return None
    return "management" if management == ctx.scope.account else "member"


def budgets(ctx: CollectContext) -> Budgets:
    found = ctx.aws.items(
        "budgets",
        "describe_budgets",
        "Budgets",
        AccountId=ctx.scope.account,
        ShowFilterExpression=True,  # else FilterExpression is left out of the answer
        max_pages=5,
    )
    out: list[Budget] = []
    errors: list[str] = []
    for i, b in enumerate(found):
        limit = b.get("BudgetLimit") or {}
        filters = {k: list(v) for k, v in (b.get("CostFilters") or {}).items()}
        notifications: int | None = None
        if i < MAX_BUDGET_DETAILS:
            try:
                notifications = len(
                    ctx.aws.items(
                        "budgets",
                        "describe_notifications_for_budget",
                        "Notifications",
                        AccountId=ctx.scope.account,
                        BudgetName=b["BudgetName"],
                        max_pages=3,
                    )
                )
            except AwsCallError as exc:
                errors.append(f"{exc.describe()} for budget {b['BudgetName']}")
        out.append(
            {
                "name": b["BudgetName"],
                "type": b.get("BudgetType"),
                "time_unit": b.get("TimeUnit"),
                "limit": limit.get("Amount"),
                "unit": limit.get("Unit"),
                "cost_filters": filters,
                "filter_expression": b.get("FilterExpression") or None,
                "notifications": notifications,
            }
        )
    return {"budgets": out, "organization_role": _organization_role(ctx, errors), "errors": errors}


def anomaly_monitors(ctx: CollectContext) -> AnomalyMonitors:
    found = ctx.aws.items(
        "ce",
        "get_anomaly_monitors",
        "AnomalyMonitors",
        token_in="NextPageToken",
        token_out="NextPageToken",
        max_pages=5,
    )
    errors: list[str] = []
    subscriptions: list[dict[str, Any]] | None = None
    if found:
        try:
            subscriptions = ctx.aws.items(
                "ce",
                "get_anomaly_subscriptions",
                "AnomalySubscriptions",
                token_in="NextPageToken",
                token_out="NextPageToken",
                max_pages=5,
            )
        except AwsCallError as exc:
            errors.append(f"{exc.describe()}; whether anyone is alerted is unknown")
    monitors: list[AnomalyMonitor] = []
    for m in found:
        arn = m.get("MonitorArn")
        entry: AnomalyMonitor = {
            "name": m.get("MonitorName"),
            "arn": arn,
            "type": m.get("MonitorType"),
            "dimension": m.get("MonitorDimension"),
            "specification": m.get("MonitorSpecification") or None,
            "subscribers": None,
            "subscriptions": [],
        }
        if subscriptions is not None:
            listing = [s for s in subscriptions if arn and arn in (s.get("MonitorArnList") or [])]
            entry["subscriptions"] = [str(s.get("SubscriptionName")) for s in listing]
            entry["subscribers"] = sum(
                1 for s in listing for sub in s.get("Subscribers") or [] if sub.get("Status") != "DECLINED"
            )
        monitors.append(entry)
    return {"monitors": monitors, "errors": errors}


def cost_allocation_tags(ctx: CollectContext) -> CostAllocationTags:
    found = ctx.aws.items(
        "ce", "list_cost_allocation_tags", "CostAllocationTags", Status="Active", max_pages=5
    )
    return {"tags": [t["TagKey"] for t in found], "types": {t["TagKey"]: t.get("Type") for t in found}}


def cost_by_tag(ctx: CollectContext) -> CostByTag:
    """Bedrock spend in the period from Cost Explorer (SERVICE values containing "Bedrock")."""
    from llmops_audit.collectors import SectionFailed  # runtime import: the package imports this module

    start = ctx.scope.start.date()
    end = max(ctx.scope.end.date() + timedelta(days=1), start + timedelta(days=1))  # End is exclusive
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    errors: list[str] = []

    services: list[str] = []
    try:
        resp = ctx.aws.call(
            "ce",
            "get_dimension_values",
            TimePeriod=period,
            Dimension="SERVICE",
            SearchString="Bedrock",
            Context="COST_AND_USAGE",
        )
        services = [v["Value"] for v in resp.get("DimensionValues", []) if v.get("Value")]
    except AwsCallError as exc:
        errors.append(f"{exc.describe()}; filtered on SERVICE 'Amazon Bedrock' only")
    discovered = bool(services)
    services = services or ["Amazon Bedrock"]
    flt = {"Dimensions": {"Key": "SERVICE", "Values": services}}

    query: dict[str, Any] = {
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "TimePeriod": period,
        "Filter": flt,
    }
    resp = ctx.aws.call("ce", "get_cost_and_usage", **query)
    amounts: list[float] = []
    currency: str | None = None
    for r in resp.get("ResultsByTime", []):
        cost = (r.get("Total") or {}).get("UnblendedCost")
        if cost and cost.get("Amount") is not None:
            amounts.append(float(cost["Amount"]))
            currency = currency or cost.get("Unit")

    try:
        active = ctx.section("ce.cost_allocation_tags")["tags"]
    except SectionFailed as dep:
        active = []
        errors.append(
            f"active cost-allocation tags unknown ({dep.error.describe()}); spend not grouped by tag"
        )
    keys, not_grouped = active[:MAX_TAG_GROUPS], active[MAX_TAG_GROUPS:]
    by_tag: dict[str, dict[str, float]] = {}
    for key in keys:
        try:
            tagged = ctx.aws.call("ce", "get_cost_and_usage", **query, GroupBy=[{"Type": "TAG", "Key": key}])
        except AwsCallError as exc:
            errors.append(f"{exc.describe()} grouping by tag {key}")
            continue
        groups: dict[str, float] = {}
        for r in tagged.get("ResultsByTime", []):
            for g in r.get("Groups", []):
                value = (g.get("Keys") or [""])[0].split("$", 1)[-1]
                amount = ((g.get("Metrics") or {}).get("UnblendedCost") or {}).get("Amount")
                if amount is not None:
                    groups[value] = groups.get(value, 0.0) + float(amount)
        by_tag[key] = groups
    return {
        "start": period["Start"],
        "end": period["End"],
        "services": services,
        "services_discovered": discovered,
        "total": sum(amounts) if amounts else None,
        "currency": currency,
        "tag_keys": keys,
        "tags_not_grouped": not_grouped,
        "by_tag": by_tag,
        "errors": errors,
    }


SECTIONS = {
    "budgets.budgets": budgets,
    "ce.anomaly_monitors": anomaly_monitors,
    "ce.cost_allocation_tags": cost_allocation_tags,
    "ce.cost_by_tag": cost_by_tag,
}
