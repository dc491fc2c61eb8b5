"""End to end through moto: routing (L3.5, L4.2), adaptation (L4.3), human review (L4.5) and self-healing
(L5.4) are met only on evidence that proves the practice, never on what every account has.

- every prompt router has a fallbackModel (required by CreatePromptRouter: "the default model to use when the
  routing criteria is not met"): not a failure fallback;
- cross-Region inference profiles (us./eu./apac./global.) spread load over Regions: not a failure path;
- default prompt routers exist in every account: they prove routing only when traffic goes through them;
- embedding, image and rerank models are no "cheap vs strong" text routing, nor are two versions of one tier;
- a Flow Condition node is static branching, and a prompt optimization job does not show that its samples came
  from usage or that its output was adopted;
- RETURN_CONTROL hands a tool call to the application, which is no person's review.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from llmops_audit.model import Status
from tests.conftest import seed_client
from tests.helpers import assess
from tests.seeders import canned_prompt_router

ACCOUNT = "123456789012"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0"
SONNET_4_CRIS = "us.anthropic.claude-sonnet-4-20250514-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
DEFAULT_ROUTER = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:default-prompt-router/anthropic.claude:1"
APP_PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abc123def456"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def put(model_id: str, calls: int) -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "ModelId", "Value": model_id}],
                "Value": 1.0,
            }
        ]
        * calls,
    )


@pytest.fixture
def lists(canned) -> None:
    """'None' answers for the Bedrock list operations moto lacks, so that `any` rules can be decided."""
    canned.add("bedrock", "ListPromptRouters", {"promptRouterSummaries": []})
    canned.add("bedrock", "ListModelInvocationJobs", {"invocationJobSummaries": []})


def default_router_listed(canned) -> None:
    """A default router in the answer (what every account has); the collector asks for type=custom."""
    canned.add(
        "bedrock",
        "ListPromptRouters",
        {
            "promptRouterSummaries": [
                {
                    "promptRouterName": "Anthropic Prompt Router",
                    "routingCriteria": {"responseQualityDifference": 0.0},
                    "promptRouterArn": DEFAULT_ROUTER,
                    "models": [
                        {"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"},
                        {"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}"},
                    ],
                    "fallbackModel": {"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}"},
                    "status": "AVAILABLE",
                    "type": "default",
                }
            ]
        },
    )


# -- L5.4: neither a router's fallback model nor cross-Region inference is self-healing --------------------


def test_l5_4_not_met_with_only_cross_region_inference(moto_aws, scope, lists) -> None:
    put(SONNET_4_CRIS, 50)
    items, _, _ = assess(moto_aws, scope, ids=["L5.4"])
    assert items["L5.4"].status is not Status.MET, items["L5.4"].reason
    assert "cross_region_inference_in_use" not in {f.probe for f in items["L5.4"].findings}


def test_l5_4_not_met_with_only_a_prompt_router(moto_aws, scope, canned) -> None:
    canned_prompt_router(canned, "cheap-or-strong")
    items, _, _ = assess(moto_aws, scope, ids=["L5.4", "L3.5"])
    assert items["L5.4"].status is not Status.MET, items["L5.4"].reason
    assert "prompt_router_fallback_configured" not in {f.probe for f in items["L5.4"].findings}
    assert items["L3.5"].status is Status.MET  # a custom router does route: L3.5, not L5.4
    assert "cheap-or-strong" in items["L3.5"].reason


# -- L3.5 / L4.2: routing ----------------------------------------------------------------------------------


def test_l3_5_default_router_listed_but_unused_is_not_routing(moto_aws, scope, canned) -> None:
    default_router_listed(canned)
    canned.add("bedrock", "ListModelInvocationJobs", {"invocationJobSummaries": []})
    put(HAIKU, 10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5", "L4.2"])
    assert items["L3.5"].status is Status.NOT_MET, items["L3.5"].reason
    assert items["L4.2"].status is not Status.MET, items["L4.2"].reason


def test_l3_5_and_l4_2_met_when_traffic_goes_through_a_default_router(moto_aws, scope, lists) -> None:
    put(DEFAULT_ROUTER, 10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5", "L4.2"])
    assert items["L3.5"].status is Status.MET, items["L3.5"].reason
    assert "default-prompt-router/anthropic.claude:1 (10 calls)" in items["L3.5"].reason
    assert items["L4.2"].status is Status.MET, items["L4.2"].reason


def test_l3_5_titan_embeddings_and_claude_is_not_routing(moto_aws, scope, lists) -> None:
    put(HAIKU, 10)
    put(TITAN_EMBED, 40)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.NOT_MET, items["L3.5"].reason
    assert TITAN_EMBED in items["L3.5"].reason  # named as not counted


def test_l3_5_two_versions_of_one_tier_is_not_routing(moto_aws, scope, lists) -> None:
    put(SONNET, 10)
    put(SONNET_4_CRIS, 10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.NOT_MET, items["L3.5"].reason


def test_l3_5_application_inference_profile_traffic_is_not_routing(moto_aws, scope, lists) -> None:
    put(APP_PROFILE, 10)
    put(HAIKU, 10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.NOT_MET, items["L3.5"].reason


def test_l3_5_met_with_a_small_and_a_large_text_model(moto_aws, scope, lists) -> None:
    put(HAIKU, 10)
    put(SONNET_4_CRIS, 3)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.MET, items["L3.5"].reason
    assert "anthropic.claude-haiku, anthropic.claude-sonnet" in items["L3.5"].reason


def test_l3_5_never_met_when_routers_are_denied_and_traffic_is_one_tier(moto_aws, scope, canned) -> None:
    canned.deny("bedrock", "ListPromptRouters")
    put(HAIKU, 10)
    put(TITAN_EMBED, 10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.UNKNOWN
    assert "bedrock:ListPromptRouters" in items["L3.5"].missing


def test_l3_5_never_met_when_metrics_are_denied_and_no_router(moto_aws, scope, canned, lists) -> None:
    canned.deny("cloudwatch", "GetMetricData")
    canned.deny("cloudwatch", "ListMetrics")
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.UNKNOWN, items["L3.5"].reason


def test_l3_5_single_model_custom_router_is_not_routing(moto_aws, scope, canned) -> None:
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"
    canned.add(
        "bedrock",
        "ListPromptRouters",
        {
            "promptRouterSummaries": [
                {
                    "promptRouterName": "solo",
                    "routingCriteria": {"responseQualityDifference": 0.1},
                    "promptRouterArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:prompt-router/solo",
                    "models": [{"modelArn": arn}],
                    "fallbackModel": {"modelArn": arn},
                    "status": "AVAILABLE",
                    "type": "custom",
                }
            ]
        },
    )
    put(HAIKU, 10)
    items, _, _ = assess(moto_aws, scope, ids=["L3.5"])
    assert items["L3.5"].status is Status.NOT_MET, items["L3.5"].reason


# -- L4.3: adaptation needs a person's word ----------------------------------------------------------------


def test_l4_3_flow_condition_node_only_is_not_met(moto_aws, scope, canned) -> None:
    canned.add(
        "bedrock-agent",
        "ListFlows",
        {
            "flowSummaries": [
                {
                    "name": "triage",
                    "id": "FLOW123456",
                    "arn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:flow/FLOW123456",
                    "status": "Prepared",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                    "version": "DRAFT",
                }
            ]
        },
    )
    canned.add(
        "bedrock-agent",
        "GetFlow",
        {
            "name": "triage",
            "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/flow",
            "id": "FLOW123456",
            "arn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:flow/FLOW123456",
            "status": "Prepared",
            "createdAt": NOW,
            "updatedAt": NOW,
            "version": "DRAFT",
            "definition": {
                "nodes": [
                    {"name": "in", "type": "Input"},
                    {"name": "branch", "type": "Condition"},
                    {"name": "out", "type": "Output"},
                ]
            },
        },
    )
    canned.add("bedrock", "ListAdvancedPromptOptimizationJobs", {"jobSummaries": []})
    items, _, _ = assess(moto_aws, scope, ids=["L4.3"])
    assert items["L4.3"].status is Status.UNKNOWN, items["L4.3"].reason
    assert "attest" in items["L4.3"].reason


def test_l4_3_prompt_optimization_job_alone_is_not_met(moto_aws, scope, canned) -> None:
    canned.add(
        "bedrock",
        "ListAdvancedPromptOptimizationJobs",
        {
            "jobSummaries": [
                {"jobArn": "arn:o", "jobName": "opt1", "jobStatus": "Completed", "creationTime": NOW}
            ]
        },
    )
    items, _, _ = assess(moto_aws, scope, ids=["L4.3"])
    assert items["L4.3"].status is Status.UNKNOWN, items["L4.3"].reason
    assert "opt1" in items["L4.3"].reason and "attest" in items["L4.3"].reason


# -- L4.5: human review ------------------------------------------------------------------------------------


def _agent_with_groups(canned, groups: dict[str, tuple[dict[str, str], str]]) -> None:
    """One moto agent whose action groups are {name: (executor, requireConfirmation)}."""
    seed_client("bedrock-agent").create_agent(
        agentName="support-bot",
        agentResourceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/agent",
        foundationModel=HAIKU,
    )
    summaries = [
        {"actionGroupId": f"AG{i}", "actionGroupName": n, "actionGroupState": "ENABLED", "updatedAt": NOW}
        for i, n in enumerate(groups)
    ]
    canned.add("bedrock-agent", "ListAgentActionGroups", {"actionGroupSummaries": summaries})
    canned.add("sagemaker", "ListFlowDefinitions", {"FlowDefinitionSummaries": []})  # no A2I (moto lacks it)

    def detail(params: dict[str, Any]) -> dict[str, Any]:
        s = next(s for s in summaries if s["actionGroupId"] == params["actionGroupId"])
        executor, confirmation = groups[s["actionGroupName"]]
        return {
            "agentActionGroup": {
                **s,
                "agentId": params["agentId"],
                "agentVersion": "DRAFT",
                "createdAt": NOW,
                "actionGroupExecutor": executor,
                "functionSchema": {
                    "functions": [
                        {"name": f"{s['actionGroupName']}_refund", "requireConfirmation": confirmation}
                    ]
                },
            }
        }

    canned.add("bedrock-agent", "GetAgentActionGroup", detail)


LAMBDA = {"lambda": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:tools"}


def test_l4_5_return_control_is_not_human_review(moto_aws, scope, canned) -> None:
    _agent_with_groups(
        canned, {"handoff": ({"customControl": "RETURN_CONTROL"}, "DISABLED"), "tools": (LAMBDA, "DISABLED")}
    )
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.NOT_MET, items["L4.5"].reason
    assert "return control to the application" in items["L4.5"].reason


def test_l4_5_met_when_some_functions_require_confirmation(moto_aws, scope, canned) -> None:
    _agent_with_groups(canned, {"payments": (LAMBDA, "ENABLED"), "lookup": (LAMBDA, "DISABLED")})
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.MET, items["L4.5"].reason


def _a2i(canned, *, textract: bool = False, loops: int | None = 3) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:flow-definition/answer-review"
    created = datetime(2026, 1, 1, tzinfo=UTC)
    canned.add(
        "sagemaker",
        "ListFlowDefinitions",
        {
            "FlowDefinitionSummaries": [
                {
                    "FlowDefinitionName": "answer-review",
                    "FlowDefinitionArn": arn,
                    "FlowDefinitionStatus": "Active",
                    "CreationTime": created,
                }
            ]
        },
    )
    detail: dict[str, Any] = {
        "FlowDefinitionArn": arn,
        "FlowDefinitionName": "answer-review",
        "FlowDefinitionStatus": "Active",
        "CreationTime": created,
        "OutputConfig": {"S3OutputPath": "s3://out/"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/a2i",
    }
    if textract:  # activation conditions exist only for the built-in Textract/Rekognition integrations
        detail["HumanLoopRequestSource"] = {
            "AwsManagedHumanLoopRequestSource": "AWS/Textract/AnalyzeDocument/Forms/V1"
        }
        detail["HumanLoopActivationConfig"] = {
            "HumanLoopActivationConditionsConfig": {
                "HumanLoopActivationConditions": json.dumps(
                    {
                        "Conditions": [
                            {
                                "ConditionType": "Sampling",
                                "ConditionParameters": {"RandomSamplingPercentage": 10},
                            }
                        ]
                    }
                )
            }
        }
    canned.add("sagemaker", "DescribeFlowDefinition", detail)
    if loops is None:
        canned.deny("sagemaker-a2i-runtime", "ListHumanLoops")
        return
    loop = {
        "HumanLoopName": "h",
        "HumanLoopStatus": "Completed",
        "CreationTime": NOW,
        "FlowDefinitionArn": arn,
    }
    canned.add("sagemaker-a2i-runtime", "ListHumanLoops", {"HumanLoopSummaries": [loop] * loops})


def test_l4_5_met_when_a_custom_a2i_flow_reviews_some_outputs(moto_aws, scope, canned) -> None:
    _a2i(canned, loops=3)
    put(HAIKU, 100)
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.MET, items["L4.5"].reason
    assert "3 human loops for 100 Bedrock invocations" in items["L4.5"].reason


def test_l4_5_a2i_flow_definition_without_loops_is_not_met(moto_aws, scope, canned) -> None:
    _a2i(canned, loops=0)
    put(HAIKU, 100)
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.NOT_MET, items["L4.5"].reason


def test_l4_5_textract_review_is_not_model_output_review(moto_aws, scope, canned) -> None:
    """Before: a flow definition with activation conditions made L4.5 met; those exist only for Textract and
    Rekognition, so the loops cannot be tied to Bedrock outputs."""
    _a2i(canned, textract=True, loops=3)
    put(HAIKU, 100)
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is not Status.MET, items["L4.5"].reason


def test_l4_5_never_met_when_human_loops_cannot_be_listed(moto_aws, scope, canned) -> None:
    _a2i(canned, loops=None)
    put(HAIKU, 100)
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is not Status.MET, items["L4.5"].reason


def test_l4_5_review_of_every_output_is_not_selective(moto_aws, scope, canned) -> None:
    _a2i(canned, loops=5)
    put(HAIKU, 5)
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.NOT_MET, items["L4.5"].reason
