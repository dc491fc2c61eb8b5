"""Shapes of the GenAI observability sections (collectors/genai_observability.py).

Re-exported by evidence/shapes.py. Facts only: ids, operation names, model and tool ids, status codes, durations,
token counts, evaluator names and scores. No attribute whose value is free text is ever kept (no prompt,
completion, message, system instruction, tool argument or result, evaluation explanation or label).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class IndexingRule(TypedDict):
    name: str | None
    desired_percent: float | None  # Probabilistic.DesiredSamplingPercentage
    actual_percent: float | None  # Probabilistic.ActualSamplingPercentage


class TransactionSearch(TypedDict):
    """xray.transaction_search"""

    destination: str | None  # XRay | CloudWatchLogs (GetTraceSegmentDestination)
    status: str | None  # PENDING | ACTIVE
    indexing_rules: list[IndexingRule] | None  # None: GetIndexingRules could not be read (see errors)
    errors: list[str]


class GenAiSpan(TypedDict):
    trace_id: str  # 32 hex digits (an X-Ray id 1-xxxxxxxx-yyyy... is rewritten to that form)
    span_id: str  # 16 hex digits
    parent_id: str | None
    operation: str | None  # gen_ai.operation.name: chat, invoke_agent, execute_tool, ...
    model: str | None  # gen_ai.request.model (else gen_ai.response.model)
    tool: str | None  # gen_ai.tool.name
    status: str  # OK | ERROR | UNSET
    duration_ms: float | None
    input_tokens: int | None  # gen_ai.usage.input_tokens (else prompt_tokens)
    output_tokens: int | None  # gen_ai.usage.output_tokens (else completion_tokens)
    service: str | None  # resource service.name (else aws.local.service)
    group: int  # index into the section's `groups`


class EvaluationResult(TypedDict):
    trace_id: str | None
    span_id: str | None
    evaluator: str  # gen_ai.evaluation.name, e.g. Builtin.Helpfulness
    score: float | None  # gen_ai.evaluation.score.value
    labelled: bool  # a gen_ai.evaluation.score.label was present (its text is not kept)
    group: int


class SampledGroup(TypedDict):
    name: str
    kind: str  # spans (aws/spans) | runtime (AgentCore runtime) | evaluations (AgentCore results)
    events_read: int
    pages_read: int
    capped: bool  # more events were left unread (event or page cap reached)
    spans: int  # events that were GenAI spans
    evaluations: int  # events that were evaluation results
    other: int  # events that were neither (kept as a count only)


class GenAiSpans(TypedDict):
    """logs.genai_spans: a bounded sample of OpenTelemetry GenAI spans (aws/spans, AgentCore runtime groups)"""

    spans_group: bool  # the aws/spans log group exists (Transaction Search delivers there)
    groups: list[SampledGroup]
    spans: list[GenAiSpan]
    evaluations: list[EvaluationResult]  # results written back to the source group (SOURCE_LOG_GROUP)
    events_read: int
    pages_read: int
    capped: bool
    limits: dict[str, int]  # max_events, max_events_per_group, max_pages_per_group, max_groups
    filter: str  # the FilterLogEvents filterPattern used
    errors: list[str]  # groups that could not be read (the others still count)


class EvaluationResults(TypedDict):
    """logs.agentcore_evaluation_results: a bounded sample of /aws/bedrock-agentcore/evaluations/results/*"""

    groups: list[SampledGroup]
    evaluations: list[EvaluationResult]
    events_read: int
    pages_read: int
    capped: bool
    limits: dict[str, int]
    errors: list[str]


class AgentCoreSeries(TypedDict):
    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    value: float | None  # None: no data point in the period
    error: NotRequired[str]  # the query could not be read
    partial: NotRequired[bool]


class AgentCoreMetrics(TypedDict):
    """cloudwatch.agentcore_metrics (read it with evidence/series.py select/total)"""

    namespaces: list[str]
    period_seconds: int
    series: list[AgentCoreSeries]
    queries: int
    truncated: bool  # more series were listed than MAX_SERIES


# -- accessors ---------------------------------------------------------------------------------------------

# gen_ai.operation.name values by agent step (OpenTelemetry GenAI semantic conventions).
AGENT_OPERATIONS = frozenset({"invoke_agent", "create_agent", "invoke_workflow"})
MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
TOOL_OPERATIONS = frozenset({"execute_tool"})


def step_of(operation: str | None) -> str | None:
    """agent | model | tool for a gen_ai.operation.name, None for any other operation."""
    if operation in AGENT_OPERATIONS:
        return "agent"
    if operation in MODEL_OPERATIONS:
        return "model"
    if operation in TOOL_OPERATIONS:
        return "tool"
    return None


def spans_by_trace(spans: list[GenAiSpan]) -> dict[str, list[GenAiSpan]]:
    """The sampled spans grouped by trace id (each span once, by span id)."""
    out: dict[str, dict[str, GenAiSpan]] = {}
    for s in spans:
        out.setdefault(s["trace_id"], {}).setdefault(s["span_id"], s)
    return {t: list(by_id.values()) for t, by_id in out.items()}


def steps_of(trace: list[GenAiSpan]) -> set[str]:
    return {st for s in trace if (st := step_of(s.get("operation")))}
