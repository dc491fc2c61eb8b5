"""Bedrock Agents evidence: agents (versions, aliases, action groups, collaborators), knowledge bases and
their ingestion jobs, Prompt Management prompts and versions, flows and their node types.

Per-agent sub-calls that fail are recorded in the agent's `gaps`, and the related fields stay None
(unknown), so a probe never reads a failed sub-call as "none found".
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_DETAIL = 50


def _ts(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def _list(ctx: CollectContext, op: str, key: str, **params: Any) -> list[dict[str, Any]]:
    return [x for page in ctx.aws.paginate("bedrock-agent", op, max_pages=10, **params) for x in page.get(key, [])]


def _try(gaps: list[str], fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except AwsCallError as exc:
        gaps.append(exc.describe())
        return None


def _action_groups(ctx: CollectContext, agent_id: str, gaps: list[str]) -> list[dict[str, Any]] | None:
    summaries = _try(gaps, _list, ctx, "list_agent_action_groups", "actionGroupSummaries", agentId=agent_id,
                     agentVersion="DRAFT")
    if summaries is None:
        return None
    groups = []
    for s in summaries[:20]:
        d = _try(gaps, ctx.aws.call, "bedrock-agent", "get_agent_action_group", agentId=agent_id,
                 agentVersion="DRAFT", actionGroupId=s["actionGroupId"])
        if d is None:
            return None
        ag = d.get("agentActionGroup", {})
        executor = ag.get("actionGroupExecutor") or {}
        functions = [{"name": f.get("name"), "requireConfirmation": f.get("requireConfirmation", "DISABLED")}
                     for f in (ag.get("functionSchema") or {}).get("functions", [])]
        groups.append({"name": ag.get("actionGroupName"), "state": ag.get("actionGroupState"),
                       "lambdaArn": executor.get("lambda"), "customControl": executor.get("customControl"),
                       "parentSignature": ag.get("parentActionSignature"), "functions": functions,
                       "openApi": bool(ag.get("apiSchema"))})
    return groups


def agents(ctx: CollectContext) -> dict[str, Any]:
    listed = _list(ctx, "list_agents", "agentSummaries")
    out = []
    for s in listed[:MAX_DETAIL]:
        gaps: list[str] = []
        aid = s["agentId"]
        a = (_try(gaps, ctx.aws.call, "bedrock-agent", "get_agent", agentId=aid) or {}).get("agent", {})
        guard = a.get("guardrailConfiguration") or s.get("guardrailConfiguration") or {}
        versions = _try(gaps, _list, ctx, "list_agent_versions", "agentVersionSummaries", agentId=aid)
        aliases = _try(gaps, _list, ctx, "list_agent_aliases", "agentAliasSummaries", agentId=aid)
        collab = a.get("agentCollaboration") or "DISABLED"
        collaborators = None
        if collab.startswith("SUPERVISOR"):
            raw = _try(gaps, _list, ctx, "list_agent_collaborators", "agentCollaboratorSummaries", agentId=aid,
                       agentVersion="DRAFT")
            collaborators = None if raw is None else [
                {"name": c.get("collaboratorName"), "instruction": c.get("collaborationInstruction", ""),
                 "aliasArn": (c.get("agentDescriptor") or {}).get("aliasArn")} for c in raw]
        out.append({
            "id": aid, "name": s.get("agentName") or a.get("agentName"), "arn": a.get("agentArn"),
            "status": a.get("agentStatus") or s.get("agentStatus"), "roleArn": a.get("agentResourceRoleArn"),
            "model": a.get("foundationModel"),
            "guardrail": {"id": guard.get("guardrailIdentifier"), "version": guard.get("guardrailVersion")}
            if guard.get("guardrailIdentifier") else None,
            "collaboration": collab,
            "versions": None if versions is None else [v.get("agentVersion") for v in versions],
            "aliases": None if aliases is None else [
                {"name": al.get("agentAliasName"),
                 "versions": [r.get("agentVersion") for r in al.get("routingConfiguration", [])]} for al in aliases],
            "actionGroups": _action_groups(ctx, aid, gaps),
            "collaborators": collaborators,
            "gaps": gaps,
        })
    return {"agents": out, "total": len(listed)}


def knowledge_bases(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for kb in _list(ctx, "list_knowledge_bases", "knowledgeBaseSummaries")[:MAX_DETAIL]:
        gaps: list[str] = []
        sources = _try(gaps, _list, ctx, "list_data_sources", "dataSourceSummaries",
                       knowledgeBaseId=kb["knowledgeBaseId"]) or []
        jobs = []
        for ds in sources[:10]:
            found = _try(gaps, _list, ctx, "list_ingestion_jobs", "ingestionJobSummaries",
                         knowledgeBaseId=kb["knowledgeBaseId"], dataSourceId=ds["dataSourceId"])
            jobs += [{"dataSource": ds.get("name"), "status": j.get("status"), "started": _ts(j.get("startedAt"))}
                     for j in (found or [])]
        out.append({"id": kb["knowledgeBaseId"], "name": kb.get("name"), "status": kb.get("status"),
                    "dataSources": len(sources), "ingestionJobs": jobs if not gaps else None, "gaps": gaps})
    return {"knowledge_bases": out}


def prompts(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for p in _list(ctx, "list_prompts", "promptSummaries")[:MAX_DETAIL]:
        versions = [v.get("version") for v in _list(ctx, "list_prompts", "promptSummaries", promptIdentifier=p["id"])]
        out.append({"id": p["id"], "name": p.get("name"), "versions": versions, "updated": _ts(p.get("updatedAt"))})
    return {"prompts": out}


def flows(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for f in _list(ctx, "list_flows", "flowSummaries")[:MAX_DETAIL]:
        d = ctx.aws.call("bedrock-agent", "get_flow", flowIdentifier=f["id"])
        nodes = [n.get("type") for n in (d.get("definition") or {}).get("nodes", [])]
        out.append({"id": f["id"], "name": f.get("name"), "nodeTypes": sorted(set(nodes))})
    return {"flows": out}


SECTIONS = {
    "agents.agents": agents,
    "agents.knowledge_bases": knowledge_bases,
    "agents.prompts": prompts,
    "agents.flows": flows,
}
