"""CloudWatch Logs probes: edge cases beyond the basic True/False pairs in test_cloudwatch.py."""

from __future__ import annotations

from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError
from llmops_audit.probes import run_probe
from tests.helpers import snapshot

TOKEN_FILTER = {
    "name": "tok",
    "logGroup": "/other",
    "pattern": "{ $.input.inputTokenCount > 0 }",
    "metrics": ["A/InputTokens"],
    "values": ["$.input.inputTokenCount"],
}


def test_token_filter_on_another_log_group_does_not_count(scope) -> None:
    snap = snapshot(
        scope,
        logs__metric_filters={"filters": [TOKEN_FILTER]},
        bedrock__invocation_logging={"logGroupName": "/aws/bedrock/modelinvocations"},
    )
    f = run_probe("token_metric_filters_present", snap, {})
    assert f.value is False, f.summary
    assert "/aws/bedrock/modelinvocations" in f.summary and "1 filter" in f.summary


def test_latency_filter_on_the_invocation_group_counts(scope) -> None:
    flt = {
        **TOKEN_FILTER,
        "logGroup": "/g",
        "name": "lat",
        "pattern": "",
        "metrics": ["A/Latency"],
        "values": ["1"],
    }
    snap = snapshot(
        scope, logs__metric_filters={"filters": [flt]}, bedrock__invocation_logging={"logGroupName": "/g"}
    )
    f = run_probe("token_metric_filters_present", snap, {})
    assert f.value is True and "lat" in f.summary and "/g" in f.summary


def test_feedback_filter_found_by_metric_name_only(scope) -> None:
    flt = {
        "name": "f1",
        "logGroup": "/app",
        "pattern": '{ $.type = "x" }',
        "metrics": ["App/ThumbsUp"],
        "values": ["1"],
    }
    f = run_probe(
        "feedback_metric_filter_present", snapshot(scope, logs__metric_filters={"filters": [flt]}), {}
    )
    assert f.value is True and "f1 on /app" in f.summary


def test_feedback_filter_absent_when_only_token_filters(scope) -> None:
    f = run_probe(
        "feedback_metric_filter_present",
        snapshot(scope, logs__metric_filters={"filters": [TOKEN_FILTER]}),
        {},
    )
    assert f.value is False and "None of the 1 metric filter" in f.summary


def test_retention_missing_log_group_is_not_met(scope) -> None:
    groups = [
        {"function": "a", "name": "/aws/lambda/a", "exists": True, "retentionInDays": 14},
        {"function": "b", "name": "/aws/lambda/b", "exists": False},
    ]
    f = run_probe(
        "llm_lambda_log_retention_set", snapshot(scope, logs__lambda_log_groups={"groups": groups}), {}
    )
    assert f.value is False and "b" in f.summary and "1 LLM function" in f.summary


def test_retention_without_llm_functions_is_not_met(scope) -> None:
    f = run_probe("llm_lambda_log_retention_set", snapshot(scope, logs__lambda_log_groups={"groups": []}), {})
    assert f.value is False and "No LLM Lambda functions" in f.summary


def test_account_level_data_protection_counts(scope) -> None:
    dp = {"group": "/g", "group_policy": False, "account_policies": ["mask-pii"]}
    f = run_probe("invocation_logs_data_protection", snapshot(scope, logs__data_protection=dp), {})
    assert f.value is True and "mask-pii" in f.summary


def test_unsupported_data_protection_is_unknown_naming_the_action(scope) -> None:
    snap = EvidenceSnapshot(
        scope,
        errors={
            "logs.data_protection": SectionError(
                "unsupported", "logs:GetDataProtectionPolicy", "not implemented"
            )
        },
    )
    f = run_probe("invocation_logs_data_protection", snap, {})
    assert f.value is None and f.missing == ("logs:GetDataProtectionPolicy",)
