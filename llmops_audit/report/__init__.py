"""Renderers: each turns a finished report into text. FORMATS is the one list of formats: the CLI's --format
choices come from it, each format renders one scope and several, and a test renders every report through
every entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmops_audit.model import AuditReport, FleetReport
from llmops_audit.report import confluence, fleet, html, json, junit, markdown, summary, terminal
from llmops_audit.report.common import RenderOptions

Renderer = Callable[[AuditReport, RenderOptions], str]
FleetRenderer = Callable[[FleetReport, RenderOptions], str]


@dataclass(frozen=True)
class Format:
    one: Renderer
    many: FleetRenderer


FORMATS: dict[str, Format] = {
    "terminal": Format(terminal.render, fleet.terminal_fleet),
    "markdown": Format(markdown.render, fleet.markdown_fleet),
    "json": Format(json.render, json.render_fleet),
    "html": Format(html.render, html.render_fleet),
    "confluence": Format(confluence.render, confluence.render_fleet),
    "junit": Format(junit.render, junit.render_fleet),
    "github-summary": Format(summary.render, summary.render_fleet),
}


def render(report: AuditReport | FleetReport, fmt: str, options: RenderOptions | None = None) -> str:
    entry = FORMATS[fmt]
    options = options or RenderOptions()
    return entry.many(report, options) if isinstance(report, FleetReport) else entry.one(report, options)
