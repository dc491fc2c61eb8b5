"""Runtime metric rows: a value on known data, and no value (with the reason) when data is absent."""

from __future__ import annotations

import pytest

from llmops_audit.metrics import run_calculator
from tests.helpers import snapshot
from tests.probes.test_cloudwatch import HAIKU, SONNET, s, stats

BR, GR, API, LAM = "AWS/Bedrock", "AWS/Bedrock/Guardrails", "AWS/ApiGateway", "AWS/Lambda"
G = {"GuardrailArn": "arn:g", "GuardrailVersion": "1"}

DATA = stats(
    s(BR, "Invocations", "Sum", 80, ModelId=HAIKU),
    s(BR, "Invocations", "Sum", 20, ModelId=SONNET),
    s(BR, "InvocationClientErrors", "Sum", 3, ModelId=HAIKU),
    s(BR, "InvocationServerErrors", "Sum", 1, ModelId=SONNET),
    s(BR, "InvocationThrottles", "Sum", 2, ModelId=SONNET),
    s(BR, "InputTokenCount", "Sum", 10000, ModelId=HAIKU),
    s(BR, "OutputTokenCount", "Sum", 2000, ModelId=HAIKU),
    s(BR, "CacheReadInputTokenCount", "Sum", 3000, ModelId=HAIKU),
    s(BR, "CacheWriteInputTokenCount", "Sum", 1000, ModelId=HAIKU),
    s(BR, "InvocationLatency", "Average", 500, ModelId=HAIKU),
    s(BR, "InvocationLatency", "Average", 2000, ModelId=SONNET),
    s(BR, "InvocationLatency", "p50", 400, ModelId=HAIKU),
    s(BR, "InvocationLatency", "p90", 900, ModelId=HAIKU),
    s(BR, "InvocationLatency", "p99", 1600, ModelId=HAIKU),
    s(BR, "TimeToFirstToken", "Average", 150, ModelId=HAIKU),
    s(BR, "ModelInvocationLogsCloudWatchDeliverySuccess", "Sum", 95),
    s(GR, "Invocations", "Sum", 100, **G),
    s(GR, "InvocationsIntervened", "Sum", 4, **G),
    s(GR, "InvocationsIntervened", "Sum", 3, GuardrailPolicyType="SensitiveInformationPolicy"),
    s(GR, "TotalFindings", "Sum", 6, **G),
    s(API, "Count", "Sum", 200, ApiName="api"),
    s(API, "4XXError", "Sum", 10, ApiName="api"),
    s(API, "5XXError", "Sum", 4, ApiName="api"),
    s(LAM, "Invocations", "Sum", 50, FunctionName="fn"),
    s(LAM, "Errors", "Sum", 5, FunctionName="fn"),
    s(LAM, "Duration", "Average", 300, FunctionName="fn"),
    s("SupportBot", "AnswerConfidence", "Average", 0.87, Application="bot"),
    s("AWS/Bedrock/Agents", "InvocationCount", "Sum", 40, Operation="InvokeAgent"),
    s("AWS/Bedrock/Agents", "InvocationServerErrors", "Sum", 2, Operation="InvokeAgent"),
)

EXPECTED = [
    ("bedrock_invocations", {}, 100),
    ("bedrock_client_errors", {}, 3),
    ("bedrock_throttles", {}, 2),
    ("bedrock_success_vs_failed", {}, 96),
    ("bedrock_token_counts", {}, 12000),
    ("tokens_per_request", {}, 120),
    ("bedrock_latency_average", {}, 800),  # (500*80 + 2000*20) / 100
    ("response_time_percentiles", {}, 900),
    ("time_to_first_token", {}, 150),
    ("latency_p99_p50_ratio", {}, 4),
    ("cache_hit_ratio", {}, 3000 / 14000 * 100),
    ("prompt_cache_hit_ratio", {}, 3000 / 14000 * 100),
    ("apigw_status_counts", {}, 200),
    ("apigw_5xx_rate", {}, 2),
    ("lambda_error_rate", {}, 10),
    ("guardrail_interventions", {}, 4),
    ("guardrail_policy_interventions", {"policy": "SensitiveInformationPolicy"}, 3),
    ("automated_reasoning_findings", {}, 6),
    ("audit_trail_coverage", {}, 95),
    ("agent_error_rate", {}, 5),
    ("model_usage_share", {}, 80),
    ("lambda_duration_memory", {}, 300),
    ("invocation_log_deliveries", {}, 95),
    ("confidence_score", {}, 0.87),  # a custom metric the application publishes
]


@pytest.mark.parametrize(("calc", "params", "value"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_value_on_known_data(scope, calc: str, params: dict, value: float) -> None:
    snap = snapshot(
        scope,
        cloudwatch__metric_stats=DATA,
        cloudwatch__insight_rules={"rules": []},
        bedrock__invocation_logging={"logGroupName": "/g"},
        lambda__functions={"functions": []},
    )
    v = run_calculator(calc, snap, params)
    assert v.value == pytest.approx(value), v.reason
    assert v.derivation


@pytest.mark.parametrize("calc", [e[0] for e in EXPECTED])
def test_no_data_is_no_value_never_zero(scope, calc: str) -> None:
    snap = snapshot(
        scope,
        cloudwatch__metric_stats=stats(),
        cloudwatch__insight_rules={"rules": []},
        bedrock__invocation_logging={},
        lambda__functions={"functions": []},
    )
    v = run_calculator(calc, snap, {})
    assert v.value is None and v.reason


def test_lambda_memory_from_insights_else_configured(scope) -> None:
    fns = {"functions": [{"name": "fn", "memorySize": 512}]}
    v = run_calculator(
        "lambda_duration_memory", snapshot(scope, cloudwatch__metric_stats=DATA, lambda__functions=fns), {}
    )
    assert v.breakdown == {"fn memory configured (MB)": 512}
    insights = stats(
        *DATA["series"], s("LambdaInsights", "used_memory_max", "Maximum", 201, function_name="fn")
    )
    v = run_calculator(
        "lambda_duration_memory",
        snapshot(scope, cloudwatch__metric_stats=insights, lambda__functions=fns),
        {},
    )
    assert v.breakdown == {"fn memory used (MB)": 201} and "Lambda Insights" in v.derivation


def test_apigw_breakdown_derives_2xx(scope) -> None:
    v = run_calculator("apigw_status_counts", snapshot(scope, cloudwatch__metric_stats=DATA), {})
    assert v.breakdown == {"2xx": 186, "4xx": 10, "5xx": 4}


def test_feedback_and_empty_responses_from_logs(scope) -> None:
    snap = snapshot(
        scope,
        logs__feedback_events={
            "events": 5,
            "up": 4,
            "down": 1,
            "groups": [{"group": "/app"}],
            "searched": ["/app"],
        },
        logs__invocation_records={
            "group": "/g",
            "records": [{"outputTokens": 0}, {"outputTokens": 9}, {"outputTokens": 7}, {"outputTokens": 3}],
        },
    )
    assert run_calculator("user_feedback_events", snap, {}).value == 5
    assert run_calculator("empty_response_share", snap, {}).value == 25


def test_cost_per_1000_requests_from_the_price_table(scope) -> None:
    prices = {"models": [{"match": "claude-3-5-haiku", "input": 0.001, "output": 0.005}]}
    data = stats(
        s(BR, "Invocations", "Sum", 100, ModelId=HAIKU),
        s(BR, "InputTokenCount", "Sum", 100000, ModelId=HAIKU),
        s(BR, "OutputTokenCount", "Sum", 20000, ModelId=HAIKU),
        s(BR, "Invocations", "Sum", 5, ModelId="x.unknown"),
    )
    v = run_calculator(
        "cost_per_1000_requests", snapshot(scope, cloudwatch__metric_stats=data), {"prices": prices}
    )
    # (100 * 0.001 + 20 * 0.005) = 0.2 USD for 100 requests -> 2 USD per 1,000; the unpriced model is left out
    assert v.value == pytest.approx(2.0)
    assert "x.unknown" in v.derivation
