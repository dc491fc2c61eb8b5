"""Markdown that pastes into Confluence: verdict first, [x]/[ ] checklists as the seed suggests, pipe tables."""

from __future__ import annotations

from llmops_audit.model import AuditReport, Status
from llmops_audit.report.common import (
    STATUS_LABEL,
    RenderOptions,
    call_costs,
    call_outcomes,
    calls_by_service,
    fmt_breakdown,
    fmt_metric_value,
    gates_verdict,
    level_name,
    period_text,
    status_counts,
    verdict_line,
)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _gate_rows(report: AuditReport) -> list[str]:
    out = ["| Gate | Result | Measured | Threshold | Evidence |", "|---|---|---|---|---|"]
    for g in report.gates:
        out.append(
            f"| {_cell(g.name)} | **{g.label}** | {_cell(g.measured_text)} | {_cell(g.threshold_text)} "
            f"| {_cell(g.reason)} |"
        )
    return out


def _gates_only(report: AuditReport) -> str:
    s = report.scope
    lines = [
        f"# Go-live gates: {gates_verdict(report)}",
        "",
        f"Account `{s.account}` · Region `{s.region}`",
        "",
        *_gate_rows(report),
    ]
    return "\n".join(lines) + "\n"


def render(report: AuditReport, options: RenderOptions | None = None) -> str:
    if report.gates_only:
        return _gates_only(report)
    fw = report.framework
    top = fw.level(report.level)
    s = report.scope
    out: list[str] = []
    out.append(f"# {fw.title}: Level {report.level} — {level_name(report)}")
    out.append("")
    out.append(f"> **Verdict:** {verdict_line(report)}")
    if top:
        out.append(f"> *\u201c{top.motto}\u201d* Core question: **{top.core_question}**")
    out.append("")
    counts = status_counts(report)
    out.append(
        f"Account `{s.account}` · Region `{s.region}` · Period {period_text(report)} · "
        f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by llmops-audit {report.tool_version}"
        + (" · **demo account**" if s.demo else "")
    )
    out.append("")
    out.append("Items: " + ", ".join(f"{n} {STATUS_LABEL[Status(k)]}" for k, n in sorted(counts.items())))
    out.append("")
    if report.gates:
        out.append("## Go-live gates")
        out.append("")
        out.extend(_gate_rows(report))
        out.append("")
    nxt = [r for r in report.items if r.id in report.next_improvements]
    if nxt:
        nl = fw.level(nxt[0].level)
        out.append(f"## Next improvements (Level {nl.number if nl else ''} — {nl.name if nl else ''})")
        out.append("")
        for r in nxt:
            out.append(f"- [ ] **{r.id}** {_cell(r.text)} — {STATUS_LABEL[r.status]}: {_cell(r.reason)}")
        out.append("")
    out.append("## Levels")
    out.append("")
    out.append("| Level | Name | Items counted | Reached |")
    out.append("|---|---|---|---|")
    for lv in report.levels:
        out.append(
            f"| {lv.number} | {_cell(lv.name)} | {lv.counted} of {lv.total} | {'yes' if lv.reached else 'no'} |"
        )
    out.append("")
    for level in fw.levels:
        out.append(f"## Level {level.number} — {level.name}")
        out.append("")
        out.append(f"*\u201c{level.motto}\u201d* Core question: **{level.core_question}**")
        out.append("")
        for r in (r for r in report.items if r.level == level.number):
            box = "[x]" if r.status.counts_for_level else "[ ]"
            out.append(f"- {box} **{r.id}** {_cell(r.text)} — *{STATUS_LABEL[r.status]}*: {_cell(r.reason)}")
            if r.missing:
                out.append(f"  - Missing permission or data: {', '.join(r.missing)}")
            for note in r.notes:
                out.append(f"  - Note: {_cell(note)}")
        out.append("")
        rows = [m for m in report.metrics if m.level == level.number]
        if rows:
            out.append("| Category | Metric | AWS source | Value | How it was measured |")
            out.append("|---|---|---|---|---|")
            for m in rows:
                how = m.derivation if m.value is not None else m.reason
                detail = fmt_breakdown(m)
                if detail:
                    how = f"{how} ({detail})"
                if m.note:
                    how = f"{how} Note: {m.note}"
                out.append(
                    f"| {_cell(m.category)} | {_cell(m.name)} | {_cell(m.source or m.purpose)} | "
                    f"{_cell(fmt_metric_value(m))} | {_cell(how)} |"
                )
            out.append("")
    out.append("## About this audit")
    out.append("")
    c = report.calls
    out.append(f"- AWS calls: {c.get('total', 0)} read-only calls ({call_outcomes(report)}).")
    if c.get("by_service"):
        out.append(f"- Calls per service: {calls_by_service(report)}.")
    if call_costs(report):
        out.append(f"- Metric queries: {call_costs(report)}.")
    if c.get("denied_actions"):
        out.append(f"- Denied permissions: {', '.join(c['denied_actions'])}.")
    for n in report.notices:
        out.append(f"- {_cell(n)}")
    out.append(
        "- Items count toward a level when met, attested by a person, or waived; unknown never counts."
    )
    return "\n".join(out) + "\n"
