"""CloudWatch evidence: metric catalog, batched statistics, alarms, dashboards, Contributor Insights rules.

cloudwatch.metric_catalog: {"metrics": [{"namespace", "metric", "dimensions": {name: value}}]}
    from list_metrics per namespace of interest (dimension order kept as returned), plus custom
    (non-AWS/) metrics whose names matter to the model (confidence, feedback, PromptCacheHitRatio).
cloudwatch.metric_stats: see llmops_audit/metric_series.py. One value per (series, statistic) over the
    whole audit period, from get_metric_data batched at 500 queries per call.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

SUM = ("Sum",)
LATENCY = ("Average", "p50", "p90", "p95", "p99")

# (namespace, metric) -> statistics to fetch for every series of it found in the catalog.
WANTED: dict[tuple[str, str], tuple[str, ...]] = {
    **{
        ("AWS/Bedrock", m): SUM
        for m in (
            "Invocations",
            "InvocationClientErrors",
            "InvocationServerErrors",
            "InvocationThrottles",
            "InputTokenCount",
            "OutputTokenCount",
            "CacheReadInputTokenCount",
            "CacheWriteInputTokenCount",
            "CacheReadInputTokens",
            "CacheWriteInputTokens",
            "ModelInvocationLogsCloudWatchDeliverySuccess",
            "ModelInvocationLogsCloudWatchDeliveryFailure",
            "ModelInvocationLogsS3DeliverySuccess",
            "ModelInvocationLogsS3DeliveryFailure",
        )
    },
    ("AWS/Bedrock", "InvocationLatency"): LATENCY,
    ("AWS/Bedrock", "TimeToFirstToken"): ("Average", "p50", "p90"),
    **{
        ("AWS/BedrockMantle", m): SUM
        for m in (
            "Inferences",
            "InferenceClientErrors",
            "InferenceServerErrors",
            "TotalInputTokens",
            "TotalOutputTokens",
        )
    },
    **{
        ("AWS/Bedrock/Guardrails", m): SUM
        for m in ("Invocations", "InvocationsIntervened", "TotalFindings", "FindingCounts")
    },
    **{
        ("AWS/Bedrock/Agents", m): SUM
        for m in (
            "InvocationCount",
            "InvocationClientErrors",
            "InvocationServerErrors",
            "ModelInvocationCount",
        )
    },
    ("AWS/Bedrock/Agents", "TTFT"): ("Average",),
    **{("AWS/ApiGateway", m): SUM for m in ("Count", "4XXError", "5XXError", "4xx", "5xx")},
    ("AWS/ApiGateway", "Latency"): LATENCY,
    **{("AWS/Lambda", m): SUM for m in ("Invocations", "Errors", "Throttles")},
    ("AWS/Lambda", "Duration"): ("Average", "p50", "p90", "p99", "Maximum"),
    **{("AWS/States", m): SUM for m in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed")},
    ("LambdaInsights", "used_memory_max"): ("Maximum",),
    ("LambdaInsights", "memory_utilization"): ("Maximum",),
}
NAMESPACES = sorted({ns for ns, _ in WANTED})
CUSTOM_NAME = re.compile(r"confidence|feedback|thumbs|PromptCacheHitRatio", re.I)
CUSTOM_STATS = ("Average", "Sum", "SampleCount")
MAX_SERIES = 5000  # bound on the work for a very large account
BATCH = 500  # GetMetricData's limit of queries per call


def metric_catalog(ctx: CollectContext) -> dict[str, Any]:
    metrics: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        for page in ctx.aws.paginate("cloudwatch", "list_metrics", Namespace=ns, max_pages=20):
            for m in page.get("Metrics", []):
                if (ns, m["MetricName"]) in WANTED:
                    metrics.append(
                        {
                            "namespace": ns,
                            "metric": m["MetricName"],
                            "dimensions": {d["Name"]: d["Value"] for d in m.get("Dimensions", [])},
                        }
                    )
    # Custom metrics: one unfiltered listing, bounded, keeping only non-AWS namespaces with telling names.
    for page in ctx.aws.paginate("cloudwatch", "list_metrics", max_pages=4):
        for m in page.get("Metrics", []):
            if (
                not m["Namespace"].startswith("AWS/")
                and m["Namespace"] != "LambdaInsights"
                and CUSTOM_NAME.search(m["MetricName"])
            ):
                metrics.append(
                    {
                        "namespace": m["Namespace"],
                        "metric": m["MetricName"],
                        "custom": True,
                        "dimensions": {d["Name"]: d["Value"] for d in m.get("Dimensions", [])},
                    }
                )
    unique: dict[tuple, dict[str, Any]] = {}
    for m in metrics:  # a series can be listed more than once (emulators do); query each once
        unique.setdefault((m["namespace"], m["metric"], tuple(m["dimensions"].items())), m)
    metrics = list(unique.values())
    return {"metrics": metrics[:MAX_SERIES], "truncated": len(metrics) > MAX_SERIES}


def _period(ctx: CollectContext) -> int:
    """The whole audit window as one period (a multiple of an hour), so each query yields one value."""
    window = (ctx.scope.end - ctx.scope.start).total_seconds()
    return max(3600, int(-(-window // 3600)) * 3600)


def window_values(ctx: CollectContext, specs: list[dict[str, Any]]) -> list[float | None]:
    """One value per spec ({namespace, metric, dimensions, stat}) over the whole audit window.

    Queries go in batches of BATCH per GetMetricData call (the API's limit), with one period spanning
    the window; a spec with no datapoints gets None.
    """
    period = _period(ctx)
    out: list[float | None] = []
    for start in range(0, len(specs), BATCH):
        batch = specs[start : start + BATCH]
        queries = [
            {
                "Id": f"q{i}",
                "ReturnData": True,
                "MetricStat": {
                    "Metric": {
                        "Namespace": s["namespace"],
                        "MetricName": s["metric"],
                        "Dimensions": [
                            {"Name": k, "Value": v} for k, v in (s.get("dimensions") or {}).items()
                        ],
                    },
                    "Period": period,
                    "Stat": s["stat"],
                },
            }
            for i, s in enumerate(batch)
        ]
        values: dict[str, list[float]] = {}
        for page in ctx.aws.paginate(
            "cloudwatch",
            "get_metric_data",
            MetricDataQueries=queries,
            StartTime=ctx.scope.start,
            EndTime=ctx.scope.end,
            max_pages=50,
        ):
            for r in page.get("MetricDataResults", []):
                values.setdefault(r["Id"], []).extend(v for v in r.get("Values", []) if v is not None)
        out.extend(_combine(s["stat"], values.get(f"q{i}", [])) for i, s in enumerate(batch))
    return out


def _combine(stat: str, vals: list[float]) -> float | None:
    """One period covers the window; if CloudWatch split it anyway, combine the parts sensibly."""
    if not vals:
        return None
    if stat in ("Sum", "SampleCount"):
        return sum(vals)
    if stat == "Maximum":
        return max(vals)
    if stat == "Minimum":
        return min(vals)
    return sum(vals) / len(vals)


def metric_stats(ctx: CollectContext) -> dict[str, Any]:
    catalog = ctx.section("cloudwatch.metric_catalog")
    specs: list[dict[str, Any]] = []
    for m in catalog["metrics"]:
        stats = CUSTOM_STATS if m.get("custom") else WANTED.get((m["namespace"], m["metric"]), ())
        for stat in stats:
            specs.append(
                {
                    "namespace": m["namespace"],
                    "metric": m["metric"],
                    "dimensions": m["dimensions"],
                    "stat": stat,
                    "value": None,
                }
            )
    for s, value in zip(specs, window_values(ctx, specs), strict=True):
        s["value"] = value
    return {"period_seconds": _period(ctx), "series": specs, "queries": len(specs)}


def _dims(dimensions: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(d.get("Name")): str(d.get("Value")) for d in dimensions or [] if d.get("Name")}


def _metric_refs(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = []
    if alarm.get("MetricName"):
        refs.append(
            {
                "namespace": alarm.get("Namespace", ""),
                "metric": alarm["MetricName"],
                "dimensions": _dims(alarm.get("Dimensions")),
            }
        )
    for q in alarm.get("Metrics", []) or []:
        stat = (q.get("MetricStat") or {}).get("Metric") or {}
        if stat.get("MetricName"):
            refs.append(
                {
                    "namespace": stat.get("Namespace", ""),
                    "metric": stat["MetricName"],
                    "dimensions": _dims(stat.get("Dimensions")),
                }
            )
        if q.get("Expression"):
            refs.append({"namespace": "", "metric": "", "expression": q["Expression"]})
    return refs


MAX_TOPICS = 20  # SNS topics in alarm actions whose subscriptions are read


def _topic_subscribers(ctx: CollectContext, alarms: list[dict[str, Any]]) -> dict[str, list[str] | None]:
    """topic ARN -> the Lambda functions and SQS queues subscribed to it (None: not read). E-mail, SMS and
    HTTPS endpoints are not kept (they are addresses, and notifications, not automation)."""
    out: dict[str, list[str] | None] = {}
    for topic in sorted(
        {a for al in alarms for a in al["actions"] if a.startswith("arn:aws") and ":sns:" in a}
    ):
        if len(out) >= MAX_TOPICS:
            out[topic] = None
            continue
        try:
            subs = ctx.aws.items(
                "sns", "list_subscriptions_by_topic", "Subscriptions", TopicArn=topic, max_pages=2
            )
        except AwsCallError:
            out[topic] = None
            continue
        out[topic] = sorted({s["Endpoint"] for s in subs if s.get("Protocol") in ("lambda", "sqs")})
    return out


def alarms(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for page in ctx.aws.paginate(
        "cloudwatch", "describe_alarms", AlarmTypes=["MetricAlarm", "CompositeAlarm"], max_pages=20
    ):
        for a in page.get("MetricAlarms", []):
            out.append(
                {
                    "name": a["AlarmName"],
                    "state": a.get("StateValue"),
                    "metrics": _metric_refs(a),
                    "actions": list(a.get("AlarmActions", [])),
                    "type": "metric",
                }
            )
        for a in page.get("CompositeAlarms", []):
            out.append(
                {
                    "name": a["AlarmName"],
                    "state": a.get("StateValue"),
                    "metrics": [],
                    "rule": a.get("AlarmRule", ""),
                    "actions": list(a.get("AlarmActions", [])),
                    "type": "composite",
                }
            )
    return {"alarms": out, "topics": _topic_subscribers(ctx, out)}


def _dashboard_metrics(body: dict[str, Any]) -> list[dict[str, str]]:
    """(namespace, metric) pairs from widgets' `metrics` arrays (["NS", "Metric", dim, ...] or [".", ...])."""
    refs: list[dict[str, str]] = []
    for w in body.get("widgets", []) or []:
        last_ns, last_metric = "", ""
        for row in (w.get("properties") or {}).get("metrics", []) or []:
            if not isinstance(row, list) or not row:
                continue
            if isinstance(row[0], dict):  # an expression row
                continue
            ns = last_ns if row[0] in (".", "..") else row[0]
            metric = (
                last_metric if len(row) > 1 and row[1] in (".", "..") else (row[1] if len(row) > 1 else "")
            )
            last_ns, last_metric = ns, metric
            refs.append({"namespace": str(ns), "metric": str(metric)})
    return refs


def dashboards(ctx: CollectContext) -> dict[str, Any]:
    out = []
    names = [
        d["DashboardName"]
        for d in ctx.aws.items("cloudwatch", "list_dashboards", "DashboardEntries", max_pages=10)
    ]
    for name in names[:50]:
        raw = ctx.aws.call("cloudwatch", "get_dashboard", DashboardName=name).get("DashboardBody", "{}")
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        out.append(
            {"name": name, "metrics": _dashboard_metrics(body), "mentions_bedrock": "AWS/Bedrock" in raw}
        )
    return {"dashboards": out, "total": len(names)}


def insight_rules(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for page in ctx.aws.paginate("cloudwatch", "describe_insight_rules", max_pages=10):
        for r in page.get("InsightRules", []):
            try:
                d = json.loads(r.get("Definition") or "{}")
            except ValueError:
                d = {}
            out.append(
                {
                    "name": r["Name"],
                    "state": r.get("State"),
                    "log_groups": d.get("LogGroupNames", []),
                    "keys": (d.get("Contribution") or {}).get("Keys", []),
                }
            )
    return {"rules": out}


SECTIONS = {
    "cloudwatch.metric_catalog": metric_catalog,
    "cloudwatch.metric_stats": metric_stats,
    "cloudwatch.alarms": alarms,
    "cloudwatch.dashboards": dashboards,
    "cloudwatch.insight_rules": insight_rules,
}
