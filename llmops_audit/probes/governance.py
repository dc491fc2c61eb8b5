"""Probes over IAM agent roles, Organizations, SageMaker and OpenSearch Serverless
(sections documented in collectors/governance.py)."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.shapes import (
    AgentRole,
    PolicyStatement,
)
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import (
    ENVIRONMENTS,
    Verdict,
    cannot_tell,
    met,
    names,
    not_met,
    plural,
    probe,
)
from llmops_audit.probes.params import Param

# Environment words inside account names ("llm-dev", "workload_prod", "Staging"); letters may not touch them.
_ENV = re.compile(
    r"(?<![a-z])(" + "|".join(sorted(ENVIRONMENTS, key=len, reverse=True)) + r")(?![a-z])", re.I
)


def environments_in(names_: list[str]) -> dict[str, list[str]]:
    """{environment: [names that mention it]} for dev, test, stage and prod."""
    out: dict[str, list[str]] = {}
    for n in names_:
        for m in _ENV.finditer(n or ""):
            out.setdefault(ENVIRONMENTS[m.group(1).lower()], []).append(n)
    return out


# Managed policies that are administrator-level by name (AWS managed documents are not read).
ADMIN_MANAGED = {"AdministratorAccess"}


def is_admin(statements: list[PolicyStatement]) -> bool:
    """True when a statement allows every action ("*" or "*:*") on every resource ("*")."""
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        if any(a in ("*", "*:*") for a in st.get("Action") or []) and "*" in (st.get("Resource") or []):
            return True
    return False


def admin_policies(role: AgentRole) -> list[str] | None:
    """The role's administrator-level policies (attached or inline), sorted; None when they are unknown."""
    attached, inline = role.get("attached"), role.get("inline")
    if attached is None or inline is None:
        return None
    admin = [p["name"] for p in attached if p["name"] in ADMIN_MANAGED or is_admin(p.get("statements") or [])]
    admin += [p["name"] for p in inline if is_admin(p.get("statements") or [])]
    return sorted(set(admin))


@probe("agent_roles_least_privilege", "iam.agent_roles")
def agent_roles_least_privilege(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every agent role has a permissions boundary or no administrator-level policy."""
    data = ev.get("iam.agent_roles")
    roles = data["roles"]
    without = data.get("agents_without_role") or []
    if not roles and not without:
        return not_met("No Bedrock agent execution role was found to check (the account has no agents).")
    admin = [admin_policies(r) for r in roles]
    bad = [
        f"{r['name']} ({', '.join(a)})"
        for r, a in zip(roles, admin, strict=True)
        if a and not r.get("boundary")
    ]
    if bad:
        return not_met(
            f"Agent role {names(bad)} has administrator access and no permissions boundary.",
            *[
                f"Used by agent {names(r.get('agents') or [])}: {r['name']}."
                for r, a in zip(roles, admin, strict=True)
                if a and not r.get("boundary") and r.get("agents")
            ],
        )
    unknown = [r["name"] for r, a in zip(roles, admin, strict=True) if a is None and not r.get("boundary")]
    if unknown or without:
        parts = []
        if unknown:
            parts.append(f"the policies of role {names(unknown)} could not be read")
        if without:
            parts.append(f"the role of agent {names(without)} is unknown")
        errs = [r["error"] for r in roles if r.get("error")]
        return cannot_tell(
            f"No checked agent role is administrator-level, but {' and '.join(parts)}.",
            *errs,
            missing=tuple(sorted({r["error_action"] for r in roles if r.get("error_action")})),
        )
    labels = [r["name"] + (" (permissions boundary)" if r.get("boundary") else "") for r in roles]
    return met(
        f"{plural(len(roles), 'agent role')} checked and none is administrator-level without a permissions "
        f"boundary: {names(labels)}."
    )


@probe("aiservices_opt_out_policy_present", "organizations.policies")
def aiservices_opt_out_policy_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An Organizations AI-services opt-out policy exists and is attached."""
    data = ev.get("organizations.policies")
    if not data["in_organization"]:
        return not_met("The account is not in an AWS Organization, so no AI-services opt-out policy applies.")
    policies = data["policies"]
    if not policies:
        return not_met("The organization has no AI-services opt-out policy (AISERVICES_OPT_OUT_POLICY).")
    targets = data.get("targets") or {}
    attached = [p for p in policies if targets.get(p, 1)]  # no targets recorded: count the policy as in force
    unknown = [p for p in policies if p in targets and targets[p] is None]
    if attached:
        labels = [p + (f" ({plural(targets[p], 'target')})" if p in targets else "") for p in attached]
        return met(f"AI-services opt-out policy {names(labels)} is attached in the organization.")
    if unknown:
        return cannot_tell(
            f"AI-services opt-out policy {names(unknown)} exists, but its attachments could not be read.",
            *(data.get("errors") or []),
            missing=("organizations:ListTargetsForPolicy",),
        )
    return not_met(
        f"AI-services opt-out policy {names(policies)} exists but is attached to no root, OU or account."
    )


@probe(
    "environment_accounts_present",
    "organizations.accounts",
    params={
        "min_environments": Param(int, default=2, min=1, help="environments (dev, test, stage, prod) needed")
    },
)
def environment_accounts_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Organization accounts are named per environment (at least two of dev, test, stage, prod)."""
    data = ev.get("organizations.accounts")
    if not data["in_organization"]:
        return not_met(
            "The account is not in an AWS Organization, so no per-environment accounts are visible."
        )
    need = int(params.get("min_environments", 2))
    envs = environments_in(data["accounts"])
    shown = [f"{e} ({names(envs[e], 2)})" for e in sorted(envs)]
    if len(envs) >= need:
        return met(
            f"Organization account names cover {plural(len(envs), 'environment')}: {', '.join(shown)}."
        )
    return not_met(
        f"The organization's {plural(len(data['accounts']), 'account')} name "
        f"{plural(len(envs), 'environment')}{': ' + ', '.join(shown) if shown else ''}; "
        f"separation needs at least {need}."
    )


@probe("sagemaker_notebooks_present", "sagemaker.notebooks")
def sagemaker_notebooks_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """SageMaker notebook instances or Studio domains exist."""
    data = ev.get("sagemaker.notebooks")
    nbs, domains = data.get("notebooks") or [], data.get("domains") or []
    if nbs or domains:
        parts = []
        if nbs:
            parts.append(f"notebook instance {names(nbs)}")
        if domains:
            parts.append(f"Studio domain {names(domains)}")
        return met(f"SageMaker {' and '.join(parts)} exist{'s' if len(nbs) + len(domains) == 1 else ''}.")
    return not_met("No SageMaker notebook instance or Studio domain exists.")


@probe("a2i_flow_definitions_present", "sagemaker.flow_definitions")
def a2i_flow_definitions_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An Amazon A2I flow definition sends outputs to human review on conditions."""
    data = ev.get("sagemaker.flow_definitions")
    flows = data["flow_definitions"]
    cond = [f["name"] for f in flows if f.get("conditional")]
    if cond:
        return met(f"A2I flow definition {names(cond)} activates human review on conditions.")
    unknown = [f["name"] for f in flows if f.get("conditional") is None]
    if unknown:
        return cannot_tell(
            f"A2I flow definition {names(unknown)} could not be described, so its activation "
            f"conditions are unknown.",
            *(data.get("errors") or []),
            missing=("sagemaker:DescribeFlowDefinition",),
        )
    if flows:
        return not_met(
            f"{plural(len(flows), 'A2I flow definition')} ({names([f['name'] for f in flows])}) "
            f"{'has' if len(flows) == 1 else 'have'} no human-loop activation conditions."
        )
    return not_met("No Amazon A2I flow definition exists.")


@probe("vector_collections_present", "aoss.collections")
def vector_collections_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An OpenSearch Serverless vector-search collection exists."""
    data = ev.get("aoss.collections")
    cols = data["collections"]
    found = [c["name"] for c in cols if c.get("type") == "VECTORSEARCH"]
    if found:
        return met(f"OpenSearch Serverless vector-search collection {names(found)} exists.")
    unknown = [c["name"] for c in cols if c.get("type") is None]
    if unknown:
        return cannot_tell(
            f"OpenSearch Serverless collection {names(unknown)} exists but its type could not be read.",
            *(data.get("errors") or []),
            missing=("aoss:BatchGetCollection",),
        )
    if cols:
        return not_met(
            f"No OpenSearch Serverless collection is of type VECTORSEARCH "
            f"({names([str(c['name']) + ' (' + str(c.get('type')) + ')' for c in cols])})."
        )
    return not_met("No OpenSearch Serverless collection exists.")
