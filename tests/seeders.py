"""Seed moto with resources several test modules need, so each test says only what differs."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import seed_client


def _action(name: str, category: str, provider: str, **extra: Any) -> dict[str, Any]:
    type_id = {"category": category, "owner": "AWS", "provider": provider, "version": "1"}
    return {"name": name, "actionTypeId": type_id, **extra}


def seed_pipeline(name: str, approval: bool) -> None:
    """A CodePipeline Source -> [Review/Approve, a manual approval] -> Deploy."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "codepipeline.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = seed_client("iam")
    try:
        role = iam.get_role(RoleName="codepipeline")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="codepipeline", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
    seed_client("s3").create_bucket(Bucket="artifacts")
    source = _action(
        "S",
        "Source",
        "S3",
        configuration={"S3Bucket": "artifacts", "S3ObjectKey": "k"},
        outputArtifacts=[{"name": "src"}],
    )
    deploy = _action(
        "D", "Deploy", "CloudFormation", configuration={"StackName": "s"}, inputArtifacts=[{"name": "src"}]
    )
    stages = [{"name": "Source", "actions": [source]}]
    if approval:
        stages.append({"name": "Review", "actions": [_action("Approve", "Approval", "Manual")]})
    stages.append({"name": "Deploy", "actions": [deploy]})
    seed_client("codepipeline").create_pipeline(
        pipeline={
            "name": name,
            "roleArn": role,
            "stages": stages,
            "artifactStore": {"type": "S3", "location": "artifacts"},
        }
    )


def canned_action_group(canned: Any, executor: dict[str, str], confirmation: str = "ENABLED") -> None:
    """Every agent has one action group, `tickets`, whose refund_order function has `requireConfirmation`.

    moto lacks the action-group APIs, so the answers are canned (validated against botocore's shapes).
    """
    summary = {
        "actionGroupId": "AG1",
        "actionGroupName": "tickets",
        "actionGroupState": "ENABLED",
        "updatedAt": "2026-11-01T00:00:00Z",
    }
    canned.add("bedrock-agent", "ListAgentActionGroups", {"actionGroupSummaries": [summary]})
    detail = {
        **summary,
        "agentId": "x",
        "agentVersion": "DRAFT",
        "createdAt": "2026-11-01T00:00:00Z",
        "actionGroupExecutor": executor,
        "functionSchema": {"functions": [{"name": "refund_order", "requireConfirmation": confirmation}]},
    }
    canned.add("bedrock-agent", "GetAgentActionGroup", {"agentActionGroup": detail})


def canned_prompt_router(canned: Any, name: str) -> None:
    """One custom Bedrock prompt router over two models, falling back to the second (moto lacks the API)."""
    router = {
        "promptRouterName": name,
        "routingCriteria": {"responseQualityDifference": 0.1},
        "promptRouterArn": f"arn:aws:bedrock:us-east-1:123456789012:prompt-router/{name}",
        "models": [{"modelArn": "a"}, {"modelArn": "b"}],
        "fallbackModel": {"modelArn": "b"},
        "status": "AVAILABLE",
        "type": "custom",
    }
    canned.add("bedrock", "ListPromptRouters", {"promptRouterSummaries": [router]})
