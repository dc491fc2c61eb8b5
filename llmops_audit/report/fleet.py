"""Multi-scope reports in Markdown and in the terminal: an overview of every scope and a roll-up first, then
each scope's own report (the single-scope renderer, unchanged)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from llmops_audit.engine.rollup import rollup, scope_row
from llmops_audit.model import FleetReport
from llmops_audit.report import markdown, terminal
from llmops_audit.report.common import RenderOptions
from llmops_audit.report.terminal import console_for


def _items_met(row_items: dict[int, tuple[int, int]]) -> str:
    return " ".join(f"L{n} {c}/{t}" for n, (c, t) in sorted(row_items.items()))


def _gates(g: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in g.items()) or "none"


def headline(fleet: FleetReport) -> str:
    up = rollup(fleet)
    dist = ", ".join(f"{n} at level {lv}" for lv, n in up.levels.items()) or "none audited"
    failing = sum(1 for r in fleet.reports if r.verdict.outcome == "fail")
    text = f"{up.scopes} scope(s) audited: {dist}; {failing} fall short of what was asked"
    if up.failed:
        text += f"; {up.failed} could not be audited (partial run)"
    return text


def markdown_fleet(fleet: FleetReport, options: RenderOptions | None = None) -> str:
    up = rollup(fleet)
    out = [
        f"# {fleet.framework.title}: {len(fleet.reports)} scopes",
        "",
        f"> **Verdict:** {headline(fleet)}",
        "",
    ]
    if fleet.shards:
        out += [f"Shards: {', '.join(fleet.shards)}", ""]
    out += [
        "## Overview",
        "",
        "| Scope | Account | Region | Workload | Level | Verdict | Gates | Items met per level |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in map(scope_row, fleet.reports):
        out.append(
            f"| {markdown._cell(row.label)} | `{row.account}` | `{row.region}` | {markdown._cell(row.workload or '—')} "
            f"| {row.level} {markdown._cell(row.level_name)} | {row.verdict} | {_gates(row.gates)} "
            f"| {_items_met(row.items_met)} |"
        )
    out += ["", "### Roll-up", ""]
    out.append("Levels: " + (", ".join(f"level {k}: {v}" for k, v in up.levels.items()) or "none"))
    if up.gate_failures:
        out.append("")
        out.append("Failing gates: " + ", ".join(f"{k} in {v} scope(s)" for k, v in up.gate_failures.items()))
    if up.common_gaps:
        out += ["", "Most common gaps:", ""]
        out += [
            f"- **{g.id}** {markdown._cell(g.text)} — not met in {g.scopes} of {up.scopes}"
            for g in up.common_gaps
        ]
    if fleet.failures:
        out += ["", "### Scopes that could not be audited", "", "| Scope | Why |", "|---|---|"]
        out += [f"| {markdown._cell(f.label)} | {markdown._cell(f.reason)} |" for f in fleet.failures]
    if fleet.skipped:
        out += ["", "### Skipped", ""] + [f"- {markdown._cell(s)}" for s in fleet.skipped]
    for n in fleet.notices:
        out += ["", f"> {markdown._cell(n)}"]
    for r in fleet.reports:
        body = markdown.render(r, options).split("\n")
        # each scope's title becomes a second-level heading under the overview
        out += [
            "",
            f"## Scope {r.scope.label}",
            "",
            *("#" + line if line.startswith("#") else line for line in body),
        ]
    return "\n".join(out).rstrip("\n") + "\n"


def terminal_fleet(fleet: FleetReport, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    console, buf = console_for(options)
    up = rollup(fleet)
    console.print(Text(headline(fleet), style="bold"))
    table = Table(title="Scopes", title_justify="left", expand=False)
    for col in ("Scope", "Level", "Verdict", "Gates", "Items met"):
        table.add_column(col, overflow="fold")
    for row in map(scope_row, fleet.reports):
        table.add_row(
            row.label,
            f"{row.level} {row.level_name}",
            row.verdict,
            _gates(row.gates),
            _items_met(row.items_met),
        )
    for f in fleet.failures:
        table.add_row(f.label, "—", "not audited", "—", f.reason)
    console.print(table)
    if up.common_gaps:
        console.print(
            Text("Most common gaps: ", style="bold")
            + Text("; ".join(f"{g.id} ({g.scopes}/{up.scopes})" for g in up.common_gaps))
        )
    for s in fleet.skipped:
        console.print(Text(f"Skipped {s}", style="dim"))
    for r in fleet.reports:
        console.print()
        console.rule(f"Scope {r.scope.label}")
        console.print(terminal.render(r, options), end="")
    console.print()
    console.print(Text(headline(fleet), style="bold"))  # repeated after long output
    return buf.getvalue()
