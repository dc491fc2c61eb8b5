"""The one place a report is assembled: request + evidence source -> AuditReport.

    inputs (definitions, policy, prices, attestations, waivers, period)  -> AuditRequest
    source.collect(plan)                                                  -> EvidenceSnapshot
    engine (rules, scoring, maturity, gates, overrides, verdict; pure)    -> AuditReport

`run` knows nothing of the CLI or of where the evidence comes from; call it once per scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from llmops_audit import __version__
from llmops_audit.engine.gates import GATE_SECTIONS, evaluate_gates
from llmops_audit.engine.maturity import achieved_level, next_improvements, summarise_levels
from llmops_audit.engine.overrides import pick_waivers, waiver_applies
from llmops_audit.engine.scoring import confine_to_workload, measure_metrics, needed_sections, score_items
from llmops_audit.engine.verdict import decide_verdict
from llmops_audit.errors import AwsAccessError
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.evidence.sources import CollectionPlan, EvidenceSource, OnSection
from llmops_audit.evidence.workload import WORKLOAD_SECTION, confine, scoping_notice
from llmops_audit.inputs.policy import custom_gate_metrics
from llmops_audit.inputs.scopes import Workload
from llmops_audit.model import Attestation, AuditReport, Finding, Framework, Waiver
from llmops_audit.probes import PROBES, run_probe

# Decides whether the account holds an LLM workload at all (probes/workload.py); its answer is a notice.
WORKLOAD_PROBE = "llm_workload_found"

REPORT_SCHEMA_VERSION = "2.0"
DEMO_NOTICE = (
    "This is the recorded demo account: evidence collected once from a seeded mock account, "
    "not your AWS account."
)


@dataclass(frozen=True)
class AuditRequest:
    """Everything a run was asked for, already read and validated (see llmops_audit/inputs/)."""

    framework: Framework
    policy: dict[str, Any]
    prices: dict[str, Any]
    start: datetime
    end: datetime
    generated_at: datetime
    attestations: dict[str, Attestation] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    gates_only: bool = False  # `llmops-audit gates`: read and decide only the go-live gates
    min_level: int | None = None
    fail_on_gates: bool = False
    fail_on_unknown: bool = False
    deadline_s: float | None = None  # live reads stop after this many seconds (--deadline)
    caps: dict[str, int] = field(default_factory=dict)  # --max-… read limits (collectors/caps.py)
    workload: Workload | None = None  # --workload KEY=VALUE: evidence confined to that tag's resources


def plan(request: AuditRequest) -> CollectionPlan:
    """The evidence sections the request needs: its framework's (unless gates only) and the gates'."""
    sections = set(GATE_SECTIONS)
    if not request.gates_only:
        sections |= needed_sections(request.framework) | set(PROBES[WORKLOAD_PROBE].needs)
    options: dict[str, Any] = {"gate_custom_metrics": custom_gate_metrics(request.policy)}
    if request.caps:
        options["caps"] = dict(request.caps)
    if request.workload:
        sections.add(WORKLOAD_SECTION)
        options["workload"] = (request.workload.key, request.workload.value)
    return CollectionPlan(frozenset(sections), request.start, request.end, options, request.deadline_s)


def run(
    request: AuditRequest,
    source: EvidenceSource,
    *,
    on_section: OnSection | None = None,
    on_evidence: Callable[[EvidenceSnapshot], None] | None = None,
) -> AuditReport:
    """Collect the evidence the request needs from `source` and build the whole report in one pass."""
    snapshot = source.collect(plan(request), on_section)
    if on_evidence:
        on_evidence(snapshot)
    if request.workload and WORKLOAD_SECTION in snapshot.errors:
        # Without the workload's resources, every item would be judged on the whole account's: refuse.
        raise AwsAccessError(
            f"cannot find the resources of workload {request.workload.label}: "
            f"{snapshot.errors[WORKLOAD_SECTION].describe()}",
            hint="the audit needs tag:GetResources to confine evidence to a workload",
        )
    return assemble(request, snapshot)


def assemble(request: AuditRequest, snapshot: EvidenceSnapshot) -> AuditReport:
    """Pure: the report for `request` over `snapshot` (items, metrics, gates, overrides, notices, verdict)."""
    fw = request.framework
    if snapshot.scope.workload:
        snapshot = confine(snapshot)
    if request.gates_only:
        fw = replace(fw, levels=tuple(replace(lv, items=(), metrics=()) for lv in fw.levels))
    workload = run_probe(WORKLOAD_PROBE, snapshot, {})
    items = score_items(fw, snapshot, request.attestations, request.waivers)
    if not request.gates_only:
        items = confine_to_workload(fw, items, workload)
    metrics = measure_metrics(fw, snapshot, {"prices": request.prices})
    gates = evaluate_gates(snapshot, request.policy, request.waivers, request.prices)
    levels = summarise_levels(fw, items)
    level = achieved_level(fw, levels)
    verdict = decide_verdict(
        level,
        gates,
        min_level=request.min_level,
        fail_on_gates=request.fail_on_gates,
        fail_on_unknown=request.fail_on_unknown,
    )
    return AuditReport(
        tool_version=__version__,
        schema_version=REPORT_SCHEMA_VERSION,
        generated_at=request.generated_at.replace(microsecond=0),
        framework=fw,
        scope=snapshot.scope,
        level=level,
        levels=levels,
        items=items,
        metrics=metrics,
        next_improvements=next_improvements(fw, items, level),
        calls=_call_summary(snapshot),
        notices=_notices(request, snapshot, workload),
        gates=gates,
        verdict=verdict,
        gates_only=request.gates_only,
    )


# CloudWatch API list prices (us-east-1, beyond the free tier), from the Amazon CloudWatch pricing page
# (https://aws.amazon.com/cloudwatch/pricing/, "API requests"): GetMetricData is billed per metric requested,
# $0.01 per 1,000; GetMetricStatistics, ListMetrics, GetDashboard, ListDashboards (List/Get requests) $0.01
# per 1,000 requests. Other Regions' prices differ slightly; the estimate says it is us-east-1's.
GET_METRIC_DATA_USD_PER_1000_METRICS = 0.01
CLOUDWATCH_REQUEST_USD_PER_1000 = 0.01


def _cloudwatch_cost(calls: list[dict[str, Any]]) -> float:
    """Estimated CloudWatch API cost of the run's successful requests, in US dollars."""
    metrics = sum(int(c.get("metrics") or 0) for c in calls)
    requests = sum(
        1
        for c in calls
        if c["service"] == "cloudwatch"
        and c["operation"] != "GetMetricData"
        and c["operation"].startswith(("List", "Get"))
        and c["outcome"] == "ok"
    )
    return round(
        metrics / 1000 * GET_METRIC_DATA_USD_PER_1000_METRICS
        + requests / 1000 * CLOUDWATCH_REQUEST_USD_PER_1000,
        6,
    )


def _call_summary(snapshot: EvidenceSnapshot) -> dict[str, Any]:
    outcomes: dict[str, int] = {}
    services: dict[str, int] = {}
    for c in snapshot.calls:
        outcomes[c["outcome"]] = outcomes.get(c["outcome"], 0) + 1
        services[c["service"]] = services.get(c["service"], 0) + 1
    return {
        "total": len(snapshot.calls),
        "by_outcome": dict(sorted(outcomes.items())),
        "by_service": dict(sorted(services.items())),
        "metric_requests": sum(1 for c in snapshot.calls if c["operation"] == "GetMetricData"),
        "metric_queries": sum(int(c.get("metrics") or 0) for c in snapshot.calls),
        "cloudwatch_cost_usd": _cloudwatch_cost(snapshot.calls),
        "denied_actions": sorted({e.action for e in snapshot.errors.values() if e.kind == "denied"}),
        "not_read": sorted(name for name, e in snapshot.errors.items() if e.kind == "deadline"),
    }


def _cap_notices(sections: dict[str, Any]) -> list[str]:
    """One line per limit that bounded a read, from every section's "caps" list (collectors/caps.py;
    malformed entries skipped): "Not everything was read: 50 of 200 LLM Lambda functions read in detail
    (cap 50; raise it with --max-lambdas) in lambda.functions; …"."""
    out: list[str] = []
    for name in sorted(sections):
        data = sections[name]
        for c in (data.get("caps") if isinstance(data, dict) else None) or []:
            if not isinstance(c, dict) or not all(k in c for k in ("what", "read", "limit", "option")):
                continue
            count = (
                f"{c['read']:,} of {c['of']:,}"
                if isinstance(c.get("of"), int)
                else f"{c['read']:,} (more exist)"
            )
            line = (
                f"Not everything was read: {count} {c['what']} (cap {c['limit']:,}; raise it with "
                f"{c['option']}) in {name}; the items that need it are judged on what was read."
            )
            if line not in out:
                out.append(line)
    return out


def _notices(request: AuditRequest, snapshot: EvidenceSnapshot, workload: Finding) -> tuple[str, ...]:
    notices = [DEMO_NOTICE] if snapshot.scope.demo else []
    scoped = scoping_notice(snapshot)
    if scoped:
        notices.append(scoped)
    if not request.gates_only:
        if workload.value is False:
            notices.insert(0, workload.summary)  # "No LLM workload was found: ..." with what was looked at
    notices.extend(_cap_notices(snapshot.sections))  # read X of Y (cap Z): no silent caps
    unread = [name for name, e in snapshot.errors.items() if e.kind == "deadline"]
    if unread:
        notices.append(
            f"Partial audit: the deadline passed before {len(unread)} evidence section(s) were read "
            f"({', '.join(sorted(unread)[:6])}{'…' if len(unread) > 6 else ''}); the items that need them are unknown."
        )
    chosen = pick_waivers(request.waivers, snapshot.scope)
    for w in chosen.values():
        if w.expired:
            notices.append(f"Waiver for {w.target} (owner {w.owner}) expired on {w.expires} and is ignored.")
        elif not waiver_applies(w, snapshot.scope):
            notices.append(
                f"Waiver for {w.target} is scoped to {w.scope} and does not apply to this account/Region."
            )
    for a in request.attestations.values():
        if a.expired:
            notices.append(f"Attestation of {a.item} by {a.by} expired on {a.expires} and no longer counts.")
    return tuple(notices)
