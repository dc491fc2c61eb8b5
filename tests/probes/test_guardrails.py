"""Guardrails prove a practice only when they act (BLOCK, or ANONYMIZE for PII) and are used.

Detect mode (action NONE) only reports in the trace; a guardrail that is never invoked, attached to an
agent or enforced protects nothing; guardrail metric series are chosen from what ListMetrics returned,
never counted twice.
"""

from __future__ import annotations

import pytest

from llmops_audit.engine.gates import safety_gate
from llmops_audit.evidence.snapshot import Evidence, SectionError
from llmops_audit.inputs.policy import load_policy
from llmops_audit.metrics import run_calculator
from llmops_audit.probes import run_probe
from llmops_audit.probes.bedrock import guardrail_totals
from tests.helpers import snapshot

GR = "AWS/Bedrock/Guardrails"
ARN = "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1"


def s(metric, value, stat="Sum", **dims):
    return {"namespace": GR, "metric": metric, "stat": stat, "dimensions": dims, "value": value}


def stats(*series):
    return {"period_seconds": 604800, "series": list(series)}


def policy(**kw):
    p = {
        "status": "READY",
        "content_filters": [],
        "pii_entities": [],
        "regexes": [],
        "regex_count": 0,
        "regex_actions": [],
        "grounding_filters": [],
        "topics": [],
        "words": [],
        "automated_reasoning_policies": [],
        "topic_count": 0,
        "word_count": 0,
    }
    p.update(kw)
    return p


def guardrail(versions=("1",), detail_version="1", others=None, **kw):
    """Guardrail g1 whose detail_version has policy `kw`; `others` = {version: policy} also read."""
    top = policy(**kw)
    g = {
        "id": "g1",
        "name": "support-guardrail",
        "arn": ARN,
        "status": "READY",
        "versions": list(versions),
        "detail_version": detail_version,
        **top,
        "version_details": {detail_version: top, **(others or {})},
    }
    return g


GROUNDING_BLOCK = {
    "grounding_filters": [{"type": "GROUNDING", "threshold": 0.8, "action": "BLOCK", "enabled": True}]
}
GROUNDING_DETECT = {
    "grounding_filters": [{"type": "GROUNDING", "threshold": 0.8, "action": "NONE", "enabled": True}]
}
PII_MASK = {
    "pii_entities": [
        {"type": "EMAIL", "action": "ANONYMIZE", "inputAction": "ANONYMIZE", "outputAction": "ANONYMIZE"}
    ]
}
PII_DETECT = {
    "pii_entities": [{"type": "EMAIL", "action": "NONE", "inputAction": "NONE", "outputAction": "NONE"}],
    "regexes": [{"action": "NONE", "inputAction": "NONE", "outputAction": "NONE"}],
    "regex_count": 1,
    "regex_actions": ["NONE"],
}
CONTENT_BLOCK = {
    "content_filters": [
        {
            "type": "HATE",
            "inputStrength": "HIGH",
            "outputStrength": "HIGH",
            "inputAction": "BLOCK",
            "outputAction": "BLOCK",
        }
    ]
}
# Every filter of this guardrail is in detect mode: it reports, it blocks nothing.
DETECT_ONLY = {
    "content_filters": [
        {
            "type": "HATE",
            "inputStrength": "HIGH",
            "outputStrength": "HIGH",
            "inputAction": "NONE",
            "outputAction": "NONE",
        },
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE", "inputAction": "NONE"},
    ],
    "topics": [{"type": "DENY", "inputAction": "NONE", "outputAction": "NONE"}],
    "words": [{"managed": "PROFANITY", "inputAction": "NONE", "outputAction": "NONE"}],
    **PII_DETECT,
    **GROUNDING_DETECT,
}


def gr(*guardrails, errors=()):
    return {"guardrails": list(guardrails), "errors": list(errors)}


def invoked(version="1", n=500.0, **extra):
    return s("Invocations", n, GuardrailArn=ARN, GuardrailVersion=version, **extra)


NO_AGENTS = {"agents": [], "errors": []}
NOTHING_ENFORCED = {"configs": []}


def run(probe_id, scope, params=None, **sections):
    sections.setdefault("agents__agents", NO_AGENTS)
    sections.setdefault("bedrock__enforced_guardrails", NOTHING_ENFORCED)
    sections.setdefault("cloudwatch__metric_stats", stats())
    return run_probe(probe_id, snapshot(scope, **sections), params or {})


def denied(scope, section, action, **sections):
    snap = snapshot(scope, **sections)
    snap.errors[section] = SectionError("denied", action, "not authorized")
    return snap


# -- guardrail metric series ------------------------------------------------------------------------


def test_per_guardrail_series_win_over_the_aggregate_without_double_counting():
    t = guardrail_totals(
        stats(
            invoked("1", 300),
            invoked("2", 200),
            s("Invocations", 500, Operation="ApplyGuardrail"),
            s("Invocations", 500),
            s("Invocations", 250, GuardrailContentSource="Input", GuardrailArn=ARN, GuardrailVersion="1"),
        ),
        "Invocations",
    )
    assert t.total == 500 and t.attributed and not t.upper_bound
    assert t.for_guardrail("g1") == {"1": 300, "2": 200}
    assert t.dims == "GuardrailArn, GuardrailVersion"


def test_guardrail_id_series_as_public_dashboards_use_them():
    t = guardrail_totals(stats(s("Invocations", 40, GuardrailId="g1")), "Invocations")
    assert t.for_guardrail("g1") == {None: 40} and t.total == 40


def test_only_a_combined_dimension_set_is_still_read():
    """Some accounts list only series carrying every dimension (policy type, source, operation, ARN)."""
    dims = {"GuardrailArn": ARN, "GuardrailVersion": "1", "Operation": "ApplyGuardrail"}
    t = guardrail_totals(
        stats(
            s("InvocationsIntervened", 3, GuardrailPolicyType="ContentPolicy", **dims),
            s("InvocationsIntervened", 2, GuardrailPolicyType="SensitiveInformationPolicy", **dims),
        ),
        "InvocationsIntervened",
    )
    assert t.total == 5 and t.upper_bound  # an invocation two policies intervened on counts twice


def test_automated_reasoning_policy_series_are_not_guardrail_invocations():
    t = guardrail_totals(
        stats(
            s("Invocations", 9, PolicyArn="arn:p", PolicyVersion="1"),
            s("Invocations", 4, Operation="ApplyGuardrail"),
        ),
        "Invocations",
    )
    assert t.total == 4 and not t.attributed


def test_no_series_is_no_value_not_zero():
    t = guardrail_totals(stats(s("Invocations", None, GuardrailArn=ARN, GuardrailVersion="1")), "Invocations")
    assert t.total is None


# -- detect mode ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "probe_id",
    ["guardrail_contextual_grounding_present", "guardrail_pii_enforced", "guardrail_pii_policy_present"],
)
def test_detect_only_guardrail_in_use_proves_nothing(scope, probe_id):
    f = run(
        probe_id,
        scope,
        bedrock__guardrails=gr(guardrail(**DETECT_ONLY)),
        cloudwatch__metric_stats=stats(invoked()),
    )
    assert f.value is False, f.summary


def test_detect_only_prompt_attack_filter_does_not_block(scope):
    f = run("guardrail_prompt_attack_filter_present", scope, bedrock__guardrails=gr(guardrail(**DETECT_ONLY)))
    assert f.value is False


def test_a_side_with_evaluation_disabled_does_nothing(scope):
    off = {
        "pii_entities": [
            {
                "type": "EMAIL",
                "action": "ANONYMIZE",
                "inputAction": None,
                "outputAction": None,
                "inputEnabled": False,
                "outputEnabled": False,
            }
        ]
    }
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**off)),
        cloudwatch__metric_stats=stats(invoked()),
    )
    assert f.value is False


def test_pii_masked_on_one_side_counts(scope):
    one = {
        "pii_entities": [
            {"type": "EMAIL", "action": "NONE", "inputAction": "ANONYMIZE", "outputAction": "NONE"}
        ]
    }
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**one)),
        cloudwatch__metric_stats=stats(invoked()),
    )
    assert f.value is True


def test_grounding_filter_made_before_detect_mode_blocks(scope):
    legacy = {"grounding_filters": [{"type": "RELEVANCE", "threshold": 0.5, "action": None, "enabled": None}]}
    f = run(
        "guardrail_contextual_grounding_present",
        scope,
        bedrock__guardrails=gr(guardrail(**legacy)),
        cloudwatch__metric_stats=stats(invoked()),
    )
    assert f.value is True and "RELEVANCE" in f.summary


# -- used or not ------------------------------------------------------------------------------------


def test_blocking_pii_guardrail_passed_on_each_request_is_met(scope):
    """The most common pattern: guardrailIdentifier on InvokeModel/Converse, seen as its own Invocations."""
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**PII_MASK)),
        cloudwatch__metric_stats=stats(invoked(n=1234)),
    )
    assert f.value is True and "invoked 1,234 times" in f.summary


@pytest.mark.parametrize(
    ("probe_id", "good"),
    [("guardrail_pii_enforced", PII_MASK), ("guardrail_contextual_grounding_present", GROUNDING_BLOCK)],
)
def test_blocking_guardrail_never_invoked_nor_attached_is_not_met(scope, probe_id, good):
    f = run(probe_id, scope, bedrock__guardrails=gr(guardrail(**good)))
    assert f.value is False and "protects nothing" in f.summary


@pytest.mark.parametrize(
    ("section", "action"),
    [
        ("cloudwatch.metric_stats", "cloudwatch:GetMetricData"),
        ("agents.agents", "bedrock:ListAgents"),
        ("bedrock.enforced_guardrails", "bedrock:ListEnforcedGuardrailsConfiguration"),
    ],
)
def test_unreadable_usage_evidence_is_unknown_never_met(scope, section, action):
    sections = {
        "bedrock__guardrails": gr(guardrail(**PII_MASK)),
        "agents__agents": NO_AGENTS,
        "bedrock__enforced_guardrails": NOTHING_ENFORCED,
        "cloudwatch__metric_stats": stats(),
    }
    sections.pop(section.replace(".", "__"))
    f = run_probe("guardrail_pii_enforced", denied(scope, section, action, **sections), {})
    assert f.value is None and action in f.missing


def test_unreadable_guardrails_make_the_probe_unknown(scope):
    snap = denied(
        scope, "bedrock.guardrails", "bedrock:ListGuardrails", cloudwatch__metric_stats=stats(invoked())
    )
    assert run_probe("guardrail_pii_enforced", snap, {}).value is None


def test_invoked_version_whose_policy_was_not_read_is_unknown(scope):
    g = guardrail(versions=("1", "2"), detail_version="2", **PII_MASK)  # v1 was not read
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(g),
        cloudwatch__metric_stats=stats(invoked("1")),
    )
    assert f.value is None and "v1" in " ".join(f.details)


def test_invoked_version_that_only_detects_is_not_met(scope):
    g = guardrail(versions=("1", "2"), detail_version="2", others={"1": policy(**PII_DETECT)}, **PII_MASK)
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(g),
        cloudwatch__metric_stats=stats(invoked("1")),
    )
    assert f.value is False


def test_series_without_a_version_prove_use_only_when_the_guardrail_has_no_versions(scope):
    series = stats(s("Invocations", 10, GuardrailId="g1"))
    g = guardrail(versions=("1",), detail_version="1", **PII_MASK)
    assert (
        run("guardrail_pii_enforced", scope, bedrock__guardrails=gr(g), cloudwatch__metric_stats=series).value
        is None
    )
    g = guardrail(versions=(), detail_version="DRAFT", **PII_MASK)
    assert (
        run("guardrail_pii_enforced", scope, bedrock__guardrails=gr(g), cloudwatch__metric_stats=series).value
        is True
    )


def test_account_wide_invocations_do_not_say_which_guardrail(scope):
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**PII_MASK)),
        cloudwatch__metric_stats=stats(s("Invocations", 50, Operation="ApplyGuardrail")),
    )
    assert f.value is None


def test_enforced_guardrail_of_another_account_is_unknown(scope):
    f = run(
        "guardrail_pii_enforced",
        scope,
        bedrock__guardrails=gr(guardrail(**PII_MASK)),
        bedrock__enforced_guardrails={
            "configs": [
                {
                    "guardrailArn": "arn:aws:bedrock:us-east-1:999999999999:guardrail/org1",
                    "guardrailVersion": "1",
                }
            ]
        },
    )
    assert f.value is None


def test_enforced_account_wide_is_met(scope):
    f = run(
        "guardrail_contextual_grounding_present",
        scope,
        bedrock__guardrails=gr(guardrail(**GROUNDING_BLOCK)),
        bedrock__enforced_guardrails={"configs": [{"guardrailArn": ARN, "guardrailVersion": "1"}]},
    )
    assert f.value is True and "enforced" in f.summary


def test_automated_reasoning_on_an_unused_guardrail_proves_nothing(scope):
    ar = {
        "automated_reasoning_policies": [
            "arn:aws:bedrock:us-east-1:123456789012:automated-reasoning-policy/p1"
        ]
    }
    f = run(
        "guardrail_automated_reasoning_attached",
        scope,
        bedrock__guardrails=gr(guardrail(**ar)),
        bedrock__automated_reasoning_policies={"policies": []},
    )
    assert f.value is False
    f = run(
        "guardrail_automated_reasoning_attached",
        scope,
        bedrock__guardrails=gr(guardrail(**ar)),
        bedrock__automated_reasoning_policies={"policies": []},
        cloudwatch__metric_stats=stats(invoked()),
    )
    assert f.value is True


# -- agents (L5.2) ----------------------------------------------------------------------------------


def agent(name="bot", guard=("g1", "1"), served=("1",), version_guard=None, detail=True):
    ref = {"id": guard[0], "version": guard[1]} if guard else None
    vref = ref if version_guard is None else version_guard
    return {
        "id": name,
        "name": name,
        "detail": detail,
        "guardrail": ref,
        "versions": [{"version": v, "status": "PREPARED", "guardrail": vref} for v in served],
        "aliases": [{"id": "TSTALIASID", "name": "test", "versions": ["DRAFT"]}]
        + [{"id": f"A{v}", "name": f"prod{v}", "versions": [v]} for v in served],
    }


def agents_probe(scope, *agents_, guardrails=None):
    sections = {"agents__agents": {"agents": list(agents_), "errors": []}}
    if guardrails is not None:
        sections["bedrock__guardrails"] = guardrails
    return run_probe("agents_have_guardrails", snapshot(scope, **sections), {})


def test_agents_with_a_blocking_guardrail_are_met(scope):
    f = agents_probe(scope, agent("a"), agent("b"), guardrails=gr(guardrail(**CONTENT_BLOCK)))
    assert f.value is True and "HATE" in f.summary


def test_agents_with_a_detect_only_guardrail_are_not_met(scope):
    f = agents_probe(scope, agent("a"), guardrails=gr(guardrail(**DETECT_ONLY)))
    assert f.value is False and "blocks nothing" in f.summary


def test_agent_without_guardrail_is_not_met(scope):
    f = agents_probe(
        scope,
        agent("a"),
        agent("b", guard=None, version_guard=False),
        guardrails=gr(guardrail(**CONTENT_BLOCK)),
    )
    assert f.value is False and "b" in f.summary
    assert agents_probe(scope, guardrails=gr()).value is False


def test_served_agent_version_without_guardrail_is_not_met(scope):
    """The alias serves v1, which was prepared before the guardrail was added to the working copy."""
    a = agent("a", version_guard={"id": None, "version": None})
    f = agents_probe(scope, a, guardrails=gr(guardrail(**CONTENT_BLOCK)))
    assert f.value is False and "a v1" in f.summary


def test_agent_guardrails_unknown_when_guardrails_or_agent_unreadable(scope):
    snap = denied(
        scope,
        "bedrock.guardrails",
        "bedrock:ListGuardrails",
        agents__agents={"agents": [agent("a")], "errors": []},
    )
    f = run_probe("agents_have_guardrails", snap, {})
    assert f.value is None and "bedrock:ListGuardrails" in f.missing
    unread = agent("a", guard=None, detail=False, served=())
    f = run_probe(
        "agents_have_guardrails",
        snapshot(
            scope,
            agents__agents={
                "agents": [unread],
                "errors": [{"action": "bedrock:GetAgent", "resource": "agent a"}],
            },
            bedrock__guardrails=gr(guardrail(**CONTENT_BLOCK)),
        ),
        {},
    )
    assert f.value is None and f.missing == ("bedrock:GetAgent",)
    g = guardrail(versions=("1", "2"), detail_version="2", **CONTENT_BLOCK)  # the agent's v1 was not read
    assert agents_probe(scope, agent("a"), guardrails=gr(g)).value is None


# -- the opt-out policy (L3.4) ----------------------------------------------------------------------


def test_opt_out_policy_as_supporting_detail_never_decides(scope):
    policies = {"in_organization": True, "policies": ["optout"], "targets": {"optout": 1}}
    f = run_probe(
        "aiservices_opt_out_policy_present",
        snapshot(scope, organizations__policies=policies),
        {"supporting": True},
    )
    assert f.value is False and "optout" in f.summary and "Supporting detail" in f.summary
    snap = denied(scope, "organizations.policies", "organizations:ListPolicies")
    assert run_probe("aiservices_opt_out_policy_present", snap, {"supporting": True}).value is False


# -- safety gate, interventions, metric rows --------------------------------------------------------


def _ev(scope, series, section="cloudwatch.metric_stats"):
    return Evidence(snapshot(scope, cloudwatch__metric_stats=stats(*series)), (section,))


def test_safety_gate_counts_each_invocation_once(scope):
    series = [
        invoked("1", 1000),
        s("Invocations", 1000, Operation="ApplyGuardrail"),
        s("InvocationsIntervened", 1, GuardrailArn=ARN, GuardrailVersion="1"),
        s("InvocationsIntervened", 1, Operation="ApplyGuardrail"),
    ]
    g = safety_gate(_ev(scope, series), load_policy(None))
    assert g.measured == pytest.approx(0.1) and g.label == "pass"


def test_safety_gate_reads_guardrail_id_series(scope):
    series = [s("Invocations", 200, GuardrailId="g1"), s("InvocationsIntervened", 10, GuardrailId="g1")]
    g = safety_gate(_ev(scope, series), load_policy(None))
    assert g.measured == pytest.approx(5.0) and g.label == "fail"


def test_safety_gate_upper_bound_over_the_limit_is_unknown(scope):
    dims = {"GuardrailArn": ARN, "GuardrailVersion": "1"}
    series = [
        invoked("1", 100),
        s("InvocationsIntervened", 1, GuardrailPolicyType="ContentPolicy", **dims),
        s("InvocationsIntervened", 1, GuardrailPolicyType="WordPolicy", **dims),
    ]
    g = safety_gate(_ev(scope, series), load_policy(None))
    assert g.label == "unknown" and "upper bound" in g.reason


def _usage_sections(**sections):
    base = {
        "bedrock__guardrails": {"guardrails": [guardrail()]},
        "agents__agents": {"agents": []},
        "bedrock__enforced_guardrails": {"configs": []},
    }
    return {**base, **sections}


def test_interventions_observed_from_guardrail_id_series(scope):
    series = stats(s("InvocationsIntervened", 3, GuardrailId="g1"), s("Invocations", 9, GuardrailId="g1"))
    f = run_probe(
        "guardrail_interventions_observed",
        snapshot(scope, cloudwatch__metric_stats=series, **_usage_sections()),
        {},
    )
    assert f.value is True and "3 times" in f.summary and "support-guardrail" in f.summary


def test_interventions_of_an_unlisted_guardrail_are_not_the_workloads(scope):
    series = stats(s("InvocationsIntervened", 3, GuardrailId="gone"), s("Invocations", 9, GuardrailId="gone"))
    f = run_probe(
        "guardrail_interventions_observed",
        snapshot(scope, cloudwatch__metric_stats=series, **_usage_sections()),
        {},
    )
    assert f.value is False and "gone" in f.summary


def test_interventions_unknown_when_the_agents_are_unread(scope):
    """g1 intervened but is neither invoked by its own series nor readable as attached: unknown, not met."""
    snap = snapshot(
        scope,
        cloudwatch__metric_stats=stats(s("InvocationsIntervened", 3, GuardrailId="g1")),
        **{k: v for k, v in _usage_sections().items() if k != "agents__agents"},
    )
    snap.errors["agents.agents"] = SectionError("denied", "bedrock:ListAgents", "denied")
    f = run_probe("guardrail_interventions_observed", snap, {})
    assert f.value is None


def test_intervention_rows_count_once(scope):
    snap = snapshot(
        scope,
        cloudwatch__metric_stats=stats(
            s("InvocationsIntervened", 4, GuardrailArn=ARN, GuardrailVersion="1"),
            s("InvocationsIntervened", 4),
            s("InvocationsIntervened", 2, GuardrailPolicyType="SensitiveInformationPolicy"),
            s(
                "InvocationsIntervened",
                2,
                GuardrailPolicyType="SensitiveInformationPolicy",
                Operation="ApplyGuardrail",
            ),
            invoked("1", 100),
        ),
    )
    v = run_calculator("guardrail_interventions", snap, {})
    assert v.value == 4 and v.breakdown["intervention rate (%)"] == pytest.approx(4.0)
    v = run_calculator("guardrail_policy_interventions", snap, {"policy": "SensitiveInformationPolicy"})
    assert v.value == 2
