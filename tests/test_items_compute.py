"""End to end through moto: items decided mainly by Lambda, Step Functions, API Gateway, X-Ray,
CloudTrail, CodePipeline, EventBridge, SSM and tagging evidence: met, not met, and some unknown."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from llmops_audit.model import Status
from tests.collectors.test_cloudtrail import (
    BEDROCK,
    INVOKE,
    KB_DATA,
    MANAGEMENT,
    MGMT_ACCOUNT,
    ORG_TRAIL_ARN,
    POLICY_CHANGE,
    lake,
    make_trail,
    member_account,
    put_records,
)
from tests.collectors.test_compute import make_function
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.helpers import assess
from tests.seeders import _action, seed_pipeline
from tests.test_llm_workload import pipeline

SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"


def state_machine(name: str, state: dict, tracing: bool = False) -> str:
    return seed_client("stepfunctions").create_state_machine(
        name=name,
        roleArn=SFN_ROLE,
        tracingConfiguration={"enabled": tracing},
        definition=json.dumps(
            {
                "StartAt": "Ask",
                "States": {
                    "Ask": {
                        "Type": "Task",
                        "End": True,
                        "Resource": "arn:aws:states:::bedrock:invokeModel",  # the LLM workload's
                        **state,
                    }
                },
            }
        ),
    )["stateMachineArn"]


def rest_api(name: str, stages: dict[str, dict]) -> None:
    apigw = seed_client("apigateway")
    api = apigw.create_rest_api(name=name)["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(  # the LLM workload's API: it calls Bedrock directly
        restApiId=api,
        resourceId=root,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:bedrock-runtime:path/model/amazon.nova-lite-v1:0/invoke",
    )
    dep = apigw.create_deployment(restApiId=api)["id"]
    for stage, kw in stages.items():
        apigw.create_stage(restApiId=api, stageName=stage, deploymentId=dep, **kw)


# ---------------------------------------------------------------- L2.4 environments


def test_l2_4_met_from_api_stages_alone(moto_aws, scope) -> None:
    rest_api("support-api", {"staging": {}, "production": {}})
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.MET
    assert "LLM API support-api has environment stages" in items["L2.4"].reason


def test_l2_4_met_from_lambda_aliases(moto_aws, scope) -> None:
    make_function("chat-bot", timeout=30, llm=True)
    lam = seed_client("lambda")
    version = lam.publish_version(FunctionName="chat-bot")["Version"]
    for alias in ("test", "prod"):
        lam.create_alias(FunctionName="chat-bot", Name=alias, FunctionVersion=version)
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.MET
    assert (
        "LLM function chat-bot has environment aliases prod, test" in items["L2.4"].reason
        or "LLM function chat-bot has environment aliases test, prod" in items["L2.4"].reason
    )


def test_l2_4_not_met_with_one_stage_and_version_aliases(moto_aws, scope) -> None:
    rest_api("support-api", {"v1": {}})
    make_function("chat-bot", timeout=30, llm=True)
    seed_client("sqs").create_queue(QueueName="q", tags={"env": "production"})
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.NOT_MET
    assert "the account's other resources are tagged prod" in items["L2.4"].reason


# ---------------------------------------------------------------- L2.5 retry, timeout, error handling


def test_l2_5_met_from_a_workflow_retry_even_with_default_lambda_timeouts(moto_aws, scope) -> None:
    make_function("chat-bot", timeout=3, llm=True)
    state_machine("answer", {"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]})
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.MET
    assert "LLM state machine answer (calls bedrock:invokeModel) uses Retry or Catch" in items["L2.5"].reason


def test_l2_5_not_met_when_timeouts_are_set_but_nothing_handles_failures(moto_aws, scope) -> None:
    make_function("chat-bot", timeout=30, llm=True)
    state_machine("answer", {})
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.NOT_MET
    assert (
        "chat-bot" in items["L2.5"].reason
        and "None of the 1 LLM state machine (answer) uses Retry or Catch" in items["L2.5"].reason
    )


def test_l2_5_unknown_when_lambda_listing_is_denied_and_no_workflow_decides(moto_aws, scope, canned) -> None:
    canned.deny("lambda", "ListFunctions")
    canned.deny("stepfunctions", "ListStateMachines")
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.UNKNOWN
    assert "lambda:ListFunctions" in items["L2.5"].missing


# ---------------------------------------------------------------- L3.2 (schedule) and L3.3 approvals


def _eval_schedule(target_name: str) -> None:
    ev = seed_client("events")
    ev.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    ev.put_targets(
        Rule="nightly",
        Targets=[{"Id": "1", "Arn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{target_name}"}],
    )


def test_l3_2_met_from_an_evaluation_schedule(moto_aws, scope) -> None:
    seed_client("stepfunctions").create_state_machine(
        name="evals",
        roleArn=SFN_ROLE,
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
    _eval_schedule("evals")
    items, _, _ = assess(moto_aws, scope, ids=["L3.2"])
    assert items["L3.2"].status is Status.MET
    assert (
        "Schedule nightly (rate(1 day)) -> state machine evals starts Bedrock evaluation jobs"
        in items["L3.2"].reason
    )


def test_l3_2_not_met_from_a_schedule_named_like_an_evaluation(moto_aws, scope, canned) -> None:
    """Before: a schedule whose target was named rag-eval-runner made L3.2 met."""
    canned.add("bedrock", "ListEvaluationJobs", {})
    _eval_schedule("rag-eval-runner")
    items, _, _ = assess(moto_aws, scope, ids=["L3.2"])
    assert items["L3.2"].status is Status.NOT_MET, items["L3.2"].reason


def test_l3_2_not_met_with_an_unrelated_schedule_and_no_jobs(moto_aws, scope, canned) -> None:
    canned.add("bedrock", "ListEvaluationJobs", {})  # botocore: jobSummaries has min length 1
    _eval_schedule("nightly-backup")
    items, _, _ = assess(moto_aws, scope, ids=["L3.2"])
    assert items["L3.2"].status is Status.NOT_MET


LAMBDA_DEPLOY = _action("Deploy", "Deploy", "Lambda", configuration={"FunctionName": "chat-bot"})


def test_l3_3_met_with_a_manual_approval(moto_aws, scope) -> None:
    make_function("chat-bot", timeout=30, llm=True)
    pipeline("bot-release", LAMBDA_DEPLOY, approval=True)
    items, _, _ = assess(moto_aws, scope, ids=["L3.3"])
    assert items["L3.3"].status is Status.MET
    assert "bot-release (Approve/SignOff; deploys function chat-bot)" in items["L3.3"].reason


def test_l3_3_not_met_without_an_approval_action(moto_aws, scope) -> None:
    make_function("chat-bot", timeout=30, llm=True)
    pipeline("bot-release", LAMBDA_DEPLOY, approval=False)
    items, _, _ = assess(moto_aws, scope, ids=["L3.3"])
    assert items["L3.3"].status is Status.NOT_MET
    assert "bot-release deploys the LLM workload without a manual approval action" in items["L3.3"].reason


def test_l3_3_not_met_when_the_approval_gates_a_pipeline_of_something_else(moto_aws, scope) -> None:
    """Before: any pipeline with an approval made L3.3 met (the CloudFormation stack here holds nothing)."""
    seed_pipeline("bot-release", approval=True)
    items, _, _ = assess(moto_aws, scope, ids=["L3.3"])
    assert items["L3.3"].status is Status.NOT_MET, items["L3.3"].reason


def test_l3_3_unknown_when_pipelines_cannot_be_read(moto_aws, scope, canned) -> None:
    canned.deny("codepipeline", "ListPipelines")
    items, _, _ = assess(moto_aws, scope, ids=["L3.3"])
    assert items["L3.3"].status is Status.UNKNOWN
    assert items["L3.3"].missing == ("codepipeline:ListPipelines",)


# ---------------------------------------------------------------- L3.6 end-to-end observability


def _trace(name: str) -> None:
    start = time.time() - 300
    seed_client("xray").put_trace_segments(
        TraceSegmentDocuments=[
            json.dumps(
                {
                    "name": name,
                    "id": uuid.uuid4().hex[:16],
                    "trace_id": f"1-{int(start):08x}-{uuid.uuid4().hex[:24]}",
                    "start_time": start,
                    "end_time": start + 0.8,
                    "subsegments": [
                        {
                            "name": "Bedrock Runtime",
                            "namespace": "aws",
                            "id": uuid.uuid4().hex[:16],
                            "start_time": start + 0.1,
                            "end_time": start + 0.7,
                        }
                    ],
                }
            )
        ]
    )


def test_l3_6_met_from_a_traced_workflow_and_traces(moto_aws, scope) -> None:
    state_machine("answer", {}, tracing=True)
    _trace("answer")
    items, metrics, _ = assess(moto_aws, scope, ids=["L3.6", "L3.M8"])
    assert items["L3.6"].status is Status.MET
    assert "X-Ray tracing is on for LLM state machine answer" in items["L3.6"].reason
    assert metrics["L3.M8"].value == pytest.approx(800, rel=0.01)


def test_l3_6_not_met_when_tracing_is_on_but_x_ray_holds_no_traces(moto_aws, scope) -> None:
    rest_api("support-api", {"prod": {"tracingEnabled": True}})
    items, metrics, _ = assess(moto_aws, scope, ids=["L3.6", "L3.M8"])
    assert items["L3.6"].status is Status.NOT_MET
    assert "X-Ray holds no traces" in items["L3.6"].reason
    assert metrics["L3.M8"].value is None


# ---------------------------------------------------------------- L5.4 fallbacks (Lambda destination)


def test_l5_4_met_from_a_lambda_on_failure_destination(moto_aws, scope) -> None:
    make_function("chat-bot", timeout=30, llm=True)
    seed_client("lambda").put_function_event_invoke_config(
        FunctionName="chat-bot",
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )
    # an S3 trigger invokes it asynchronously: the on-failure destination applies to those events
    seed_client("lambda").add_permission(
        FunctionName="chat-bot",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads",
    )
    items, _, _ = assess(moto_aws, scope, ids=["L5.4"])
    assert items["L5.4"].status is Status.MET, items["L5.4"].reason
    assert (
        "chat-bot (on-failure destination; invoked asynchronously by s3.amazonaws.com)"
        in items["L5.4"].reason
    )


def test_l5_4_not_met_when_lambdas_only_retry_and_workflows_only_retry(moto_aws, scope, canned) -> None:
    canned.add("bedrock", "ListPromptRouters", {"promptRouterSummaries": []})
    make_function("chat-bot", timeout=30, llm=True)
    seed_client("lambda").put_function_event_invoke_config(FunctionName="chat-bot", MaximumRetryAttempts=2)
    state_machine("answer", {"Retry": [{"ErrorEquals": ["States.ALL"]}]})
    items, _, _ = assess(moto_aws, scope, ids=["L5.4"])
    assert items["L5.4"].status is Status.NOT_MET
    assert "None of the 1 LLM function has an on-failure destination or DLQ" in items["L5.4"].reason
    assert "uses Catch fallbacks" in items["L5.4"].reason


# ---------------------------------------------------------------- L5.6 audit trail


def no_lake(canned) -> None:
    canned.add("cloudtrail", "ListEventDataStores", {"EventDataStores": []})


def test_l5_6_met_with_validated_trail_and_bedrock_data_events(moto_aws, scope, canned) -> None:
    no_lake(canned)
    make_trail(selectors=BEDROCK + KB_DATA, group="/aws/cloudtrail/audit")
    items, metrics, _ = assess(moto_aws, scope, ids=["L5.6", "L5.M8"])
    assert items["L5.6"].status is Status.MET
    assert "Trail audit logs Bedrock data events" in items["L5.6"].reason
    assert metrics["L5.M8"].value == 0  # recorded, and no agent was invoked: a real zero


def test_l5_6_met_from_a_multi_region_trail_homed_in_another_region(moto_aws, scope, canned) -> None:
    # Failed before the fix (shadow trails were not read): "No CloudTrail trail exists".
    no_lake(canned)
    make_trail("west", bucket="west-trail-bucket", selectors=BEDROCK + KB_DATA, region="us-west-2")
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.MET and "Trail west" in items["L5.6"].reason


def test_l5_6_control_tower_member_account(moto_aws, scope, canned) -> None:
    # Failed before the fix: a member account read "No CloudTrail trail exists".
    no_lake(canned)
    member_account(canned, logging=True, selectors=BEDROCK + KB_DATA)
    items, metrics, _ = assess(moto_aws, scope, ids=["L5.6", "L5.M8"])
    assert items["L5.6"].status is Status.MET and "organization trail" in items["L5.6"].reason
    # Its log group is in the management account: no count, and the reason says so.
    assert metrics["L5.M8"].value is None and MGMT_ACCOUNT in metrics["L5.M8"].reason


def test_l5_6_control_tower_member_unreadable_selectors_is_unknown(moto_aws, scope, canned) -> None:
    no_lake(canned)
    member_account(canned, logging=True, selectors=None)
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.UNKNOWN
    assert "cloudtrail:GetEventSelectors" in items["L5.6"].missing
    # Status unreadable too: unknown, never met on assumption.
    canned.fail("cloudtrail", "GetTrailStatus", "TrailNotFoundException", f"Unknown trail: {ORG_TRAIL_ARN}")
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.UNKNOWN


def test_l5_6_met_from_a_lake_store_with_bedrock_data_events(moto_aws, scope, canned) -> None:
    lake(canned, BEDROCK + KB_DATA)
    make_trail()
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.MET
    assert "lake" in items["L5.6"].reason


def test_l5_6_not_met_from_a_lake_store_with_management_events_only(moto_aws, scope, canned) -> None:
    # Failed before the fix: any Lake store (and a store whose status was not returned) made L5.6 met.
    lake(canned, MANAGEMENT)
    make_trail()
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.NOT_MET
    assert "No CloudTrail Lake event data store collects Bedrock data events" in items["L5.6"].reason


def test_l5_6_never_met_when_the_lake_store_is_stopped_or_unread(moto_aws, scope, canned) -> None:
    lake(canned, BEDROCK + KB_DATA, status="STOPPED_INGESTION")
    make_trail()
    assert assess(moto_aws, scope, ids=["L5.6"])[0]["L5.6"].status is Status.NOT_MET
    canned.deny("cloudtrail", "GetEventDataStore")
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.UNKNOWN
    assert "cloudtrail:GetEventDataStore" in items["L5.6"].missing


def test_l5_6_not_met_with_agent_aliases_only(moto_aws, scope, canned) -> None:
    no_lake(canned)
    make_trail(selectors=BEDROCK, group="/aws/cloudtrail/audit")
    items, metrics, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.NOT_MET
    assert "AWS::Bedrock::KnowledgeBase" in items["L5.6"].reason


def test_l5_6_not_met_when_the_trail_with_data_events_lacks_validation(moto_aws, scope, canned) -> None:
    # Failed before the fix: one validated trail + another, unvalidated, with the data events was met.
    no_lake(canned)
    make_trail("validated", bucket="validated-bucket")
    make_trail("data", bucket="data-bucket", selectors=BEDROCK + KB_DATA, validation=False)
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.NOT_MET
    assert "trail data logs them without log-file validation" in items["L5.6"].reason


def test_l5_6_not_met_when_the_trail_lacks_validation(moto_aws, scope) -> None:
    seed_client("s3").create_bucket(Bucket="plain-trail-bucket")
    ct = seed_client("cloudtrail")
    ct.create_trail(Name="plain", S3BucketName="plain-trail-bucket")
    ct.start_logging(Name="plain")
    items, _, _ = assess(moto_aws, scope, ids=["L5.6"])
    assert items["L5.6"].status is Status.NOT_MET
    assert "plain (no log-file validation)" in items["L5.6"].reason


def test_l5_6_unknown_when_trails_are_denied(moto_aws, scope, canned) -> None:
    canned.deny("cloudtrail", "DescribeTrails")
    items, metrics, _ = assess(moto_aws, scope, ids=["L5.6", "L5.M8"])
    assert items["L5.6"].status is Status.UNKNOWN
    assert "cloudtrail:DescribeTrails" in items["L5.6"].missing
    assert metrics["L5.M8"].value is None


def test_l5_m8_counts_only_invoke_agent_events(moto_aws, scope, canned) -> None:
    # Failed before the fix: IAM policy changes granting bedrock:InvokeAgent were counted too (3, not 1).
    no_lake(canned)
    group = "/aws/cloudtrail/audit"
    make_trail(selectors=BEDROCK + KB_DATA, group=group)
    put_records(group, [INVOKE, POLICY_CHANGE, POLICY_CHANGE])
    _, metrics, _ = assess(moto_aws, scope, ids=["L5.M8"])
    assert metrics["L5.M8"].value == 1


def test_l5_m8_no_value_without_agent_alias_data_events(moto_aws, scope, canned) -> None:
    group = "/aws/cloudtrail/audit"
    make_trail(selectors=KB_DATA, group=group)
    put_records(group, [POLICY_CHANGE])
    _, metrics, _ = assess(moto_aws, scope, ids=["L5.M8"])
    assert metrics["L5.M8"].value is None and "AWS::Bedrock::AgentAlias" in metrics["L5.M8"].reason


# ---------------------------------------------------------------- L2.1 prompts in SSM


def test_l2_1_met_from_ssm_prompt_parameters_without_reading_their_values(moto_aws, scope) -> None:
    seed_client("ssm").put_parameter(Name="/prompts/support/system", Value="SECRET-TEMPLATE", Type="String")
    # a parameter counts only when the LLM workload uses it: here an LLM function's environment names it
    make_function("support-bot", timeout=30, llm=True, env={"SYSTEM_PROMPT_PARAM": "/prompts/support/system"})
    items, _, snap = assess(moto_aws, scope, ids=["L2.1"])
    assert items["L2.1"].status is Status.MET, items["L2.1"].reason
    assert "/prompts/support/system (named in the environment of support-bot)" in items["L2.1"].reason
    assert "SECRET-TEMPLATE" not in snap.to_json()
    assert "GetParameter" not in {c["operation"] for c in snap.calls}


def test_l2_1_not_met_without_ssm_prompts_or_bedrock_prompts(moto_aws, scope, canned) -> None:
    canned.add("bedrock-agent", "ListPrompts", {"promptSummaries": []})
    canned.add("bedrock-agent", "ListFlows", {"flowSummaries": []})
    seed_client("ssm").put_parameter(Name="/app/db-host", Value="db", Type="String")
    items, _, _ = assess(moto_aws, scope, ids=["L2.1"])
    assert items["L2.1"].status is Status.NOT_MET
    assert "No SSM parameter is named like a prompt." in items["L2.1"].reason


@pytest.mark.parametrize(
    ("section", "action"),
    [("ssm.prompt_parameter_refs", "lambda:ListFunctions"), ("iam.llm_lambda_roles", "iam:GetRolePolicy")],
)
def test_l2_1_names_the_action_of_an_unread_tie_of_a_prompt_parameter(scope, section, action) -> None:
    """A parameter named like a prompt whose tie to the LLM workload could not be read is unknown, and the item
    names the IAM action that failed (as every denied section does), never met."""
    from llmops_audit.evidence.snapshot import SectionError
    from llmops_audit.probes import run_probe
    from tests.helpers import snapshot

    snap = snapshot(
        scope,
        ssm__prompt_parameters={"parameters": ["/prompts/support"]},
        ssm__prompt_parameter_refs={"refs": {}},
        iam__llm_lambda_roles={"roles": []},
    )
    snap.sections.pop(section)
    snap.errors[section] = SectionError("denied", action, "denied by the test")
    finding = run_probe("ssm_prompt_parameters_present", snap, {})
    assert finding.value is None, finding.summary
    assert finding.missing == (action,)
