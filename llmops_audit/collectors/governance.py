"""Governance evidence: agent IAM roles, Organizations policies and accounts, SageMaker notebooks and A2I,
OpenSearch Serverless vector collections."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def _doc(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(unquote(raw or "{}"))
    except ValueError:
        return {}


def _is_admin(doc: dict[str, Any]) -> bool:
    statements = doc.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        actions = st.get("Action", [])
        resources = st.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if st.get("Effect") == "Allow" and any(a in ("*", "*:*") for a in actions) and "*" in resources:
            return True
    return False


def agent_roles(ctx: CollectContext) -> dict[str, Any]:
    roles = sorted({a["roleArn"] for a in ctx.section("agents.agents")["agents"] if a.get("roleArn")})
    out = []
    for arn in roles[:50]:
        name = arn.split("/")[-1]
        role = ctx.aws.call("iam", "get_role", RoleName=name)["Role"]
        attached = [p for page in ctx.aws.paginate("iam", "list_attached_role_policies", RoleName=name,
                                                   token_in="Marker", token_out="Marker", max_pages=3)
                    for p in page.get("AttachedPolicies", [])]
        admin = [p["PolicyName"] for p in attached if p["PolicyName"] == "AdministratorAccess"]
        for p in attached:
            if p["PolicyArn"].startswith("arn:aws:iam::aws:"):
                continue
            meta = ctx.aws.call("iam", "get_policy", PolicyArn=p["PolicyArn"])["Policy"]
            ver = ctx.aws.call("iam", "get_policy_version", PolicyArn=p["PolicyArn"],
                               VersionId=meta["DefaultVersionId"])["PolicyVersion"]
            if _is_admin(_doc(ver.get("Document"))):
                admin.append(p["PolicyName"])
        inline = ctx.aws.call("iam", "list_role_policies", RoleName=name).get("PolicyNames", [])
        for pname in inline:
            doc = ctx.aws.call("iam", "get_role_policy", RoleName=name, PolicyName=pname).get("PolicyDocument")
            if _is_admin(_doc(doc)):
                admin.append(pname)
        out.append({"name": name, "arn": arn, "boundary": (role.get("PermissionsBoundary") or {}).get(
            "PermissionsBoundaryArn"), "admin_policies": sorted(set(admin)),
            "policies": [p["PolicyName"] for p in attached] + inline})
    return {"roles": out}


def _org(ctx: CollectContext, op: str, key: str, **params: Any) -> list[dict[str, Any]] | None:
    try:
        return [x for page in ctx.aws.paginate("organizations", op, max_pages=5, **params) for x in page.get(key, [])]
    except AwsCallError as exc:
        if exc.code == "AWSOrganizationsNotInUseException":
            return None
        raise


def org_policies(ctx: CollectContext) -> dict[str, Any]:
    found = _org(ctx, "list_policies", "Policies", Filter="AISERVICES_OPT_OUT_POLICY")
    return {"in_organization": found is not None, "policies": [p["Name"] for p in found or []]}


def org_accounts(ctx: CollectContext) -> dict[str, Any]:
    found = _org(ctx, "list_accounts", "Accounts")
    return {"in_organization": found is not None, "accounts": [a.get("Name", "") for a in found or []]}


def notebooks(ctx: CollectContext) -> dict[str, Any]:
    nbs = [n["NotebookInstanceName"] for page in ctx.aws.paginate("sagemaker", "list_notebook_instances", max_pages=3)
           for n in page.get("NotebookInstances", [])]
    domains = [d.get("DomainName") for page in ctx.aws.paginate("sagemaker", "list_domains", max_pages=3)
               for d in page.get("Domains", [])]
    return {"notebooks": nbs, "domains": domains}


def flow_definitions(ctx: CollectContext) -> dict[str, Any]:
    found = [f for page in ctx.aws.paginate("sagemaker", "list_flow_definitions", max_pages=3)
             for f in page.get("FlowDefinitionSummaries", [])]
    out = []
    for f in found[:20]:
        d = ctx.aws.call("sagemaker", "describe_flow_definition", FlowDefinitionName=f["FlowDefinitionName"])
        conditions = ((d.get("HumanLoopActivationConfig") or {}).get("HumanLoopActivationConditionsConfig") or {})
        out.append({"name": f["FlowDefinitionName"], "arn": f.get("FlowDefinitionArn"),
                    "conditional": bool(conditions.get("HumanLoopActivationConditions"))})
    return {"flow_definitions": out}


def human_loops(ctx: CollectContext) -> dict[str, Any]:
    flows = ctx.section("sagemaker.flow_definitions")["flow_definitions"]
    if not flows:
        return {"human_loops": None, "flow_definitions": 0}
    count = 0
    for f in flows[:10]:
        for page in ctx.aws.paginate("sagemaker-a2i-runtime", "list_human_loops", FlowDefinitionArn=f["arn"],
                                     CreationTimeAfter=ctx.scope.start, CreationTimeBefore=ctx.scope.end, max_pages=10):
            count += len(page.get("HumanLoopSummaries", []))
    return {"human_loops": count, "flow_definitions": len(flows)}


def collections(ctx: CollectContext) -> dict[str, Any]:
    found = [c for page in ctx.aws.paginate("opensearchserverless", "list_collections", max_pages=3)
             for c in page.get("collectionSummaries", [])]
    detail = []
    if found:
        detail = ctx.aws.call("opensearchserverless", "batch_get_collection",
                              ids=[c["id"] for c in found[:100]]).get("collectionDetails", [])
    return {"collections": [{"name": c.get("name"), "type": c.get("type")} for c in detail]}


SECTIONS = {
    "iam.agent_roles": agent_roles,
    "organizations.policies": org_policies,
    "organizations.accounts": org_accounts,
    "sagemaker.notebooks": notebooks,
    "sagemaker.flow_definitions": flow_definitions,
    "sagemaker.human_loops": human_loops,
    "aoss.collections": collections,
}
