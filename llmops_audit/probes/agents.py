"""Probes over Bedrock Agents evidence: agents, action groups, collaborators, KBs, prompts, flows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.probes.bedrock import blocking_policies, gaps, guardrail_key, policy_of, read, within
from llmops_audit.probes.cloudwatch import model_traffic
from llmops_audit.probes.governance import _missing as _role_missing
from llmops_audit.probes.governance import admin_policies
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


def _served_guardrails(a: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any] | None]], list[str]]:
    """([(which copy of the agent, its guardrail ref)], [copies whose guardrail is unknown]).

    The working copy (DRAFT, from get_agent) and every numbered version a non-test alias routes to.
    """
    refs: list[tuple[str, dict[str, Any] | None]] = []
    unknown: list[str] = []
    if a.get("detail") or a.get("guardrail"):
        refs.append((str(a["name"]), a.get("guardrail")))
    else:
        unknown.append(f"{a['name']} (settings not read)")
    if a.get("aliases") is None:
        unknown.append(f"{a['name']} (aliases not read)")
        return refs, unknown
    by_version = {str(v.get("version")): v for v in a.get("versions") or []}
    for al in a["aliases"]:
        if al.get("id") == TEST_ALIAS:
            continue
        for v in al.get("versions") or []:
            if str(v) == "DRAFT":
                continue
            label = f"{a['name']} v{v} (alias {al.get('name')})"
            if str(v) in by_version:
                refs.append((label, by_version[str(v)].get("guardrail")))
            else:
                unknown.append(label)
    return refs, unknown


@probe("agents_have_guardrails", "agents.agents", "bedrock.guardrails")
def agents_have_guardrails(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every Bedrock agent (and every version its aliases serve) has a guardrail that blocks content."""
    data, agents = _agents(ev)
    if not agents:
        return not_met(f"There are no Bedrock agents in {ev.scope.region}, so no agent is guarded.")
    guardrails, gr_missing = read(ev, "bedrock.guardrails")
    by_id = {g["id"]: g for g in (guardrails or {}).get("guardrails") or []}
    without: list[str] = []
    detect_only: list[str] = []
    unclear: list[str] = []
    missing: list[str] = []
    found: list[str] = []
    for a in agents:
        refs, unknown = _served_guardrails(a)
        if unknown:
            unclear += unknown
            missing += _missing_for(data, [a["name"]])
        for label, ref in refs:
            if not ref or not ref.get("id"):
                without.append(label)
                continue
            gid, version = guardrail_key(ref["id"]), ref.get("version") or "DRAFT"
            tag = f"{label} ({gid} {'v' + version if version != 'DRAFT' else 'DRAFT'})"
            if guardrails is None:
                unclear.append(tag)
                missing += gr_missing
                continue
            g = by_id.get(gid or "")
            policy = policy_of(g, version) if g else None
            if policy is None:
                unclear.append(
                    tag + (" whose policy was not read" if g else ", not in the account's guardrails")
                )
                missing += list(gaps(guardrails, "guardrail")) or ["bedrock:GetGuardrail"]
                continue
            blocks = blocking_policies(policy)
            if blocks:
                found.append(f"{tag}: {'; '.join(blocks)}")
            else:
                detect_only.append(tag)
    if without or detect_only:
        parts = []
        if without:
            parts.append(f"{names(without)} {'has' if len(without) == 1 else 'have'} no guardrail")
        if detect_only:
            parts.append(
                f"the guardrail of {names(detect_only)} blocks nothing (detect mode or no active filter)"
            )
        return not_met(f"Not every agent is guarded: {'; '.join(parts)}.")
    if unclear:
        return cannot_tell(
            f"Whether every agent has a blocking guardrail is unknown: {names(unclear)}.",
            missing=tuple(sorted(set(missing))),
        )
    return met(f"All {plural(len(agents), 'agent')} have a guardrail that blocks: " + names(found) + ".")


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


ANY_ALIAS = Param(
    bool,
    default=False,
    help=(
        "met as soon as one alias routes to numbered versions (for a negated use: 'no versioning'); "
        "default: every alias must"
    ),
)


def _pinned(versions: list[Any]) -> bool:
    return bool(versions) and all(str(v).isdigit() for v in versions)


@probe("agent_aliases_pinned", "agents.agents", params={"any_alias": ANY_ALIAS})
def agent_aliases_pinned(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Agent aliases (other than the built-in test alias) route to numbered agent versions, not DRAFT.

    With any_alias, one pinned alias is enough: an alias left on DRAFT does not undo the versions that
    the other aliases serve (a negated 'no versioning exists' must not be met by it)."""
    data, agents = _agents(ev)
    return _aliases_pinned(
        agents,
        bool(params.get("any_alias")),
        _missing_for(data, [a["name"] for a in agents if a.get("aliases") is None], "ListAgentAliases"),
        AGENT_ALIAS_WORDS,
        ev.scope.region,
    )


def _alias_agent_id(alias_arn: str | None) -> str | None:
    """arn:aws:bedrock:<region>:<account>:agent-alias/<agentId>/<aliasId> -> agentId."""
    parts = str(alias_arn or "").split(":", 5)
    if len(parts) < 6 or not parts[5].startswith("agent-alias/"):
        return None
    return parts[5].split("/")[1] if parts[5].count("/") >= 2 else None


def _teams(
    agents: list[dict[str, Any]],
) -> list[tuple[dict[str, Any], list[tuple[str, dict[str, Any] | None]]]]:
    """[(supervisor, [(collaborator name, its agent in this Region or None)])] for supervisors whose
    collaborators were read and are not empty."""
    by_id = {a.get("id"): a for a in agents}
    out = []
    for a in agents:
        if a.get("collaboration") in SUPERVISOR_MODES and a.get("collaborators"):
            out.append(
                (
                    a,
                    [
                        (str(c.get("name")), by_id.get(_alias_agent_id(c.get("aliasArn"))))
                        for c in a["collaborators"]
                    ],
                )
            )
    return out


@probe("multi_agent_collaboration_defined", "agents.agents")
def multi_agent_collaboration_defined(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A supervisor agent (agentCollaboration SUPERVISOR or SUPERVISOR_ROUTER) has collaborator agents.

    Every collaborator has a collaboration instruction (AssociateAgentCollaborator requires
    collaborationInstruction), so the instruction proves nothing beyond the association."""
    data, agents = _agents(ev)
    teams = _teams(agents)
    if teams:
        return met(
            "Supervisor agent "
            + names(
                [
                    f"{sup['name']} ({sup['collaboration']}) has {plural(len(cs), 'collaborator')}: "
                    f"{names([n for n, _ in cs])}"
                    for sup, cs in teams
                ]
            )
            + "."
        )
    supervisors = [a for a in agents if a.get("collaboration") in SUPERVISOR_MODES]
    unknown = [a["name"] for a in supervisors if a.get("collaborators") is None]
    unknown += [a["name"] for a in agents if not a.get("detail")]
    if unknown:
        return cannot_tell(
            f"No readable supervisor agent has collaborators, and the settings or collaborators of "
            f"{names(unknown)} could not be read.",
            missing=_missing_for(data, unknown, "GetAgent", "ListAgentCollaborators"),
        )
    if supervisors:
        return not_met(f"Supervisor agent {names([a['name'] for a in supervisors])} has no collaborators.")
    if not agents:
        return not_met(
            f"No Bedrock agents exist in {ev.scope.region}, so there is no multi-agent collaboration."
        )
    return not_met(
        f"None of the {plural(len(agents), 'agent')} ({names([a['name'] for a in agents])}) is a "
        "supervisor with collaborators."
    )


def _permissions(role: dict[str, Any]) -> tuple[Any, ...] | None:
    """What a role grants, comparable between roles (attached policy ARNs and inline statements);
    None when its policies are unknown."""
    if role.get("attached") is None or role.get("inline") is None:
        return None
    attached = tuple(sorted(str(p.get("arn")) for p in role["attached"]))
    inline = tuple(
        sorted(
            json.dumps(st, sort_keys=True, default=str)
            for p in role["inline"]
            for st in p.get("statements") or []
        )
    )
    return attached, inline


@probe("agent_roles_distinct", "agents.agents", "iam.agent_roles")
def agent_roles_distinct(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """In every multi-agent team (a supervisor and its collaborator agents), each agent runs under its own
    IAM role, the roles grant different permissions (not the same policies under other names) and none is
    administrator-level.

    Agents outside a team are not looked at: two unrelated single agents with different roles say nothing
    about the boundaries inside a multi-agent system."""
    data, agents = _agents(ev)
    teams = _teams(agents)
    if not teams:
        return not_met(
            f"No supervisor agent in {ev.scope.region} has collaborators, so there are no role boundaries "
            "between collaborating agents to check."
        )
    iam = ev.get("iam.agent_roles")
    roles = {r["arn"]: r for r in iam.get("roles") or []}
    problems: list[str] = []
    unclear: list[str] = []
    missing: list[str] = []
    fine: list[str] = []
    for sup, collabs in teams:
        members: list[tuple[str, dict[str, Any] | None]] = [(str(sup["name"]), sup), *collabs]
        team_unclear = False
        for n, a in members:
            if a is None:
                unclear.append(f"collaborator {n} of {sup['name']} (not an agent read in {ev.scope.region})")
                team_unclear = True
            elif not a.get("roleArn"):
                unclear.append(f"the role of agent {a['name']}")
                missing += _missing_for(data, [a["name"]], "GetAgent")
                team_unclear = True
        known = [(n, a) for n, a in members if a is not None and a.get("roleArn")]
        by_role: dict[str, list[str]] = {}
        for _, a in known:
            by_role.setdefault(a["roleArn"], []).append(str(a["name"]))
        shared = [f"{names(ns)} use {r.split('/')[-1]}" for r, ns in by_role.items() if len(set(ns)) > 1]
        if shared:
            problems.append(f"team {sup['name']}: " + "; ".join(shared))
            continue
        by_perm: dict[tuple[Any, ...], list[str]] = {}
        for r, ns in by_role.items():
            role = roles.get(r)
            perms = _permissions(role) if role else None
            admin = admin_policies(role) if role else None
            if perms is None or admin is None:
                unclear.append(f"the policies of role {r.split('/')[-1]}")
                missing += list(_role_missing([role] if role else [])) or ["iam:GetRole"]
                team_unclear = True
                continue
            if admin:
                problems.append(
                    f"team {sup['name']}: role {r.split('/')[-1]} of {names(ns)} is administrator-level "
                    f"({names(admin)}), which bounds nothing"
                )
            by_perm.setdefault(perms, []).append(r.split("/")[-1])
        same = [names(rs) for rs in by_perm.values() if len(rs) > 1]
        if same:
            problems.append(f"team {sup['name']}: roles {'; '.join(same)} grant the same policies")
        elif not team_unclear and not any(p.startswith(f"team {sup['name']}:") for p in problems):
            fine.append(
                f"{sup['name']} with {names([n for n, _ in collabs])} ("
                + ", ".join(f"{ns[0]} -> {r.split('/')[-1]}" for r, ns in by_role.items())
                + ")"
            )
    if problems:
        return not_met(
            "Collaborating agents are not bounded by their own roles: " + "; ".join(problems) + "."
        )
    if unclear:
        return cannot_tell(
            f"Whether collaborating agents have their own roles is unknown: {names(unclear)}.",
            missing=tuple(sorted(set(missing))),
        )
    return met(
        "Each agent of every multi-agent team runs under its own role with its own policies: "
        + names(fine)
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


def _indexed(job: dict[str, Any]) -> tuple[bool | None, str]:
    """Whether a COMPLETE ingestion job shows documents in the index: (True/False/None unknown, why).

    A job ends COMPLETE even when every document failed, so the status alone proves nothing. Documents
    are in the index when the job indexed new or modified ones, or when it scanned documents that neither
    failed nor were skipped nor were (re)indexed: unchanged since an earlier sync indexed them."""
    st = job.get("statistics")
    if not isinstance(st, dict):
        return None, "no statistics returned"

    def n(key: str) -> int:
        v = st.get(key)
        return v if isinstance(v, int) and v > 0 else 0

    new, modified = n("numberOfNewDocumentsIndexed"), n("numberOfModifiedDocumentsIndexed")
    scanned, failed, skipped = (
        n("numberOfDocumentsScanned"),
        n("numberOfDocumentsFailed"),
        n("numberOfDocumentsSkipped"),
    )
    if new + modified:
        return True, f"{new + modified:,} documents indexed" + (f", {failed:,} failed" if failed else "")
    unchanged = scanned - failed - skipped
    if unchanged > 0:
        return True, f"{unchanged:,} of {scanned:,} scanned documents unchanged and already indexed"
    if scanned:
        return False, f"all {scanned:,} scanned documents failed or were skipped"
    return False, "no document scanned"


def indexed_sources(data: dict[str, Any]) -> tuple[list[tuple[dict[str, Any], str]], list[str], list[str]]:
    """([(knowledge base, why its index holds documents)], [why others hold none], [KBs/sources unknown])
    over agents.knowledge_bases: a knowledge base counts when one of its data sources' COMPLETE ingestion
    jobs (the most recent listed first) shows documents in the index."""
    hits: list[tuple[dict[str, Any], str]] = []
    empty: list[str] = []
    unknown: list[str] = []
    for kb in data["knowledge_bases"]:
        if kb.get("data_sources") is None:
            unknown.append(str(kb["name"]))
            continue
        found = None
        for ds in kb["data_sources"]:
            jobs = ds.get("ingestion_jobs")
            if jobs is None:
                unknown.append(f"{kb['name']}/{ds['name']}")
                continue
            done = sorted(
                (j for j in jobs if j.get("status") == "COMPLETE"),
                key=lambda j: str(j.get("startedAt")),
                reverse=True,
            )
            verdicts = [(j, *_indexed(j)) for j in done]
            good = [(j, why) for j, ok, why in verdicts if ok]
            if good:
                j, why = good[0]
                found = f"data source {ds['name']}, sync of {str(j.get('startedAt'))[:10]}: {why}"
                break
            if any(ok is None for _, ok, _ in verdicts):
                unknown.append(f"{kb['name']}/{ds['name']} (completed syncs without statistics)")
            elif done:
                empty.append(f"{kb['name']}/{ds['name']} ({verdicts[0][2]})")
            else:
                empty.append(f"{kb['name']}/{ds['name']} (no completed sync)")
        if found:
            hits.append((kb, found))
    return hits, empty, unknown


@probe("knowledge_base_ingested", "agents.knowledge_bases")
def knowledge_base_ingested(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock knowledge base holds documents: a completed ingestion (sync) job whose statistics show
    documents indexed (IngestionJobStatistics), not only the COMPLETE status."""
    data = ev.get("agents.knowledge_bases")
    kbs = data["knowledge_bases"]
    hits, empty, unknown = indexed_sources(data)
    if hits:
        return met("Knowledge base " + names([f"{kb['name']} ({why})" for kb, why in hits]) + ".")
    if unknown:
        return cannot_tell(
            f"No readable knowledge base shows indexed documents, and the data sources, jobs or job "
            f"statistics of {names(unknown)} could not be read.",
            missing=gaps(data) or ("bedrock:ListIngestionJobs",),
        )
    if not kbs:
        return not_met(f"No Bedrock knowledge bases exist in {ev.scope.region}.")
    return not_met(
        f"None of the {plural(len(kbs), 'knowledge base')} holds indexed documents"
        + (f": {names(empty)}." if empty else " (no data source).")
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
    """A knowledge base completed at least `min_jobs` ingestion jobs within the last `days` days.

    A fact only: a scheduled sync refreshes the source documents; it is not learning from usage signals,
    so no rule counts it for L5.5."""
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


PROMPT_USE_SECTIONS = ("agents.flows", "cloudwatch.metric_stats", "logs.invocation_records")


def _prompt_key(arn: str | None) -> tuple[str, str | None] | None:
    """arn:...:prompt/<id>[:<version>] -> (id, version or None for the DRAFT)."""
    text = str(arn or "")
    if ":prompt/" not in text:
        return None
    rest = text.split(":prompt/", 1)[1]
    pid, _, version = rest.partition(":")
    return pid, (version if version.isdigit() else None)


def _prompt_uses(ev: Evidence) -> tuple[list[tuple[str, str, str | None]], list[str], list[str]]:
    """([(prompt id, where it is used, version or None)], [sources that could not be read], [missing]).

    A managed prompt is in use when a flow's Prompt node renders it by ARN (sourceConfiguration
    resource), or when its ARN (or a version's) is the modelId of model invocations (Converse and
    InvokeModel take a prompt ARN as modelId): AWS/Bedrock Invocations by ModelId, or the invocation log."""
    uses: list[tuple[str, str, str | None]] = []
    unread: list[str] = []
    missing: list[str] = []
    flows = ev.optional("agents.flows")
    if flows is None:
        unread.append("the flows")
        missing.append("bedrock:ListFlows")
    else:
        for f in flows["flows"]:
            nodes = f.get("prompt_nodes")
            if nodes is None:
                if f.get("node_types") is None or "Prompt" in (f.get("node_types") or []):
                    unread.append(f"flow {f['name']}")
                    missing += list(gaps(flows, f"flow {f['name']}")) or ["bedrock:GetFlow"]
                continue
            for n in nodes:
                key = _prompt_key(n.get("promptArn")) if n.get("source") == "resource" else None
                if key:
                    uses.append((key[0], f"flow {f['name']} node {n.get('name')}", key[1]))
    stats = ev.optional("cloudwatch.metric_stats")
    if stats is None:
        unread.append("the Bedrock invocation metrics")
        missing.append("cloudwatch:GetMetricData")
    else:
        for model, calls in model_traffic(stats).items():
            key = _prompt_key(model)
            if key:
                uses.append((key[0], f"{calls:,.0f} invocations by prompt ARN", key[1]))
    logs = ev.optional("logs.invocation_records")
    if logs is None or not logs.get("available"):
        unread.append("the invocation log")
    else:
        counts: dict[tuple[str, str | None], int] = {}
        for r in logs.get("records") or []:
            key = _prompt_key(r.get("modelId"))
            if key:
                counts[key] = counts.get(key, 0) + 1
        uses += [(k[0], f"{n:,} logged invocations by prompt ARN", k[1]) for k, n in counts.items()]
    return uses, unread, missing


def _where(uses: list[tuple[str, str, str | None]], pid: str) -> list[str]:
    return [w + (f" (version {v})" if v else " (DRAFT)") for i, w, v in uses if i == pid]


@probe("bedrock_prompts_managed", "agents.prompts", *PROMPT_USE_SECTIONS)
def bedrock_prompts_managed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock Prompt Management holds prompts that the workload renders: a flow Prompt node references
    one by ARN, or model invocations name its ARN as modelId.

    A prompt that only exists (made once in the console, say) proves nothing: without a use the probe
    cannot tell, and a person attests whether the application renders it (from code, by prompt ARN)."""
    prompts = ev.get("agents.prompts")["prompts"]
    if not prompts:
        return not_met(f"Bedrock Prompt Management holds no prompts in {ev.scope.region}.")
    uses, unread, missing = _prompt_uses(ev)
    by_id = {p.get("id"): p for p in prompts}
    used = [
        f"{by_id[pid]['name'] if pid in by_id else pid}: {names(_where(uses, pid))}"
        for pid in dict.fromkeys(i for i, _, _ in uses)
    ]
    if used:
        return met(f"Managed prompt {names(used)}.")
    return cannot_tell(
        f"Bedrock Prompt Management holds {plural(len(prompts), 'prompt')} "
        f"({names([str(p['name']) for p in prompts])}), but nothing shows the workload renders them: no "
        "flow Prompt node references them and no model invocation names their ARN"
        + (f" ({names(unread)} could not be read)" if unread else "")
        + "; a person must attest that the application uses them.",
        missing=tuple(sorted(set(missing))),
    )


@probe(
    "prompt_versions_published",
    "agents.prompts",
    *PROMPT_USE_SECTIONS,
    params={
        "referenced": Param(
            bool,
            default=False,
            help=(
                "met only when a published version is what is served (a flow Prompt node or model "
                "invocations name the version's ARN); default: a published version is enough"
            ),
        )
    },
)
def prompt_versions_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A managed prompt has at least one numbered (published) version (with referenced: and a flow or
    model invocations use a version's ARN, not the DRAFT)."""
    data = ev.get("agents.prompts")
    prompts = data["prompts"]
    published = [p for p in prompts if p.get("versions")]
    unread_v = [p["name"] for p in prompts if p.get("versions") is None]
    if published and not params.get("referenced"):
        uses, _, _ = _prompt_uses(ev)
        shown = [
            f"{p['name']} (versions {', '.join(p['versions'])}"
            + (f"; used: {names(_where(uses, str(p.get('id'))))})" if _where(uses, str(p.get("id"))) else ")")
            for p in published
        ]
        any_served = any(v for i, _, v in uses if i in {p.get("id") for p in published})
        return met(
            f"Prompt {names(shown)} has published versions"
            + (
                "."
                if any_served
                else "; nothing read here shows the workload invokes a version rather than the DRAFT."
            )
        )
    if published:
        uses, unread, missing = _prompt_uses(ev)
        ids = {p.get("id"): p for p in published}
        served = [(i, w, v) for i, w, v in uses if i in ids and v]
        if served:
            return met(
                "Published prompt versions are served: "
                + names([f"{ids[i]['name']} version {v} ({w})" for i, w, v in served])
                + "."
            )
        drafts = [f"{ids[i]['name']} ({w})" for i, w, v in uses if i in ids and not v]
        return cannot_tell(
            f"Prompt {names([str(p['name']) for p in published])} has published versions, but nothing shows "
            "that a version is what the workload invokes"
            + (f"; the DRAFT is used by {names(drafts)}" if drafts else "")
            + (f" ({names(unread)} could not be read)" if unread else "")
            + "; a person must attest which version the application calls.",
            missing=tuple(sorted(set(missing))),
        )
    if unread_v:
        return cannot_tell(
            f"No readable prompt has a published version, and the versions of {names(unread_v)} could "
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


@probe(
    "flows_use_prompt_nodes",
    "agents.flows",
    params={
        "managed_only": Param(
            bool,
            default=True,
            help=(
                "count only Prompt nodes that render a Prompt management prompt by ARN (false: inline "
                "Prompt nodes too, for 'prompts are not in code')"
            ),
        )
    },
)
def flows_use_prompt_nodes(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock flow's Prompt node renders a Prompt management prompt by ARN (sourceConfiguration
    resource). An inline Prompt node defines its template for that node only: stored in Bedrock, but
    neither centralized nor reusable, so it counts only with managed_only false."""
    if not params.get("managed_only", True):
        return _flow_nodes(ev, "Prompt", absent_is_unknown=False)
    data = ev.get("agents.flows")
    flows = data["flows"]
    hits, inline, unread = [], [], []
    for f in flows:
        nodes = f.get("prompt_nodes")
        if nodes is None:
            if f.get("node_types") is None or "Prompt" in (f.get("node_types") or []):
                unread.append(str(f["name"]))
            continue
        refs = [
            str(n.get("promptArn")) for n in nodes if n.get("source") == "resource" and n.get("promptArn")
        ]
        if refs:
            hits.append(f"{f['name']} ({names(refs)})")
        elif nodes:
            inline.append(str(f["name"]))
    if hits:
        return met(f"Flow {names(hits)} renders Prompt management prompts in its Prompt nodes.")
    if unread:
        return cannot_tell(
            f"No readable flow renders a managed prompt, and the definition of {names(unread)} could not "
            "be read.",
            missing=gaps(data) or ("bedrock:GetFlow",),
        )
    if inline:
        return not_met(
            f"Flow {names(inline)} defines its prompts inline in its Prompt nodes: not a shared, reusable "
            "template."
        )
    if flows:
        return not_met(f"None of the {plural(len(flows), 'Bedrock flow')} has a Prompt node.")
    return not_met(f"No Bedrock flows exist in {ev.scope.region}, so no flow renders a managed prompt.")


@probe("flow_aliases_pinned", "agents.flows", params={"any_alias": ANY_ALIAS})
def flow_aliases_pinned(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Flow aliases (other than the built-in test alias, which serves DRAFT) route to numbered flow
    versions: InvokeFlow is made to an alias, so a pinned alias is what serves a version."""
    data = ev.get("agents.flows")
    return _aliases_pinned(
        data["flows"],
        bool(params.get("any_alias")),
        gaps(data) or ("bedrock:ListFlowAliases",),
        FLOW_ALIAS_WORDS,
        ev.scope.region,
    )


@dataclass(frozen=True)
class _AliasWords:
    """How the alias judgement names what it looked at (agents and flows share it)."""

    owner: str  # agent | flow
    version: str  # "numbered version" | "numbered flow version"
    draft: str  # what a not-pinned alias routes to
    draft_short: str  # the same, in a parenthesis
    none_exist: str  # the sentence when there are no owners
    no_alias: str  # the tail when no owner has an alias besides the test alias


AGENT_ALIAS_WORDS = _AliasWords(
    "agent",
    "numbered version",
    "DRAFT (or to no version)",
    "DRAFT or no version",
    "No Bedrock agents exist in {region}, so no alias is pinned to a version.",
    "alias is pinned to a numbered version.",
)
FLOW_ALIAS_WORDS = _AliasWords(
    "flow",
    "numbered flow version",
    "DRAFT",
    "DRAFT",
    "No Bedrock flows exist in {region}, so no flow alias is pinned.",
    "flow version is served.",
)


def _aliases_pinned(
    owners: list[Any], any_alias: bool, missing: tuple[str, ...], w: _AliasWords, region: str
) -> Verdict:
    """Aliases other than the built-in test alias (which serves DRAFT) route to numbered versions. With
    `any_alias`, one pinned alias is enough: an alias left on DRAFT does not undo the versions the other
    aliases serve (a negated 'no versioning exists' must not be met by it)."""
    pinned, draft = [], []
    for o in owners:
        for al in o.get("aliases") or []:
            if al.get("id") == TEST_ALIAS:
                continue
            versions = al.get("versions") or []
            label = f"{o['name']}/{al.get('name')}"
            if _pinned(versions):
                pinned.append(f"{label} -> v{', v'.join(versions)}")
            else:
                draft.append(label)
    unread = [str(o["name"]) for o in owners if o.get("aliases") is None]
    kind, cap = w.owner, w.owner.capitalize()
    if any_alias:
        if pinned:
            return met(
                f"{cap} alias {names(pinned)} routes to a {w.version}"
                + (f" (on {w.draft_short}: {names(draft)})." if draft else ".")
            )
        if unread:
            return cannot_tell(
                f"No readable {kind} alias routes to a numbered version, and the aliases of {kind} "
                f"{names(unread)} could not be listed.",
                missing=missing,
            )
    if draft:
        return not_met(
            f"{cap} alias {names(draft)} routes to {w.draft}, not to a {w.version}"
            + (f"; pinned: {names(pinned)}." if pinned else ".")
        )
    if unread:
        return cannot_tell(
            f"The aliases of {kind} {names(unread)} could not be listed"
            + (f" (pinned so far: {names(pinned)})." if pinned else "."),
            missing=missing,
        )
    if pinned:
        return met(f"Every {kind} alias routes to a {w.version}: {names(pinned)}.")
    if not owners:
        return not_met(w.none_exist.format(region=region))
    return not_met(
        f"None of the {plural(len(owners), kind)} has an alias other than the test alias, so no {w.no_alias}"
    )


@probe("flows_use_condition_nodes", "agents.flows")
def flows_use_condition_nodes(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Bedrock flow branches with Condition nodes.

    A fact only: a Condition node is static branching written into the flow, not adaptation to usage
    patterns, so no rule counts it for L4.3."""
    return _flow_nodes(ev, "Condition", absent_is_unknown=True)


# -- guardrails enforced by IAM (bedrock:GuardrailIdentifier) ---------------------------------------------

GUARDRAIL_POLICY = Param(
    str, default="grounding", help="what the required guardrail must do: grounding or pii"
)


def _guardrail_ref(ref: str) -> tuple[str | None, str | None]:
    """(guardrail id, version) from a condition value: an id, or arn:...:guardrail/<id>[:<version>]."""
    tail = ref.rsplit("guardrail/", 1)[-1] if ":guardrail/" in ref else ref
    if any(c in tail for c in "*?$"):
        return None, None  # a pattern names no one guardrail
    gid, _, version = tail.partition(":")
    return (gid or None), (version or None)


@probe(
    "guardrail_required_by_iam",
    "bedrock.guardrails",
    "lambda.functions",
    "xray.traces",
    params={"policy": GUARDRAIL_POLICY},
)
def guardrail_required_by_iam(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An LLM function's execution role may invoke models only with a guardrail that does the job (IAM
    condition bedrock:GuardrailIdentifier on InvokeModel: a Deny unless it names the guardrail, or every Allow
    conditioned on it): blocking on contextual grounding (policy grounding) or blocking or masking PII (pii)."""
    from llmops_audit.probes import workload
    from llmops_audit.probes.bedrock import _grounding_test, _pii_test

    policy = str(params.get("policy", "grounding"))
    test, what = (
        (_pii_test, "blocks or masks PII")
        if policy == "pii"
        else (_grounding_test, "blocks ungrounded responses")
    )
    w = workload.functions(ev)
    if not w.functions:
        return workload.no_functions(w, "a guardrail required by IAM")
    guardrails = {g["id"]: g for g in ev.get("bedrock.guardrails")["guardrails"]}
    proofs: list[str] = []
    unclear: list[str] = []
    weak: list[str] = []
    free: list[str] = []
    for f in w.functions:
        required = f.get("roleGuardrails")
        if required is None:
            unclear.append(f"the role policies of {f['name']} were not read")
            continue
        if not required:
            free.append(f["name"])
            continue
        descs: list[str] = []
        for ref in required:
            gid, version = _guardrail_ref(str(ref))
            g = guardrails.get(gid or "")
            p = policy_of(g, version) if g else None
            if g is None or p is None:
                unclear.append(f"{f['name']} requires {ref}, whose policy was not read")
                break
            if (desc := test(p)) is None:
                weak.append(f"{f['name']} requires guardrail {g['name']}, which does not do this")
                break
            descs.append(f"{g['name']}" + (f" v{version}" if version else "") + f" ({desc})")
        else:
            proofs.append(f"{f['name']}'s role requires guardrail {names(descs)} on every InvokeModel")
    if proofs:
        return met(f"IAM enforces the guardrail: {'; '.join(proofs)} (bedrock:GuardrailIdentifier).")
    if unclear:
        return cannot_tell(f"Whether IAM enforces a guardrail that {what} is unknown: {'; '.join(unclear)}.")
    return not_met(
        f"No LLM function's role requires a guardrail that {what} on model calls"
        + (f" ({'; '.join(weak)})" if weak else "")
        + (f"; {names(free)} may invoke models without any guardrail" if free else "")
        + "."
    )
