"""Bedrock control-plane probes on hand-built snapshots (no AWS)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from llmops_audit.evidence.snapshot import SectionError
from llmops_audit.probes import run_probe
from tests.helpers import snapshot


def guardrail(**kw):
    g = {
        "id": "g1",
        "name": "support-guardrail",
        "arn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1",
        "status": "READY",
        "versions": ["1"],
        "detail_version": "1",
        "content_filters": [],
        "pii_entities": [],
        "regex_count": 0,
        "regex_actions": [],
        "grounding_filters": [],
        "automated_reasoning_policies": [],
        "topic_count": 0,
        "word_count": 0,
    }
    g.update(kw)
    return g


PII = {"pii_entities": [{"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "NAME", "action": "NONE"}]}


def gr(*guardrails, errors=()):
    return {"guardrails": list(guardrails), "errors": list(errors)}


def invoked(gid="g1", version="1", n=120.0):
    """cloudwatch.metric_stats with guardrail `gid`'s own Invocations series (GuardrailArn + GuardrailVersion)."""
    arn = f"arn:aws:bedrock:us-east-1:123456789012:guardrail/{gid}"
    return {
        "period_seconds": 604800,
        "series": [
            {
                "namespace": "AWS/Bedrock/Guardrails",
                "metric": "Invocations",
                "stat": "Sum",
                "dimensions": {"GuardrailArn": arn, "GuardrailVersion": version},
                "value": n,
            }
        ],
    }


# Every usage source read: the guardrail is invoked per request and attached to nothing.
USED = {
    "cloudwatch__metric_stats": invoked(),
    "agents__agents": {"agents": [], "errors": []},
    "bedrock__enforced_guardrails": {"configs": []},
}
NO_USE = {
    "cloudwatch__metric_stats": {"period_seconds": 604800, "series": []},
    "agents__agents": {"agents": [], "errors": []},
    "bedrock__enforced_guardrails": {"configs": []},
}


def agents(*items):
    return {"agents": list(items), "errors": []}


def agent(name="bot", guard=None):
    return {
        "id": name,
        "name": name,
        "detail": True,
        "guardrail": guard,
        "roleArn": f"arn:aws:iam::1:role/{name}",
    }


def job(
    scope,
    name="j1",
    days_ago=5,
    status="Completed",
    job_type="Automated",
    metrics=("Builtin.Faithfulness",),
    detail=True,
):
    return {
        "arn": f"arn:{name}",
        "name": name,
        "status": status,
        "jobType": job_type,
        "applicationType": "RagEvaluation",
        "creationTime": (scope.end - timedelta(days=days_ago)).isoformat(),
        "detail": detail,
        "metricNames": list(metrics) if detail else [],
        "scores": None,
    }


def evals(*jobs, errors=()):
    return {"since": "", "jobs": list(jobs), "truncated": False, "errors": list(errors)}


def run(probe_id, scope, params=None, **sections):
    return run_probe(probe_id, snapshot(scope, **sections), params or {})


# -- invocation logging -----------------------------------------------------------------------------

LOGGING_ON = {
    "enabled": True,
    "logGroupName": "/aws/bedrock/modelinvocations",
    "s3Bucket": None,
    "textDataDeliveryEnabled": True,
}


def test_logging_met_with_existing_group(scope):
    f = run(
        "bedrock_invocation_logging_enabled",
        scope,
        bedrock__invocation_logging=LOGGING_ON,
        logs__invocation_log_group={
            "exists": True,
            "name": "/aws/bedrock/modelinvocations",
            "retentionInDays": 30,
        },
    )
    assert f.value is True
    assert "/aws/bedrock/modelinvocations" in f.summary and any("30-day" in d for d in f.details)


def test_logging_met_without_group_evidence(scope):
    # With an S3 destination as well, delivery works whether or not the log group exists.
    both = {**LOGGING_ON, "s3Bucket": "invocation-logs-123456789012"}
    f = run("bedrock_invocation_logging_enabled", scope, bedrock__invocation_logging=both)
    assert f.value is True and any("could not be checked" in d for d in f.details)
    # Before: met. Logging only to a group whose existence could not be read may deliver nothing: unknown.
    f = run("bedrock_invocation_logging_enabled", scope, bedrock__invocation_logging=LOGGING_ON)
    assert f.value is None and f.missing == ("logs:DescribeLogGroups",)


@pytest.mark.parametrize(
    "cfg,group,needle",
    [
        (
            {"enabled": False, "logGroupName": None, "s3Bucket": None, "textDataDeliveryEnabled": False},
            None,
            "no CloudWatch Logs or S3 destination",
        ),
        ({**LOGGING_ON, "textDataDeliveryEnabled": False}, None, "text data delivery is off"),
        (LOGGING_ON, {"exists": False, "name": "/aws/bedrock/modelinvocations"}, "does not exist"),
    ],
)
def test_logging_not_met(scope, cfg, group, needle):
    sections = {"bedrock__invocation_logging": cfg}
    if group:
        sections["logs__invocation_log_group"] = group
    f = run("bedrock_invocation_logging_enabled", scope, **sections)
    assert f.value is False and needle in f.summary


def test_logging_denied_is_unknown(scope):
    snap = snapshot(scope)
    snap.errors["bedrock.invocation_logging"] = SectionError(
        "denied", "bedrock:GetModelInvocationLoggingConfiguration", "x"
    )
    f = run_probe("bedrock_invocation_logging_enabled", snap, {})
    assert f.value is None and f.missing == ("bedrock:GetModelInvocationLoggingConfiguration",)


# -- guardrails -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "probe_id,good",
    [
        ("guardrail_pii_policy_present", PII),
        (
            "guardrail_prompt_attack_filter_present",
            {
                "content_filters": [
                    {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
                ]
            },
        ),
        (
            "guardrail_contextual_grounding_present",
            {
                "grounding_filters": [
                    {"type": "GROUNDING", "threshold": 0.8, "action": "BLOCK", "enabled": True}
                ]
            },
        ),
        (
            "guardrail_automated_reasoning_attached",
            {"automated_reasoning_policies": ["arn:aws:bedrock:x:policy/p1"]},
        ),
    ],
)
def test_guardrail_policy_probes(scope, probe_id, good):
    assert run(probe_id, scope, bedrock__guardrails=gr(guardrail(**good)), **USED).value is True
    f = run(probe_id, scope, bedrock__guardrails=gr(guardrail()), **USED)
    assert f.value is False and "support-guardrail" in f.summary
    assert run(probe_id, scope, bedrock__guardrails=gr(), **USED).value is False
    unread = gr(
        guardrail(detail_version=None),
        errors=[
            {"action": "bedrock:GetGuardrail", "kind": "denied", "resource": "guardrail support-guardrail"}
        ],
    )
    f = run(probe_id, scope, bedrock__guardrails=unread, **USED)
    assert f.value is None and f.missing == ("bedrock:GetGuardrail",)


def test_prompt_attack_filter_off_is_not_met(scope):
    off = guardrail(
        content_filters=[{"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE"}]
    )
    assert run("guardrail_prompt_attack_filter_present", scope, bedrock__guardrails=gr(off)).value is False


def test_pii_entities_with_action_none_do_not_count(scope):
    g = guardrail(pii_entities=[{"type": "EMAIL", "action": "NONE"}])
    assert run("guardrail_pii_policy_present", scope, bedrock__guardrails=gr(g)).value is False


def test_contextual_grounding_absent_is_unknown_when_asked(scope):
    f = run(
        "guardrail_contextual_grounding_present",
        scope,
        {"absent_is_unknown": True},
        bedrock__guardrails=gr(guardrail()),
        **USED,
    )
    assert f.value is None and "attest" in f.summary


def test_guardrail_versions(scope):
    assert run("guardrail_versions_published", scope, bedrock__guardrails=gr(guardrail())).value is True
    f = run("guardrail_versions_published", scope, bedrock__guardrails=gr(guardrail(versions=[])))
    assert f.value is False and "only a DRAFT" in f.summary


def test_pii_enforced_via_agent(scope):
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**PII)),
        agents__agents=agents(agent("bot", {"id": "g1", "version": "1"})),
    )
    assert f.value is True and "support-guardrail v1" in f.summary and "attached to agent bot" in f.summary


def test_pii_enforced_account_wide_by_arn(scope):
    g = guardrail(**PII)
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(g),
        bedrock__enforced_guardrails={"configs": [{"guardrailArn": g["arn"], "guardrailVersion": "1"}]},
    )
    assert f.value is True and "enforced" in f.summary


def test_pii_enforced_not_attached(scope):
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**PII)),
        agents__agents=agents(agent("bot")),
        bedrock__enforced_guardrails={"configs": []},
        cloudwatch__metric_stats=NO_USE["cloudwatch__metric_stats"],
    )
    assert f.value is False and "protects nothing" in f.summary


def test_pii_enforced_unknown_without_enforcement_evidence(scope):
    snap = snapshot(
        scope,
        bedrock__guardrails=gr(guardrail(**PII)),
        agents__agents=agents(agent("bot")),
        cloudwatch__metric_stats=NO_USE["cloudwatch__metric_stats"],
    )
    snap.errors["bedrock.enforced_guardrails"] = SectionError(
        "unsupported", "bedrock:ListEnforcedGuardrailsConfiguration", "x"
    )
    f = run_probe("guardrail_pii_enforced", snap, {})
    assert f.value is None and f.missing == ("bedrock:ListEnforcedGuardrailsConfiguration",)


def test_pii_enforced_without_pii_guardrail(scope):
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail()),
        agents__agents=agents(agent("bot", {"id": "g1", "version": "1"})),
        bedrock__enforced_guardrails={"configs": []},
    )
    assert f.value is False


# -- evaluations ------------------------------------------------------------------------------------


def test_automated_evaluation_jobs_completed(scope):
    assert (
        run(
            "automated_evaluation_jobs_completed",
            scope,
            {"days": 90},
            bedrock__evaluation_jobs=evals(job(scope, days_ago=10)),
        ).value
        is True
    )
    f = run(
        "automated_evaluation_jobs_completed",
        scope,
        {"days": 90},
        bedrock__evaluation_jobs=evals(
            job(scope, days_ago=120), job(scope, "h", job_type="Human"), job(scope, "f", status="Failed")
        ),
    )
    assert f.value is False and "h Human/Completed" in f.summary


def test_hallucination_and_refusal_metrics(scope):
    data = evals(job(scope, metrics=("Builtin.Faithfulness", "Builtin.Refusal")))
    assert run("evaluation_hallucination_metrics_used", scope, bedrock__evaluation_jobs=data).value is True
    assert run("evaluation_refusal_metrics_used", scope, bedrock__evaluation_jobs=data).value is True
    other = evals(job(scope, metrics=("Builtin.Helpfulness",)))
    assert run("evaluation_hallucination_metrics_used", scope, bedrock__evaluation_jobs=other).value is False
    assert run("evaluation_refusal_metrics_used", scope, bedrock__evaluation_jobs=other).value is False
    unread = evals(
        job(scope, detail=False),
        errors=[{"action": "bedrock:GetEvaluationJob", "kind": "denied", "resource": "evaluation job j1"}],
    )
    f = run("evaluation_hallucination_metrics_used", scope, bedrock__evaluation_jobs=unread)
    assert f.value is None and f.missing == ("bedrock:GetEvaluationJob",)


def test_evaluations_recurring(scope):
    two = evals(job(scope, "a", days_ago=3), job(scope, "b", days_ago=20))
    assert (
        run("evaluations_recurring", scope, {"days": 30, "min_jobs": 2}, bedrock__evaluation_jobs=two).value
        is True
    )
    one = evals(job(scope, "a", days_ago=3), job(scope, "b", days_ago=40))
    f = run("evaluations_recurring", scope, {"days": 30, "min_jobs": 2}, bedrock__evaluation_jobs=one)
    assert f.value is False and "Only 1 automated evaluation job" in f.summary


def test_human_evaluation_jobs(scope):
    assert (
        run(
            "human_evaluation_jobs_present",
            scope,
            bedrock__evaluation_jobs=evals(job(scope, job_type="Human")),
        ).value
        is True
    )
    assert (
        run("human_evaluation_jobs_present", scope, bedrock__evaluation_jobs=evals(job(scope))).value is False
    )


# -- profiles, routers, jobs ------------------------------------------------------------------------


def profile(tags):
    return {
        "id": "p1",
        "name": "support-app",
        "arn": "arn:p1",
        "status": "ACTIVE",
        "type": "APPLICATION",
        "models": [],
        "tags": tags,
    }


def test_application_profiles(scope):
    data = {"profiles": [profile({"app": "support"})], "errors": []}
    assert (
        run("application_inference_profiles_present", scope, bedrock__inference_profiles=data).value is True
    )
    # A profile's tag attributes cost only once its key is an active cost-allocation tag.
    active = {"tags": ["app"], "types": {"app": "UserDefined"}}
    assert (
        run(
            "application_inference_profiles_tagged",
            scope,
            bedrock__inference_profiles=data,
            ce__cost_allocation_tags=active,
        ).value
        is True
    )
    empty = {"profiles": [], "errors": []}
    assert (
        run("application_inference_profiles_present", scope, bedrock__inference_profiles=empty).value is False
    )
    assert (
        run("application_inference_profiles_tagged", scope, bedrock__inference_profiles=empty).value is False
    )
    untagged = {"profiles": [profile({"aws:cloudformation:stack-name": "s"})], "errors": []}
    assert (
        run("application_inference_profiles_tagged", scope, bedrock__inference_profiles=untagged).value
        is False
    )
    unread = {
        "profiles": [profile(None)],
        "errors": [{"action": "bedrock:ListTagsForResource", "resource": "p"}],
    }
    f = run("application_inference_profiles_tagged", scope, bedrock__inference_profiles=unread)
    assert f.value is None and f.missing == ("bedrock:ListTagsForResource",)


def test_prompt_routers(scope):
    router = {
        "name": "r1",
        "arn": "arn:r1",
        "status": "AVAILABLE",
        "type": "custom",
        "models": ["a", "b"],
        "fallbackModel": "arn:aws:bedrock:us-east-1::foundation-model/b",
    }
    assert run("prompt_router_configured", scope, bedrock__prompt_routers={"routers": [router]}).value is True
    assert run("prompt_router_configured", scope, bedrock__prompt_routers={"routers": []}).value is False
    # a default router (every account has them) or a router with one model does not route anything
    for other in ({**router, "type": "default"}, {**router, "models": ["b"]}):
        f = run("prompt_router_configured", scope, bedrock__prompt_routers={"routers": [other]})
        assert f.value is False, other
    # fallbackModel is required on every router and is its default model, not a failure fallback
    f = run("prompt_router_fallback_configured", scope, bedrock__prompt_routers={"routers": [router]})
    assert f.value is False and "not a fallback on failure" in f.summary
    assert (
        run("prompt_router_fallback_configured", scope, bedrock__prompt_routers={"routers": []}).value
        is False
    )


def test_batch_jobs(scope):
    j = {
        "arn": "a",
        "name": "nightly",
        "status": "Completed",
        "modelId": "m",
        "submitTime": (scope.end - timedelta(days=2)).isoformat(),
        "endTime": None,
    }
    assert run("batch_inference_jobs_present", scope, bedrock__invocation_jobs={"jobs": [j]}).value is True
    assert run("batch_inference_jobs_present", scope, bedrock__invocation_jobs={"jobs": []}).value is False


def test_customization_uses_invocation_logs(scope):
    base = {"arn": "a", "name": "ft", "status": "Completed", "detail": True}
    yes = {"jobs": [{**base, "usesInvocationLogs": True}], "errors": []}
    assert run("customization_uses_invocation_logs", scope, bedrock__customization_jobs=yes).value is True
    no = {"jobs": [{**base, "usesInvocationLogs": False}], "errors": []}
    assert run("customization_uses_invocation_logs", scope, bedrock__customization_jobs=no).value is False
    assert (
        run(
            "customization_uses_invocation_logs",
            scope,
            bedrock__customization_jobs={"jobs": [], "errors": []},
        ).value
        is False
    )
    unread = {"jobs": [{**base, "detail": False, "usesInvocationLogs": None}], "errors": []}
    f = run("customization_uses_invocation_logs", scope, bedrock__customization_jobs=unread)
    assert f.value is None and f.missing == ("bedrock:GetModelCustomizationJob",)


def test_prompt_optimization_is_attested_when_absent(scope):
    jobs = {"supported": True, "jobs": [{"arn": "a", "name": "opt", "status": "Completed"}]}
    # a job optimizes against a supplied dataset: no proof that prompts adapt to usage, so it asks a person
    f = run("prompt_optimization_jobs_present", scope, bedrock__prompt_optimization_jobs=jobs)
    assert f.value is None and "opt (Completed)" in f.summary and "attest" in f.summary
    f = run(
        "prompt_optimization_jobs_present",
        scope,
        bedrock__prompt_optimization_jobs={"supported": True, "jobs": []},
    )
    assert f.value is None and "attest" in f.summary
    f = run("prompt_optimization_jobs_present", scope, bedrock__prompt_optimization_jobs={"supported": False})
    assert f.value is None
