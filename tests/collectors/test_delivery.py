"""Delivery collectors against moto: CodePipeline, EventBridge, SSM parameter names, environment tags."""

from __future__ import annotations

import json

from llmops_audit.collectors import CollectContext
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.seeders import seed_pipeline


def test_pipelines_list_approval_actions(moto_aws, scope) -> None:
    seed_pipeline("reviewed", approval=True)
    seed_pipeline("direct", approval=False)
    data = CollectContext(moto_aws, scope).section("codepipeline.pipelines")
    by = {p["name"]: p for p in data["pipelines"]}
    assert by["reviewed"]["approvals"] == ["Review/Approve"] and by["reviewed"]["stages"] == [
        "Source",
        "Review",
        "Deploy",
    ]
    assert by["direct"]["approvals"] == []


def test_rules_read_targets_of_schedules_only(moto_aws, scope) -> None:
    ev = seed_client("events")
    ev.put_rule(Name="nightly-eval", ScheduleExpression="cron(0 2 * * ? *)", Description="RAG regression")
    ev.put_targets(
        Rule="nightly-eval",
        Targets=[{"Id": "1", "Arn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:run-eval"}],
    )
    ev.put_rule(Name="on-upload", EventPattern=json.dumps({"source": ["aws.s3"]}))
    data = CollectContext(moto_aws, scope).section("events.rules")
    by = {r["name"]: r for r in data["rules"]}
    assert by["nightly-eval"]["schedule"] == "cron(0 2 * * ? *)"
    assert by["nightly-eval"]["targets"] == [f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:run-eval"]
    assert by["on-upload"]["schedule"] is None and by["on-upload"]["targets"] == []
    assert [c.operation for c in moto_aws.calls].count("ListTargetsByRule") == 1


def test_prompt_parameters_keep_names_never_values(moto_aws, scope) -> None:
    ssm = seed_client("ssm")
    ssm.put_parameter(
        Name="/prompts/support/system", Value="You are a secret-keeping assistant", Type="String"
    )
    ssm.put_parameter(Name="/app/SystemPrompt", Value="another template", Type="String")
    ssm.put_parameter(Name="/app/db-host", Value="db.internal", Type="String")
    data = CollectContext(moto_aws, scope).section("ssm.prompt_parameters")
    assert data == {"parameters": ["/app/SystemPrompt", "/prompts/support/system"]}
    assert "secret" not in json.dumps(data)


def test_environment_tag_values_are_distinct_per_key(moto_aws, scope) -> None:
    sqs = seed_client("sqs")
    for i, env in enumerate(("prod", "prod", "dev")):
        sqs.create_queue(QueueName=f"q{i}", tags={"env": env})
    seed_client("s3").create_bucket(Bucket="staging-data")
    seed_client("s3").put_bucket_tagging(
        Bucket="staging-data", Tagging={"TagSet": [{"Key": "Stage", "Value": "staging"}]}
    )
    data = CollectContext(moto_aws, scope).section("tagging.environments")
    assert data["tag_values"]["env"] == ["dev", "prod"]
    assert data["tag_values"].get("Stage") == ["staging"]
    assert "environment" not in data["tag_values"]
