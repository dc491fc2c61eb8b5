"""Custom CloudWatch metrics that a gate policy names (e.g. a task-success-rate metric the app publishes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from llmops_audit.collectors.cloudwatch import window_reads
from llmops_audit.evidence.shapes import GateMetrics

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def gate_metrics(ctx: CollectContext) -> GateMetrics:
    """Each custom metric in the policy over the audit window.

    {"metrics": [{namespace, name, stat, value, "error"?: str, "partial"?: True}]}: a metric whose query
    could not be read (a wrong name, statistic or dimension in the policy) has "error" and value None and
    costs the others nothing; when none could be read the section fails.
    """
    specs = [
        {
            "namespace": s["namespace"],
            "metric": s["name"],
            "dimensions": s.get("dimensions") or {},
            "stat": s.get("stat", "Average"),
        }
        for s in ctx.options.get("gate_custom_metrics") or []
    ]
    reads = window_reads(ctx, specs) if specs else []
    metrics: list[dict[str, Any]] = [
        {"namespace": s["namespace"], "name": s["metric"], "stat": s["stat"], **r}
        for s, r in zip(specs, reads, strict=True)
    ]
    return cast(GateMetrics, {"metrics": metrics})


SECTIONS = {"cloudwatch.gate_metrics": gate_metrics}
