"""Metric rows of agentic operation: tool calls, retries, human-in-the-loop, audit events, trace spans."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from llmops_audit.evidence import series as ms
from llmops_audit.evidence.shapes import tool_lambda_arns
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.metrics import genai
from llmops_audit.metrics.base import calculator, no_value
from llmops_audit.model import MetricValue


def _function_name(arn: str) -> str:
    """The function name in a Lambda ARN, without an alias or version qualifier."""
    parts = (arn or "").split(":")
    return parts[6] if len(parts) > 6 and parts[5] == "function" else parts[-1]


@calculator(
    "tool_calling_success_rate", "agents.agents", "cloudwatch.metric_stats", genai.SPANS, genai.AGENTCORE
)
def tool_calling_success_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    got = _action_group_success(ev)
    if got.value is not None:
        return got
    # No action-group Lambda figure: execute_tool spans, else the AgentCore gateway's tools/call metrics.
    try:
        fallback, source = genai.tool_calls_from_genai(ev)
    except MissingEvidence as exc:
        return MetricValue(
            None,
            unit="%",
            reason=f"{got.reason} The GenAI span sample could not be read: {exc.error.describe()}.",
            missing=(exc.error.action,),
        )
    if fallback.value is None:
        return replace(fallback, reason=f"{got.reason} {fallback.reason}")
    absent = f"the agents' action-group Lambdas give no figure ({got.reason.rstrip('.')})"
    return genai.from_source(source, absent, fallback)


def _action_group_success(ev: Evidence) -> MetricValue:
    tools = {_function_name(arn) for arn in tool_lambda_arns(ev.get("agents.agents")["agents"])}
    if not tools:
        return no_value(
            "No agent action group runs a Lambda function, so there are no tool calls to measure.", unit="%"
        )
    stats = ev.get("cloudwatch.metric_stats")
    inv = {
        f: v
        for f, v in ms.by_dimension(stats, "AWS/Lambda", "Invocations", "Sum", "FunctionName").items()
        if f in tools and v > 0
    }
    err = ms.by_dimension(stats, "AWS/Lambda", "Errors", "Sum", "FunctionName")
    total = sum(inv.values())
    if not total:
        return no_value(
            f"The tool Lambda {', '.join(sorted(tools))} had no invocations in the period "
            "(AWS/Lambda Invocations).",
            unit="%",
        )
    no_errors_series = sorted(f for f in inv if f not in err)
    if len(no_errors_series) == len(inv):
        return no_value(
            f"AWS/Lambda Errors has no data for the tool Lambda {', '.join(no_errors_series)}, "
            "so failed calls cannot be counted.",
            unit="%",
        )
    failed = sum(err.get(f, 0) for f in inv)
    return MetricValue(
        100.0 * (1 - failed / total),
        unit="%",
        breakdown={f"{f} invocations": v for f, v in inv.items()} | {"errors": failed},
        derivation="1 - Errors / Invocations of the agents' action-group Lambdas (AWS/Lambda); "
        "ActionGroupInvocationSuccess is not a CloudWatch metric"
        + (f"; no Errors data for {', '.join(no_errors_series)}" if no_errors_series else ""),
    )


@calculator("retry_success_rate", "stepfunctions.executions")
def retry_success_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    data = ev.get("stepfunctions.executions")
    if not data["executions"]:
        return no_value("No Step Functions executions in the period.", unit="%")
    if not data["tasks_failed"]:
        return no_value(
            f"No task failed in {data['executions']} executions, so there was nothing to retry.", unit="%"
        )
    return MetricValue(
        100.0 * data["tasks_recovered"] / data["tasks_failed"],
        unit="%",
        breakdown={
            "executions read": data["executions"],
            "task failures": data["tasks_failed"],
            "recovered by a retry": data["tasks_recovered"],
        },
        derivation="Tasks that failed and later succeeded in the same state, from GetExecutionHistory",
    )


@calculator("hitl_frequency", "sagemaker.human_loops", "cloudwatch.metric_stats")
def hitl_frequency(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    loops = ev.get("sagemaker.human_loops")
    if loops.get("human_loops") is None:
        return no_value(
            "No Amazon A2I flow definition exists; agent user confirmations happen client-side and are "
            "not visible in AWS."
        )
    stats = ev.get("cloudwatch.metric_stats")
    # Per-ModelId series, else the dimensionless aggregate (never both: that would count twice).
    inv = ms.total(stats, "AWS/Bedrock", "Invocations", "Sum", ("ModelId",)) or ms.total(
        stats, "AWS/Bedrock", "Invocations", "Sum", ()
    )
    if not inv:
        return no_value("No Bedrock invocations in the period to relate human loops to.")
    return MetricValue(
        1000.0 * loops["human_loops"] / inv,
        unit="per 1,000 invocations",
        breakdown={"human loops": loops["human_loops"], "invocations": inv},
        derivation="A2I ListHumanLoops count / AWS/Bedrock Invocations x 1,000",
    )


@calculator("invoke_agent_audit_events", "cloudtrail.invoke_agent_events")
def invoke_agent_audit_events(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    data = ev.get("cloudtrail.invoke_agent_events")
    needed = (
        "InvokeAgent is a data event: LookupEvents returns management events only, and a CloudTrail Lake "
        "store is queried with StartQuery, which this read-only audit does not run; counting needs a logging "
        "trail with an AWS::Bedrock::AgentAlias data-event selector that delivers to CloudWatch Logs."
    )
    if data.get("log_group") is None:
        return no_value(f"No trail delivers to CloudWatch Logs. {needed}")
    if data.get("recorded") is not True:
        why = data.get("reason") or (
            "it is not logging, not covering this Region, or does not log every AWS::Bedrock::AgentAlias "
            "data event"
        )
        return no_value(
            f"Trail {data.get('trail') or ''} cannot show InvokeAgent calls ({why}), so they cannot be "
            f"counted (zero would be misleading). {needed}"
        )
    if data.get("events") is None:
        return no_value(
            f"InvokeAgent events were not counted: {data.get('reason') or 'the log group was not read'}."
        )
    return MetricValue(
        data["events"],
        unit="events",
        breakdown={"InvokeAgent events": data["events"]},
        derivation=f"CloudTrail records with eventSource bedrock.amazonaws.com and eventName InvokeAgent in "
        f"trail {data.get('trail')}'s log group {data['log_group']} (FilterLogEvents)"
        + ("; capped at 1,000" if data.get("capped") else ""),
    )


@calculator("xray_trace_durations", "xray.traces", genai.SPANS)
def xray_trace_durations(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    data = ev.get("xray.traces")
    traces = data["traces"]
    if not traces:
        return genai.span_fallback(
            ev, "X-Ray holds no traces for the period", genai.trace_durations_from_spans, unit="ms"
        )
    spans: dict[str, list[float]] = {}
    for t in traces:
        for name, ms_ in t["spans"].items():
            spans.setdefault(name, []).append(ms_)
    avg = sum(t["duration_ms"] for t in traces) / len(traces)
    return MetricValue(
        avg,
        unit="ms",
        breakdown={f"{n} (avg ms)": sum(v) / len(v) for n, v in spans.items()},
        derivation=f"Average duration of {len(traces)} X-Ray traces (BatchGetTraces), with the "
        "average time per segment and subsegment",
    )
