"""CloudWatch evidence: metric catalog, batched statistics, alarms, dashboards, Contributor Insights rules.

cloudwatch.metric_catalog: {"metrics": [{"namespace", "metric", "dimensions": {name: value}, "custom"?}],
    "truncated", "found", "listing": {"api", "recently_active", "covers_since", "covers_window"},
    "namespaces": {ns: {"listed", "complete"}}, "custom_scan": {"series_listed", "complete"}}
    from list_metrics per namespace of interest (dimension order kept as returned), plus custom
    (non-AWS/) metrics whose names matter to the model (confidence, feedback, PromptCacheHitRatio).
    ListMetrics sees only series with data in the past two weeks: `listing` says what it covers.
cloudwatch.metric_stats: see llmops_audit/evidence/series.py. One value per (series, statistic) over the
    whole audit period, from get_metric_data batched at 500 queries per call; a query that could not be
    read has "error", a PartialData one "partial".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.collectors.caps import limit, note

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
BATCH = 500  # GetMetricData's limit of queries per call
# ListMetrics "doesn't return information about metrics if those metrics haven't reported data in the past
# two weeks" (ListMetrics API reference); SEARCH expressions have the same two-week horizon. Older series
# can only be read by naming them exactly in GetMetricData.
LISTED_DAYS = 14
RECENT = timedelta(hours=2)  # windows this recent list with RecentlyActive=PT3H (an hour of margin)
NAMESPACE_PAGES = 40  # 20,000 series per namespace; past that, one listing per wanted metric name
CUSTOM_PAGES = 40  # the unfiltered listing for custom metrics: 20,000 series
MAX_INFERRED = 20000  # queries for series named from listed siblings (windows older than the listing)
DATA_PAGES = 50  # GetMetricData pages (NextToken) per request
MAX_SPLIT_REQUESTS = 100  # extra requests spent isolating the queries of a failed request


def _listing(ctx: CollectContext) -> dict[str, Any]:
    """What the ListMetrics catalogue can see of the audit window."""
    now = datetime.now(UTC)
    recent = ctx.scope.start >= now - RECENT
    since = now - (timedelta(hours=3) if recent else timedelta(days=LISTED_DAYS))
    return {
        "api": "ListMetrics",
        "recently_active": "PT3H" if recent else None,
        "covers_since": since.isoformat(),
        "covers_window": ctx.scope.start >= since,
    }


def _list(ctx: CollectContext, max_pages: int, **params: Any) -> tuple[list[dict[str, Any]], bool]:
    """Metrics of one ListMetrics listing and whether it was read to its end."""
    rows: list[dict[str, Any]] = []
    pages, token = 0, None
    for page in ctx.aws.paginate("cloudwatch", "list_metrics", max_pages=max_pages, **params):
        pages += 1
        token = page.get("NextToken")
        rows.extend(page.get("Metrics") or [])
    return rows, not (pages >= max_pages and token)


def _entry(m: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "namespace": m["Namespace"],
        "metric": m["MetricName"],
        **extra,
        "dimensions": {d["Name"]: d["Value"] for d in m.get("Dimensions") or []},
    }


def metric_catalog(ctx: CollectContext) -> dict[str, Any]:
    listing = _listing(ctx)
    recent = {"RecentlyActive": "PT3H"} if listing["recently_active"] else {}
    metrics: list[dict[str, Any]] = []
    namespaces: dict[str, dict[str, Any]] = {}
    for ns in NAMESPACES:
        rows, complete = _list(ctx, NAMESPACE_PAGES, Namespace=ns, **recent)
        if not complete:  # a namespace too large to list whole: list only the metric names wanted
            rows, complete = [], True
            for wns, name in WANTED:
                if wns == ns:
                    got, done = _list(ctx, NAMESPACE_PAGES, Namespace=ns, MetricName=name, **recent)
                    rows += got
                    complete = complete and done
        namespaces[ns] = {"listed": len(rows), "complete": complete}
        metrics += [_entry({**m, "Namespace": ns}) for m in rows if (ns, m["MetricName"]) in WANTED]
    # Custom metrics: one unfiltered listing (ListMetrics cannot filter by a name pattern), keeping only
    # non-AWS namespaces with telling names; how much of the account it read is in custom_scan.
    rows, complete = _list(ctx, CUSTOM_PAGES, **recent)
    metrics += [
        _entry(m, custom=True)
        for m in rows
        if not m["Namespace"].startswith("AWS/")
        and m["Namespace"] != "LambdaInsights"
        and CUSTOM_NAME.search(m["MetricName"])
    ]
    unique: dict[tuple, dict[str, Any]] = {}
    for m in metrics:  # a series can be listed more than once (emulators do); query each once
        unique.setdefault((m["namespace"], m["metric"], tuple(m["dimensions"].items())), m)
    metrics = list(unique.values())
    most = limit(ctx, "metric_series")
    return {
        "metrics": metrics[:most],
        "truncated": len(metrics) > most,
        "caps": [note("metric_series", most, len(metrics), most)] if len(metrics) > most else [],
        "found": len(metrics),
        "listing": listing,
        "namespaces": namespaces,
        "custom_scan": {"series_listed": len(rows), "complete": complete},
    }


def _period(ctx: CollectContext) -> int:
    """The whole audit window as one period (a multiple of an hour), so each query yields one value."""
    window = (ctx.scope.end - ctx.scope.start).total_seconds()
    return max(3600, int(-(-window // 3600)) * 3600)


class _Reads:
    """The state of one window_reads: requests left for isolating failures, messages, the last failure."""

    def __init__(self) -> None:
        self.split_budget = MAX_SPLIT_REQUESTS
        self.requests = 0
        self.messages: list[dict[str, str]] = []
        self.failure: AwsCallError | None = None


def window_reads(
    ctx: CollectContext, specs: list[dict[str, Any]], state: _Reads | None = None
) -> list[dict[str, Any]]:
    """One read per spec ({namespace, metric, dimensions, stat}) over the whole audit window.

    Each read is {"value": float | None} plus "error" (why the query could not be read; value None) or
    "partial": True (CloudWatch said PartialData, or pages were left unread) with its "messages".
    Queries go in batches of BATCH per GetMetricData call (the API's limit), one period spanning the
    window, following NextToken. A request that fails as a whole (one invalid query fails them all) is
    split and the halves retried, so a bad query loses only its own read; a denied or throttled request is
    not split (every part would fail alike) and fails the section. When every query failed, the section
    fails with that error rather than reporting reads that all say "not read".
    """
    state = state or _Reads()
    period = _period(ctx)
    out: list[dict[str, Any]] = []
    for start in range(0, len(specs), BATCH):
        out.extend(_read(ctx, specs[start : start + BATCH], period, state))
    if out and state.failure is not None and all("error" in r for r in out):
        raise state.failure
    return out


def window_values(ctx: CollectContext, specs: list[dict[str, Any]]) -> list[float | None]:
    """The values of window_reads (None where there was no data or the query could not be read)."""
    return [r["value"] for r in window_reads(ctx, specs)]


def _read(
    ctx: CollectContext, batch: list[dict[str, Any]], period: int, state: _Reads
) -> list[dict[str, Any]]:
    try:
        state.requests += 1
        return _fetch(ctx, batch, period, state)
    except AwsCallError as exc:
        if exc.kind != "error":
            raise
        state.failure = exc
        if len(batch) == 1 or state.split_budget < 2:
            detail = " ".join(re.sub(r"<[^>]+>", " ", str(exc)).split())[:160]
            reason = f"GetMetricData failed ({exc.code}{': ' + detail if detail else ''})"
            return [{"value": None, "error": reason} for _ in batch]
        state.split_budget -= 2
        mid = len(batch) // 2
        return _read(ctx, batch[:mid], period, state) + _read(ctx, batch[mid:], period, state)


def _fetch(
    ctx: CollectContext, batch: list[dict[str, Any]], period: int, state: _Reads
) -> list[dict[str, Any]]:
    queries = [
        {
            "Id": f"q{i}",
            "ReturnData": True,
            "MetricStat": {
                "Metric": {
                    "Namespace": s["namespace"],
                    "MetricName": s["metric"],
                    "Dimensions": [{"Name": k, "Value": v} for k, v in (s.get("dimensions") or {}).items()],
                },
                "Period": period,
                "Stat": s["stat"],
            },
        }
        for i, s in enumerate(batch)
    ]
    got: dict[str, dict[str, Any]] = {}
    pages, token = 0, None
    messages: list[dict[str, str]] = []
    for page in ctx.aws.paginate(
        "cloudwatch",
        "get_metric_data",
        MetricDataQueries=queries,
        StartTime=ctx.scope.start,
        EndTime=ctx.scope.end,
        max_pages=DATA_PAGES,
    ):
        pages += 1
        token = page.get("NextToken")
        messages += [_message(m) for m in page.get("Messages") or []]
        for r in page.get("MetricDataResults") or []:
            acc = got.setdefault(str(r.get("Id")), {"values": [], "status": None, "messages": []})
            acc["values"] += [v for v in r.get("Values") or [] if v is not None]
            acc["status"] = r.get("StatusCode") or acc["status"]
            acc["messages"] += [_message(m) for m in r.get("Messages") or []]
    state.messages += messages
    unread_pages = bool(pages >= DATA_PAGES and token)
    return [_result(s["stat"], got.get(f"q{i}"), unread_pages) for i, s in enumerate(batch)]


def _message(m: dict[str, Any]) -> dict[str, str]:
    return {"code": str(m.get("Code", "")), "value": str(m.get("Value", ""))}


def _result(stat: str, acc: dict[str, Any] | None, unread_pages: bool) -> dict[str, Any]:
    if acc is None:
        return {"value": None, "error": "GetMetricData returned no result for this query"}
    status, msgs = acc["status"], acc["messages"]
    if status in ("InternalError", "Forbidden"):
        detail = "; ".join(f"{m['code']}: {m['value']}" for m in msgs)
        return {"value": None, "error": f"StatusCode {status}" + (f" ({detail})" if detail else "")}
    out: dict[str, Any] = {"value": _combine(stat, acc["values"])}
    if status == "PartialData" or (unread_pages and status != "Complete"):
        out["partial"] = True
    if msgs:
        out["messages"] = msgs
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


def _inferred(catalog: dict[str, Any], listed: set[tuple]) -> list[dict[str, Any]]:
    """Series named from listed siblings, for a window older than ListMetrics can see.

    A wanted metric that reported only before the listing horizon is missing from the catalogue even when
    a sibling (same namespace and dimensions, e.g. Invocations of the same ModelId) is listed; it is
    queried by name, marked "inferred". Series whose dimensions no listed metric carries stay unseen.
    """
    dimsets: dict[str, dict[tuple, dict[str, str]]] = {}
    for m in catalog["metrics"]:
        if not m.get("custom"):
            dimsets.setdefault(m["namespace"], {})[tuple(m["dimensions"].items())] = m["dimensions"]
    out = []
    for (ns, name), _stats in WANTED.items():
        for key, dims in dimsets.get(ns, {}).items():
            if (ns, name, key) not in listed:
                out.append({"namespace": ns, "metric": name, "dimensions": dict(dims), "inferred": True})
    return out


# Sections whose CloudWatch metric queries are read together (one GetMetricData batch of up to 500 queries
# holds queries of all of them): section -> the function giving its query specs (registered by each module).
POOLED: dict[str, Callable[[CollectContext], list[dict[str, Any]]]] = {
    "cloudwatch.metric_stats": lambda ctx: _trim_inferred(_stats_specs(ctx)),
}


def pooled_reads(
    ctx: CollectContext, owner: str, specs: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], _Reads]:
    """window_reads of `specs` for section `owner`, made together with the queries of every other metric
    section of this collection (POOLED, those in ctx.wanted not yet collected): the first of them to be
    collected reads all, in batches of BATCH; identical queries are asked once. The split-and-retry of a
    failed request works over the pooled batch as over one section's. A section whose own queries all
    failed fails with that error, as window_reads does."""
    with ctx.scratch_lock:  # the first metric section reads for all; the others, on other threads, wait
        return _pooled_reads(ctx, owner, specs)


def _pooled_reads(
    ctx: CollectContext, owner: str, specs: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], _Reads]:
    pool = ctx.scratch.get("metric_reads")
    if pool is None or owner not in pool["groups"]:
        groups = {owner: specs}
        for name, build in POOLED.items():
            if name == owner or name not in ctx.wanted or name in ctx.data or name in ctx.errors:
                continue
            try:
                groups[name] = build(ctx)
            except Exception:  # noqa: BLE001 - that section fails on its own when it is collected
                continue
        index: dict[tuple, int] = {}
        unique: list[dict[str, Any]] = []
        slots: dict[str, list[int]] = {}
        for name, group in groups.items():
            for s in group:
                k = (
                    s["namespace"],
                    s["metric"],
                    tuple(sorted((s.get("dimensions") or {}).items())),
                    s["stat"],
                )
                if k not in index:
                    index[k] = len(unique)
                    unique.append(s)
                slots.setdefault(name, []).append(index[k])
        state = _Reads()
        try:
            reads = _read_all(ctx, unique, state)
        except AwsCallError as exc:  # denied or throttled: every section of the pool fails alike
            reads, state.failure = [], exc
            for name in groups:
                slots[name] = []
        pool = {"groups": set(groups), "reads": reads, "slots": slots, "state": state, "queries": len(unique)}
        ctx.scratch["metric_reads"] = pool
        ctx.scratch["metric_queries"] = ctx.scratch.get("metric_queries", 0) + len(unique)
    state = pool["state"]
    if not pool["reads"] and state.failure is not None and specs:
        raise state.failure
    out = [dict(pool["reads"][i]) for i in pool["slots"].get(owner, [])]
    if out and state.failure is not None and all("error" in r for r in out):
        raise state.failure
    return out, state


def _read_all(ctx: CollectContext, specs: list[dict[str, Any]], state: _Reads) -> list[dict[str, Any]]:
    period = _period(ctx)
    out: list[dict[str, Any]] = []
    for start in range(0, len(specs), BATCH):
        out.extend(_read(ctx, specs[start : start + BATCH], period, state))
    return out


def _stats_specs(ctx: CollectContext) -> list[dict[str, Any]]:
    """The queries of cloudwatch.metric_stats: each wanted statistic of each catalogued (or inferred) series."""
    catalog = ctx.section("cloudwatch.metric_catalog")
    series = list(catalog["metrics"])
    inferred: list[dict[str, Any]] = []
    if not (catalog.get("listing") or {}).get("covers_window", True):
        listed = {(m["namespace"], m["metric"], tuple(m["dimensions"].items())) for m in series}
        inferred = _inferred(catalog, listed)
    specs: list[dict[str, Any]] = []
    for m in series + inferred:
        stats = CUSTOM_STATS if m.get("custom") else WANTED.get((m["namespace"], m["metric"]), ())
        for stat in stats:
            spec = {
                "namespace": m["namespace"],
                "metric": m["metric"],
                "dimensions": m["dimensions"],
                "stat": stat,
                "value": None,
            }
            if m.get("inferred"):
                spec["inferred"] = True
            specs.append(spec)
    return specs


def _trim_inferred(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_INFERRED queries of inferred series (the rest are dropped; metric_stats says how many)."""
    kept, out = 0, []
    for s in specs:
        if s.get("inferred"):
            kept += 1
            if kept > MAX_INFERRED:
                continue
        out.append(s)
    return out


def metric_stats(ctx: CollectContext) -> dict[str, Any]:
    specs = _stats_specs(ctx)
    inferred_specs = sum(1 for s in specs if s.get("inferred"))
    specs = _trim_inferred(specs)
    reads, state = pooled_reads(ctx, "cloudwatch.metric_stats", specs)
    for s, read in zip(specs, reads, strict=True):
        s.update(read)
    return {
        "period_seconds": _period(ctx),
        "series": specs,
        "queries": len(specs),
        # GetMetricData requests of this collection's pooled read (its batches also hold the gate metrics')
        "requests": state.requests,
        "failed": sum(1 for s in specs if "error" in s),
        "partial": sum(1 for s in specs if s.get("partial")),
        "messages": state.messages,
        "inferred": {"queried": min(inferred_specs, MAX_INFERRED), "found": inferred_specs},
    }


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
                    # the log field summed per contributor (absent: the rule counts log events)
                    "value_of": (d.get("Contribution") or {}).get("ValueOf"),
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
