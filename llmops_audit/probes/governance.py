"""Probes over IAM agent roles, Organizations, SageMaker and OpenSearch Serverless
(sections documented in collectors/governance.py)."""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime
from typing import Any

from llmops_audit.evidence.shapes import (
    AttachedPolicy,
    InlinePolicy,
    PolicyStatement,
    RoleDetail,
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


# -- least privilege, as Prowler's bedrock_agent_role_least_privilege tests it ---------------------------
#
# A role is least-privilege when none of its attached or inline policies is broad and it has a permissions
# boundary that bounds something. Broad:
# - an AWS managed policy named AdministratorAccess or PowerUserAccess (job-function policies: every action,
#   or every action but IAM/Organizations) or *FullAccess (AmazonBedrockFullAccess, AmazonS3FullAccess, ...:
#   full access to a service), judged by name: AWS managed policy names are fixed by AWS, and the name still
#   decides when the document could not be read;
# - an Allow of every action ("*"), of a whole service ("s3:*", "iam:*", "bedrock:*") or a NotAction Allow,
#   on every resource ("*", a NotResource, or an ARN covering every resource of its type);
# - privilege escalation: iam:PassRole on every role, or IAM permission-management actions (attach/put a
#   policy, create a policy version, access keys, login profiles, trust policies) on any IAM resource.
# Deny statements are not subtracted (a Deny never makes a broad Allow pass: conservative).
# A statement with a Condition is broad like one without, unless the condition pins the resource: a
# positive, single-valued, non-IfExists string/ARN operator requiring aws:ResourceTag/<key> to equal fixed
# values (no wildcard). Other conditions (source IP or VPC, MFA, Region, aws:ResourceAccount, principal tags,
# iam:PassedToService, service-specific keys) leave the statement's reach over resources as wide as before.

_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
# Managed policies that are administrator-level by name
ADMIN_MANAGED = {"AdministratorAccess", "PowerUserAccess"}
_ESCALATION = (
    "iam:attachrolepolicy",
    "iam:attachuserpolicy",
    "iam:attachgrouppolicy",
    "iam:putrolepolicy",
    "iam:putuserpolicy",
    "iam:putgrouppolicy",
    "iam:createpolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:updateloginprofile",
    "iam:addusertogroup",
    "iam:updateassumerolepolicy",
    "iam:putrolepermissionsboundary",
    "iam:deleterolepermissionsboundary",
)
_PINNING_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}


def aws_managed(arn: str) -> bool:
    return bool(_AWS_MANAGED.match(arn or ""))


def broad_by_name(name: str, arn: str) -> str | None:
    """Why an AWS managed policy is broad by its name alone, or None."""
    if not aws_managed(arn):
        return None
    if name in ADMIN_MANAGED:
        return "AWS managed, administrator-level"
    if name.endswith("FullAccess"):
        return "AWS managed *FullAccess"
    return None


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


def _covers_all(resource: Any) -> bool:
    """True for "*" and for an ARN that covers every resource of its type ("arn:aws:s3:::*",
    "arn:aws:iam::123456789012:role/*", "arn:aws:*:*:*:*")."""
    if not isinstance(resource, str):
        return True  # unreadable: assume the worst
    if resource.strip() in ("*", "*:*", "*/*"):
        return True
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return _wild(resource)
    rest = parts[5]
    if parts[2] == "*" or rest.strip("*/:") == "":
        return True
    if parts[2] == "s3":  # arn:aws:s3:::bucket/key: no resource type, the bucket comes first
        return rest.split("/")[0].strip("*?") == ""
    head, sep, tail = rest.partition("/") if "/" in rest else rest.partition(":")
    return bool(sep) and tail.strip("*/:") == "" and not _wild(head)


def _may_cover_service(resource: Any, service: str) -> bool:
    if not isinstance(resource, str) or resource.strip() == "*":
        return True
    parts = resource.split(":", 5)
    return len(parts) < 3 or fnmatch.fnmatchcase(service, parts[2].lower())


def _pins_resource(condition: dict[str, Any]) -> bool:
    for op, block in (condition or {}).items():
        if str(op).lower() not in _PINNING_OPERATORS or not isinstance(block, dict):
            continue
        for key, values in block.items():
            vals = values if isinstance(values, list) else [values]
            if (
                str(key).lower().startswith("aws:resourcetag/")
                and vals
                and all(isinstance(v, str) and v and not _wild(v) for v in vals)
            ):
                return True
    return False


def _matches(action: Any, name: str) -> bool:
    return isinstance(action, str) and fnmatch.fnmatchcase(name, action.lower())


def statement_findings(st: PolicyStatement) -> list[str]:
    """Why one statement is broad (empty when it is not)."""
    if not isinstance(st, dict) or st.get("Effect") != "Allow":
        return []
    if "Condition" in st and _pins_resource(st.get("Condition") or {}):
        return []
    resources = list(st.get("Resource") or [])
    everywhere = "NotResource" in st or any(_covers_all(r) for r in resources)
    where = "every resource"
    found: list[str] = []
    if "NotAction" in st and (everywhere or not resources):
        found.append(f"NotAction Allow on {where}")
    actions = list(st.get("Action") or [])
    for a in actions:
        a_text = str(a).strip().lower()
        if everywhere and a_text in ("*", "*:*"):
            found.append(f"every action on {where}")
        elif everywhere and a_text.endswith(":*") and ":" in a_text and a_text.count(":") == 1:
            found.append(f"{a} on {where}")
    if not found:
        iam_reach = "NotResource" in st or any(_may_cover_service(r, "iam") for r in resources)
        all_roles = everywhere
        if all_roles and any(_matches(str(a).lower(), "iam:passrole") for a in actions):
            found.append(f"iam:PassRole on {where} (privilege escalation)")
        if iam_reach:
            esc = sorted({e for a in actions for e in _ESCALATION if _matches(str(a).lower(), e)})
            if esc:
                found.append(f"{', '.join(esc)} (privilege escalation)")
    return found


def is_admin(statements: list[PolicyStatement]) -> bool:
    """True when a statement allows every action ("*", "*:*" or a NotAction) on every resource."""
    return any(
        f.startswith(("every action", "NotAction")) for st in statements for f in statement_findings(st)
    )


def policy_findings(p: AttachedPolicy | InlinePolicy, arn: str = "") -> list[str] | None:
    """Why a policy is broad (empty: it is not); None when its document is unknown and its name does not
    settle it."""
    named = broad_by_name(p.get("name") or "", arn)
    if named:
        return [named]
    sts = p.get("statements")
    if sts is None:
        return None
    return sorted({f for st in sts for f in statement_findings(st)})


def _boundary_findings(role: RoleDetail) -> tuple[list[str], bool]:
    """(why the boundary does not bound, whether that is unknown)."""
    arn = role.get("boundary")
    if not arn:
        return ["no permissions boundary"], False
    bp = role.get("boundary_policy")
    name = arn.split("/")[-1]
    if aws_managed(arn) and name in ADMIN_MANAGED:
        return [f"permissions boundary {name} is administrator-level"], False
    sts = bp.get("statements") if bp else None
    if sts is None:
        return [], True
    if is_admin(sts):
        return [f"permissions boundary {name} allows every action"], False
    return [], False


def role_findings(role: RoleDetail) -> tuple[list[str], list[str]]:
    """(what makes the role broad, what could not be read) for one role."""
    attached, inline = role.get("attached"), role.get("inline")
    if attached is None or inline is None:
        return [], ["its policies"]
    found: list[str] = []
    unknown: list[str] = []
    for p in attached:
        fs = policy_findings(p, p.get("arn") or "")
        if fs is None:
            unknown.append(f"policy {p['name']}")
        else:
            found += [f"{p['name']}: {f}" for f in fs]
    for ip in inline:
        found += [f"{ip['name']}: {f}" for f in policy_findings(ip) or []]
    bfound, bunknown = _boundary_findings(role)
    found += bfound
    if bunknown:
        unknown.append(f"permissions boundary {str(role.get('boundary')).split('/')[-1]}")
    return found, unknown


def admin_policies(role: RoleDetail) -> list[str] | None:
    """The role's administrator-level policies (attached or inline), sorted; None when they are unknown."""
    attached, inline = role.get("attached"), role.get("inline")
    if attached is None or inline is None:
        return None
    admin = [
        p["name"]
        for p in attached
        if (aws_managed(p.get("arn") or "") and p["name"] in ADMIN_MANAGED)
        or is_admin(p.get("statements") or [])
    ]
    admin += [p["name"] for p in inline if is_admin(p.get("statements") or [])]
    return sorted(set(admin))


def _missing(roles: list[Any]) -> tuple[str, ...]:
    acts = {r["error_action"] for r in roles if r.get("error_action")}
    for r in roles:
        for p in [*(r.get("attached") or []), r.get("boundary_policy") or {}]:
            if p.get("statements") is None and p.get("error_action"):
                acts.add(p["error_action"])
    return tuple(sorted(acts))


def _judge_roles(
    roles: list[Any], kind: str, users_of: str, unknown_users: list[str], truncated: bool
) -> Verdict:
    """The verdict over a set of roles (agent or LLM Lambda execution roles)."""
    judged = [(r, *role_findings(r)) for r in roles]
    bad = [(r, f) for r, f, _ in judged if f]
    if bad:
        return not_met(
            f"{kind[0].upper()}{kind[1:]} {names([r['name'] for r, _ in bad])} "
            f"{'is' if len(bad) == 1 else 'are'} not least-privilege: "
            + "; ".join(f"{r['name']} ({', '.join(f)})" for r, f in bad[:5])
            + ".",
            *[
                f"Used by {users_of} {names(r.get(users_of + 's') or [])}: {r['name']}."
                for r, _ in bad
                if r.get(users_of + "s")
            ],
        )
    unknown = [(r, u) for r, _, u in judged if u]
    if unknown or unknown_users or truncated:
        parts = [f"{', '.join(u)} of role {r['name']} could not be read" for r, u in unknown]
        if unknown_users:
            parts.append(f"the role of {users_of} {names(unknown_users)} is unknown")
        if truncated:
            parts.append("more roles exist than were read")
        errs = [r["error"] for r in roles if r.get("error")]
        errs += [
            p["error"]
            for r in roles
            for p in [*(r.get("attached") or []), r.get("boundary_policy") or {}]
            if p.get("statements") is None and p.get("error")
        ]
        return cannot_tell(
            f"No checked {kind} is broad, but {'; '.join(parts)}.",
            *errs,
            missing=_missing(roles),
        )
    return met(
        f"{plural(len(roles), kind)} checked: each has a permissions boundary and no broad policy "
        f"(administrator-level or *FullAccess, service wildcards or NotAction on every resource, "
        f"privilege escalation): {names([r['name'] for r in roles])}."
    )


@probe("agent_roles_least_privilege", "iam.agent_roles")
def agent_roles_least_privilege(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every agent execution role is least-privilege: a permissions boundary and no broad policy."""
    data = ev.get("iam.agent_roles")
    roles = data["roles"]
    without = data.get("agents_without_role") or []
    if not roles and not without:
        return not_met("No Bedrock agent execution role was found to check (the account has no agents).")
    return _judge_roles(roles, "agent role", "agent", without, bool(data.get("truncated")))


@probe("llm_lambda_roles_least_privilege", "iam.llm_lambda_roles")
def llm_lambda_roles_least_privilege(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every LLM Lambda function's execution role is least-privilege: a boundary and no broad policy."""
    data = ev.get("iam.llm_lambda_roles")
    roles = data["roles"]
    without = data.get("functions_without_role") or []
    if not roles and not without:
        return met("No Lambda function is marked LLM-related, so no LLM function's role can be over-broad.")
    return _judge_roles(roles, "LLM Lambda role", "function", without, bool(data.get("truncated")))


def _after(when: str | None, end: datetime) -> bool:
    if not when:
        return True  # no expiration date: the key never expires
    try:
        t = datetime.fromisoformat(when)
    except ValueError:
        return True  # unreadable: assume it is still valid
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t > (end if end.tzinfo else end.replace(tzinfo=UTC))


@probe("bedrock_api_keys_not_long_term", "iam.bedrock_api_keys")
def bedrock_api_keys_not_long_term(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """No IAM user holds an active long-term Amazon Bedrock API key (short-term keys are not visible in IAM)."""
    data = ev.get("iam.bedrock_api_keys")
    keys = data["keys"]
    end = ev.scope.end
    active = [
        k for k in keys if k.get("status") not in ("Inactive", "Expired") and _after(k.get("expires"), end)
    ]
    if active:
        return not_met(
            f"{plural(len(active), 'active long-term Amazon Bedrock API key')} "
            f"{'exists' if len(active) == 1 else 'exist'}: "
            + names(
                [
                    f"{k.get('id')} of user {k.get('user')} "
                    + (f"(expires {k['expires']})" if k.get("expires") else "(never expires)")
                    for k in active
                ]
            )
            + "; AWS recommends short-term keys or temporary credentials.",
        )
    if data.get("truncated"):
        return cannot_tell(
            "No active long-term Amazon Bedrock API key was seen, but not every page of keys was read.",
            missing=("iam:ListServiceSpecificCredentials",),
        )
    rest = [f"{k.get('id')} of user {k.get('user')} ({k.get('status')})" for k in keys]
    return met(
        "No IAM user holds an active long-term Amazon Bedrock API key"
        + (f" ({names(rest)} inactive or expired)." if rest else ".")
    )


@probe(
    "aiservices_opt_out_policy_present",
    "organizations.policies",
    params={
        "supporting": Param(
            bool,
            default=False,
            help="supporting detail only: never decides (always False, an unreadable section included)",
        )
    },
)
def aiservices_opt_out_policy_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An Organizations AI-services opt-out policy exists and is attached."""
    if params.get("supporting"):
        # An opt-out stops AWS from storing and using the content for service improvement; it sets no
        # rule for how the workload handles PII, so it is shown beside the rule's evidence, never decides.
        if ev.optional("organizations.policies") is None:
            return not_met(
                "Whether an AI-services opt-out policy applies could not be read (supporting detail)."
            )
        v = aiservices_opt_out_policy_present.fn(ev, {})
        return not_met(
            v.summary + " (Supporting detail: an opt-out keeps AWS from using the content; it sets no PII "
            "handling rule, so it does not count by itself.)",
            *v.details,
        )
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


# Actions that run a model: bedrock:InvokeModel also authorises Converse, and
# bedrock:InvokeModelWithResponseStream ConverseStream.
_INVOKE_ACTIONS = ("bedrock:invokemodel", "bedrock:invokemodelwithresponsestream")


def bedrock_invoke_grants(role: RoleDetail) -> list[str] | None:
    """The role's policies that allow invoking Bedrock models by naming Bedrock (an Allow whose Action
    is a bedrock: pattern matching InvokeModel, e.g. bedrock:InvokeModel, bedrock:Invoke*, bedrock:*);
    None when its policies are unknown. "*" alone does not count: it says nothing about LLM use."""
    attached, inline = role.get("attached"), role.get("inline")
    if attached is None or inline is None:
        return None
    found: list[str] = []
    unknown = False
    for p in [*attached, *inline]:
        sts = p.get("statements")
        if sts is None:
            unknown = True
            continue
        for st in sts:
            if not isinstance(st, dict) or st.get("Effect") != "Allow":
                continue
            acts = [str(a).lower() for a in st.get("Action") or [] if str(a).lower().startswith("bedrock:")]
            if any(_matches(a, name) for a in acts for name in _INVOKE_ACTIONS):
                found.append(p["name"])
                break
    if not found and unknown:
        return None
    return sorted(set(found))


@probe("sagemaker_notebooks_present", "sagemaker.notebooks")
def sagemaker_notebooks_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A SageMaker notebook instance or Studio domain runs under an execution role that is allowed to invoke
    Bedrock models (bedrock:InvokeModel*, named as a Bedrock action).

    A notebook or Studio domain alone is no sign of LLM use: Studio is the entry point for all SageMaker
    work (training, pipelines, classic ML)."""
    data = ev.get("sagemaker.notebooks")
    nbs, domains = data.get("notebooks") or [], data.get("domains") or []
    if not nbs and not domains:
        return not_met("No SageMaker notebook instance or Studio domain exists.")
    if "roles" not in data:
        return cannot_tell(
            f"SageMaker notebook instances or Studio domains exist ({names([*nbs, *[str(d) for d in domains]])}), "
            "but their execution roles were not read, so nothing ties them to Bedrock."
        )
    hits: list[str] = []
    unclear: list[str] = list(data.get("unknown") or [])
    others: list[str] = []
    for r in data["roles"]:
        grants = bedrock_invoke_grants(r)
        if grants is None:
            unclear += [f"{u} (role {r['name']})" for u in r.get("used_by") or []]
        elif grants:
            hits.append(f"{names(r.get('used_by') or [])} (role {r['name']}: {names(grants)})")
        else:
            others += r.get("used_by") or []
    if hits:
        return met(f"SageMaker {names(hits)} may invoke Bedrock models.")
    if unclear:
        return cannot_tell(
            f"No readable SageMaker notebook role allows invoking Bedrock, and the roles of {names(unclear)} "
            "could not be read.",
            *(data.get("errors") or []),
            missing=_missing(data["roles"]) or ("iam:GetRole",),
        )
    return not_met(
        "No SageMaker notebook instance or Studio domain runs under a role allowed to invoke Bedrock models"
        + (f" ({names(others)})" if others else "")
        + ": a notebook alone is not LLM access."
    )


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


@probe("vector_collections_present", "aoss.collections", "agents.knowledge_bases")
def vector_collections_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An OpenSearch Serverless vector-search collection is the vector store of a Bedrock knowledge base
    (the knowledge base's storageConfiguration names its ARN).

    A fact only (no rule counts it for L2.6): a tied collection adds nothing to the knowledge base's own
    ingestion, and an untied one may serve any semantic-search workload, not an LLM."""
    data = ev.get("aoss.collections")
    cols = data["collections"]
    kbs = ev.get("agents.knowledge_bases")["knowledge_bases"]
    tied: dict[str, list[str]] = {}
    kb_unknown = []
    for kb in kbs:
        st = kb.get("storage")
        if st is None:
            kb_unknown.append(str(kb.get("name")))
            continue
        arn = str(st.get("collectionArn") or "")
        if "/" in arn:
            tied.setdefault(arn.rsplit("/", 1)[-1], []).append(str(kb.get("name")))
    vector = [c for c in cols if c.get("type") == "VECTORSEARCH"]
    found = [f"{c['name']} (knowledge base {names(tied[c['id']])})" for c in vector if c.get("id") in tied]
    if found:
        return met(f"OpenSearch Serverless vector-search collection {names(found)} backs a knowledge base.")
    unknown = [c["name"] for c in cols if c.get("type") is None]
    if unknown:
        return cannot_tell(
            f"OpenSearch Serverless collection {names(unknown)} exists but its type could not be read.",
            *(data.get("errors") or []),
            missing=("aoss:BatchGetCollection",),
        )
    if vector and kb_unknown:
        return cannot_tell(
            f"Vector-search collection {names([c['name'] for c in vector])} exists, and the storage of "
            f"knowledge base {names(kb_unknown)} could not be read.",
            missing=("bedrock:GetKnowledgeBase",),
        )
    if vector:
        return not_met(
            f"Vector-search collection {names([c['name'] for c in vector])} backs no Bedrock knowledge base: "
            "nothing ties it to an LLM (a person may attest the application's own retrieval)."
        )
    if cols:
        return not_met(
            f"No OpenSearch Serverless collection is of type VECTORSEARCH "
            f"({names([str(c['name']) + ' (' + str(c.get('type')) + ')' for c in cols])})."
        )
    return not_met("No OpenSearch Serverless collection exists.")
