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


FUNCTIONS = {
    "functions": [
        {"name": "answerer", "arn": "arn:aws:lambda:us-east-1:1:function:answerer", "envNames": ["MODEL_ID"]}
    ],
    "total": 1,
}
LOGGING = {"logGroupName": "/aws/bedrock/modelinvocations"}


def run_filters(probe: str, filters: list, scope, logging=LOGGING, functions=FUNCTIONS):
    sections = {"logs__metric_filters": {"filters": filters}, "lambda__functions": functions}
    if logging is not None:
        sections["bedrock__invocation_logging"] = logging
    return run_probe(probe, snapshot(scope, **sections), {})


def test_token_filter_on_another_log_group_does_not_count(scope) -> None:
    f = run_filters("token_metric_filters_present", [TOKEN_FILTER], scope)
    assert f.value is False, f.summary
    assert "/aws/bedrock/modelinvocations" in f.summary and "1 filter" in f.summary


def test_token_filters_count_on_the_invocation_group_and_llm_function_groups(scope) -> None:
    on_log = {**TOKEN_FILTER, "logGroup": "/aws/bedrock/modelinvocations"}
    assert run_filters("token_metric_filters_present", [on_log], scope).value is True
    on_fn = {**TOKEN_FILTER, "logGroup": "/aws/lambda/answerer"}
    assert run_filters("token_metric_filters_present", [on_fn], scope).value is True


def test_a_latency_field_is_not_token_usage(scope) -> None:
    """Before: a filter with 'latency' anywhere (an nginx access log) made L2.3 met."""
    nginx = {
        "name": "nginx",
        "logGroup": "/shop/nginx/access",
        "pattern": "[ip, user, request, status, bytes, latency]",
        "metrics": ["Shop/UpstreamLatency"],
        "values": ["$latency"],
    }
    assert run_filters("token_metric_filters_present", [nginx], scope).value is False
    assert run_filters("token_metric_filters_present", [nginx], scope, logging={}).value is False
    # DescribeMetricFilters lists every group's filters: with none extracting tokens anywhere, the denied
    # logging configuration cannot change the answer.
    assert run_filters("token_metric_filters_present", [nginx], scope, logging=None).value is False


def test_no_wider_search_when_the_logging_configuration_is_unreadable(scope) -> None:
    """Before: with the logging configuration denied, a token filter on any group counted."""
    f = run_filters("token_metric_filters_present", [TOKEN_FILTER], scope, logging=None)
    assert f.value is None and "bedrock.invocation_logging" in f.summary


def test_feedback_filter_counts_on_an_llm_log_group_only(scope) -> None:
    flt = {
        "name": "f1",
        "logGroup": "/aws/lambda/answerer",
        "pattern": '{ $.type = "x" }',
        "metrics": ["App/ThumbsUp"],
        "values": ["1"],
    }
    f = run_filters("feedback_metric_filter_present", [flt], scope)
    assert f.value is True and "f1 on /aws/lambda/answerer" in f.summary
    contact = {**flt, "logGroup": "/shop/contact-form"}
    assert run_filters("feedback_metric_filter_present", [contact], scope).value is False
    unread = {"functions": [{"name": "answerer", "arn": "a", "roleActions": None}], "total": 1}
    assert run_filters("feedback_metric_filter_present", [contact], scope, functions=unread).value is None


def test_feedback_filter_absent_when_only_token_filters(scope) -> None:
    f = run_filters("feedback_metric_filter_present", [TOKEN_FILTER], scope)
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
    f = run_probe(
        "llm_lambda_log_retention_set",
        snapshot(
            scope, logs__lambda_log_groups={"groups": []}, lambda__functions={"functions": [], "total": 0}
        ),
        {},
    )
    assert f.value is False and "No Lambda function is the LLM workload's" in f.summary


def test_account_level_data_protection_counts(scope) -> None:
    dp = {
        "group": "/g",
        "group_policy": False,
        "account_policies": ["mask-pii"],
        "account_masks": {"mask-pii": ["EmailAddress"]},
    }
    f = run_probe("invocation_logs_data_protection", snapshot(scope, logs__data_protection=dp), {})
    assert f.value is True and "mask-pii" in f.summary


def test_data_protection_policy_of_unrecorded_operations_is_unknown(scope) -> None:
    """A snapshot saved before the documents were read: the policy may only audit, so not met is unproven
    and met is unproven."""
    dp = {"group": "/g", "group_policy": True, "account_policies": []}
    f = run_probe("invocation_logs_data_protection", snapshot(scope, logs__data_protection=dp), {})
    assert f.value is None and "Audit-only" in f.summary


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
