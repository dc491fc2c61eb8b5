"""Pure: does the finished report meet what CI asked for (--min-level now; gates in gates.py)?"""

from __future__ import annotations

from dataclasses import replace

from llmops_audit.model import AuditReport


def decide_verdict(report: AuditReport, *, min_level: int | None = None) -> AuditReport:
    reasons: list[str] = []
    checked: list[str] = []
    if min_level is not None:
        checked.append(f"--min-level {min_level}")
        if report.level < min_level:
            reasons.append(f"level {report.level} is below the required level {min_level}")
    outcome = "fail" if reasons else "pass"
    return replace(report, verdict={"outcome": outcome, "reasons": reasons, "checked": checked})
