"""Probes over Budgets and Cost Explorer (sections documented in collectors/cost.py)."""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.shapes import Budget
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, met, names, not_met, plural, probe


def bedrock_scoped(b: Budget) -> bool:
    """A budget is scoped to Bedrock when a cost filter or its filter expression names Bedrock."""
    return any("bedrock" in str(f or "").lower() for f in (b.get("cost_filters"), b.get("filter_expression")))


def _budget_label(b: dict[str, Any]) -> str:
    label = str(b.get("name"))
    if b.get("limit"):
        period = f" {b['time_unit'].lower()}" if b.get("time_unit") else ""
        label += f" ({b['limit']} {b.get('unit') or 'USD'}{period})"
    return label


@probe("budgets_present", "budgets.budgets")
def budgets_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AWS Budget exists."""
    data = ev.get("budgets.budgets")
    found = data["budgets"]
    if not found:
        return not_met("No AWS Budget exists in the account (budgets:DescribeBudgets returned none).")
    details = []
    scoped = [b["name"] for b in found if bedrock_scoped(b)]
    if scoped:
        details.append(f"Scoped to Bedrock by a cost filter: {names(scoped)}.")
    silent = [b["name"] for b in found if b.get("notifications") == 0]
    if silent:
        details.append(f"No notification configured on: {names(silent)}.")
    alerting = [b for b in found if b.get("notifications")]
    note = f", {plural(len(alerting), 'budget')} with notifications" if alerting else ""
    return met(
        f"{plural(len(found), 'AWS Budget')} exist{'s' if len(found) == 1 else ''}: "
        f"{names([_budget_label(b) for b in found])}{note}.",
        *details,
    )


@probe("cost_anomaly_monitors_present", "ce.anomaly_monitors")
def cost_anomaly_monitors_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Cost Explorer anomaly monitor watches spend."""
    monitors = ev.get("ce.anomaly_monitors")
    found = monitors["monitors"]
    if found:
        labels = [f"{m.get('name')} ({m.get('dimension') or m.get('type') or 'custom'})" for m in found]
        return met(f"Cost anomaly monitor {names(labels)} watches spend.")
    return not_met("No Cost Explorer anomaly monitor exists (ce:GetAnomalyMonitors returned none).")


@probe("cost_allocation_tags_active", "ce.cost_allocation_tags")
def cost_allocation_tags_active(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Cost-allocation tags are active, so spend can be attributed."""
    data = ev.get("ce.cost_allocation_tags")
    tags = data["tags"]
    user_defined = [t for t in tags if (data.get("types") or {}).get(t, "UserDefined") == "UserDefined"]
    if user_defined:
        return met(
            f"{plural(len(user_defined), 'user-defined cost-allocation tag')} "
            f"{'is' if len(user_defined) == 1 else 'are'} active: {names(user_defined)}."
        )
    if tags:
        return not_met(
            f"Only AWS-generated cost-allocation tags are active ({names(tags)}); "
            f"no user-defined tag attributes spend to an application or team."
        )
    return not_met(
        "No cost-allocation tag is active (ce:ListCostAllocationTags with Status Active returned none)."
    )
