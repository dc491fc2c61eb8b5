"""Wire the stages: definitions -> evidence collection -> pure scoring -> level -> AuditReport.

Nothing here knows whether the evidence comes from live AWS, the demo account or a saved snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from llmops_audit import __version__
from llmops_audit.aws.access import AwsAccess
from llmops_audit.collectors import collect
from llmops_audit.engine.maturity import achieved_level, next_improvements, summarise_levels
from llmops_audit.engine.scoring import measure_metrics, needed_sections, score_items
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.model import Attestation, AuditReport, Framework, Scope, Waiver

REPORT_SCHEMA_VERSION = "1.0"


def collect_evidence(
    framework: Framework,
    aws: AwsAccess,
    scope: Scope,
    on_section: Callable[[str], None] | None = None,
    extra_sections: tuple[str, ...] = (),
    options: dict | None = None,
) -> EvidenceSnapshot:
    return collect(aws, scope, needed_sections(framework, extra_sections), on_section, options)


def build_report(
    framework: Framework,
    snapshot: EvidenceSnapshot,
    attestations: dict[str, Attestation] | None = None,
    waivers: dict[str, Waiver] | None = None,
    generated_at: datetime | None = None,
    notices: tuple[str, ...] = (),
    metric_params: dict | None = None,
) -> AuditReport:
    items = score_items(framework, snapshot, attestations, waivers)
    metrics = measure_metrics(framework, snapshot, metric_params)
    levels = summarise_levels(framework, items)
    level = achieved_level(framework, levels)
    calls = snapshot.calls
    outcomes: dict[str, int] = {}
    for c in calls:
        outcomes[c["outcome"]] = outcomes.get(c["outcome"], 0) + 1
    return AuditReport(
        tool_version=__version__,
        schema_version=REPORT_SCHEMA_VERSION,
        generated_at=(generated_at or datetime.now(UTC)).replace(microsecond=0),
        framework=framework,
        scope=snapshot.scope,
        level=level,
        levels=levels,
        items=items,
        metrics=metrics,
        next_improvements=next_improvements(framework, items, level),
        calls={
            "total": len(calls),
            "by_outcome": dict(sorted(outcomes.items())),
            "denied_actions": sorted({e.action for e in snapshot.errors.values() if e.kind == "denied"}),
        },
        notices=notices,
    )
