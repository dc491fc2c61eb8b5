"""L5.3 least privilege for AgentCore: runtime execution roles and gateway service roles are judged as agent
roles are (a permissions boundary, no administrator or *FullAccess policy, no service wildcard or NotAction on
every resource, no iam:PassRole on every role), from moto and from the mature AgentCore archetype."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmops_audit.collectors import CollectContext
from llmops_audit.evidence.snapshot import plain
from llmops_audit.probes import run_probe
from tests.archetypes.runner import load, run
from tests.conftest import seed_client
from tests.helpers import report_of, snapshot

ACCOUNT = "123456789012"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
SCOPED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel"],
            "Resource": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-3-5-haiku",
        }
    ],
}
MATURE = Path(__file__).resolve().parent.parent / "archetypes" / "agentcore_mature.yaml"


def _stmt(action, resource="*", not_action=False) -> dict:
    key = "NotAction" if not_action else "Action"
    return {"Effect": "Allow", key: [action], "Resource": [resource]}


def _role(name, *, boundary=True, attached=(), inline=(), detail_error=None) -> dict:
    role = {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "resources": [f"runtime {name}"],
        "boundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary" if boundary else None,
        "boundary_policy": {
            "name": "boundary",
            "arn": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
            "statements": [_stmt("bedrock:InvokeModel", SCOPED["Statement"][0]["Resource"])],
            "error": None,
            "error_action": None,
        }
        if boundary
        else None,
        "attached": list(attached),
        "inline": [{"name": f"inline{i}", "statements": [st]} for i, st in enumerate(inline)],
        "error": None,
        "error_action": None,
    }
    if detail_error:
        role.update(attached=None, inline=None, error=detail_error, error_action="iam:GetRole")
    return role


def _managed(name: str, statements=None) -> dict:
    return {
        "name": name,
        "arn": f"arn:aws:iam::aws:policy/{name}",
        "statements": statements,
        "error": None if statements is not None else "AccessDenied",
        "error_action": None if statements is not None else "iam:GetPolicyVersion",
    }


def _verdict(scope, roles, without=(), truncated=False):
    data = {"roles": roles, "resources_without_role": list(without), "truncated": truncated, "errors": []}
    return run_probe("agentcore_roles_least_privilege", snapshot(scope, iam__agentcore_roles=data), {})


def test_no_agentcore_role_cannot_be_broad(scope) -> None:
    v = _verdict(scope, [])
    assert v.value is True and "No AgentCore runtime or gateway" in v.summary


def test_a_bounded_scoped_role_is_least_privilege(scope) -> None:
    v = _verdict(scope, [_role("support", inline=[SCOPED["Statement"][0]])])
    assert v.value is True and "support" in v.summary


@pytest.mark.parametrize(
    "role, why",
    [
        (_role("admin", attached=[_managed("AdministratorAccess")]), "AdministratorAccess"),
        (_role("full", attached=[_managed("BedrockAgentCoreFullAccess")]), "BedrockAgentCoreFullAccess"),
        (_role("wild", inline=[_stmt("s3:*")]), "s3:*"),
        (_role("notaction", inline=[_stmt("iam:*", not_action=True)]), "NotAction"),
        (_role("passrole", inline=[_stmt("iam:PassRole")]), "PassRole"),
        (_role("unbounded", boundary=False, inline=[SCOPED["Statement"][0]]), "boundary"),
    ],
)
def test_a_broad_agentcore_role_is_not_least_privilege(scope, role, why) -> None:
    v = _verdict(scope, [_role("fine", inline=[SCOPED["Statement"][0]]), role])
    assert v.value is False, v.summary
    assert role["name"] in v.summary and why in v.summary and "fine" not in v.summary.split(":")[0]


def test_an_unread_role_or_runtime_is_unknown_never_met(scope) -> None:
    v = _verdict(scope, [_role("support", detail_error="AccessDenied for iam:GetRole")])
    assert v.value is None and v.missing == ("iam:GetRole",)
    v = _verdict(scope, [_role("support", inline=[SCOPED["Statement"][0]])], without=["runtime billing"])
    assert v.value is None and "billing" in v.summary
    v = _verdict(scope, [_role("support", inline=[SCOPED["Statement"][0]])], truncated=True)
    assert v.value is None


def test_collector_reads_runtime_and_gateway_roles_from_moto(moto_aws, scope) -> None:
    iam = seed_client("iam")
    boundary = iam.create_policy(PolicyName="agentcore-boundary", PolicyDocument=json.dumps(SCOPED))["Policy"]
    rt_role = iam.create_role(
        RoleName="runtime-role", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=boundary["Arn"]
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName="runtime-role", PolicyName="scoped", PolicyDocument=json.dumps(SCOPED))
    gw_role = iam.create_role(RoleName="gateway-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    do_anything = iam.create_policy(PolicyName="do-anything", PolicyDocument=json.dumps(admin))["Policy"]
    iam.attach_role_policy(RoleName="gateway-role", PolicyArn=do_anything["Arn"])
    ac = seed_client("bedrock-agentcore-control")
    for name in ("support_agent", "billing_agent"):  # two runtimes share the role: it is read once
        ac.create_agent_runtime(
            agentRuntimeName=name,
            agentRuntimeArtifact={
                "containerConfiguration": {
                    "containerUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}:1"
                }
            },
            roleArn=rt_role,
            networkConfiguration={"networkMode": "PUBLIC"},
        )
    ac.create_gateway(name="tools", roleArn=gw_role, protocolType="MCP", authorizerType="AWS_IAM")
    ctx = CollectContext(moto_aws, scope)
    before = len(ctx.aws.calls)
    data = json.loads(json.dumps(plain(ctx.section("iam.agentcore_roles"))))
    by_name = {r["name"]: r for r in data["roles"]}
    assert set(by_name) == {"runtime-role", "gateway-role"} and data["resources_without_role"] == []
    assert sorted(by_name["runtime-role"]["resources"]) == ["runtime billing_agent", "runtime support_agent"]
    assert by_name["runtime-role"]["boundary"] == boundary["Arn"]
    assert by_name["runtime-role"]["inline"][0]["statements"][0]["Action"] == ["bedrock:InvokeModel"]
    assert [p["name"] for p in by_name["gateway-role"]["attached"]] == ["do-anything"]
    gets = [
        c for c in ctx.aws.calls[before:] if c.service == "iam" and c.operation in ("GetRole", "get_role")
    ]
    assert len(gets) == 2, gets  # one GetRole per role, not per runtime
    v = run_probe(
        "agentcore_roles_least_privilege",
        snapshot(scope, iam__agentcore_roles=data),
        {},
    )
    assert v.value is False and "gateway-role" in v.summary and "do-anything" in v.summary


def _l53(account) -> str:
    snap = run(account)
    item = next(i for i in report_of(snap).items if i.id == "L5.3")
    return item.status.value


def test_a_broad_runtime_role_never_leaves_l5_3_met() -> None:
    """The mature AgentCore account is met on L5.3; the same account with AdministratorAccess on one runtime's
    execution role (or AmazonBedrockFullAccess on the gateway's role) is not."""
    assert _l53(load(MATURE)) == "met"
    for role, policy in (
        ("AgentCoreRuntime-billing", "AdministratorAccess"),
        ("AgentCoreGateway-support-tools", "AmazonBedrockFullAccess"),
    ):
        account = load(MATURE)
        account.responses["iam.ListAttachedRolePolicies"] = [
            {
                "when": {"RoleName": role},
                "body": {
                    "AttachedPolicies": [
                        {"PolicyName": policy, "PolicyArn": f"arn:aws:iam::aws:policy/{policy}"}
                    ],
                    "IsTruncated": False,
                },
            },
            {"body": {"AttachedPolicies": [], "IsTruncated": False}},
        ]
        account.responses["iam.GetPolicy"] = [
            {
                "when": {"PolicyArn": f"arn:aws:iam::aws:policy/{policy}"},
                "error": {"code": "AccessDenied", "message": "not authorized", "status": 403},
            },
            {"body": account.responses["iam.GetPolicy"]},
        ]
        assert _l53(account) == "not_met", role
