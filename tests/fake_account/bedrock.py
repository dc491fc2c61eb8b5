"""Demo workload: bedrock part (invocation logging, guardrail, agents, knowledge base, prompt, evaluation).

What moto implements is created for real (logging config, agents, knowledge base, IAM roles, log group,
S3 evaluation output); the rest is answered by canned responses with ids consistent with the moto resources.
Intended outcomes of this part (see workload.py): L2.1, L2.2, L2.6, L3.1, L3.2, L3.4, L4.4, L4.5, L5.1 and
the agent half of L5.2 met; L4.1 (one evaluation in 30 days), L4.3 (attest), L5.5 (one ingestion job) not.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.fake_account import workload as w
from tests.fake_account.env import DemoEnv

GUARDRAIL_ID = "sg7x2k4q9m1a"
EVAL_JOB_ID = "e7q2demo9k1z"
EVAL_JOB_NAME = "support-rag-eval"
EVAL_BUCKET = f"demo-eval-results-{w.ACCOUNT}"
EMBEDDING = "arn:aws:bedrock:{region}::foundation-model/amazon.titan-embed-text-v2:0"
LOGGING_ROLE = "bedrock-invocation-logging-role"
SUPERVISOR_ROLE = f"{w.AGENT_SUPERVISOR}-agent-role"
COLLABORATOR_ROLE = f"{w.AGENT_COLLABORATOR}-agent-role"
PROMPT_ID = "PRM7DEMO01"
ALIAS_ID = "PRODALIAS1"
TEST_ALIAS = "TSTALIASID"
# (ContextRelevance, Faithfulness) per evaluated record: 2 of 10 faithfulness scores fall below 0.5.
EVAL_SCORES = [
    (0.92, 0.95),
    (0.88, 0.9),
    (0.75, 0.85),
    (0.95, 1.0),
    (0.6, 0.4),
    (0.81, 0.8),
    (0.9, 0.92),
    (0.7, 0.3),
    (0.85, 0.88),
    (0.84, 0.9),
]


def _role(env: DemoEnv, name: str, service: str) -> str:
    iam = env.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": env.account}},
                }
            ],
        }
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def _invocation_logging(env: DemoEnv) -> None:
    logs = env.client("logs")
    try:
        logs.create_log_group(logGroupName=w.INVOCATION_LOG_GROUP)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    role = _role(env, LOGGING_ROLE, "bedrock.amazonaws.com")
    env.client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {"logGroupName": w.INVOCATION_LOG_GROUP, "roleArn": role},
            "textDataDeliveryEnabled": True,
            "imageDataDeliveryEnabled": False,
            "embeddingDataDeliveryEnabled": False,
        }
    )


def _guardrail(env: DemoEnv) -> None:
    arn = env.arn("bedrock", f"guardrail/{GUARDRAIL_ID}")
    created = env.now - timedelta(days=60)
    published = env.now - timedelta(days=45)

    def summary(version: str, when: Any) -> dict[str, Any]:
        return {
            "id": GUARDRAIL_ID,
            "arn": arn,
            "status": "READY",
            "name": w.GUARDRAIL,
            "version": version,
            "createdAt": created,
            "updatedAt": when,
        }

    def list_guardrails(params: dict[str, Any]) -> dict[str, Any]:
        if params.get("guardrailIdentifier") in (GUARDRAIL_ID, arn):
            return {"guardrails": [summary("DRAFT", published), summary("1", published)]}
        if params.get("guardrailIdentifier"):
            return {"guardrails": []}
        return {"guardrails": [summary("DRAFT", published)]}

    def get_guardrail(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": w.GUARDRAIL,
            "guardrailId": GUARDRAIL_ID,
            "guardrailArn": arn,
            "version": params.get("guardrailVersion") or "DRAFT",
            "status": "READY",
            "contentPolicy": {
                "filters": [
                    {
                        "type": t,
                        "inputStrength": "HIGH",
                        "outputStrength": "HIGH" if t != "PROMPT_ATTACK" else "NONE",
                    }
                    for t in ("HATE", "INSULTS", "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK")
                ]
            },
            "sensitiveInformationPolicy": {
                "piiEntities": [
                    {"type": t, "action": a}
                    for t, a in (
                        ("EMAIL", "ANONYMIZE"),
                        ("PHONE", "ANONYMIZE"),
                        ("US_SOCIAL_SECURITY_NUMBER", "BLOCK"),
                        ("CREDIT_DEBIT_CARD_NUMBER", "BLOCK"),
                    )
                ],
                "regexes": [{"name": "order-id", "pattern": r"ORD-\d{8}", "action": "ANONYMIZE"}],
            },
            "contextualGroundingPolicy": {
                "filters": [
                    {"type": "GROUNDING", "threshold": 0.75, "action": "BLOCK", "enabled": True},
                    {"type": "RELEVANCE", "threshold": 0.7, "action": "BLOCK", "enabled": True},
                ]
            },
            "createdAt": created,
            "updatedAt": published,
            "blockedInputMessaging": "Sorry, I can't help with that.",
            "blockedOutputsMessaging": "Sorry, I can't answer that.",
        }

    env.canned.add("bedrock", "ListGuardrails", list_guardrails)
    env.canned.add("bedrock", "GetGuardrail", get_guardrail)
    env.canned.add("bedrock", "ListEnforcedGuardrailsConfiguration", {"guardrailsConfig": []})


def _agent(env: DemoEnv, name: str, role_arn: str, model: str) -> dict[str, Any]:
    client = env.client("bedrock-agent")
    for s in client.list_agents().get("agentSummaries", []):
        if s["agentName"] == name:
            return client.get_agent(agentId=s["agentId"])["agent"]
    return client.create_agent(
        agentName=name,
        agentResourceRoleArn=role_arn,
        foundationModel=model,
        instruction="DEMO instruction for the demo support workload agent.",
        idleSessionTTLInSeconds=600,
    )["agent"]


def _agents(env: DemoEnv) -> None:
    sup_role = _role(env, SUPERVISOR_ROLE, "bedrock.amazonaws.com")
    col_role = _role(env, COLLABORATOR_ROLE, "bedrock.amazonaws.com")
    sup = _agent(env, w.AGENT_SUPERVISOR, sup_role, w.SONNET)
    col = _agent(env, w.AGENT_COLLABORATOR, col_role, w.HAIKU)
    agents = {sup["agentId"]: (sup, "SUPERVISOR"), col["agentId"]: (col, "DISABLED")}
    guardrail = {"guardrailIdentifier": GUARDRAIL_ID, "guardrailVersion": "1"}
    published = env.now - timedelta(days=40)

    def get_agent(params: dict[str, Any]) -> dict[str, Any]:
        base, mode = agents[params["agentId"]]
        agent = {k: v for k, v in base.items() if k not in ("agentVersion",)}
        return {
            "agent": {
                **agent,
                "agentVersion": "DRAFT",
                "agentStatus": "PREPARED",
                "idleSessionTTLInSeconds": base.get("idleSessionTTLInSeconds") or 600,
                "guardrailConfiguration": guardrail,
                "agentCollaboration": mode,
                "orchestrationType": "DEFAULT",
            }
        }

    def versions(params: dict[str, Any]) -> dict[str, Any]:
        base, _ = agents[params["agentId"]]
        return {
            "agentVersionSummaries": [
                {
                    "agentName": base["agentName"],
                    "agentStatus": "PREPARED",
                    "agentVersion": v,
                    "createdAt": published,
                    "updatedAt": published,
                    "guardrailConfiguration": guardrail,
                }
                for v in ("DRAFT", "1")
            ]
        }

    def aliases(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "agentAliasSummaries": [
                {
                    "agentAliasId": TEST_ALIAS,
                    "agentAliasName": "AgentTestAlias",
                    "agentAliasStatus": "PREPARED",
                    "routingConfiguration": [{"agentVersion": "DRAFT"}],
                    "createdAt": published,
                    "updatedAt": published,
                },
                {
                    "agentAliasId": ALIAS_ID,
                    "agentAliasName": "prod",
                    "agentAliasStatus": "PREPARED",
                    "routingConfiguration": [{"agentVersion": "1"}],
                    "createdAt": published,
                    "updatedAt": published,
                },
            ]
        }

    def action_groups(params: dict[str, Any]) -> dict[str, Any]:
        if params["agentId"] != sup["agentId"]:
            return {"actionGroupSummaries": []}
        return {
            "actionGroupSummaries": [
                {
                    "actionGroupId": "AGTICKETS1",
                    "actionGroupName": "tickets",
                    "actionGroupState": "ENABLED",
                    "updatedAt": published,
                }
            ]
        }

    def action_group(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "agentActionGroup": {
                "agentId": params["agentId"],
                "agentVersion": params["agentVersion"],
                "actionGroupId": "AGTICKETS1",
                "actionGroupName": "tickets",
                "createdAt": published,
                "updatedAt": published,
                "actionGroupState": "ENABLED",
                "actionGroupExecutor": {"lambda": env.arn("lambda", f"function:{w.FN_TICKET_TOOL}")},
                "functionSchema": {
                    "functions": [
                        {
                            "name": "get_ticket",
                            "description": "Look up a support ticket",
                            "requireConfirmation": "DISABLED",
                            "parameters": {"ticket_id": {"type": "string", "required": True}},
                        },
                        {
                            "name": "refund_order",
                            "description": "Refund an order",
                            "requireConfirmation": "ENABLED",
                            "parameters": {"order_id": {"type": "string", "required": True}},
                        },
                    ]
                },
            }
        }

    def collaborators(params: dict[str, Any]) -> dict[str, Any]:
        if params["agentId"] != sup["agentId"]:
            return {"agentCollaboratorSummaries": []}
        return {
            "agentCollaboratorSummaries": [
                {
                    "agentId": sup["agentId"],
                    "agentVersion": params["agentVersion"],
                    "collaboratorId": "COLLAB0001",
                    "agentDescriptor": {
                        "aliasArn": env.arn("bedrock", f"agent-alias/{col['agentId']}/{ALIAS_ID}")
                    },
                    "collaborationInstruction": "Hand billing and refund questions to this agent.",
                    "relayConversationHistory": "TO_COLLABORATOR",
                    "collaboratorName": w.AGENT_COLLABORATOR,
                    "createdAt": published,
                    "lastUpdatedAt": published,
                }
            ]
        }

    env.canned.add("bedrock-agent", "GetAgent", get_agent)
    env.canned.add("bedrock-agent", "ListAgentVersions", versions)
    env.canned.add("bedrock-agent", "ListAgentAliases", aliases)
    env.canned.add("bedrock-agent", "ListAgentActionGroups", action_groups)
    env.canned.add("bedrock-agent", "GetAgentActionGroup", action_group)
    env.canned.add("bedrock-agent", "ListAgentCollaborators", collaborators)


def _knowledge_base(env: DemoEnv) -> None:
    client = env.client("bedrock-agent")
    existing = [
        k
        for k in client.list_knowledge_bases().get("knowledgeBaseSummaries", [])
        if k["name"] == w.KNOWLEDGE_BASE
    ]
    if existing:
        kb_id = existing[0]["knowledgeBaseId"]
    else:
        role = _role(env, f"{w.KNOWLEDGE_BASE}-kb-role", "bedrock.amazonaws.com")
        kb_id = client.create_knowledge_base(
            name=w.KNOWLEDGE_BASE,
            roleArn=role,
            knowledgeBaseConfiguration={
                "type": "VECTOR",
                "vectorKnowledgeBaseConfiguration": {
                    "embeddingModelArn": EMBEDDING.format(region=env.region)
                },
            },
            storageConfiguration={
                "type": "OPENSEARCH_SERVERLESS",
                "opensearchServerlessConfiguration": {
                    "collectionArn": env.arn("aoss", "collection/supportdocs"),
                    "vectorIndexName": "support-docs",
                    "fieldMapping": {
                        "vectorField": "vector",
                        "textField": "text",
                        "metadataField": "metadata",
                    },
                },
            },
        )["knowledgeBase"]["knowledgeBaseId"]
    synced = env.now - timedelta(days=2)
    env.canned.add(
        "bedrock-agent",
        "ListDataSources",
        {
            "dataSourceSummaries": [
                {
                    "knowledgeBaseId": kb_id,
                    "dataSourceId": "DSDOCS0001",
                    "name": "support-docs-s3",
                    "status": "AVAILABLE",
                    "updatedAt": synced,
                }
            ]
        },
    )
    env.canned.add(
        "bedrock-agent",
        "ListIngestionJobs",
        {
            "ingestionJobSummaries": [
                {
                    "knowledgeBaseId": kb_id,
                    "dataSourceId": "DSDOCS0001",
                    "ingestionJobId": "INGJOB0001",
                    "status": "COMPLETE",
                    "startedAt": synced,
                    "updatedAt": synced + timedelta(minutes=7),
                    "statistics": {"numberOfDocumentsScanned": 42, "numberOfNewDocumentsIndexed": 42},
                }
            ]
        },
    )


def _prompts_and_flows(env: DemoEnv) -> None:
    arn = env.arn("bedrock", f"prompt/{PROMPT_ID}")
    created = env.now - timedelta(days=30)

    def list_prompts(params: dict[str, Any]) -> dict[str, Any]:
        summary = {"name": w.PROMPT, "id": PROMPT_ID, "arn": arn, "createdAt": created, "updatedAt": created}
        if params.get("promptIdentifier") in (PROMPT_ID, arn):
            return {
                "promptSummaries": [
                    {**summary, "version": "DRAFT"},
                    {**summary, "arn": f"{arn}:1", "version": "1"},
                ]
            }
        if params.get("promptIdentifier"):
            return {"promptSummaries": []}
        return {"promptSummaries": [{**summary, "version": "DRAFT"}]}

    env.canned.add("bedrock-agent", "ListPrompts", list_prompts)
    env.canned.add("bedrock-agent", "ListFlows", {"flowSummaries": []})


def _evaluation(env: DemoEnv) -> None:
    created = env.now - timedelta(days=3)
    arn = env.arn("bedrock", f"evaluation-job/{EVAL_JOB_ID}")
    s3_uri = f"s3://{EVAL_BUCKET}/rag-eval/"
    judge = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    s3 = env.client("s3")
    try:
        s3.create_bucket(Bucket=EVAL_BUCKET)
    except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        pass
    records = [
        {
            "automatedEvaluationResult": {
                "scores": [
                    {"metricName": "Builtin.ContextRelevance", "result": cr},
                    {"metricName": "Builtin.Faithfulness", "result": fa},
                ]
            },
            "inputRecord": {
                "conversationTurns": [
                    {
                        "prompt": {"content": [{"text": "DEMO"}]},
                        "referenceResponses": [{"content": [{"text": "DEMO"}]}],
                    }
                ]
            },
            "modelResponses": [{"knowledgeBaseIdentifier": "DEMO", "output": {"text": "DEMO"}}],
        }
        for cr, fa in EVAL_SCORES
    ]
    key = (
        f"rag-eval/{EVAL_JOB_NAME}/{EVAL_JOB_ID}/models/{w.AGENT_SUPERVISOR}/taskTypes/QuestionAndAnswer/"
        "datasets/support-qa/3f2a9c1d_output.jsonl"
    )
    s3.put_object(
        Bucket=EVAL_BUCKET, Key=key, Body="\n".join(json.dumps(r) for r in records).encode() + b"\n"
    )
    summary = {
        "jobArn": arn,
        "jobName": EVAL_JOB_NAME,
        "status": "Completed",
        "creationTime": created,
        "jobType": "Automated",
        "evaluationTaskTypes": ["QuestionAndAnswer"],
        "applicationType": "RagEvaluation",
        "ragIdentifiers": [w.KNOWLEDGE_BASE],
        "evaluatorModelIdentifiers": [judge],
    }
    env.canned.add("bedrock", "ListEvaluationJobs", {"jobSummaries": [summary]})
    env.canned.add(
        "bedrock",
        "GetEvaluationJob",
        {
            "jobName": EVAL_JOB_NAME,
            "status": "Completed",
            "jobArn": arn,
            "roleArn": _role(env, "bedrock-evaluation-role", "bedrock.amazonaws.com"),
            "jobType": "Automated",
            "applicationType": "RagEvaluation",
            "evaluationConfig": {
                "automated": {
                    "datasetMetricConfigs": [
                        {
                            "taskType": "QuestionAndAnswer",
                            "dataset": {
                                "name": "support-qa",
                                "datasetLocation": {"s3Uri": f"s3://{EVAL_BUCKET}/datasets/support-qa.jsonl"},
                            },
                            "metricNames": ["Builtin.ContextRelevance", "Builtin.Faithfulness"],
                        }
                    ],
                    "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": judge}]},
                }
            },
            "inferenceConfig": {
                "ragConfigs": [
                    {
                        "precomputedRagSourceConfig": {
                            "retrieveAndGenerateSourceConfig": {"ragSourceIdentifier": w.AGENT_SUPERVISOR}
                        }
                    }
                ]
            },
            "outputDataConfig": {"s3Uri": s3_uri},
            "creationTime": created,
            "lastModifiedTime": created + timedelta(minutes=40),
        },
    )


def _empty_lists(env: DemoEnv) -> None:
    """Decided "none" answers for the list operations moto lacks (no routers, batch jobs, profiles...)."""
    env.canned.add("bedrock", "ListInferenceProfiles", {"inferenceProfileSummaries": []})
    env.canned.add("bedrock", "ListPromptRouters", {"promptRouterSummaries": []})
    env.canned.add("bedrock", "ListModelInvocationJobs", {"invocationJobSummaries": []})
    env.canned.add("bedrock", "ListAdvancedPromptOptimizationJobs", {"jobSummaries": []})
    env.canned.add("bedrock", "ListAutomatedReasoningPolicies", {"automatedReasoningPolicySummaries": []})


def seed(env: DemoEnv) -> None:
    _invocation_logging(env)
    _guardrail(env)
    _agents(env)
    _knowledge_base(env)
    _prompts_and_flows(env)
    _evaluation(env)
    _empty_lists(env)
