"""Every format renders every kind of report, and the JSON documents match their published schemas."""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema
import pytest
from referencing import Registry, Resource

from llmops_audit.cli import Format
from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError
from llmops_audit.inputs.files import schema
from llmops_audit.report import FORMATS, render
from llmops_audit.report.common import RenderOptions
from tests.helpers import demo_snapshot, report_of

REGISTRY = Registry().with_resources(
    (s["$id"].rsplit("/", 1)[-1], Resource.from_contents(s)) for s in (schema("report"), schema("gates"))
)


def _empty() -> EvidenceSnapshot:
    """An account where every read answered with nothing at all."""
    return replace(demo_snapshot(), sections={}, errors={}, calls=[])


def _denied() -> EvidenceSnapshot:
    """An account where every section's read was denied."""
    snap = demo_snapshot()
    errors = {
        name: SectionError("denied", f"test:Deny{name}", f"permission test:Deny{name} was denied")
        for name in snap.sections
    }
    return replace(snap, sections={}, errors=errors)


REPORTS = {
    "demo": lambda: report_of(demo_snapshot()),
    "empty": lambda: report_of(_empty()),
    "denied": lambda: report_of(_denied()),
    "gates-only": lambda: report_of(demo_snapshot(), gates_only=True),
    "min-level-failed": lambda: report_of(demo_snapshot(), min_level=5, fail_on_gates=True),
}


def test_cli_format_choices_are_the_registry() -> None:
    assert [f.value for f in Format] == list(FORMATS)


@pytest.mark.parametrize("kind", sorted(REPORTS))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_renders_every_report(fmt: str, kind: str) -> None:
    report = REPORTS[kind]()
    text = render(report, fmt, RenderOptions(color=False, width=120))
    assert text.strip()
    if fmt == "json":
        doc = json.loads(text)
        name = "gates" if report.gates_only else "report"
        jsonschema.Draft202012Validator(schema(name), registry=REGISTRY).validate(doc)
        assert {g["id"] for g in doc["gates"]} == {"quality", "safety", "performance", "cost"}
    else:
        assert "Go-live gates" in text or "Gate" in text
    if not report.gates_only:
        assert all(i.id in text for i in report.items), f"{fmt} {kind} leaves out an item"


def test_gates_only_reports_leave_out_the_checklist() -> None:
    report = REPORTS["gates-only"]()
    assert report.items == () and report.metrics == ()
    for fmt in FORMATS:
        assert "L2.1" not in render(report, fmt)


def test_a_failed_verdict_is_in_every_format() -> None:
    report = REPORTS["min-level-failed"]()
    assert report.verdict.outcome == "fail"
    for fmt in FORMATS:
        assert "below the required level 5" in render(report, fmt)
