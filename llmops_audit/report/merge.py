"""`llmops-audit merge`: shard reports (or any reports) combined into one multi-scope report."""

from __future__ import annotations

from pathlib import Path

from llmops_audit.errors import DefinitionError, UsageError
from llmops_audit.model import AuditReport, FleetReport
from llmops_audit.report.load import load_report


def merge_reports(paths: list[Path]) -> FleetReport:
    if not paths:
        raise UsageError("merge needs at least one report", hint="pass the JSON reports of the shards")
    loaded = [(p, load_report(p)) for p in paths]
    fleets = [
        r
        if isinstance(r, FleetReport)
        else FleetReport(r.tool_version, r.schema_version, r.generated_at, r.framework, (r,))
        for _, r in loaded
    ]
    names = {f.framework.name for f in fleets if f.reports}
    if len(names) > 1:
        raise DefinitionError(
            f"the reports use different frameworks ({', '.join(sorted(names))})",
            hint="merge reports of one framework",
        )
    seen: dict[str, Path] = {}
    reports: list[AuditReport] = []
    for (path, _), fleet in zip(loaded, fleets, strict=True):
        for r in fleet.reports:
            if r.scope.label in seen:
                raise DefinitionError(
                    f"scope {r.scope.label} is in both {seen[r.scope.label]} and {path}",
                    hint="merge each shard once (shards never overlap)",
                )
            seen[r.scope.label] = path
            reports.append(r)
    first = max(fleets, key=lambda f: f.generated_at)
    return FleetReport(
        tool_version=first.tool_version,
        schema_version=first.schema_version if first.schema_version.startswith("2") else "2.0",
        generated_at=first.generated_at,
        framework=next((f.framework for f in fleets if f.reports), first.framework),
        reports=tuple(sorted(reports, key=lambda r: r.scope.label)),
        failures=tuple(sorted((x for f in fleets for x in f.failures), key=lambda x: x.label)),
        skipped=tuple(sorted({s for f in fleets for s in f.skipped})),
        shards=tuple(sorted({s for f in fleets for s in f.shards}, key=lambda s: int(s.split("/")[0]))),
        notices=tuple(dict.fromkeys(n for f in fleets for n in f.notices)),
    )
