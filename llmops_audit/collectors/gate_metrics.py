"""Custom CloudWatch metrics that a gate policy names (e.g. a task-success-rate metric the app publishes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from llmops_audit.collectors.cloudwatch import POOLED, pooled_reads
from llmops_audit.evidence.shapes import GateMetrics

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def _gate_specs(ctx: CollectContext) -> list[dict[str, Any]]:
    return [
        {
            "namespace": s["namespace"],
            "metric": s["name"],
            "dimensions": s.get("dimensions") or {},
            "stat": s.get("stat", "Average"),
        }
        for s in ctx.options.get("gate_custom_metrics") or []
    ]


def gate_metrics(ctx: CollectContext) -> GateMetrics:
    """Each custom metric in the policy over the audit window.

    {"metrics": [{namespace, name, stat, value, "error"?: str, "partial"?: True}]}: a metric whose query
    could not be read (a wrong name, statistic or dimension in the policy) has "error" and value None and
    costs the others nothing; when none could be read the section fails.
    """
    specs = _gate_specs(ctx)
    # read in the same GetMetricData batches as cloudwatch.metric_stats' queries (collectors/cloudwatch.py)
    reads = pooled_reads(ctx, "cloudwatch.gate_metrics", specs)[0] if specs else []
    metrics: list[dict[str, Any]] = [
        {"namespace": s["namespace"], "name": s["metric"], "stat": s["stat"], **r}
        for s, r in zip(specs, reads, strict=True)
    ]
    return cast(GateMetrics, {"metrics": metrics})


POOLED["cloudwatch.gate_metrics"] = _gate_specs
SECTIONS = {"cloudwatch.gate_metrics": gate_metrics}
