"""Test helpers: run the real pipeline (collect -> score) for a few items or metrics."""

from __future__ import annotations

from pathlib import Path

from llmops_audit.aws.access import AwsAccess
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.definitions import load_framework
from llmops_audit.model import Attestation, Framework, ItemResult, MetricResult, Scope
from llmops_audit.pipeline import build_report, collect_evidence

LEVELS = Path(__file__).resolve().parent.parent / "levels"
_FRAMEWORK: Framework | None = None


def framework() -> Framework:
    global _FRAMEWORK
    if _FRAMEWORK is None:
        _FRAMEWORK = load_framework(LEVELS)
    return _FRAMEWORK


def assess(
    aws: AwsAccess, scope: Scope, attestations: dict[str, Attestation] | None = None
) -> tuple[dict[str, ItemResult], dict[str, MetricResult], EvidenceSnapshot]:
    """Collect everything the five-level model needs from `aws`, score it, return items and metrics by id."""
    fw = framework()
    snap = collect_evidence(fw, aws, scope)
    report = build_report(fw, snap, attestations)
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
