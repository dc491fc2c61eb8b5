"""Markdown that pastes into Confluence: verdict first, [x]/[ ] checklists as the seed suggests, pipe tables."""

from __future__ import annotations

import html

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
from llmops_audit.report.reading import item_reading, level_state, needs_remediation, remediation


def _cell(text: str) -> str:
    """One table cell or list line: one line, HTML escaped (an endpoint's error page is text, not markup),
    pipes escaped."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


FOLD = 200  # characters of a table cell; the rest is in "Details" at the end (nothing is lost)


class _Folds:
    """Long cells folded: the cell keeps the first FOLD characters and a reference, the text goes to the end."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def cell(self, text: str) -> str:
        flat = " ".join(str(text).split())
        if len(flat) <= FOLD:
            return _cell(flat)
        self.notes.append(flat)
        cut = flat[:FOLD].rsplit(" ", 1)[0]
        return _cell(cut) + f"… [{len(self.notes)}]"

    def lines(self) -> list[str]:
        if not self.notes:
            return []
        return ["## Details", ""] + [f"{i}. {_cell(n)}" for i, n in enumerate(self.notes, 1)] + [""]


def _gate_rows(report: AuditReport) -> list[str]:
    out = ["| Gate | Result | Measured | Threshold | Evidence |", "|---|---|---|---|---|"]
    for g in report.gates:
        out.append(
            f"| {_cell(g.name)} | **{g.label}** | {_cell(g.measured_text)} | {_cell(g.threshold_text)} "
            f"| {_cell(g.reason[: FOLD * 2])} |"
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
    folds = _Folds()
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
            if remediation(report, r):
                out.append(f"  - How: {_cell(remediation(report, r))}")
        out.append("")
    out.append("## Levels")
    out.append("")
    out.append("| Level | Name | Items counted | Reached |")
    out.append("|---|---|---|---|")
    for lv in report.levels:
        if lv.starting_state:  # where every workload starts: its items are signs, never goals
            out.append(
                f"| {lv.number} | {_cell(lv.name)} | {lv.counted} of {lv.total} signs still present "
                "| starting state |"
            )
            continue
        out.append(
            f"| {lv.number} | {_cell(lv.name)} | {lv.counted} of {lv.total} | {'yes' if lv.reached else 'no'} |"
        )
    out.append("")
    for level in fw.levels:
        out.append(f"## Level {level.number} — {level.name}")
        out.append("")
        out.append(f"*\u201c{level.motto}\u201d* Core question: **{level.core_question}**")
        out.append("")
        summary = next((x for x in report.levels if x.number == level.number), None)
        if summary is not None and summary.starting_state:
            out.append(
                f"Where every workload starts ({level_state(summary)}): each item below is a sign of this "
                "stage, ✅ when it is left behind, ⚠️ while it is still present."
            )
            out.append("")
        for r in (r for r in report.items if r.level == level.number):
            reading = item_reading(report, r)
            if summary is not None and summary.starting_state:
                box = {"good": "✅", "bad": "⚠️", "unknown": "❔", "neutral": "〰️"}[reading.tone]
            else:
                box = "[x]" if reading.done else "[ ]"
            out.append(f"- {box} **{r.id}** {_cell(r.text)} — *{reading.label}*: {_cell(r.reason)}")
            if needs_remediation(report, r):
                out.append(f"  - Remediation: {_cell(remediation(report, r))}")
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
                    f"| {_cell(m.category)} | {_cell(m.name)} | {folds.cell(m.source or m.purpose)} | "
                    f"{_cell(fmt_metric_value(m))} | {folds.cell(how)} |"
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
    out.append("")
    out.extend(folds.lines())
    return "\n".join(out).rstrip("\n") + "\n"
