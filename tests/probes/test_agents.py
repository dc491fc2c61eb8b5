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


def test_multi_agent_collaboration(scope):
    sup = agent("sup", collab="SUPERVISOR", collaborators=[{"name": "billing", "hasInstruction": True}])
    f = run("multi_agent_collaboration_defined", scope, sup, agent("billing"))
    assert f.value is True and "sup" in f.summary and "billing" in f.summary
    bare = agent("sup", collab="SUPERVISOR", collaborators=[{"name": "billing", "hasInstruction": False}])
    assert run("multi_agent_collaboration_defined", scope, bare).value is False
    assert run("multi_agent_collaboration_defined", scope, agent("a"), agent("b")).value is False
    unknown = agent("sup", collab="SUPERVISOR", collaborators=None)
    f = run(
        "multi_agent_collaboration_defined",
        scope,
        unknown,
        errors=[{"action": "bedrock:ListAgentCollaborators", "resource": "agent sup"}],
    )
    assert f.value is None and f.missing == ("bedrock:ListAgentCollaborators",)


def test_agent_roles_distinct(scope):
    assert run("agent_roles_distinct", scope, agent("a"), agent("b")).value is True
    f = run(
        "agent_roles_distinct",
        scope,
        agent("a", role="arn:aws:iam::1:role/shared"),
        agent("b", role="arn:aws:iam::1:role/shared"),
    )
    assert f.value is False and "shared" in f.summary
    f = run("agent_roles_distinct", scope, agent("a"))
    assert f.value is False and "1 agent" in f.summary


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


def kbs(scope, *ages, status="COMPLETE", sources=True):
    jobs = [
        {"id": f"j{i}", "status": status, "startedAt": (scope.end - timedelta(days=d)).isoformat()}
        for i, d in enumerate(ages)
    ]
    ds = [{"id": "ds", "name": "s3", "status": "AVAILABLE", "ingestion_jobs": jobs}] if sources else None
    return {
        "knowledge_bases": [{"id": "kb", "name": "support-docs", "status": "ACTIVE", "data_sources": ds}],
        "errors": [] if sources else [{"action": "bedrock:ListDataSources", "resource": "knowledge base kb"}],
    }


def test_knowledge_base_ingested(scope):
    assert run_probe(
        "knowledge_base_ingested", snapshot(scope, agents__knowledge_bases=kbs(scope, 2)), {}
    ).value
    f = run_probe(
        "knowledge_base_ingested", snapshot(scope, agents__knowledge_bases=kbs(scope, 2, status="FAILED")), {}
    )
    assert f.value is False
    f = run_probe(
        "knowledge_base_ingested",
        snapshot(scope, agents__knowledge_bases={"knowledge_bases": [], "errors": []}),
        {},
    )
    assert f.value is False
    f = run_probe(
        "knowledge_base_ingested", snapshot(scope, agents__knowledge_bases=kbs(scope, sources=False)), {}
    )
    assert f.value is None and f.missing == ("bedrock:ListDataSources",)


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


def prompts(*versions):
    return {"prompts": [{"id": "p", "name": "support-answer", "versions": v} for v in versions], "errors": []}


def test_prompts(scope):
    assert (
        run_probe("bedrock_prompts_managed", snapshot(scope, agents__prompts=prompts([])), {}).value is True
    )
    assert run_probe("bedrock_prompts_managed", snapshot(scope, agents__prompts=prompts()), {}).value is False
    assert (
        run_probe("prompt_versions_published", snapshot(scope, agents__prompts=prompts(["1"])), {}).value
        is True
    )
    f = run_probe("prompt_versions_published", snapshot(scope, agents__prompts=prompts([])), {})
    assert f.value is False and "DRAFT" in f.summary
    assert (
        run_probe("prompt_versions_published", snapshot(scope, agents__prompts=prompts(None)), {}).value
        is None
    )


def flows(*node_types):
    return {
        "flows": [{"id": "f", "name": f"flow{i}", "node_types": t} for i, t in enumerate(node_types)],
        "errors": [],
    }


def test_flows(scope):
    both = flows(["Input", "Prompt", "Condition", "Output"])
    for probe_id in ("flows_present", "flows_use_prompt_nodes", "flows_use_condition_nodes"):
        assert run_probe(probe_id, snapshot(scope, agents__flows=both), {}).value is True
    plain = flows(["Input", "LambdaFunction", "Output"])
    assert run_probe("flows_use_prompt_nodes", snapshot(scope, agents__flows=plain), {}).value is False
    f = run_probe("flows_use_condition_nodes", snapshot(scope, agents__flows=plain), {})
    assert f.value is None and "attest" in f.summary  # absence is not evidence here
    assert run_probe("flows_present", snapshot(scope, agents__flows=flows()), {}).value is False
    assert run_probe("flows_use_prompt_nodes", snapshot(scope, agents__flows=flows(None)), {}).value is None
