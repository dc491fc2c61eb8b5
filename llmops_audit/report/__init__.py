"""Renderers: each takes a finished AuditReport and returns text. FORMATS drives --format."""

from __future__ import annotations

from collections.abc import Callable

from llmops_audit.model import AuditReport
from llmops_audit.report import json, markdown, terminal

FORMATS: dict[str, Callable[..., str]] = {
    "terminal": terminal.render,
    "markdown": markdown.render,
    "json": json.render,
}


def render(report: AuditReport, fmt: str, *, color: bool = False, width: int = 140) -> str:
    if fmt == "terminal":
        return terminal.render(report, color=color, width=width)
    return FORMATS[fmt](report)
