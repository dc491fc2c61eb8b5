"""Bedrock control-plane collectors against moto, canned responses and botocore's Stubber."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import Stubber

from llmops_audit.collectors import CollectContext, SectionFailed
from tests.conftest import seed_client
from tests.seeders import canned_prompt_router

NOW = datetime.now(UTC)
GID = "gr1abc"
GARN = f"arn:aws:bedrock:us-east-1:123456789012:guardrail/{GID}"


def _guardrail_summary(version: str) -> dict:
    return {
        "id": GID,
        "arn": GARN,
        "status": "READY",
        "name": "g1",
        "version": version,
        "createdAt": NOW,
        "updatedAt": NOW,
    }


def _canned_guardrail(canned, versions=("DRAFT", "1", "2"), grounding: bool = True) -> None:
    def list_guardrails(params):
        if params.get("guardrailIdentifier"):
            return {"guardrails": [_guardrail_summary(v) for v in versions]}
        return {"guardrails": [_guardrail_summary("DRAFT")]}

    canned.add("bedrock", "ListGuardrails", list_guardrails)
    canned.add(
        "bedrock",
        "GetGuardrail",
        lambda p: {
            "name": "g1",
            "guardrailId": GID,
            "guardrailArn": GARN,
            "version": p.get("guardrailVersion", "DRAFT"),
            "status": "READY",
            "createdAt": NOW,
            "updatedAt": NOW,
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "contentPolicy": {
                "filters": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]
            },
            "sensitiveInformationPolicy": {
                "piiEntities": [{"type": "EMAIL", "action": "ANONYMIZE"}],
                "regexes": [{"name": "r", "pattern": "x+", "action": "BLOCK"}],
            },
            **(
                {"contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "threshold": 0.8}]}}
                if grounding
                else {}
            ),
            "automatedReasoningPolicy": {
                "policies": ["arn:aws:bedrock:us-east-1:123456789012:automated-reasoning-policy/p1"]
            },
        },
    )


def test_invocation_logging_unset_then_set(moto_aws, scope):
    from llmops_audit.collectors.bedrock import invocation_logging

    assert invocation_logging(CollectContext(moto_aws, scope))["enabled"] is False
    seed_client("logs").create_log_group(logGroupName="/aws/bedrock/modelinvocations")
    seed_client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": "/aws/bedrock/modelinvocations",
                "roleArn": "arn:aws:iam::123456789012:role/log",
            },
            "s3Config": {"bucketName": "logs-bucket", "keyPrefix": "bedrock"},
            "textDataDeliveryEnabled": True,
        }
    )
    data = invocation_logging(CollectContext(moto_aws, scope))
    assert data["enabled"] is True
    assert data["logGroupName"] == "/aws/bedrock/modelinvocations"
    assert data["s3Bucket"] == "logs-bucket"
    assert data["textDataDeliveryEnabled"] is True and data["imageDataDeliveryEnabled"] is False


def test_guardrails_read_highest_version(moto_aws, scope, canned):
    _canned_guardrail(canned)
    data = CollectContext(moto_aws, scope).section("bedrock.guardrails")
    (g,) = data["guardrails"]
    assert g["versions"] == ["1", "2"]
    assert g["detail_version"] == "2"
    assert g["pii_entities"] == [
        {
            "type": "EMAIL",
            "action": "ANONYMIZE",
            "inputAction": None,
            "outputAction": None,
            "inputEnabled": None,
            "outputEnabled": None,
        }
    ]
    assert set(g["version_details"]) == {"2", "1", "DRAFT"}  # the newest versions and DRAFT
    assert g["regex_count"] == 1 and g["regex_actions"] == ["BLOCK"]
    assert g["content_filters"][0]["type"] == "PROMPT_ATTACK"
    assert g["grounding_filters"][0]["threshold"] == 0.8
    assert g["automated_reasoning_policies"][0].endswith("/p1")
    assert data["errors"] == []


def test_guardrail_detail_denied_is_recorded_not_fatal(moto_aws, scope, canned):
    _canned_guardrail(canned)
    canned.deny("bedrock", "GetGuardrail")
    data = CollectContext(moto_aws, scope).section("bedrock.guardrails")
    assert data["guardrails"][0]["detail_version"] is None
    assert data["errors"][0]["action"] == "bedrock:GetGuardrail"
    assert data["errors"][0]["kind"] == "denied"


def test_guardrails_unsupported_in_moto_fails_the_section(moto_aws, scope):
    ctx = CollectContext(moto_aws, scope)
    with pytest.raises(SectionFailed):
        ctx.section("bedrock.guardrails")
    assert ctx.errors["bedrock.guardrails"].kind == "unsupported"
    assert ctx.errors["bedrock.guardrails"].action == "bedrock:ListGuardrails"


def _canned_eval(
    canned, created, metrics=("Builtin.Faithfulness",), bucket="eval-out", name="job1", status="Completed"
):
    arn = f"arn:aws:bedrock:us-east-1:123456789012:evaluation-job/{name}id"
    canned.add(
        "bedrock",
        "ListEvaluationJobs",
        {
            "jobSummaries": [
                {
                    "jobArn": arn,
                    "jobName": name,
                    "status": status,
                    "creationTime": created,
                    "jobType": "Automated",
                    "evaluationTaskTypes": ["Generation"],
                    "applicationType": "ModelEvaluation",
                }
            ]
        },
    )
    canned.add(
        "bedrock",
        "GetEvaluationJob",
        {
            "jobName": name,
            "status": status,
            "jobArn": arn,
            "roleArn": "arn:aws:iam::123456789012:role/e",
            "jobType": "Automated",
            "applicationType": "ModelEvaluation",
            "evaluationConfig": {
                "automated": {
                    "datasetMetricConfigs": [
                        {"taskType": "Generation", "dataset": {"name": "d"}, "metricNames": list(metrics)}
                    ],
                    "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": "judge-model"}]},
                }
            },
            "inferenceConfig": {"models": [{"bedrockModel": {"modelIdentifier": "m"}}]},
            "outputDataConfig": {"s3Uri": f"s3://{bucket}/out"},
            "creationTime": created,
        },
    )


def test_evaluation_jobs_read_scores_from_s3(moto_aws, scope, canned):
    s3 = seed_client("s3")
    s3.create_bucket(Bucket="eval-out")
    lines = [
        {
            "automatedEvaluationResult": {
                "scores": [
                    {"metricName": "Builtin.Faithfulness", "result": r},
                    {"metricName": "Builtin.Helpfulness", "result": 1},
                ]
            },
            "inputRecord": {"prompt": "SECRET PROMPT TEXT"},
        }
        for r in (0.2, 0.6, 1.0)
    ]
    body = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    s3.put_object(
        Bucket="eval-out",
        Key="out/job1/jobid/models/m/taskTypes/Generation/datasets/d/a_output.jsonl",
        Body=body.encode(),
    )
    s3.put_object(Bucket="eval-out", Key="out/job1/jobid/other.json", Body=b"{}")
    _canned_eval(canned, NOW - timedelta(days=2))
    data = CollectContext(moto_aws, scope).section("bedrock.evaluation_jobs")
    (job,) = data["jobs"]
    assert job["detail"] and job["judge"] and job["judgeModels"] == ["judge-model"]
    assert job["metricNames"] == ["Builtin.Faithfulness"]
    scores = job["scores"]
    assert scores["files"] == 1 and scores["records"] == 3
    assert scores["metrics"]["Builtin.Faithfulness"]["mean"] == pytest.approx(0.6)
    assert scores["metrics"]["Builtin.Faithfulness"] == {"mean": pytest.approx(0.6), "count": 3}
    # Every metric's record scores are kept; no threshold is applied by the collector.
    assert scores["record_scores"] == {
        "Builtin.Faithfulness": [0.2, 0.6, 1.0],
        "Builtin.Helpfulness": [1, 1, 1],
    }
    assert "SECRET" not in json.dumps(data)


def test_evaluation_scores_denied_keeps_the_job(moto_aws, scope, canned):
    seed_client("s3").create_bucket(Bucket="eval-out")
    _canned_eval(canned, NOW - timedelta(days=2))
    canned.deny(
        "s3",
        "ListObjectsV2",
        "User: arn:aws:iam::123456789012:user/audit is not authorized to perform: "
        "s3:ListBucket on resource: arn:aws:s3:::eval-out",
    )
    data = CollectContext(moto_aws, scope).section("bedrock.evaluation_jobs")
    job = data["jobs"][0]
    assert job["detail"] is True and job["scores"] is None
    assert "s3:ListBucket" in job["score_error"]
    assert data["errors"][0]["action"] == "s3:ListBucket"


def test_inference_profiles_with_stubber(moto_aws, scope):
    client = moto_aws._client("bedrock")
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1"
    with Stubber(client) as stub:
        stub.add_response(
            "list_inference_profiles",
            {
                "inferenceProfileSummaries": [
                    {
                        "inferenceProfileName": "support-app",
                        "inferenceProfileArn": arn,
                        "inferenceProfileId": "p1",
                        "models": [{"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/m"}],
                        "status": "ACTIVE",
                        "type": "APPLICATION",
                    }
                ]
            },
            {"typeEquals": "APPLICATION"},
        )
        stub.add_response(
            "list_tags_for_resource", {"tags": [{"key": "app", "value": "support"}]}, {"resourceARN": arn}
        )
        data = CollectContext(moto_aws, scope).section("bedrock.inference_profiles")
        stub.assert_no_pending_responses()
    assert data["profiles"][0]["tags"] == {"app": "support"}
    assert data["profiles"][0]["models"] == ["arn:aws:bedrock:us-east-1::foundation-model/m"]


def test_routers_jobs_enforced_policies(moto_aws, scope, canned):
    canned_prompt_router(canned, "r1")
    canned.add(
        "bedrock",
        "ListModelInvocationJobs",
        {
            "invocationJobSummaries": [
                {
                    "jobArn": "arn:j",
                    "jobName": "batch1",
                    "modelId": "m",
                    "roleArn": "arn:r",
                    "status": "Completed",
                    "submitTime": NOW,
                    "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://b/in/"}},
                    "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://b/out/"}},
                }
            ]
        },
    )
    canned.add(
        "bedrock",
        "ListEnforcedGuardrailsConfiguration",
        {
            "guardrailsConfig": [
                {"configId": "c1", "guardrailArn": GARN, "guardrailId": GID, "guardrailVersion": "1"}
            ]
        },
    )
    canned.add(
        "bedrock",
        "ListAutomatedReasoningPolicies",
        {
            "automatedReasoningPolicySummaries": [
                {
                    "policyArn": "arn:p",
                    "name": "refunds",
                    "version": "1",
                    "policyId": "p",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                }
            ]
        },
    )
    canned.add(
        "bedrock",
        "ListAdvancedPromptOptimizationJobs",
        {
            "jobSummaries": [
                {"jobArn": "arn:o", "jobName": "opt1", "jobStatus": "Completed", "creationTime": NOW}
            ]
        },
    )
    ctx = CollectContext(moto_aws, scope)
    assert ctx.section("bedrock.prompt_routers")["routers"][0]["fallbackModel"] == "b"
    assert ctx.section("bedrock.invocation_jobs")["jobs"][0]["name"] == "batch1"
    assert ctx.section("bedrock.enforced_guardrails")["configs"][0]["guardrailVersion"] == "1"
    assert ctx.section("bedrock.automated_reasoning_policies")["policies"][0]["name"] == "refunds"
    opt = ctx.section("bedrock.prompt_optimization_jobs")
    assert opt["supported"] is True and opt["jobs"][0]["status"] == "Completed"


def test_prompt_optimization_unsupported_sdk(moto_aws, scope, monkeypatch):
    from llmops_audit.collectors.bedrock import prompt_optimization_jobs

    class OldClient:  # an older botocore without the operation
        pass

    monkeypatch.setattr(moto_aws, "_client", lambda *a, **k: OldClient())
    assert prompt_optimization_jobs(CollectContext(moto_aws, scope)) == {"supported": False, "jobs": []}


def test_customization_jobs_see_invocation_logs(moto_aws, scope):
    seed_client("s3").create_bucket(Bucket="train")
    seed_client("bedrock").create_model_customization_job(
        jobName="from-logs",
        customModelName="m1",
        roleArn="arn:aws:iam::123456789012:role/r",
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={
            "s3Uri": "s3://train/data/",
            "invocationLogsConfig": {
                "usePromptResponse": True,
                "invocationLogSource": {"s3Uri": "s3://train/logs/"},
            },
        },
        outputDataConfig={"s3Uri": "s3://train/out/"},
        hyperParameters={},
    )
    data = CollectContext(moto_aws, scope).section("bedrock.customization_jobs")
    (job,) = data["jobs"]
    assert job["name"] == "from-logs" and job["detail"] is True
    assert job["usesInvocationLogs"] is True and job["usePromptResponse"] is True
