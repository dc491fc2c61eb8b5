"""The `llmops-audit gates` output: only the verdict and the gates, in each format."""

from __future__ import annotations

import json

from llmops_audit.model import AuditReport


def render_gates(report: AuditReport, fmt: str, color: bool = False) -> str:
    v = report.verdict
    if fmt == "json":
        s = report.scope
        return (
            json.dumps(
                {
                    "schema_version": report.schema_version,
                    "generated_at": report.generated_at.isoformat(),
                    "scope": {
                        "account": s.account,
                        "region": s.region,
                        "period": {"start": s.start.isoformat(), "end": s.end.isoformat()},
                        "demo": s.demo,
                    },
                    "verdict": v,
                    "gates": [g.to_dict() for g in report.gates],
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )
    verdict = "FAIL: " + "; ".join(v.get("reasons", [])) if v.get("outcome") == "fail" else "PASS"
    if fmt == "markdown":
        lines = [
            f"# Go-live gates: {verdict}",
            "",
            f"Account `{report.scope.account}` · Region `{report.scope.region}`",
            "",
            "| Gate | Result | Measured | Threshold | Evidence |",
            "|---|---|---|---|---|",
        ]
        for g in report.gates:
            lines.append(
                f"| {g.name} | **{g.status}** | {g.measured_text} | {g.threshold_text} | "
                f"{g.reason.replace('|', '/')} |"
            )
        return "\n".join(lines) + "\n"
    import io

    from rich.console import Console

    from llmops_audit.report.terminal import _gates

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=140, highlight=False)
    console.print(f"[bold]Go-live gates: {verdict}[/bold]")
    console.print(_gates(report))
    return buf.getvalue()
