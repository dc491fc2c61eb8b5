"""Probes over Budgets and Cost Explorer."""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence import Evidence
from llmops_audit.probes.base import Verdict, met, names, not_met, probe


@probe("budgets_present", "budgets.budgets")
def budgets_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AWS Budget exists."""
    found = ev.get("budgets.budgets")["budgets"]
    if found:
        return met(f"Budget {names([b['name'] + (' ($' + str(b['limit']) + ')' if b['limit'] else '') for b in found])} exists.")
    return not_met("No AWS Budget exists.")


@probe("cost_anomaly_monitors_present", "ce.anomaly_monitors")
def cost_anomaly_monitors_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Cost Explorer anomaly monitor watches spend."""
    found = ev.get("ce.anomaly_monitors")["monitors"]
    if found:
        return met(f"Cost anomaly monitor {names([m['name'] for m in found])} watches spend.")
    return not_met("No Cost Explorer anomaly monitor exists.")


@probe("cost_allocation_tags_active", "ce.cost_allocation_tags")
def cost_allocation_tags_active(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Cost-allocation tags are active, so spend can be attributed."""
    tags = ev.get("ce.cost_allocation_tags")["tags"]
    if tags:
        return met(f"Cost-allocation tag {names(tags)} is active.")
    return not_met("No cost-allocation tag is active.")
