"""IAM agent-role, Organizations, SageMaker, A2I and OpenSearch Serverless probes, on hand-built evidence."""

from __future__ import annotations

import pytest

from llmops_audit.probes import run_probe
from llmops_audit.probes.governance import environments_in
from tests.helpers import snapshot


def run(scope, probe_id: str, params: dict | None = None, **sections):
    v = run_probe(probe_id, snapshot(scope, **sections), params or {})
    assert v.summary.endswith("."), v.summary
    return v


ALLOW_ALL = {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}
SCOPED = {"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": ["*"]}
BOUNDARY = "arn:aws:iam::1:policy/agent-boundary"


def policy(name: str, *statements: dict, arn: str | None = None, error_action: str | None = None) -> dict:
    """An attached policy as collectors/governance.py keeps it (statements None: its document was not read)."""
    return {
        "name": name,
        "arn": arn or f"arn:aws:iam::1:policy/{name}",
        "statements": list(statements) if statements else None,
        "error": f"permission {error_action} was denied" if error_action else None,
        "error_action": error_action,
    }


def managed(name: str, *statements: dict, error_action: str | None = None) -> dict:
    return policy(name, *statements, arn=f"arn:aws:iam::aws:policy/{name}", error_action=error_action)


def role(name: str, admin=(), boundary=BOUNDARY, **kw) -> dict:
    """An agent role; each name in `admin` is an attached administrator-level policy. By default the role
    is least-privilege: a scoped inline policy and a permissions boundary that bounds."""
    attached = [managed(a) if a == "AdministratorAccess" else policy(a, ALLOW_ALL) for a in admin]
    return {
        "name": name,
        "arn": f"arn:aws:iam::1:role/{name}",
        "agents": [name.split("-")[0]],
        "boundary": boundary,
        "boundary_policy": policy(boundary.split("/")[-1], SCOPED, arn=boundary) if boundary else None,
        "attached": attached,
        "inline": [{"name": "scoped", "statements": [SCOPED]}],
        "error": None,
        "error_action": None,
        **kw,
    }


def roles(*rs: dict, without=()) -> dict:
    return {"iam__agent_roles": {"roles": list(rs), "agents_without_role": list(without), "errors": []}}


def lp(scope, *rs: dict, without=()):
    return run(scope, "agent_roles_least_privilege", **roles(*rs, without=without))


def test_bounded_scoped_agent_roles_are_least_privilege(scope) -> None:
    v = lp(scope, role("helper-role"), role("sup-role"))
    assert v.value is True
    assert "2 agent roles checked" in v.summary and "permissions boundary" in v.summary


def test_admin_agent_role_is_not_least_privilege_even_with_a_boundary(scope) -> None:
    """Prowler fails a broad policy whatever the boundary (before: a boundary made any role pass)."""
    v = lp(scope, role("helper-role"), role("sup-role", admin=["AdministratorAccess"]))
    assert v.value is False
    assert "sup-role (AdministratorAccess: AWS managed, administrator-level)" in v.summary
    assert any("agent sup" in d for d in v.details)
    assert lp(scope, role("sup-role", admin=["AdministratorAccess"], boundary=None)).value is False


def test_a_role_without_permissions_boundary_is_not_least_privilege(scope) -> None:
    """Before: a scoped role without a boundary passed; Prowler requires a permissions boundary."""
    v = lp(scope, role("sup-role", boundary=None))
    assert v.value is False and "no permissions boundary" in v.summary


def test_a_boundary_that_bounds_nothing_does_not_count(scope) -> None:
    admin_boundary = role("sup-role", boundary="arn:aws:iam::aws:policy/AdministratorAccess")
    v = lp(scope, admin_boundary)
    assert v.value is False and "permissions boundary AdministratorAccess" in v.summary
    star = role("sup-role", boundary_policy=policy("agent-boundary", ALLOW_ALL, arn=BOUNDARY))
    assert lp(scope, star).value is False


@pytest.mark.parametrize(
    ("attached", "phrase"),
    [
        (managed("AmazonBedrockFullAccess"), "AmazonBedrockFullAccess: AWS managed *FullAccess"),
        (managed("AmazonS3FullAccess", error_action="iam:GetPolicyVersion"), "AmazonS3FullAccess"),
        (managed("PowerUserAccess"), "PowerUserAccess: AWS managed, administrator-level"),
        (policy("s3-all", {**ALLOW_ALL, "Action": ["s3:*"]}), "s3-all: s3:* on every resource"),
        (policy("iam-all", {**ALLOW_ALL, "Action": ["iam:*"]}), "iam-all: iam:* on every resource"),
        (policy("br-all", {**ALLOW_ALL, "Action": ["bedrock:*"]}), "br-all: bedrock:* on every resource"),
        (
            policy("buckets", {**ALLOW_ALL, "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]}),
            "s3:* on every resource",
        ),
        (policy("not", {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": ["*"]}), "NotAction Allow"),
        (
            policy("notres", {"Effect": "Allow", "Action": ["s3:*"], "Resource": [], "NotResource": ["x"]}),
            "s3:* on every resource",
        ),
        (policy("pass", {**ALLOW_ALL, "Action": ["iam:PassRole"]}), "iam:PassRole on every resource"),
        (
            policy("pass2", {**ALLOW_ALL, "Action": ["iam:Pass*"], "Resource": ["arn:aws:iam::1:role/*"]}),
            "iam:PassRole on every resource",
        ),
        (
            policy(
                "esc", {**ALLOW_ALL, "Action": ["iam:PutRolePolicy"], "Resource": ["arn:aws:iam::1:role/x"]}
            ),
            "iam:putrolepolicy (privilege escalation)",
        ),
        (
            policy(
                "ip",
                {
                    **ALLOW_ALL,
                    "Action": ["s3:*"],
                    "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}},
                },
            ),
            "ip: s3:* on every resource",
        ),
        (
            policy(
                "acct",
                {**ALLOW_ALL, "Condition": {"StringEquals": {"aws:ResourceAccount": ["1"]}}},
            ),
            "acct: every action on every resource",
        ),
        (
            policy(
                "tagwild",
                {
                    **ALLOW_ALL,
                    "Action": ["s3:*"],
                    "Condition": {"StringLike": {"aws:ResourceTag/app": ["*"]}},
                },
            ),
            "s3:* on every resource",
        ),
        (
            policy(
                "ifexists",
                {**ALLOW_ALL, "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/app": ["chat"]}}},
            ),
            "every action on every resource",
        ),
        (policy("odd", {**ALLOW_ALL, "Condition": {"?": {}}}), "every action on every resource"),
    ],
)
def test_broad_policies_fail_least_privilege(scope, attached: dict, phrase: str) -> None:
    """Each of these passed before (only AdministratorAccess or "*" on "*" failed)."""
    v = lp(scope, role("sup-role", attached=[attached]))
    assert v.value is False, v.summary
    assert phrase in v.summary, v.summary


def test_scoped_statements_stay_least_privilege(scope) -> None:
    ok = [
        policy("s3-prefix", {**ALLOW_ALL, "Resource": ["arn:aws:s3:::docs/*"]}),
        policy(
            "pass-one", {**ALLOW_ALL, "Action": ["iam:PassRole"], "Resource": ["arn:aws:iam::1:role/tool"]}
        ),
        policy("reads", {**ALLOW_ALL, "Action": ["s3:GetObject", "bedrock:InvokeModel"]}),
        policy(
            "tagged",
            {
                **ALLOW_ALL,
                "Action": ["s3:*"],
                "Condition": {"StringEquals": {"aws:ResourceTag/app": ["chat"]}},
            },
        ),
        managed("AmazonBedrockReadOnly", {**ALLOW_ALL, "Action": ["bedrock:Get*", "bedrock:List*"]}),
        policy("deny", {**ALLOW_ALL, "Effect": "Deny"}),
    ]
    v = lp(scope, role("sup-role", attached=ok))
    assert v.value is True, v.summary


def test_admin_statements_in_a_saved_snapshot_are_judged_by_the_probe(scope) -> None:
    """The collector keeps the statements; changing them in the snapshot changes the verdict."""
    scoped = role("sup-role", attached=[policy("custom", SCOPED)])
    assert lp(scope, scoped).value is True
    v = lp(scope, role("sup-role", attached=[policy("custom", SCOPED, ALLOW_ALL)]))
    assert v.value is False and "sup-role (custom: every action on every resource" in v.summary
    inline_admin = role(
        "sup-role", inline=[{"name": "inline-star", "statements": [{**ALLOW_ALL, "Action": ["*:*"]}]}]
    )
    v = lp(scope, inline_admin)
    assert v.value is False and "inline-star" in v.summary


def test_unreadable_role_is_unknown_with_the_action(scope) -> None:
    v = lp(
        scope,
        role("ok-role"),
        role(
            "x-role",
            attached=None,
            inline=None,
            error="permission iam:GetRole was denied",
            error_action="iam:GetRole",
        ),
    )
    assert v.value is None and v.missing == ("iam:GetRole",) and "x-role" in v.summary


@pytest.mark.parametrize("action", ["iam:GetPolicy", "iam:GetPolicyVersion"])
def test_unreadable_policy_document_is_unknown_never_met(scope, action: str) -> None:
    """Before: an AWS managed policy other than AdministratorAccess was never read and passed."""
    for p in (policy("custom", error_action=action), managed("ReadOnlyAccess", error_action=action)):
        v = lp(scope, role("sup-role", attached=[p]))
        assert v.value is None and v.missing == (action,), v.summary


def test_unreadable_boundary_is_unknown_never_met(scope) -> None:
    r = role("sup-role", boundary_policy=policy("agent-boundary", arn=BOUNDARY, error_action="iam:GetPolicy"))
    v = lp(scope, r)
    assert v.value is None and v.missing == ("iam:GetPolicy",)
    old = role("sup-role")
    del old["boundary_policy"]  # a snapshot from before the boundary's document was kept
    assert lp(scope, old).value is None


def test_agent_with_unknown_role_is_unknown(scope) -> None:
    v = lp(scope, role("ok-role"), without=["ghost"])
    assert v.value is None and "ghost" in v.summary


def test_more_roles_than_read_is_unknown(scope) -> None:
    data = roles(role("ok-role"))
    data["iam__agent_roles"]["truncated"] = True
    assert run(scope, "agent_roles_least_privilege", **data).value is None


def test_an_admin_role_decides_even_when_another_is_unknown(scope) -> None:
    v = lp(scope, role("sup-role", admin=["do-anything"]), without=["ghost"])
    assert v.value is False


def test_no_agents_is_not_met(scope) -> None:
    v = lp(scope)
    assert v.value is False and "no agents" in v.summary


# -- LLM Lambda roles -------------------------------------------------------------------------------------


def fn_roles(*rs: dict, without=(), truncated=False) -> dict:
    out = []
    for r in rs:
        r = {k: v for k, v in r.items() if k != "agents"}
        out.append({**r, "functions": ["chat-handler"]})
    return {
        "iam__llm_lambda_roles": {
            "roles": out,
            "functions_without_role": list(without),
            "truncated": truncated,
            "errors": [],
        }
    }


def test_llm_lambda_roles_least_privilege(scope) -> None:
    ok = run(scope, "llm_lambda_roles_least_privilege", **fn_roles(role("chat-role")))
    assert ok.value is True and "1 LLM Lambda role checked" in ok.summary
    full = run(
        scope,
        "llm_lambda_roles_least_privilege",
        **fn_roles(role("chat-role", attached=[managed("AmazonBedrockFullAccess")])),
    )
    assert full.value is False and "AmazonBedrockFullAccess" in full.summary
    assert any("function chat-handler" in d for d in full.details)
    bare = run(scope, "llm_lambda_roles_least_privilege", **fn_roles(role("chat-role", boundary=None)))
    assert bare.value is False


def test_llm_lambda_roles_never_met_on_unknowns(scope) -> None:
    denied = role(
        "chat-role", attached=None, inline=None, error="denied", error_action="iam:ListAttachedRolePolicies"
    )
    v = run(scope, "llm_lambda_roles_least_privilege", **fn_roles(denied))
    assert v.value is None and v.missing == ("iam:ListAttachedRolePolicies",)
    assert run(scope, "llm_lambda_roles_least_privilege", **fn_roles(role("r"), without=["x"])).value is None
    assert run(scope, "llm_lambda_roles_least_privilege", **fn_roles(role("r"), truncated=True)).value is None


def test_no_llm_lambda_function_leaves_nothing_to_fault(scope) -> None:
    v = run(scope, "llm_lambda_roles_least_privilege", **fn_roles())
    assert v.value is True and "No Lambda function is marked LLM-related" in v.summary


# -- Bedrock API keys ---------------------------------------------------------------------------------------


def key(status="Active", expires=None, user="dev") -> dict:
    return {
        "user": user,
        "id": f"ACCA{status.upper()}",
        "status": status,
        "created": "2026-01-01T00:00:00+00:00",
        "expires": expires,
    }


def keys(*ks: dict, truncated=False) -> dict:
    return {"iam__bedrock_api_keys": {"keys": list(ks), "truncated": truncated}}


def test_active_long_term_bedrock_api_key_is_not_met(scope) -> None:
    v = run(scope, "bedrock_api_keys_not_long_term", **keys(key()))
    assert v.value is False and "never expires" in v.summary and "user dev" in v.summary
    later = (scope.end.replace(year=scope.end.year + 1)).isoformat()
    v = run(scope, "bedrock_api_keys_not_long_term", **keys(key(expires=later)))
    assert v.value is False and "expires" in v.summary


def test_inactive_or_expired_keys_are_reported_not_failed(scope) -> None:
    past = scope.start.replace(year=scope.start.year - 1).isoformat()
    v = run(
        scope,
        "bedrock_api_keys_not_long_term",
        **keys(key("Inactive"), key("Expired"), key(expires=past)),
    )
    assert v.value is True and "Inactive" in v.summary and "Expired" in v.summary


def test_no_long_term_keys(scope) -> None:
    assert run(scope, "bedrock_api_keys_not_long_term", **keys()).value is True
    v = run(scope, "bedrock_api_keys_not_long_term", **keys(truncated=True))
    assert v.value is None and v.missing == ("iam:ListServiceSpecificCredentials",)


def _opt_out(scope, targets: int | None):
    policies = {
        "in_organization": True,
        "policies": ["ai-opt-out"],
        "targets": {"ai-opt-out": targets},
        "errors": ["x"] if targets is None else [],
    }
    return run(scope, "aiservices_opt_out_policy_present", organizations__policies=policies)


def test_opt_out_policy_attached(scope) -> None:
    v = _opt_out(scope, 1)
    assert v.value is True and "ai-opt-out (1 target)" in v.summary


def test_opt_out_policy_not_attached(scope) -> None:
    v = _opt_out(scope, 0)
    assert v.value is False and "attached to no" in v.summary


def test_opt_out_policy_attachment_unknown(scope) -> None:
    v = _opt_out(scope, None)
    assert v.value is None and v.missing == ("organizations:ListTargetsForPolicy",)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (
            {"in_organization": False, "policies": [], "targets": {}, "errors": []},
            "not in an AWS Organization",
        ),
        (
            {"in_organization": True, "policies": [], "targets": {}, "errors": []},
            "no AI-services opt-out policy",
        ),
    ],
)
def test_no_opt_out_policy(scope, data, text) -> None:
    v = run(scope, "aiservices_opt_out_policy_present", organizations__policies=data)
    assert v.value is False and text in v.summary


def test_environments_in_account_names() -> None:
    found = environments_in(
        ["llm_dev", "LLM-Development", "workload-prod", "staging", "devops-tools", "product"]
    )
    assert found == {"dev": ["llm_dev", "LLM-Development"], "prod": ["workload-prod"], "stage": ["staging"]}


def test_environment_accounts_present(scope) -> None:
    v = run(
        scope,
        "environment_accounts_present",
        organizations__accounts={"in_organization": True, "accounts": ["master", "llm-dev", "llm-prod"]},
    )
    assert v.value is True and "dev (llm-dev)" in v.summary and "prod (llm-prod)" in v.summary


@pytest.mark.parametrize("accounts", [["master", "llm-prod", "llm-production"], ["devops", "product"]])
def test_fewer_than_two_environment_accounts(scope, accounts) -> None:
    v = run(
        scope,
        "environment_accounts_present",
        organizations__accounts={"in_organization": True, "accounts": accounts},
    )
    assert v.value is False and "at least 2" in v.summary


def test_environment_accounts_outside_an_organization(scope) -> None:
    v = run(
        scope,
        "environment_accounts_present",
        organizations__accounts={"in_organization": False, "accounts": []},
    )
    assert v.value is False and "not in an AWS Organization" in v.summary


def test_environment_accounts_threshold_is_a_param(scope) -> None:
    v = run(
        scope,
        "environment_accounts_present",
        {"min_environments": 3},
        organizations__accounts={"in_organization": True, "accounts": ["a-dev", "a-prod"]},
    )
    assert v.value is False


def _nb_role(name, used_by, statements, attached_name="inline"):
    return {
        "name": name,
        "arn": f"arn:aws:iam::1:role/{name}",
        "used_by": used_by,
        "boundary": None,
        "attached": [],
        "inline": [{"name": attached_name, "statements": statements}],
        "error": None,
        "error_action": None,
    }


INVOKE = [{"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": ["*"]}]
S3_ONLY = [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]
STAR = [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]


@pytest.mark.parametrize(
    ("data", "value", "text"),
    [
        (
            {
                "notebooks": ["prompt-lab"],
                "domains": [],
                "roles": [_nb_role("sm", ["notebook instance prompt-lab"], INVOKE, "call-bedrock")],
                "unknown": [],
                "errors": [],
            },
            True,
            "notebook instance prompt-lab (role sm: call-bedrock)",
        ),
        (
            {
                "notebooks": [],
                "domains": ["studio"],
                "roles": [_nb_role("sm", ["Studio domain studio"], S3_ONLY)],
            },
            False,
            "a notebook alone is not LLM access",
        ),
        ({"notebooks": [], "domains": [], "roles": []}, False, "No SageMaker notebook"),
    ],
)
def test_sagemaker_notebooks_present(scope, data, value, text) -> None:
    v = run(scope, "sagemaker_notebooks_present", sagemaker__notebooks=data)
    assert v.value is value and text in v.summary


def test_sagemaker_notebooks_never_a_false_met(scope) -> None:
    """A notebook instance or Studio domain alone made L1.1's notebook branch met before."""
    for data in (
        {"notebooks": ["nb"], "domains": []},  # roles not collected
        {"notebooks": [], "domains": ["studio"], "roles": [], "unknown": ["Studio domain studio"]},  # denied
        {
            "notebooks": ["nb"],
            "domains": [],
            "roles": [_nb_role("sm", ["notebook instance nb"], STAR)],
        },  # "*"
        {
            "notebooks": ["nb"],
            "domains": [],
            "roles": [{**_nb_role("sm", ["notebook instance nb"], []), "attached": None}],
        },
    ):
        v = run(scope, "sagemaker_notebooks_present", sagemaker__notebooks=data)
        assert v.value is not True, data
    denied = {"notebooks": [], "domains": ["studio"], "roles": [], "unknown": ["Studio domain studio"]}
    assert run(scope, "sagemaker_notebooks_present", sagemaker__notebooks=denied).value is None


def flows(*fs) -> dict:
    return {
        "sagemaker__flow_definitions": {
            "flow_definitions": [
                {"name": n, "arn": f"arn:{n}", "status": "Active", "conditional": c} for n, c in fs
            ],
            "errors": [],
        }
    }


@pytest.mark.parametrize(
    ("fs", "value", "text"),
    [
        ((("review", True), ("all", False)), True, "review activates"),
        ((("all", False),), False, "no human-loop activation conditions"),
        ((), False, "No Amazon A2I flow definition"),
        ((("review", None),), None, "could not be described"),
    ],
)
def test_a2i_flow_definitions_present(scope, fs, value, text) -> None:
    v = run(scope, "a2i_flow_definitions_present", **flows(*fs))
    assert v.value is value and text in v.summary


KB = {
    "knowledge_bases": [
        {
            "id": "k",
            "name": "support-docs",
            "storage": {
                "type": "OPENSEARCH_SERVERLESS",
                "collectionArn": "arn:aws:aoss:us-east-1:1:collection/kb",
            },
            "data_sources": [],
        }
    ],
    "errors": [],
}
NO_KB = {"knowledge_bases": [], "errors": []}


@pytest.mark.parametrize(
    ("cols", "kbs", "value", "text"),
    [
        ([("kb", "VECTORSEARCH"), ("logs", "TIMESERIES")], KB, True, "kb (knowledge base support-docs)"),
        ([("kb", "VECTORSEARCH")], NO_KB, False, "backs no Bedrock knowledge base"),
        ([("logs", "TIMESERIES")], KB, False, "logs (TIMESERIES)"),
        ([], NO_KB, False, "No OpenSearch Serverless collection exists"),
        ([("kb", None)], KB, None, "type could not be read"),
        (
            [("kb", "VECTORSEARCH")],
            {"knowledge_bases": [{**KB["knowledge_bases"][0], "storage": None}], "errors": []},
            None,
            "could not be read",
        ),
    ],
)
def test_vector_collections_present(scope, cols, kbs, value, text) -> None:
    v = run(
        scope,
        "vector_collections_present",
        aoss__collections={
            "collections": [{"name": n, "id": n, "status": "ACTIVE", "type": t} for n, t in cols],
            "errors": [],
        },
        agents__knowledge_bases=kbs,
    )
    assert v.value is value and text in v.summary
