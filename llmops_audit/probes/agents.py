"""Probes over Bedrock Agents, knowledge bases, Prompt Management and flows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from llmops_audit.evidence import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe

MUTATING = re.compile(r"create|update|delete|remove|send|refund|cancel|write|put|pay|transfer|approve|submit|"
                      r"book|order|charge|close|modify|reset", re.I)


def _agents(ev: Evidence) -> list[dict[str, Any]]:
    return ev.get("agents.agents")["agents"]


def _unknown_fields(agents: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    return [a for a in agents if a.get(field) is None]


@probe("agents_present", "agents.agents")
def agents_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock agents exist (a managed front door to the models)."""
    agents = _agents(ev)
    if agents:
        return met(f"{plural(len(agents), 'Bedrock agent')} exist: {names([a['name'] for a in agents])}.")
    return not_met("No Bedrock agent exists.")


@probe("flows_present", "agents.flows")
def flows_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock flows exist."""
    flows = ev.get("agents.flows")["flows"]
    if flows:
        return met(f"Bedrock flow {names([f['name'] for f in flows])} exists.")
    return not_met("No Bedrock flow exists.")


@probe("flows_use_prompt_nodes", "agents.flows")
def flows_use_prompt_nodes(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock flow renders prompts from Prompt nodes."""
    hits = [f["name"] for f in ev.get("agents.flows")["flows"] if "Prompt" in f["nodeTypes"]]
    if hits:
        return met(f"Flow {names(hits)} uses Prompt nodes.")
    return not_met("No Bedrock flow uses Prompt nodes.")


@probe("flows_use_condition_nodes", "agents.flows")
def flows_use_condition_nodes(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A flow branches on Condition nodes (a weak sign of adapting; absence needs an attestation)."""
    hits = [f["name"] for f in ev.get("agents.flows")["flows"] if "Condition" in f["nodeTypes"]]
    if hits:
        return met(f"Flow {names(hits)} branches on Condition nodes.")
    return cannot_tell("No flow branches on Condition nodes; adapting to usage is otherwise not visible in AWS, "
                       "so a person must attest it.", missing=("attestation",))


@probe("bedrock_prompts_managed", "agents.prompts")
def bedrock_prompts_managed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock Prompt Management holds prompt templates."""
    prompts = ev.get("agents.prompts")["prompts"]
    if prompts:
        return met(f"Prompt Management holds {plural(len(prompts), 'prompt')}: {names([p['name'] for p in prompts])}.")
    return not_met("Bedrock Prompt Management holds no prompts.")


@probe("prompt_versions_published", "agents.prompts")
def prompt_versions_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Prompts have published (numbered) versions."""
    prompts = ev.get("agents.prompts")["prompts"]
    hits = [f"{p['name']} ({', '.join(v for v in p['versions'] if v != 'DRAFT')})" for p in prompts
            if any(v and v != "DRAFT" for v in p["versions"])]
    if hits:
        return met(f"Prompt {names(hits)} has published versions.")
    return not_met(f"None of the {plural(len(prompts), 'prompt')} has a published version.")


@probe("agent_aliases_pinned", "agents.agents")
def agent_aliases_pinned(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Agent aliases route to numbered agent versions, not DRAFT."""
    agents = _agents(ev)
    pinned = [f"{a['name']}/{al['name']} -> v{','.join(al['versions'])}" for a in agents for al in (a["aliases"] or [])
              if al["versions"] and all(v and v != "DRAFT" for v in al["versions"])]
    if pinned:
        return met(f"Agent alias {names(pinned)} is pinned to a numbered version.")
    if _unknown_fields(agents, "aliases"):
        return cannot_tell("Agent aliases could not be read for " + names([a["name"] for a in _unknown_fields(agents, "aliases")]) + ".",
                           missing=tuple(g for a in agents for g in a["gaps"]))
    return not_met(f"No alias of the {plural(len(agents), 'agent')} is pinned to a numbered version.")


@probe("agents_use_versioned_guardrails", "agents.agents")
def agents_use_versioned_guardrails(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Agents use a numbered guardrail version, not DRAFT."""
    hits = [f"{a['name']} (guardrail v{a['guardrail']['version']})" for a in _agents(ev)
            if a.get("guardrail") and a["guardrail"].get("version") not in (None, "", "DRAFT")]
    if hits:
        return met(f"Agent {names(hits)} uses a numbered guardrail version.")
    return not_met("No agent uses a numbered guardrail version.")


@probe("agents_have_guardrails", "agents.agents")
def agents_have_guardrails(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every Bedrock agent has a guardrail."""
    agents = _agents(ev)
    if not agents:
        return not_met("There are no Bedrock agents, so no policy-aware agents.")
    bare = [a["name"] for a in agents if not a.get("guardrail")]
    if bare:
        return not_met(f"{plural(len(bare), 'agent')} without a guardrail: {names(bare)}.")
    return met(f"All {plural(len(agents), 'agent')} have a guardrail: "
               f"{names([a['name'] + ' -> ' + a['guardrail']['id'].split('/')[-1] for a in agents])}.")


@probe("multi_agent_collaboration_defined", "agents.agents")
def multi_agent_collaboration_defined(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A supervisor agent has collaborators, each with a collaboration instruction."""
    agents = _agents(ev)
    supervisors = [a for a in agents if a["collaboration"].startswith("SUPERVISOR")]
    if not supervisors:
        return not_met(f"None of the {plural(len(agents), 'agent')} is a supervisor with collaborators.")
    unknown = [a for a in supervisors if a["collaborators"] is None]
    good = [a for a in supervisors if a["collaborators"] and all(c["instruction"].strip() for c in a["collaborators"])]
    if good:
        a = good[0]
        return met(f"Supervisor agent {a['name']} has {plural(len(a['collaborators']), 'collaborator')} with "
                   f"instructions: {names([c['name'] for c in a['collaborators']])}.")
    if unknown:
        return cannot_tell(f"Collaborators of {names([a['name'] for a in unknown])} could not be read.",
                           missing=tuple(g for a in unknown for g in a["gaps"]))
    return not_met(f"Supervisor {names([a['name'] for a in supervisors])} has collaborators without instructions, or none.")


@probe("agent_roles_distinct", "agents.agents")
def agent_roles_distinct(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Each agent runs under its own IAM role."""
    agents = _agents(ev)
    if len(agents) < 2:
        return not_met(f"There {'is' if len(agents) == 1 else 'are'} {plural(len(agents), 'agent')}; role boundaries "
                       "between agents need at least two.")
    roles: dict[str, list[str]] = {}
    for a in agents:
        roles.setdefault(a.get("roleArn") or "?", []).append(a["name"])
    shared = [f"{r.split('/')[-1]} ({', '.join(n)})" for r, n in roles.items() if len(n) > 1]
    if shared:
        return not_met(f"Agents share a role: {names(shared)}.")
    return met(f"Each of the {len(agents)} agents has its own role: "
               f"{names([a['name'] + ' -> ' + (a['roleArn'] or '?').split('/')[-1] for a in agents])}.")


def _functions(ev: Evidence) -> tuple[list[tuple[str, dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    agents = _agents(ev)
    out = [(a["name"], g, f) for a in agents for g in (a["actionGroups"] or []) for f in g["functions"]]
    return out, _unknown_fields(agents, "actionGroups")


def _confirms(group: dict[str, Any], fn: dict[str, Any]) -> bool:
    return fn.get("requireConfirmation") == "ENABLED" or group.get("customControl") == "RETURN_CONTROL"


@probe("confirmation_required_selectively", "agents.agents")
def confirmation_required_selectively(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Some, but not all, agent action functions require user confirmation or return control."""
    fns, unknown = _functions(ev)
    if unknown and not fns:
        return cannot_tell(f"Action groups of {names([a['name'] for a in unknown])} could not be read.",
                           missing=tuple(g for a in unknown for g in a["gaps"]))
    confirm = [f"{a}/{f['name']}" for a, g, f in fns if _confirms(g, f)]
    free = [f"{a}/{f['name']}" for a, g, f in fns if not _confirms(g, f)]
    if confirm and free:
        return met(f"Human confirmation is selective: {names(confirm)} require confirmation, {names(free)} do not.")
    if not fns:
        return not_met("No agent action functions exist, so there is no human-in-the-loop step to apply.")
    return not_met(f"{'Every' if confirm else 'No'} agent action function requires confirmation "
                   f"({plural(len(fns), 'function')}): human review is {'everywhere' if confirm else 'nowhere'}.")


@probe("mutating_actions_require_confirmation", "agents.agents")
def mutating_actions_require_confirmation(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every agent action function that changes something requires user confirmation."""
    fns, unknown = _functions(ev)
    if unknown and not fns:
        return cannot_tell(f"Action groups of {names([a['name'] for a in unknown])} could not be read.",
                           missing=tuple(g for a in unknown for g in a["gaps"]))
    mutating = [(a, g, f) for a, g, f in fns if MUTATING.search(f["name"] or "")]
    if not mutating:
        return cannot_tell("No agent action function looks mutating by name, so confirmation on changes cannot be "
                           "judged from AWS.")
    bad = [f"{a}/{f['name']}" for a, g, f in mutating if not _confirms(g, f)]
    if bad:
        return not_met(f"Mutating action {names(bad)} runs without user confirmation.")
    guarded = [f"{a}/{f['name']}" for a, g, f in mutating]
    return met(f"Every mutating action requires confirmation: {names(guarded)}.")


def _recent(ts: str, days: int, now: datetime) -> bool:
    try:
        t = datetime.fromisoformat(ts)
    except ValueError:
        return False
    return (t if t.tzinfo else t.replace(tzinfo=UTC)) >= now - timedelta(days=days)


@probe("knowledge_base_ingested", "agents.knowledge_bases")
def knowledge_base_ingested(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A knowledge base has a completed ingestion job (a working RAG pipeline)."""
    kbs = ev.get("agents.knowledge_bases")["knowledge_bases"]
    if not kbs:
        return not_met("No Bedrock knowledge base exists.")
    done = [f"{kb['name']} ({sum(1 for j in kb['ingestionJobs'] if j['status'] == 'COMPLETE')} completed sync)"
            for kb in kbs if kb["ingestionJobs"] and any(j["status"] == "COMPLETE" for j in kb["ingestionJobs"])]
    if done:
        return met(f"Knowledge base {names(done)} is ingested.")
    unknown = [kb for kb in kbs if kb["ingestionJobs"] is None]
    if unknown:
        return cannot_tell(f"Ingestion jobs of knowledge base {names([k['name'] for k in unknown])} could not be read.",
                           missing=tuple(g for k in unknown for g in k["gaps"]))
    return not_met(f"Knowledge base {names([k['name'] for k in kbs])} has no completed ingestion job.")


@probe("knowledge_base_ingestion_recurring", "agents.knowledge_bases")
def knowledge_base_ingestion_recurring(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A knowledge base was re-ingested at least `min_jobs` times within `days` days."""
    days, need = int(params.get("days", 30)), int(params.get("min_jobs", 2))
    kbs = ev.get("agents.knowledge_bases")["knowledge_bases"]
    for kb in kbs:
        jobs = [j for j in kb["ingestionJobs"] or [] if j["status"] == "COMPLETE" and _recent(j["started"], days, ev.scope.end)]
        if len(jobs) >= need:
            return met(f"Knowledge base {kb['name']} was re-ingested {len(jobs)} times in the last {days} days.")
    if any(kb["ingestionJobs"] is None for kb in kbs):
        return cannot_tell("Ingestion jobs of some knowledge bases could not be read.",
                           missing=tuple(g for k in kbs for g in k["gaps"]))
    return not_met(f"No knowledge base was re-ingested {need} or more times in the last {days} days.")
