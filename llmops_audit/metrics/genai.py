"""Metric rows from OpenTelemetry GenAI spans (a bounded sample, logs.genai_spans) and AgentCore gateway metrics.

Every figure is computed client-side from the sampled spans; the derivation says how many traces and spans it
rests on, and whether the sample was capped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from llmops_audit.evidence.genai_shapes import GenAiSpan, spans_by_trace, step_of, steps_of
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence, SectionError
from llmops_audit.inputs.prices import load_prices
from llmops_audit.metrics.base import calculator, no_value
from llmops_audit.model import MetricValue

SPANS = "logs.genai_spans"
AGENTCORE = "cloudwatch.agentcore_metrics"
GATEWAY_NAMESPACES = ("Bedrock-AgentCore", "AWS/Bedrock-AgentCore")
TOOLS_CALL = "tools/call"


def _sample_note(data: dict[str, Any]) -> str:
    note = f"sample of {data['events_read']} events in {data['pages_read']} pages"
    return note + (" (capped: more were left unread)" if data.get("capped") else "")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@calculator("genai_tracing_coverage", SPANS)
def genai_tracing_coverage(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return coverage_from_spans(ev.get(SPANS))


def coverage_from_spans(data: dict[str, Any]) -> MetricValue:
    traces = spans_by_trace(data["spans"])
    if not traces:
        return no_value(f"No OpenTelemetry GenAI span in the {_sample_note(data)}.", unit="%")
    has = {
        st: sum(1 for spans in traces.values() if st in steps_of(spans)) for st in ("agent", "model", "tool")
    }
    full = sum(1 for spans in traces.values() if steps_of(spans) >= {"agent", "model", "tool"})
    return MetricValue(
        100.0 * full / len(traces),
        unit="%",
        breakdown={
            "traces with GenAI spans": len(traces),
            "with agent + model + tool spans": full,
            **{f"with {st} spans": n for st, n in has.items()},
        },
        derivation="Share of sampled traces with GenAI spans whose spans cover the agent invocation "
        "(invoke_agent), the model call (chat, text_completion, generate_content) and a tool call (execute_tool); "
        + _sample_note(data),
    )


def _durations_by_operation(data: dict[str, Any]) -> dict[str, list[float]]:
    by_op: dict[str, list[float]] = {}
    for s in data["spans"]:
        if s.get("duration_ms") is not None and s.get("operation"):
            by_op.setdefault(s["operation"], []).append(float(s["duration_ms"]))
    return by_op


def _head_operation(by_op: dict[str, list[float]]) -> str:
    """The end-to-end step: the agent invocation when traced, else the model call, else a tool call."""
    return next(
        (op for step in ("agent", "model", "tool") for op in sorted(by_op) if step_of(op) == step),
        sorted(by_op)[0],
    )


@calculator("genai_step_latency", SPANS)
def genai_step_latency(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return step_latency_from_spans(ev.get(SPANS))


def step_latency_from_spans(data: dict[str, Any]) -> MetricValue:
    by_op = _durations_by_operation(data)
    if not by_op:
        return no_value(f"No GenAI span with a duration in the {_sample_note(data)}.", unit="ms")
    breakdown: dict[str, float] = {}
    for op, values in sorted(by_op.items()):
        breakdown[f"{op} p50 ms"] = round(percentile(values, 50), 1)
        breakdown[f"{op} p95 ms"] = round(percentile(values, 95), 1)
        breakdown[f"{op} spans"] = len(values)
    head = _head_operation(by_op)
    return MetricValue(
        round(percentile(by_op[head], 95), 1),
        unit="ms",
        breakdown=breakdown,
        derivation=f"p95 duration of the {head} spans (end - start), per operation p50/p95 in the breakdown; "
        + _sample_note(data),
    )


def _gateway_tools_call(stats: dict[str, Any] | None) -> tuple[float, float] | None:
    """(tools/call invocations, failed) from the AgentCore gateway metrics, or None without data."""
    if not stats:
        return None
    inv = err = 0.0
    found = False
    for s in stats.get("series", []):
        if s["namespace"] not in GATEWAY_NAMESPACES or s["stat"] != "Sum":
            continue
        dims = s["dimensions"]
        if TOOLS_CALL not in (dims.get("Method"), dims.get("Operation")):
            continue
        if set(dims) - {"Method", "Operation", "Protocol", "Resource"}:
            continue  # per-tool (Name) or other finer series would count the same calls again
        if s.get("error"):  # a failed read is unknown, never zero errors
            why = f"{s['namespace']} {s['metric']} could not be read: {s['error']}"
            raise MissingEvidence(AGENTCORE, SectionError("error", "cloudwatch:GetMetricData", why))
        if s.get("value") is None:
            continue
        if s["metric"] == "Invocations":
            inv += float(s["value"])
            found = True
        elif s["metric"] in ("SystemErrors", "UserErrors"):
            err += float(s["value"])
    return (inv, err) if found and inv > 0 else None


@calculator("genai_tool_call_success_rate", SPANS, AGENTCORE)
def genai_tool_call_success_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return tool_calls_from_genai(ev)[0]


def tool_calls_from_genai(ev: Evidence) -> tuple[MetricValue, str]:
    """Tool-call success from execute_tool spans, else the AgentCore gateway's tools/call metrics, with the
    source that gave it. `ev` must have declared SPANS and AGENTCORE."""
    data = ev.optional(SPANS)
    tools = [s for s in (data or {}).get("spans", []) if step_of(s.get("operation")) == "tool"]
    if tools:
        failed = sum(1 for s in tools if s.get("status") == "ERROR")
        per_tool: dict[str, float] = {}
        for s in tools:
            per_tool[f"{s.get('tool') or '(unnamed)'} calls"] = (
                per_tool.get(f"{s.get('tool') or '(unnamed)'} calls", 0) + 1
            )
        return MetricValue(
            100.0 * (len(tools) - failed) / len(tools),
            unit="%",
            breakdown={"tool calls": len(tools), "failed": failed, **per_tool},
            derivation="execute_tool spans whose status is not ERROR (and carry no error.type) / all execute_tool "
            "spans; " + _sample_note(data or {"events_read": 0, "pages_read": 0}),
        ), SPAN_SOURCE
    gateway = _gateway_tools_call(ev.optional(AGENTCORE))
    if gateway:
        inv, err = gateway
        return MetricValue(
            100.0 * (1 - min(err, inv) / inv),
            unit="%",
            breakdown={"tools/call invocations": inv, "errors": err},
            derivation="1 - (SystemErrors + UserErrors) / Invocations of the AgentCore gateway's tools/call method",
        ), AGENTCORE_SOURCE
    if data is None:
        ev.get(SPANS)  # the spans could not be read and the gateway has no data: say which read failed
    return no_value(
        "No execute_tool span in the span sample and no AgentCore gateway tools/call metrics.", unit="%"
    ), ""


def _request_tokens(trace: list[GenAiSpan]) -> list[GenAiSpan]:
    """The spans whose token counts make up one request: the model calls; when none carries counts, the agent
    invocation (agent frameworks also put the request's totals there, so both would count twice)."""
    model = [
        s
        for s in trace
        if step_of(s.get("operation")) == "model" and (s.get("input_tokens") or s.get("output_tokens"))
    ]
    if model:
        return model
    return [
        s
        for s in trace
        if step_of(s.get("operation")) == "agent" and (s.get("input_tokens") or s.get("output_tokens"))
    ][:1]


@calculator("genai_tokens_per_request", SPANS)
def genai_tokens_per_request(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return tokens_from_spans(ev.get(SPANS))


def tokens_from_spans(data: dict[str, Any]) -> MetricValue:
    totals: list[tuple[int, int]] = []
    for trace in spans_by_trace(data["spans"]).values():
        spans = _request_tokens(trace)
        if spans:
            totals.append(
                (
                    sum(s.get("input_tokens") or 0 for s in spans),
                    sum(s.get("output_tokens") or 0 for s in spans),
                )
            )
    if not totals:
        return no_value(f"No GenAI span with token counts in the {_sample_note(data)}.", unit="tokens")
    inp, out = sum(t[0] for t in totals), sum(t[1] for t in totals)
    return MetricValue(
        (inp + out) / len(totals),
        unit="tokens",
        breakdown={"requests": len(totals), "input tokens": inp, "output tokens": out},
        derivation="gen_ai.usage.input_tokens + output_tokens of the model-call spans per trace (the agent "
        "span's totals when no model span carries counts), averaged over traces; " + _sample_note(data),
    )


@calculator("genai_cost_per_request", SPANS)
def genai_cost_per_request(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return cost_from_spans(ev.get(SPANS), params.get("prices") or load_prices(None))


def cost_from_spans(data: dict[str, Any], prices: dict[str, Any]) -> MetricValue:
    from llmops_audit.metrics.cost import price_for  # cost.py imports this module for its span fallback

    costs: list[float] = []
    unpriced: set[str] = set()
    per_model: dict[str, float] = {}
    for trace in spans_by_trace(data["spans"]).values():
        spans = _request_tokens(trace)
        if not spans:
            continue
        parts: dict[str, float] = {}
        for s in spans:
            model = s.get("model")
            price = price_for(model, prices) if model else None
            if model is None or price is None:
                unpriced.add(model or "(no gen_ai.request.model)")
                break
            usd = (
                (s.get("input_tokens") or 0) * float(price["input"])
                + (s.get("output_tokens") or 0) * float(price["output"])
            ) / 1000
            parts[f"{model} USD"] = parts.get(f"{model} USD", 0.0) + usd
        else:  # every model call of the request is priced: it counts, whole
            costs.append(sum(parts.values()))
            for k, v in parts.items():
                per_model[k] = per_model.get(k, 0.0) + v
    if not costs:
        why = (
            f"no price for {', '.join(sorted(unpriced))} (add prices with --prices FILE)"
            if unpriced
            else ("no GenAI span with token counts")
        )
        return no_value(f"Cost per request cannot be estimated: {why}; {_sample_note(data)}.", unit="USD")
    return MetricValue(
        sum(costs) / len(costs),
        unit="USD",
        breakdown={"requests priced": len(costs), **{k: round(v, 6) for k, v in per_model.items()}},
        derivation="Per trace: model-call span tokens x the price table (USD per 1,000 tokens), averaged over the "
        "priced traces"
        + (f"; left out (no price): {', '.join(sorted(unpriced))}" if unpriced else "")
        + "; "
        + _sample_note(data),
    )


# -- fallbacks for the seed's metric rows --------------------------------------------------------------------
# The level files' rows name CloudWatch sources (AWS/Bedrock, AWS/Lambda, X-Ray, AWS/Bedrock/Agents). An agent on
# AgentCore, or a framework traced with OpenTelemetry, may publish none of them; its GenAI spans and AgentCore
# metrics then fill the row, and the derivation starts by naming that source.

SPAN_SOURCE = "OpenTelemetry GenAI spans (logs.genai_spans)"
AGENTCORE_SOURCE = "AgentCore CloudWatch metrics (cloudwatch.agentcore_metrics)"


def from_source(source: str, absent: str, got: MetricValue) -> MetricValue:
    """`got` as the row's value, its derivation naming the source that gave it and the one that had nothing."""
    return replace(got, derivation=f"Source: {source}, because {absent}. {got.derivation}")


def span_fallback(
    ev: Evidence, absent: str, compute: Callable[[dict[str, Any]], MetricValue], unit: str = ""
) -> MetricValue:
    """The row's value from the GenAI span sample, because its own source (`absent`, a clause) has no data.

    A failed span read is said, with its action; it never makes the row 0. `ev` must have declared SPANS."""
    try:
        data = ev.get(SPANS)
    except MissingEvidence as exc:
        return MetricValue(
            None,
            unit=unit,
            reason=f"{absent[0].upper()}{absent[1:]}, and the GenAI span sample could not be read: "
            f"{exc.error.describe()}.",
            missing=(exc.error.action,),
        )
    got = compute(data)
    if got.value is None:
        why = got.reason
        if why[:1].isupper() and why[1:2].islower():  # "No GenAI span" continues; "X-Ray", "AWS/" stay
            why = why[0].lower() + why[1:]
        return replace(got, unit=unit or got.unit, reason=f"{absent[0].upper()}{absent[1:]}; {why}")
    return from_source(SPAN_SOURCE, absent, got)


def latency_percentiles_from_spans(data: dict[str, Any]) -> MetricValue:
    """p50/p90/p99 of the end-to-end step (agent invocation, else model call); the headline is its p90."""
    by_op = _durations_by_operation(data)
    if not by_op:
        return no_value(f"No GenAI span with a duration in the {_sample_note(data)}.", unit="ms")
    head = _head_operation(by_op)
    breakdown = {
        f"{op} {p}": round(percentile(values, q), 1)
        for op, values in sorted(by_op.items())
        for p, q in (("p50", 50), ("p90", 90), ("p99", 99))
    }
    return MetricValue(
        round(percentile(by_op[head], 90), 1),
        unit="ms",
        breakdown=breakdown,
        derivation=f"p90 duration of the {len(by_op[head])} {head} spans (end - start, computed client-side); "
        f"p50/p90/p99 per gen_ai.operation.name in the breakdown; " + _sample_note(data),
    )


def trace_durations_from_spans(data: dict[str, Any]) -> MetricValue:
    """Average trace duration (its longest GenAI span, the outermost step) and average ms per operation, with
    the tracing coverage (traces joining agent + model + tool spans) in the breakdown."""
    traces = spans_by_trace(data["spans"])
    longest = [
        max(d for s in spans if (d := s.get("duration_ms")) is not None)
        for spans in traces.values()
        if any(s.get("duration_ms") is not None for s in spans)
    ]
    if not longest:
        return no_value(f"No GenAI span with a duration in the {_sample_note(data)}.", unit="ms")
    by_op = _durations_by_operation(data)
    coverage = coverage_from_spans(data)
    breakdown = {f"{op} (avg ms)": round(sum(v) / len(v), 1) for op, v in sorted(by_op.items())}
    if coverage.value is not None:
        breakdown["traces with agent + model + tool spans (%)"] = round(coverage.value, 1)
    return MetricValue(
        sum(longest) / len(longest),
        unit="ms",
        breakdown=breakdown,
        derivation=f"Average duration of {len(longest)} traces (each trace's longest GenAI span, the outermost "
        "step), with the average time per gen_ai.operation.name; " + _sample_note(data),
    )


def runtime_errors_from_agentcore(stats: dict[str, Any] | None) -> MetricValue | None:
    """(SystemErrors + UserErrors) / Invocations of the AgentCore runtimes (Bedrock-AgentCore series whose
    Resource is a runtime ARN), or None without runtime invocations. Per runtime, the series with the fewest
    dimensions is used (a Resource-only series and its per-endpoint Name series count the same calls)."""
    if not stats:
        return None
    best: dict[str, tuple[int, dict[str, float]]] = {}  # resource -> (dimension count, metric sums)
    for s in stats.get("series", []):
        dims = s["dimensions"]
        if s["namespace"] not in GATEWAY_NAMESPACES or s["stat"] != "Sum":
            continue
        if ":runtime/" not in dims.get("Resource", "") or set(dims) - {"Resource", "Name"}:
            continue
        if s["metric"] not in ("Invocations", "SystemErrors", "UserErrors"):
            continue
        if s.get("error"):
            why = f"{s['namespace']} {s['metric']} could not be read: {s['error']}"
            raise MissingEvidence(AGENTCORE, SectionError("error", "cloudwatch:GetMetricData", why))
        n = len(dims)
        have = best.get(dims["Resource"])
        if have is None or n < have[0]:
            best[dims["Resource"]] = have = (n, {})
        if n == have[0] and s.get("value") is not None:
            have[1][s["metric"]] = have[1].get(s["metric"], 0.0) + float(s["value"])
    inv = sum(m.get("Invocations", 0.0) for _, m in best.values())
    if not inv:
        return None
    sys_err = sum(m.get("SystemErrors", 0.0) for _, m in best.values())
    user_err = sum(m.get("UserErrors", 0.0) for _, m in best.values())
    return MetricValue(
        100.0 * min(sys_err + user_err, inv) / inv,
        unit="%",
        breakdown={
            "runtime invocations": inv,
            "system errors": sys_err,
            "user errors": user_err,
            "runtimes": len(best),
        },
        derivation="(SystemErrors + UserErrors) / Invocations of the AgentCore runtimes (Bedrock-AgentCore, "
        "per runtime Resource), computed client-side",
    )
