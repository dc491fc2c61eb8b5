"""Bedrock Agents probes on hand-built snapshots (no AWS)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from llmops_audit.probes import run_probe
from llmops_audit.probes.agents import looks_mutating
from tests.helpers import snapshot


def agent(
    name="bot",
    *,
    role=None,
    guard=("g1", "1"),
    collab="DISABLED",
    aliases=(("prod", "1"),),
    functions=(("get_ticket", "DISABLED"), ("refund_order", "ENABLED")),
    collaborators=None,
    detail=True,
    return_control=False,
):
    return {
        "id": name,
        "name": name,
        "detail": detail,
        "roleArn": role or f"arn:aws:iam::1:role/{name}-role",
        "guardrail": {"id": guard[0], "version": guard[1]} if guard else None,
        "collaboration": collab,
        "aliases": None
        if aliases is None
        else [{"id": "TSTALIASID", "name": "test", "versions": ["DRAFT"]}]
        + [{"id": f"A{n}", "name": n, "versions": [v]} for n, v in aliases],
        "action_groups": None
        if functions is None
        else [
            {
                "id": "AG",
                "name": "tools",
                "state": "ENABLED",
                "detail": True,
                "schema": "function",
                "parentActionSignature": None,
                "customControl": "RETURN_CONTROL" if return_control else None,
                "functions": [{"name": n, "requireConfirmation": c} for n, c in functions],
            }
        ],
        "collaborators": collaborators,
    }


def run(probe_id, scope, *agents_, params=None, errors=()):
    return run_probe(
        probe_id,
        snapshot(scope, agents__agents={"agents": list(agents_), "errors": list(errors)}),
        params or {},
    )


def test_agents_present(scope):
    assert run("agents_present", scope, agent()).value is True
    assert run("agents_present", scope).value is False


# agents_have_guardrails (a blocking guardrail on every served agent version): tests/probes/test_guardrails.py


def test_agents_use_versioned_guardrails(scope):
    assert run("agents_use_versioned_guardrails", scope, agent()).value is True
    f = run("agents_use_versioned_guardrails", scope, agent(guard=("g1", "DRAFT")))
    assert f.value is False and "DRAFT" in f.summary
    assert run("agents_use_versioned_guardrails", scope, agent(guard=None)).value is False


def test_agent_aliases_pinned(scope):
    f = run("agent_aliases_pinned", scope, agent())
    assert f.value is True and "bot/prod -> v1" in f.summary  # the test alias (DRAFT) is ignored
    f = run("agent_aliases_pinned", scope, agent(aliases=(("prod", "1"), ("beta", "DRAFT"))))
    assert f.value is False and "bot/beta" in f.summary
    assert run("agent_aliases_pinned", scope, agent(aliases=())).value is False
    f = run(
        "agent_aliases_pinned",
        scope,
        agent(aliases=None),
        errors=[{"action": "bedrock:ListAgentAliases", "resource": "agent bot"}],
    )
    assert f.value is None and f.missing == ("bedrock:ListAgentAliases",)


def test_agent_aliases_pinned_any_alias(scope):
    """For L1.4's negation: one alias on DRAFT does not undo the pinned ones (it made 'no versioning' met)."""
    half = agent(aliases=(("prod", "1"), ("beta", "DRAFT")))
    assert run("agent_aliases_pinned", scope, half).value is False
    f = run("agent_aliases_pinned", scope, half, params={"any_alias": True})
    assert f.value is True and "bot/prod -> v1" in f.summary
    f = run("agent_aliases_pinned", scope, agent(aliases=(("beta", "DRAFT"),)), params={"any_alias": True})
    assert f.value is False
    f = run(
        "agent_aliases_pinned",
        scope,
        agent(aliases=(("beta", "DRAFT"),)),
        agent("other", aliases=None),
        params={"any_alias": True},
        errors=[{"action": "bedrock:ListAgentAliases", "resource": "agent other"}],
    )
    assert f.value is None and f.missing == ("bedrock:ListAgentAliases",)


def _collab(name):
    return {
        "name": name,
        "aliasArn": f"arn:aws:bedrock:us-east-1:1:agent-alias/{name}/A1",
        "hasInstruction": True,
    }


def _roles(*specs):
    """iam.agent_roles: (role name, [policy ARNs], [inline statements])."""
    return {
        "roles": [
            {
                "name": n,
                "arn": f"arn:aws:iam::1:role/{n}",
                "agents": [],
                "boundary": None,
                "attached": [{"name": a.split("/")[-1], "arn": a, "statements": []} for a in att],
                "inline": [{"name": "inline", "statements": st}] if st else [],
                "error": None,
                "error_action": None,
            }
            for n, att, st in specs
        ],
        "agents_without_role": [],
        "errors": [],
    }


def run_team(probe_id, scope, agents_, roles=None, errors=()):
    sections = {"agents__agents": {"agents": list(agents_), "errors": list(errors)}}
    if roles is not None:
        sections["iam__agent_roles"] = roles
    return run_probe(probe_id, snapshot(scope, **sections), {})


def test_multi_agent_collaboration(scope):
    sup = agent("sup", collab="SUPERVISOR", collaborators=[_collab("billing")])
    f = run("multi_agent_collaboration_defined", scope, sup, agent("billing"))
    assert f.value is True and "sup" in f.summary and "billing" in f.summary
    # collaborationInstruction is required by AssociateAgentCollaborator: its flag no longer decides
    nosay = agent("sup", collab="SUPERVISOR", collaborators=[{**_collab("billing"), "hasInstruction": False}])
    assert run("multi_agent_collaboration_defined", scope, nosay).value is True
    lonely = agent("sup", collab="SUPERVISOR", collaborators=[])
    assert run("multi_agent_collaboration_defined", scope, lonely).value is False
    assert run("multi_agent_collaboration_defined", scope, agent("a"), agent("b")).value is False
    unknown = agent("sup", collab="SUPERVISOR", collaborators=None)
    f = run(
        "multi_agent_collaboration_defined",
        scope,
        unknown,
        errors=[{"action": "bedrock:ListAgentCollaborators", "resource": "agent sup"}],
    )
    assert f.value is None and f.missing == ("bedrock:ListAgentCollaborators",)


P = "arn:aws:iam::1:policy/"


def test_agent_roles_distinct_scoped_to_the_team(scope):
    sup = agent("sup", collab="SUPERVISOR", collaborators=[_collab("billing")])
    team = [sup, agent("billing")]
    roles = _roles(("sup-role", [P + "route"], []), ("billing-role", [P + "billing"], []))
    f = run_team("agent_roles_distinct", scope, team, roles)
    assert f.value is True and "sup with billing" in f.summary
    # shared role inside the team
    shared = [sup, agent("billing", role="arn:aws:iam::1:role/sup-role")]
    f = run_team("agent_roles_distinct", scope, shared, _roles(("sup-role", [P + "route"], [])))
    assert f.value is False and "sup-role" in f.summary
    # distinct names, identical policies: no boundary
    same = _roles(("sup-role", [P + "broad"], []), ("billing-role", [P + "broad"], []))
    f = run_team("agent_roles_distinct", scope, team, same)
    assert f.value is False and "same policies" in f.summary
    # administrator-level role bounds nothing
    admin = _roles(
        ("sup-role", ["arn:aws:iam::aws:policy/AdministratorAccess"], []), ("billing-role", [P + "b"], [])
    )
    f = run_team("agent_roles_distinct", scope, team, admin)
    assert f.value is False and "administrator" in f.summary


def test_agent_roles_distinct_never_a_false_met(scope):
    # two unrelated agents with their own roles are not a multi-agent system (was met before)
    roles = _roles(("a-role", [P + "a"], []), ("b-role", [P + "b"], []))
    f = run_team("agent_roles_distinct", scope, [agent("a"), agent("b")], roles)
    assert f.value is False
    sup = agent("sup", collab="SUPERVISOR", collaborators=[_collab("billing")])
    team = [sup, agent("billing")]
    good = _roles(("sup-role", [P + "route"], []), ("billing-role", [P + "billing"], []))
    # the IAM section denied: unknown
    f = run_team("agent_roles_distinct", scope, team, None)
    assert f.value is None
    # a role's policies unreadable: unknown
    unread = _roles(("sup-role", [P + "route"], []), ("billing-role", [P + "billing"], []))
    unread["roles"][1].update(
        attached=None, inline=None, error="denied", error_action="iam:ListAttachedRolePolicies"
    )
    f = run_team("agent_roles_distinct", scope, team, unread)
    assert f.value is None and "iam:ListAttachedRolePolicies" in f.missing
    # the collaborator is not among the agents read: unknown
    f = run_team("agent_roles_distinct", scope, [sup], good)
    assert f.value is None
    # the collaborator's role unknown (GetAgent failed): unknown
    nodetail = {**agent("billing"), "roleArn": None, "detail": False}
    f = run_team("agent_roles_distinct", scope, [sup, nodetail], good)
    assert f.value is None


def test_confirmation_required_selectively(scope):
    assert run("confirmation_required_selectively", scope, agent()).value is True
    f = run("confirmation_required_selectively", scope, agent(functions=(("a", "ENABLED"), ("b", "ENABLED"))))
    assert f.value is False and "everywhere" in f.summary
    assert (
        run("confirmation_required_selectively", scope, agent(functions=(("a", "DISABLED"),))).value is False
    )
    assert run("confirmation_required_selectively", scope, agent(functions=())).value is False
    f = run(
        "confirmation_required_selectively",
        scope,
        agent(functions=None),
        errors=[{"action": "bedrock:ListAgentActionGroups", "resource": "agent bot"}],
    )
    assert f.value is None and f.missing == ("bedrock:ListAgentActionGroups",)


def test_return_control_is_not_confirmation(scope):
    """RETURN_CONTROL hands the call to the application (botocore customControl); no person reviews it."""
    f = run(
        "confirmation_required_selectively",
        scope,
        agent("a", functions=(("x", None),), return_control=True),
        agent("b", functions=(("y", None),)),
    )
    assert f.value is False and "return control to the application" in f.summary
    f = run(
        "mutating_actions_require_confirmation",
        scope,
        agent("a", functions=(("refund_order", "DISABLED"),), return_control=True),
    )
    assert f.value is False and "refund_order" in f.summary
    # a value other than ENABLED is not confirmation
    f = run("confirmation_required_selectively", scope, agent(functions=(("a", "true"), ("b", None))))
    assert f.value is False


def test_mutating_actions_require_confirmation(scope):
    assert run("mutating_actions_require_confirmation", scope, agent()).value is True
    f = run(
        "mutating_actions_require_confirmation",
        scope,
        agent(functions=(("get_ticket", "DISABLED"), ("refund_order", "DISABLED"))),
    )
    assert f.value is False and "refund_order" in f.summary
    f = run("mutating_actions_require_confirmation", scope, agent(functions=(("get_ticket", "DISABLED"),)))
    assert f.value is None and "attest" in f.summary


@pytest.mark.parametrize(
    "name,expected",
    [
        ("refund_order", True),
        ("createTicket", True),
        ("DELETE /orders/{id}", True),
        ("order_cancel", True),
        ("get_ticket", False),
        ("listOrders", False),
        ("GET /orders", False),
        ("get_update_status", False),
    ],
)
def test_looks_mutating(name, expected):
    assert looks_mutating(name) is expected


# -- knowledge bases, prompts, flows ----------------------------------------------------------------


INDEXED = {"numberOfDocumentsScanned": 10, "numberOfNewDocumentsIndexed": 10, "numberOfDocumentsFailed": 0}
ALL_FAILED = {"numberOfDocumentsScanned": 10, "numberOfNewDocumentsIndexed": 0, "numberOfDocumentsFailed": 10}


def kbs(scope, *ages, status="COMPLETE", sources=True, stats=INDEXED):
    jobs = [
        {
            "id": f"j{i}",
            "status": status,
            "startedAt": (scope.end - timedelta(days=d)).isoformat(),
            "statistics": stats,
        }
        for i, d in enumerate(ages)
    ]
    ds = [{"id": "ds", "name": "s3", "status": "AVAILABLE", "ingestion_jobs": jobs}] if sources else None
    return {
        "knowledge_bases": [
            {
                "id": "kb",
                "name": "support-docs",
                "status": "ACTIVE",
                "storage": {
                    "type": "OPENSEARCH_SERVERLESS",
                    "collectionArn": "arn:aws:aoss:us-east-1:1:collection/c1",
                },
                "data_sources": ds,
            }
        ],
        "errors": [] if sources else [{"action": "bedrock:ListDataSources", "resource": "knowledge base kb"}],
    }


def kb_run(scope, data, probe_id="knowledge_base_ingested", params=None):
    return run_probe(probe_id, snapshot(scope, agents__knowledge_bases=data), params or {})


def test_knowledge_base_ingested(scope):
    f = kb_run(scope, kbs(scope, 2))
    assert f.value is True and "10 documents indexed" in f.summary
    assert kb_run(scope, kbs(scope, 2, status="FAILED")).value is False
    assert kb_run(scope, {"knowledge_bases": [], "errors": []}).value is False
    f = kb_run(scope, kbs(scope, sources=False))
    assert f.value is None and f.missing == ("bedrock:ListDataSources",)


def test_knowledge_base_ingested_needs_indexed_documents(scope):
    """A COMPLETE sync whose every document failed was met before; the statistics decide now."""
    f = kb_run(scope, kbs(scope, 2, stats=ALL_FAILED))
    assert f.value is False and "all 10 scanned documents failed" in f.summary
    f = kb_run(scope, kbs(scope, 2, stats={"numberOfDocumentsScanned": 0}))
    assert f.value is False and "no document scanned" in f.summary
    f = kb_run(scope, kbs(scope, 2, stats=None))  # statistics not returned: unknown, never met
    assert f.value is None
    # unchanged documents (scanned, neither failed nor re-indexed) are already in the index
    unchanged = {
        "numberOfDocumentsScanned": 8,
        "numberOfNewDocumentsIndexed": 0,
        "numberOfDocumentsFailed": 1,
    }
    f = kb_run(scope, kbs(scope, 2, stats=unchanged))
    assert f.value is True and "7 of 8 scanned documents unchanged" in f.summary
    # the most recent indexing sync is named even when a later one failed everything
    data = kbs(scope, 1, 5)
    data["knowledge_bases"][0]["data_sources"][0]["ingestion_jobs"][0]["statistics"] = ALL_FAILED
    assert kb_run(scope, data).value is True


def test_knowledge_base_ingestion_recurring(scope):
    params = {"days": 30, "min_jobs": 2}
    f = run_probe(
        "knowledge_base_ingestion_recurring",
        snapshot(scope, agents__knowledge_bases=kbs(scope, 2, 9)),
        params,
    )
    assert f.value is True
    f = run_probe(
        "knowledge_base_ingestion_recurring",
        snapshot(scope, agents__knowledge_bases=kbs(scope, 2, 45)),
        params,
    )
    assert f.value is False and "support-docs: 1" in f.summary


PARN = "arn:aws:bedrock:us-east-1:1:prompt/p"


def prompts(*versions):
    return {
        "prompts": [{"id": "p", "name": "support-answer", "arn": PARN, "versions": v} for v in versions],
        "errors": [],
    }


def flow_with(*nodes, aliases=None):
    return {
        "flows": [
            {
                "id": "f",
                "name": "triage",
                "node_types": ["Input", "Prompt", "Output"] if nodes else ["Input", "Output"],
                "prompt_nodes": list(nodes),
                "versions": [],
                "aliases": aliases if aliases is not None else [],
            }
        ],
        "errors": [],
    }


RESOURCE = {"name": "answer", "source": "resource", "promptArn": PARN + ":2"}
INLINE = {"name": "answer", "source": "inline", "promptArn": None}
NO_TRAFFIC = {"period_seconds": 3600, "series": [], "queries": 0}
NO_LOGS = {"group": None, "records": [], "available": False}


def prompt_run(scope, probe_id, p, flows_=None, stats=NO_TRAFFIC, logs=NO_LOGS, params=None):
    sections = {"agents__prompts": p, "cloudwatch__metric_stats": stats, "logs__invocation_records": logs}
    if flows_ is not None:
        sections["agents__flows"] = flows_
    return run_probe(probe_id, snapshot(scope, **sections), params or {})


def test_prompts(scope):
    used = flow_with(RESOURCE)
    f = prompt_run(scope, "bedrock_prompts_managed", prompts([]), used)
    assert f.value is True and "flow triage node answer (version 2)" in f.summary
    assert prompt_run(scope, "bedrock_prompts_managed", prompts(), used).value is False
    assert prompt_run(scope, "prompt_versions_published", prompts(["1"]), used).value is True
    f = prompt_run(scope, "prompt_versions_published", prompts([]), used)
    assert f.value is False and "DRAFT" in f.summary
    assert prompt_run(scope, "prompt_versions_published", prompts(None), used).value is None


def test_managed_prompt_needs_a_use(scope):
    """One prompt made in the console was enough for L2.1 before; now a use must show."""
    f = prompt_run(scope, "bedrock_prompts_managed", prompts([]), flow_with())
    assert f.value is None and "attest" in f.summary
    f = prompt_run(scope, "bedrock_prompts_managed", prompts([]), flow_with(INLINE))
    assert f.value is None
    # the flows could not be read: still unknown, never met
    f = prompt_run(scope, "bedrock_prompts_managed", prompts([]), None)
    assert f.value is None and "bedrock:ListFlows" in f.missing
    # invoked by prompt ARN as modelId (metrics or invocation log)
    stats = {
        "period_seconds": 3600,
        "queries": 1,
        "series": [
            {
                "namespace": "AWS/Bedrock",
                "metric": "Invocations",
                "dimensions": {"ModelId": PARN + ":1"},
                "stat": "Sum",
                "value": 40.0,
            }
        ],
    }
    f = prompt_run(scope, "bedrock_prompts_managed", prompts([]), flow_with(), stats=stats)
    assert f.value is True and "40 invocations by prompt ARN (version 1)" in f.summary
    logs = {"group": "g", "available": True, "records": [{"modelId": PARN, "operation": "Converse"}]}
    f = prompt_run(scope, "bedrock_prompts_managed", prompts([]), flow_with(), logs=logs)
    assert f.value is True and "(DRAFT)" in f.summary


def test_prompt_versions_referenced(scope):
    ref = {"referenced": True}
    f = prompt_run(scope, "prompt_versions_published", prompts(["1", "2"]), flow_with(RESOURCE), params=ref)
    assert f.value is True and "support-answer version 2" in f.summary
    # published, but only the DRAFT is rendered: unknown (the application might call a version), never met
    draft = {**RESOURCE, "promptArn": PARN}
    f = prompt_run(scope, "prompt_versions_published", prompts(["1"]), flow_with(draft), params=ref)
    assert f.value is None and "DRAFT is used" in f.summary
    f = prompt_run(scope, "prompt_versions_published", prompts(["1"]), None, params=ref)
    assert f.value is None
    assert (
        prompt_run(scope, "prompt_versions_published", prompts([]), flow_with(RESOURCE), params=ref).value
        is False
    )
    # without `referenced` a published version is accepted, and the evidence says no use was seen
    f = prompt_run(scope, "prompt_versions_published", prompts(["1"]), flow_with())
    assert f.value is True and "nothing read here shows" in f.summary


def test_flow_prompt_nodes_inline_do_not_count(scope):
    def fl(data, params=None):
        return run_probe("flows_use_prompt_nodes", snapshot(scope, agents__flows=data), params or {})

    assert fl(flow_with(RESOURCE)).value is True
    f = fl(flow_with(INLINE))
    assert f.value is False and "inline" in f.summary
    assert fl(flow_with(INLINE), {"managed_only": False}).value is True
    unread = flow_with(RESOURCE)
    unread["flows"][0]["prompt_nodes"] = None
    assert fl(unread).value is None


def test_flow_aliases_pinned(scope):
    def fa(data, params=None):
        return run_probe("flow_aliases_pinned", snapshot(scope, agents__flows=data), params or {})

    test = {"id": "TSTALIASID", "name": "test", "versions": ["DRAFT"]}
    prod = {"id": "A1", "name": "prod", "versions": ["3"]}
    beta = {"id": "A2", "name": "beta", "versions": ["DRAFT"]}
    f = fa(flow_with(aliases=[test, prod]))
    assert f.value is True and "triage/prod -> v3" in f.summary
    assert fa(flow_with(aliases=[test])).value is False
    assert fa(flow_with(aliases=[test, prod, beta])).value is False
    assert fa(flow_with(aliases=[test, prod, beta]), {"any_alias": True}).value is True
    unread = flow_with()
    unread["flows"][0]["aliases"] = None
    assert fa(unread, {"any_alias": True}).value is None
    assert fa({"flows": [], "errors": []}).value is False


def flows(*node_types):
    return {
        "flows": [{"id": "f", "name": f"flow{i}", "node_types": t} for i, t in enumerate(node_types)],
        "errors": [],
    }


def test_flows(scope):
    both = flows(["Input", "Prompt", "Condition", "Output"])
    for probe_id in ("flows_present", "flows_use_condition_nodes"):
        assert run_probe(probe_id, snapshot(scope, agents__flows=both), {}).value is True
    plain = flows(["Input", "LambdaFunction", "Output"])
    assert run_probe("flows_use_prompt_nodes", snapshot(scope, agents__flows=plain), {}).value is False
    f = run_probe("flows_use_condition_nodes", snapshot(scope, agents__flows=plain), {})
    assert f.value is None and "attest" in f.summary  # absence is not evidence here
    assert run_probe("flows_present", snapshot(scope, agents__flows=flows()), {}).value is False
    assert run_probe("flows_use_prompt_nodes", snapshot(scope, agents__flows=flows(None)), {}).value is None
    # a Prompt node type is not enough: the node must render a managed prompt
    assert run_probe("flows_use_prompt_nodes", snapshot(scope, agents__flows=both), {}).value is None
    assert (
        run_probe(
            "flows_use_prompt_nodes", snapshot(scope, agents__flows=both), {"managed_only": False}
        ).value
        is True
    )
