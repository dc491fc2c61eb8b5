"""Cost evidence: AWS Budgets, Cost Explorer anomaly monitors, active cost-allocation tags, Bedrock spend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def budgets(ctx: CollectContext) -> dict[str, Any]:
    found = [b for page in ctx.aws.paginate("budgets", "describe_budgets", AccountId=ctx.scope.account, max_pages=5)
             for b in page.get("Budgets", [])]
    return {"budgets": [{"name": b["BudgetName"], "type": b.get("BudgetType"),
                         "limit": (b.get("BudgetLimit") or {}).get("Amount")} for b in found]}


def anomaly_monitors(ctx: CollectContext) -> dict[str, Any]:
    found = [m for page in ctx.aws.paginate("ce", "get_anomaly_monitors", token_in="NextPageToken",
                                            token_out="NextPageToken", max_pages=3)
             for m in page.get("AnomalyMonitors", [])]
    return {"monitors": [{"name": m.get("MonitorName"), "type": m.get("MonitorType")} for m in found]}


def cost_allocation_tags(ctx: CollectContext) -> dict[str, Any]:
    found = [t for page in ctx.aws.paginate("ce", "list_cost_allocation_tags", Status="Active", max_pages=3)
             for t in page.get("CostAllocationTags", [])]
    return {"tags": [t["TagKey"] for t in found]}


def cost_by_tag(ctx: CollectContext) -> dict[str, Any]:
    """Bedrock spend in the period from Cost Explorer (SERVICE contains Bedrock), when it answers."""
    resp = ctx.aws.call("ce", "get_cost_and_usage", Granularity="MONTHLY", Metrics=["UnblendedCost"],
                        TimePeriod={"Start": ctx.scope.start.date().isoformat(),
                                    "End": max(ctx.scope.end.date(), ctx.scope.start.date()).isoformat()},
                        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}})
    amounts = [float(r.get("Total", {}).get("UnblendedCost", {}).get("Amount", 0))
               for r in resp.get("ResultsByTime", []) if r.get("Total")]
    return {"total": sum(amounts) if amounts else None}


SECTIONS = {
    "budgets.budgets": budgets,
    "ce.anomaly_monitors": anomaly_monitors,
    "ce.cost_allocation_tags": cost_allocation_tags,
    "ce.cost_by_tag": cost_by_tag,
}
