"""Go-live gates: pass, fail and unknown on known data; policy errors; waivers; CLI exit codes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.engine.gates import evaluate_gates
from llmops_audit.errors import DefinitionError
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.policy import load_policy
from llmops_audit.model import Scope, Waiver
from tests.helpers import error_line

SCOPE = Scope(
    "123456789012", "us-east-1", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
)
runner = CliRunner()


def _s(namespace: str, metric: str, stat: str, value: float | None, **dims: str) -> dict:
    return {"namespace": namespace, "metric": metric, "stat": stat, "dimensions": dims, "value": value}


def _snap(series: list[dict], jobs: list[dict] | None = None) -> EvidenceSnapshot:
    return EvidenceSnapshot(
        SCOPE,
        sections={
            "cloudwatch.metric_stats": {"period_seconds": 604800, "series": series},
            "bedrock.evaluation_jobs": {"jobs": jobs or []},
            "cloudwatch.gate_metrics": {"metrics": []},
        },
    )


def _gate(snapshot: EvidenceSnapshot, gate: str, policy: dict | None = None, waivers=None):
    return next(g for g in evaluate_gates(snapshot, policy or load_policy(None), waivers) if g.id == gate)


GR = "AWS/Bedrock/Guardrails"
ARN = {"GuardrailArn": "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1", "GuardrailVersion": "1"}


@pytest.mark.parametrize(("intervened", "status"), [(1, "pass"), (50, "fail")])
def test_safety_gate_pass_and_fail(intervened: int, status: str) -> None:
    g = _gate(
        _snap(
            [
                _s(GR, "Invocations", "Sum", 10000, **ARN),
                _s(GR, "InvocationsIntervened", "Sum", intervened, **ARN),
            ]
        ),
        "safety",
    )
    assert g.label == status
    assert g.measured == pytest.approx(intervened / 100)
    assert g.threshold == 0.2


def test_safety_gate_unknown_without_guardrail_traffic() -> None:
    g = _gate(_snap([]), "safety")
    assert g.label == "unknown" and "never a pass" in g.reason


def _lat(model_p95: float, api_p95: float | None = None) -> list[dict]:
    out = [_s("AWS/Bedrock", "InvocationLatency", "p95", model_p95, ModelId="anthropic.claude-3-5-haiku")]
    if api_p95 is not None:
        out.append(_s("AWS/ApiGateway", "Latency", "p95", api_p95, ApiName="support-api"))
    return out


@pytest.mark.parametrize(
    ("model", "api", "status"), [(1200, 1500, "pass"), (7000, 1500, "fail"), (1200, 9000, "fail")]
)
def test_performance_gate(model: float, api: float, status: str) -> None:
    g = _gate(_snap(_lat(model, api)), "performance")
    assert g.label == status
    assert g.measured == max(model, api)


def test_performance_gate_unknown_without_percentiles() -> None:
    assert (
        _gate(_snap([_s("AWS/Bedrock", "InvocationLatency", "p95", None, ModelId="m")]), "performance").label
        == "unknown"
    )


def test_policy_overrides_thresholds(tmp_path: Path) -> None:
    p = tmp_path / "policy.yaml"
    p.write_text("performance:\n  model_p95_budget_ms: 1000\n")
    policy = load_policy(p)
    assert policy["performance"]["model_p95_budget_ms"] == 1000
    assert policy["safety"]["max_violation_rate_pct"] == 0.2  # defaults kept
    assert _gate(_snap(_lat(1200)), "performance", policy).label == "fail"


def test_bad_threshold_type_is_one_line_naming_file_and_entry(tmp_path: Path) -> None:
    p = tmp_path / "policy.yaml"
    p.write_text("safety:\n  max_violation_rate_pct: low\n")
    with pytest.raises(DefinitionError) as err:
        load_policy(p)
    assert (
        "policy.yaml:2: safety.max_violation_rate_pct (gate safety): 'low' is not of type 'number'"
        in err.value.message
    )
    result = runner.invoke(app, ["gates", "--demo", "--policy", str(p)])
    assert result.exit_code == 2
    assert "policy.yaml:2: safety.max_violation_rate_pct" in error_line(result)


def test_active_waiver_waives_a_failed_gate_and_expired_is_ignored() -> None:
    snap = _snap(_lat(9000))
    active = Waiver("performance", "migrating to a faster model", "ml-team", "2099-01-01")
    expired = Waiver("performance", "old", "ml-team", "2020-01-01", expired=True)
    w = _gate(snap, "performance", waivers={"performance": active})
    assert (
        w.label == "waived" and "ml-team" in w.reason and any("Before the waiver: fail" in n for n in w.notes)
    )
    e = _gate(snap, "performance", waivers={"performance": expired})
    assert e.label == "fail" and any("expired" in n for n in e.notes)


@pytest.mark.parametrize(
    ("gate", "value", "status"),
    [
        ("quality", 97.0, "pass"),
        ("quality", 90.0, "fail"),
        ("quality", None, "unknown"),
        ("safety", 0.1, "pass"),
        ("safety", 0.5, "fail"),
        ("safety", None, "unknown"),
    ],
)
def test_quality_and_safety_gates_from_a_custom_metric(
    tmp_path: Path, gate: str, value: float | None, status: str
) -> None:
    p = tmp_path / "policy.yaml"
    p.write_text(f"{gate}:\n  custom_metric: {{namespace: SupportBot, name: GateRate}}\n")
    snap = _snap([])
    snap.sections["cloudwatch.gate_metrics"] = {
        "metrics": [{"namespace": "SupportBot", "name": "GateRate", "stat": "Average", "value": value}]
    }
    g = _gate(snap, gate, load_policy(p))
    assert g.label == status
    assert g.measured == value
    assert "custom metric SupportBot/GateRate" in g.reason


def test_quality_gate_judges_the_record_scores_of_any_policy_metric() -> None:
    """The collector keeps every metric's record scores; the gate applies record_pass_score to them."""
    job = {
        "name": "helpfulness-eval",
        "status": "Completed",
        "scores": {
            "metrics": {"Builtin.Helpfulness": {"mean": 0.7, "count": 4}},
            "record_scores": {"Builtin.Helpfulness": [1.0, 0.9, 0.6, 0.3]},
        },
    }
    policy = load_policy(None)
    policy["quality"] = {**policy["quality"], "metric": "Builtin.Helpfulness", "record_pass_score": 0.5}
    g = _gate(_snap([], [job]), "quality", policy)
    assert g.label == "fail" and g.measured == pytest.approx(75.0)
    policy["quality"]["record_pass_score"] = 0.25
    assert _gate(_snap([], [job]), "quality", policy).label == "pass"


def test_a_gate_on_a_non_finite_number_is_unknown_never_a_pass() -> None:
    """Second line of defence behind the loaders: NaN or infinite measurements decide nothing."""
    from llmops_audit.engine.gates import _finite
    from llmops_audit.model import GateResult, Status

    for measured, threshold in ((float("nan"), 5000.0), (float("-inf"), 5000.0), (100.0, float("nan"))):
        g = GateResult(
            "performance", "Performance gate", Status.MET, measured, threshold, "ms", "p95 within budget."
        )
        assert _finite(g).status is Status.UNKNOWN
    ok = GateResult("performance", "Performance gate", Status.MET, 100.0, 5000.0, "ms", "ok")
    assert _finite(ok) is ok
