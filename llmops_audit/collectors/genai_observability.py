"""GenAI observability evidence AWS already stores: Transaction Search, OpenTelemetry GenAI spans, AgentCore metrics.

xray.transaction_search: GetTraceSegmentDestination (CloudWatchLogs + ACTIVE is Transaction Search on) and
    GetIndexingRules (the share of spans indexed as X-Ray trace summaries).
logs.genai_spans: a bounded sample of spans that follow the OpenTelemetry GenAI semantic conventions, read with
    FilterLogEvents (never Logs Insights) from `aws/spans` (where Transaction Search delivers spans) and the
    AgentCore runtime log groups `/aws/bedrock-agentcore/runtimes/<runtime id>-<endpoint>`. At most MAX_EVENTS
    events in all, at most MAX_EVENTS_PER_GROUP events and MAX_PAGES_PER_GROUP pages per group, from at most
    MAX_GROUPS runtime groups; the section says how many events and pages were read and whether more were left.
logs.agentcore_evaluation_results: the same bounded sample of AgentCore online-evaluation result events
    (`/aws/bedrock-agentcore/evaluations/results/<config id>`, OpenTelemetry `gen_ai.evaluation.result`).
cloudwatch.agentcore_metrics: every series ListMetrics finds in the AgentCore namespaces (runtime, gateway,
    memory, identity, built-in tools, and the default evaluation-score namespace), read with GetMetricData over
    one period spanning the audit window, at most BATCH queries per request.

Each event is parsed and only an explicit allowlist of attributes is picked (`span_facts`, `evaluation_facts`):
ids, operation name, model id, tool name, status code, duration, token counts, service name, evaluator name and
score. Prompts, completions, input/output messages, system instructions, span events, tool arguments and
results, evaluation explanations and labels are never copied, and a picked value must look like an identifier
(no spaces), so free text cannot pass through a name field either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

SPANS_GROUP = "aws/spans"
RUNTIME_PREFIX = "/aws/bedrock-agentcore/runtimes/"
EVALUATION_PREFIX = "/aws/bedrock-agentcore/evaluations/results/"
MAX_EVENTS = 2000  # events read in all, per section
MAX_EVENTS_PER_GROUP = 1000
MAX_PAGES_PER_GROUP = 4
PAGE_EVENTS = 500  # FilterLogEvents `limit` per page
MAX_GROUPS = 5  # runtime (or evaluation-result) groups sampled, newest first
# A quoted term: FilterLogEvents returns only events holding this exact text, so the sample is made of GenAI
# spans rather than of whatever HTTP or database spans the application also sends.
SPAN_FILTER = '"gen_ai.operation.name"'
EVALUATION_FILTER = '"gen_ai.evaluation.name"'

# AgentCore's metric namespaces: the developer guide names `Bedrock-AgentCore` (memory, gateway, runtime) and
# online evaluation publishes scores to `Bedrock-AgentCore/Evaluations` unless its config names another one;
# `AWS/Bedrock-AgentCore` is listed as well, as some integrations read it (an empty namespace costs one call).
AGENTCORE_NAMESPACES = ("Bedrock-AgentCore", "AWS/Bedrock-AgentCore")
EVALUATION_NAMESPACE = "Bedrock-AgentCore/Evaluations"
TIMING = re.compile(r"Latency|Duration|Time$|ExecutionTime", re.I)
MAX_SERIES = 2000
BATCH = 500  # GetMetricData's limit of queries per request

# -- the allowlist parser (pure) ---------------------------------------------------------------------------

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_XRAY_ID = re.compile(r"^1-([0-9a-f]{8})-([0-9a-f]{24})$")
# A name field must look like an identifier: model ids, tool names, service names, evaluator ids. No spaces,
# so a sentence (a prompt, an answer, an explanation) is never kept even if it sits in one of these fields.
_IDENT = re.compile(r"^[A-Za-z0-9][\w.:/@+#-]{0,199}$")
_OPERATION = re.compile(r"^[a-z][a-z0-9_.]{0,39}$")
_STATUS = {
    "OK": "OK",
    "STATUS_CODE_OK": "OK",
    "1": "OK",
    "ERROR": "ERROR",
    "STATUS_CODE_ERROR": "ERROR",
    "2": "ERROR",
    "UNSET": "UNSET",
    "STATUS_CODE_UNSET": "UNSET",
    "0": "UNSET",
}


def _trace_id(value: Any) -> str | None:
    """32 hex digits; an X-Ray id (1-5759e988-bd862e3fe1be46a994272793) is rewritten to that W3C form."""
    text = str(value or "").lower()
    xray = _XRAY_ID.match(text)
    if xray:
        text = xray.group(1) + xray.group(2)
    return text if _HEX32.match(text) else None


def _span_id(value: Any) -> str | None:
    text = str(value or "").lower()
    return text if _HEX16.match(text) else None


def _scalar(value: Any) -> Any:
    """An attribute value: a plain scalar, or an OTLP AnyValue ({"stringValue": ...}, {"intValue": "3"}, ...)."""
    if isinstance(value, dict):
        for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if key in value:
                return value[key]
        return None
    return value


def _pick(attributes: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """Only `keys` of an attribute map (a dict, or the OTLP list of {"key", "value"}): nothing else is read."""
    wanted = set(keys)
    if isinstance(attributes, dict):
        return {k: _scalar(attributes[k]) for k in keys if k in attributes}
    out: dict[str, Any] = {}
    if isinstance(attributes, list):
        for kv in attributes:
            if isinstance(kv, dict) and kv.get("key") in wanted:
                out[kv["key"]] = _scalar(kv.get("value"))
    return out


def _ident(value: Any) -> str | None:
    return value if isinstance(value, str) and _IDENT.match(value) else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 <= n < 10**9 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    return n if n == n and abs(n) < 1e12 else None  # not NaN, not absurd


def _nanos(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_SPAN_KEYS = (
    "gen_ai.operation.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.tool.name",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.completion_tokens",
    "aws.local.service",
    "error.type",
)
_EVAL_KEYS = (
    "gen_ai.evaluation.name",
    "gen_ai.evaluation.score.value",
    "gen_ai.evaluation.score.label",
)


def _record(message: str) -> dict[str, Any] | None:
    try:
        rec = json.loads(message)
    except (TypeError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def span_facts(message: str) -> dict[str, Any] | None:
    """The allowlisted facts of one span event (a JSON span as aws/spans stores it), or None if it is not a GenAI
    span. Nothing outside the allowlist is read; a name that is not an identifier is dropped."""
    rec = _record(message)
    if rec is None:
        return None
    trace, span = _trace_id(rec.get("traceId")), _span_id(rec.get("spanId"))
    start = _nanos(rec.get("startTimeUnixNano"))
    if not trace or not span or start is None or not rec.get("name"):
        return None  # not a span (a log record, an event, an evaluation result...)
    attrs = _pick(rec.get("attributes"), _SPAN_KEYS)
    operation = attrs.get("gen_ai.operation.name")
    operation = operation if isinstance(operation, str) and _OPERATION.match(operation) else None
    if operation is None:
        return None
    resource: dict[str, Any] = rec["resource"] if isinstance(rec.get("resource"), dict) else {}
    service = _ident(_pick(resource.get("attributes"), ("service.name",)).get("service.name")) or _ident(
        attrs.get("aws.local.service")
    )
    end = _nanos(rec.get("endTimeUnixNano"))
    duration = _nanos(rec.get("durationNano"))
    if duration is None and end is not None:
        duration = end - start
    status_raw: dict[str, Any] = rec["status"] if isinstance(rec.get("status"), dict) else {}
    status = _STATUS.get(str(status_raw.get("code", "UNSET")).upper(), "UNSET")
    if status != "ERROR" and attrs.get("error.type") not in (None, ""):
        status = "ERROR"  # the conventions' error.type marks a failed operation even when status is unset
    inputs = attrs.get("gen_ai.usage.input_tokens", attrs.get("gen_ai.usage.prompt_tokens"))
    outputs = attrs.get("gen_ai.usage.output_tokens", attrs.get("gen_ai.usage.completion_tokens"))
    return {
        "trace_id": trace,
        "span_id": span,
        "parent_id": _span_id(rec.get("parentSpanId")),
        "operation": operation,
        "model": _ident(attrs.get("gen_ai.request.model")) or _ident(attrs.get("gen_ai.response.model")),
        "tool": _ident(attrs.get("gen_ai.tool.name")),
        "status": status,
        "duration_ms": round(duration / 1e6, 3) if duration is not None and duration >= 0 else None,
        "input_tokens": _count(inputs),
        "output_tokens": _count(outputs),
        "service": service,
    }


def evaluation_facts(message: str) -> dict[str, Any] | None:
    """The evaluator name and score of one `gen_ai.evaluation.result` event, or None if it is not one. The
    explanation and the label text are never read (only whether a label was given)."""
    rec = _record(message)
    if rec is None:
        return None
    attrs = _pick(rec.get("attributes"), _EVAL_KEYS)
    evaluator = _ident(attrs.get("gen_ai.evaluation.name"))
    if evaluator is None:
        return None
    return {
        "trace_id": _trace_id(rec.get("traceId")),
        "span_id": _span_id(rec.get("spanId")),
        "evaluator": evaluator,
        "score": _number(attrs.get("gen_ai.evaluation.score.value")),
        "labelled": attrs.get("gen_ai.evaluation.score.label") not in (None, ""),
    }


# -- reading -----------------------------------------------------------------------------------------------


def _ms(dt: Any) -> int:
    return int(dt.timestamp() * 1000)


def transaction_search(ctx: CollectContext) -> dict[str, Any]:
    dest = ctx.aws.call("xray", "get_trace_segment_destination")
    out: dict[str, Any] = {
        "destination": dest.get("Destination"),
        "status": dest.get("Status"),
        "indexing_rules": None,
        "errors": [],
    }
    try:
        rules = ctx.aws.items("xray", "get_indexing_rules", "IndexingRules", max_pages=5)
    except AwsCallError as exc:
        out["errors"].append(exc.describe())
        return out
    out["indexing_rules"] = [
        {
            "name": r.get("Name"),
            "desired_percent": ((r.get("Rule") or {}).get("Probabilistic") or {}).get(
                "DesiredSamplingPercentage"
            ),
            "actual_percent": ((r.get("Rule") or {}).get("Probabilistic") or {}).get(
                "ActualSamplingPercentage"
            ),
        }
        for r in rules
    ]
    return out


def _groups(ctx: CollectContext, prefix: str, limit: int) -> list[str]:
    """Log groups under `prefix`, the most recently created first, at most `limit` of them."""
    found: list[tuple[int, str]] = []
    for page in ctx.aws.paginate("logs", "describe_log_groups", logGroupNamePrefix=prefix, max_pages=5):
        for g in page.get("logGroups", []):
            if g["logGroupName"].startswith(prefix):
                found.append((int(g.get("creationTime") or 0), g["logGroupName"]))
    return [name for _, name in sorted(found, key=lambda x: (-x[0], x[1]))][:limit]


def _sample(
    ctx: CollectContext,
    name: str,
    kind: str,
    budget: int,
    pattern: str,
    parse: Callable[[str], str | None],
) -> dict[str, Any]:
    """Read at most `budget` events (and MAX_PAGES_PER_GROUP pages) of one group; `parse` reduces each message
    to facts and says what it was ("span", "evaluation" or None). Messages are never kept."""
    group: dict[str, Any] = {"name": name, "kind": kind, "events_read": 0, "pages_read": 0, "capped": False}
    counts: dict[str | None, int] = {"span": 0, "evaluation": 0, None: 0}
    params: dict[str, Any] = {
        "logGroupName": name,
        "startTime": _ms(ctx.scope.start),
        "endTime": _ms(ctx.scope.end),
        "limit": min(PAGE_EVENTS, max(1, budget)),
    }
    if pattern:
        params["filterPattern"] = pattern
    pages = ctx.aws.paginate("logs", "filter_log_events", max_pages=MAX_PAGES_PER_GROUP, **params)
    for page in pages:
        group["pages_read"] += 1
        events = page.get("events", [])
        room = budget - group["events_read"]
        if len(events) > room:
            events, group["capped"] = events[:room], True
        for e in events:
            counts[parse(e.get("message", ""))] += 1
        group["events_read"] += len(events)
        more = bool(page.get("nextToken"))
        if group["capped"] or group["events_read"] >= budget:
            group["capped"] = group["capped"] or more
            break
        if group["pages_read"] >= MAX_PAGES_PER_GROUP:
            group["capped"] = more
            break
    group.update(spans=counts["span"], evaluations=counts["evaluation"], other=counts[None])
    return group


def _read_groups(
    ctx: CollectContext, targets: list[tuple[str, str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Sample each target group in turn within the budgets. A group that cannot be read is named in the errors
    and the others still count; when none of them can be read, that failure fails the section."""
    groups: list[dict[str, Any]] = []
    spans: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    errors: list[str] = []
    failures: list[AwsCallError] = []
    used = 0
    for name, kind, pattern in targets:
        budget = min(MAX_EVENTS_PER_GROUP, MAX_EVENTS - used)
        if budget <= 0:
            groups.append(
                {
                    "name": name,
                    "kind": kind,
                    "events_read": 0,
                    "pages_read": 0,
                    "capped": True,
                    "spans": 0,
                    "evaluations": 0,
                    "other": 0,
                }
            )
            continue
        index = len(groups)

        def parse(message: str, index: int = index) -> str | None:
            span = span_facts(message)
            if span is not None:
                spans.append({**span, "group": index})
                return "span"
            result = evaluation_facts(message)
            if result is not None:
                evaluations.append({**result, "group": index})
                return "evaluation"
            return None

        try:
            group = _sample(ctx, name, kind, budget, pattern, parse)
        except AwsCallError as exc:
            errors.append(f"{name}: {exc.describe()}")
            failures.append(exc)
            continue
        groups.append(group)
        used += group["events_read"]
    if failures and len(failures) == len(targets):  # nothing could be read: unknown, not empty
        raise failures[0]
    return groups, spans, evaluations, errors


def _limits() -> dict[str, int]:
    return {
        "max_events": MAX_EVENTS,
        "max_events_per_group": MAX_EVENTS_PER_GROUP,
        "max_pages_per_group": MAX_PAGES_PER_GROUP,
        "max_groups": MAX_GROUPS,
    }


def genai_spans(ctx: CollectContext) -> dict[str, Any]:
    spans_group = SPANS_GROUP in _groups(ctx, SPANS_GROUP, 50)
    targets = ([(SPANS_GROUP, "spans", SPAN_FILTER)] if spans_group else []) + [
        (g, "runtime", SPAN_FILTER) for g in _groups(ctx, RUNTIME_PREFIX, MAX_GROUPS)
    ]
    groups, spans, evaluations, errors = _read_groups(ctx, targets)
    return {
        "spans_group": spans_group,
        "groups": groups,
        "spans": spans,
        "evaluations": evaluations,
        "events_read": sum(g["events_read"] for g in groups),
        "pages_read": sum(g["pages_read"] for g in groups),
        "capped": any(g["capped"] for g in groups),
        "limits": _limits(),
        "filter": SPAN_FILTER,
        "errors": errors,
    }


def agentcore_evaluation_results(ctx: CollectContext) -> dict[str, Any]:
    # Results go to the dedicated groups by default; a config with resultDestination SOURCE_LOG_GROUP writes
    # them back beside the agent's telemetry, so the runtime groups are searched for them too.
    targets = [(g, "evaluations", "") for g in _groups(ctx, EVALUATION_PREFIX, MAX_GROUPS)] + [
        (g, "runtime", EVALUATION_FILTER) for g in _groups(ctx, RUNTIME_PREFIX, MAX_GROUPS)
    ]
    groups, _, evaluations, errors = _read_groups(ctx, targets)
    return {
        "groups": groups,
        "evaluations": evaluations,
        "events_read": sum(g["events_read"] for g in groups),
        "pages_read": sum(g["pages_read"] for g in groups),
        "capped": any(g["capped"] for g in groups),
        "limits": _limits(),
        "errors": errors,
    }


def _stats_for(namespace: str, metric: str) -> tuple[str, ...]:
    if namespace == EVALUATION_NAMESPACE:
        return ("Average", "SampleCount")  # a score: its mean, and how many results it averages
    if TIMING.search(metric):
        return ("Average", "SampleCount")
    return ("Sum",)


def _period(ctx: CollectContext) -> int:
    window = (ctx.scope.end - ctx.scope.start).total_seconds()
    return max(3600, int(-(-window // 3600)) * 3600)


def agentcore_metrics(ctx: CollectContext) -> dict[str, Any]:
    namespaces = [*AGENTCORE_NAMESPACES, EVALUATION_NAMESPACE]
    listed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for ns in namespaces:
        for page in ctx.aws.paginate("cloudwatch", "list_metrics", Namespace=ns, max_pages=20):
            for m in page.get("Metrics", []):
                dims = {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}
                listed.setdefault(
                    (ns, m["MetricName"], tuple(sorted(dims.items()))),
                    {"namespace": ns, "metric": m["MetricName"], "dimensions": dims},
                )
    metrics = list(listed.values())
    truncated = len(metrics) > MAX_SERIES
    specs = [
        {**m, "stat": stat, "value": None}
        for m in metrics[:MAX_SERIES]
        for stat in _stats_for(m["namespace"], m["metric"])
    ]
    period = _period(ctx)
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
                        "Dimensions": [{"Name": k, "Value": v} for k, v in s["dimensions"].items()],
                    },
                    "Period": period,
                    "Stat": s["stat"],
                },
            }
            for i, s in enumerate(batch)
        ]
        values: dict[str, list[float]] = {}
        status: dict[str, str] = {}
        for page in ctx.aws.paginate(
            "cloudwatch",
            "get_metric_data",
            MetricDataQueries=queries,
            StartTime=ctx.scope.start,
            EndTime=ctx.scope.end,
            max_pages=20,
        ):
            for r in page.get("MetricDataResults", []):
                values.setdefault(r["Id"], []).extend(v for v in r.get("Values", []) if v is not None)
                if r.get("StatusCode") and r["StatusCode"] != "Complete":
                    status[r["Id"]] = r["StatusCode"]
        for i, s in enumerate(batch):
            vals = values.get(f"q{i}", [])
            if vals:
                s["value"] = sum(vals) if s["stat"] in ("Sum", "SampleCount") else sum(vals) / len(vals)
            code = status.get(f"q{i}")
            if code == "PartialData":
                s["partial"] = True
            elif code:
                s["error"] = code
    return {
        "namespaces": namespaces,
        "period_seconds": period,
        "series": specs,
        "queries": len(specs),
        "truncated": truncated,
    }


SECTIONS = {
    "xray.transaction_search": transaction_search,
    "logs.genai_spans": genai_spans,
    "logs.agentcore_evaluation_results": agentcore_evaluation_results,
    "cloudwatch.agentcore_metrics": agentcore_metrics,
}
