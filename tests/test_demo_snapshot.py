"""The shipped demo evidence (llmops_audit/data/demo-evidence.json): current, and scoring as the demo intends.

The file is recorded from the fake account (tests/fake_account/record.py). When a seeder or a collector
changes, the first test fails and says how to refresh it.
"""

from __future__ import annotations

import difflib
import json
from datetime import timedelta
from typing import Any

import pytest

from llmops_audit.engine.gates import evaluate_gates
from llmops_audit.engine.maturity import achieved_level, summarise_levels
from llmops_audit.engine.scoring import measure_metrics, score_items
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework
from llmops_audit.inputs.policy import load_policy
from llmops_audit.inputs.prices import load_prices
from tests.fake_account.record import RECORDED_AT, REFRESH, SNAPSHOT_PATH, record, recorded_sections, render

MAX_SECTIONS_SHOWN = 3
MAX_LINES_PER_SECTION = 40


def _parts(doc: dict[str, Any]) -> dict[str, Any]:
    """A snapshot document split into the units a diff reports: each section, each error, scope, calls."""
    parts: dict[str, Any] = {k: v for k, v in doc.items() if k not in ("sections", "errors")}
    parts.update({f"sections[{k}]": v for k, v in doc.get("sections", {}).items()})
    parts.update({f"errors[{k}]": v for k, v in doc.get("errors", {}).items()})
    return parts


def snapshot_diff(shipped: str, fresh: str) -> str:
    """A readable account of how two snapshot files differ: the first differing parts, each as a diff."""
    try:
        old, new = _parts(json.loads(shipped)), _parts(json.loads(fresh))
    except ValueError as exc:
        return f"the shipped file is not JSON ({exc})"
    differing = [k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
    out = [f"{len(differing)} part(s) differ: {', '.join(differing)}"]
    for key in differing[:MAX_SECTIONS_SHOWN]:
        a = json.dumps(old.get(key), indent=1, sort_keys=True).splitlines() if key in old else []
        b = json.dumps(new.get(key), indent=1, sort_keys=True).splitlines() if key in new else []
        lines = list(difflib.unified_diff(a, b, f"shipped {key}", f"recorded {key}", lineterm="", n=2))
        if len(lines) > MAX_LINES_PER_SECTION:
            lines = lines[:MAX_LINES_PER_SECTION] + [f"... ({len(lines) - MAX_LINES_PER_SECTION} more lines)"]
        out += ["", *lines]
    return "\n".join(out)


def test_the_shipped_demo_snapshot_is_what_the_fake_account_records() -> None:
    fresh = render(record(RECORDED_AT))
    shipped = SNAPSHOT_PATH.read_text(encoding="utf-8") if SNAPSHOT_PATH.is_file() else ""
    if shipped != fresh:
        pytest.fail(
            f"{SNAPSHOT_PATH.name} is stale (the fake account or a collector changed). Refresh it with\n\n"
            f"    {REFRESH}\n\n{snapshot_diff(shipped, fresh)}",
            pytrace=False,
        )


def test_snapshot_diff_names_the_differing_section() -> None:
    a = json.dumps({"scope": {}, "sections": {"x": {"n": 1}, "y": {"n": 2}}, "calls": []})
    b = json.dumps({"scope": {}, "sections": {"x": {"n": 1}, "y": {"n": 3}}, "calls": []})
    text = snapshot_diff(a, b)
    assert text.splitlines()[0] == "1 part(s) differ: sections[y]"
    assert '- "n": 2' in text and '+ "n": 3' in text


@pytest.fixture(scope="module")
def shipped() -> EvidenceSnapshot:
    return EvidenceSnapshot.load(SNAPSHOT_PATH)


def test_the_shipped_snapshot_is_the_demo_and_holds_every_section_any_framework_needs(
    shipped: EvidenceSnapshot,
) -> None:
    assert shipped.scope.demo
    assert (shipped.scope.start, shipped.scope.end) == (RECORDED_AT - timedelta(days=7), RECORDED_AT)
    assert not recorded_sections() - set(shipped.sections) - set(shipped.errors)
    assert not shipped.errors, shipped.errors
    assert shipped.calls and all(c["duration_ms"] == 0 for c in shipped.calls)


# The demo's intended outcome (the in-process demo account measured it before it became a recording).
STATUSES = {
    **{f"L1.{i}": "not_met" for i in range(1, 7)},
    **{f"L2.{i}": "met" for i in range(1, 7)},
    **{f"L3.{i}": "met" for i in (1, 2, 4, 5, 6)},
    "L3.3": "not_met",
    **{f"L4.{i}": "met" for i in (2, 4, 5)},
    "L4.1": "not_met",
    "L4.6": "not_met",
    "L4.3": "unknown",
    **{f"L5.{i}": "met" for i in (2, 4)},
    "L5.1": "not_met",  # the supervisor's role is AdministratorAccess: collaborating agents are not bounded by their roles
    **{f"L5.{i}": "not_met" for i in (3, 5, 6)},
}
GATES = {"quality": "fail", "safety": "fail", "performance": "pass", "cost": "pass"}
GATE_LABELS = {"met": "pass", "not_met": "fail"}

METRICS: dict[str, float | None] = {
    "L1.M1": 90.0,  # API Gateway 2xx/4xx/5xx count
    "L1.M2": 83.0,  # Successful vs. Failed generation count
    "L1.M3": 10.0,  # Response presence
    "L1.M4": 85.0,  # Invocations (Bedrock)
    "L1.M5": 1.1111111111111112,  # Count & 5XXError (API Gateway)
    "L1.M6": 1.1111111111111112,  # Invocations & Errors (Lambda)
    "L1.M7": 2.0,  # InvocationClientErrors (Bedrock)
    "L2.M1": 1901.0478087965716,  # Lambda Duration & Memory usage
    "L2.M2": 1660.9764705882353,  # Input/Output tokens per request
    "L2.M3": 3956.8517348751575,  # P50/P90/P99 Response Time
    "L2.M4": 0.82,  # Context Relevance
    "L2.M5": 0.79,  # Faithfulness
    "L2.M6": 141183.0,  # InputTokenCount & OutputTokenCount
    "L2.M7": 1421.8846199438312,  # InvocationLatency (Bedrock)
    "L2.M8": 1.0,  # InvocationThrottles (Bedrock)
    "L2.M9": 85.0,  # CloudWatch Logs: /aws/bedrock/modelinvocations
    "L3.M1": 20.0,  # Hallucination Rate (LLM-as-a-judge)
    "L3.M2": 2.0,  # PII Detection frequency
    "L3.M3": 0.0,  # Prompt Injection attempts blocked
    "L3.M4": 100.0,  # Audit trail coverage
    "L3.M5": 2.0,  # InvocationsIntervened (Guardrails)
    "L3.M6": 0.82,  # Builtin.ContextRelevance
    "L3.M7": 0.79,  # Builtin.Faithfulness
    "L3.M8": 2099.9999046325684,  # X-Ray Trace Spans
    "L4.M1": 5.7269129411764705,  # Cost per 1,000 requests
    "L4.M2": 556.8322901844708,  # TTFT
    "L4.M3": 17.247987734764276,  # Cache Hit Ratio
    "L4.M4": None,  # Confidence Scores
    "L4.M5": 1.5719151843701746,  # InvocationLatency P99 vs. P50
    "L4.M6": 17.247987734764276,  # PromptCacheHitRatio
    "L4.M7": 70.58823529411765,  # Contributor Insights
    "L4.M8": 7.0,  # Log Insights: UserFeedback
    "L5.M1": 95.0,  # Tool Calling Success Rate
    # Re-try success rate: the seeded Step Functions executions each fail a task once and recover. The live
    # demo read none of them (moto stamped their start after the audit period, which ended at the demo's
    # `now`); the recording's frozen clock puts them inside it.
    "L5.M2": 100.0,
    "L5.M3": None,  # % of unsafe refusals correctly triggered
    "L5.M4": None,  # HITL intervention frequency
    "L5.M5": 95.0,  # ActionGroupInvocationSuccess (Agents)
    "L5.M6": 3.3333333333333335,  # Metric Math: Errors / Invocations
    "L5.M7": None,  # AutomatedReasoningChecks
    "L5.M8": None,  # CloudTrail: InvokeAgent
}


def test_the_shipped_snapshot_scores_level_3_with_the_demos_statuses_and_gates(
    shipped: EvidenceSnapshot,
) -> None:
    fw = load_framework(builtin_levels_dir())
    items = score_items(fw, shipped)
    assert {i.id: i.status.value for i in items} == STATUSES
    assert achieved_level(fw, summarise_levels(fw, items)) == 3
    gates = evaluate_gates(shipped, load_policy(None), None, load_prices(None))
    assert {g.id: GATE_LABELS.get(g.status.value, g.status.value) for g in gates} == GATES


def test_the_shipped_snapshot_measures_the_demos_metric_values(shipped: EvidenceSnapshot) -> None:
    fw = load_framework(builtin_levels_dir())
    measured = {m.id: m.value for m in measure_metrics(fw, shipped, {"prices": load_prices(None)})}
    assert measured.keys() == METRICS.keys()
    wrong = {
        k: (measured[k], want)
        for k, want in METRICS.items()
        if (want is None) != (measured[k] is None)
        or (want is not None and measured[k] != pytest.approx(want, rel=1e-6, abs=1e-9))
    }
    assert not wrong, f"metric rows (measured, expected): {wrong}"
