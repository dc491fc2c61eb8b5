"""The seed's metric rows fall back to OpenTelemetry GenAI spans and AgentCore metrics when their own CloudWatch
source (AWS/Bedrock, AWS/Lambda, X-Ray, AWS/Bedrock/Agents) has no data, and say which source gave the value.

The span figures come from the OpenTelemetry SDK fixture (tests/fixtures/genai_spans.py): four traces whose
invoke_agent spans last 1070, 840 and 450 ms (the fourth trace is one 300 ms chat span), two execute_tool spans
of which one failed, 148.5 tokens per request.
"""

from __future__ import annotations

import pytest

from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError
from llmops_audit.inputs.prices import load_prices
from llmops_audit.metrics import run_calculator
from tests.fixtures import genai_spans as fx
from tests.fixtures.genai_sections import spans_section
from tests.helpers import snapshot
from tests.probes.test_cloudwatch import HAIKU, s, stats

SPAN_SOURCE = "Source: OpenTelemetry GenAI spans"
AGENTCORE_SOURCE = "Source: AgentCore CloudWatch metrics"
RUNTIME = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-Ab12Cd34Ef"
NO_AGENTS = {"agents": []}


def _run(calc: str, snap: EvidenceSnapshot):
    return run_calculator(calc, snap, {"prices": load_prices(None)})


def _spans_denied(scope, **sections) -> EvidenceSnapshot:
    snap = snapshot(scope, **sections)
    snap.errors["logs.genai_spans"] = SectionError("denied", "logs:FilterLogEvents", "AccessDenied")
    return snap


EMPTY = stats()  # the CloudWatch read succeeded and holds no series
BEDROCK = stats(
    s("AWS/Bedrock", "Invocations", "Sum", 10, ModelId=HAIKU),
    s("AWS/Bedrock", "InputTokenCount", "Sum", 1000, ModelId=HAIKU),
    s("AWS/Bedrock", "OutputTokenCount", "Sum", 200, ModelId=HAIKU),
    s("AWS/Bedrock", "InvocationLatency", "p90", 900, ModelId=HAIKU),
)


def test_tokens_per_request_from_spans_only_when_bedrock_has_no_data(scope) -> None:
    got = _run(
        "tokens_per_request",
        snapshot(scope, cloudwatch__metric_stats=EMPTY, logs__genai_spans=spans_section()),
    )
    assert got.value == fx.EXPECTED["tokens_per_request"] and got.unit == "tokens"
    assert got.derivation.startswith(SPAN_SOURCE) and "AWS/Bedrock Invocations" in got.derivation
    both = _run(
        "tokens_per_request",
        snapshot(scope, cloudwatch__metric_stats=BEDROCK, logs__genai_spans=spans_section()),
    )
    assert both.value == 120.0 and "spans" not in both.derivation  # Bedrock's own figure wins


def test_a_denied_span_read_leaves_the_row_empty_with_the_action(scope) -> None:
    got = _run("tokens_per_request", _spans_denied(scope, cloudwatch__metric_stats=EMPTY))
    assert got.value is None and got.missing == ("logs:FilterLogEvents",)
    assert "AWS/Bedrock" in got.reason and "could not be read" in got.reason
    none = _run(
        "tokens_per_request",
        snapshot(scope, cloudwatch__metric_stats=EMPTY, logs__genai_spans=spans_section([])),
    )
    assert none.value is None and "; no GenAI span with token counts" in none.reason


def test_response_time_percentiles_from_the_agent_spans(scope) -> None:
    got = _run(
        "response_time_percentiles",
        snapshot(scope, cloudwatch__metric_stats=EMPTY, logs__genai_spans=spans_section()),
    )
    # p90 of the invoke_agent durations [450, 840, 1070] by linear interpolation: 840 + 0.8 x 230
    assert got.value == pytest.approx(1024.0) and got.unit == "ms"
    assert got.breakdown["invoke_agent p50"] == 840.0 and got.breakdown["chat p99"] > 0
    assert got.derivation.startswith(SPAN_SOURCE) and "invoke_agent" in got.derivation
    own = _run(
        "response_time_percentiles",
        snapshot(scope, cloudwatch__metric_stats=BEDROCK, logs__genai_spans=spans_section()),
    )
    assert own.value == 900 and SPAN_SOURCE not in own.derivation


def test_cost_per_1000_requests_from_span_tokens(scope) -> None:
    got = _run(
        "cost_per_1000_requests",
        snapshot(
            scope, cloudwatch__metric_stats=EMPTY, ce__cost_by_tag=None, logs__genai_spans=spans_section()
        ),
    )
    assert got.value == pytest.approx(1000 * fx.EXPECTED["cost_per_request"]) and got.unit == "USD"
    assert got.derivation.startswith(SPAN_SOURCE) and fx.UNPRICED in got.derivation
    docs = fx.build(0)
    unpriced = {d["traceId"] for d in docs if fx.UNPRICED in str(d)}
    unpriced_only = [d for d in docs if d["traceId"] in unpriced]
    assert unpriced_only
    none = _run(
        "cost_per_1000_requests",
        snapshot(scope, cloudwatch__metric_stats=EMPTY, logs__genai_spans=spans_section(unpriced_only)),
    )
    assert (
        none.value is None and none.reason.startswith("Cannot estimate cost") and fx.UNPRICED in none.reason
    )


def test_xray_row_from_span_durations_with_tracing_coverage(scope) -> None:
    got = _run(
        "xray_trace_durations",
        snapshot(scope, xray__traces={"traces": []}, logs__genai_spans=spans_section()),
    )
    assert got.value == pytest.approx((1070 + 840 + 450 + 300) / 4)  # each trace's longest span
    assert got.breakdown["traces with agent + model + tool spans (%)"] == fx.EXPECTED["coverage"]
    assert got.breakdown["execute_tool (avg ms)"] == 105.0
    assert got.derivation.startswith(SPAN_SOURCE) and "X-Ray holds no traces" in got.derivation
    xray = {"traces": [{"duration_ms": 200.0, "spans": {"lambda": 150.0}}]}
    own = _run("xray_trace_durations", snapshot(scope, xray__traces=xray, logs__genai_spans=spans_section()))
    assert own.value == 200.0 and SPAN_SOURCE not in own.derivation


def test_tool_calling_success_rate_from_tool_spans_then_the_gateway(scope) -> None:
    spans = _run(
        "tool_calling_success_rate",
        snapshot(
            scope, agents__agents=NO_AGENTS, cloudwatch__metric_stats=EMPTY, logs__genai_spans=spans_section()
        ),
    )
    assert spans.value == fx.EXPECTED["tool_success"] and spans.breakdown["tool calls"] == 2
    assert spans.derivation.startswith(SPAN_SOURCE) and "action-group" in spans.derivation
    dims = {"Operation": "InvokeGateway", "Method": "tools/call", "Resource": "arn:gw"}
    gateway = {
        "series": [
            {"namespace": "Bedrock-AgentCore", "metric": m, "dimensions": dims, "stat": "Sum", "value": v}
            for m, v in (("Invocations", 50.0), ("SystemErrors", 2.0), ("UserErrors", 3.0))
        ]
    }
    gw = _run(
        "tool_calling_success_rate",
        snapshot(
            scope,
            agents__agents=NO_AGENTS,
            cloudwatch__metric_stats=EMPTY,
            logs__genai_spans=spans_section([]),
            cloudwatch__agentcore_metrics=gateway,
        ),
    )
    assert gw.value == 90.0 and gw.derivation.startswith(AGENTCORE_SOURCE)
    none = _run(
        "tool_calling_success_rate",
        snapshot(
            scope,
            agents__agents=NO_AGENTS,
            cloudwatch__metric_stats=EMPTY,
            logs__genai_spans=spans_section([]),
            cloudwatch__agentcore_metrics={"series": []},
        ),
    )
    assert none.value is None and "action group" in none.reason and "execute_tool" in none.reason
    denied = _run(
        "tool_calling_success_rate",
        _spans_denied(scope, agents__agents=NO_AGENTS, cloudwatch__metric_stats=EMPTY),
    )
    assert denied.value is None and denied.missing == ("logs:FilterLogEvents",)


def _runtime(metric: str, value: float | None, **dims: str) -> dict:
    return {
        "namespace": "Bedrock-AgentCore",
        "metric": metric,
        "dimensions": {"Resource": RUNTIME, **dims},
        "stat": "Sum",
        "value": value,
    }


def test_agent_error_rate_from_agentcore_runtime_metrics(scope) -> None:
    series = [
        _runtime("Invocations", 200.0),
        _runtime("SystemErrors", 4.0),
        _runtime("UserErrors", 6.0),
        # the same calls per endpoint must not count twice
        _runtime("Invocations", 200.0, Name="support_agent::prod"),
        _runtime("SystemErrors", 4.0, Name="support_agent::prod"),
    ]
    lam = stats(
        s("AWS/Lambda", "Invocations", "Sum", 100, FunctionName="fn"),
        s("AWS/Lambda", "Errors", "Sum", 50, FunctionName="fn"),
    )
    got = _run(
        "agent_error_rate",
        snapshot(scope, cloudwatch__metric_stats=lam, cloudwatch__agentcore_metrics={"series": series}),
    )
    assert got.value == pytest.approx(5.0) and got.breakdown["runtime invocations"] == 200.0
    assert got.derivation.startswith(AGENTCORE_SOURCE)
    series[1]["error"] = "InternalError"  # a failed read is unknown, never zero errors
    failed = _run(
        "agent_error_rate",
        snapshot(scope, cloudwatch__metric_stats=lam, cloudwatch__agentcore_metrics={"series": series}),
    )
    assert failed.value is None and "could not be read" in failed.reason
    no_runtime = _run(
        "agent_error_rate",
        snapshot(scope, cloudwatch__metric_stats=lam, cloudwatch__agentcore_metrics={"series": []}),
    )
    assert no_runtime.value == 50.0 and "AWS/Lambda" in no_runtime.derivation
