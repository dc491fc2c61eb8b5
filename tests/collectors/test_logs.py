"""CloudWatch Logs collectors against moto; no prompt or response text survives collection."""

from __future__ import annotations

import json
import time

from llmops_audit.collectors import CollectContext
from tests.conftest import seed_client

GROUP = "/aws/bedrock/modelinvocations"


def _group_with_events(name: str, messages: list[str], retention: int | None = None) -> None:
    logs = seed_client("logs")
    logs.create_log_group(logGroupName=name)
    if retention:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    if not messages:
        return
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    now = int(time.time() * 1000) - 60_000
    logs.put_log_events(
        logGroupName=name,
        logStreamName="s",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)],
    )


def test_invocation_records_keep_counts_never_text(moto_aws, scope) -> None:
    _group_with_events(
        GROUP,
        [
            json.dumps(
                {
                    "modelId": "m1",
                    "operation": "Converse",
                    "input": {"inputTokenCount": 10, "inputBodyJson": {"x": "SECRET PROMPT"}},
                    "output": {"outputTokenCount": 0, "outputBodyJson": {"y": "SECRET ANSWER"}},
                }
            ),
            "not json",
        ],
        retention=30,
    )
    ctx = CollectContext(moto_aws, scope)
    ctx.data["bedrock.invocation_logging"] = {"logGroupName": GROUP, "s3Bucket": None}
    group = ctx.section("logs.invocation_log_group")
    assert group["exists"] and group["retentionInDays"] == 30
    data = ctx.section("logs.invocation_records")
    assert data["records"] == [
        {"modelId": "m1", "operation": "Converse", "errorCode": None, "inputTokens": 10, "outputTokens": 0}
    ]
    assert "SECRET" not in json.dumps(ctx.data)


def test_missing_invocation_group_is_reported_not_failed(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    ctx.data["bedrock.invocation_logging"] = {"logGroupName": "/nope", "s3Bucket": None}
    assert ctx.section("logs.invocation_log_group") == {"name": "/nope", "exists": False, "configured": True}


def test_metric_filters_and_feedback_counts(moto_aws, scope) -> None:
    _group_with_events(
        "/support/app",
        [json.dumps({"event": "UserFeedback", "rating": r}) for r in ("up", "down", "up")] + ["other line"],
    )
    seed_client("logs").put_metric_filter(
        logGroupName="/support/app",
        filterName="fb",
        filterPattern='"UserFeedback"',
        metricTransformations=[{"metricName": "Feedback", "metricNamespace": "App", "metricValue": "1"}],
    )
    ctx = CollectContext(moto_aws, scope)
    ctx.data["logs.lambda_log_groups"] = {"groups": []}
    assert ctx.section("logs.metric_filters")["filters"][0]["metrics"] == ["App/Feedback"]
    fb = ctx.section("logs.feedback_events")
    assert (fb["events"], fb["up"], fb["down"]) == (3, 2, 1)


def test_data_protection_is_unsupported_by_moto_and_stubbed_otherwise(moto_aws, scope, canned) -> None:
    _group_with_events(GROUP, [], retention=7)
    canned.add(
        "logs", "GetDataProtectionPolicy", {"logGroupIdentifier": GROUP, "policyDocument": '{"Name": "pii"}'}
    )
    canned.add("logs", "DescribeAccountPolicies", {"accountPolicies": []})
    ctx = CollectContext(moto_aws, scope)
    ctx.data["bedrock.invocation_logging"] = {"logGroupName": GROUP, "s3Bucket": None}
    assert ctx.section("logs.data_protection")["group_policy"] is True
