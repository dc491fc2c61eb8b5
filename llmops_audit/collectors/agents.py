"""Bedrock Agents evidence: agents, knowledge bases, prompts and flows.

See ../../shared/aws-evidence.md §4.3-4.7.

Sub-calls per resource (get_agent, list_agent_aliases, list_data_sources...) that fail are recorded in the
section's "errors" list ({"action", "kind", "resource", "message"}) and leave the matching field None, which
means "unknown" (never "none"): probes then say they cannot tell and name the action.
No instruction, prompt-template or collaboration-instruction text is kept, only whether it is set.

agents.agents
    {"agents": [{"id", "name", "arn", "status", "version" (from get_agent), "detail": bool (get_agent read),
                 "roleArn", "foundationModel", "orchestrationType",
                 "guardrail": {"id", "version"} | None (no guardrail, when detail is True),
                 "collaboration": "SUPERVISOR"|"SUPERVISOR_ROUTER"|"DISABLED"|None,
                 "memory": bool,
                 "versions": [{"version", "status", "guardrail": {...}|None}] | None,
                 "aliases": [{"id", "name", "status", "versions": [agentVersion...]}] | None,
                 "action_groups": [{"id", "name", "state", "detail": bool, "executorLambda": ARN|None,
                                    "customControl": "RETURN_CONTROL"|None, "parentActionSignature": str|None,
                                    "schema": "function"|"api"|"api-s3"|None,
                                    "functions": [{"name", "requireConfirmation": "ENABLED"|"DISABLED"|None}]
                                   }]
                                  | None,
                 "collaborators": [{"name", "aliasArn", "hasInstruction": bool, "relayConversationHistory"}]
                                  | None
                 (only read for SUPERVISOR* agents; None otherwise or when the call failed)}],
     "errors": [...]}
    Action groups and collaborators are read for the DRAFT version (the working copy).
    For OpenAPI schemas given inline, each operation is a function named by its operationId
    (or "METHOD path"),
    with x-requireConfirmation as requireConfirmation.

agents.knowledge_bases
    {"knowledge_bases": [{"id", "name", "status", "updatedAt",
                          "storage": {"type", "collectionArn": ARN|None} | None (GetKnowledgeBase failed),
                          "data_sources": [{"id", "name", "status",
                                            "ingestion_jobs": [{"id", "status", "startedAt", "updatedAt",
                                                                "statistics": {numberOfDocumentsScanned,
                                                                  numberOfNewDocumentsIndexed,
                                                                  numberOfModifiedDocumentsIndexed,
                                                                  numberOfDocumentsFailed,
                                                                  numberOfDocumentsSkipped,
                                                                  numberOfDocumentsDeleted: int|None}
                                                                  | None (not returned)}]
                                                              | None}]
                                          | None}],
     "errors": [...]}
    statistics come with each ListIngestionJobs summary (IngestionJobSummary.statistics): a job can be
    COMPLETE with every document failed, so only the counts show that something was indexed.

agents.prompts
    {"prompts": [{"id", "name", "arn", "updatedAt", "versions": ["1", "2", ...] | None (numbered only)}],
     "errors": [...]}

agents.flows
    {"flows": [{"id", "name", "arn", "status", "version", "node_types": [type...] | None,
                "prompt_nodes": [{"name", "source": "resource"|"inline"|None, "promptArn": ARN|None}] | None,
                "guardrails": [{"node", "id", "version"}] | None (Prompt/KnowledgeBase nodes' guardrails),
                "versions": [numbered...] | None,
                "aliases": [{"id", "name", "versions": [flowVersion...]}] | None}], "errors": [...]}
    prompt_nodes: the definition's Prompt nodes (GetFlow, the DRAFT): "resource" nodes render a Prompt
    management prompt by ARN (a version ARN ends in ":<n>"), "inline" nodes carry their own template (its
    text is not kept). aliases: ListFlowAliases, the built-in test alias included (it routes to DRAFT).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from llmops_audit.aws.access import AwsCallError
from llmops_audit.collectors.bedrock import gap

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_AGENTS = 50
MAX_ACTION_GROUP_DETAILS = 100
MAX_KNOWLEDGE_BASES = 50
MAX_DATA_SOURCES = 100
MAX_PROMPTS = 50
MAX_FLOWS = 50
SUPERVISOR_MODES = ("SUPERVISOR", "SUPERVISOR_ROUTER")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _guardrail(cfg: dict[str, Any] | None) -> dict[str, Any] | None:
    if not cfg or not cfg.get("guardrailIdentifier"):
        return None
    return {"id": cfg.get("guardrailIdentifier"), "version": cfg.get("guardrailVersion")}


# -- agents ---------------------------------------------------------------------------------------


def _api_functions(payload: str) -> list[dict[str, Any]]:
    """Operations of an inline OpenAPI schema, with x-requireConfirmation."""
    try:
        doc = json.loads(payload)
    except ValueError:
        try:
            doc = yaml.safe_load(payload)
        except yaml.YAMLError:
            return []
    out = []
    for path, ops in ((doc or {}).get("paths") or {}).items() if isinstance(doc, dict) else []:
        for method, op in (ops or {}).items() if isinstance(ops, dict) else []:
            if method.lower() not in HTTP_METHODS or not isinstance(op, dict):
                continue
            out.append(
                {
                    "name": op.get("operationId") or f"{method.upper()} {path}",
                    "requireConfirmation": op.get("x-requireConfirmation"),
                }
            )
    return out


def _action_group(detail: dict[str, Any]) -> dict[str, Any]:
    executor = detail.get("actionGroupExecutor") or {}
    fs = detail.get("functionSchema") or {}
    api = detail.get("apiSchema") or {}
    if fs.get("functions") is not None:
        schema = "function"
        functions = [
            {"name": f.get("name"), "requireConfirmation": f.get("requireConfirmation")}
            for f in fs.get("functions") or []
        ]
    elif api.get("payload"):
        schema, functions = "api", _api_functions(api["payload"])
    elif api.get("s3"):
        schema, functions = "api-s3", []
    else:
        schema, functions = None, []
    return {
        "detail": True,
        "executorLambda": executor.get("lambda"),
        "customControl": executor.get("customControl"),
        "parentActionSignature": detail.get("parentActionSignature"),
        "schema": schema,
        "functions": functions,
    }


def agents(ctx: CollectContext) -> dict:
    listed = ctx.aws.items("bedrock-agent", "list_agents", "agentSummaries", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    details_left = MAX_ACTION_GROUP_DETAILS
    for s in listed[:MAX_AGENTS]:
        aid = s["agentId"]
        agent: dict[str, Any] = {
            "id": aid,
            "name": s.get("agentName"),
            "arn": None,
            "status": s.get("agentStatus"),
            "version": None,
            "detail": False,
            "roleArn": None,
            "foundationModel": None,
            "orchestrationType": None,
            "guardrail": _guardrail(s.get("guardrailConfiguration")),
            "collaboration": None,
            "memory": False,
            "versions": None,
            "aliases": None,
            "action_groups": None,
            "collaborators": None,
        }
        out.append(agent)
        label = f"agent {agent['name']}"
        try:
            a = ctx.aws.call("bedrock-agent", "get_agent", agentId=aid)["agent"]
            agent.update(
                {
                    "detail": True,
                    "arn": a.get("agentArn"),
                    "status": a.get("agentStatus"),
                    "version": a.get("agentVersion"),
                    "roleArn": a.get("agentResourceRoleArn"),
                    "foundationModel": a.get("foundationModel"),
                    "orchestrationType": a.get("orchestrationType"),
                    "guardrail": _guardrail(a.get("guardrailConfiguration")),
                    "collaboration": a.get("agentCollaboration"),
                    "memory": bool((a.get("memoryConfiguration") or {}).get("enabledMemoryTypes")),
                }
            )
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        try:
            agent["versions"] = [
                {
                    "version": v.get("agentVersion"),
                    "status": v.get("agentStatus"),
                    "guardrail": _guardrail(v.get("guardrailConfiguration")),
                }
                for v in ctx.aws.items(
                    "bedrock-agent", "list_agent_versions", "agentVersionSummaries", max_pages=5, agentId=aid
                )
            ]
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        try:
            agent["aliases"] = [
                {
                    "id": al.get("agentAliasId"),
                    "name": al.get("agentAliasName"),
                    "status": al.get("agentAliasStatus"),
                    "versions": [
                        r.get("agentVersion")
                        for r in al.get("routingConfiguration") or []
                        if r.get("agentVersion")
                    ],
                }
                for al in ctx.aws.items(
                    "bedrock-agent", "list_agent_aliases", "agentAliasSummaries", max_pages=5, agentId=aid
                )
            ]
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        try:
            groups = ctx.aws.items(
                "bedrock-agent",
                "list_agent_action_groups",
                "actionGroupSummaries",
                max_pages=5,
                agentId=aid,
                agentVersion="DRAFT",
            )
            agent["action_groups"] = []
            for g in groups:
                entry: dict[str, Any] = {
                    "id": g.get("actionGroupId"),
                    "name": g.get("actionGroupName"),
                    "state": g.get("actionGroupState"),
                    "detail": False,
                    "executorLambda": None,
                    "customControl": None,
                    "parentActionSignature": None,
                    "schema": None,
                    "functions": [],
                }
                agent["action_groups"].append(entry)
                if details_left <= 0:
                    continue
                details_left -= 1
                try:
                    d = ctx.aws.call(
                        "bedrock-agent",
                        "get_agent_action_group",
                        agentId=aid,
                        agentVersion="DRAFT",
                        actionGroupId=entry["id"],
                    )["agentActionGroup"]
                    entry.update(_action_group(d))
                except AwsCallError as exc:
                    errors.append(gap(exc, f"{label} action group {entry['name']}"))
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        if agent["collaboration"] in SUPERVISOR_MODES:
            try:
                agent["collaborators"] = [
                    {
                        "name": c.get("collaboratorName"),
                        "aliasArn": (c.get("agentDescriptor") or {}).get("aliasArn"),
                        "hasInstruction": bool((c.get("collaborationInstruction") or "").strip()),
                        "relayConversationHistory": c.get("relayConversationHistory"),
                    }
                    for c in ctx.aws.items(
                        "bedrock-agent",
                        "list_agent_collaborators",
                        "agentCollaboratorSummaries",
                        max_pages=5,
                        agentId=aid,
                        agentVersion="DRAFT",
                    )
                ]
            except AwsCallError as exc:
                errors.append(gap(exc, label))
    return {"agents": out, "truncated": len(listed) > MAX_AGENTS, "errors": errors}


# -- knowledge bases ------------------------------------------------------------------------------


STATISTICS = (
    "numberOfDocumentsScanned",
    "numberOfNewDocumentsIndexed",
    "numberOfModifiedDocumentsIndexed",
    "numberOfDocumentsFailed",
    "numberOfDocumentsSkipped",
    "numberOfDocumentsDeleted",
)


def _statistics(raw: Any) -> dict[str, int | None] | None:
    if not isinstance(raw, dict):
        return None
    return {
        k: raw[k] if isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool) else None
        for k in STATISTICS
    }


def knowledge_bases(ctx: CollectContext) -> dict:
    listed = ctx.aws.items("bedrock-agent", "list_knowledge_bases", "knowledgeBaseSummaries", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    sources_left = MAX_DATA_SOURCES
    for kb in listed[:MAX_KNOWLEDGE_BASES]:
        entry: dict[str, Any] = {
            "id": kb.get("knowledgeBaseId"),
            "name": kb.get("name"),
            "status": kb.get("status"),
            "updatedAt": kb.get("updatedAt"),
            "storage": None,
            "data_sources": None,
        }
        out.append(entry)
        try:
            detail = ctx.aws.call("bedrock-agent", "get_knowledge_base", knowledgeBaseId=entry["id"])
            storage = (detail.get("knowledgeBase") or {}).get("storageConfiguration") or {}
            entry["storage"] = {
                "type": storage.get("type"),
                "collectionArn": (storage.get("opensearchServerlessConfiguration") or {}).get(
                    "collectionArn"
                ),
            }
        except AwsCallError as exc:
            errors.append(gap(exc, f"knowledge base {entry['name']}"))
        try:
            sources = ctx.aws.items(
                "bedrock-agent",
                "list_data_sources",
                "dataSourceSummaries",
                max_pages=5,
                knowledgeBaseId=entry["id"],
            )
        except AwsCallError as exc:
            errors.append(gap(exc, f"knowledge base {entry['name']}"))
            continue
        entry["data_sources"] = []
        for ds in sources:
            src: dict[str, Any] = {
                "id": ds.get("dataSourceId"),
                "name": ds.get("name"),
                "status": ds.get("status"),
                "ingestion_jobs": None,
            }
            entry["data_sources"].append(src)
            if sources_left <= 0:
                continue
            sources_left -= 1
            try:
                jobs = ctx.aws.items(
                    "bedrock-agent",
                    "list_ingestion_jobs",
                    "ingestionJobSummaries",
                    max_pages=2,
                    knowledgeBaseId=entry["id"],
                    dataSourceId=src["id"],
                    sortBy={"attribute": "STARTED_AT", "order": "DESCENDING"},
                    maxResults=100,
                )
                src["ingestion_jobs"] = [
                    {
                        "id": j.get("ingestionJobId"),
                        "status": j.get("status"),
                        "startedAt": j.get("startedAt"),
                        "updatedAt": j.get("updatedAt"),
                        "statistics": _statistics(j.get("statistics")),
                    }
                    for j in jobs
                ]
            except AwsCallError as exc:
                errors.append(gap(exc, f"knowledge base {entry['name']} data source {src['name']}"))
    return {"knowledge_bases": out, "truncated": len(listed) > MAX_KNOWLEDGE_BASES, "errors": errors}


# -- prompts and flows ----------------------------------------------------------------------------


def prompts(ctx: CollectContext) -> dict:
    listed = ctx.aws.items("bedrock-agent", "list_prompts", "promptSummaries", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for i, p in enumerate(listed):
        entry: dict[str, Any] = {
            "id": p.get("id"),
            "name": p.get("name"),
            "arn": p.get("arn"),
            "updatedAt": p.get("updatedAt"),
            "versions": None,
        }
        out.append(entry)
        if i >= MAX_PROMPTS:
            continue
        try:
            versions = ctx.aws.items(
                "bedrock-agent", "list_prompts", "promptSummaries", max_pages=5, promptIdentifier=entry["id"]
            )
            entry["versions"] = sorted(
                {str(v.get("version")) for v in versions if str(v.get("version")).isdigit()}, key=int
            )
        except AwsCallError as exc:
            errors.append(gap(exc, f"prompt {entry['name']}"))
    return {"prompts": out, "errors": errors}


def _node_guardrails(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Guardrails a flow applies: Prompt and KnowledgeBase nodes each may name one (guardrailConfiguration)."""
    out = []
    for n in nodes:
        config = n.get("configuration") or {}
        for kind in ("prompt", "knowledgeBase"):
            g = (config.get(kind) or {}).get("guardrailConfiguration") or {}
            if g.get("guardrailIdentifier"):
                out.append(
                    {
                        "node": n.get("name"),
                        "id": g["guardrailIdentifier"],
                        "version": g.get("guardrailVersion"),
                    }
                )
    return out


def _prompt_node(node: dict[str, Any]) -> dict[str, Any]:
    """A Prompt node: rendered from a Prompt management prompt (resource) or defined in place (inline)."""
    src = ((node.get("configuration") or {}).get("prompt") or {}).get("sourceConfiguration") or {}
    if src.get("resource"):
        return {"name": node.get("name"), "source": "resource", "promptArn": src["resource"].get("promptArn")}
    return {"name": node.get("name"), "source": "inline" if src.get("inline") else None, "promptArn": None}


def flows(ctx: CollectContext) -> dict:
    listed = ctx.aws.items("bedrock-agent", "list_flows", "flowSummaries", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for i, f in enumerate(listed):
        entry: dict[str, Any] = {
            "id": f.get("id"),
            "name": f.get("name"),
            "arn": f.get("arn"),
            "status": f.get("status"),
            "version": f.get("version"),
            "node_types": None,
            "prompt_nodes": None,
            "guardrails": None,
            "versions": None,
            "aliases": None,
        }
        out.append(entry)
        if i >= MAX_FLOWS:
            continue
        try:
            d = ctx.aws.call("bedrock-agent", "get_flow", flowIdentifier=entry["id"])
            nodes = [n for n in (d.get("definition") or {}).get("nodes") or [] if isinstance(n, dict)]
            entry["node_types"] = sorted({n.get("type") for n in nodes if n.get("type")})
            entry["prompt_nodes"] = [_prompt_node(n) for n in nodes if n.get("type") == "Prompt"]
            entry["guardrails"] = _node_guardrails(nodes)
        except AwsCallError as exc:
            errors.append(gap(exc, f"flow {entry['name']}"))
        try:
            entry["aliases"] = [
                {
                    "id": al.get("id"),
                    "name": al.get("name"),
                    "versions": [
                        str(r.get("flowVersion"))
                        for r in al.get("routingConfiguration") or []
                        if r.get("flowVersion")
                    ],
                }
                for al in ctx.aws.items(
                    "bedrock-agent",
                    "list_flow_aliases",
                    "flowAliasSummaries",
                    max_pages=5,
                    flowIdentifier=entry["id"],
                )
            ]
        except AwsCallError as exc:
            errors.append(gap(exc, f"flow {entry['name']}"))
        try:
            versions = ctx.aws.items(
                "bedrock-agent",
                "list_flow_versions",
                "flowVersionSummaries",
                max_pages=5,
                flowIdentifier=entry["id"],
            )
            entry["versions"] = sorted(
                {str(v.get("version")) for v in versions if str(v.get("version")).isdigit()}, key=int
            )
        except AwsCallError as exc:
            errors.append(gap(exc, f"flow {entry['name']}"))
    return {"flows": out, "errors": errors}


SECTIONS = {
    "agents.agents": agents,
    "agents.knowledge_bases": knowledge_bases,
    "agents.prompts": prompts,
    "agents.flows": flows,
}
