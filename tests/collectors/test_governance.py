"""Governance collectors: IAM agent roles, Organizations, SageMaker, A2I and OpenSearch Serverless."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from llmops_audit.collectors import CollectContext, SectionFailed
from llmops_audit.collectors.governance import statements
from llmops_audit.probes.governance import admin_policies
from tests.conftest import ACCOUNT, seed_client

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]}
SCOPED = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::docs/*"},
    ],
}


def _role(name: str, inline: dict | None = None, boundary: str | None = None) -> str:
    iam = seed_client("iam")
    kw = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, **kw)["Role"]["Arn"]
    if inline:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(inline))
    return arn


def _ctx(moto_aws, scope, agents: list[dict]) -> CollectContext:
    """A context whose agents.agents section is already collected (shape: collectors/agents.py)."""
    ctx = CollectContext(moto_aws, scope)
    ctx.data["agents.agents"] = {"agents": agents, "errors": []}
    return ctx


def test_agent_roles_keep_policy_statements_and_boundaries(moto_aws, scope) -> None:
    iam = seed_client("iam")
    boundary = iam.create_policy(PolicyName="agent-boundary", PolicyDocument=json.dumps(SCOPED))["Policy"][
        "Arn"
    ]
    admin_arn = iam.create_policy(PolicyName="do-anything", PolicyDocument=json.dumps(ADMIN))["Policy"]["Arn"]
    a = _role("admin-agent-role")
    iam.attach_role_policy(RoleName="admin-agent-role", PolicyArn=admin_arn)
    b = _role("bounded-agent-role", inline=ADMIN, boundary=boundary)
    c = _role("scoped-agent-role", inline=SCOPED)
    ctx = _ctx(
        moto_aws,
        scope,
        [
            {"name": "sup", "roleArn": a},
            {"name": "helper", "roleArn": b},
            {"name": "helper2", "roleArn": b},
            {"name": "kb-bot", "roleArn": c},
            {"name": "ghost", "roleArn": None},
        ],
    )
    data = ctx.section("iam.agent_roles")
    by_name = {r["name"]: r for r in data["roles"]}
    # The collector keeps the facts: the attached policies with their statements, and the inline ones.
    assert by_name["admin-agent-role"]["attached"] == [
        {
            "name": "do-anything",
            "arn": admin_arn,
            "statements": [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}],
            "error": None,
            "error_action": None,
        }
    ]
    assert by_name["admin-agent-role"]["inline"] == []
    assert by_name["admin-agent-role"]["boundary"] is None and by_name["admin-agent-role"]["agents"] == [
        "sup"
    ]
    assert by_name["bounded-agent-role"]["boundary"] == boundary
    assert by_name["bounded-agent-role"]["boundary_policy"]["statements"] == [
        {"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": ["*"]},
        {"Effect": "Allow", "Action": ["*"], "Resource": ["arn:aws:s3:::docs/*"]},
    ]
    assert by_name["admin-agent-role"]["boundary_policy"] is None
    assert by_name["bounded-agent-role"]["agents"] == ["helper", "helper2"]
    assert by_name["scoped-agent-role"]["attached"] == []
    assert by_name["scoped-agent-role"]["inline"] == [
        {
            "name": "scoped-agent-role-inline",
            "statements": [
                {"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": ["*"]},
                {"Effect": "Allow", "Action": ["*"], "Resource": ["arn:aws:s3:::docs/*"]},
            ],
        }
    ]
    assert "admin_policies" not in by_name["admin-agent-role"]  # the probe judges, not the collector
    # ... and the probe's judgement of those facts:
    assert admin_policies(by_name["admin-agent-role"]) == ["do-anything"]
    assert admin_policies(by_name["bounded-agent-role"]) == ["bounded-agent-role-inline"]
    assert admin_policies(by_name["scoped-agent-role"]) == []  # "*" only on an S3 prefix is not admin
    assert data["agents_without_role"] == ["ghost"]


def _stub_role(moto_aws, arn: str, attached: list[dict], boundary: str | None = None) -> Stubber:
    stub = Stubber(moto_aws._client("iam"))
    created = datetime(2026, 1, 1, tzinfo=UTC)
    role = {"Path": "/", "RoleName": arn.split("/")[-1], "RoleId": "AROAEXAMPLE000000001", "Arn": arn}
    if boundary:
        role["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": boundary,
        }
    stub.add_response("get_role", {"Role": {**role, "CreateDate": created}}, {"RoleName": ANY})
    stub.add_response("list_attached_role_policies", {"AttachedPolicies": attached}, {"RoleName": ANY})
    return stub


def _version(stub: Stubber, arn: str, doc: dict) -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    stub.add_response(
        "get_policy",
        {"Policy": {"PolicyName": arn.split("/")[-1], "Arn": arn, "DefaultVersionId": "v3"}},
        {"PolicyArn": arn},
    )
    stub.add_response(
        "get_policy_version",
        {"PolicyVersion": {"Document": json.dumps(doc), "VersionId": "v3", "CreateDate": created}},
        {"PolicyArn": arn, "VersionId": "v3"},
    )


def test_aws_managed_policies_and_boundaries_are_read(moto_aws, scope) -> None:
    """Before: AWS managed documents were never read (PowerUserAccess's NotAction passed)."""
    power = "arn:aws:iam::aws:policy/PowerUserAccess"
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/agent-boundary"
    arn = f"arn:aws:iam::{ACCOUNT}:role/managed-agent-role"
    stub = _stub_role(moto_aws, arn, [{"PolicyName": "PowerUserAccess", "PolicyArn": power}], boundary)
    not_iam = {"Statement": [{"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}]}
    _version(stub, power, not_iam)
    stub.add_response("list_role_policies", {"PolicyNames": []}, {"RoleName": ANY})
    _version(stub, boundary, {"Statement": {"Effect": "Allow", "Action": "bedrock:Invoke*", "Resource": "*"}})
    with stub:
        data = _ctx(moto_aws, scope, [{"name": "sup", "roleArn": arn}]).section("iam.agent_roles")
    stub.assert_no_pending_responses()
    r = data["roles"][0]
    assert r["attached"][0]["statements"] == [
        {"Effect": "Allow", "Action": [], "Resource": ["*"], "NotAction": ["iam:*"]}
    ]
    assert r["boundary"] == boundary
    assert r["boundary_policy"]["statements"] == [
        {"Effect": "Allow", "Action": ["bedrock:Invoke*"], "Resource": ["*"]}
    ]
    assert admin_policies(r) == ["PowerUserAccess"]


def test_conditions_are_kept_for_the_probe(moto_aws, scope) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/app": "chat"}},
            },
        ],
    }
    _role("cond-role", inline=doc)
    arn = f"arn:aws:iam::{ACCOUNT}:role/cond-role"
    data = _ctx(moto_aws, scope, [{"name": "a", "roleArn": arn}]).section("iam.agent_roles")
    sts = data["roles"][0]["inline"][0]["statements"]
    assert sts[0]["Condition"] == {"StringEquals": {"aws:ResourceTag/app": ["chat"]}}
    garbled = statements(
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": "x"}]}
    )
    assert garbled[0]["Condition"] == {"?": {}}  # unreadable: never mistaken for "no condition"


@pytest.mark.parametrize("op", ["GetPolicy", "GetPolicyVersion"])
def test_a_policy_document_that_cannot_be_read_is_recorded_per_policy(moto_aws, scope, canned, op) -> None:
    iam = seed_client("iam")
    arn = _role("p-role", inline=SCOPED)
    custom = iam.create_policy(PolicyName="custom", PolicyDocument=json.dumps(SCOPED))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="p-role", PolicyArn=custom)
    canned.deny("iam", op)
    data = _ctx(moto_aws, scope, [{"name": "a", "roleArn": arn}]).section("iam.agent_roles")
    p = data["roles"][0]["attached"][0]
    assert p["statements"] is None and p["error_action"] == f"iam:{op}"
    assert any("custom" in e for e in data["errors"])


def test_agent_role_that_cannot_be_read_is_recorded_per_role(moto_aws, scope) -> None:
    ok = _role("ok-role", inline=SCOPED)
    ctx = _ctx(
        moto_aws,
        scope,
        [
            {"name": "a", "roleArn": ok},
            {"name": "b", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/service-role/deleted-role"},
        ],
    )
    data = ctx.section("iam.agent_roles")
    gone = next(r for r in data["roles"] if r["name"] == "deleted-role")
    assert gone["attached"] is None and gone["inline"] is None and gone["error_action"] == "iam:GetRole"
    assert admin_policies(gone) is None
    assert any("deleted-role" in e for e in data["errors"])
    assert admin_policies(next(r for r in data["roles"] if r["name"] == "ok-role")) == []


def test_agent_roles_depend_on_agents(moto_aws, scope, canned) -> None:
    canned.deny("bedrock-agent", "ListAgents")
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("iam.agent_roles")
    except SectionFailed as exc:
        assert exc.error.kind == "dependency" and "agents.agents" in exc.error.message
    else:
        raise AssertionError("iam.agent_roles should fail when agents.agents does")


def test_not_in_an_organization_is_an_answer(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    assert ctx.section("organizations.policies") == {
        "in_organization": False,
        "policies": [],
        "targets": {},
        "errors": [],
    }
    assert ctx.section("organizations.accounts") == {"in_organization": False, "accounts": []}


def test_organization_accounts_and_attached_opt_out_policy(moto_aws, scope) -> None:
    org = seed_client("organizations")
    org.create_organization(FeatureSet="ALL")
    for name in ("llm-dev", "llm-prod"):
        org.create_account(AccountName=name, Email=f"{name}@example.com")
    content = json.dumps({"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}})
    attached = org.create_policy(
        Name="ai-opt-out", Description="d", Type="AISERVICES_OPT_OUT_POLICY", Content=content
    )["Policy"]["PolicySummary"]["Id"]
    org.create_policy(
        Name="unused-opt-out", Description="d", Type="AISERVICES_OPT_OUT_POLICY", Content=content
    )
    org.create_policy(
        Name="scp",
        Description="d",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    org.attach_policy(PolicyId=attached, TargetId=org.list_roots()["Roots"][0]["Id"])
    ctx = CollectContext(moto_aws, scope)
    pol = ctx.section("organizations.policies")
    assert pol["in_organization"] is True
    assert sorted(pol["policies"]) == ["ai-opt-out", "unused-opt-out"]  # not the SCP
    assert pol["targets"] == {"ai-opt-out": 1, "unused-opt-out": 0}
    acc = ctx.section("organizations.accounts")
    assert acc["in_organization"] is True and {"llm-dev", "llm-prod"} <= set(acc["accounts"])


def test_organizations_denied_is_not_mistaken_for_no_organization(moto_aws, scope, canned) -> None:
    canned.deny("organizations", "DescribeOrganization")
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("organizations.accounts")
    except SectionFailed as exc:
        assert exc.error.kind == "denied" and exc.error.action == "organizations:DescribeOrganization"
    else:
        raise AssertionError("a denied DescribeOrganization must fail the section")


def test_sagemaker_notebooks_and_domains(moto_aws, scope) -> None:
    seed_client("sagemaker").create_notebook_instance(
        NotebookInstanceName="prompt-lab",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm",
    )
    seed_client("iam").create_role(RoleName="sm", AssumeRolePolicyDocument="{}")
    seed_client("iam").put_role_policy(
        RoleName="sm",
        PolicyName="call-bedrock",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}],
            }
        ),
    )
    data = CollectContext(moto_aws, scope).section("sagemaker.notebooks")
    assert data["notebooks"] == ["prompt-lab"] and data["domains"] == []
    (role,) = data["roles"]
    assert role["arn"].endswith(":role/sm") and role["used_by"] == ["notebook instance prompt-lab"]
    assert role["inline"][0]["statements"][0]["Action"] == ["bedrock:InvokeModel"]
    assert data["unknown"] == [] and data["errors"] == []


FLOW_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:flow-definition/low-confidence-review"


def _flow_summaries(canned, *names: str) -> None:
    canned.add(
        "sagemaker",
        "ListFlowDefinitions",
        {
            "FlowDefinitionSummaries": [
                {
                    "FlowDefinitionName": n,
                    "FlowDefinitionArn": FLOW_ARN.replace("low-confidence-review", n),
                    "FlowDefinitionStatus": "Active",
                    "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
                }
                for n in names
            ]
        },
    )


def _flow_detail(params: dict) -> dict:
    name = params["FlowDefinitionName"]
    body = {
        "FlowDefinitionArn": FLOW_ARN.replace("low-confidence-review", name),
        "FlowDefinitionName": name,
        "FlowDefinitionStatus": "Active",
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "OutputConfig": {"S3OutputPath": "s3://out/"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/a2i",
    }
    if name == "low-confidence-review":
        body["HumanLoopActivationConfig"] = {
            "HumanLoopActivationConditionsConfig": {
                "HumanLoopActivationConditions": json.dumps(
                    {
                        "Conditions": [
                            {
                                "ConditionType": "Sampling",
                                "ConditionParameters": {"RandomSamplingPercentage": 5},
                            }
                        ]
                    }
                )
            }
        }
    return body


def test_flow_definitions_with_and_without_activation_conditions(moto_aws, scope, canned) -> None:
    _flow_summaries(canned, "low-confidence-review", "always-review")
    canned.add("sagemaker", "DescribeFlowDefinition", _flow_detail)
    data = CollectContext(moto_aws, scope).section("sagemaker.flow_definitions")
    assert {f["name"]: f["conditional"] for f in data["flow_definitions"]} == {
        "low-confidence-review": True,
        "always-review": False,
    }


def test_flow_definition_describe_denied_leaves_it_unknown(moto_aws, scope, canned) -> None:
    _flow_summaries(canned, "low-confidence-review")
    canned.deny("sagemaker", "DescribeFlowDefinition")
    data = CollectContext(moto_aws, scope).section("sagemaker.flow_definitions")
    assert (
        data["flow_definitions"][0]["conditional"] is None and "DescribeFlowDefinition" in data["errors"][0]
    )


def test_human_loops_counted_in_the_period_with_stubber(moto_aws, scope, canned) -> None:
    _flow_summaries(canned, "low-confidence-review")
    canned.add("sagemaker", "DescribeFlowDefinition", _flow_detail)
    a2i = moto_aws._client("sagemaker-a2i-runtime")
    stub = Stubber(a2i)
    loop = {
        "HumanLoopName": "h",
        "HumanLoopStatus": "Completed",
        "CreationTime": datetime(2026, 1, 2, tzinfo=UTC),
        "FlowDefinitionArn": FLOW_ARN,
    }
    stub.add_response(
        "list_human_loops",
        {"HumanLoopSummaries": [loop, loop], "NextToken": "t"},
        {"FlowDefinitionArn": FLOW_ARN, "CreationTimeAfter": scope.start, "CreationTimeBefore": scope.end},
    )
    stub.add_response(
        "list_human_loops",
        {"HumanLoopSummaries": [loop]},
        {
            "FlowDefinitionArn": FLOW_ARN,
            "CreationTimeAfter": ANY,
            "CreationTimeBefore": ANY,
            "NextToken": "t",
        },
    )
    with stub:
        data = CollectContext(moto_aws, scope).section("sagemaker.human_loops")
    assert data == {"human_loops": 3, "flow_definitions": 1, "errors": []}


def test_human_loops_without_flow_definitions_are_unknown_not_zero(moto_aws, scope, canned) -> None:
    _flow_summaries(canned)
    data = CollectContext(moto_aws, scope).section("sagemaker.human_loops")
    assert data["human_loops"] is None and data["flow_definitions"] == 0


def _collection(aoss, name: str, kind: str) -> None:
    aoss.create_security_policy(
        name=f"{name}-enc",
        type="encryption",
        policy=json.dumps(
            {
                "Rules": [{"ResourceType": "collection", "Resource": [f"collection/{name}"]}],
                "AWSOwnedKey": False,
                "KmsARN": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            }
        ),
    )
    aoss.create_collection(name=name, type=kind)


def test_collections_types_come_from_batch_get(moto_aws, scope) -> None:
    aoss = seed_client("opensearchserverless")
    _collection(aoss, "kb-vectors", "VECTORSEARCH")
    _collection(aoss, "app-logs", "TIMESERIES")
    data = CollectContext(moto_aws, scope).section("aoss.collections")
    assert {c["name"]: c["type"] for c in data["collections"]} == {
        "kb-vectors": "VECTORSEARCH",
        "app-logs": "TIMESERIES",
    }


def test_collection_types_unknown_when_batch_get_is_denied(moto_aws, scope, canned) -> None:
    _collection(seed_client("opensearchserverless"), "kb-vectors", "VECTORSEARCH")
    canned.deny("opensearchserverless", "BatchGetCollection")
    data = CollectContext(moto_aws, scope).section("aoss.collections")
    assert data["collections"][0]["type"] is None and "BatchGetCollection" in data["errors"][0]


@pytest.mark.parametrize("op", ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy"])
def test_a_role_read_that_fails_leaves_the_role_unknown(moto_aws, scope, canned, op) -> None:
    arn = _role("r-role", inline=SCOPED)
    canned.deny("iam", op)
    data = _ctx(moto_aws, scope, [{"name": "a", "roleArn": arn}]).section("iam.agent_roles")
    r = data["roles"][0]
    assert r["attached"] is None and r["inline"] is None and r["error_action"] == f"iam:{op}"


# -- iam.llm_lambda_roles -----------------------------------------------------------------------------------


def test_llm_lambda_roles_read_the_roles_of_llm_functions_only(moto_aws, scope) -> None:
    chat = _role("chat-role", inline=ADMIN)
    thumb = _role("thumb-role", inline=ADMIN)
    ctx = CollectContext(moto_aws, scope)
    ctx.data["lambda.functions"] = {
        "functions": [
            {"name": "chat", "llm": True, "role": chat},
            {"name": "chat2", "llm": True, "role": chat},
            {"name": "thumbnailer", "llm": False, "role": thumb},
            {"name": "orphan", "llm": True, "role": None},
        ]
    }
    data = ctx.section("iam.llm_lambda_roles")
    assert [(r["name"], r["functions"]) for r in data["roles"]] == [("chat-role", ["chat", "chat2"])]
    assert data["functions_without_role"] == ["orphan"] and data["truncated"] is False
    assert admin_policies(data["roles"][0]) == ["chat-role-inline"]


def test_llm_lambda_roles_depend_on_lambda_functions(moto_aws, scope, canned) -> None:
    canned.deny("lambda", "ListFunctions")
    with pytest.raises(SectionFailed) as exc:
        CollectContext(moto_aws, scope).section("iam.llm_lambda_roles")
    assert exc.value.error.kind == "dependency"


# -- iam.bedrock_api_keys -----------------------------------------------------------------------------------


def test_bedrock_api_keys_list_every_users_long_term_keys(moto_aws, scope, canned) -> None:
    seen: list[dict] = []

    def answer(params: dict) -> dict:
        seen.append(params)
        if "Marker" not in params:
            return {
                "ServiceSpecificCredentials": [
                    {
                        "UserName": "dev",
                        "Status": "Active",
                        "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
                        "ServiceSpecificCredentialId": "ACCAEXAMPLE000000001",
                        "ServiceName": "bedrock.amazonaws.com",
                    }
                ],
                "IsTruncated": True,
                "Marker": "m1",
            }
        return {
            "ServiceSpecificCredentials": [
                {
                    "UserName": "ci",
                    "Status": "Inactive",
                    "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
                    "ExpirationDate": datetime(2026, 3, 1, tzinfo=UTC),
                    "ServiceSpecificCredentialId": "ACCAEXAMPLE000000002",
                    "ServiceName": "bedrock.amazonaws.com",
                }
            ],
            "IsTruncated": False,
        }

    canned.add("iam", "ListServiceSpecificCredentials", answer)
    data = CollectContext(moto_aws, scope).section("iam.bedrock_api_keys")
    assert seen[0] == {"ServiceName": "bedrock.amazonaws.com", "AllUsers": True}
    assert data == {
        "keys": [
            {
                "user": "dev",
                "id": "ACCAEXAMPLE000000001",
                "status": "Active",
                "created": "2026-01-01T00:00:00+00:00",
                "expires": None,
            },
            {
                "user": "ci",
                "id": "ACCAEXAMPLE000000002",
                "status": "Inactive",
                "created": "2026-01-01T00:00:00+00:00",
                "expires": "2026-03-01T00:00:00+00:00",
            },
        ],
        "truncated": False,
    }


def test_bedrock_api_keys_denied_fails_the_section(moto_aws, scope, canned) -> None:
    canned.deny("iam", "ListServiceSpecificCredentials")
    with pytest.raises(SectionFailed) as exc:
        CollectContext(moto_aws, scope).section("iam.bedrock_api_keys")
    assert exc.value.error.action == "iam:ListServiceSpecificCredentials"
