"""Probes over GenAI observability AWS stores: Transaction Search, OpenTelemetry GenAI spans, AgentCore scores.

A span sample is bounded (collectors/genai_observability.py): when it found nothing but more events were left
unread, the answer is unknown, never "not met".
"""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.genai_shapes import spans_by_trace, steps_of
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.probes.params import Param

EVALUATION_NAMESPACE = "Bedrock-AgentCore/Evaluations"


@probe("transaction_search_enabled", "xray.transaction_search")
def transaction_search_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """CloudWatch Transaction Search is on: X-Ray sends spans to CloudWatch Logs (aws/spans) and that is ACTIVE."""
    data = ev.get("xray.transaction_search")
    dest, status = data.get("destination"), data.get("status")
    rules = data.get("indexing_rules")
    if rules is None:
        indexing = "the indexing rules could not be read" + (
            f" ({data['errors'][0]})" if data.get("errors") else ""
        )
    elif not rules:
        indexing = "no indexing rule is set"
    else:
        indexing = "indexing " + ", ".join(
            f"{r.get('name') or 'rule'} {r.get('desired_percent')}%" for r in rules
        )
    if dest == "CloudWatchLogs" and status == "ACTIVE":
        return met(
            "X-Ray delivers trace segments to CloudWatch Logs (Transaction Search is ACTIVE).",
            f"GetTraceSegmentDestination: Destination CloudWatchLogs, Status ACTIVE; {indexing}",
        )
    if dest == "CloudWatchLogs":
        return not_met(
            f"Transaction Search was turned on but its destination is {status or 'of unknown status'}, "
            "not ACTIVE yet.",
            indexing,
        )
    return not_met(
        f"X-Ray keeps trace segments in {dest or 'X-Ray'}: Transaction Search (spans in the aws/spans log group) "
        "is off.",
    )


@probe(
    "genai_spans_traced_end_to_end",
    "logs.genai_spans",
    params={
        "min_traces": Param(
            int, default=1, min=1, help="sampled traces that must join agent, model and tool spans"
        )
    },
)
def genai_spans_traced_end_to_end(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """OpenTelemetry GenAI spans of an agent invocation, a model call and a tool call share trace ids."""
    data = ev.get("logs.genai_spans")
    need = int(params.get("min_traces", 1))
    read = (
        f"{plural(data['events_read'], 'event')} in {plural(data['pages_read'], 'page')} of "
        f"{plural(len(data['groups']), 'log group')}"
    )
    if not data["groups"]:
        if data.get("errors"):
            return cannot_tell(f"No span log group could be read: {data['errors'][0]}.")
        return not_met(
            "No GenAI spans are stored in CloudWatch: there is no aws/spans log group (Transaction Search is off) "
            "and no AgentCore runtime log group."
        )
    traces = spans_by_trace(data["spans"])
    full = sorted(t for t, spans in traces.items() if steps_of(spans) >= {"agent", "model", "tool"})
    partial_reads = data.get("errors") or []
    if len(full) >= need:
        ops = sorted({op for t in full for s in traces[t] if (op := s.get("operation"))})
        return met(
            f"{plural(len(full), 'trace')} of {len(traces)} in the sample join agent invocation, model call and "
            f"tool call spans ({read}).",
            f"operations seen in them: {names(ops)}",
            f"traces: {names(full, 3)}",
        )
    if data["capped"] or partial_reads:
        why = (
            "more events were left unread"
            if data["capped"]
            else f"a group could not be read ({partial_reads[0]})"
        )
        return cannot_tell(
            f"The span sample ({read}) holds {plural(len(full), 'trace')} with agent, model and tool spans "
            f"(needed {need}), and {why}.",
        )
    if not data["spans"]:
        return not_met(f"No OpenTelemetry GenAI span (gen_ai.operation.name) in the period ({read}).")
    steps: dict[str, int] = {}
    for spans in traces.values():
        for st in steps_of(spans):
            steps[st] = steps.get(st, 0) + 1
    missing = sorted({"agent", "model", "tool"} - set(steps))
    return not_met(
        f"{plural(len(traces), 'trace')} hold GenAI spans, but fewer than {need} join agent, model and tool "
        f"spans ({read}).",
        "traces with each step: "
        + ", ".join(f"{k} {v}" for k, v in sorted(steps.items()))
        + (f"; never traced: {', '.join(missing)}" if missing else ""),
    )


def _metric_scores(metrics: dict[str, Any] | None) -> dict[str, float]:
    """{metric: evaluations counted} for the evaluation namespace's SampleCount series with data."""
    out: dict[str, float] = {}
    for s in (metrics or {}).get("series", []):
        if (
            s["namespace"] == EVALUATION_NAMESPACE
            and s["stat"] == "SampleCount"
            and (s.get("value") or 0) > 0
        ):
            out[s["metric"]] = out.get(s["metric"], 0.0) + float(s["value"])
    return out


@probe(
    "agentcore_evaluation_scores_present",
    "cloudwatch.agentcore_metrics",
    "logs.agentcore_evaluation_results",
    "logs.genai_spans",
)
def agentcore_evaluation_scores_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """AgentCore online evaluation produced scores in the period (Bedrock-AgentCore/Evaluations metrics or
    gen_ai.evaluation.result events with a score)."""
    metrics = ev.optional("cloudwatch.agentcore_metrics")
    results = ev.optional("logs.agentcore_evaluation_results")
    spans = ev.optional("logs.genai_spans")
    scored = _metric_scores(metrics)
    events = [
        e for d in (results, spans) if d for e in d.get("evaluations", []) if e.get("score") is not None
    ]
    if scored:
        return met(
            f"Online evaluation published scores to {EVALUATION_NAMESPACE} in the period: "
            f"{names(sorted(scored))}.",
            *(f"{m}: {int(n)} scored results" for m, n in sorted(scored.items())),
        )
    if events:
        evaluators = sorted({e["evaluator"] for e in events})
        return met(
            f"{plural(len(events), 'scored evaluation result')} in the sampled AgentCore result events: "
            f"{names(evaluators)}.",
        )
    unread = [
        n
        for n, d in (
            ("cloudwatch.agentcore_metrics", metrics),
            ("logs.agentcore_evaluation_results", results),
        )
        if d is None
    ]
    if unread:
        # One source says nothing and the other could not be read: absence is not shown.
        ev.get(unread[0])  # raises MissingEvidence: the finding names the denied action
    if results and results.get("capped"):
        return cannot_tell(
            "No scored result in the evaluation result sample, and more events were left unread."
        )
    groups = len([g for g in (results or {}).get("groups", []) if g.get("kind") == "evaluations"])
    return not_met(
        f"No evaluation score in the period: no {EVALUATION_NAMESPACE} series with data and no scored "
        f"gen_ai.evaluation.result event in {plural(groups, 'result log group')}.",
        "an online evaluation config that publishes to a custom metricsNamespace and log group is not searched",
    )
