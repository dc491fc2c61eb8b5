"""AgentCore control-plane probes on hand-built snapshots (no AWS)."""

from __future__ import annotations

import pytest

from llmops_audit.probes import PROBES, run_probe
from tests.helpers import denied, snapshot

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
WI = f"{ARN}workload-identity-directory/default/workload-identity/"
PE = f"{ARN}policy-engine/rules-0123456789"


def runtime(
    name="bot", *, endpoints=(("DEFAULT", "3"), ("prod", "2")), role=None, identity=None, detail=True
):
    return {
        "id": f"{name}-0123456789",
        "name": name,
        "arn": f"{ARN}runtime/{name}-0123456789",
        "status": "READY",
        "version": "3",
        "detail": detail,
        "roleArn": (role or f"arn:aws:iam::123456789012:role/{name}") if detail else None,
        "networkMode": "PUBLIC" if detail else None,
        "protocol": "HTTP" if detail else None,
        "artifactType": "container" if detail else None,
        "authorizer": None,
        "workloadIdentityArn": (identity or f"{WI}{name}-0123456789") if detail else None,
        "versions": [{"version": v, "status": "READY"} for v in ("1", "2", "3")],
        "endpoints": None
        if endpoints is None
        else [
            {"id": f"{n}-e", "name": n, "arn": None, "status": "READY", "liveVersion": v, "targetVersion": v}
            for n, v in endpoints
        ],
        "tags": {},
    }


def runtimes(*items, errors=(), truncated=False):
    return {"runtimes": list(items), "truncated": truncated, "errors": list(errors)}


def target(name="orders", providers=(("GATEWAY_IAM_ROLE", None),), detail=True):
    return {
        "id": f"{name}-t",
        "name": name,
        "status": "READY",
        "targetType": "LAMBDA",
        "configuration": "mcp.lambda",
        "lambdaArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        "runtimeArn": None,
        "detail": detail,
        "credentialProviders": None
        if not detail
        else [{"type": t, "providerArn": a, "grantType": None} for t, a in providers],
    }


def gateway(name="tools", *, auth="AWS_IAM", engine=(PE, "ENFORCE"), targets=None, detail=True):
    return {
        "id": f"{name}-g",
        "name": name,
        "arn": f"{ARN}gateway/{name}-g",
        "status": "READY",
        "detail": detail,
        "authorizerType": auth,
        "roleArn": "arn:aws:iam::123456789012:role/gw",
        "protocolType": "MCP",
        "policyEngine": {"arn": engine[0], "mode": engine[1]} if engine and detail else None,
        "workloadIdentityArn": f"{WI}{name}",
        "interceptors": 0,
        "webAcl": False,
        "kmsKey": False,
        "targets": [target()] if targets is None else targets,
        "tags": {},
    }


def gateways(*items, errors=(), truncated=False):
    return {"gateways": list(items), "truncated": truncated, "errors": list(errors)}


def policy(name, effect="permit", constrained=True, mode="ACTIVE", status="ACTIVE"):
    return {
        "id": f"{name}-0123456789",
        "name": name,
        "arn": None,
        "status": status,
        "enforcementMode": mode,
        "kind": "cedar",
        "effect": effect,
        "constrained": constrained,
    }


def engines(*policies, status="ACTIVE", arn=PE, errors=()):
    return {
        "engines": [
            {
                "id": "rules-0123456789",
                "name": "rules",
                "arn": arn,
                "status": status,
                "policies": None if policies == (None,) else list(policies),
            }
        ],
        "truncated": False,
        "errors": list(errors),
    }


def run(probe_id, scope, params=None, snap=None, **sections):
    return run_probe(probe_id, snap or snapshot(scope, **sections), params or {})


def test_every_probe_is_registered_with_its_sections():
    assert PROBES["agentcore_runtimes_versioned"].needs == ("agentcore.runtimes",)
    assert PROBES["agentcore_gateway_policy_enforced"].needs == (
        "agentcore.gateways",
        "agentcore.policy_engines",
    )
    for pid in (
        "agentcore_runtimes_present",
        "agentcore_endpoints_per_environment",
        "agentcore_gateway_targets_authorized",
        "agentcore_identities_distinct",
        "agentcore_online_evaluation_enabled",
        "agentcore_memory_configured",
    ):
        assert PROBES[pid].claim, pid


# -- no AgentCore at all: not met, and it says so; a failed section: unknown ---------------------------------


EMPTY = {
    "agentcore_runtimes_present": {"agentcore__runtimes": runtimes()},
    "agentcore_runtimes_versioned": {"agentcore__runtimes": runtimes()},
    "agentcore_endpoints_per_environment": {"agentcore__runtimes": runtimes()},
    "agentcore_identities_distinct": {"agentcore__runtimes": runtimes()},
    "agentcore_gateway_targets_authorized": {"agentcore__gateways": gateways()},
    "agentcore_gateway_policy_enforced": {
        "agentcore__gateways": gateways(),
        "agentcore__policy_engines": {"engines": [], "truncated": False, "errors": []},
    },
    "agentcore_online_evaluation_enabled": {
        "agentcore__online_evaluations": {"configs": [], "truncated": False, "errors": []}
    },
    "agentcore_memory_configured": {
        "agentcore__memories": {"memories": [], "truncated": False, "errors": []}
    },
}


@pytest.mark.parametrize("probe_id", sorted(EMPTY))
def test_no_agentcore_is_not_met_and_says_so(scope, probe_id):
    f = run(probe_id, scope, **EMPTY[probe_id])
    assert f.value is False, f.summary
    assert "No AgentCore" in f.summary


@pytest.mark.parametrize("probe_id", sorted(EMPTY))
def test_a_failed_section_is_unknown(scope, probe_id):
    snap = snapshot(scope, **EMPTY[probe_id])
    first = PROBES[probe_id].needs[0]
    f = run(probe_id, scope, snap=denied(snap, first, "bedrock-agentcore:ListSomething"))
    assert f.value is None and f.missing == ("bedrock-agentcore:ListSomething",)


# -- runtimes ---------------------------------------------------------------------------------------


def test_runtimes_present(scope):
    assert run("agentcore_runtimes_present", scope, agentcore__runtimes=runtimes(runtime())).value is True
    gone = runtime()
    gone["status"] = "DELETING"
    assert run("agentcore_runtimes_present", scope, agentcore__runtimes=runtimes(gone)).value is False


def test_runtime_versioned_through_a_named_endpoint(scope):
    f = run("agentcore_runtimes_versioned", scope, agentcore__runtimes=runtimes(runtime()))
    assert f.value is True and "prod -> v2" in f.summary


def test_default_endpoint_only_is_not_versioned(scope):
    data = runtimes(runtime("a"), runtime("b", endpoints=(("DEFAULT", "3"),)))
    f = run("agentcore_runtimes_versioned", scope, agentcore__runtimes=data)
    assert f.value is False and "b" in f.summary and "DEFAULT" in f.summary
    # one pinned runtime is enough to show versioning exists (L1.4's negation)
    assert (
        run("agentcore_runtimes_versioned", scope, {"any_runtime": True}, agentcore__runtimes=data).value
        is True
    )
    only_default = runtimes(runtime("b", endpoints=(("DEFAULT", "3"),)))
    assert (
        run(
            "agentcore_runtimes_versioned", scope, {"any_runtime": True}, agentcore__runtimes=only_default
        ).value
        is False
    )


def test_unread_endpoints_are_unknown(scope):
    err = {
        "action": "bedrock-agentcore:ListAgentRuntimeEndpoints",
        "kind": "denied",
        "resource": "runtime b",
        "message": "",
    }
    data = runtimes(runtime("a"), runtime("b", endpoints=None), errors=[err])
    f = run("agentcore_runtimes_versioned", scope, agentcore__runtimes=data)
    assert f.value is None and f.missing == ("bedrock-agentcore:ListAgentRuntimeEndpoints",)
    # but one pinned runtime already answers the any_runtime question
    assert (
        run("agentcore_runtimes_versioned", scope, {"any_runtime": True}, agentcore__runtimes=data).value
        is True
    )


def test_truncated_runtimes_cannot_prove_every_one(scope):
    f = run("agentcore_runtimes_versioned", scope, agentcore__runtimes=runtimes(runtime(), truncated=True))
    assert f.value is None


def test_endpoints_per_environment(scope):
    data = runtimes(runtime(endpoints=(("DEFAULT", "3"), ("staging", "3"), ("prod", "2"))))
    f = run("agentcore_endpoints_per_environment", scope, agentcore__runtimes=data)
    assert f.value is True and "prod, stage" in f.summary
    assert (
        run("agentcore_endpoints_per_environment", scope, agentcore__runtimes=runtimes(runtime())).value
        is False
    )


# -- identity ---------------------------------------------------------------------------------------


def test_distinct_identities_and_roles(scope):
    f = run("agentcore_identities_distinct", scope, agentcore__runtimes=runtimes(runtime("a"), runtime("b")))
    assert f.value is True


def test_a_shared_role_or_identity_is_not_distinct(scope):
    shared = "arn:aws:iam::123456789012:role/agents"
    data = runtimes(runtime("a", role=shared), runtime("b", role=shared))
    f = run("agentcore_identities_distinct", scope, agentcore__runtimes=data)
    assert f.value is False and "share role agents" in f.summary
    assert (
        run(
            "agentcore_identities_distinct", scope, {"allow_shared_role": True}, agentcore__runtimes=data
        ).value
        is True
    )
    same_id = runtimes(runtime("a", identity=f"{WI}shared"), runtime("b", identity=f"{WI}shared"))
    f = run("agentcore_identities_distinct", scope, {"allow_shared_role": True}, agentcore__runtimes=same_id)
    assert f.value is False and "share shared" in f.summary


def test_an_unread_runtime_leaves_identity_unknown(scope):
    err = {
        "action": "bedrock-agentcore:GetAgentRuntime",
        "kind": "denied",
        "resource": "runtime b",
        "message": "",
    }
    data = runtimes(runtime("a"), runtime("b", detail=False), errors=[err])
    f = run("agentcore_identities_distinct", scope, agentcore__runtimes=data)
    assert f.value is None and f.missing == ("bedrock-agentcore:GetAgentRuntime",)


# -- gateway policy -----------------------------------------------------------------------------------


def test_an_enforced_engine_with_a_constraining_policy(scope):
    f = run(
        "agentcore_gateway_policy_enforced",
        scope,
        agentcore__gateways=gateways(gateway()),
        agentcore__policy_engines=engines(policy("refunds"), policy("allow_all", constrained=False)),
    )
    assert f.value is True and "tools" in f.summary


@pytest.mark.parametrize(
    ("gw", "pe", "why"),
    [
        (gateway(engine=None), engines(policy("refunds")), "no policy engine"),
        (gateway(engine=(PE, "LOG_ONLY")), engines(policy("refunds")), "log_only mode"),
        (gateway(), engines(policy("allow_all", constrained=False)), "permits every call"),
        (gateway(), engines(policy("refunds", mode="LOG_ONLY")), "log only"),
        (gateway(), engines(policy("refunds", status="CREATING")), "creating"),
        (gateway(), engines(), "no active constraining policy"),
        (gateway(), engines(policy("refunds"), status="UPDATE_FAILED"), "update_failed"),
    ],
)
def test_policies_that_enforce_nothing(scope, gw, pe, why):
    f = run(
        "agentcore_gateway_policy_enforced",
        scope,
        agentcore__gateways=gateways(gw),
        agentcore__policy_engines=pe,
    )
    assert f.value is False, f.summary
    assert why in f.summary


def test_policy_engine_unknowns(scope):
    # the engine's policies could not be listed
    err = {
        "action": "bedrock-agentcore:ListPolicies",
        "kind": "denied",
        "resource": "policy engine rules",
        "message": "",
    }
    f = run(
        "agentcore_gateway_policy_enforced",
        scope,
        agentcore__gateways=gateways(gateway()),
        agentcore__policy_engines=engines(None, errors=[err]),
    )
    assert f.value is None and f.missing == ("bedrock-agentcore:ListPolicies",)
    # the gateway names an engine that is not listed (another account's, or deleted)
    f = run(
        "agentcore_gateway_policy_enforced",
        scope,
        agentcore__gateways=gateways(gateway()),
        agentcore__policy_engines=engines(policy("refunds"), arn=f"{ARN}policy-engine/other-0123456789"),
    )
    assert f.value is None
    # the gateway detail was not read
    f = run(
        "agentcore_gateway_policy_enforced",
        scope,
        agentcore__gateways=gateways(gateway(detail=False)),
        agentcore__policy_engines=engines(policy("refunds")),
    )
    assert f.value is None


def test_every_gateway(scope):
    gws = gateways(gateway("a"), gateway("b", engine=None))
    pe = engines(policy("refunds"))
    assert (
        run(
            "agentcore_gateway_policy_enforced", scope, agentcore__gateways=gws, agentcore__policy_engines=pe
        ).value
        is True
    )
    f = run(
        "agentcore_gateway_policy_enforced",
        scope,
        {"every_gateway": True},
        agentcore__gateways=gws,
        agentcore__policy_engines=pe,
    )
    assert f.value is False and "b (no policy engine)" in f.summary


# -- gateway authorization ----------------------------------------------------------------------------


def test_authorized_gateways_and_targets(scope):
    gw = gateway(
        targets=[
            target(),
            target("crm", providers=(("OAUTH", f"{ARN}token-vault/default/oauth2credentialprovider/crm"),)),
        ]
    )
    f = run(
        "agentcore_gateway_targets_authorized",
        scope,
        agentcore__gateways=gateways(gw, gateway("jwt", auth="CUSTOM_JWT")),
    )
    assert f.value is True


@pytest.mark.parametrize(
    ("gw", "why"),
    [
        (gateway(auth="NONE"), "inbound authorizer NONE"),
        (gateway(auth="AUTHENTICATE_ONLY"), "inbound authorizer AUTHENTICATE_ONLY"),
        (gateway(targets=[target(providers=())]), "no outbound credentials"),
    ],
)
def test_unauthorized_gateways(scope, gw, why):
    f = run("agentcore_gateway_targets_authorized", scope, agentcore__gateways=gateways(gw))
    assert f.value is False and why in f.summary


def test_unread_targets_are_unknown(scope):
    err = {
        "action": "bedrock-agentcore:GetGatewayTarget",
        "kind": "denied",
        "resource": "gateway tools target orders",
        "message": "",
    }
    f = run(
        "agentcore_gateway_targets_authorized",
        scope,
        agentcore__gateways=gateways(gateway(targets=[target(detail=False)]), errors=[err]),
    )
    assert f.value is None and f.missing == ("bedrock-agentcore:GetGatewayTarget",)


# -- online evaluation and memory ---------------------------------------------------------------------


def evaluation(
    name="quality",
    *,
    status="ACTIVE",
    execution="ENABLED",
    sampling=10.0,
    evaluators=("Builtin.Helpfulness",),
    detail=True,
):
    return {
        "id": f"{name}-0123456789",
        "arn": None,
        "name": name,
        "status": status,
        "executionStatus": execution,
        "detail": detail,
        "samplingPercentage": sampling if detail else None,
        "filters": 0,
        "evaluators": list(evaluators) if detail else None,
        "logGroupNames": ["aws/spans"],
        "logGroupNamePrefixes": [],
        "serviceNames": ["bot.DEFAULT"],
        "outputLogGroup": None,
        "outputMetricsNamespace": None,
        "roleArn": None,
    }


def evaluations(*items, errors=()):
    return {"configs": list(items), "truncated": False, "errors": list(errors)}


def test_online_evaluation_enabled(scope):
    f = run(
        "agentcore_online_evaluation_enabled", scope, agentcore__online_evaluations=evaluations(evaluation())
    )
    assert f.value is True and "10% sampled" in f.summary


@pytest.mark.parametrize(
    ("cfg", "why"),
    [
        (evaluation(execution="DISABLED"), "disabled"),
        (evaluation(status="ERROR"), "error"),
        (evaluation(sampling=0.0), "samples 0.0%"),
        (evaluation(evaluators=()), "no evaluator"),
    ],
)
def test_online_evaluation_not_scoring(scope, cfg, why):
    f = run("agentcore_online_evaluation_enabled", scope, agentcore__online_evaluations=evaluations(cfg))
    assert f.value is False and why in f.summary


def test_online_evaluation_min_sampling_and_unknown(scope):
    data = evaluations(evaluation(sampling=1.0))
    assert (
        run(
            "agentcore_online_evaluation_enabled",
            scope,
            {"min_sampling": 5.0},
            agentcore__online_evaluations=data,
        ).value
        is False
    )
    err = {
        "action": "bedrock-agentcore:GetOnlineEvaluationConfig",
        "kind": "denied",
        "resource": "online evaluation quality",
        "message": "",
    }
    f = run(
        "agentcore_online_evaluation_enabled",
        scope,
        agentcore__online_evaluations=evaluations(evaluation(detail=False), errors=[err]),
    )
    assert f.value is None and f.missing == ("bedrock-agentcore:GetOnlineEvaluationConfig",)


def memory(name="mem", *, status="ACTIVE", expiry=30, strategies=("SEMANTIC",), detail=True):
    return {
        "id": f"{name}-0123456789",
        "arn": None,
        "name": name,
        "status": status,
        "detail": detail,
        "eventExpiryDays": expiry if detail else None,
        "encrypted": False,
        "executionRoleArn": None,
        "managedByResourceArn": None,
        "strategies": [
            {"id": t, "type": t, "status": "ACTIVE", "override": None, "recordExpiryDays": None}
            for t in strategies
        ]
        if detail
        else None,
    }


def memories(*items, errors=()):
    return {"memories": list(items), "truncated": False, "errors": list(errors)}


def test_memory_configured(scope):
    f = run("agentcore_memory_configured", scope, agentcore__memories=memories(memory()))
    assert f.value is True and "SEMANTIC" in f.summary
    short = memories(memory(strategies=()))
    assert run("agentcore_memory_configured", scope, agentcore__memories=short).value is True
    assert (
        run("agentcore_memory_configured", scope, {"long_term": True}, agentcore__memories=short).value
        is False
    )
    assert (
        run("agentcore_memory_configured", scope, agentcore__memories=memories(memory(status="FAILED"))).value
        is False
    )
    err = {
        "action": "bedrock-agentcore:GetMemory",
        "kind": "denied",
        "resource": "memory mem-0123456789",
        "message": "",
    }
    f = run(
        "agentcore_memory_configured", scope, agentcore__memories=memories(memory(detail=False), errors=[err])
    )
    assert f.value is None


def test_one_runtime_is_not_a_multi_agent_system(scope) -> None:
    from llmops_audit.probes import run_probe
    from tests.helpers import snapshot

    def rt(name: str) -> dict:
        return {
            "name": name,
            "status": "READY",
            "detail": True,
            "roleArn": f"arn:aws:iam::1:role/{name}",
            "workloadIdentityArn": f"arn:aws:bedrock-agentcore:us-east-1:1:workload-identity/{name}",
        }

    def run(*runtimes: dict):
        snap = snapshot(
            scope, agentcore__runtimes={"runtimes": list(runtimes), "truncated": False, "errors": []}
        )
        return run_probe("agentcore_identities_distinct", snap, {"min_runtimes": 2})

    assert run(rt("a")).value is False
    assert run(rt("a"), rt("b")).value is True
