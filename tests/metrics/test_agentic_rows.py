"""Level 5 metric rows: values on known data, and no value with the reason when the data is absent."""

from __future__ import annotations

import pytest

from llmops_audit.metrics import run_calculator
from tests.helpers import snapshot
from tests.probes.test_cloudwatch import HAIKU, s, stats

TOOL = "arn:aws:lambda:us-east-1:123456789012:function:ticket-tool"
AGENTS = {"agents": [{"name": "bot", "action_groups": [{"executorLambda": TOOL, "functions": []}]}]}


def test_tool_calling_success_rate(scope) -> None:
    data = stats(
        s("AWS/Lambda", "Invocations", "Sum", 40, FunctionName="ticket-tool"),
        s("AWS/Lambda", "Errors", "Sum", 2, FunctionName="ticket-tool"),
        s("AWS/Lambda", "Invocations", "Sum", 999, FunctionName="unrelated"),
    )
    v = run_calculator(
        "tool_calling_success_rate", snapshot(scope, agents__agents=AGENTS, cloudwatch__metric_stats=data), {}
    )
    assert v.value == pytest.approx(95.0)
    assert "not a CloudWatch metric" in v.derivation
    none = run_calculator(
        "tool_calling_success_rate",
        snapshot(scope, agents__agents={"agents": []}, cloudwatch__metric_stats=data),
        {},
    )
    assert none.value is None and "No agent action group" in none.reason


def test_retry_success_rate(scope) -> None:
    snap = snapshot(
        scope, stepfunctions__executions={"executions": 5, "tasks_failed": 4, "tasks_recovered": 3}
    )
    assert run_calculator("retry_success_rate", snap, {}).value == 75.0
    quiet = snapshot(
        scope, stepfunctions__executions={"executions": 5, "tasks_failed": 0, "tasks_recovered": 0}
    )
    assert run_calculator("retry_success_rate", quiet, {}).value is None


def test_hitl_frequency(scope) -> None:
    data = stats(s("AWS/Bedrock", "Invocations", "Sum", 2000, ModelId=HAIKU))
    snap = snapshot(
        scope,
        sagemaker__human_loops={"human_loops": 10, "flow_definitions": 1},
        cloudwatch__metric_stats=data,
    )
    assert run_calculator("hitl_frequency", snap, {}).value == 5.0
    none = snapshot(
        scope,
        sagemaker__human_loops={"human_loops": None, "flow_definitions": 0},
        cloudwatch__metric_stats=data,
    )
    assert "client-side" in run_calculator("hitl_frequency", none, {}).reason


def test_invoke_agent_audit_events(scope) -> None:
    recorded = {"log_group": "/trail", "trail": "audit", "recorded": True, "events": 12, "capped": False}
    snap = snapshot(scope, cloudtrail__invoke_agent_events={**recorded, "reason": None})
    assert run_calculator("invoke_agent_audit_events", snap, {}).value == 12
    unproven = snapshot(scope, cloudtrail__invoke_agent_events={"log_group": "/trail", "events": 12})
    assert run_calculator("invoke_agent_audit_events", unproven, {}).value is None
    none = snapshot(scope, cloudtrail__invoke_agent_events={"log_group": None, "events": None})
    assert run_calculator("invoke_agent_audit_events", none, {}).value is None


def test_xray_trace_durations(scope) -> None:
    snap = snapshot(
        scope,
        xray__traces={
            "count": 2,
            "traces": [
                {"id": "a", "duration_ms": 1000, "spans": {"retrieval": 200, "bedrock": 700}},
                {"id": "b", "duration_ms": 3000, "spans": {"retrieval": 400, "bedrock": 2500}},
            ],
        },
    )
    v = run_calculator("xray_trace_durations", snap, {})
    assert v.value == 2000 and v.breakdown == {"retrieval (avg ms)": 300, "bedrock (avg ms)": 1600}
    assert (
        run_calculator(
            "xray_trace_durations", snapshot(scope, xray__traces={"count": 0, "traces": []}), {}
        ).value
        is None
    )


def test_denied_section_leaves_the_row_empty_naming_the_action(scope) -> None:
    from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError

    snap = EvidenceSnapshot(
        scope, errors={"xray.traces": SectionError("denied", "xray:GetTraceSummaries", "no")}
    )
    v = run_calculator("xray_trace_durations", snap, {})
    assert v.value is None and v.missing == ("xray:GetTraceSummaries",)
