"""Go-live gates (seed 001): quality, safety, performance and cost, from live evidence and a policy file.

Pure: a policy + an evidence snapshot -> GateResults. No data is never a pass: a gate without the
evidence it needs is `unknown`, with the reason. A waiver can turn a failed or unknown gate into `waived`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from llmops_audit.engine.overrides import apply_overrides, pick_waivers
from llmops_audit.evidence import series as ms
from llmops_audit.evidence.snapshot import Evidence, EvidenceSnapshot, MissingEvidence
from llmops_audit.inputs.policy import GATE_IDS
from llmops_audit.model import GateResult, Scope, Status, Waiver

__all__ = ["GATE_IDS", "GATE_SECTIONS", "evaluate_gates"]
GATE_NAMES = {
    "quality": "Quality gate",
    "safety": "Safety gate",
    "performance": "Performance gate",
    "cost": "Cost gate",
}
# Sections the gates read; collected beside those the framework needs.
GATE_SECTIONS = ("cloudwatch.metric_stats", "bedrock.evaluation_jobs", "cloudwatch.gate_metrics")


# ------------------------------------------------------------------ gates


def _result(
    gate: str,
    status: Status,
    measured: float | None,
    threshold: float | None,
    unit: str,
    reason: str,
    data: list[str] | None = None,
) -> GateResult:
    return GateResult(
        gate,
        GATE_NAMES[gate],
        status,
        measured,
        threshold,
        unit,
        reason,
        tuple(data or ()),
        at_least=gate == "quality",
    )


def _passes(ok: bool) -> Status:
    return Status.MET if ok else Status.NOT_MET


def _custom_metric_gate(
    ev: Evidence, gate: str, spec: dict[str, Any], threshold: float, at_least: bool
) -> GateResult:
    """A gate measured by a custom CloudWatch metric the policy names: value >= (or <=) threshold."""
    gm = ev.get("cloudwatch.gate_metrics")
    found = [
        m for m in gm.get("metrics", []) if (m["namespace"], m["name"]) == (spec["namespace"], spec["name"])
    ]
    value = found[0].get("value") if found else None
    src = f"custom metric {spec['namespace']}/{spec['name']}"
    if value is None:
        return _result(gate, Status.UNKNOWN, None, threshold, "%", f"No data for {src} in the period.")
    ok = value >= threshold if at_least else value <= threshold
    return _result(
        gate,
        _passes(ok),
        value,
        threshold,
        "%",
        f"{src} is {value:.3g} % (needs {'≥' if at_least else '≤'} {threshold:g} %).",
    )


def _scored_metrics(job: dict[str, Any]) -> set[str]:
    scores = job.get("scores") or {}
    return set(scores.get("metrics", {})) if "metrics" in scores else set(scores)


def _job_scores(job: dict[str, Any], metric: str) -> tuple[list[float], float | None, int | None] | None:
    """(record scores, mean, record count) of `metric` in one evaluation job, or None when not scored."""
    scores = job.get("scores") or {}
    if "metrics" in scores:
        m = scores["metrics"].get(metric)
        if not m:
            return None
        return list((scores.get("record_scores") or {}).get(metric) or []), m.get("mean"), m.get("count")
    m = scores.get(metric)
    if not m:
        return None
    return list(m.get("values") or []), m.get("mean"), m.get("records")


def quality_gate(ev: Evidence, policy: dict[str, Any]) -> GateResult:
    p = policy["quality"]
    threshold = float(p["min_success_rate_pct"])
    if p.get("custom_metric"):
        return _custom_metric_gate(ev, "quality", p["custom_metric"], threshold, at_least=True)
    pass_score = float(p["record_pass_score"])
    jobs = [j for j in ev.get("bedrock.evaluation_jobs").get("jobs", []) if j.get("status") == "Completed"]
    wanted = [p["metric"]] if isinstance(p["metric"], str) else list(p["metric"])
    scored = {m for job in jobs for m in _scored_metrics(job)}
    metric = next((m for m in wanted if m in scored), wanted[0])
    passed = total = 0
    used: list[str] = []
    for job in jobs:
        found = _job_scores(job, metric)
        if found is None:
            continue
        values, mean, count = found
        if values:
            total += len(values)
            passed += sum(1 for v in values if v is not None and v >= pass_score)
        elif mean is not None and count:
            total += int(count)
            passed += round(float(mean) * int(count))
        used.append(f"{job.get('name', '?')}: {metric} on {len(values) or count} records")
    if not total:
        return _result(
            "quality",
            Status.UNKNOWN,
            None,
            threshold,
            "%",
            f"No completed evaluation job scored {metric} in the period; no data is never a pass.",
        )
    rate = 100.0 * passed / total
    ok = rate >= threshold
    return _result(
        "quality",
        _passes(ok),
        rate,
        threshold,
        "%",
        f"{passed} of {total} evaluated records scored {metric} ≥ {pass_score:g} "
        f"({rate:.1f} %, needs ≥ {threshold:g} %).",
        used,
    )


def safety_gate(ev: Evidence, policy: dict[str, Any]) -> GateResult:
    p = policy["safety"]
    threshold = float(p["max_violation_rate_pct"])
    if p.get("custom_metric"):
        return _custom_metric_gate(ev, "safety", p["custom_metric"], threshold, at_least=False)
    from llmops_audit.probes.bedrock import guardrail_totals

    stats = ev.get("cloudwatch.metric_stats")
    inv = guardrail_totals(stats, "Invocations")
    if not inv.total:
        return _result(
            "safety",
            Status.UNKNOWN,
            None,
            threshold,
            "%",
            "No guardrail invocations (AWS/Bedrock/Guardrails Invocations) in the period; "
            "no data is never a pass.",
        )
    invocations = inv.total
    iv = guardrail_totals(stats, "InvocationsIntervened")
    intervened = iv.total or 0.0
    rate = 100.0 * intervened / invocations
    data = [
        f"AWS/Bedrock/Guardrails Invocations, series by {inv.dims}",
        f"AWS/Bedrock/Guardrails InvocationsIntervened, series by {iv.dims or 'none (no data: 0)'}",
    ]
    if iv.upper_bound and rate > threshold:
        return _result(
            "safety",
            Status.UNKNOWN,
            rate,
            threshold,
            "%",
            f"Interventions are only published per policy type, so {intervened:,.0f} of {invocations:,.0f} "
            f"({rate:.3f} %) is an upper bound over the {threshold:g} % limit; the real rate is unknown.",
            data,
        )
    return _result(
        "safety",
        _passes(rate <= threshold),
        rate,
        threshold,
        "%",
        f"Guardrails intervened in {intervened:,.0f} of {invocations:,.0f} invocations "
        f"({rate:.3f} %, needs ≤ {threshold:g} %).",
        data,
    )


def performance_gate(ev: Evidence, policy: dict[str, Any]) -> GateResult:
    p = policy["performance"]
    model_budget, api_budget = float(p["model_p95_budget_ms"]), float(p["api_p95_budget_ms"])
    stats = ev.get("cloudwatch.metric_stats")
    models = ms.by_dimension(stats, "AWS/Bedrock", "InvocationLatency", "p95", "ModelId")
    apis = ms.by_dimension(stats, "AWS/ApiGateway", "Latency", "p95", "ApiName")
    apis.update(ms.by_dimension(stats, "AWS/ApiGateway", "Latency", "p95", "ApiId"))
    if not models and not apis:
        return _result(
            "performance",
            Status.UNKNOWN,
            None,
            model_budget,
            "ms",
            "No p95 latency data (Bedrock InvocationLatency or API Gateway Latency) in the period.",
        )
    over = [f"model {m} p95 {v:,.0f} ms > {model_budget:g} ms" for m, v in models.items() if v > model_budget]
    over += [f"API {a} p95 {v:,.0f} ms > {api_budget:g} ms" for a, v in apis.items() if v > api_budget]
    data = [f"model {m}: p95 {v:,.0f} ms" for m, v in sorted(models.items())]
    data += [f"API {a}: p95 {v:,.0f} ms" for a, v in sorted(apis.items())]
    worst = max(list(models.values()) + list(apis.values()))
    if over:
        return _result(
            "performance",
            Status.NOT_MET,
            worst,
            model_budget,
            "ms",
            "Over budget: " + "; ".join(over) + ".",
            data,
        )
    return _result(
        "performance",
        Status.MET,
        worst,
        model_budget,
        "ms",
        f"All {len(models)} model(s) within {model_budget:g} ms and {len(apis)} API(s) within "
        f"{api_budget:g} ms at p95.",
        data,
    )


def cost_gate(ev: Evidence, policy: dict[str, Any], prices: dict[str, Any] | None = None) -> GateResult:
    from llmops_audit.inputs.prices import load_prices
    from llmops_audit.metrics.cost import estimate_cost

    p = policy["cost"]
    budget, tol = float(p["budget_per_1000_requests_usd"]), float(p["tolerance_pct"])
    limit = budget * (1 + tol / 100)
    stats = ev.get("cloudwatch.metric_stats")
    total_usd, requests, per_model, unpriced = estimate_cost(stats, prices or load_prices(None))
    if not requests or total_usd is None:
        return _result(
            "cost",
            Status.UNKNOWN,
            None,
            limit,
            "USD",
            "No priced Bedrock traffic in the period"
            + (f" (no price for {', '.join(unpriced)})" if unpriced else "")
            + "; no data is never a pass.",
        )
    per_1000 = 1000.0 * total_usd / requests
    data = [f"{m}: ${v:,.4f}" for m, v in sorted(per_model.items())]
    note = f" Unpriced models left out: {', '.join(unpriced)}." if unpriced else ""
    ok = per_1000 <= limit
    return _result(
        "cost",
        _passes(ok),
        per_1000,
        limit,
        "USD",
        f"Estimated ${per_1000:,.4f} per 1,000 requests over {requests:,.0f} requests "
        f"(budget ${budget:g} + {tol:g} % = ${limit:,.4f}).{note}",
        data,
    )


GATES = {"quality": quality_gate, "safety": safety_gate, "performance": performance_gate, "cost": cost_gate}


def _finite(result: GateResult) -> GateResult:
    """A pass or fail decided on a number that is not finite (NaN compares false, -inf is below any budget)
    is no decision: unknown. The input loaders refuse such numbers; this is the second line of defence."""
    numbers = [x for x in (result.measured, result.threshold) if isinstance(x, float)]
    if result.status in (Status.MET, Status.NOT_MET) and not all(math.isfinite(x) for x in numbers):
        return replace(
            result,
            status=Status.UNKNOWN,
            reason=f"{result.reason} The measurement or threshold is not a finite number, so nothing is decided.",
        )
    return result


def evaluate_gates(
    snapshot: EvidenceSnapshot,
    policy: dict[str, Any],
    waivers: tuple[Waiver, ...] | dict[str, Waiver] | None = None,
    prices: dict[str, Any] | None = None,
) -> tuple[GateResult, ...]:
    chosen = pick_waivers(waivers, snapshot.scope)
    return tuple(
        _waived(_gate(gate_id, snapshot, policy, prices), chosen.get(gate_id), snapshot.scope)
        for gate_id in GATES
    )


def _gate(
    gate_id: str, snapshot: EvidenceSnapshot, policy: dict[str, Any], prices: dict[str, Any] | None
) -> GateResult:
    ev = Evidence(snapshot, GATE_SECTIONS)
    try:
        result = cost_gate(ev, policy, prices) if gate_id == "cost" else GATES[gate_id](ev, policy)
        return _finite(result)
    except MissingEvidence as exc:
        return _result(
            gate_id, Status.UNKNOWN, None, None, "", f"Could not read {exc.section}: {exc.error.describe()}."
        )
    except (
        Exception
    ) as exc:  # evidence of an unexpected shape (a hand-edited snapshot): unknown, never a pass
        return _result(
            gate_id,
            Status.UNKNOWN,
            None,
            None,
            "",
            f"The gate could not read its evidence ({type(exc).__name__}: {str(exc)[:120]}).",
        )


def _waived(result: GateResult, waiver: Waiver | None, scope: Scope) -> GateResult:
    """The same waiver path as checklist items (engine/overrides.py)."""
    from dataclasses import replace

    after = apply_overrides(result.status, result.reason, scope, waiver=waiver, label=lambda s: s.gate_label)
    if after.status is result.status and not after.notes:
        return result
    return replace(
        result,
        status=after.status,
        reason=after.reason,
        notes=result.notes + after.notes,
        waiver=waiver if after.status is Status.WAIVED else None,
    )
