"""Custom CloudWatch metrics that a gate policy names (e.g. a task-success-rate metric the app publishes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_audit.collectors.cloudwatch import window_values
from llmops_audit.evidence.shapes import GateMetrics

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def gate_metrics(ctx: CollectContext) -> GateMetrics:
    """Each custom metric in the policy over the audit window: {"metrics": [{namespace, name, stat, value}]}."""
    specs = [
        {
            "namespace": s["namespace"],
            "metric": s["name"],
            "dimensions": s.get("dimensions") or {},
            "stat": s.get("stat", "Average"),
        }
        for s in ctx.options.get("gate_custom_metrics") or []
    ]
    values = window_values(ctx, specs) if specs else []
    return {
        "metrics": [
            {"namespace": s["namespace"], "name": s["metric"], "stat": s["stat"], "value": v}
            for s, v in zip(specs, values, strict=True)
        ]
    }


SECTIONS = {"cloudwatch.gate_metrics": gate_metrics}
