"""Agentic metric calculators: a value on known data, and no value (never 0) when the data is absent."""

from __future__ import annotations

import pytest

from llmops_audit.metrics import run_calculator
from tests.helpers import snapshot

TOOL = "arn:aws:lambda:us-east-1:123456789012:function:ticket-tool"
AGENTS = {"agents": [{"name": "bot", "action_groups": [{"executorLambda": TOOL + ":prod"}]}]}


def s(ns: str, metric: str, stat: str, value: float | None, **dims: str) -> dict:
    return {"namespace": ns, "metric": metric, "stat": stat, "dimensions": dims, "value": value}


def stats(*series: dict) -> dict:
    return {"period_seconds": 3600, "series": list(series)}


def test_tool_calling_success_rate_from_the_action_group_lambda(scope) -> None:
    data = stats(
        s("AWS/Lambda", "Invocations", "Sum", 200, FunctionName="ticket-tool"),
        s("AWS/Lambda", "Errors", "Sum", 10, FunctionName="ticket-tool"),
        s("AWS/Lambda", "Errors", "Sum", 50, FunctionName="resizer"),
    )
    v = run_calculator(
        "tool_calling_success_rate", snapshot(scope, agents__agents=AGENTS, cloudwatch__metric_stats=data), {}
    )
    assert v.value == pytest.approx(95.0) and v.unit == "%"
    assert v.breakdown == {"ticket-tool invocations": 200, "errors": 10}


def test_tool_calling_success_rate_no_value_without_invocations_or_errors_data(scope) -> None:
    quiet = stats(s("AWS/Lambda", "Invocations", "Sum", 0, FunctionName="ticket-tool"))
    v = run_calculator(
        "tool_calling_success_rate",
        snapshot(scope, agents__agents=AGENTS, cloudwatch__metric_stats=quiet),
        {},
    )
    assert v.value is None and "no invocations" in v.reason
    no_errors = stats(s("AWS/Lambda", "Invocations", "Sum", 20, FunctionName="ticket-tool"))
    v = run_calculator(
        "tool_calling_success_rate",
        snapshot(scope, agents__agents=AGENTS, cloudwatch__metric_stats=no_errors),
        {},
    )
    assert v.value is None and "Errors has no data" in v.reason


def test_retry_success_rate(scope) -> None:
    v = run_calculator(
        "retry_success_rate",
        snapshot(scope, stepfunctions__executions={"executions": 8, "tasks_failed": 5, "tasks_recovered": 4}),
        {},
    )
    assert v.value == pytest.approx(80.0) and v.breakdown["recovered by a retry"] == 4
    none = run_calculator(
        "retry_success_rate",
        snapshot(scope, stepfunctions__executions={"executions": 0, "tasks_failed": 0, "tasks_recovered": 0}),
        {},
    )
    assert none.value is None and "No Step Functions executions" in none.reason


def test_hitl_frequency(scope) -> None:
    inv = stats(
        s("AWS/Bedrock", "Invocations", "Sum", 4000, ModelId="m1"),
        s("AWS/Bedrock", "Invocations", "Sum", 4000),
    )  # the dimensionless aggregate is not added again
    v = run_calculator(
        "hitl_frequency",
        snapshot(
            scope,
            sagemaker__human_loops={"human_loops": 6, "flow_definitions": 1},
            cloudwatch__metric_stats=inv,
        ),
        {},
    )
    assert v.value == pytest.approx(1.5)
    only_total = stats(s("AWS/Bedrock", "Invocations", "Sum", 2000))
    v = run_calculator(
        "hitl_frequency",
        snapshot(
            scope,
            sagemaker__human_loops={"human_loops": 6, "flow_definitions": 1},
            cloudwatch__metric_stats=only_total,
        ),
        {},
    )
    assert v.value == pytest.approx(3.0)
    none = run_calculator(
        "hitl_frequency",
        snapshot(
            scope,
            sagemaker__human_loops={"human_loops": None, "flow_definitions": 0},
            cloudwatch__metric_stats=inv,
        ),
        {},
    )
    assert none.value is None and "client-side" in none.reason


def invoke_events(**data) -> dict:
    return {
        "log_group": "/trail",
        "trail": "audit",
        "recorded": True,
        "events": 0,
        "capped": False,
        "reason": None,
        **data,
    }


def test_invoke_agent_audit_events(scope) -> None:
    def run(**data):
        return run_calculator(
            "invoke_agent_audit_events",
            snapshot(scope, cloudtrail__invoke_agent_events=invoke_events(**data)),
            {},
        )

    v = run()
    assert v.value == 0  # recorded and none happened: a real zero
    assert "eventName InvokeAgent" in v.derivation
    assert run(events=7, capped=False).value == 7
    unrecorded = run(recorded=False)
    assert unrecorded.value is None and "AgentAlias" in unrecorded.reason
    no_group = run(log_group=None, trail=None, recorded=False, events=None)
    assert no_group.value is None and "LookupEvents" in no_group.reason


def test_invoke_agent_audit_events_never_a_value_without_proof(scope) -> None:
    # The count needs a trail that is known to log AgentAlias data events: a missing or unread flag, or a
    # log group that was not read (an organization trail's group in another account), gives no value.
    for data in (
        {"recorded": None},
        {"events": None, "reason": "the trail's log group is in account 999988887777"},
        {"recorded": False, "reason": "the status or event selectors of trail org could not be read"},
    ):
        snap = snapshot(scope, cloudtrail__invoke_agent_events=invoke_events(**data))
        v = run_calculator("invoke_agent_audit_events", snap, {})
        assert v.value is None and v.reason
    snap = snapshot(scope, cloudtrail__invoke_agent_events={"log_group": "/trail", "events": 12})
    assert run_calculator("invoke_agent_audit_events", snap, {}).value is None


def test_xray_trace_durations(scope) -> None:
    v = run_calculator(
        "xray_trace_durations",
        snapshot(
            scope,
            xray__traces={
                "count": 2,
                "traces": [
                    {"id": "a", "duration_ms": 2000, "spans": {"retrieval": 300, "bedrock": 1500}},
                    {"id": "b", "duration_ms": 1000, "spans": {"bedrock": 700}},
                ],
            },
        ),
        {},
    )
    assert v.value == pytest.approx(1500) and v.unit == "ms"
    assert v.breakdown == {"retrieval (avg ms)": 300, "bedrock (avg ms)": 1100}
    none = run_calculator(
        "xray_trace_durations", snapshot(scope, xray__traces={"count": 0, "traces": []}), {}
    )
    assert none.value is None
