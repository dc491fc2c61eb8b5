"""The rich terminal report: level and core question first, then per level its items and metric rows."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

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
    period_text,
    status_counts,
    verdict_line,
)
from llmops_audit.report.reading import item_reading, level_state, remediation

STATUS_STYLE = {
    Status.MET: "green",
    Status.NOT_MET: "red",
    Status.UNKNOWN: "yellow",
    Status.ATTESTED: "cyan",
    Status.WAIVED: "magenta",
    Status.ERROR: "bold red",
}
STATUS_MARK = {
    Status.MET: "✔",
    Status.NOT_MET: "✘",
    Status.UNKNOWN: "?",
    Status.ATTESTED: "✎",
    Status.WAIVED: "~",
    Status.ERROR: "!",
}


# How an item reads (report/reading.py): a sign of the starting state still present is a warning, not a tick.
TONE_STYLE = {"good": "green", "bad": "red", "unknown": "yellow", "neutral": "magenta"}
TONE_MARK = {"good": "✔", "bad": "✘", "unknown": "?", "neutral": "~"}


def _headline(report: AuditReport) -> Panel:
    top = report.framework.level(report.level)
    s = report.scope
    body = Text()
    body.append(verdict_line(report) + "\n", style="bold")
    if top:
        body.append(f"\u201c{top.motto}\u201d  ", style="italic")
        body.append(f"Core question: {top.core_question}\n")
    counts = status_counts(report)
    body.append(
        "Items: " + ", ".join(f"{n} {STATUS_LABEL[Status(k)]}" for k, n in sorted(counts.items())) + "\n"
    )
    body.append(
        f"Account {s.account} · {s.region} · {period_text(report)}" + (" · demo account" if s.demo else ""),
        style="dim",
    )
    return Panel(body, title=f"{report.framework.title}", border_style="blue")


def _gates(report: AuditReport) -> Table:
    t = Table(title="Go-live gates", title_justify="left", expand=True)
    for col in ("Gate", "Result", "Measured", "Threshold", "Evidence"):
        t.add_column(col, overflow="fold")
    for g in report.gates:
        t.add_row(
            g.name, Text(g.label, style=STATUS_STYLE[g.status]), g.measured_text, g.threshold_text, g.reason
        )
    return t


def _level_block(report: AuditReport, number: int) -> Group:
    lv = report.framework.level(number)
    assert lv is not None  # `number` comes from the framework's own levels
    summary = next(s for s in report.levels if s.number == number)
    parts: list = []
    t = Table(
        title=f"Level {number} — {lv.name}  ({level_state(summary)})  \u201c{lv.motto}\u201d",
        title_justify="left",
        expand=True,
        show_lines=False,
    )
    t.add_column("Item", no_wrap=True)
    t.add_column("Status", no_wrap=True)
    t.add_column("Checklist item", ratio=2, overflow="fold")
    t.add_column("Evidence", ratio=3, overflow="fold")
    for r in (r for r in report.items if r.level == number):
        reason = r.reason
        if r.missing:
            reason += f" [missing: {', '.join(r.missing)}]"
        reading = item_reading(report, r)
        t.add_row(
            r.id,
            Text(f"{TONE_MARK[reading.tone]} {reading.label}", style=TONE_STYLE[reading.tone]),
            r.text,
            reason,
        )
    parts.append(t)
    rows = [m for m in report.metrics if m.level == number]
    if rows:
        mt = Table(expand=True, show_header=True, header_style="dim", box=None, padding=(0, 1))
        mt.add_column("Metric", ratio=2, overflow="fold")
        mt.add_column("Value", no_wrap=True, justify="right")
        mt.add_column("How measured / why not", ratio=3, overflow="fold", style="dim")
        for m in rows:
            how = m.derivation if m.value is not None else m.reason
            detail = fmt_breakdown(m, limit=4)
            if detail:
                how = f"{how} ({detail})"
            mt.add_row(f"{m.category}: {m.name}", fmt_metric_value(m), how)
        parts.append(mt)
    return Group(*parts)


def console_for(options: RenderOptions) -> tuple[Console, io.StringIO]:
    """A rich console that renders into a string: ANSI colour only when asked, at the given width (the
    terminal report, the multi-scope overview, diff and trend all draw through one)."""
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=options.color,
        no_color=not options.color,
        width=options.width,
        highlight=False,
        color_system="standard" if options.color else None,
    )
    return console, buf


def render(report: AuditReport, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    console, buf = console_for(options)
    if report.gates_only:
        console.print(f"[bold]Go-live gates: {gates_verdict(report)}[/bold]")
        console.print(_gates(report))
        return buf.getvalue()
    console.print(_headline(report))
    if report.gates:
        console.print(_gates(report))
    if report.next_improvements:
        items = [r for r in report.items if r.id in report.next_improvements]
        console.print(Text("Next improvements:", style="bold"))
        for r in items:
            how = remediation(report, r)
            console.print(Text(f"  {r.id} {r.text}") + (Text(f" — {how}", style="dim") if how else Text("")))
    for lv in report.framework.levels:
        console.print()
        console.print(_level_block(report, lv.number))
    console.print()
    c = report.calls
    footer = f"{c.get('total', 0)} read-only AWS calls: {call_outcomes(report)}"
    if c.get("denied_actions"):
        footer += f". Denied: {', '.join(c['denied_actions'])}"
    console.print(Text(footer, style="dim"))
    if c.get("by_service"):
        console.print(Text(f"Calls per service: {calls_by_service(report)}", style="dim"))
    if call_costs(report):
        console.print(Text(call_costs(report), style="dim"))
    for n in report.notices:
        console.print(Text(n, style="dim"))
    console.print(Text(verdict_line(report), style="bold"))  # the verdict again, after a long report
    return buf.getvalue()
