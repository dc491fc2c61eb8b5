"""End to end through moto and canned responses: the items decided mainly by cost and governance evidence.

L4.6 (budget + cost attribution), L5.3 (agent roles least privilege), L1.5 (no budget as part of
"no tracking"), and the alternatives these domains give to L1.1 (notebooks), L2.4 (environment
accounts), L2.6 (knowledge bases on vector collections), L3.4 (AI-services opt-out policy) and L4.5 (A2I flow definitions).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

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


def budget(name: str = "bedrock-monthly", *, notify: bool = True, **filters) -> None:
    """A monthly cost budget, filtered to Amazon Bedrock unless `filters` (CostFilters) say otherwise."""
    alerts = {}
    if notify:
        alerts["NotificationsWithSubscribers"] = [
            {
                "Notification": {
                    "NotificationType": "ACTUAL",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80,
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finops@example.com"}],
            }
        ]
    seed_client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": name,
            "BudgetLimit": {"Amount": "500", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CostFilters": filters.get("CostFilters", {"Service": ["Amazon Bedrock"]}),
        },
        **alerts,
    )


def no_cost_attribution(canned) -> None:
    canned.add("ce", "ListCostAllocationTags", {"CostAllocationTags": []})
    canned.add("ce", "GetAnomalyMonitors", {"AnomalyMonitors": []})
    canned.add("bedrock", "ListInferenceProfiles", {"inferenceProfileSummaries": []})


MONITOR = "arn:aws:ce::123456789012:anomalymonitor/m"
PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/p1"


def services_monitor(canned, *, subscribed: bool = True) -> None:
    """The AWS managed services monitor (DIMENSIONAL on SERVICE), alerting finops daily when `subscribed`."""
    canned.add(
        "ce",
        "GetAnomalyMonitors",
        {
            "AnomalyMonitors": [
                {
                    "MonitorArn": MONITOR,
                    "MonitorName": "Default-Services-Monitor",
                    "MonitorType": "DIMENSIONAL",
                    "MonitorDimension": "SERVICE",
                }
            ]
        },
    )
    subscriptions = [
        {
            "SubscriptionName": "daily-summary",
            "MonitorArnList": [MONITOR],
            "Subscribers": [{"Address": "finops@example.com", "Type": "EMAIL", "Status": "CONFIRMED"}],
            "Frequency": "DAILY",
        }
    ]
    canned.add("ce", "GetAnomalySubscriptions", {"AnomalySubscriptions": subscriptions if subscribed else []})


def active_tags(canned, *keys: str) -> None:
    canned.add(
        "ce",
        "ListCostAllocationTags",
        {"CostAllocationTags": [{"TagKey": k, "Type": "UserDefined", "Status": "Active"} for k in keys]},
    )


def tagged_profile(canned, tags: dict[str, str]) -> None:
    canned.add(
        "bedrock",
        "ListInferenceProfiles",
        {
            "inferenceProfileSummaries": [
                {
                    "inferenceProfileName": "support-bot",
                    "inferenceProfileArn": PROFILE,
                    "inferenceProfileId": "p1",
                    "models": [{"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"}],
                    "status": "ACTIVE",
                    "type": "APPLICATION",
                }
            ]
        },
    )
    canned.add("bedrock", "ListTagsForResource", {"tags": [{"key": k, "value": v} for k, v in tags.items()]})


def bedrock_spend_by_tag(canned, key: str, value: str, amount: str = "12.00") -> None:
    """Cost Explorer: Bedrock spend in the period, grouped under `key`=`value` when asked per tag."""

    def answer(params: dict) -> dict:
        row = {"TimePeriod": {"Start": "2026-11-01", "End": "2026-12-01"}, "Estimated": True}
        money = {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}
        if params.get("GroupBy"):
            grouped = params["GroupBy"][0]["Key"] == key
            keys = [f"{key}${value}" if grouped else f"{params['GroupBy'][0]['Key']}$"]
            return {"ResultsByTime": [{**row, "Groups": [{"Keys": keys, "Metrics": money}]}]}
        return {"ResultsByTime": [{**row, "Total": money}]}

    canned.add("ce", "GetCostAndUsage", answer)


# -- L4.6 cost per interaction monitored -----------------------------------------------------------


def _l4_6(moto_aws, scope):
    items, _, _ = assess(moto_aws, scope, ids=["L4.6"])
    return items["L4.6"]


def test_l4_6_met_with_budget_and_anomaly_monitor(moto_aws, scope, canned) -> None:
    budget()
    no_cost_attribution(canned)
    services_monitor(canned)
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.MET, item.reason
    assert "bedrock-monthly" in item.reason and "Default-Services-Monitor" in item.reason


def test_l4_6_met_with_budget_and_a_tag_carrying_bedrock_spend(moto_aws, scope, canned) -> None:
    budget()
    no_cost_attribution(canned)
    active_tags(canned, "app")
    bedrock_spend_by_tag(canned, "app", "support-bot")
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.MET, item.reason
    assert "app (support-bot)" in item.reason


def test_l4_6_met_with_budget_on_the_workload_tag_and_activated_profile_tags(moto_aws, scope, canned) -> None:
    budget(CostFilters={"TagKeyValue": ["user:app$support-bot"]})
    no_cost_attribution(canned)
    active_tags(canned, "app")
    tagged_profile(canned, {"app": "support-bot"})
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.MET, item.reason
    assert "support-bot (app)" in item.reason


def test_l4_6_not_met_with_an_account_wide_budget_and_the_services_monitor(moto_aws, scope, canned) -> None:
    """Before: met. Any budget plus the AWS services monitor is the reviewer's look-alike: nothing singles
    out the LLM workload's spend."""
    budget("everything", CostFilters={})
    no_cost_attribution(canned)
    services_monitor(canned)
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "everything" in item.reason


def test_l4_6_not_met_when_the_anomaly_monitor_alerts_nobody(moto_aws, scope, canned) -> None:
    """Before: met from the monitor's existence alone."""
    budget()
    no_cost_attribution(canned)
    services_monitor(canned, subscribed=False)
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason


def test_l4_6_not_met_when_the_bedrock_budget_notifies_nobody(moto_aws, scope, canned) -> None:
    budget(notify=False)
    no_cost_attribution(canned)
    services_monitor(canned)
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "no notification" in item.reason


def test_l4_6_not_met_with_profile_tags_never_activated(moto_aws, scope, canned) -> None:
    """Before: met. A tag that is not an activated cost-allocation tag never shows in billing."""
    budget()
    no_cost_attribution(canned)
    tagged_profile(canned, {"app": "support-bot"})
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "support-bot" in item.reason


def test_l4_6_not_met_with_an_active_tag_of_another_team(moto_aws, scope, canned) -> None:
    """Before: met from any active user-defined tag, though none of the Bedrock spend carries it."""
    budget()
    no_cost_attribution(canned)
    active_tags(canned, "team")
    bedrock_spend_by_tag(canned, "app", "support-bot")  # grouped by team, all Bedrock spend is untagged
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "team" in item.reason


def test_l4_6_not_met_with_a_budget_but_no_attribution(moto_aws, scope, canned) -> None:
    budget()
    no_cost_attribution(canned)
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "No cost-allocation tag is active" in item.reason


def test_l4_6_unknown_in_a_member_account_without_a_visible_budget(moto_aws, scope, canned) -> None:
    member(canned)
    no_cost_attribution(canned)
    services_monitor(canned)
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.UNKNOWN, item.reason
    assert "member" in item.reason


def test_l4_6_unknown_when_budgets_are_denied(moto_aws, scope, canned) -> None:
    canned.deny(
        "budgets",
        "DescribeBudgets",
        "User: arn:aws:iam::123456789012:user/audit is not authorized to perform: budgets:ViewBudget",
    )
    services_monitor(canned)
    canned.add("bedrock", "ListInferenceProfiles", {"inferenceProfileSummaries": []})
    active_tags(canned, "team")
    item = _l4_6(moto_aws, scope)
    assert item.status is Status.UNKNOWN
    assert "budgets:ViewBudget" in item.missing


@pytest.mark.parametrize(
    ("service", "op"),
    [
        ("budgets", "DescribeBudgets"),
        ("budgets", "DescribeNotificationsForBudget"),
        ("ce", "GetAnomalyMonitors"),
        ("ce", "GetAnomalySubscriptions"),
    ],
)
def test_l4_6_never_met_when_a_read_of_the_monitor_path_fails(moto_aws, scope, canned, service, op) -> None:
    """Met setup through the budget and the anomaly monitor only: each read behind it denied, never met."""
    budget()
    no_cost_attribution(canned)
    services_monitor(canned)
    canned.deny(service, op)
    item = _l4_6(moto_aws, scope)
    assert item.status is not Status.MET, item.reason


@pytest.mark.parametrize(
    ("service", "op"),
    [("ce", "ListCostAllocationTags"), ("ce", "GetCostAndUsage")],
)
def test_l4_6_never_met_when_a_read_of_the_tag_path_fails(moto_aws, scope, canned, service, op) -> None:
    """Met setup through the budget and a tag carrying Bedrock spend only: each read denied, never met."""
    budget()
    no_cost_attribution(canned)
    active_tags(canned, "app")
    bedrock_spend_by_tag(canned, "app", "support-bot")
    canned.deny(service, op)
    item = _l4_6(moto_aws, scope)
    assert item.status is not Status.MET, item.reason


@pytest.mark.parametrize(
    ("service", "op"),
    [
        ("ce", "ListCostAllocationTags"),
        ("bedrock", "ListInferenceProfiles"),
        ("bedrock", "ListTagsForResource"),
    ],
)
def test_l4_6_never_met_when_a_read_of_the_profile_path_fails(moto_aws, scope, canned, service, op) -> None:
    """Met setup through a budget on the workload tag and activated profile tags: each read denied."""
    budget(CostFilters={"TagKeyValue": ["user:app$support-bot"]})
    no_cost_attribution(canned)
    active_tags(canned, "app")
    tagged_profile(canned, {"app": "support-bot"})
    canned.deny(service, op)
    item = _l4_6(moto_aws, scope)
    assert item.status is not Status.MET, item.reason


# -- L1.5 no tracking of cost, latency or failures -------------------------------------------------


def member(canned) -> None:
    """This account is a member of an organization whose management account is another one."""
    canned.add(
        "organizations",
        "DescribeOrganization",
        {"Organization": {"Id": "o-abcdefghij", "MasterAccountId": "999999999999", "FeatureSet": "ALL"}},
    )


def test_l1_5_met_in_an_account_without_budget_alarm_or_dashboard(moto_aws, scope) -> None:
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.MET, items["L1.5"].reason


def test_l1_5_met_in_a_management_account_without_budgets(moto_aws, scope) -> None:
    seed_client("organizations").create_organization(FeatureSet="ALL")
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.MET, items["L1.5"].reason


def test_l1_5_not_met_once_a_budget_exists(moto_aws, scope) -> None:
    budget("llm-spend")
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.NOT_MET
    assert "llm-spend" in items["L1.5"].reason


def test_l1_5_unknown_in_a_member_account_that_sees_no_budget(moto_aws, scope, canned) -> None:
    """Before: met ("no tracking of cost") in every member account, though its budgets usually live in the
    management account, which members cannot list."""
    member(canned)
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.UNKNOWN, items["L1.5"].reason
    assert "member" in items["L1.5"].reason


def test_l1_5_never_met_when_the_organization_cannot_be_read(moto_aws, scope, canned) -> None:
    canned.deny("organizations", "DescribeOrganization")
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.UNKNOWN, items["L1.5"].reason
    assert "organizations:DescribeOrganization" in items["L1.5"].missing


def test_l1_5_not_met_from_a_budget_in_a_member_account(moto_aws, scope, canned) -> None:
    member(canned)
    budget("team-budget", CostFilters={})
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.NOT_MET, items["L1.5"].reason


# -- L5.3 tool permissions and autonomy boundaries -------------------------------------------------


INVOKE = {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _boundary() -> str:
    iam = seed_client("iam")
    try:
        return iam.create_policy(PolicyName="agent-boundary", PolicyDocument=_doc(INVOKE))["Policy"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return f"arn:aws:iam::{ACCOUNT}:policy/agent-boundary"


def _iam_role(
    name: str, *, boundary: bool, statements: tuple[dict, ...] = (INVOKE,), trust: str = TRUST
) -> str:
    iam = seed_client("iam")
    kw = {"PermissionsBoundary": _boundary()} if boundary else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **kw)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="invoke", PolicyDocument=_doc(*statements))
    return arn


def agent_with_role(role_name: str, *, admin: bool, boundary: bool = False) -> None:
    arn = _iam_role(role_name, boundary=boundary)
    if admin:
        iam = seed_client("iam")
        policy = iam.create_policy(PolicyName="AdministratorAccess", PolicyDocument=ADMIN)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy)
    seed_client("bedrock-agent").create_agent(
        agentName="support-bot", agentResourceRoleArn=arn, foundationModel=HAIKU
    )


def confirmed_refund_action(canned) -> None:
    canned_action_group(canned, {"customControl": "RETURN_CONTROL"})


def no_api_keys(canned, *keys: dict) -> None:
    """moto lacks ListServiceSpecificCredentials: the account's long-term Bedrock API keys, canned."""
    canned.add(
        "iam",
        "ListServiceSpecificCredentials",
        {"ServiceSpecificCredentials": list(keys), "IsTruncated": False},
    )


def _l5_3(moto_aws, scope):
    items, _, snap = assess(moto_aws, scope, ids=["L5.3"])
    return items["L5.3"], snap


def test_l5_3_met_when_roles_are_bounded_and_scoped_and_mutations_are_confirmed(
    moto_aws, scope, canned
) -> None:
    agent_with_role("support-bot-agent-role", admin=False, boundary=True)
    confirmed_refund_action(canned)
    no_api_keys(canned)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.MET, item.reason
    assert "support-bot-agent-role" in item.reason


def test_l5_3_not_met_when_the_admin_role_is_bounded(moto_aws, scope, canned) -> None:
    """Before: a permissions boundary made an administrator role pass (Prowler fails it)."""
    agent_with_role("support-bot-agent-role", admin=True, boundary=True)
    confirmed_refund_action(canned)
    no_api_keys(canned)
    item, snap = _l5_3(moto_aws, scope)
    assert admin_policies(snap.sections["iam.agent_roles"]["roles"][0]) == ["AdministratorAccess"]
    assert item.status is Status.NOT_MET, item.reason
    assert "AdministratorAccess" in item.reason


def test_l5_3_not_met_when_the_agent_role_is_administrator(moto_aws, scope, canned) -> None:
    agent_with_role("support-bot-agent-role", admin=True)
    confirmed_refund_action(canned)
    no_api_keys(canned)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.NOT_MET
    assert "AdministratorAccess" in item.reason


def test_l5_3_not_met_without_a_permissions_boundary(moto_aws, scope, canned) -> None:
    """Before: a scoped role without a boundary passed."""
    agent_with_role("support-bot-agent-role", admin=False, boundary=False)
    confirmed_refund_action(canned)
    no_api_keys(canned)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.NOT_MET and "no permissions boundary" in item.reason, item.reason


def test_l5_3_not_met_with_aws_managed_bedrock_full_access(moto_aws, scope, canned) -> None:
    """Before: AmazonBedrockFullAccess passed. AWS managed documents are absent from moto: judged by name."""
    agent_with_role("support-bot-agent-role", admin=False, boundary=True)
    canned.add(
        "iam",
        "ListAttachedRolePolicies",
        {
            "AttachedPolicies": [
                {
                    "PolicyName": "AmazonBedrockFullAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AmazonBedrockFullAccess",
                }
            ],
            "IsTruncated": False,
        },
    )
    confirmed_refund_action(canned)
    no_api_keys(canned)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "AmazonBedrockFullAccess" in item.reason


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
    ],
)
def test_l5_3_not_met_with_broad_agent_role_statements(moto_aws, scope, canned, statement) -> None:
    """Before: each of these passed (only "*" on "*" failed)."""
    arn = _iam_role("support-bot-agent-role", boundary=True, statements=(INVOKE, statement))
    seed_client("bedrock-agent").create_agent(
        agentName="support-bot", agentResourceRoleArn=arn, foundationModel=HAIKU
    )
    confirmed_refund_action(canned)
    no_api_keys(canned)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason


def test_l5_3_not_met_with_an_active_long_term_bedrock_api_key(moto_aws, scope, canned) -> None:
    agent_with_role("support-bot-agent-role", admin=False, boundary=True)
    confirmed_refund_action(canned)
    no_api_keys(
        canned,
        {
            "UserName": "data-scientist",
            "Status": "Active",
            "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
            "ServiceSpecificCredentialId": "ACCAEXAMPLE000000001",
            "ServiceName": "bedrock.amazonaws.com",
        },
    )
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.NOT_MET, item.reason
    assert "long-term Amazon Bedrock API key" in item.reason and "data-scientist" in item.reason


def test_l5_3_not_met_when_an_llm_lambda_role_is_broad(moto_aws, scope, canned) -> None:
    agent_with_role("support-bot-agent-role", admin=False, boundary=True)
    confirmed_refund_action(canned)
    no_api_keys(canned)
    lambda_trust = TRUST.replace("bedrock.amazonaws.com", "lambda.amazonaws.com")
    fn_role = _iam_role(
        "bedrock-chat-role",
        boundary=True,
        statements=(INVOKE, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        trust=lambda_trust,
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return 1\n")
    seed_client("lambda").create_function(
        FunctionName="bedrock-chat",
        Runtime="python3.12",
        Role=fn_role,
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
        Environment={"Variables": {"BEDROCK_MODEL_ID": HAIKU}},
    )
    item, snap = _l5_3(moto_aws, scope)
    fns = snap.sections["lambda.functions"]["functions"]
    assert [f["llm"] for f in fns] == [True]  # the marking is lambda.functions'; this test relies on it
    assert item.status is Status.NOT_MET, item.reason
    assert "bedrock-chat-role" in item.reason and "s3:* on every resource" in item.reason


def test_l5_3_not_met_without_agents(moto_aws, scope, canned) -> None:
    no_api_keys(canned)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.NOT_MET
    assert "no agents" in item.reason


@pytest.mark.parametrize(
    ("service", "op", "action"),
    [
        ("iam", "GetRole", "iam:GetRole"),
        ("iam", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies"),
        ("iam", "ListRolePolicies", "iam:ListRolePolicies"),
        ("iam", "GetPolicy", "iam:GetPolicy"),
        ("iam", "GetPolicyVersion", "iam:GetPolicyVersion"),
        ("iam", "ListServiceSpecificCredentials", "iam:ListServiceSpecificCredentials"),
        ("lambda", "ListFunctions", "lambda:ListFunctions"),
    ],
)
def test_l5_3_never_met_when_a_read_it_needs_is_denied(moto_aws, scope, canned, service, op, action) -> None:
    """Every read behind the rule: denied, the item is unknown (never met), and says which action."""
    agent_with_role("support-bot-agent-role", admin=False, boundary=True)
    confirmed_refund_action(canned)
    no_api_keys(canned)
    canned.deny(service, op)
    item, _ = _l5_3(moto_aws, scope)
    assert item.status is Status.UNKNOWN, item.reason
    assert action in item.missing, item.missing


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


def test_l3_4_not_met_from_an_ai_services_opt_out_policy_alone(moto_aws, scope) -> None:
    """An opt-out keeps AWS from using the content; it sets no PII handling rule (supporting detail only)."""
    organization(opt_out=True)
    items, _, _ = assess(moto_aws, scope, ids=["L3.4"])
    assert items["L3.4"].status is not Status.MET, items["L3.4"].reason
    assert any("ai-opt-out" in e for e in items["L3.4"].evidence)


def _vector_collection() -> str:
    """The VECTORSEARCH collection kb-vectors; returns its ARN."""
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
    return aoss.create_collection(name="kb-vectors", type="VECTORSEARCH")["createCollectionDetail"]["arn"]


def _knowledge_base_on(collection_arn: str, canned) -> None:
    """A Bedrock knowledge base whose vector store is `collection_arn`, with one S3 data source whose last
    sync (ingestion job) completed with 20 documents indexed (moto lacks the data-source and job APIs)."""
    kb = seed_client("bedrock-agent").create_knowledge_base(
        name="support-docs",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/kb-role",
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
            },
        },
        storageConfiguration={
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": collection_arn,
                "vectorIndexName": "support-index",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
    )["knowledgeBase"]["knowledgeBaseId"]
    now = datetime.now(UTC)
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
                    "updatedAt": now,
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
                    "ingestionJobId": "JOB0000001",
                    "status": "COMPLETE",
                    "startedAt": now - timedelta(days=2),
                    "updatedAt": now,
                    "statistics": {
                        "numberOfDocumentsScanned": 20,
                        "numberOfNewDocumentsIndexed": 20,
                        "numberOfDocumentsFailed": 0,
                    },
                }
            ]
        },
    )


def test_l2_6_met_from_a_knowledge_base_on_a_vector_search_collection(moto_aws, scope, canned) -> None:
    """Before: the collection alone made L2.6 met. Now the knowledge base it backs, synced with documents in
    the index, is the pipeline (a collection backing no knowledge base proves nothing: next test)."""
    collection = _vector_collection()
    _knowledge_base_on(collection, canned)
    items, _, snap = assess(moto_aws, scope, ids=["L2.6"])
    assert items["L2.6"].status is Status.MET, items["L2.6"].reason
    assert "support-docs" in items["L2.6"].reason and "20 documents indexed" in items["L2.6"].reason
    # the knowledge base's vector store, as read from GetKnowledgeBase, is the kb-vectors collection
    kb = snap.sections["agents.knowledge_bases"]["knowledge_bases"][0]
    assert kb["storage"]["collectionArn"] == collection


def test_l2_6_not_met_from_a_vector_search_collection_alone(moto_aws, scope) -> None:
    _vector_collection()
    items, _, _ = assess(moto_aws, scope, ids=["L2.6"])
    assert items["L2.6"].status is Status.NOT_MET, items["L2.6"].reason


def test_l2_6_not_met_without_knowledge_base_or_collection(moto_aws, scope) -> None:
    items, _, _ = assess(moto_aws, scope, ids=["L2.6"])
    assert items["L2.6"].status is Status.NOT_MET, items["L2.6"].reason


def test_l1_1_met_from_a_sagemaker_notebook(moto_aws, scope) -> None:
    """Bedrock traffic, and a notebook whose execution role may invoke Bedrock models. The account also has
    an API Gateway API, so the direct-API branch cannot decide: the notebook does."""
    sm_trust = TRUST.replace("bedrock.amazonaws.com", "sagemaker.amazonaws.com")
    role = _iam_role("sm", boundary=False, statements=(INVOKE,), trust=sm_trust)
    seed_client("sagemaker").create_notebook_instance(
        NotebookInstanceName="prompt-lab", InstanceType="ml.t3.medium", RoleArn=role
    )
    seed_client("cloudwatch").put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {"MetricName": "Invocations", "Dimensions": [{"Name": "ModelId", "Value": HAIKU}], "Value": 5}
        ],
    )
    seed_client("apigateway").create_rest_api(name="orders-api")
    items, _, _ = assess(moto_aws, scope, ids=["L1.1"])
    assert items["L1.1"].status is Status.MET, items["L1.1"].reason
    assert "prompt-lab" in items["L1.1"].reason and "role sm" in items["L1.1"].reason


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


def test_l4_5_not_met_from_a_conditional_a2i_flow_definition_alone(moto_aws, scope, canned) -> None:
    """Activation conditions exist only for Textract/Rekognition review, and a flow definition that created
    no human loop reviews nothing (see tests/test_items_routing.py for the met case)."""
    _flow(canned, conditional=True)
    canned.add("sagemaker-a2i-runtime", "ListHumanLoops", {"HumanLoopSummaries": []})
    items, _, _ = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is not Status.MET, items["L4.5"].reason
    assert "answer-review" in items["L4.5"].reason


def test_l4_5_not_met_when_the_flow_definition_has_no_conditions(moto_aws, scope, canned) -> None:
    _flow(canned, conditional=False)
    canned.add("sagemaker-a2i-runtime", "ListHumanLoops", {"HumanLoopSummaries": []})
    items, _, snap = assess(moto_aws, scope, ids=["L4.5"])
    assert items["L4.5"].status is Status.NOT_MET, items["L4.5"].reason
    assert "answer-review" in items["L4.5"].reason and "created no human loop" in items["L4.5"].reason
    assert snap.sections["sagemaker.flow_definitions"]["flow_definitions"][0]["conditional"] is False
