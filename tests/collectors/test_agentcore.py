"""AgentCore control-plane collectors: moto for runtimes, endpoints, versions, gateways, targets and memories;
canned responses (validated against botocore's output shapes) for policy engines, workload identities,
online evaluations and evaluators, which moto lacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from llmops_audit.collectors import CollectContext, SectionFailed
from llmops_audit.collectors.agentcore import cedar_shape
from llmops_audit.evidence.snapshot import plain
from tests.conftest import seed_client

SERVICE = "bedrock-agentcore-control"
ACCOUNT = "123456789012"
ARN = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent-runtime"
SECRET = "hunter2-do-not-keep"
PE = "tool_rules-0123456789"
NOW = datetime.now(UTC)


def _client():
    return seed_client(SERVICE)


def _runtime(name: str, role: str = ROLE, **kw) -> dict:
    return _client().create_agent_runtime(
        agentRuntimeName=name,
        agentRuntimeArtifact={
            "containerConfiguration": {"containerUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}:1"}
        },
        roleArn=role,
        networkConfiguration={"networkMode": "PUBLIC"},
        **kw,
    )


def _section(moto_aws, scope, name: str) -> dict:
    data = CollectContext(moto_aws, scope).section(name)
    return json.loads(json.dumps(plain(data)))


def test_runtimes_versions_endpoints_and_tags(moto_aws, scope):
    rt = _runtime(
        "support_bot",
        description=f"the password is {SECRET}",
        environmentVariables={"DB_PASSWORD": SECRET},
        authorizerConfiguration={
            "customJWTAuthorizer": {
                "discoveryUrl": "https://idp.example.com/.well-known/openid-configuration",
                "allowedClients": [SECRET],
            }
        },
    )
    c = _client()
    c.update_agent_runtime(
        agentRuntimeId=rt["agentRuntimeId"],
        agentRuntimeArtifact={"containerConfiguration": {"containerUri": "x/support_bot:2"}},
        roleArn=ROLE,
        networkConfiguration={"networkMode": "PUBLIC"},
    )
    c.create_agent_runtime_endpoint(agentRuntimeId=rt["agentRuntimeId"], name="prod", agentRuntimeVersion="1")
    _runtime("tagged", role=f"arn:aws:iam::{ACCOUNT}:role/other", tags={"env": "prod", "note": SECRET})

    data = _section(moto_aws, scope, "agentcore.runtimes")
    assert data["errors"] == [] and not data["truncated"]
    bot, tagged = sorted(data["runtimes"], key=lambda r: r["name"])
    assert bot["detail"] and bot["roleArn"] == ROLE and bot["networkMode"] == "PUBLIC"
    assert bot["artifactType"] == "container" and bot["authorizer"] == "CUSTOM_JWT"
    assert bot["version"] == "2"
    assert sorted(v["version"] for v in bot["versions"]) == ["1", "2"]
    (prod,) = bot["endpoints"]
    assert prod["name"] == "prod" and prod["liveVersion"] == "1"  # read by GetAgentRuntimeEndpoint
    assert bot["workloadIdentityArn"].startswith(
        f"{ARN}workload-identity-directory/default/workload-identity/"
    )
    assert tagged["authorizer"] is None and tagged["endpoints"] == []
    assert tagged["tags"] == {"env": "prod", "note": None}  # a free-text tag value is not kept
    assert SECRET not in json.dumps(data)
    ops = {c.operation for c in moto_aws.calls}
    assert {
        "ListAgentRuntimes",
        "GetAgentRuntime",
        "ListAgentRuntimeVersions",
        "ListAgentRuntimeEndpoints",
    } <= ops
    assert "GetAgentRuntimeEndpoint" in ops and "ListTagsForResource" in ops


def test_a_denied_runtime_detail_is_unknown_not_absent(moto_aws, scope, canned):
    _runtime("bot")
    canned.deny(
        SERVICE,
        "GetAgentRuntime",
        f"User: arn:aws:iam::{ACCOUNT}:user/audit is not authorized to perform: bedrock-agentcore:GetAgentRuntime",
    )
    (rt,) = _section(moto_aws, scope, "agentcore.runtimes")["runtimes"]
    data = CollectContext(moto_aws, scope).section("agentcore.runtimes")
    assert not rt["detail"] and rt["roleArn"] is None and rt["workloadIdentityArn"] is None
    assert rt["versions"] is not None and rt["endpoints"] == []
    (err,) = data["errors"]
    assert err["action"] == "bedrock-agentcore:GetAgentRuntime" and err["kind"] == "denied"
    assert err["resource"] == "runtime bot"


def test_gateways_targets_and_outbound_credentials(moto_aws, scope):
    c = _client()
    gw = c.create_gateway(
        name="tools",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/gateway",
        protocolType="MCP",
        authorizerType="AWS_IAM",
        description=SECRET,
        policyEngineConfiguration={"arn": f"{ARN}policy-engine/{PE}", "mode": "ENFORCE"},
        tags={"team": "support", "secret": SECRET},
    )
    c.create_gateway_target(
        gatewayIdentifier=gw["gatewayId"],
        name="orders",
        targetConfiguration={
            "mcp": {
                "lambda": {
                    "lambdaArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders",
                    "toolSchema": {
                        "inlinePayload": [
                            {"name": "get_order", "description": SECRET, "inputSchema": {"type": "object"}}
                        ]
                    },
                }
            }
        },
        credentialProviderConfigurations=[{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
    )
    c.create_gateway_target(
        gatewayIdentifier=gw["gatewayId"],
        name="crm",
        targetConfiguration={
            "mcp": {
                "openApiSchema": {
                    "inlinePayload": json.dumps({"openapi": "3.0.0", "info": {"title": SECRET}})
                }
            }
        },
        credentialProviderConfigurations=[
            {
                "credentialProviderType": "OAUTH",
                "credentialProvider": {
                    "oauthCredentialProvider": {
                        "providerArn": f"{ARN}token-vault/default/oauth2credentialprovider/crm",
                        "scopes": ["crm.read"],
                        "grantType": "CLIENT_CREDENTIALS",
                    }
                },
            }
        ],
    )
    data = _section(moto_aws, scope, "agentcore.gateways")
    (g,) = data["gateways"]
    assert g["detail"] and g["authorizerType"] == "AWS_IAM" and g["protocolType"] == "MCP"
    assert g["policyEngine"] == {"arn": f"{ARN}policy-engine/{PE}", "mode": "ENFORCE"}
    assert g["workloadIdentityArn"] and g["tags"] == {"team": "support", "secret": None}
    targets = {t["name"]: t for t in g["targets"]}
    assert targets["orders"]["targetType"] == "LAMBDA" and targets["orders"]["configuration"] == "mcp.lambda"
    assert targets["orders"]["lambdaArn"].endswith(":function:orders")
    assert targets["orders"]["credentialProviders"] == [
        {"type": "GATEWAY_IAM_ROLE", "providerArn": None, "grantType": None}
    ]
    assert targets["crm"]["targetType"] == "OPEN_API_SCHEMA"
    assert targets["crm"]["credentialProviders"] == [
        {
            "type": "OAUTH",
            "providerArn": f"{ARN}token-vault/default/oauth2credentialprovider/crm",
            "grantType": "CLIENT_CREDENTIALS",
        }
    ]
    assert SECRET not in json.dumps(data)


def test_memories_and_strategies(moto_aws, scope):
    _client().create_memory(
        name="support_memory",
        description=SECRET,
        eventExpiryDuration=30,
        memoryStrategies=[
            {"semanticMemoryStrategy": {"name": "facts"}},
            {"summaryMemoryStrategy": {"name": "sums"}},
        ],
    )
    _client().create_memory(name="short_term", eventExpiryDuration=7)
    data = _section(moto_aws, scope, "agentcore.memories")
    mems = {m["name"]: m for m in data["memories"]}
    assert mems["support_memory"]["eventExpiryDays"] == 30 and mems["support_memory"]["status"] == "ACTIVE"
    assert sorted(s["type"] for s in mems["support_memory"]["strategies"]) == ["SEMANTIC", "SUMMARIZATION"]
    assert mems["short_term"]["strategies"] == [] and mems["short_term"]["encrypted"] is False
    assert SECRET not in json.dumps(data)


def test_an_empty_account(moto_aws, scope):
    for name, key in [
        ("agentcore.runtimes", "runtimes"),
        ("agentcore.gateways", "gateways"),
        ("agentcore.memories", "memories"),
    ]:
        assert _section(moto_aws, scope, name)[key] == []


# -- canned: what moto lacks -------------------------------------------------------------------------


PERMIT_ALL = 'permit(principal, action, resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-east-1:1:gateway/g");'
REFUND = (
    '@id("refunds")\n// only small refunds\npermit(principal is AgentCore::OAuthUser, '
    'action == AgentCore::Action::"RefundTool__process_refund", resource == AgentCore::Gateway::"arn:x") '
    f'when {{ context.input.amount < 500 && principal.getTag("username") == "{SECRET}" }};'
)
FORBID = 'forbid(principal, action == AgentCore::Action::"Db__drop", resource);'


def _canned_policies(canned) -> None:
    canned.add(
        SERVICE,
        "ListPolicyEngines",
        {
            "policyEngines": [
                {
                    "policyEngineId": PE,
                    "name": "tool_rules",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                    "policyEngineArn": f"{ARN}policy-engine/{PE}",
                    "status": "ACTIVE",
                    "description": SECRET,
                    "statusReasons": [],
                }
            ]
        },
    )

    def policy(pid: str, statement: str, mode: str = "ACTIVE", status: str = "ACTIVE") -> dict:
        return {
            "policyId": pid,
            "name": pid.split("-")[0],
            "policyEngineId": PE,
            "createdAt": NOW,
            "updatedAt": NOW,
            "policyArn": f"{ARN}policy-engine/{PE}/policy/{pid}",
            "status": status,
            "enforcementMode": mode,
            "definition": {"cedar": {"statement": statement}},
            "description": SECRET,
            "statusReasons": [],
        }

    canned.add(
        SERVICE,
        "ListPolicies",
        lambda p: {
            "policies": [
                policy("allow_all-0123456789", PERMIT_ALL),
                policy("refunds-0123456789", REFUND),
                policy("no_drop-0123456789", FORBID, mode="LOG_ONLY"),
            ]
            if p["policyEngineId"] == PE
            else []
        },
    )


def test_policy_engines_keep_the_effect_never_the_text(moto_aws, scope, canned):
    _canned_policies(canned)
    data = _section(moto_aws, scope, "agentcore.policy_engines")
    (engine,) = data["engines"]
    assert engine["name"] == "tool_rules" and engine["status"] == "ACTIVE"
    got = {
        p["name"]: (p["effect"], p["constrained"], p["enforcementMode"], p["kind"])
        for p in engine["policies"]
    }
    assert got == {
        "allow_all": ("permit", False, "ACTIVE", "cedar"),  # resource == its gateway narrows nothing
        "refunds": ("permit", True, "ACTIVE", "cedar"),
        "no_drop": ("forbid", True, "LOG_ONLY", "cedar"),
    }
    saved = json.dumps(data)
    assert SECRET not in saved and "RefundTool" not in saved and "permit(" not in saved


def test_cedar_shape():
    assert cedar_shape("permit(principal, action, resource);") == ("permit", False)
    assert cedar_shape("  permit (\n principal,\n action,\n resource\n) ;") == ("permit", False)
    assert cedar_shape('@id("x") permit(principal, action, resource) when { context.input.amount < 5 };') == (
        "permit",
        True,
    )
    assert cedar_shape('permit(principal, action in [A::"a", A::"b"], resource);') == ("permit", True)
    assert cedar_shape('forbid(principal == U::"(tricky)", action, resource);') == ("forbid", True)
    assert cedar_shape("// permit(principal, action, resource);\nforbid(principal, action, resource);") == (
        "forbid",
        False,
    )
    assert cedar_shape('permit(principal, action, resource) unless { principal.hasTag("x") };')[1] is True
    assert cedar_shape("not cedar") == (None, None)
    assert cedar_shape(None) == (None, None)


def test_a_policy_listing_that_fails_leaves_that_engine_unknown(moto_aws, scope, canned):
    _canned_policies(canned)
    canned.fail(
        SERVICE,
        "ListPolicies",
        "AccessDeniedException",
        "not authorized to perform: bedrock-agentcore:ListPolicies",
        403,
    )
    data = CollectContext(moto_aws, scope).section("agentcore.policy_engines")
    assert data["engines"][0]["policies"] is None
    assert data["errors"][0]["action"] == "bedrock-agentcore:ListPolicies"


def test_workload_identities(moto_aws, scope, canned):
    canned.add(
        SERVICE,
        "ListWorkloadIdentities",
        {
            "workloadIdentities": [
                {
                    "name": "support_bot-abc",
                    "workloadIdentityArn": f"{ARN}workload-identity-directory/default/workload-identity/support_bot-abc",
                },
                {
                    "name": "billing-def",
                    "workloadIdentityArn": f"{ARN}workload-identity-directory/default/workload-identity/billing-def",
                },
            ]
        },
    )
    data = _section(moto_aws, scope, "agentcore.workload_identities")
    assert [i["name"] for i in data["identities"]] == ["support_bot-abc", "billing-def"] and not data[
        "truncated"
    ]


def _canned_evaluations(canned, sampling: float = 10.0, execution: str = "ENABLED") -> None:
    summary = {
        "onlineEvaluationConfigArn": f"{ARN}online-evaluation-config/oe-1",
        "onlineEvaluationConfigId": "oe-1",
        "onlineEvaluationConfigName": "support_quality",
        "description": SECRET,
        "status": "ACTIVE",
        "executionStatus": execution,
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    canned.add(SERVICE, "ListOnlineEvaluationConfigs", {"onlineEvaluationConfigs": [summary]})
    canned.add(
        SERVICE,
        "GetOnlineEvaluationConfig",
        {
            **summary,
            "rule": {
                "samplingConfig": {"samplingPercentage": sampling},
                "filters": [{"key": "user.tier", "operator": "Equals", "value": {"stringValue": SECRET}}],
            },
            "dataSourceConfig": {
                "cloudWatchLogs": {"logGroupNames": ["aws/spans"], "serviceNames": ["support_bot.DEFAULT"]}
            },
            "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}, {"evaluatorId": "tone-abc1234567"}],
            "outputConfig": {
                "cloudWatchConfig": {"logGroupName": "/aws/bedrock-agentcore/evaluations/results/oe-1"}
            },
            "evaluationExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/eval",
        },
    )
    canned.add(
        SERVICE,
        "ListEvaluators",
        {
            "evaluators": [
                {
                    "evaluatorArn": f"{ARN}evaluator/tone-abc1234567",
                    "evaluatorId": "tone-abc1234567",
                    "evaluatorName": "tone",
                    "description": SECRET,
                    "evaluatorType": "Custom",
                    "level": "TRACE",
                    "status": "ACTIVE",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                }
            ]
        },
    )


def test_online_evaluations_and_evaluators(moto_aws, scope, canned):
    _canned_evaluations(canned)
    data = _section(moto_aws, scope, "agentcore.online_evaluations")
    (cfg,) = data["configs"]
    assert cfg["detail"] and cfg["executionStatus"] == "ENABLED" and cfg["samplingPercentage"] == 10.0
    assert cfg["evaluators"] == ["Builtin.Helpfulness", "tone-abc1234567"] and cfg["filters"] == 1
    assert cfg["serviceNames"] == ["support_bot.DEFAULT"] and cfg["logGroupNames"] == ["aws/spans"]
    assert cfg["outputLogGroup"].endswith("/oe-1")
    evs = _section(moto_aws, scope, "agentcore.evaluators")["evaluators"]
    assert evs == [
        {
            "id": "tone-abc1234567",
            "arn": f"{ARN}evaluator/tone-abc1234567",
            "name": "tone",
            "type": "Custom",
            "provider": None,
            "level": "TRACE",
            "status": "ACTIVE",
        }
    ]
    assert SECRET not in json.dumps(data) + json.dumps(evs)


@pytest.mark.parametrize(
    "section",
    [
        "agentcore.policy_engines",
        "agentcore.workload_identities",
        "agentcore.online_evaluations",
        "agentcore.evaluators",
    ],
)
def test_what_moto_lacks_fails_as_unsupported(moto_aws, scope, section):
    ctx = CollectContext(moto_aws, scope)
    with pytest.raises(SectionFailed):
        ctx.section(section)
    assert ctx.errors[section].kind == "unsupported"
    assert ctx.errors[section].action.startswith("bedrock-agentcore:List")


def test_no_credential_or_secret_operation_is_called():
    """The collector never names a credential-provider Get, token-vault or policy-text read (the two
    credential-provider listings return metadata only: tests/collectors/test_agentcore_credentials.py)."""
    from llmops_audit.aws.operations import declared

    ops = {op for s, op in declared() if s == SERVICE}
    assert ops == {
        "GetAgentRuntime",
        "GetAgentRuntimeEndpoint",
        "GetGateway",
        "GetGatewayTarget",
        "GetMemory",
        "GetOnlineEvaluationConfig",
        "ListAgentRuntimeEndpoints",
        "ListAgentRuntimeVersions",
        "ListAgentRuntimes",
        "ListApiKeyCredentialProviders",
        "ListEvaluators",
        "ListGatewayTargets",
        "ListGateways",
        "ListMemories",
        "ListOauth2CredentialProviders",
        "ListOnlineEvaluationConfigs",
        "ListPolicies",
        "ListPolicyEngines",
        "ListTagsForResource",
        "ListWorkloadIdentities",
    }


def test_the_collector_names_no_other_service():
    """A field name that is also a botocore service name ("kms", "artifact") would declare that service's
    ListTagsForResource, GetMemory... as callable and put it in the policy."""
    import ast

    import botocore.session

    import llmops_audit.collectors.agentcore as module

    services = set(botocore.session.get_session().get_available_services())
    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert literals & services == {SERVICE}
