"""Renderers: each turns a finished AuditReport into text. FORMATS is the one list of formats: the CLI's
--format choices come from it, and a test renders every report through every entry."""

from __future__ import annotations

from collections.abc import Callable

from llmops_audit.model import AuditReport
from llmops_audit.report import json, markdown, terminal
from llmops_audit.report.common import RenderOptions

Renderer = Callable[[AuditReport, RenderOptions], str]

FORMATS: dict[str, Renderer] = {
    "terminal": terminal.render,
    "markdown": markdown.render,
    "json": json.render,
}


def render(report: AuditReport, fmt: str, options: RenderOptions | None = None) -> str:
    return FORMATS[fmt](report, options or RenderOptions())
