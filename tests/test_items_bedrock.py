"""End-to-end item tests for the Bedrock and Bedrock Agents items."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from llmops_audit.model import Attestation, Status
from tests.collectors.test_agents import _agent, _kb, canned_agent_details
from tests.collectors.test_bedrock import GARN, _canned_eval, _canned_guardrail
from tests.conftest import seed_client
from tests.helpers import assess
from tests.seeders import canned_prompt_router


def empty_account(canned) -> None:
    """Decided empty answers for every list operation moto lacks that the items here read."""
    for op, body in {
        "ListGuardrails": {"guardrails": []},
        "ListEnforcedGuardrailsConfiguration": {"guardrailsConfig": []},
        "ListEvaluationJobs": {},  # jobSummaries has a minimum length of 1: none = key absent
        "ListInferenceProfiles": {"inferenceProfileSummaries": []},
        "ListPromptRouters": {"promptRouterSummaries": []},
        "ListModelInvocationJobs": {"invocationJobSummaries": []},
        "ListAdvancedPromptOptimizationJobs": {"jobSummaries": []},
        "ListAutomatedReasoningPolicies": {"automatedReasoningPolicySummaries": []},
    }.items():
        canned.add("bedrock", op, body)
    for op, body in {
        "ListPrompts": {"promptSummaries": []},
        "ListFlows": {"flowSummaries": []},
    }.items():
        canned.add("bedrock-agent", op, body)


NOW = datetime.now(UTC)


def decided_neighbours(canned) -> None:
    """Empty answers for the other domains' APIs moto lacks, so `any` rules can come out not met."""
    canned.add("logs", "DescribeAccountPolicies", {"accountPolicies": []})
    canned.add("sagemaker", "ListFlowDefinitions", {"FlowDefinitionSummaries": []})
    # AgentCore APIs moto lacks: an account without policy engines or online evaluations
    canned.add("bedrock-agentcore-control", "ListPolicyEngines", {"policyEngines": []})
    canned.add("bedrock-agentcore-control", "ListOnlineEvaluationConfigs", {"onlineEvaluationConfigs": []})


@pytest.fixture
def account(moto_aws, canned):
    empty_account(canned)
    decided_neighbours(canned)
    return moto_aws


def status(aws, scope, item):
    items, _, _ = assess(aws, scope, ids=[item])
    return items[item]


def model_traffic(invocations: float = 120) -> None:
    """An LLM workload: one text model's AWS/Bedrock Invocations in the period. Items such as L4.3 and L4.4 are
    not met in an account with no LLM workload, and nothing above level 1 is met there."""
    seed_client("cloudwatch").put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "ModelId", "Value": "anthropic.claude-3-5-haiku-20241022-v1:0"}],
                "Value": invocations,
            }
        ],
    )


# -- evaluations (L1.3, L1.6, L3.2) ---------------------------------------------------------------


def test_evaluation_items_met_and_not_met(account, scope, canned):
    items, _, _ = assess(account, scope, ids=["L1.3", "L1.6", "L3.2"])
    assert items["L1.3"].status is Status.MET  # no automated evaluation: testing is manual
    assert items["L3.2"].status is Status.NOT_MET
    assert items["L1.6"].status is Status.MET

    seed_client("s3").create_bucket(Bucket="eval-out")
    _canned_eval(canned, NOW - timedelta(days=5), metrics=("Builtin.Faithfulness", "Builtin.Refusal"))
    items, metrics, _ = assess(account, scope, ids=["L1.3", "L1.6", "L3.2"])
    assert items["L3.2"].status is Status.MET
    assert "job1" in items["L3.2"].reason
    assert items["L1.3"].status is Status.NOT_MET
    assert items["L1.6"].status is Status.NOT_MET


def test_evaluations_denied_is_unknown(account, scope, canned):
    canned.deny("bedrock", "ListEvaluationJobs")
    item = status(account, scope, "L3.2")
    assert item.status is Status.UNKNOWN
    assert "bedrock:ListEvaluationJobs" in item.missing


# -- prompts (L2.1, L3.1) -------------------------------------------------------------------------


def _prompt(canned, versions=("DRAFT", "1")):
    summary = {
        "name": "support-answer",
        "id": "PRM0000001",
        "arn": "arn:aws:bedrock:us-east-1:123456789012:prompt/PRM0000001",
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    canned.add(
        "bedrock-agent",
        "ListPrompts",
        lambda p: {
            "promptSummaries": [
                {**summary, "version": v} for v in (versions if p.get("promptIdentifier") else ("DRAFT",))
            ]
        },
    )


PROMPT_ARN = "arn:aws:bedrock:us-east-1:123456789012:prompt/PRM0000001"


def _flow(canned, *, prompt_arn=None, inline=False, alias_version=None, guardrail=None):
    """One flow (Prompt node by ARN, or inline), with the test alias and optionally a pinned alias."""
    summary = {
        "name": "triage",
        "id": "FLW0000001",
        "arn": "arn:aws:bedrock:us-east-1:123456789012:flow/FLW0000001",
        "status": "Prepared",
        "createdAt": NOW,
        "updatedAt": NOW,
        "version": "DRAFT",
    }
    canned.add("bedrock-agent", "ListFlows", {"flowSummaries": [summary]})
    source = (
        {"resource": {"promptArn": prompt_arn}}
        if prompt_arn
        else {
            "inline": {
                "templateType": "TEXT",
                "templateConfiguration": {"text": {"text": "Answer {{q}}"}},
                "modelId": "anthropic.claude-3-haiku",
            }
        }
    )
    nodes = [{"name": "in", "type": "Input"}, {"name": "out", "type": "Output"}]
    if prompt_arn or inline:
        prompt: dict = {"sourceConfiguration": source}
        if guardrail:
            prompt["guardrailConfiguration"] = {
                "guardrailIdentifier": guardrail[0],
                "guardrailVersion": guardrail[1],
            }
        nodes.append({"name": "answer", "type": "Prompt", "configuration": {"prompt": prompt}})
    canned.add(
        "bedrock-agent",
        "GetFlow",
        {
            **summary,
            "executionRoleArn": "arn:aws:iam::123456789012:role/flow",
            "definition": {"nodes": nodes},
        },
    )
    aliases = [("test", "TSTALIASID", "DRAFT")] + (
        [("prod", "PRODALIAS1", alias_version)] if alias_version else []
    )
    canned.add(
        "bedrock-agent",
        "ListFlowAliases",
        {
            "flowAliasSummaries": [
                {
                    "name": n,
                    "routingConfiguration": [{"flowVersion": v}],
                    "flowId": "FLW0000001",
                    "id": i,
                    "arn": f"{summary['arn']}/alias/{i}",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                }
                for n, i, v in aliases
            ]
        },
    )
    canned.add(
        "bedrock-agent",
        "ListFlowVersions",
        {
            "flowVersionSummaries": [
                {
                    "id": "FLW0000001",
                    "arn": summary["arn"],
                    "status": "Prepared",
                    "createdAt": NOW,
                    "version": v,
                }
                for v in ["DRAFT", *([alias_version] if alias_version else [])]
            ]
        },
    )


IDS = ["L1.2", "L1.4", "L2.1", "L3.1"]


def test_prompt_items_met(account, scope, canned):
    _prompt(canned)
    _flow(canned, prompt_arn=PROMPT_ARN + ":1")
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L2.1"].status is Status.MET and "support-answer" in items["L2.1"].reason
    assert items["L3.1"].status is Status.MET and "version 1" in items["L3.1"].reason
    assert items["L1.2"].status is Status.NOT_MET
    assert items["L1.4"].status is Status.NOT_MET  # prompt support-answer has version 1
    assert "support-answer (versions 1" in items["L1.4"].reason


def test_prompt_items_not_met(account, scope, canned):
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L2.1"].status is Status.NOT_MET
    assert items["L3.1"].status is Status.NOT_MET
    assert items["L1.2"].status is Status.MET  # no managed prompt anywhere: prompts live in code
    assert items["L1.4"].status is Status.MET  # nothing versioned: no prompt, alias or guardrail


def test_console_prompt_is_not_a_centralized_template(account, scope, canned):
    """One prompt made in the console (with a version) made L2.1 and L3.1 met before."""
    _prompt(canned)
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L2.1"].status is Status.UNKNOWN  # nothing shows it is used: a person attests
    assert items["L3.1"].status is Status.UNKNOWN  # a version exists, nothing shows it is served
    assert items["L1.2"].status is Status.UNKNOWN  # a store exists: never "written inline"
    assert items["L1.4"].status is Status.NOT_MET  # versioning exists
    _prompt(canned, versions=("DRAFT",))
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L2.1"].status is Status.UNKNOWN
    assert items["L3.1"].status is Status.NOT_MET  # only a DRAFT: nothing is versioned


def test_inline_flow_prompt_is_not_centralized(account, scope, canned):
    _flow(canned, inline=True)
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L2.1"].status is Status.NOT_MET  # defined in place, not reusable
    assert items["L1.2"].status is Status.NOT_MET  # but it is not in code either


def test_flow_versions_count_as_versioning(account, scope, canned):
    """A flow served through an alias pinned to a version was reported unversioned before."""
    _flow(canned, alias_version="3")
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L1.4"].status is Status.NOT_MET
    assert items["L3.1"].status is Status.MET and "triage/prod -> v3" in items["L3.1"].reason


def test_prompt_items_denied_are_unknown(account, scope, canned):
    canned.deny("bedrock-agent", "ListPrompts")
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L1.2"].status is Status.UNKNOWN and items["L2.1"].status is not Status.MET
    canned.add("bedrock-agent", "ListPrompts", {"promptSummaries": []})
    canned.deny("bedrock-agent", "ListFlows")
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L1.2"].status is Status.UNKNOWN and items["L1.4"].status is Status.UNKNOWN


def test_application_inference_profile_is_not_versioning(account, scope, canned):
    canned.add(
        "bedrock",
        "ListInferenceProfiles",
        lambda p: {
            "inferenceProfileSummaries": [
                {
                    "inferenceProfileName": "support-app",
                    "inferenceProfileArn": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
                    "inferenceProfileId": "abc",
                    "models": [
                        {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku"}
                    ],
                    "status": "ACTIVE",
                    "type": "APPLICATION",
                }
            ]
            if p.get("typeEquals") == "APPLICATION"
            else []
        },
    )
    items, _, _ = assess(account, scope, ids=IDS)
    assert items["L1.4"].status is Status.MET  # a cost-tracking profile versions nothing
    assert items["L3.1"].status is Status.NOT_MET


# -- invocation logging (L2.2) --------------------------------------------------------------------


def test_invocation_logging_item(account, scope):
    assert status(account, scope, "L2.2").status is Status.NOT_MET
    seed_client("logs").create_log_group(logGroupName="/aws/bedrock/modelinvocations")
    seed_client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": "/aws/bedrock/modelinvocations",
                "roleArn": "arn:aws:iam::123456789012:role/log",
            },
            "textDataDeliveryEnabled": True,
        }
    )
    item = status(account, scope, "L2.2")
    assert item.status is Status.MET and "/aws/bedrock/modelinvocations" in item.reason


def test_invocation_logging_denied(account, scope, canned):
    canned.deny("bedrock", "GetModelInvocationLoggingConfiguration")
    item = status(account, scope, "L2.2")
    assert item.status is Status.UNKNOWN
    assert "bedrock:GetModelInvocationLoggingConfiguration" in item.missing


# -- knowledge bases (L2.6, L5.5) -----------------------------------------------------------------


INDEXED = {"numberOfDocumentsScanned": 20, "numberOfNewDocumentsIndexed": 20, "numberOfDocumentsFailed": 0}


def _ingestion(canned, kb, *statuses_and_ages, statistics=INDEXED):
    canned.add(
        "bedrock-agent",
        "ListDataSources",
        {
            "dataSourceSummaries": [
                {
                    "knowledgeBaseId": kb,
                    "dataSourceId": "DS00000001",
                    "name": "docs-s3",
                    "status": "AVAILABLE",
                    "updatedAt": NOW,
                }
            ]
        },
    )
    canned.add(
        "bedrock-agent",
        "ListIngestionJobs",
        {
            "ingestionJobSummaries": [
                {
                    "knowledgeBaseId": kb,
                    "dataSourceId": "DS00000001",
                    "ingestionJobId": f"JOB000000{i}",
                    "status": s,
                    "startedAt": NOW - timedelta(days=d),
                    "updatedAt": NOW,
                    "statistics": statistics,
                }
                for i, (s, d) in enumerate(statuses_and_ages)
            ]
        },
    )


def test_knowledge_base_items_met(account, scope, canned):
    _ingestion(canned, _kb(), ("COMPLETE", 2), ("COMPLETE", 12))
    items, _, _ = assess(account, scope, ids=["L2.6", "L5.5"])
    assert items["L2.6"].status is Status.MET and "20 documents indexed" in items["L2.6"].reason
    # re-ingested twice in 30 days: a scheduled sync refreshes documents, it is not learning from usage
    assert items["L5.5"].status is not Status.MET


def test_knowledge_base_sync_with_every_document_failed_is_not_rag(account, scope, canned):
    """COMPLETE with every document failed made L2.6 met before."""
    failed = {"numberOfDocumentsScanned": 20, "numberOfNewDocumentsIndexed": 0, "numberOfDocumentsFailed": 20}
    _ingestion(canned, _kb(), ("COMPLETE", 2), statistics=failed)
    item = status(account, scope, "L2.6")
    assert item.status is Status.NOT_MET and "failed" in item.reason


def test_vector_collection_alone_is_not_rag(account, scope, canned):
    """A VECTORSEARCH collection alone made L2.6 met before."""
    col = {"id": "col0000001", "name": "products", "status": "ACTIVE"}
    canned.add("opensearchserverless", "ListCollections", {"collectionSummaries": [col]})
    canned.add(
        "opensearchserverless", "BatchGetCollection", {"collectionDetails": [{**col, "type": "VECTORSEARCH"}]}
    )
    assert status(account, scope, "L2.6").status is Status.NOT_MET


def test_knowledge_base_items_not_met(account, scope, canned):
    _ingestion(canned, _kb(), ("FAILED", 2), ("COMPLETE", 45))
    items, _, _ = assess(account, scope, ids=["L2.6"])
    assert items["L2.6"].status is Status.MET  # one completed sync, 45 days ago
    _ingestion(canned, "ignored", ("FAILED", 2))
    assert status(account, scope, "L2.6").status is Status.NOT_MET


def test_knowledge_base_without_data_source_api_is_unknown(account, scope):
    _kb()
    item = status(account, scope, "L2.6")
    assert item.status is Status.UNKNOWN
    assert "bedrock:ListDataSources" in item.missing


def test_customization_on_invocation_logs_meets_l5_5(account, scope):
    seed_client("s3").create_bucket(Bucket="train")
    seed_client("bedrock").create_model_customization_job(
        jobName="from-logs",
        customModelName="m1",
        roleArn="arn:aws:iam::123456789012:role/r",
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={
            "s3Uri": "s3://train/d/",
            "invocationLogsConfig": {"invocationLogSource": {"s3Uri": "s3://train/logs/"}},
        },
        outputDataConfig={"s3Uri": "s3://train/out/"},
        hyperParameters={},
    )
    item = status(account, scope, "L5.5")
    assert item.status is Status.MET and "from-logs" in item.reason


# -- guardrails and agents (L3.4, L4.4, L4.5, L5.1, L5.2) ------------------------------------------


def _agents(canned, *, share_role=False, guard=True, functions=None):
    sup = _agent("sup", "arn:aws:iam::123456789012:role/sup-role")
    helper = _agent(
        "helper", "arn:aws:iam::123456789012:role/" + ("sup-role" if share_role else "helper-role")
    )
    g = (
        {"guardrailConfiguration": {"guardrailIdentifier": "gr1abc", "guardrailVersion": "1"}}
        if guard
        else {}
    )
    iam = seed_client("iam")
    for name, action in (("sup-role", "bedrock:InvokeAgent"), ("helper-role", "bedrock:Retrieve")):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
        iam.put_role_policy(
            RoleName=name,
            PolicyName="scoped",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
                }
            ),
        )
    canned_agent_details(
        canned,
        {
            sup: {"role": "arn:aws:iam::123456789012:role/sup-role", "agentCollaboration": "SUPERVISOR", **g},
            helper: {
                "role": "arn:aws:iam::123456789012:role/" + ("sup-role" if share_role else "helper-role"),
                **g,
            },
        },
        functions=functions,
        collaborator=helper,
    )
    # The prod alias serves agent version 1: it carries the same guardrail as the working copy.
    canned.add(
        "bedrock-agent",
        "ListAgentVersions",
        {
            "agentVersionSummaries": [
                {
                    "agentName": "a",
                    "agentStatus": "PREPARED",
                    "agentVersion": "1",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                    **g,
                }
            ]
        },
    )


def test_guardrail_and_agent_items_met(account, scope, canned):
    _canned_guardrail(canned)
    _agents(canned)
    seed_client("s3").create_bucket(Bucket="eval-out")
    _canned_eval(canned, NOW - timedelta(days=5), metrics=("Builtin.Refusal",))
    items, _, _ = assess(account, scope, ids=["L3.4", "L4.4", "L4.5", "L5.1", "L5.2"])
    for item in ("L3.4", "L4.4", "L4.5", "L5.1", "L5.2"):
        assert items[item].status is Status.MET, (item, items[item].reason)
    assert "attached to agent" in items["L3.4"].reason
    assert "sup" in items["L5.1"].reason


def test_guardrail_and_agent_items_not_met(account, scope, canned):
    _canned_guardrail(canned)
    _agents(
        canned,
        share_role=True,
        guard=False,
        functions=[{"name": "get_order", "requireConfirmation": "ENABLED"}],
    )
    items, _, _ = assess(account, scope, ids=["L3.4", "L4.5", "L5.1", "L5.2"])
    assert items["L3.4"].status is Status.NOT_MET  # a PII guardrail exists but guards nothing
    assert items["L4.5"].status is Status.NOT_MET  # confirmation everywhere, not selectively
    assert items["L5.1"].status is Status.NOT_MET  # the two agents share one role
    assert items["L5.2"].status is Status.NOT_MET  # agents without guardrails
    assert "sup-role" in items["L5.1"].reason


def test_agent_subresources_unsupported_is_unknown(account, scope):
    _agent("solo")
    item = status(account, scope, "L4.5")
    assert item.status is Status.UNKNOWN
    assert "bedrock:ListAgentActionGroups" in item.missing


# -- routing, batching, adaptation (L3.5, L4.2, L4.3) ---------------------------------------------


def test_router_batch_and_optimization_items(account, scope, canned):
    items, _, _ = assess(account, scope, ids=["L3.5", "L4.2", "L4.3"])
    assert items["L4.3"].status is Status.NOT_MET  # no LLM workload: nothing that could adapt
    assert "No LLM workload was found" in items["L4.3"].reason
    model_traffic()
    items, _, _ = assess(account, scope, ids=["L3.5", "L4.2", "L4.3"])
    assert items["L4.3"].status is Status.UNKNOWN  # needs a person: absence is not evidence
    canned_prompt_router(canned, "cheap-or-strong")
    canned.add(
        "bedrock",
        "ListAdvancedPromptOptimizationJobs",
        {
            "jobSummaries": [
                {"jobArn": "arn:o", "jobName": "opt1", "jobStatus": "Completed", "creationTime": NOW}
            ]
        },
    )
    items, _, _ = assess(account, scope, ids=["L3.5", "L4.2", "L4.3"])
    assert items["L3.5"].status is Status.MET and "cheap-or-strong" in items["L3.5"].reason
    assert items["L4.2"].status is Status.MET
    # an optimization job is no proof that prompts adapt to usage: still a person's word
    assert items["L4.3"].status is Status.UNKNOWN and "opt1" in items["L4.3"].reason


def _attested_absent(item: str) -> dict[str, Attestation]:
    return {item: Attestation(item, False, "Jane Doe", "reviewed in the ops meeting", "2099-01-01")}


def test_l4_3_not_met_only_on_a_persons_word(account, scope, canned):
    """No optimization job and no branching flow is not evidence against adaptation: unknown, then not
    met once a person attests the practice is absent."""
    canned.add("bedrock-agent", "ListFlows", {"flowSummaries": []})
    model_traffic()  # an LLM workload whose prompts could adapt
    items, _, _ = assess(account, scope, ids=["L4.3"])
    assert items["L4.3"].status is Status.UNKNOWN and "attest" in items["L4.3"].reason
    items, _, _ = assess(account, scope, _attested_absent("L4.3"), ids=["L4.3"])
    assert items["L4.3"].status is Status.NOT_MET
    assert "Attested as not in place by Jane Doe" in items["L4.3"].reason


def test_l4_4_confidence_scores_met_unknown_and_not_met(account, scope, canned):
    model_traffic()  # an LLM workload whose outputs could be scored
    _canned_guardrail(canned)  # has a GROUNDING filter that blocks
    items, _, _ = assess(account, scope, ids=["L4.4"])
    assert items["L4.4"].status is Status.UNKNOWN  # the guardrail is never used: it scores nothing
    guardrail_metric("Invocations", 40)
    items, _, _ = assess(account, scope, ids=["L4.4"])
    assert items["L4.4"].status is Status.MET and "GROUNDING" in items["L4.4"].reason

    _canned_guardrail(canned, grounding=False)
    items, _, _ = assess(account, scope, ids=["L4.4"])
    assert items["L4.4"].status is Status.UNKNOWN  # no grounding filter, no confidence metric: ask a person
    assert "attest" in items["L4.4"].reason
    items, _, _ = assess(account, scope, _attested_absent("L4.4"), ids=["L4.4"])
    assert items["L4.4"].status is Status.NOT_MET


# -- guardrails that act and are used (L1.6, L3.4, L4.4, L5.2) -------------------------------------


def guardrail_metric(metric: str, value: float, version: str = "2", **dims: str) -> None:
    """A datapoint of guardrail g1's own series (GuardrailArn + GuardrailVersion, as AWS publishes them)."""
    dims = dims or {"GuardrailArn": GARN, "GuardrailVersion": version}
    seed_client("cloudwatch").put_metric_data(
        Namespace="AWS/Bedrock/Guardrails",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Value": value,
            }
        ],
    )


def _detect_only_guardrail(canned) -> None:
    """Guardrail g1 (versions 1, 2, DRAFT) whose every filter is in detect mode (action NONE)."""
    _canned_guardrail(canned)
    none = {"inputAction": "NONE", "outputAction": "NONE"}
    canned.add(
        "bedrock",
        "GetGuardrail",
        lambda p: {
            "name": "g1",
            "guardrailId": "gr1abc",
            "guardrailArn": GARN,
            "version": p.get("guardrailVersion", "DRAFT"),
            "status": "READY",
            "createdAt": NOW,
            "updatedAt": NOW,
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "contentPolicy": {
                "filters": [
                    {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE", **none},
                    {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH", **none},
                ]
            },
            "sensitiveInformationPolicy": {
                "piiEntities": [{"type": "EMAIL", "action": "NONE", **none}],
                "regexes": [{"name": "r", "pattern": "x+", "action": "NONE", **none}],
            },
            "contextualGroundingPolicy": {
                "filters": [{"type": "GROUNDING", "threshold": 0.8, "action": "NONE", "enabled": True}]
            },
        },
    )


def test_detect_only_guardrail_account_proves_nothing(account, scope, canned):
    """Attached to every agent and invoked on every request, but it only reports what it detects."""
    _detect_only_guardrail(canned)
    _agents(canned)
    guardrail_metric("Invocations", 900)
    guardrail_metric("Invocations", 900, version="1")
    items, _, _ = assess(account, scope, ids=["L1.6", "L3.4", "L4.4", "L5.2"])
    assert items["L1.6"].status is Status.MET  # hallucinations are not handled: detect mode only
    assert items["L3.4"].status is Status.NOT_MET, items["L3.4"].reason
    assert items["L4.4"].status is Status.UNKNOWN  # a person must attest confidence scores
    assert items["L5.2"].status is Status.NOT_MET and "blocks nothing" in items["L5.2"].reason


def test_blocking_guardrail_never_invoked_nor_attached_proves_nothing(account, scope, canned):
    model_traffic()  # the workload invokes models, but never with this guardrail
    _canned_guardrail(canned)  # PII masked, prompt attacks and ungrounded answers blocked
    items, _, _ = assess(account, scope, ids=["L1.6", "L3.4", "L4.4"])
    assert items["L3.4"].status is Status.NOT_MET and "protects nothing" in items["L3.4"].reason
    assert items["L1.6"].status is Status.MET  # an unused grounding filter handles nothing
    assert items["L4.4"].status is Status.UNKNOWN


def test_l3_4_met_by_a_pii_guardrail_passed_on_each_request(account, scope, canned):
    """guardrailIdentifier on InvokeModel/Converse (or ApplyGuardrail): the guardrail's own Invocations."""
    _canned_guardrail(canned)
    guardrail_metric("Invocations", 1234)
    items, _, _ = assess(account, scope, ids=["L1.6", "L3.4"])
    assert items["L3.4"].status is Status.MET, items["L3.4"].reason
    assert "invoked 1,234 times" in items["L3.4"].reason and "EMAIL" in items["L3.4"].reason
    assert items["L1.6"].status is Status.NOT_MET  # the grounding filter blocks on the invoked version


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        (None, None),
        ("bedrock", "GetGuardrail"),
        ("bedrock", "ListGuardrails"),
        ("cloudwatch", "GetMetricData"),
        ("cloudwatch", "ListMetrics"),
    ],
)
def test_l3_4_and_l4_4_never_met_on_weakened_evidence(account, scope, canned, service, operation):
    """Used only through per-request invocations: a denied read of the guardrail or of its metrics never
    leaves L3.4 or L4.4 met (baseline: both met)."""
    model_traffic()
    _canned_guardrail(canned)
    guardrail_metric("Invocations", 75)
    if service:
        canned.deny(service, operation)
    items, _, _ = assess(account, scope, ids=["L3.4", "L4.4"])
    for item in ("L3.4", "L4.4"):
        if service is None:
            assert items[item].status is Status.MET, (item, items[item].reason)
        else:
            assert items[item].status is not Status.MET, (item, items[item].reason)


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        (None, None),
        ("bedrock", "GetGuardrail"),
        ("bedrock", "ListGuardrails"),
        ("bedrock-agent", "GetAgent"),
        ("bedrock-agent", "ListAgentVersions"),
        ("bedrock-agent", "ListAgentAliases"),
    ],
)
def test_l5_2_never_met_on_weakened_evidence(account, scope, canned, service, operation):
    _canned_guardrail(canned)  # content filters block; an Automated Reasoning policy is attached
    _agents(canned)
    if service:
        canned.deny(service, operation)
    item = status(account, scope, "L5.2")
    if service is None:
        assert item.status is Status.MET, item.reason
    else:
        assert item.status is not Status.MET, item.reason


def test_l1_6_unknown_when_the_grounding_guardrail_cannot_be_read(account, scope, canned):
    _canned_guardrail(canned)
    guardrail_metric("Invocations", 10)
    canned.deny("bedrock", "GetGuardrail")
    items, _, _ = assess(account, scope, ids=["L1.6"])
    assert items["L1.6"].status is not Status.MET


def test_a_guardrail_on_a_flow_prompt_node_is_in_use(account, scope, canned):
    """A flow whose Prompt node names the guardrail applies it on every run of the node: used (issue 10)."""
    model_traffic()
    _canned_guardrail(canned)
    before, _, _ = assess(account, scope, ids=["L3.4"])
    assert before["L3.4"].status is Status.NOT_MET  # unused: proves nothing
    _flow(canned, inline=True, guardrail=(GARN, "1"))
    items, _, _ = assess(account, scope, ids=["L3.4"])
    assert items["L3.4"].status is Status.MET, items["L3.4"].reason
    assert "attached to flow triage (node answer)" in items["L3.4"].reason
