"""Metric rows from OpenTelemetry GenAI spans (a bounded sample, logs.genai_spans) and AgentCore gateway metrics.

Every figure is computed client-side from the sampled spans; the derivation says how many traces and spans it
rests on, and whether the sample was capped.
"""

from __future__ import annotations

import math
from typing import Any

from llmops_audit.evidence.genai_shapes import GenAiSpan, spans_by_trace, step_of, steps_of
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence, SectionError
from llmops_audit.inputs.prices import load_prices
from llmops_audit.metrics.base import calculator, no_value
from llmops_audit.metrics.cost import price_for
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
    data = ev.get(SPANS)
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


@calculator("genai_step_latency", SPANS)
def genai_step_latency(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    data = ev.get(SPANS)
    by_op: dict[str, list[float]] = {}
    for s in data["spans"]:
        if s.get("duration_ms") is not None and s.get("operation"):
            by_op.setdefault(s["operation"], []).append(float(s["duration_ms"]))
    if not by_op:
        return no_value(f"No GenAI span with a duration in the {_sample_note(data)}.", unit="ms")
    breakdown: dict[str, float] = {}
    for op, values in sorted(by_op.items()):
        breakdown[f"{op} p50 ms"] = round(percentile(values, 50), 1)
        breakdown[f"{op} p95 ms"] = round(percentile(values, 95), 1)
        breakdown[f"{op} spans"] = len(values)
    # The headline is the end-to-end step: the agent invocation when traced, else the model call.
    head = next(
        (op for step in ("agent", "model", "tool") for op in sorted(by_op) if step_of(op) == step),
        sorted(by_op)[0],
    )
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
        )
    gateway = _gateway_tools_call(ev.optional(AGENTCORE))
    if gateway:
        inv, err = gateway
        return MetricValue(
            100.0 * (1 - min(err, inv) / inv),
            unit="%",
            breakdown={"tools/call invocations": inv, "errors": err},
            derivation="1 - (SystemErrors + UserErrors) / Invocations of the AgentCore gateway's tools/call method",
        )
    if data is None:
        ev.get(SPANS)  # the spans could not be read and the gateway has no data: say which read failed
    return no_value(
        "No execute_tool span in the span sample and no AgentCore gateway tools/call metrics.", unit="%"
    )


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
    data = ev.get(SPANS)
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
    data = ev.get(SPANS)
    prices = params.get("prices") or load_prices(None)
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
