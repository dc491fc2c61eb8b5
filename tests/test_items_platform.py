"""End to end through moto: Lambda, tagging, CodePipeline, tracing, CloudTrail, Budgets and IAM items."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile

import pytest

from llmops_audit.model import Status
from tests.conftest import ACCOUNT, seed_client
from tests.helpers import assess
from tests.seeders import canned_action_group

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def role(name: str = "fn-role", policy: dict | None = None, boundary: str | None = None) -> str:
    iam = seed_client("iam")
    kw = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, **kw)["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def function(name: str, timeout: int = 3, tracing: str = "PassThrough", **kw) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return 1\n")
    return seed_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=kw.pop("role_arn", None) or role(f"{name}-role"),
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
        Timeout=timeout,
        TracingConfig={"Mode": tracing},
        **kw,
    )["FunctionArn"]


MODEL_ENV = {"Variables": {"MODEL_ID": "amazon.nova-lite-v1:0"}}  # ties a function to the LLM workload


def test_l2_5_retry_timeout_handling_met(moto_aws, scope) -> None:
    function("chat-bot", timeout=30, Environment=MODEL_ENV)
    lam = seed_client("lambda")
    lam.put_function_event_invoke_config(FunctionName="chat-bot", MaximumRetryAttempts=1)
    # retries apply to asynchronous invocations only: S3 notifications invoke the function asynchronously
    lam.add_permission(
        FunctionName="chat-bot",
        StatementId="uploads",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::support-uploads",
        SourceAccount=ACCOUNT,
    )
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.MET, items["L2.5"].reason
    assert "chat-bot 30s" in items["L2.5"].reason
    assert "chat-bot (1 retries; invoked asynchronously by s3.amazonaws.com)" in items["L2.5"].reason


def test_l2_5_not_met_with_default_timeout_and_no_failure_handling(moto_aws, scope) -> None:
    function("chat-bot", timeout=3, Environment=MODEL_ENV)
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.NOT_MET
    assert "chat-bot (3 s, the Lambda default)" in items["L2.5"].reason


def test_l2_4_environments_met_from_tags(moto_aws, scope) -> None:
    for env in ("dev", "prod"):
        function(f"chat-{env}", timeout=30, Environment=MODEL_ENV, Tags={"env": env})
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.MET
    assert "dev (chat-dev); prod (chat-prod)" in items["L2.4"].reason


def test_l2_4_not_met_from_tags_on_resources_that_are_not_the_llm_workloads(moto_aws, scope) -> None:
    """Before: any two resources tagged dev and prod (two SQS queues) made L2.4 met."""
    sqs = seed_client("sqs")
    for env in ("dev", "prod"):
        sqs.create_queue(QueueName=f"q-{env}", tags={"env": env})
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.NOT_MET, items["L2.4"].reason


def test_l2_4_not_met_with_a_single_environment(moto_aws, scope) -> None:
    seed_client("sqs").create_queue(QueueName="q", tags={"env": "prod"})
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.NOT_MET


def test_l3_6_observability_met_with_tracing_and_traces(moto_aws, scope) -> None:
    function("rag-bot", timeout=10, tracing="Active", Environment=MODEL_ENV)
    now = time.time() - 60
    seed_client("xray").put_trace_segments(
        TraceSegmentDocuments=[
            json.dumps(
                {
                    "name": "rag-bot",
                    "id": uuid.uuid4().hex[:16],
                    "trace_id": f"1-{int(now):08x}-{uuid.uuid4().hex[:24]}",
                    "start_time": now,
                    "end_time": now + 1.5,
                }
            )
        ]
    )
    items, metrics, _ = assess(moto_aws, scope, ids=["L3.6", "L3.M8"])
    assert items["L3.6"].status is Status.MET
    assert metrics["L3.M8"].value == pytest.approx(1500, rel=0.01)


def test_l3_6_not_met_without_tracing(moto_aws, scope) -> None:
    function("rag-bot", timeout=10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.6"])
    assert items["L3.6"].status is Status.NOT_MET


def _trail(selectors: list[dict] | None) -> None:
    seed_client("s3").create_bucket(Bucket="trail-bucket")
    ct = seed_client("cloudtrail")
    ct.create_trail(
        Name="audit", S3BucketName="trail-bucket", IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    ct.start_logging(Name="audit")
    if selectors:
        ct.put_event_selectors(TrailName="audit", AdvancedEventSelectors=selectors)


BEDROCK_DATA = [
    {
        "Name": "bedrock",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {
                "Field": "resources.type",
                "Equals": ["AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase"],
            },
        ],
    }
]


def test_l5_6_audit_trail_met_with_bedrock_data_events(moto_aws, scope) -> None:
    _trail(BEDROCK_DATA)
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.MET
    assert (
        "Trail audit logs Bedrock data events for AWS::Bedrock::AgentAlias, AWS::Bedrock::KnowledgeBase"
        in items["L5.6"].reason
    )


def test_l5_6_not_met_without_data_event_selectors(moto_aws, scope, canned) -> None:
    canned.add("cloudtrail", "ListEventDataStores", {"EventDataStores": []})
    _trail(None)
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.NOT_MET


def _bedrock_spend_under(canned, key: str, value: str) -> None:
    """Cost Explorer: Bedrock spend in the period, all of it grouped under `key`=`value` when asked per tag."""

    def answer(params: dict) -> dict:
        row = {"TimePeriod": {"Start": "2026-11-01", "End": "2026-12-01"}, "Estimated": True}
        money = {"UnblendedCost": {"Amount": "42.00", "Unit": "USD"}}
        if params.get("GroupBy"):
            grouped = params["GroupBy"][0]["Key"] == key
            keys = [f"{key}${value}" if grouped else f"{params['GroupBy'][0]['Key']}$"]
            return {"ResultsByTime": [{**row, "Groups": [{"Keys": keys, "Metrics": money}]}]}
        return {"ResultsByTime": [{**row, "Total": money}]}

    canned.add("ce", "GetCostAndUsage", answer)


def test_l4_6_cost_monitored_met_with_budget_and_active_tags(moto_aws, scope, canned) -> None:
    """A budget filtered to Amazon Bedrock that notifies finops, and an active tag that Bedrock spend carries."""
    seed_client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "llm",
            "BudgetLimit": {"Amount": "100", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CostFilters": {"Service": ["Amazon Bedrock"]},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": "ACTUAL",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80,
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finops@example.com"}],
            }
        ],
    )
    canned.add(
        "ce",
        "ListCostAllocationTags",
        {"CostAllocationTags": [{"TagKey": "app", "Type": "UserDefined", "Status": "Active"}]},
    )
    _bedrock_spend_under(canned, "app", "support-bot")
    canned.add("ce", "GetAnomalyMonitors", {"AnomalyMonitors": []})
    canned.add("bedrock", "ListInferenceProfiles", {"inferenceProfileSummaries": []})
    items, _, _ = assess(moto_aws, scope, ids=["L4.6"])
    assert items["L4.6"].status is Status.MET, items["L4.6"].reason
    assert "llm" in items["L4.6"].reason and "app (support-bot)" in items["L4.6"].reason


def test_l4_6_not_met_without_a_budget(moto_aws, scope, canned) -> None:
    canned.add(
        "ce",
        "ListCostAllocationTags",
        {"CostAllocationTags": [{"TagKey": "app", "Type": "UserDefined", "Status": "Active"}]},
    )
    items, _, _ = assess(moto_aws, scope, ids=["L4.6"])
    assert items["L4.6"].status is Status.NOT_MET
    assert "No AWS Budget" in items["L4.6"].reason


INVOKE_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}],
}


def _boundary() -> str:
    """A customer managed permissions boundary that allows model invocation only."""
    iam = seed_client("iam")
    try:
        return iam.create_policy(PolicyName="llm-boundary", PolicyDocument=json.dumps(INVOKE_ONLY))["Policy"][
            "Arn"
        ]
    except iam.exceptions.EntityAlreadyExistsException:
        return f"arn:aws:iam::{ACCOUNT}:policy/llm-boundary"


def _agent(role_policy: dict, boundary: str | None = None) -> str:
    """The agent `helper` under role agent-role; returns its id."""
    arn = role("agent-role", role_policy, boundary)
    return seed_client("bedrock-agent").create_agent(
        agentName="helper",
        agentResourceRoleArn=arn,
        foundationModel="anthropic.claude-3-5-haiku-20241022-v1:0",
    )["agent"]["agentId"]


def _no_api_keys(canned) -> None:
    """moto lacks ListServiceSpecificCredentials: no IAM user holds a long-term Bedrock API key."""
    canned.add(
        "iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": [], "IsTruncated": False}
    )


def test_l5_3_not_met_when_an_agent_role_is_admin(moto_aws, scope) -> None:
    _agent({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    items, _, _ = assess(moto_aws, scope, ids=["L5.3"])
    assert items["L5.3"].status is Status.NOT_MET
    assert "agent-role" in items["L5.3"].reason and "every action on every resource" in items["L5.3"].reason


def test_l5_3_met_with_scoped_role_and_tool_lambda_limited_to_the_agent(moto_aws, scope, canned) -> None:
    """Bounded, scoped agent and tool-Lambda roles, no long-term API key, the tool invocable only by its agent."""
    agent_id = _agent(INVOKE_ONLY, boundary=_boundary())
    tool = function("ticket-tool", timeout=10, role_arn=role("ticket-tool-role", boundary=_boundary()))
    seed_client("lambda").add_permission(
        FunctionName="ticket-tool",
        StatementId="agent",
        Action="lambda:InvokeFunction",
        Principal="bedrock.amazonaws.com",
        SourceAccount=ACCOUNT,
        SourceArn=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:agent/{agent_id}",
    )
    # no user confirmation on the tool: only the Lambda's resource policy bounds what the agent may do
    canned_action_group(canned, {"lambda": tool}, confirmation="DISABLED")
    _no_api_keys(canned)
    items, _, _ = assess(moto_aws, scope, ids=["L5.3"])
    assert items["L5.3"].status is Status.MET, items["L5.3"].reason
    assert (
        "Bedrock may invoke ticket-tool only for a source agent named in AWS:SourceArn"
        in items["L5.3"].reason
    )
