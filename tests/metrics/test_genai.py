"""Span-based GenAI calculators, and the allowlist parser, over the OpenTelemetry SDK fixture."""

from __future__ import annotations

import json

import pytest

from llmops_audit.collectors.genai_observability import evaluation_facts, span_facts
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.prices import load_prices
from llmops_audit.metrics import run_calculator
from llmops_audit.metrics.genai import percentile
from tests.fixtures import genai_spans as fx
from tests.fixtures.genai_sections import spans_section
from tests.helpers import snapshot


def _run(calc: str, snap: EvidenceSnapshot):
    return run_calculator(calc, snap, {"prices": load_prices(None)})


def _snap(scope, **extra) -> EvidenceSnapshot:
    return snapshot(scope, logs__genai_spans=spans_section(), **extra)


def test_fixture_figures(scope) -> None:
    snap = _snap(scope)
    assert _run("genai_tracing_coverage", snap).value == fx.EXPECTED["coverage"]
    tools = _run("genai_tool_call_success_rate", snap)
    assert tools.value == fx.EXPECTED["tool_success"]
    assert tools.breakdown["tool calls"] == 2 and tools.breakdown["failed"] == 1
    tokens = _run("genai_tokens_per_request", snap)
    assert tokens.value == fx.EXPECTED["tokens_per_request"]  # the agent spans' totals are not counted again
    cost = _run("genai_cost_per_request", snap)
    assert cost.value == pytest.approx(fx.EXPECTED["cost_per_request"])
    assert fx.UNPRICED in cost.derivation and cost.breakdown["requests priced"] == 3
    latency = _run("genai_step_latency", snap)
    assert latency.breakdown["chat p50 ms"] == 350.0 and latency.breakdown["execute_tool spans"] == 2
    assert latency.value == percentile([1070.0, 840.0, 450.0], 95) and "invoke_agent" in latency.derivation


def test_no_spans_no_value(scope) -> None:
    snap = snapshot(scope, logs__genai_spans=spans_section([]), cloudwatch__agentcore_metrics={"series": []})
    for calc in (
        "genai_tracing_coverage",
        "genai_step_latency",
        "genai_tool_call_success_rate",
        "genai_tokens_per_request",
        "genai_cost_per_request",
    ):
        result = _run(calc, snap)
        assert result.value is None and result.reason, calc


def test_gateway_tools_call_metrics_when_no_tool_spans(scope) -> None:
    dims = {"Operation": "InvokeGateway", "Method": "tools/call", "Resource": "arn:gw"}
    series = [
        {"namespace": "Bedrock-AgentCore", "metric": m, "dimensions": dims, "stat": "Sum", "value": v}
        for m, v in (("Invocations", 40.0), ("SystemErrors", 1.0), ("UserErrors", 3.0))
    ] + [  # a per-tool series of the same calls must not count twice
        {
            "namespace": "Bedrock-AgentCore",
            "metric": "Invocations",
            "dimensions": {**dims, "Name": "t"},
            "stat": "Sum",
            "value": 40.0,
        }
    ]
    snap = snapshot(
        scope, logs__genai_spans=spans_section([]), cloudwatch__agentcore_metrics={"series": series}
    )
    assert _run("genai_tool_call_success_rate", snap).value == 90.0
    series[1]["error"] = "InternalError"
    assert _run("genai_tool_call_success_rate", snap).value is None


def test_parser_keeps_only_the_allowlist() -> None:
    doc = next(d for d in fx.build(0) if d["name"] == "chat")
    facts = span_facts(json.dumps(doc))
    assert facts is not None and facts["operation"] == "chat" and facts["input_tokens"] == 100
    for planted in fx.PLANTED:
        assert planted not in json.dumps(facts)
    # free text in a name field is dropped; OTLP key/value attributes and X-Ray trace ids are understood
    otlp = {
        **doc,
        "traceId": "1-5759e988-bd862e3fe1be46a994272793",
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": fx.PROMPT}},
            {"key": "gen_ai.prompt", "value": {"stringValue": fx.PROMPT}},
        ],
    }
    facts = span_facts(json.dumps(otlp))
    assert facts["trace_id"] == "5759e988bd862e3fe1be46a994272793" and facts["tool"] is None
    assert fx.PROMPT not in json.dumps(facts)
    assert span_facts("not json") is None and span_facts(json.dumps({"name": "GET /"})) is None
    result = evaluation_facts(json.dumps(fx.evaluation_event("a" * 32, "b" * 16, "Builtin.Helpfulness", 0.8)))
    assert result == {
        "trace_id": "a" * 32,
        "span_id": "b" * 16,
        "evaluator": "Builtin.Helpfulness",
        "score": 0.8,
        "labelled": True,
    }
