"""Custom CloudWatch metrics that a gate policy names (e.g. a task-success-rate metric the app publishes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def gate_metrics(ctx: CollectContext) -> dict[str, Any]:
    """One get_metric_data call for every custom metric in the policy: {"metrics": [{namespace, name, value}]}."""
    specs = ctx.options.get("gate_custom_metrics") or []
    if not specs:
        return {"metrics": []}
    window = (ctx.scope.end - ctx.scope.start).total_seconds()
    period = max(3600, int(-(-window // 3600) * 3600))
    queries = [
        {
            "Id": f"g{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": s["namespace"],
                    "MetricName": s["name"],
                    "Dimensions": [{"Name": k, "Value": v} for k, v in (s.get("dimensions") or {}).items()],
                },
                "Period": period,
                "Stat": s.get("stat", "Average"),
            },
        }
        for i, s in enumerate(specs)
    ]
    values: dict[str, list[float]] = {}
    for page in ctx.aws.paginate(
        "cloudwatch",
        "get_metric_data",
        MetricDataQueries=queries,
        StartTime=ctx.scope.start,
        EndTime=ctx.scope.end,
    ):
        for r in page.get("MetricDataResults", []):
            values.setdefault(r["Id"], []).extend(r.get("Values", []))
    out = []
    for i, s in enumerate(specs):
        vals = values.get(f"g{i}", [])
        out.append(
            {
                "namespace": s["namespace"],
                "name": s["name"],
                "stat": s.get("stat", "Average"),
                "value": (sum(vals) / len(vals)) if vals else None,
            }
        )
    return {"metrics": out}


SECTIONS = {"cloudwatch.gate_metrics": gate_metrics}
