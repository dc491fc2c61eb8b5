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


def policy(name: str, *statements: dict, arn: str | None = None) -> dict:
    """An attached policy as collectors/governance.py keeps it (statements None: AWS managed, not read)."""
    return {
        "name": name,
        "arn": arn or f"arn:aws:iam::1:policy/{name}",
        "statements": list(statements) if statements else None,
    }


def role(name: str, admin=(), boundary=None, **kw) -> dict:
    """An agent role; each name in `admin` is an attached administrator-level policy."""
    attached = [
        policy(a, arn=f"arn:aws:iam::aws:policy/{a}") if a == "AdministratorAccess" else policy(a, ALLOW_ALL)
        for a in admin
    ]
    return {
        "name": name,
        "arn": f"arn:aws:iam::1:role/{name}",
        "agents": [name.split("-")[0]],
        "boundary": boundary,
        "attached": attached,
        "inline": [{"name": "scoped", "statements": [SCOPED]}],
        "error": None,
        "error_action": None,
        **kw,
    }


def roles(*rs: dict, without=()) -> dict:
    return {"iam__agent_roles": {"roles": list(rs), "agents_without_role": list(without), "errors": []}}


def test_agent_roles_scoped_or_bounded_are_least_privilege(scope) -> None:
    v = run(
        scope,
        "agent_roles_least_privilege",
        **roles(role("helper-role"), role("sup-role", admin=["AdministratorAccess"], boundary="arn:b")),
    )
    assert v.value is True
    assert "2 agent roles checked" in v.summary and "sup-role (permissions boundary)" in v.summary


def test_admin_agent_role_without_boundary(scope) -> None:
    v = run(
        scope,
        "agent_roles_least_privilege",
        **roles(role("helper-role"), role("sup-role", admin=["AdministratorAccess"])),
    )
    assert v.value is False
    assert "sup-role (AdministratorAccess)" in v.summary and "administrator access" in v.summary
    assert any("agent sup" in d for d in v.details)


def test_admin_statements_in_a_saved_snapshot_are_judged_by_the_probe(scope) -> None:
    """The collector keeps the statements; changing them in the snapshot changes the verdict."""
    scoped = role("sup-role", attached=[policy("custom", SCOPED)])
    assert run(scope, "agent_roles_least_privilege", **roles(scoped)).value is True
    allow_all = role("sup-role", attached=[policy("custom", SCOPED, ALLOW_ALL)])
    v = run(scope, "agent_roles_least_privilege", **roles(allow_all))
    assert v.value is False and "sup-role (custom)" in v.summary
    inline_admin = role(
        "sup-role", inline=[{"name": "inline-star", "statements": [{**ALLOW_ALL, "Action": ["*:*"]}]}]
    )
    v = run(scope, "agent_roles_least_privilege", **roles(inline_admin))
    assert v.value is False and "sup-role (inline-star)" in v.summary
    denied = role("sup-role", inline=[{"name": "deny", "statements": [{**ALLOW_ALL, "Effect": "Deny"}]}])
    assert run(scope, "agent_roles_least_privilege", **roles(denied)).value is True
    on_prefix = role("sup-role", attached=[policy("s3", {**ALLOW_ALL, "Resource": ["arn:aws:s3:::docs/*"]})])
    assert run(scope, "agent_roles_least_privilege", **roles(on_prefix)).value is True


def test_aws_managed_administrator_access_is_judged_by_name(scope) -> None:
    managed = role(
        "sup-role",
        attached=[policy("AdministratorAccess", arn="arn:aws:iam::aws:policy/AdministratorAccess")],
    )
    assert run(scope, "agent_roles_least_privilege", **roles(managed)).value is False
    other = role(
        "sup-role", attached=[policy("ReadOnlyAccess", arn="arn:aws:iam::aws:policy/ReadOnlyAccess")]
    )
    assert run(scope, "agent_roles_least_privilege", **roles(other)).value is True


def test_no_agents_is_not_met(scope) -> None:
    v = run(scope, "agent_roles_least_privilege", **roles())
    assert v.value is False and "no agents" in v.summary


def test_unreadable_role_is_unknown_with_the_action(scope) -> None:
    v = run(
        scope,
        "agent_roles_least_privilege",
        **roles(
            role("ok-role"),
            role(
                "x-role",
                attached=None,
                inline=None,
                error="permission iam:GetRole was denied",
                error_action="iam:GetRole",
            ),
        ),
    )
    assert v.value is None and v.missing == ("iam:GetRole",) and "x-role" in v.summary


def test_agent_with_unknown_role_is_unknown(scope) -> None:
    v = run(scope, "agent_roles_least_privilege", **roles(role("ok-role"), without=["ghost"]))
    assert v.value is None and "ghost" in v.summary


def test_an_admin_role_decides_even_when_another_is_unknown(scope) -> None:
    v = run(
        scope,
        "agent_roles_least_privilege",
        **roles(role("sup-role", admin=["do-anything"]), without=["ghost"]),
    )
    assert v.value is False


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


@pytest.mark.parametrize(
    ("data", "value", "text"),
    [
        ({"notebooks": ["prompt-lab"], "domains": []}, True, "notebook instance prompt-lab"),
        ({"notebooks": [], "domains": ["studio"]}, True, "Studio domain studio"),
        ({"notebooks": [], "domains": []}, False, "No SageMaker notebook"),
    ],
)
def test_sagemaker_notebooks_present(scope, data, value, text) -> None:
    v = run(scope, "sagemaker_notebooks_present", sagemaker__notebooks=data)
    assert v.value is value and text in v.summary


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


@pytest.mark.parametrize(
    ("cols", "value", "text"),
    [
        ([("kb", "VECTORSEARCH"), ("logs", "TIMESERIES")], True, "collection kb exists"),
        ([("logs", "TIMESERIES")], False, "logs (TIMESERIES)"),
        ([], False, "No OpenSearch Serverless collection exists"),
        ([("kb", None)], None, "type could not be read"),
    ],
)
def test_vector_collections_present(scope, cols, value, text) -> None:
    v = run(
        scope,
        "vector_collections_present",
        aoss__collections={
            "collections": [{"name": n, "id": n, "status": "ACTIVE", "type": t} for n, t in cols],
            "errors": [],
        },
    )
    assert v.value is value and text in v.summary
