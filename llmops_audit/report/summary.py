"""A GitHub Actions job summary (`--format github-summary -o "$GITHUB_STEP_SUMMARY"`): GitHub-flavoured
Markdown, verdict and counts first, the details folded in <details> blocks (GitHub renders that HTML in a
summary).

GitHub takes at most 1 MiB (1,048,576 bytes) per step summary and rejects a larger one whole ("upload
aborted"), so the renderer keeps under LIMIT: the verdict, the counts and the gates always, then the
folded blocks in order while they fit; any block left out is named in a closing note that points to the
full report (the JSON, JUnit and Markdown artifacts).
"""

from __future__ import annotations

import html

from llmops_audit.engine.rollup import scope_row
from llmops_audit.model import AuditReport, FleetReport, Status
from llmops_audit.report.common import STATUS_LABEL, RenderOptions, status_counts, verdict_line
from llmops_audit.report.fleet import headline
from llmops_audit.report.markdown import _cell
from llmops_audit.report.reading import item_reading, level_state, needs_remediation, remediation

LIMIT = 1024 * 1024  # bytes GitHub accepts in one step's summary
_RESERVE = 2048  # bytes kept free for the note that names what was left out
CELL = 300  # characters of a reason in a list line; the full text is in the other formats

_ICON = {"good": "✅", "bad": "❌", "unknown": "❔", "neutral": "〰️"}
_GATE_ICON = {"pass": "✅", "fail": "❌", "unknown": "❔", "waived": "〰️", "error": "❔"}


def _short(text: str, limit: int = CELL) -> str:
    flat = " ".join(str(text).split())
    return _cell(flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …")


def _outcome(report: AuditReport) -> str:
    if report.calls.get("not_read"):
        return "⚠️ PARTIAL"
    return "❌ FAIL" if report.verdict.outcome == "fail" else "✅ PASS"


def _fold(summary: str, body: list[str]) -> str:
    # a blank line after <summary> and before </details>: GitHub renders the Markdown between them
    return "\n".join([f"<details><summary>{html.escape(summary)}</summary>", "", *body, "", "</details>", ""])


def _counts(report: AuditReport) -> str:
    counts = status_counts(report)
    return ", ".join(f"{n} {STATUS_LABEL[Status(k)]}" for k, n in sorted(counts.items()))


def _gates_table(report: AuditReport) -> list[str]:
    if not report.gates:
        return []
    out = ["| Go-live gate | Result | Measured | Threshold |", "|---|---|---|---|"]
    for g in report.gates:
        out.append(
            f"| {_cell(g.name)} | {_GATE_ICON.get(g.label, '')} {g.label} | {_cell(g.measured_text)} "
            f"| {_cell(g.threshold_text)} |"
        )
    return out


def _level_table(report: AuditReport) -> list[str]:
    out = ["| Level | Name | Items |", "|---|---|---|"]
    for lv in report.levels:
        out.append(f"| {lv.number} | {_cell(lv.name)} | {_cell(level_state(lv))} |")
    return out


def _scope_blocks(report: AuditReport, prefix: str = "") -> list[tuple[str, str]]:
    """(name, folded Markdown) per block of a scope's details, in the order they are kept."""
    blocks: list[tuple[str, str]] = []
    todo = [r for r in report.items if needs_remediation(report, r)]
    if todo:
        lines = [f"- **{r.id}** {_short(r.text)}: {_short(remediation(report, r))}" for r in todo]
        blocks.append((f"{prefix}What to fix", _fold(f"{prefix}What to fix ({len(todo)} items)", lines)))
    for summary in report.levels:
        items = [r for r in report.items if r.level == summary.number]
        if not items:
            continue
        lines = []
        for r in items:
            reading = item_reading(report, r)
            lines.append(
                f"- {_ICON[reading.tone]} **{r.id}** {_short(r.text)} — *{reading.label}*: {_short(r.reason)}"
            )
            if r.missing:
                lines.append(f"  - Missing permission or data: {_short(', '.join(r.missing))}")
        title = f"{prefix}Level {summary.number} — {summary.name}: {level_state(summary)}"
        blocks.append((title, _fold(title, lines)))
    if report.gates:
        lines = [f"- **{g.name}** ({g.label}): {_short(g.reason)}" for g in report.gates]
        blocks.append((f"{prefix}Gate evidence", _fold(f"{prefix}Gate evidence", lines)))
    if report.notices:
        lines = [f"- {_short(n)}" for n in report.notices]
        blocks.append((f"{prefix}Notices", _fold(f"{prefix}Notices", lines)))
    return blocks


def _fit(head: list[str], blocks: list[tuple[str, str]], limit: int) -> str:
    text = "\n".join(head).rstrip("\n") + "\n\n"
    size = len(text.encode())
    left: list[str] = []
    for name, block in blocks:
        n = len(block.encode()) + 1
        if not left and size + n <= limit - _RESERVE:
            text += block + "\n"
            size += n
        else:
            left.append(name)  # once one block is left out, the rest are too: the order stays meaningful
    if left:
        shown = ", ".join(left[:20]) + (f" and {len(left) - 20} more" if len(left) > 20 else "")
        note = (
            f"> **Trimmed:** {len(left)} section(s) left out to stay under GitHub's 1 MiB step-summary "
            f"limit ({_cell(shown)}). The full report is in the JSON, JUnit and Markdown reports."
        )
        text += note.encode()[: _RESERVE - 16].decode(errors="ignore") + "\n"
    return text


def _scope_head(report: AuditReport) -> list[str]:
    s = report.scope
    head = [
        f"## llmops-audit {_outcome(report)}: {_cell(verdict_line(report))}",
        "",
        f"Account `{s.account}` · Region `{s.region}`"
        + (f" · Workload `{_cell(s.workload)}`" if s.workload else "")
        + (" · **demo account**" if s.demo else "")
        + f" · llmops-audit {report.tool_version}",
        "",
    ]
    if not report.gates_only:
        head += [f"**Items:** {_counts(report)}", "", *_level_table(report), ""]
    head += [*_gates_table(report), ""]
    return head


def render(report: AuditReport, options: RenderOptions | None = None, limit: int = LIMIT) -> str:
    return _fit(_scope_head(report), _scope_blocks(report), limit)


def render_fleet(fleet: FleetReport, options: RenderOptions | None = None, limit: int = LIMIT) -> str:
    if fleet.partial:
        outcome = "⚠️ PARTIAL"
    elif any(r.verdict.outcome == "fail" for r in fleet.reports):
        outcome = "❌ FAIL"
    else:
        outcome = "✅ PASS"
    head = [f"## llmops-audit {outcome}: {_cell(headline(fleet))}", ""]
    blocks: list[tuple[str, str]] = []
    rows = ["| Scope | Level | Verdict | Gates | Items |", "|---|---|---|---|---|"]
    for r in fleet.reports:
        row = scope_row(r)
        gates = ", ".join(f"{n} {k}" for k, n in row.gates.items()) or "none"
        rows.append(
            f"| {_cell(row.label)} | {row.level} {_cell(row.level_name)} | {_outcome(r)} | {gates} "
            f"| {_counts(r)} |"
        )
    for f in fleet.failures:
        rows.append(f"| {_cell(f.label)} | — | ⚠️ not audited | — | {_short(f.reason)} |")
    # the overview is kept whole when it fits; a fleet too large for it is trimmed like any block
    if len(rows) <= 1002:
        head += [*rows, ""]
    else:
        blocks.append(("Scopes", _fold(f"Scopes ({len(rows) - 2})", rows)))
    for s in fleet.skipped:
        head.append(f"- Skipped {_cell(s)}")
    for n in fleet.notices:
        head.append(f"> {_short(n)}")
    for r in fleet.reports:
        title = f"Scope {r.scope.label}: {verdict_line(r)}"
        body = [f"**Items:** {_counts(r)}", "", *_level_table(r), "", *_gates_table(r)]
        blocks.append((title, _fold(title, body)))
        blocks.extend(_scope_blocks(r, prefix=f"{r.scope.label}: "))
    return _fit(head, blocks, limit)
