"""Pure: does the finished report meet what CI asked for (--min-level, --fail-on-gates)?"""

from __future__ import annotations

from dataclasses import replace

from llmops_audit.model import AuditReport


def decide_verdict(
    report: AuditReport,
    *,
    min_level: int | None = None,
    fail_on_gates: bool = False,
    fail_on_unknown: bool = False,
) -> AuditReport:
    reasons: list[str] = []
    checked: list[str] = []
    if min_level is not None:
        checked.append(f"minimum level {min_level}")
        if report.level < min_level:
            reasons.append(f"level {report.level} is below the required level {min_level}")
    if fail_on_gates:
        checked.append("go-live gates")
        for g in report.gates:
            if g.status == "fail":
                reasons.append(f"{g.name.lower()} failed")
            elif g.status == "unknown" and fail_on_unknown:
                reasons.append(f"{g.name.lower()} has no data (--fail-on-unknown)")
    outcome = "fail" if reasons else "pass"
    return replace(report, verdict={"outcome": outcome, "reasons": reasons, "checked": checked})
