"""Formatting shared by the renderers (no I/O, no scoring)."""

from __future__ import annotations

from dataclasses import dataclass

from llmops_audit.model import AuditReport, MetricResult, Status


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False  # ANSI colour (terminal format, on a TTY)
    width: int = 140  # terminal columns


STATUS_LABEL = {
    Status.MET: "met",
    Status.NOT_MET: "not met",
    Status.UNKNOWN: "unknown",
    Status.ATTESTED: "attested",
    Status.WAIVED: "waived",
    Status.ERROR: "error",
}


def fmt_number(value: float, unit: str = "") -> str:
    if unit == "USD":
        return f"${value:,.4f}" if abs(value) < 1 else f"${value:,.2f}"
    if unit == "%":
        return f"{value:.1f} %"
    if float(value).is_integer() and abs(value) >= 1:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 0.01 else f"{value:.4g}"
    return f"{text} {unit}".strip() if unit else text


def fmt_metric_value(m: MetricResult) -> str:
    if m.value is None:
        return "n/a"
    return fmt_number(m.value, m.unit)


def fmt_breakdown(m: MetricResult, limit: int = 6) -> str:
    # Breakdown entries are counts, shares or times of their own; their labels say which (a row in % may
    # break down into request counts), so only milliseconds carry the row's unit.
    parts = [
        # a label naming its own unit ("memory configured (MB)") keeps it: 512 MB is not 512 ms
        f"{k}: {fmt_number(v, 'ms' if m.unit == 'ms' and not k.rstrip().endswith(')') else '')}"
        for k, v in list(m.breakdown.items())[:limit]
        if v is not None
    ]
    more = len(m.breakdown) - limit
    return "; ".join(parts) + (f"; +{more} more" if more > 0 else "")


def gates_summary(report: AuditReport) -> str:
    """'gates: 2 pass, 2 fail (safety, cost)' — always part of the verdict, whether or not a gate fails the run."""
    if not report.gates:
        return ""
    counts: dict[str, int] = {}
    for g in report.gates:
        counts[g.label] = counts.get(g.label, 0) + 1
    order = ("pass", "fail", "unknown", "waived")
    text = "gates: " + ", ".join(f"{counts[k]} {k}" for k in order if k in counts)
    failing = [g.id for g in report.gates if g.label == "fail"]
    return text + (f" ({', '.join(failing)})" if failing else "")


def verdict_line(report: AuditReport) -> str:
    """The whole verdict in one line: the level, the gates, and whether the run's requirements hold."""
    total = len(report.framework.levels)
    name = level_name(report)
    line = f"Level {report.level} of {total}: {name}"
    gates = gates_summary(report)
    if gates:
        line += f"; {gates}"
    v = report.verdict
    if v.outcome == "fail":
        line += f" — FAILS: {'; '.join(v.reasons)}"
    elif v.checked:
        line += f" — passes {', '.join(v.checked)}"
    return line


def gates_verdict(report: AuditReport) -> str:
    """The headline of a gates-only report: PASS, or FAIL with the reasons."""
    v = report.verdict
    return "FAIL: " + "; ".join(v.reasons) if v.outcome == "fail" else "PASS"


def status_counts(report: AuditReport) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in report.items:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    return counts


def call_outcomes(report: AuditReport) -> str:
    """'not found 4, ok 109': how the recorded AWS calls ended."""
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.calls.get("by_outcome", {}).items())


def call_costs(report: AuditReport) -> str:
    """'12 GetMetricData requests for 5,210 metric queries; estimated CloudWatch API cost $0.05 (us-east-1
    list prices)', or "" for a report without those figures (an older saved report)."""
    c = report.calls
    if "metric_queries" not in c:
        return ""
    n, q = int(c.get("metric_requests", 0)), int(c["metric_queries"])
    cost = float(c.get("cloudwatch_cost_usd", 0.0))
    shown = f"${cost:.2f}" if cost >= 0.01 or cost == 0 else "under $0.01"
    return (
        f"{n:,} GetMetricData request{'s' if n != 1 else ''} for {q:,} metric quer{'ies' if q != 1 else 'y'}; "
        f"estimated CloudWatch API cost {shown} (us-east-1 list prices)"
    )


def calls_by_service(report: AuditReport) -> str:
    """'bedrock 14, cloudwatch 7, iam 20': recorded calls per service."""
    return ", ".join(f"{k} {v}" for k, v in report.calls.get("by_service", {}).items())


def period_text(report: AuditReport) -> str:
    s = report.scope
    return f"{s.start:%Y-%m-%d %H:%M} to {s.end:%Y-%m-%d %H:%M} UTC"


def level_name(report: AuditReport) -> str:
    top = report.framework.level(report.level)
    if top:
        return top.name
    first = report.framework.levels[0].name if report.framework.levels else "the first level"
    return f"not yet at {first}"
