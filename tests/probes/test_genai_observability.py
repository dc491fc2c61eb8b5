"""GenAI observability probes over plain section data."""

from __future__ import annotations

from llmops_audit.probes import run_probe
from tests.fixtures import genai_spans as fx
from tests.fixtures.genai_sections import spans_section
from tests.helpers import denied, snapshot


def _ts(dest: str, status: str, rules: list | None = None) -> dict:
    return {
        "destination": dest,
        "status": status,
        "indexing_rules": rules if rules is not None else [],
        "errors": [],
    }


def test_transaction_search(scope) -> None:
    on = snapshot(
        scope,
        xray__transaction_search=_ts(
            "CloudWatchLogs", "ACTIVE", [{"name": "Default", "desired_percent": 1.0, "actual_percent": 1.0}]
        ),
    )
    f = run_probe("transaction_search_enabled", on, {})
    assert f.value is True and "Default 1.0%" in f.details[0]
    assert (
        run_probe(
            "transaction_search_enabled",
            snapshot(scope, xray__transaction_search=_ts("CloudWatchLogs", "PENDING")),
            {},
        ).value
        is False
    )
    assert (
        run_probe(
            "transaction_search_enabled", snapshot(scope, xray__transaction_search=_ts("XRay", "ACTIVE")), {}
        ).value
        is False
    )
    gone = denied(on, "xray.transaction_search", "xray:GetTraceSegmentDestination")
    f = run_probe("transaction_search_enabled", gone, {})
    assert f.value is None and f.missing == ("xray:GetTraceSegmentDestination",)


def test_spans_traced_end_to_end(scope) -> None:
    f = run_probe("genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=spans_section()), {})
    assert f.value is True and f.summary.startswith("2 traces of 4")
    f = run_probe(
        "genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=spans_section()), {"min_traces": 3}
    )
    assert f.value is False
    # no tool spans at all: never traced
    only_models = [s for s in fx.build(0) if s["attributes"]["gen_ai.operation.name"] != "execute_tool"]
    f = run_probe(
        "genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=spans_section(only_models)), {}
    )
    assert f.value is False and "never traced: tool" in f.details[0]


def test_a_capped_sample_without_proof_is_unknown_not_absent(scope) -> None:
    only_models = [s for s in fx.build(0) if s["attributes"]["gen_ai.operation.name"] != "execute_tool"]
    data = spans_section(only_models, capped=True)
    assert (
        run_probe("genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=data), {}).value is None
    )
    empty = spans_section([], capped=True)
    assert (
        run_probe("genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=empty), {}).value is None
    )
    assert (
        run_probe(
            "genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=spans_section([])), {}
        ).value
        is False
    )


def test_no_span_groups_is_not_met(scope) -> None:
    data = spans_section([]) | {"spans_group": False, "groups": []}
    f = run_probe("genai_spans_traced_end_to_end", snapshot(scope, logs__genai_spans=data), {})
    assert f.value is False and "Transaction Search is off" in f.summary


def _metrics(series: list) -> dict:
    return {
        "namespaces": [],
        "period_seconds": 3600,
        "series": series,
        "queries": len(series),
        "truncated": False,
    }


def _results(evals: list, capped: bool = False) -> dict:
    return {
        "groups": [{"name": "/aws/bedrock-agentcore/evaluations/results/x", "kind": "evaluations"}],
        "evaluations": evals,
        "events_read": 1,
        "pages_read": 1,
        "capped": capped,
        "limits": {},
        "errors": [],
    }


def test_evaluation_scores(scope) -> None:
    score = {
        "namespace": "Bedrock-AgentCore/Evaluations",
        "metric": "Builtin.Helpfulness",
        "dimensions": {},
        "stat": "SampleCount",
        "value": 12.0,
    }
    empty_spans = spans_section([])
    snap = snapshot(
        scope,
        cloudwatch__agentcore_metrics=_metrics([score]),
        logs__agentcore_evaluation_results=_results([]),
        logs__genai_spans=empty_spans,
    )
    f = run_probe("agentcore_evaluation_scores_present", snap, {})
    assert f.value is True and "Builtin.Helpfulness" in f.summary
    # no data in the metric, but a scored result event
    event = {
        "trace_id": None,
        "span_id": None,
        "evaluator": "Builtin.Correctness",
        "score": 0.5,
        "labelled": True,
        "group": 0,
    }
    snap = snapshot(
        scope,
        cloudwatch__agentcore_metrics=_metrics([{**score, "value": None}]),
        logs__agentcore_evaluation_results=_results([event]),
        logs__genai_spans=empty_spans,
    )
    assert run_probe("agentcore_evaluation_scores_present", snap, {}).value is True
    # a result with no score proves nothing
    snap = snapshot(
        scope,
        cloudwatch__agentcore_metrics=_metrics([]),
        logs__agentcore_evaluation_results=_results([{**event, "score": None}]),
        logs__genai_spans=empty_spans,
    )
    f = run_probe("agentcore_evaluation_scores_present", snap, {})
    assert f.value is False and "custom metricsNamespace" in f.details[0]
    # nothing in the metrics and the results could not be read: unknown
    gone = denied(snap, "logs.agentcore_evaluation_results", "logs:FilterLogEvents")
    f = run_probe("agentcore_evaluation_scores_present", gone, {})
    assert f.value is None and f.missing == ("logs:FilterLogEvents",)
    # the metrics prove it even when the result logs could not be read
    snap = snapshot(
        scope,
        cloudwatch__agentcore_metrics=_metrics([score]),
        logs__agentcore_evaluation_results=_results([]),
        logs__genai_spans=empty_spans,
    )
    gone = denied(snap, "logs.agentcore_evaluation_results", "logs:FilterLogEvents")
    assert run_probe("agentcore_evaluation_scores_present", gone, {}).value is True
