"""Bedrock Agents collectors: moto for agents and knowledge bases, canned responses for what moto lacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from botocore.stub import Stubber

from llmops_audit.collectors import CollectContext
from tests.conftest import seed_client

NOW = datetime.now(UTC)
ROLE = "arn:aws:iam::123456789012:role/agent-role"
EMBEDDING = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"


def _agent(name: str, role: str = ROLE) -> str:
    return seed_client("bedrock-agent").create_agent(
        agentName=name,
        agentResourceRoleArn=role,
        foundationModel="anthropic.claude-3-haiku",
        instruction="x" * 40,
    )["agent"]["agentId"]


def _kb(name: str = "docs") -> str:
    return seed_client("bedrock-agent").create_knowledge_base(
        name=name,
        roleArn=ROLE,
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": EMBEDDING},
        },
        storageConfiguration={
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": "arn:aws:aoss:us-east-1:123456789012:collection/c",
                "vectorIndexName": "i",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
    )["knowledgeBase"]["knowledgeBaseId"]


def canned_agent_details(
    canned, agent_ids: dict[str, dict], functions=None, api_payload=None, collaborator: str = "b"
) -> None:
    """Canned GetAgent and sub-resources for moto agents. agent_ids: id -> extra get_agent fields."""

    def get_agent(p):
        aid = p["agentId"]
        return {
            "agent": {
                "agentId": aid,
                "agentName": aid[:-8],
                "agentArn": f"arn:aws:bedrock:us-east-1:123456789012:agent/{aid}",
                "agentVersion": "DRAFT",
                "agentStatus": "PREPARED",
                "idleSessionTTLInSeconds": 600,
                "agentResourceRoleArn": agent_ids[aid].get("role", ROLE),
                "createdAt": NOW,
                "updatedAt": NOW,
                **{k: v for k, v in agent_ids[aid].items() if k != "role"},
            }
        }

    canned.add("bedrock-agent", "GetAgent", get_agent)
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
                }
            ]
        },
    )
    canned.add(
        "bedrock-agent",
        "ListAgentAliases",
        {
            "agentAliasSummaries": [
                {
                    "agentAliasId": "TSTALIASID",
                    "agentAliasName": "test",
                    "agentAliasStatus": "PREPARED",
                    "routingConfiguration": [{"agentVersion": "DRAFT"}],
                    "createdAt": NOW,
                    "updatedAt": NOW,
                },
                {
                    "agentAliasId": "PRODALIAS1",
                    "agentAliasName": "prod",
                    "agentAliasStatus": "PREPARED",
                    "routingConfiguration": [{"agentVersion": "1"}],
                    "createdAt": NOW,
                    "updatedAt": NOW,
                },
            ]
        },
    )
    canned.add(
        "bedrock-agent",
        "ListAgentActionGroups",
        {
            "actionGroupSummaries": [
                {
                    "actionGroupId": "AG00000001",
                    "actionGroupName": "tools",
                    "actionGroupState": "ENABLED",
                    "updatedAt": NOW,
                }
            ]
        },
    )
    detail = {
        "agentId": "x",
        "agentVersion": "DRAFT",
        "actionGroupId": "AG00000001",
        "actionGroupName": "tools",
        "createdAt": NOW,
        "updatedAt": NOW,
        "actionGroupState": "ENABLED",
        "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:tool"},
    }
    if api_payload is not None:
        detail["apiSchema"] = {"payload": api_payload}
    else:
        detail["functionSchema"] = {
            "functions": functions
            or [
                {"name": "get_order", "requireConfirmation": "DISABLED"},
                {"name": "cancel_order", "requireConfirmation": "ENABLED"},
            ]
        }
    canned.add("bedrock-agent", "GetAgentActionGroup", {"agentActionGroup": detail})
    canned.add(
        "bedrock-agent",
        "ListAgentCollaborators",
        {
            "agentCollaboratorSummaries": [
                {
                    "agentId": "x",
                    "agentVersion": "DRAFT",
                    "collaboratorId": "COLLAB0001",
                    "agentDescriptor": {
                        "aliasArn": f"arn:aws:bedrock:us-east-1:123456789012:agent-alias/{collaborator}/PRODALIAS1"
                    },
                    "collaborationInstruction": "Handle billing.",
                    "relayConversationHistory": "DISABLED",
                    "collaboratorName": "billing",
                    "createdAt": NOW,
                    "lastUpdatedAt": NOW,
                }
            ]
        },
    )


def test_agents_with_details(moto_aws, scope, canned):
    sup = _agent("sup")
    canned_agent_details(
        canned,
        {
            sup: {
                "agentCollaboration": "SUPERVISOR",
                "guardrailConfiguration": {"guardrailIdentifier": "g1", "guardrailVersion": "2"},
            }
        },
    )
    data = CollectContext(moto_aws, scope).section("agents.agents")
    (a,) = data["agents"]
    assert a["detail"] and a["roleArn"] == ROLE
    assert a["guardrail"] == {"id": "g1", "version": "2"}
    assert a["collaboration"] == "SUPERVISOR"
    assert [al["versions"] for al in a["aliases"]] == [["DRAFT"], ["1"]]
    (g,) = a["action_groups"]
    assert g["executorLambda"].endswith(":function:tool") and g["schema"] == "function"
    assert g["functions"] == [
        {"name": "get_order", "requireConfirmation": "DISABLED"},
        {"name": "cancel_order", "requireConfirmation": "ENABLED"},
    ]
    assert a["collaborators"] == [
        {
            "name": "billing",
            "aliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/b/PRODALIAS1",
            "hasInstruction": True,
            "relayConversationHistory": "DISABLED",
        }
    ]
    assert "Handle billing" not in json.dumps(data)  # instruction text is never kept
    assert data["errors"] == []


def test_agents_unsupported_subcalls_are_recorded_as_unknown(moto_aws, scope):
    _agent("solo")
    data = CollectContext(moto_aws, scope).section("agents.agents")
    (a,) = data["agents"]
    assert a["detail"] is True  # moto implements get_agent
    assert a["aliases"] is None and a["action_groups"] is None and a["versions"] is None
    actions = {e["action"] for e in data["errors"]}
    assert {
        "bedrock:ListAgentAliases",
        "bedrock:ListAgentActionGroups",
        "bedrock:ListAgentVersions",
    } <= actions


def test_openapi_action_group_confirmation(moto_aws, scope, canned):
    aid = _agent("api")
    payload = json.dumps(
        {
            "openapi": "3.0.0",
            "paths": {
                "/orders/{id}": {
                    "get": {"operationId": "getOrder"},
                    "delete": {"operationId": "deleteOrder", "x-requireConfirmation": "ENABLED"},
                }
            },
        }
    )
    canned_agent_details(canned, {aid: {}}, api_payload=payload)
    g = CollectContext(moto_aws, scope).section("agents.agents")["agents"][0]["action_groups"][0]
    assert g["schema"] == "api"
    assert g["functions"] == [
        {"name": "getOrder", "requireConfirmation": None},
        {"name": "deleteOrder", "requireConfirmation": "ENABLED"},
    ]


def test_knowledge_bases_with_ingestion(moto_aws, scope, canned):
    kb = _kb()
    canned.add(
        "bedrock-agent",
        "ListDataSources",
        {
            "dataSourceSummaries": [
                {
                    "knowledgeBaseId": kb,
                    "dataSourceId": "DS00000001",
                    "name": "s3-docs",
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
                    "ingestionJobId": "J000000001",
                    "status": "COMPLETE",
                    "startedAt": NOW - timedelta(days=1),
                    "updatedAt": NOW,
                    "statistics": {
                        "numberOfDocumentsScanned": 12,
                        "numberOfNewDocumentsIndexed": 10,
                        "numberOfDocumentsFailed": 2,
                    },
                }
            ]
        },
    )
    data = CollectContext(moto_aws, scope).section("agents.knowledge_bases")
    (k,) = data["knowledge_bases"]
    assert k["name"] == "docs"
    assert k["storage"] == {
        "type": "OPENSEARCH_SERVERLESS",
        "collectionArn": "arn:aws:aoss:us-east-1:123456789012:collection/c",
    }
    (job,) = k["data_sources"][0]["ingestion_jobs"]
    assert job["status"] == "COMPLETE"
    assert job["statistics"]["numberOfNewDocumentsIndexed"] == 10
    assert job["statistics"]["numberOfDocumentsFailed"] == 2
    assert job["statistics"]["numberOfModifiedDocumentsIndexed"] is None  # not returned


def test_knowledge_bases_without_data_source_api(moto_aws, scope):
    _kb()
    data = CollectContext(moto_aws, scope).section("agents.knowledge_bases")
    assert data["knowledge_bases"][0]["data_sources"] is None
    assert data["errors"][0]["action"] == "bedrock:ListDataSources"


def test_prompts_versions_with_stubber(moto_aws, scope):
    client = moto_aws._client("bedrock-agent")
    summary = {
        "name": "answer",
        "id": "P000000001",
        "arn": "arn:aws:bedrock:us-east-1:123456789012:prompt/P000000001",
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    with Stubber(client) as stub:
        stub.add_response("list_prompts", {"promptSummaries": [{**summary, "version": "DRAFT"}]}, {})
        stub.add_response(
            "list_prompts",
            {
                "promptSummaries": [
                    {**summary, "version": "DRAFT"},
                    {**summary, "version": "2"},
                    {**summary, "version": "1"},
                ]
            },
            {"promptIdentifier": "P000000001"},
        )
        data = CollectContext(moto_aws, scope).section("agents.prompts")
        stub.assert_no_pending_responses()
    assert data["prompts"] == [
        {
            "id": "P000000001",
            "name": "answer",
            "arn": summary["arn"],
            "updatedAt": NOW.isoformat(),
            "versions": ["1", "2"],
        }
    ]


def test_flows_node_types(moto_aws, scope, canned):
    canned.add(
        "bedrock-agent",
        "ListFlows",
        {
            "flowSummaries": [
                {
                    "name": "triage",
                    "id": "F000000001",
                    "arn": "arn:f",
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
            "executionRoleArn": ROLE,
            "id": "F000000001",
            "arn": "arn:f",
            "status": "Prepared",
            "createdAt": NOW,
            "updatedAt": NOW,
            "version": "DRAFT",
            "definition": {
                "nodes": [
                    {"name": "in", "type": "Input"},
                    {
                        "name": "p",
                        "type": "Prompt",
                        "configuration": {
                            "prompt": {
                                "sourceConfiguration": {
                                    "resource": {
                                        "promptArn": "arn:aws:bedrock:us-east-1:123456789012:prompt/P000000001:2"
                                    }
                                }
                            }
                        },
                    },
                    {
                        "name": "q",
                        "type": "Prompt",
                        "configuration": {
                            "prompt": {
                                "sourceConfiguration": {
                                    "inline": {
                                        "templateType": "TEXT",
                                        "templateConfiguration": {"text": {"text": "secret template"}},
                                        "modelId": "anthropic.claude-3-haiku",
                                    }
                                }
                            }
                        },
                    },
                    {"name": "c", "type": "Condition"},
                    {"name": "out", "type": "Output"},
                ]
            },
        },
    )
    canned.add(
        "bedrock-agent",
        "ListFlowAliases",
        {
            "flowAliasSummaries": [
                {
                    "name": n,
                    "routingConfiguration": [{"flowVersion": v}],
                    "flowId": "F000000001",
                    "id": i,
                    "arn": f"arn:aws:bedrock:us-east-1:123456789012:flow/F000000001/alias/{i}",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                }
                for n, i, v in (("test", "TSTALIASID", "DRAFT"), ("prod", "PRODALIAS1", "3"))
            ]
        },
    )
    canned.deny("bedrock-agent", "ListFlowVersions")
    data = CollectContext(moto_aws, scope).section("agents.flows")
    (f,) = data["flows"]
    assert f["node_types"] == ["Condition", "Input", "Output", "Prompt"]
    assert f["prompt_nodes"] == [
        {
            "name": "p",
            "source": "resource",
            "promptArn": "arn:aws:bedrock:us-east-1:123456789012:prompt/P000000001:2",
        },
        {"name": "q", "source": "inline", "promptArn": None},
    ]
    assert "secret template" not in json.dumps(data)  # inline template text is never kept
    assert f["aliases"] == [
        {"id": "TSTALIASID", "name": "test", "versions": ["DRAFT"]},
        {"id": "PRODALIAS1", "name": "prod", "versions": ["3"]},
    ]
    assert f["versions"] is None
    assert [e["action"] for e in data["errors"]] == ["bedrock:ListFlowVersions"]
