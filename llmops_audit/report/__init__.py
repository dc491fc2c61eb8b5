"""Renderers: each turns a finished report into text. FORMATS is the one list of formats: the CLI's --format
choices come from it, each format renders one scope and several, and a test renders every report through
every entry. A renderer's module is imported when the format is first used, so start-up (and `--help`)
does not load seven renderers to print one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, cast

from llmops_audit.model import AuditReport, FleetReport
from llmops_audit.report.common import RenderOptions

Renderer = Callable[[AuditReport, RenderOptions], str]
FleetRenderer = Callable[[FleetReport, RenderOptions], str]


@dataclass(frozen=True)
class Format:
    """A format: the module and the names of its single-scope and multi-scope renderers."""

    module: str
    many_module: str = ""  # where the multi-scope renderer lives, when not in `module`
    many_name: str = "render_fleet"

    @staticmethod
    def _get(module: str, name: str) -> Any:
        return getattr(import_module(f"llmops_audit.report.{module}"), name)

    @property
    def one(self) -> Renderer:
        return cast(Renderer, self._get(self.module, "render"))

    @property
    def many(self) -> FleetRenderer:
        return cast(FleetRenderer, self._get(self.many_module or self.module, self.many_name))


FORMATS: dict[str, Format] = {
    "terminal": Format("terminal", "fleet", "terminal_fleet"),
    "markdown": Format("markdown", "fleet", "markdown_fleet"),
    "json": Format("json"),
    "html": Format("html"),
    "confluence": Format("confluence"),
    "junit": Format("junit"),
    "github-summary": Format("summary"),
}


def render(report: AuditReport | FleetReport, fmt: str, options: RenderOptions | None = None) -> str:
    entry = FORMATS[fmt]
    options = options or RenderOptions()
    return entry.many(report, options) if isinstance(report, FleetReport) else entry.one(report, options)
