"""Issue 10 (false not-met findings): Lambda workload tags, function URLs, ALB / AppSync / AgentCore front
doors, EventBridge Scheduler schedules, and IAM-enforced guardrails."""

from __future__ import annotations

from llmops_audit.collectors import CollectContext
from llmops_audit.probes import run_probe
from tests.collectors.test_compute import make_function
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.helpers import snapshot

FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
PROFILE = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/abc123"


def _ctx(moto_aws, scope) -> CollectContext:
    ctx = CollectContext(moto_aws, scope)
    ctx.data["agents.agents"] = {"agents": []}
    return ctx


def _tagging(canned, mapping: dict[str, dict[str, str]]) -> None:
    canned.add(
        "resourcegroupstaggingapi",
        "GetResources",
        lambda params: {
            "ResourceTagMappingList": [
                {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
                for arn, tags in mapping.items()
                if any(arn.split(":")[2].startswith(t.split(":")[0]) for t in params["ResourceTypeFilters"])
            ]
        },
    )


def test_a_function_sharing_a_bedrock_resources_tag_is_the_workloads(moto_aws, scope, canned) -> None:
    """Before: workloadTagged had no collector, so a function tied only by the workload tag was not the LLM
    workload's. After: a tag pair shared with an application inference profile ties it; an environment tag
    shared with it, or a tag no Bedrock resource carries, does not."""
    make_function("answer")
    make_function("thumbnailer")
    make_function("resizer")
    _tagging(
        canned,
        {
            PROFILE: {"app": "support-assistant", "env": "prod"},
            FN + "answer": {"app": "support-assistant"},
            FN + "thumbnailer": {"env": "prod"},  # environments tag half the account: never a tie
            FN + "resizer": {"app": "website"},
        },
    )
    data = _ctx(moto_aws, scope).section("lambda.functions")
    by = {f["name"]: f for f in data["functions"]}
    assert by["answer"]["workloadTagged"] is True and by["answer"]["workloadTags"] == [
        "app=support-assistant"
    ]
    assert by["answer"]["llm"] is True and "retries" in by["answer"]  # its detail is read as an LLM function
    assert by["thumbnailer"]["workloadTagged"] is False and by["resizer"]["workloadTagged"] is False
    assert data["tagsRead"] is True and data["workloadTagPairs"] == 1
    verdict = run_probe("llm_workload_found", snapshot(scope, lambda__functions=data), {})
    assert (
        verdict.value is True and "answer" in verdict.summary and "app=support-assistant" in verdict.summary
    )


def test_denied_tag_read_leaves_untied_functions_unknown(moto_aws, scope, canned) -> None:
    """tag:GetResources denied: the functions are still read, and 'no LLM function' becomes unknown."""
    make_function("thumbnailer")
    canned.deny("resourcegroupstaggingapi", "GetResources")
    data = _ctx(moto_aws, scope).section("lambda.functions")
    assert data["tagsRead"] is False and "workloadTagged" not in data["functions"][0]
    verdict = run_probe("lambda_timeouts_configured", snapshot(scope, lambda__functions=data), {})
    assert verdict.value is None and "tags of thumbnailer could not be read" in verdict.summary


def test_function_urls_of_llm_functions_are_read(moto_aws, scope) -> None:
    make_function("answer", llm=True)
    seed_client("lambda").create_function_url_config(FunctionName="answer", AuthType="AWS_IAM")
    make_function("other", llm=True)
    data = _ctx(moto_aws, scope).section("lambda.functions")
    by = {f["name"]: f for f in data["functions"]}
    assert by["answer"]["urls"] == [{"authType": "AWS_IAM", "alias": None}]
    assert by["other"]["urls"] == []
