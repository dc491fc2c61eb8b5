"""End to end through moto and canned responses: the items decided mainly by cost and governance evidence.

L4.6 (budget + cost attribution), L5.3 (agent roles least privilege), L1.5 (no budget as part of
"no tracking"), and the alternatives these domains give to L1.1 (notebooks), L2.4 (environment
accounts), L2.6 (vector collections), L3.4 (AI-services opt-out policy) and L4.5 (A2I flow definitions).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from llmops_audit.model import Status
from llmops_audit.probes.governance import admin_policies
from tests.conftest import ACCOUNT, seed_client
from tests.helpers import assess
from tests.seeders import canned_action_group

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
ADMIN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"


def budget(name: str = "bedrock-monthly") -> None:
    seed_client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": name,
            "BudgetLimit": {"Amount": "500", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CostFilters": {"Service": ["Amazon Bedrock"]},
        },
    )


def no_cost_attribution(canned) -> None:
    canned.add("ce", "ListCostAllocationTags", {"CostAllocationTags": []})
    canned.add("ce", "GetAnomalyMonitors", {"AnomalyMonitors": []})
    canned.add("bedrock", "ListInferenceProfiles", {"inferenceProfileSummaries": []})


# -- L4.6 cost per interaction monitored -----------------------------------------------------------


def test_l4_6_met_with_budget_and_anomaly_monitor(moto_aws, scope, canned) -> None:
    budget()
    no_cost_attribution(canned)
    canned.add(
        "ce",
        "GetAnomalyMonitors",
        {
            "AnomalyMonitors": [
                {
                    "MonitorArn": "arn:aws:ce::123456789012:anomalymonitor/m",
                    "MonitorName": "bedrock-spend",
                    "MonitorType": "DIMENSIONAL",
                    "MonitorDimension": "SERVICE",
                }
            ]
        },
    )
    items, _, _ = assess(moto_aws, scope, ids=["L4.6"])
    assert items["L4.6"].status is Status.MET, items["L4.6"].reason
    assert "bedrock-monthly" in items["L4.6"].reason and "bedrock-spend" in items["L4.6"].reason


def test_l4_6_not_met_with_a_budget_but_no_attribution(moto_aws, scope, canned) -> None:
    budget()
    no_cost_attribution(canned)
    items, _, _ = assess(moto_aws, scope, ids=["L4.6"])
    assert items["L4.6"].status is Status.NOT_MET, items["L4.6"].reason
    assert "No cost-allocation tag is active" in items["L4.6"].reason


def test_l4_6_unknown_when_budgets_are_denied(moto_aws, scope, canned) -> None:
    canned.deny(
        "budgets",
        "DescribeBudgets",
        "User: arn:aws:iam::123456789012:user/audit is not authorized to perform: budgets:ViewBudget",
    )
    canned.add(
        "ce",
        "ListCostAllocationTags",
        {"CostAllocationTags": [{"TagKey": "team", "Type": "UserDefined", "Status": "Active"}]},
    )
    items, _, _ = assess(moto_aws, scope, ids=["L4.6"])
    assert items["L4.6"].status is Status.UNKNOWN
    assert "budgets:ViewBudget" in items["L4.6"].missing


# -- L1.5 no tracking of cost, latency or failures -------------------------------------------------


def test_l1_5_met_in_an_account_without_budget_alarm_or_dashboard(moto_aws, scope) -> None:
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.MET, items["L1.5"].reason


def test_l1_5_not_met_once_a_budget_exists(moto_aws, scope) -> None:
    budget("llm-spend")
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.NOT_MET
    assert "llm-spend" in items["L1.5"].reason


# -- L5.3 tool permissions and autonomy boundaries -------------------------------------------------


def agent_with_role(role_name: str, *, admin: bool, boundary: bool = False) -> None:
    iam = seed_client("iam")
    kw = {}
    if boundary:
        kw["PermissionsBoundary"] = iam.create_policy(
            PolicyName="agent-boundary",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=TRUST, **kw)["Role"]["Arn"]
    if admin:
        policy = iam.create_policy(PolicyName="AdministratorAccess", PolicyDocument=ADMIN)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy)
    else:
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName="invoke",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}],
                }
            ),
        )
    seed_client("bedrock-agent").create_agent(
        agentName="support-bot", agentResourceRoleArn=arn, foundationModel=HAIKU
    )


def confirmed_refund_action(canned) -> None:
    canned_action_group(canned, {"customControl": "RETURN_CONTROL"})


def test_l5_3_met_when_the_admin_role_is_bounded_and_mutations_are_confirmed(moto_aws, scope, canned) -> None:
    agent_with_role("support-bot-agent-role", admin=True, boundary=True)
    confirmed_refund_action(canned)
    items, _, snap = assess(moto_aws, scope, ids=["L5.3"])
    assert admin_policies(snap.sections["iam.agent_roles"]["roles"][0]) == ["AdministratorAccess"]
    assert items["L5.3"].status is Status.MET, items["L5.3"].reason
    assert "support-bot-agent-role (permissions boundary)" in items["L5.3"].reason


def test_l5_3_not_met_when_the_agent_role_is_administrator(moto_aws, scope, canned) -> None:
    agent_with_role("support-bot-agent-role", admin=True)
    confirmed_refund_action(canned)
    items, _, _ = assess(moto_aws, scope, ids=["L5.3"])
    assert items["L5.3"].status is Status.NOT_MET
    assert "support-bot-agent-role (AdministratorAccess)" in items["L5.3"].reason


def test_l5_3_not_met_without_agents(moto_aws, scope) -> None:
    items, _, _ = assess(moto_aws, scope, ids=["L5.3"])
    assert items["L5.3"].status is Status.NOT_MET
    assert "no agents" in items["L5.3"].reason


def test_l5_3_unknown_when_the_role_cannot_be_read(moto_aws, scope, canned) -> None:
    agent_with_role("support-bot-agent-role", admin=False)
    confirmed_refund_action(canned)
    canned.deny("iam", "GetRole")
    items, _, _ = assess(moto_aws, scope, ids=["L5.3"])
    assert items["L5.3"].status is Status.UNKNOWN, items["L5.3"].reason
    assert "iam:GetRole" in items["L5.3"].missing


# -- alternatives from Organizations, SageMaker, A2I and OpenSearch Serverless ---------------------


def organization(*accounts: str, opt_out: bool = False) -> None:
    org = seed_client("organizations")
    org.create_organization(FeatureSet="ALL")
    for name in accounts:
        org.create_account(AccountName=name, Email=f"{name}@example.com")
    if opt_out:
        pid = org.create_policy(
            Name="ai-opt-out",
            Description="opt out of AI service data use",
            Type="AISERVICES_OPT_OUT_POLICY",
            Content=json.dumps({"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}}),
        )
        org.attach_policy(
            PolicyId=pid["Policy"]["PolicySummary"]["Id"], TargetId=org.list_roots()["Roots"][0]["Id"]
        )


def test_l2_4_met_from_per_environment_organization_accounts(moto_aws, scope) -> None:
    organization("llm-dev", "llm-prod")
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.MET, items["L2.4"].reason
    assert "dev (llm-dev)" in items["L2.4"].reason


def test_l2_4_not_met_with_one_environment_account(moto_aws, scope) -> None:
    organization("llm-prod")
    items, _, _ = assess(moto_aws, scope, ids=["L2.4"])
    assert items["L2.4"].status is Status.NOT_MET, items["L2.4"].reason


def test_l3_4_met_from_an_attached_ai_services_opt_out_policy(moto_aws, scope) -> None:
    organization(opt_out=True)
    items, _, _ = assess(moto_aws, scope, ids=["L3.4"])
    assert items["L3.4"].status is Status.MET, items["L3.4"].reason
    assert "ai-opt-out" in items["L3.4"].reason


def _vector_collection() -> None:
    aoss = seed_client("opensearchserverless")
    aoss.create_security_policy(
        name="kb-enc",
        type="encryption",
        policy=json.dumps(
            {
                "Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-vectors"]}],
                "AWSOwnedKey": False,
                "KmsARN": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            }
        ),
    )
    aoss.create_collection(name="kb-vectors", type="VECTORSEARCH")


def test_l2_6_met_from_a_vector_search_collection(moto_aws, scope) -> None:
    _vector_collection()
    items, _, _ = assess(moto_aws, scope, ids=["L2.6"])
    assert items["L2.6"].status is Status.MET, items["L2.6"].reason
    assert "kb-vectors" in items["L2.6"].reason


def test_l2_6_not_met_without_knowledge_base_or_collection(moto_aws, scope) -> None:
    items, _, _ = assess(moto_aws, scope, ids=["L2.6"])
    assert items["L2.6"].status is Status.NOT_MET, items["L2.6"].reason


def test_l1_1_met_from_a_sagemaker_notebook(moto_aws, scope) -> None:
    seed_client("sagemaker").create_notebook_instance(
        NotebookInstanceName="prompt-lab",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm",
    )
    items, _, _ = assess(moto_aws, scope, ids=["L1.1"])
    assert items["L1.1"].status is Status.MET, items["L1.1"].reason
    assert "prompt-lab" in items["L1.1"].reason


def _flow(canned, conditional: bool) -> None:
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
    detail = {
        "FlowDefinitionArn": arn,
        "FlowDefinitionName": "answer-review",
        "FlowDefinitionStatus": "Active",
        "CreationTime": created,
        "OutputConfig": {"S3OutputPath": "s3://out/"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/a2i",
    }
    if conditional:
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


def test_l4_5_met_from_a_conditional_a2i_flow_definition(moto_aws, scope, canned) -> None:
    _flow(canned, conditional=True)
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.MET, items["L4.5"].reason
    assert "answer-review" in items["L4.5"].reason


def test_l4_5_not_met_when_the_flow_definition_has_no_conditions(moto_aws, scope, canned) -> None:
    _flow(canned, conditional=False)
    items, _, snap = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.NOT_MET, items["L4.5"].reason
    assert (
        "answer-review" in items["L4.5"].reason
        and "no human-loop activation conditions" in items["L4.5"].reason
    )
    assert snap.sections["sagemaker.flow_definitions"]["flow_definitions"][0]["conditional"] is False
