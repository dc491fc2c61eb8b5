"""Test helpers: run the real pipeline (collect -> score) for a few items or metrics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from llmops_audit.aws.access import AwsAccess
from llmops_audit.collectors import collect
from llmops_audit.engine.scoring import needed_sections
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.definitions import load_framework
from llmops_audit.inputs.policy import load_policy
from llmops_audit.inputs.prices import load_prices
from llmops_audit.model import Attestation, Framework, ItemResult, MetricResult, Scope
from llmops_audit.pipeline import AuditRequest, assemble

LEVELS = Path(__file__).resolve().parent.parent / "levels"
_FRAMEWORK: Framework | None = None


def framework() -> Framework:
    global _FRAMEWORK
    if _FRAMEWORK is None:
        _FRAMEWORK = load_framework(LEVELS)
    return _FRAMEWORK


def only(fw: Framework, ids: Iterable[str]) -> Framework:
    """The framework cut down to the items and metric rows named (ids like L2.3 or L2.M1)."""
    wanted = set(ids)
    return replace(
        fw,
        levels=tuple(
            replace(
                lv,
                items=tuple(i for i in lv.items if i.id in wanted),
                metrics=tuple(m for m in lv.metrics if m.id in wanted),
            )
            for lv in fw.levels
        ),
    )


def assess(
    aws: AwsAccess,
    scope: Scope,
    attestations: dict[str, Attestation] | None = None,
    ids: Iterable[str] | None = None,
) -> tuple[dict[str, ItemResult], dict[str, MetricResult], EvidenceSnapshot]:
    """Collect what the five-level model (or only the items/metric rows `ids`) needs from `aws`, score it
    through the real pipeline, and return items and metrics by id."""
    fw = framework() if ids is None else only(framework(), ids)
    snap = collect(aws, scope, needed_sections(fw))
    request = AuditRequest(
        framework=fw,
        policy=load_policy(None),
        prices=load_prices(None),
        start=scope.start,
        end=scope.end,
        generated_at=datetime.now(UTC),
        attestations=attestations or {},
    )
    report = assemble(request, snap)
    return {i.id: i for i in report.items}, {m.id: m for m in report.metrics}, snap


def snapshot(scope: Scope, **sections: object) -> EvidenceSnapshot:
    """A snapshot from plain section data: keyword names use '__' for '.', e.g. cloudwatch__alarms=..."""
    return EvidenceSnapshot(scope=scope, sections={k.replace("__", "."): v for k, v in sections.items()})


def error_line(result: object) -> str:
    """The one line a failed CLI run leaves on stderr: `error: what, where; what to do`, no traceback."""
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), lines
    return lines[0]


def request_for(fw: Framework | None = None, scope: Scope | None = None, **kw: object) -> AuditRequest:
    """An AuditRequest with the shipped policy and prices; keywords override any field."""
    now = datetime.now(UTC).replace(microsecond=0)
    fields: dict[str, object] = {
        "framework": fw or framework(),
        "policy": load_policy(None),
        "prices": load_prices(None),
        "start": scope.start if scope else now,
        "end": scope.end if scope else now,
        "generated_at": now,
    }
    fields.update(kw)
    return AuditRequest(**fields)  # type: ignore[arg-type]


def report_of(snapshot: EvidenceSnapshot, fw: Framework | None = None, **kw: object):
    """The report the pipeline assembles for `snapshot` (offline, no AWS)."""
    return assemble(request_for(fw, snapshot.scope, **kw), snapshot)


def demo_snapshot() -> EvidenceSnapshot:
    """The recorded demo account shipped with the tool (a fresh copy each call)."""
    from llmops_audit.evidence.sources import DemoSource

    return DemoSource().snapshot


def denied(snap: EvidenceSnapshot, section: str, action: str) -> EvidenceSnapshot:
    """`snap` with one section's read denied, as the collectors record it."""
    from llmops_audit.evidence.snapshot import SectionError

    sections = {k: v for k, v in snap.sections.items() if k != section}
    errors = {**snap.errors, section: SectionError("denied", action, f"permission {action} was denied")}
    return replace(snap, sections=sections, errors=errors)
