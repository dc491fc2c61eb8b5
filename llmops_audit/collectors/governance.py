"""Governance evidence: agent IAM roles, Organizations policies and accounts, SageMaker notebooks and A2I,
OpenSearch Serverless vector collections.

Sub-calls per resource that fail are recorded in the section's "errors" list as text naming the IAM action
and leave that resource's field None (unknown, never "none"). Of a policy document only its statements'
Effect, Action, NotAction, Resource and NotResource are kept (no Condition, Sid or Principal); whether a
policy is administrator-level is decided by the probe (probes/governance.py).

iam.agent_roles   (reads agents.agents)
    {"roles": [{"name", "arn", "agents": [agent names], "boundary": permissions-boundary ARN | None,
                "attached": [{"name", "arn", "statements": [statement] | None (AWS managed: not read)}] | None,
                "inline": [{"name", "statements": [statement]}] | None,
                "error": str | None, "error_action": IAM action of the failed call | None}],
     "agents_without_role": [agent names whose role ARN is unknown (get_agent failed)],
     "errors": [str]}
    statement: {"Effect", "Action": [...], "Resource": [...], "NotAction": [...]?, "NotResource": [...]?}

organizations.policies
    {"in_organization": bool, "policies": [names of AISERVICES_OPT_OUT_POLICY policies],
     "targets": {policy name: number of roots/OUs/accounts it is attached to | None (unknown)},
     "errors": [str]}
organizations.accounts
    {"in_organization": bool, "accounts": [account names]}
    Not being in an organization (AWSOrganizationsNotInUseException from describe_organization) is an answer,
    not an error.

sagemaker.notebooks        {"notebooks": [notebook instance names], "domains": [Studio domain names]}
sagemaker.flow_definitions {"flow_definitions": [{"name", "arn", "status", "conditional": bool | None
                            (HumanLoopActivationConditions set; None when describe failed)}], "errors": [str]}
sagemaker.human_loops      {"human_loops": int | None (created in the period, over the flow definitions read),
                            "flow_definitions": int, "errors": [str]}
aoss.collections           {"collections": [{"name", "id", "status", "type": "VECTORSEARCH"|"SEARCH"|
                            "TIMESERIES"|None (None: batch_get_collection failed)}], "errors": [str]}
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from llmops_audit.aws.access import AwsCallError
from llmops_audit.evidence.shapes import (
    AgentRole,
    AgentRoles,
    AttachedPolicy,
    Collections,
    FlowDefinition,
    FlowDefinitions,
    HumanLoops,
    InlinePolicy,
    Notebooks,
    OrgAccounts,
    OrgPolicies,
    PolicyStatement,
)

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_ROLES = 50
MAX_FLOWS = 20
AWS_MANAGED = ("arn:aws:iam::aws:", "arn:aws-cn:iam::aws:", "arn:aws-us-gov:iam::aws:")


def _doc(raw: Any) -> dict[str, Any]:
    """A policy document as a dict (IAM returns it URL-encoded JSON, boto3 usually decodes it)."""
    if isinstance(raw, dict):
        return raw
    try:
        doc = json.loads(unquote(raw or "{}"))
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _listify(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | dict) else list(value or [])


def statements(raw: Any) -> list[PolicyStatement]:
    """A policy document's statements, reduced to the keys that grant access, each value a list."""
    out: list[PolicyStatement] = []
    for st in _listify(_doc(raw).get("Statement")):
        if not isinstance(st, dict):
            continue
        kept: PolicyStatement = {
            "Effect": st.get("Effect"),
            "Action": _listify(st.get("Action")),
            "Resource": _listify(st.get("Resource")),
        }
        if "NotAction" in st:
            kept["NotAction"] = _listify(st["NotAction"])
        if "NotResource" in st:
            kept["NotResource"] = _listify(st["NotResource"])
        out.append(kept)
    return out


def _role_detail(ctx: CollectContext, name: str) -> dict[str, Any]:
    role = ctx.aws.call("iam", "get_role", RoleName=name)["Role"]
    listed = ctx.aws.items(
        "iam",
        "list_attached_role_policies",
        "AttachedPolicies",
        RoleName=name,
        token_in="Marker",
        token_out="Marker",
        max_pages=5,
    )
    attached: list[AttachedPolicy] = []
    for p in listed:
        entry: AttachedPolicy = {"name": p["PolicyName"], "arn": p["PolicyArn"], "statements": None}
        if not p["PolicyArn"].startswith(AWS_MANAGED):  # AWS managed: known by name, not read
            meta = ctx.aws.call("iam", "get_policy", PolicyArn=p["PolicyArn"])["Policy"]
            ver = ctx.aws.call(
                "iam", "get_policy_version", PolicyArn=p["PolicyArn"], VersionId=meta["DefaultVersionId"]
            )["PolicyVersion"]
            entry["statements"] = statements(ver.get("Document"))
        attached.append(entry)
    names = ctx.aws.items(
        "iam",
        "list_role_policies",
        "PolicyNames",
        RoleName=name,
        token_in="Marker",
        token_out="Marker",
        max_pages=5,
    )
    inline: list[InlinePolicy] = []
    for pname in names:
        doc = ctx.aws.call("iam", "get_role_policy", RoleName=name, PolicyName=pname).get("PolicyDocument")
        inline.append({"name": pname, "statements": statements(doc)})
    return {
        "boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "attached": attached,
        "inline": inline,
    }


def agent_roles(ctx: CollectContext) -> AgentRoles:
    agents = ctx.section("agents.agents") or {}
    by_role: dict[str, list[str]] = {}
    without: list[str] = []
    for a in agents.get("agents") or []:
        label = a.get("name") or a.get("id") or "?"
        if a.get("roleArn"):
            by_role.setdefault(a["roleArn"], []).append(label)
        else:
            without.append(label)
    out: list[AgentRole] = []
    errors: list[str] = []
    for arn in sorted(by_role)[:MAX_ROLES]:
        name = arn.split("/")[-1]
        entry: AgentRole = {
            "name": name,
            "arn": arn,
            "agents": by_role[arn],
            "boundary": None,
            "attached": None,
            "inline": None,
            "error": None,
            "error_action": None,
        }
        try:
            detail = _role_detail(ctx, name)
            entry["boundary"], entry["attached"], entry["inline"] = (
                detail["boundary"],
                detail["attached"],
                detail["inline"],
            )
        except AwsCallError as exc:
            entry["error"], entry["error_action"] = exc.describe(), exc.action
            errors.append(f"{exc.describe()} for role {name}")
        out.append(entry)
    return {"roles": out, "agents_without_role": without, "errors": errors}


def _in_organization(ctx: CollectContext) -> bool:
    try:
        ctx.aws.call("organizations", "describe_organization")
    except AwsCallError as exc:
        if exc.code == "AWSOrganizationsNotInUseException":
            return False
        raise
    return True


def org_policies(ctx: CollectContext) -> OrgPolicies:
    if not _in_organization(ctx):
        return {"in_organization": False, "policies": [], "targets": {}, "errors": []}
    found = ctx.aws.items(
        "organizations", "list_policies", "Policies", Filter="AISERVICES_OPT_OUT_POLICY", max_pages=5
    )
    targets: dict[str, int | None] = {}
    errors: list[str] = []
    for p in found[:20]:
        try:
            targets[p["Name"]] = len(
                ctx.aws.items(
                    "organizations", "list_targets_for_policy", "Targets", PolicyId=p["Id"], max_pages=5
                )
            )
        except AwsCallError as exc:
            targets[p["Name"]] = None
            errors.append(f"{exc.describe()} for policy {p['Name']}")
    return {
        "in_organization": True,
        "policies": [p["Name"] for p in found],
        "targets": targets,
        "errors": errors,
    }


def org_accounts(ctx: CollectContext) -> OrgAccounts:
    if not _in_organization(ctx):
        return {"in_organization": False, "accounts": []}
    found = ctx.aws.items("organizations", "list_accounts", "Accounts", max_pages=10)
    return {"in_organization": True, "accounts": [a.get("Name", "") for a in found]}


def notebooks(ctx: CollectContext) -> Notebooks:
    nbs = [
        n["NotebookInstanceName"]
        for n in ctx.aws.items("sagemaker", "list_notebook_instances", "NotebookInstances", max_pages=5)
    ]
    domains = [
        d.get("DomainName") or d.get("DomainId")
        for d in ctx.aws.items("sagemaker", "list_domains", "Domains", max_pages=5)
    ]
    return {"notebooks": nbs, "domains": domains}


def flow_definitions(ctx: CollectContext) -> FlowDefinitions:
    found = ctx.aws.items("sagemaker", "list_flow_definitions", "FlowDefinitionSummaries", max_pages=5)
    out: list[FlowDefinition] = []
    errors: list[str] = []
    for f in found[:MAX_FLOWS]:
        entry: FlowDefinition = {
            "name": f["FlowDefinitionName"],
            "arn": f.get("FlowDefinitionArn"),
            "status": f.get("FlowDefinitionStatus"),
            "conditional": None,
        }
        try:
            d = ctx.aws.call(
                "sagemaker", "describe_flow_definition", FlowDefinitionName=f["FlowDefinitionName"]
            )
            cond = (d.get("HumanLoopActivationConfig") or {}).get("HumanLoopActivationConditionsConfig") or {}
            entry["conditional"] = bool(cond.get("HumanLoopActivationConditions"))
        except AwsCallError as exc:
            errors.append(f"{exc.describe()} for flow definition {f['FlowDefinitionName']}")
        out.append(entry)
    return {"flow_definitions": out, "errors": errors}


def human_loops(ctx: CollectContext) -> HumanLoops:
    flows = ctx.section("sagemaker.flow_definitions")["flow_definitions"]
    if not flows:
        return {"human_loops": None, "flow_definitions": 0, "errors": []}
    count = 0
    errors: list[str] = []
    for f in flows[:10]:
        if not f.get("arn"):
            continue
        try:
            for page in ctx.aws.paginate(
                "sagemaker-a2i-runtime",
                "list_human_loops",
                FlowDefinitionArn=f["arn"],
                CreationTimeAfter=ctx.scope.start,
                CreationTimeBefore=ctx.scope.end,
                max_pages=20,
            ):
                count += len(page.get("HumanLoopSummaries", []))
        except AwsCallError as exc:
            errors.append(f"{exc.describe()} for flow definition {f['name']}")
    read = len(flows[:10]) - len(errors)
    return {"human_loops": count if read > 0 else None, "flow_definitions": len(flows), "errors": errors}


def collections(ctx: CollectContext) -> Collections:
    found = ctx.aws.items("opensearchserverless", "list_collections", "collectionSummaries", max_pages=5)
    types: dict[str, str | None] = {}
    errors: list[str] = []
    if found:  # list_collections does not return the type; batch_get_collection does (100 ids per call)
        try:
            for i in range(0, min(len(found), 300), 100):
                resp = ctx.aws.call(
                    "opensearchserverless", "batch_get_collection", ids=[c["id"] for c in found[i : i + 100]]
                )
                types.update(
                    {d["id"]: d.get("type") for d in resp.get("collectionDetails", []) if d.get("id")}
                )
        except AwsCallError as exc:
            errors.append(f"{exc.describe()}; collection types unknown")
    return {
        "collections": [
            {
                "name": c.get("name"),
                "id": c.get("id"),
                "status": c.get("status"),
                "type": types.get(c.get("id", "")),
            }
            for c in found
        ],
        "errors": errors,
    }


SECTIONS = {
    "iam.agent_roles": agent_roles,
    "organizations.policies": org_policies,
    "organizations.accounts": org_accounts,
    "sagemaker.notebooks": notebooks,
    "sagemaker.flow_definitions": flow_definitions,
    "sagemaker.human_loops": human_loops,
    "aoss.collections": collections,
}
