"""Governance evidence: agent IAM roles, Organizations policies and accounts, SageMaker notebooks and A2I,
OpenSearch Serverless vector collections.

Sub-calls per resource that fail are recorded in the section's "errors" list as text naming the IAM action
and leave that resource's field None (unknown, never "none"). Of a policy document only its statements'
Effect, Action, NotAction, Resource, NotResource and Condition are kept (no Sid or Principal); whether a
policy is broad (administrator-level, a service wildcard, NotAction, privilege escalation) is decided by the
probe (probes/governance.py).

Every attached policy is read (iam:GetPolicy + iam:GetPolicyVersion), AWS managed ones too: AWS updates
their documents, and only the document shows what e.g. PowerUserAccess (a NotAction statement) allows. A
read is made once per policy ARN and section. When it fails, that policy's statements are None and its
"error"/"error_action" say why (the probe still judges an AWS managed policy by its name where the name
alone settles it, e.g. AmazonBedrockFullAccess).

iam.agent_roles   (reads agents.agents)
    {"roles": [role + {"agents": [agent names]}],
     "agents_without_role": [agent names whose role ARN is unknown (get_agent failed)],
     "truncated": bool (more roles than the collector reads), "errors": [str]}
iam.llm_lambda_roles   (reads lambda.functions: the functions it marks "llm")
    {"roles": [role + {"functions": [function names]}],
     "functions_without_role": [LLM function names with no role ARN], "truncated": bool, "errors": [str]}
    role: {"name", "arn", "boundary": permissions-boundary ARN | None,
           "boundary_policy": policy | None (no boundary, or the role could not be read),
           "attached": [policy] | None,
           "inline": [{"name", "statements": [statement]}] | None,
           "error": str | None, "error_action": IAM action of the failed call | None}
    (attached/inline None: unknown, the role itself could not be read: GetRole, ListAttachedRolePolicies,
    ListRolePolicies or GetRolePolicy failed)
    policy: {"name", "arn", "statements": [statement] | None (not read: see error), "error": str | None,
             "error_action": str | None}
    statement: {"Effect", "Action": [...], "Resource": [...], "NotAction": [...]?, "NotResource": [...]?,
                "Condition": {operator: {key: [values]}}?}
ssm.prompt_parameter_refs   (reads ssm.prompt_parameters and lambda.functions)
    {"refs": {parameter name: [LLM function names whose environment names it (value = name or its ARN)]}}
iam.bedrock_api_keys
    {"keys": [{"user", "id", "status": "Active"|"Inactive"|"Expired", "created": ISO time,
               "expires": ISO time | None (never expires)}], "truncated": bool}
    Long-term Amazon Bedrock API keys: IAM service-specific credentials for bedrock.amazonaws.com of every
    IAM user (ListServiceSpecificCredentials with AllUsers). Short-term keys are pre-signed URLs made from
    the caller's own credentials and are not visible in IAM.

organizations.policies
    {"in_organization": bool, "policies": [names of AISERVICES_OPT_OUT_POLICY policies],
     "targets": {policy name: number of roots/OUs/accounts it is attached to | None (unknown)},
     "errors": [str]}
organizations.accounts
    {"in_organization": bool, "accounts": [account names]}
    Not being in an organization (AWSOrganizationsNotInUseException from describe_organization) is an answer,
    not an error.

sagemaker.notebooks        {"notebooks": [notebook instance names], "domains": [Studio domain names],
                            "roles": [{"name", "arn", "used_by": [labels], + role detail as iam.agent_roles}],
                            "unknown": [notebooks/domains whose role could not be read], "errors": [...]}
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
    AgentRoles,
    AttachedPolicy,
    BedrockApiKey,
    BedrockApiKeys,
    Collections,
    FlowDefinition,
    FlowDefinitions,
    HumanLoops,
    InlinePolicy,
    LambdaRoles,
    NotebookRole,
    Notebooks,
    OrgAccounts,
    OrgPolicies,
    PolicyStatement,
    RoleDetail,
)

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_ROLES = 50
MAX_FLOWS = 20
MAX_KEY_PAGES = 10


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


def _condition(raw: Any) -> dict[str, dict[str, list[Any]]]:
    """A statement's Condition as {operator: {key: [values]}} (keys as written; IAM compares them
    case-insensitively)."""
    if not isinstance(raw, dict):
        return {}
    return {
        str(op): {str(k): _listify(v) for k, v in block.items()}
        for op, block in raw.items()
        if isinstance(block, dict)
    }


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
        if st.get("Condition"):
            # A Condition that cannot be read as {operator: {key: value}} is kept as an unreadable marker:
            # the probe must not mistake it for "no condition" nor for a condition that scopes anything.
            kept["Condition"] = _condition(st["Condition"]) or {"?": {}}
        out.append(kept)
    return out


class _Policies:
    """Managed-policy documents read once per ARN (iam:GetPolicy, then iam:GetPolicyVersion)."""

    def __init__(self, ctx: CollectContext) -> None:
        self.ctx = ctx
        self.docs: dict[str, list[PolicyStatement] | AwsCallError] = {}

    def read(self, arn: str) -> list[PolicyStatement] | AwsCallError:
        if arn not in self.docs:
            try:
                meta = self.ctx.aws.call("iam", "get_policy", PolicyArn=arn)["Policy"]
                ver = self.ctx.aws.call(
                    "iam", "get_policy_version", PolicyArn=arn, VersionId=meta["DefaultVersionId"]
                )["PolicyVersion"]
                self.docs[arn] = statements(ver.get("Document"))
            except AwsCallError as exc:
                self.docs[arn] = exc
        return self.docs[arn]


def _managed(
    policies: _Policies, arn: str, what: str, errors: list[str], name: str | None = None
) -> AttachedPolicy:
    entry: AttachedPolicy = {
        "name": name or arn.split("/")[-1],
        "arn": arn,
        "statements": None,
        "error": None,
        "error_action": None,
    }
    doc = policies.read(arn)
    if isinstance(doc, AwsCallError):
        entry["error"], entry["error_action"] = doc.describe(), doc.action
        errors.append(f"{doc.describe()} for {what}")
    else:
        entry["statements"] = doc
    return entry


def _role_detail(ctx: CollectContext, name: str, policies: _Policies, errors: list[str]) -> RoleDetail:
    """A role's boundary and policies; AwsCallError when the role itself cannot be read."""
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
    attached = [
        _managed(
            policies, p["PolicyArn"], f"policy {p['PolicyName']} of role {name}", errors, p["PolicyName"]
        )
        for p in listed
    ]
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
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return {
        "boundary": boundary,
        "boundary_policy": _managed(policies, boundary, f"the permissions boundary of role {name}", errors)
        if boundary
        else None,
        "attached": attached,
        "inline": inline,
        "error": None,
        "error_action": None,
    }


def _unknown_detail(exc: AwsCallError) -> RoleDetail:
    return {
        "boundary": None,
        "boundary_policy": None,
        "attached": None,
        "inline": None,
        "error": exc.describe(),
        "error_action": exc.action,
    }


def _read_role(ctx: CollectContext, arn: str, policies: _Policies, errors: list[str]) -> RoleDetail:
    name = arn.split("/")[-1]
    try:
        return _role_detail(ctx, name, policies, errors)
    except AwsCallError as exc:
        errors.append(f"{exc.describe()} for role {name}")
        return _unknown_detail(exc)


def read_roles(ctx: CollectContext, by_role: dict[str, list[str]], users: str, without: list[str]) -> Any:
    """The roles in `by_role` (role ARN -> what uses it, kept under `users`), each read once with its
    policies and boundary (at most MAX_ROLES), and `without`: what uses no role or an unread one. Shared
    by the agent, LLM Lambda and AgentCore role sections, which differ only in what uses the roles."""
    out: list[dict[str, Any]] = []
    errors: list[str] = []
    policies = _Policies(ctx)
    for arn in sorted(by_role)[:MAX_ROLES]:
        detail = _read_role(ctx, arn, policies, errors)
        out.append({"name": arn.split("/")[-1], "arn": arn, users: by_role[arn], **detail})
    return {
        "roles": out,
        f"{users}_without_role": without,
        "truncated": len(by_role) > MAX_ROLES,
        "errors": errors,
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
    return read_roles(ctx, by_role, "agents", without)


def llm_lambda_roles(ctx: CollectContext) -> LambdaRoles:
    """The execution roles of the functions lambda.functions marks as LLM-related (that marking is its)."""
    fns = ctx.section("lambda.functions") or {}
    by_role: dict[str, list[str]] = {}
    without: list[str] = []
    for f in fns.get("functions") or []:
        if not f.get("llm"):
            continue
        if f.get("role"):
            by_role.setdefault(f["role"], []).append(f.get("name") or "?")
        else:
            without.append(f.get("name") or "?")
    return read_roles(ctx, by_role, "functions", without)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def bedrock_api_keys(ctx: CollectContext) -> BedrockApiKeys:
    """Long-term Bedrock API keys (IAM service-specific credentials for bedrock.amazonaws.com), all users."""
    pages = list(
        ctx.aws.paginate(
            "iam",
            "list_service_specific_credentials",
            ServiceName="bedrock.amazonaws.com",
            AllUsers=True,
            token_in="Marker",
            token_out="Marker",
            max_pages=MAX_KEY_PAGES,
        )
    )
    keys: list[BedrockApiKey] = [
        {
            "user": c.get("UserName"),
            "id": c.get("ServiceSpecificCredentialId"),
            "status": c.get("Status"),
            "created": _iso(c.get("CreateDate")),
            "expires": _iso(c.get("ExpirationDate")),
        }
        for page in pages
        for c in page.get("ServiceSpecificCredentials") or []
        if c.get("ServiceName", "bedrock.amazonaws.com") == "bedrock.amazonaws.com"
    ]
    truncated = bool(pages) and bool(pages[-1].get("IsTruncated")) and len(pages) >= MAX_KEY_PAGES
    return {"keys": keys, "truncated": truncated}


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


MAX_NOTEBOOK_ROLES = 20


def notebooks(ctx: CollectContext) -> Notebooks:
    """Notebook instances and Studio domains, and the execution roles they run under (with policies), so a
    probe can tell whether a notebook can call Bedrock: a domain's default execution role
    (DescribeDomain DefaultUserSettings.ExecutionRole), a notebook instance's role (DescribeNotebookInstance
    RoleArn). User-profile and space overrides are not read."""
    listed = ctx.aws.items("sagemaker", "list_notebook_instances", "NotebookInstances", max_pages=5)
    nbs = [n["NotebookInstanceName"] for n in listed]
    found = ctx.aws.items("sagemaker", "list_domains", "Domains", max_pages=5)
    domains = [d.get("DomainName") or d.get("DomainId") for d in found]
    errors: list[str] = []
    users: dict[str, list[str]] = {}
    unknown: list[str] = []
    for name in nbs[:MAX_NOTEBOOK_ROLES]:
        try:
            arn = ctx.aws.call("sagemaker", "describe_notebook_instance", NotebookInstanceName=name).get(
                "RoleArn"
            )
            if arn:
                users.setdefault(arn, []).append(f"notebook instance {name}")
        except AwsCallError as exc:
            errors.append(f"{exc.describe()} for notebook instance {name}")
            unknown.append(f"notebook instance {name}")
    for d in found[:MAX_NOTEBOOK_ROLES]:
        label = f"Studio domain {d.get('DomainName') or d.get('DomainId')}"
        try:
            arn = (
                ctx.aws.call("sagemaker", "describe_domain", DomainId=d["DomainId"]).get(
                    "DefaultUserSettings"
                )
                or {}
            ).get("ExecutionRole")
            if arn:
                users.setdefault(arn, []).append(label)
        except AwsCallError as exc:
            errors.append(f"{exc.describe()} for {label}")
            unknown.append(label)
    unknown += [f"notebook instance {n}" for n in nbs[MAX_NOTEBOOK_ROLES:]]
    unknown += [
        f"Studio domain {d.get('DomainName') or d.get('DomainId')}" for d in found[MAX_NOTEBOOK_ROLES:]
    ]
    policies = _Policies(ctx)
    roles: list[NotebookRole] = []
    for arn in sorted(users)[:MAX_NOTEBOOK_ROLES]:
        detail = _read_role(ctx, arn, policies, errors)
        roles.append({"name": arn.split("/")[-1], "arn": arn, "used_by": users[arn], **detail})
    unknown += [u for arn in sorted(users)[MAX_NOTEBOOK_ROLES:] for u in users[arn]]
    return {"notebooks": nbs, "domains": domains, "roles": roles, "unknown": unknown, "errors": errors}


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


def prompt_parameter_refs(ctx: CollectContext) -> dict[str, Any]:
    """Which LLM functions name a prompt-like SSM parameter in an environment variable's value (the name or
    its ARN). The values are compared here and never stored: only parameter and function names are kept.
    ListFunctions is the answer lambda.functions already read (the per-collection cache)."""
    params = ctx.section("ssm.prompt_parameters")["parameters"]
    llm = {f["name"] for f in ctx.section("lambda.functions")["functions"] if f.get("llm")}
    refs: dict[str, list[str]] = {}
    if params and llm:
        for f in ctx.aws.items("lambda", "list_functions", "Functions", max_pages=20):
            if f.get("FunctionName") not in llm:
                continue
            values = [str(v) for v in ((f.get("Environment") or {}).get("Variables") or {}).values()]
            for name in params:
                bare = str(name).lstrip("/")
                if any(v == name or v.endswith(f":parameter/{bare}") for v in values):
                    refs.setdefault(name, []).append(f["FunctionName"])
    return {"refs": {k: sorted(set(v)) for k, v in refs.items()}}


SECTIONS = {
    "ssm.prompt_parameter_refs": prompt_parameter_refs,
    "iam.agent_roles": agent_roles,
    "iam.llm_lambda_roles": llm_lambda_roles,
    "iam.bedrock_api_keys": bedrock_api_keys,
    "organizations.policies": org_policies,
    "organizations.accounts": org_accounts,
    "sagemaker.notebooks": notebooks,
    "sagemaker.flow_definitions": flow_definitions,
    "sagemaker.human_loops": human_loops,
    "aoss.collections": collections,
}
