"""A metric query that could not be read is unknown, never "no data" and never zero (evidence/series.py)."""

from __future__ import annotations

import pytest

from llmops_audit.engine.gates import evaluate_gates
from llmops_audit.evidence import series as ms
from llmops_audit.evidence.snapshot import MissingEvidence
from llmops_audit.inputs.policy import load_policy
from llmops_audit.metrics import run_calculator
from llmops_audit.model import Status
from llmops_audit.probes import run_probe
from tests.helpers import snapshot

M = {"ModelId": "anthropic.claude-3-haiku-20240307-v1:0"}
GR = {"GuardrailArn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/g", "GuardrailVersion": "1"}


def _s(ns: str, metric: str, dims: dict[str, str], value: float | None, stat: str = "Sum", **kw):
    return {"namespace": ns, "metric": metric, "dimensions": dims, "stat": stat, "value": value, **kw}


def _stats(*series):
    return {"period_seconds": 3600, "series": list(series), "queries": len(series)}


UNREAD = "GetMetricData failed (InvalidParameterValue: bad)"


def test_select_raises_for_an_unread_series_and_names_the_statistic() -> None:
    stats = _stats(_s("AWS/Bedrock", "InvocationLatency", M, None, stat="p90", error=UNREAD))
    with pytest.raises(MissingEvidence) as exc:
        ms.by_dimension(stats, "AWS/Bedrock", "InvocationLatency", "p90", "ModelId")
    assert "InvocationLatency p90" in str(exc.value) and "InvalidParameterValue" in str(exc.value)
    assert (
        ms.unread(stats)
        and ms.by_dimension(stats, "AWS/Bedrock", "InvocationLatency", "Average", "ModelId") == {}
    )


def test_partial_points_are_marked() -> None:
    stats = _stats(_s("AWS/Bedrock", "Invocations", M, 5.0, partial=True))
    pts = ms.select(stats, "AWS/Bedrock", "Invocations", "Sum", ("ModelId",))
    assert pts[0].value == 5.0 and ms.partial(pts)


def test_unread_errors_never_count_as_zero_errors(scope) -> None:
    base = [_s("AWS/Bedrock", "Invocations", M, 100.0), _s("AWS/Bedrock", "InvocationServerErrors", M, 0.0)]
    ok = snapshot(
        scope, cloudwatch__metric_stats=_stats(*base, _s("AWS/Bedrock", "InvocationClientErrors", M, 7.0))
    )
    assert run_calculator("bedrock_success_vs_failed", ok, {}).value == 93.0
    bad = snapshot(
        scope,
        cloudwatch__metric_stats=_stats(
            *base, _s("AWS/Bedrock", "InvocationClientErrors", M, None, error=UNREAD)
        ),
    )
    got = run_calculator("bedrock_success_vs_failed", bad, {})
    assert got.value is None and "InvocationClientErrors Sum" in got.reason


def test_unread_traffic_is_unknown_not_absent(scope) -> None:
    snap = snapshot(
        scope, cloudwatch__metric_stats=_stats(_s("AWS/Bedrock", "Invocations", M, None, error=UNREAD))
    )
    assert run_probe("bedrock_model_traffic_present", snap, {}).value is None


def test_safety_gate_is_never_passed_on_unread_interventions(scope) -> None:
    inv = _s("AWS/Bedrock/Guardrails", "Invocations", GR, 1000.0)
    policy = load_policy(None)

    def safety(*series):
        snap = snapshot(
            scope,
            cloudwatch__metric_stats=_stats(*series),
            cloudwatch__gate_metrics={"metrics": []},
            bedrock__evaluation_jobs={"since": "", "jobs": [], "truncated": False, "errors": []},
        )
        return next(g for g in evaluate_gates(snap, policy) if g.id == "safety")

    assert safety(inv, _s("AWS/Bedrock/Guardrails", "InvocationsIntervened", GR, 0.0)).status is Status.MET
    unread = safety(inv, _s("AWS/Bedrock/Guardrails", "InvocationsIntervened", GR, None, error=UNREAD))
    assert unread.status is Status.UNKNOWN and "InvocationsIntervened" in unread.reason
