"""End to end through moto: items decided by CloudWatch evidence come out met, and not met."""

from __future__ import annotations

import json

import pytest

from llmops_audit.model import Status
from tests.conftest import seed_client
from tests.helpers import assess

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0"


def put(name: str, dims: dict[str, str], values: list[float], ns: str = "AWS/Bedrock") -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace=ns,
        MetricData=[
            {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()], "Value": v}
            for v in values
        ],
    )


def alarm(name: str, metric: str, actions: list[str] | None = None) -> None:
    seed_client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/Bedrock",
        MetricName=metric,
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=actions or [],
    )


@pytest.fixture
def empty_bedrock_lists(canned) -> None:
    """The Bedrock list operations moto lacks, answered 'none' so that `any` rules can be decided."""
    canned.add("bedrock", "ListPromptRouters", {"promptRouterSummaries": []})
    canned.add("bedrock", "ListModelInvocationJobs", {"invocationJobSummaries": []})
    canned.add("bedrock", "ListGuardrails", {"guardrails": []})
    canned.add("bedrock", "ListEnforcedGuardrailsConfiguration", {"guardrailsConfig": []})


def test_l1_5_no_tracking_met_in_an_account_without_alarms_dashboards_or_budgets(moto_aws, scope) -> None:
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.MET


def test_l1_5_not_met_once_an_alarm_watches_bedrock(moto_aws, scope) -> None:
    alarm("errors", "InvocationServerErrors")
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.NOT_MET
    assert "errors (InvocationServerErrors)" in items["L1.5"].reason


def test_l2_3_token_usage_and_latency_tracked(moto_aws, scope) -> None:
    alarm("tokens", "InputTokenCount")
    seed_client("cloudwatch").put_dashboard(
        DashboardName="llm",
        DashboardBody=json.dumps(
            {
                "widgets": [
                    {"properties": {"metrics": [["AWS/Bedrock", "InvocationLatency", "ModelId", HAIKU]]}}
                ]
            }
        ),
    )
    items, _, _ = assess(moto_aws, scope, ids=["L2.3"])
    assert items["L2.3"].status is Status.MET
    assert "alarm tokens" in items["L2.3"].reason and "dashboard llm" in items["L2.3"].reason


def test_l2_3_not_met_with_only_latency_alarm(moto_aws, scope) -> None:
    alarm("latency", "InvocationLatency")
    items, _, _ = assess(moto_aws, scope, ids=["L2.3"])
    assert items["L2.3"].status is Status.NOT_MET


def test_l3_5_model_routing_met_with_two_model_families(moto_aws, scope, empty_bedrock_lists) -> None:
    put("Invocations", {"ModelId": HAIKU}, [1.0] * 5)
    put("Invocations", {"ModelId": SONNET}, [1.0] * 2)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.MET
    assert "anthropic.claude-haiku, anthropic.claude-sonnet" in items["L3.5"].reason


def test_l3_5_not_met_with_one_model_and_no_router(moto_aws, scope, empty_bedrock_lists) -> None:
    put("Invocations", {"ModelId": HAIKU}, [1.0] * 5)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.NOT_MET


def test_l3_5_unknown_when_routers_cannot_be_listed(moto_aws, scope, canned) -> None:
    canned.deny("bedrock", "ListPromptRouters")
    put("Invocations", {"ModelId": HAIKU}, [1.0] * 5)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.UNKNOWN
    assert "bedrock:ListPromptRouters" in items["L3.5"].missing


def test_l4_2_caching_met_from_cache_read_metrics(moto_aws, scope, empty_bedrock_lists) -> None:
    put("Invocations", {"ModelId": HAIKU}, [1.0] * 5)
    put("CacheReadInputTokenCount", {"ModelId": HAIKU}, [500.0, 700.0])
    items, metrics, _ = assess(moto_aws, scope, ids=["L4.2", "L4.M3"])
    assert items["L4.2"].status is Status.MET
    assert "1,200 tokens" in items["L4.2"].reason
    assert metrics["L4.M3"].value is not None


def test_l4_2_not_met_without_cache_batch_router_or_api_cache(moto_aws, scope, empty_bedrock_lists) -> None:
    put("Invocations", {"ModelId": HAIKU}, [1.0] * 5)
    items, _, _ = assess(moto_aws, scope, ids=["L4.2"])
    assert items["L4.2"].status is Status.NOT_MET


def test_l1_1_direct_access_met_then_not_met_with_a_front_door(moto_aws, scope, canned) -> None:
    canned.add("bedrock-agent", "ListFlows", {"flowSummaries": []})  # moto lacks flows
    put("Invocations", {"ModelId": HAIKU}, [1.0] * 5)
    items, _, _ = assess(moto_aws, scope, ids=["L1.1"])
    # no API Gateway, agents or flows in the account: models are called directly
    assert items["L1.1"].status is Status.MET
    seed_client("apigateway").create_rest_api(name="front-door")
    items, _, _ = assess(moto_aws, scope, ids=["L1.1"])
    assert items["L1.1"].status is Status.NOT_MET
    assert "front-door" in items["L1.1"].reason


def test_l4_1_feedback_loop_met_from_an_eval_schedule_and_a_feedback_metric(moto_aws, scope, canned) -> None:
    canned.add("bedrock", "ListEvaluationJobs", {})  # no jobs: the schedule alone shows recurrence
    seed_client("stepfunctions").create_state_machine(
        name="rag-eval",
        roleArn="arn:aws:iam::123456789012:role/sfn",
        definition=json.dumps(
            {
                "StartAt": "Start",
                "States": {
                    "Start": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::aws-sdk:bedrock:createEvaluationJob",
                        "End": True,
                    }
                },
            }
        ),
    )
    events = seed_client("events")
    events.put_rule(Name="nightly-rag-eval", ScheduleExpression="rate(1 day)")
    events.put_targets(
        Rule="nightly-rag-eval",
        Targets=[{"Id": "1", "Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:rag-eval"}],
    )
    # tied to the LLM workload by its model dimension (a name alone is not)
    put("ThumbsDown", {"ModelId": "anthropic.claude-3-5-haiku-20241022-v1:0"}, [1.0], ns="SupportBot")
    items, _, _ = assess(moto_aws, scope, ids=["L4.1"])
    assert items["L4.1"].status is Status.MET, items["L4.1"].reason
    assert "nightly-rag-eval" in items["L4.1"].reason and "SupportBot/ThumbsDown" in items["L4.1"].reason


def test_l4_1_not_met_with_evaluations_but_no_feedback_signal(moto_aws, scope, canned) -> None:
    canned.add("bedrock", "ListEvaluationJobs", {})
    events = seed_client("events")
    events.put_rule(Name="nightly-rag-eval", ScheduleExpression="rate(1 day)")
    events.put_targets(
        Rule="nightly-rag-eval",
        Targets=[{"Id": "1", "Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:rag-eval"}],
    )
    items, _, _ = assess(moto_aws, scope, ids=["L4.1"])
    assert items["L4.1"].status is Status.NOT_MET, items["L4.1"].reason
    assert "feedback" in items["L4.1"].reason
