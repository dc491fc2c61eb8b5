"""Probes over Bedrock Agents evidence: agents, action groups, collaborators, KBs, prompts, flows."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.probes.bedrock import gaps, within
from llmops_audit.probes.cloudwatch import model_traffic
from llmops_audit.probes.params import Param

TEST_ALIAS = "TSTALIASID"  # every agent's built-in test alias; it always points at DRAFT
SUPERVISOR_MODES = ("SUPERVISOR", "SUPERVISOR_ROUTER")
MUTATING_VERBS = {
    "create",
    "update",
    "delete",
    "remove",
    "send",
    "refund",
    "cancel",
    "write",
    "put",
    "pay",
    "post",
    "patch",
    "modify",
    "transfer",
    "submit",
    "approve",
    "reject",
    "issue",
    "charge",
    "book",
    "close",
    "reset",
    "set",
    "insert",
    "upsert",
    "drop",
    "purchase",
    "execute",
    "run",
    "deploy",
    "terminate",
    "revoke",
    "grant",
    "email",
    "notify",
    "publish",
    "escalate",
    "assign",
    "add",
    "edit",
    "change",
    "withdraw",
    "void",
    "reverse",
    "place",
}
READ_VERBS = {
    "get",
    "list",
    "describe",
    "read",
    "search",
    "query",
    "find",
    "lookup",
    "check",
    "fetch",
    "view",
    "show",
    "retrieve",
    "count",
    "validate",
    "is",
    "has",
    "estimate",
    "preview",
}


def _words(name: str) -> list[str]:
    """get_ticket / getTicket / GET /tickets/{id} -> ['get', 'ticket']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name or "")
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def looks_mutating(name: str) -> bool:
    words = _words(name)
    if not words:
        return False
    if words[0] in MUTATING_VERBS:
        return True
    return words[0] not in READ_VERBS and any(w in MUTATING_VERBS for w in words[1:])


def _agents(ev: Evidence) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = ev.get("agents.agents")
    return data, data["agents"]


def _missing_for(data: dict[str, Any], agent_names: list[str], *ops: str) -> tuple[str, ...]:
    """The failed actions (among operations `ops`, default all) recorded for these agents."""
    wanted = {f"agent {n}" for n in agent_names}
    found = {
        e["action"]
        for e in data.get("errors") or []
        if any(e.get("resource", "") == w or e.get("resource", "").startswith(w + " ") for w in wanted)
        and (not ops or e["action"].split(":")[-1] in ops)
    }
    return tuple(sorted(found)) or tuple(f"bedrock:{op}" for op in ops) or gaps(data, "agent")


@probe("agents_present", "agents.agents")
def agents_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock agents exist."""
    _, agents = _agents(ev)
    if agents:
        return met(f"{plural(len(agents), 'Bedrock agent')} exist: {names([a['name'] for a in agents])}.")
    return not_met(f"No Bedrock agents exist in {ev.scope.region}.")


@probe("agents_have_guardrails", "agents.agents")
def agents_have_guardrails(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every Bedrock agent has a guardrail attached."""
    data, agents = _agents(ev)
    if not agents:
        return not_met(f"There are no Bedrock agents in {ev.scope.region}, so no agent is guarded.")
    without = [a["name"] for a in agents if a.get("detail") and not a.get("guardrail")]
    unread = [a["name"] for a in agents if not a.get("detail") and not a.get("guardrail")]
    if without:
        return not_met(
            f"{plural(len(without), 'agent')} of {len(agents)} "
            f"{'has' if len(without) == 1 else 'have'} no guardrail: {names(without)}."
        )
    if unread:
        return cannot_tell(
            f"The settings of agent {names(unread)} could not be read, so whether every agent has a "
            "guardrail is unknown.",
            missing=_missing_for(data, unread, "GetAgent"),
        )
    return met(
        f"All {plural(len(agents), 'agent')} have a guardrail: "
        + names(
            [
                f"{a['name']} ({a['guardrail']['id']} v{a['guardrail'].get('version') or 'DRAFT'})"
                for a in agents
            ]
        )
        + "."
    )


@probe("agents_use_versioned_guardrails", "agents.agents")
def agents_use_versioned_guardrails(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Agents with guardrails use a numbered guardrail version, not DRAFT."""
    data, agents = _agents(ev)
    guarded = [a for a in agents if a.get("guardrail")]
    if not guarded:
        unread = [a["name"] for a in agents if not a.get("detail")]
        if unread:
            return cannot_tell(
                f"No readable agent has a guardrail, and the settings of {names(unread)} could not be read.",
                missing=_missing_for(data, unread, "GetAgent"),
            )
        return not_met(
            f"None of the {plural(len(agents), 'Bedrock agent')} has a guardrail, so none uses a "
            "versioned one."
        )
    draft = [a["name"] for a in guarded if not str(a["guardrail"].get("version") or "").isdigit()]
    if draft:
        return not_met(f"Agent {names(draft)} uses the DRAFT version of its guardrail.")
    return met(
        "Agent "
        + names(
            [
                f"{a['name']} uses guardrail {a['guardrail']['id']} version {a['guardrail']['version']}"
                for a in guarded
            ]
        )
        + "."
    )


@probe("agent_aliases_pinned", "agents.agents")
def agent_aliases_pinned(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Agent aliases (other than the built-in test alias) route to numbered agent versions, not DRAFT."""
    data, agents = _agents(ev)
    pinned, draft = [], []
    for a in agents:
        for al in a.get("aliases") or []:
            if al.get("id") == TEST_ALIAS:
                continue
            versions = al.get("versions") or []
            label = f"{a['name']}/{al['name']}"
            if versions and all(str(v).isdigit() for v in versions):
                pinned.append(f"{label} -> v{', v'.join(versions)}")
            else:
                draft.append(label)
    if draft:
        return not_met(
            f"Agent alias {names(draft)} routes to DRAFT (or to no version), not to a numbered version"
            + (f"; pinned: {names(pinned)}." if pinned else ".")
        )
    unread = [a["name"] for a in agents if a.get("aliases") is None]
    if unread:
        return cannot_tell(
            f"The aliases of agent {names(unread)} could not be listed"
            + (f" (pinned so far: {names(pinned)})." if pinned else "."),
            missing=_missing_for(data, unread, "ListAgentAliases"),
        )
    if pinned:
        return met(f"Every agent alias routes to a numbered version: {names(pinned)}.")
    if not agents:
        return not_met(f"No Bedrock agents exist in {ev.scope.region}, so no alias is pinned to a version.")
    return not_met(
        f"None of the {plural(len(agents), 'agent')} has an alias other than the test alias, so no "
        "alias is pinned to a numbered version."
    )


@probe("multi_agent_collaboration_defined", "agents.agents")
def multi_agent_collaboration_defined(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A supervisor agent has collaborators, each with a collaboration instruction."""
    data, agents = _agents(ev)
    supervisors = [a for a in agents if a.get("collaboration") in SUPERVISOR_MODES]
    for a in supervisors:
        collabs = a.get("collaborators")
        if collabs and all(c.get("hasInstruction") for c in collabs):
            return met(
                f"Supervisor agent {a['name']} ({a['collaboration']}) has "
                f"{plural(len(collabs), 'collaborator')} with collaboration instructions: "
                f"{names([c['name'] for c in collabs])}."
            )
    unknown = [a["name"] for a in supervisors if a.get("collaborators") is None]
    unknown += [a["name"] for a in agents if not a.get("detail")]
    if unknown:
        return cannot_tell(
            f"No readable supervisor agent has instructed collaborators, and the settings of "
            f"{names(unknown)} could not be read.",
            missing=_missing_for(data, unknown, "GetAgent", "ListAgentCollaborators"),
        )
    if supervisors:
        return not_met(
            "Supervisor agent "
            + names(
                [
                    f"{a['name']} has "
                    + (
                        f"{plural(len(a['collaborators']), 'collaborator')}, not all with an instruction"
                        if a["collaborators"]
                        else "no collaborators"
                    )
                    for a in supervisors
                ]
            )
            + "."
        )
    if not agents:
        return not_met(
            f"No Bedrock agents exist in {ev.scope.region}, so there is no multi-agent collaboration."
        )
    return not_met(
        f"None of the {plural(len(agents), 'agent')} ({names([a['name'] for a in agents])}) is a "
        "supervisor with collaborators."
    )


@probe("agent_roles_distinct", "agents.agents")
def agent_roles_distinct(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Each Bedrock agent runs under its own IAM role (at least two agents)."""
    data, agents = _agents(ev)
    if len(agents) < 2:
        return not_met(
            f"There {'is' if len(agents) == 1 else 'are'} {plural(len(agents), 'agent')} in "
            f"{ev.scope.region}, so there are no role boundaries between agents to check."
        )
    unread = [a["name"] for a in agents if not a.get("roleArn")]
    by_role: dict[str, list[str]] = {}
    for a in agents:
        if a.get("roleArn"):
            by_role.setdefault(a["roleArn"], []).append(a["name"])
    shared = {r: ns for r, ns in by_role.items() if len(ns) > 1}
    if shared:
        return not_met(
            "Agents share execution roles: "
            + "; ".join(f"{names(ns)} use {r.split('/')[-1]}" for r, ns in shared.items())
            + "."
        )
    if unread:
        return cannot_tell(
            f"The role of agent {names(unread)} could not be read.",
            missing=_missing_for(data, unread, "GetAgent"),
        )
    return met(
        f"Each of the {len(agents)} agents has its own execution role: "
        + names([f"{ns[0]} -> {r.split('/')[-1]}" for r, ns in by_role.items()])
        + "."
    )


def _functions(ev: Evidence) -> tuple[list[tuple[str, str, bool]], list[str], tuple[str, ...]]:
    """([(agent/group/function, function name, confirmed)], agents or action groups whose functions are unknown,
    missing actions).

    confirmed = requireConfirmation ENABLED on the function (or x-requireConfirmation on the API operation):
    the agent asks the user before it calls the tool. customControl RETURN_CONTROL is not confirmation: it
    hands the call to the invoking application, which may run it without any person seeing it."""
    data, agents = _agents(ev)
    out: list[tuple[str, str, bool]] = []
    unknown: list[str] = []
    for a in agents:
        if a.get("action_groups") is None:
            unknown.append(f"agent {a['name']}")
            continue
        for g in a["action_groups"]:
            if g.get("state") == "DISABLED" or g.get("parentActionSignature"):
                continue  # built-in (UserInput, CodeInterpreter...) or switched off: no tool functions
            if not g.get("detail") or g.get("schema") == "api-s3":
                unknown.append(f"action group {a['name']}/{g['name']}")
                continue
            for f in g.get("functions") or []:
                confirmed = f.get("requireConfirmation") == "ENABLED"
                out.append((f"{a['name']}/{g['name']}/{f['name']}", f["name"] or "", confirmed))
    missing = tuple(
        sorted(
            {
                e["action"]
                for e in data.get("errors") or []
                if e["action"].split(":")[-1] in ("ListAgentActionGroups", "GetAgentActionGroup")
            }
        )
    )
    return out, unknown, missing


@probe("confirmation_required_selectively", "agents.agents")
def confirmation_required_selectively(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Some, but not all, agent action-group functions require user confirmation (requireConfirmation)."""
    funcs, unknown, missing = _functions(ev)
    confirmed = [f for f, _, c in funcs if c]
    free = [f for f, _, c in funcs if not c]
    if confirmed and free:
        return met(
            f"{len(confirmed)} of {plural(len(funcs), 'agent function')} require user confirmation "
            f"({names(confirmed)}), while {names(free)} run without it."
        )
    if unknown:
        return cannot_tell(
            f"The functions of {names(unknown)} could not be read"
            + (
                f"; of the readable ones, {len(confirmed)} of {len(funcs)} require confirmation."
                if funcs
                else "."
            ),
            missing=missing or ("bedrock:GetAgentActionGroup",),
        )
    if not funcs:
        return not_met("No agent action-group functions exist, so user confirmation is applied nowhere.")
    if confirmed:
        return not_met(
            f"All {plural(len(funcs), 'agent function')} require user confirmation "
            f"({names(confirmed)}): human review is applied everywhere, not selectively."
        )
    return not_met(
        f"None of the {plural(len(funcs), 'agent function')} ({names(free)}) requires user confirmation"
        + (
            f"; {names(_returns_control(ev))} return control to the application, which is not a person's review."
            if _returns_control(ev)
            else "."
        )
    )


@probe(
    "a2i_human_loops_selective",
    "sagemaker.flow_definitions",
    "sagemaker.human_loops",
    "cloudwatch.metric_stats",
)
def a2i_human_loops_selective(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Amazon A2I human loops of a custom flow definition were created in the period for fewer requests than
    Bedrock served (people review some model outputs, not all)."""
    flows = ev.get("sagemaker.flow_definitions")["flow_definitions"]
    if not flows:
        return not_met("No Amazon A2I flow definition exists, so no model output goes to human review.")
    builtin = [f["name"] for f in flows if f.get("conditional")]
    undescribed = [f["name"] for f in flows if f.get("conditional") is None]
    loops = ev.get("sagemaker.human_loops")
    count = loops.get("human_loops")
    if count is None:
        return cannot_tell(
            f"The human loops of A2I flow definition {names([f['name'] for f in flows])} could not be listed.",
            *(loops.get("errors") or []),
            missing=("sagemaker:ListHumanLoops",),
        )
    if count == 0:
        if loops.get("errors"):
            return cannot_tell(
                "No human loop was found in the period, but the loops of some A2I flow definitions could "
                "not be listed.",
                *loops["errors"],
                missing=("sagemaker:ListHumanLoops",),
            )
        return not_met(
            f"A2I flow definition {names([f['name'] for f in flows])} created no human loop in the period: "
            "nothing went to human review."
        )
    if builtin or undescribed:
        # Activation conditions exist only for the built-in Textract/Rekognition integrations, and the
        # loop count is summed over every flow definition: these loops may not review model outputs.
        return cannot_tell(
            f"{plural(count, 'A2I human loop')} were created in the period, but "
            + (
                f"{names(builtin)} {'is' if len(builtin) == 1 else 'are'} built-in Textract/Rekognition review"
                if builtin
                else f"{names(undescribed)} could not be described"
            )
            + ", so the loops cannot be tied to Bedrock model outputs; a person must attest it.",
            missing=("sagemaker:DescribeFlowDefinition",) if undescribed else (),
        )
    invocations = sum(model_traffic(ev.get("cloudwatch.metric_stats")).values())
    if not invocations:
        return not_met(
            f"{plural(count, 'A2I human loop')} were created in the period but Bedrock recorded no "
            "invocations, so no model output was reviewed."
        )
    if count >= invocations:
        return not_met(
            f"{plural(count, 'A2I human loop')} for {invocations:,.0f} Bedrock invocations in the period: "
            "every output goes to a person, not selectively."
        )
    return met(
        f"A2I flow definition {names([f['name'] for f in flows])} created {plural(count, 'human loop')} "
        f"for {invocations:,.0f} Bedrock invocations in the period: some outputs go to human review."
    )


def _returns_control(ev: Evidence) -> list[str]:
    """Action groups whose executor is RETURN_CONTROL (named only to explain why they do not count)."""
    _, agents = _agents(ev)
    return [
        f"{a['name']}/{g['name']}"
        for a in agents
        for g in a.get("action_groups") or []
        if g.get("customControl") == "RETURN_CONTROL"
    ]


@probe("mutating_actions_require_confirmation", "agents.agents")
def mutating_actions_require_confirmation(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every agent function whose name looks mutating (create, delete, refund...) requires user confirmation."""
    funcs, unknown, missing = _functions(ev)
    mutating = [(f, c) for f, name, c in funcs if looks_mutating(name)]
    free = [f for f, c in mutating if not c]
    if free:
        return not_met(
            f"Mutating agent function {names(free)} runs without user confirmation (returning control to "
            "the application is not confirmation)."
        )
    if unknown:
        return cannot_tell(
            f"The functions of {names(unknown)} could not be read, so not every mutating action can "
            "be checked.",
            missing=missing or ("bedrock:GetAgentActionGroup",),
        )
    if mutating:
        return met(
            f"Every mutating agent function requires user confirmation "
            f"({plural(len(mutating), 'function')}: {names([f for f, _ in mutating])})."
        )
    return cannot_tell(
        f"None of the {plural(len(funcs), 'agent function')} has a name that looks mutating"
        + (f" ({names([f for f, _, _ in funcs])})" if funcs else "")
        + "; a person must attest whether the tools can change anything."
    )


# -- knowledge bases ------------------------------------------------------------------------------


def _ingestion(ev: Evidence) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    data = ev.get("agents.knowledge_bases")
    unknown = []
    for kb in data["knowledge_bases"]:
        if kb.get("data_sources") is None:
            unknown.append(kb["name"])
        else:
            unknown += [
                f"{kb['name']}/{ds['name']}" for ds in kb["data_sources"] if ds.get("ingestion_jobs") is None
            ]
    return data, data["knowledge_bases"], unknown


@probe("knowledge_base_ingested", "agents.knowledge_bases")
def knowledge_base_ingested(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock knowledge base has a completed ingestion (sync) job."""
    data, kbs, unknown = _ingestion(ev)
    for kb in kbs:
        for ds in kb.get("data_sources") or []:
            done = [j for j in ds.get("ingestion_jobs") or [] if j.get("status") == "COMPLETE"]
            if done:
                latest = max(done, key=lambda j: str(j.get("startedAt")))
                return met(
                    f"Knowledge base {kb['name']} (data source {ds['name']}) has "
                    f"{plural(len(done), 'completed ingestion job')}, the latest started "
                    f"{str(latest.get('startedAt'))[:10]}."
                )
    if unknown:
        return cannot_tell(
            f"No readable knowledge base has a completed ingestion job, and the data sources or "
            f"jobs of {names(unknown)} could not be listed.",
            missing=gaps(data) or ("bedrock:ListIngestionJobs",),
        )
    if not kbs:
        return not_met(f"No Bedrock knowledge bases exist in {ev.scope.region}.")
    return not_met(
        f"None of the {plural(len(kbs), 'knowledge base')} ({names([k['name'] for k in kbs])}) has a "
        "completed ingestion job."
    )


@probe(
    "knowledge_base_ingestion_recurring",
    "agents.knowledge_bases",
    params={
        "days": Param(int, default=30, min=1, help="count ingestion jobs from the last this many days"),
        "min_jobs": Param(int, default=2, min=1, help="completed ingestion jobs one knowledge base needs"),
    },
)
def knowledge_base_ingestion_recurring(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A knowledge base completed at least `min_jobs` ingestion jobs within the last `days` days."""
    days, need = int(params.get("days", 30)), int(params.get("min_jobs", 2))
    data, kbs, unknown = _ingestion(ev)
    counts = {}
    for kb in kbs:
        counts[kb["name"]] = sum(
            1
            for ds in kb.get("data_sources") or []
            for j in ds.get("ingestion_jobs") or []
            if j.get("status") == "COMPLETE" and within(j.get("startedAt"), ev.scope.end, days)
        )
    hits = {k: n for k, n in counts.items() if n >= need}
    if hits:
        return met(
            f"Knowledge base {names([f'{k} ({n} completed syncs)' for k, n in hits.items()])} "
            f"was re-ingested "
            f"at least {need} times in the last {days} days."
        )
    if unknown:
        return cannot_tell(
            f"No readable knowledge base completed {need} ingestion jobs in the last {days} days, and "
            f"the jobs of {names(unknown)} could not be listed.",
            missing=gaps(data) or ("bedrock:ListIngestionJobs",),
        )
    if not kbs:
        return not_met(f"No Bedrock knowledge bases exist in {ev.scope.region}, so none is re-ingested.")
    return not_met(
        f"No knowledge base completed {need} or more ingestion jobs in the last {days} days ("
        + names([f"{k}: {n}" for k, n in counts.items()])
        + ")."
    )


# -- prompts and flows ----------------------------------------------------------------------------


@probe("bedrock_prompts_managed", "agents.prompts")
def bedrock_prompts_managed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock Prompt Management holds prompts."""
    prompts = ev.get("agents.prompts")["prompts"]
    if prompts:
        return met(
            f"Bedrock Prompt Management holds {plural(len(prompts), 'prompt')}: "
            f"{names([p['name'] for p in prompts])}."
        )
    return not_met(f"Bedrock Prompt Management holds no prompts in {ev.scope.region}.")


@probe("prompt_versions_published", "agents.prompts")
def prompt_versions_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A managed prompt has at least one numbered (published) version."""
    data = ev.get("agents.prompts")
    prompts = data["prompts"]
    hits = [f"{p['name']} (versions {', '.join(p['versions'])})" for p in prompts if p.get("versions")]
    if hits:
        return met(f"Prompt {names(hits)} has published versions.")
    unread = [p["name"] for p in prompts if p.get("versions") is None]
    if unread:
        return cannot_tell(
            f"No readable prompt has a published version, and the versions of {names(unread)} could "
            "not be listed.",
            missing=gaps(data) or ("bedrock:ListPrompts",),
        )
    if not prompts:
        return not_met(
            f"Bedrock Prompt Management holds no prompts in {ev.scope.region}, so none is versioned."
        )
    return not_met(f"Prompt {names([p['name'] for p in prompts])} has only a DRAFT version.")


@probe("flows_present", "agents.flows")
def flows_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock Flows exist."""
    flows = ev.get("agents.flows")["flows"]
    if flows:
        return met(f"{plural(len(flows), 'Bedrock flow')} exist: {names([f['name'] for f in flows])}.")
    return not_met(f"No Bedrock flows exist in {ev.scope.region}.")


def _flow_nodes(ev: Evidence, node_type: str, absent_is_unknown: bool) -> Verdict:
    data = ev.get("agents.flows")
    flows = data["flows"]
    hits = [f["name"] for f in flows if node_type in (f.get("node_types") or [])]
    if hits:
        return met(f"Flow {names(hits)} uses {node_type} nodes.")
    unread = [f["name"] for f in flows if f.get("node_types") is None]
    if unread:
        return cannot_tell(
            f"No readable flow uses {node_type} nodes, and the definition of {names(unread)} could "
            "not be read.",
            missing=gaps(data) or ("bedrock:GetFlow",),
        )
    msg = (
        f"None of the {plural(len(flows), 'Bedrock flow')} uses {node_type} nodes"
        if flows
        else f"No Bedrock flows exist in {ev.scope.region}, so no flow uses {node_type} nodes"
    )
    if absent_is_unknown:
        return cannot_tell(msg + "; a person must attest whether workflows adapt in other ways.")
    return not_met(msg + ".")


@probe("flows_use_prompt_nodes", "agents.flows")
def flows_use_prompt_nodes(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock flow uses Prompt nodes."""
    return _flow_nodes(ev, "Prompt", absent_is_unknown=False)


@probe("flows_use_condition_nodes", "agents.flows")
def flows_use_condition_nodes(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock flow branches with Condition nodes.

    A fact only: a Condition node is static branching written into the flow, not adaptation to usage
    patterns, so no rule counts it for L4.3."""
    return _flow_nodes(ev, "Condition", absent_is_unknown=True)
