"""Probes over IAM agent roles, Organizations, SageMaker and OpenSearch Serverless."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence import Evidence
from llmops_audit.probes.base import Verdict, met, names, not_met, plural, probe

ENV = re.compile(r"\b(dev|development|test|qa|uat|stag(e|ing)|prod|production)\b", re.I)


@probe("agent_roles_least_privilege", "iam.agent_roles")
def agent_roles_least_privilege(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every agent role has a permissions boundary or no administrator-level policy."""
    roles = ev.get("iam.agent_roles")["roles"]
    if not roles:
        return not_met("No agent execution roles were found (no agents).")
    bad = [f"{r['name']} ({', '.join(r['admin_policies'])})" for r in roles if r["admin_policies"] and not r["boundary"]]
    if bad:
        return not_met(f"Agent role {names(bad)} has administrator access and no permissions boundary.")
    return met(f"All {plural(len(roles), 'agent role')} are bounded or free of admin policies: "
               f"{names([r['name'] + (' (boundary)' if r['boundary'] else '') for r in roles])}.")


@probe("aiservices_opt_out_policy_present", "organizations.policies")
def aiservices_opt_out_policy_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An Organizations AI-services opt-out policy exists."""
    data = ev.get("organizations.policies")
    if not data["in_organization"]:
        return not_met("The account is not in an AWS Organization, so no AI-services opt-out policy applies.")
    if data["policies"]:
        return met(f"AI-services opt-out policy {names(data['policies'])} is in force.")
    return not_met("The organization has no AI-services opt-out policy.")


@probe("environment_accounts_present", "organizations.accounts")
def environment_accounts_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Organization accounts are named per environment (at least two)."""
    data = ev.get("organizations.accounts")
    if not data["in_organization"]:
        return not_met("The account is not in an AWS Organization, so no per-environment accounts are visible.")
    envs = sorted({m.group(1).lower()[:4] for a in data["accounts"] if (m := ENV.search(a))})
    if len(envs) >= 2:
        return met(f"Organization accounts cover environments {', '.join(envs)}.")
    return not_met(f"Organization accounts show {plural(len(envs), 'environment')}; separation needs two.")


@probe("sagemaker_notebooks_present", "sagemaker.notebooks")
def sagemaker_notebooks_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """SageMaker notebook instances or Studio domains exist."""
    data = ev.get("sagemaker.notebooks")
    found = data["notebooks"] + data["domains"]
    if found:
        return met(f"SageMaker notebooks or domains exist: {names(found)}.")
    return not_met("No SageMaker notebook instance or Studio domain exists.")


@probe("a2i_flow_definitions_present", "sagemaker.flow_definitions")
def a2i_flow_definitions_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An Amazon A2I flow definition sends outputs to human review on conditions."""
    flows = ev.get("sagemaker.flow_definitions")["flow_definitions"]
    cond = [f["name"] for f in flows if f["conditional"]]
    if cond:
        return met(f"A2I flow definition {names(cond)} activates human review on conditions.")
    return not_met(f"No A2I flow definition activates human review on conditions ({plural(len(flows), 'flow definition')}).")


@probe("vector_collections_present", "aoss.collections")
def vector_collections_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An OpenSearch Serverless vector-search collection exists."""
    found = [c["name"] for c in ev.get("aoss.collections")["collections"] if c["type"] == "VECTORSEARCH"]
    if found:
        return met(f"Vector-search collection {names(found)} exists.")
    return not_met("No OpenSearch Serverless vector-search collection exists.")
