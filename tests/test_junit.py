"""CI-native outputs: `--format junit` parsed with junitparser (the counts CI systems show for the demo, how
each status maps) and `--format github-summary` (verdict first, details folded, under GitHub's 1 MiB)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.model import Attestation, AuditReport, FleetReport, ScopeFailure, Status, Waiver
from llmops_audit.report import render, summary
from tests.helpers import demo_snapshot, report_of


@pytest.fixture(scope="module")
def demo() -> AuditReport:
    return report_of(demo_snapshot())


def _xml(text: str) -> JUnitXml:
    doc = JUnitXml.fromstring(text)
    assert isinstance(doc, JUnitXml)
    return doc


def _cases(doc: JUnitXml) -> dict[str, TestCase]:
    return {case.name.split(" ", 1)[0]: case for suite in doc for case in suite}


def _props(case: TestCase) -> dict[str, str]:
    props = case._elem.find("properties")
    return {p.get("name"): p.get("value") for p in props} if props is not None else {}


def _kind(case: TestCase) -> str:
    if not case.result:
        return "passed"
    (result,) = case.result
    return {Failure: "failure", Skipped: "skipped", Error: "error"}[type(result)]


def _with(report: AuditReport, item: str, **changes: object) -> AuditReport:
    items = tuple(replace(r, **changes) if r.id == item else r for r in report.items)  # type: ignore[arg-type]
    return replace(report, items=items)


# --- JUnit ------------------------------------------------------------------------------------------------


def test_demo_junit_counts(demo: AuditReport) -> None:
    doc = _xml(render(demo, "junit"))
    # 30 items and 4 gates; failures: 7 items not met above level 1 (L3 1, L4 2, L5 4) and 2 gates failed
    # (quality, safety); skipped: the one unknown item (L4); level 1's six signs are all left behind (pass)
    assert (doc.tests, doc.failures, doc.errors, doc.skipped) == (34, 9, 0, 1)
    suites = list(doc)
    assert [s.name.split(" (")[0] for s in suites] == [
        "123456789012/us-east-1 level 1 Initial",
        "123456789012/us-east-1 level 2 Managed",
        "123456789012/us-east-1 level 3 Governed",
        "123456789012/us-east-1 level 4 Optimized",
        "123456789012/us-east-1 level 5 Agentic & Responsible",
        "123456789012/us-east-1 Go-live gates",
    ]
    assert [(s.tests, s.failures, s.skipped) for s in suites] == [
        (6, 0, 0),
        (6, 0, 0),
        (6, 1, 0),
        (6, 2, 1),
        (6, 4, 0),
        (4, 2, 0),
    ]
    # every testcase matches its item's status in the report
    cases = _cases(doc)
    for r in demo.items:
        want = {"met": "passed", "not_met": "passed" if r.level == 1 else "failure", "unknown": "skipped"}
        assert _kind(cases[r.id]) == want[r.status.value], r.id
        assert _props(cases[r.id])["status"] == r.status.value
    gates = {c.name.split(":")[0]: c for c in suites[-1]}
    assert {k: _kind(c) for k, c in gates.items()} == {
        "gate quality": "failure",
        "gate safety": "failure",
        "gate performance": "passed",
        "gate cost": "passed",
    }
    assert gates["gate quality"].result[0].type == "gate_failed"
    assert "threshold ≥ 95 %" in gates["gate quality"].result[0].message


def test_unknown_is_skipped_with_its_reason_and_not_met_fails_with_remediation(demo: AuditReport) -> None:
    cases = _cases(_xml(render(demo, "junit")))
    (unknown,) = [r for r in demo.items if r.status is Status.UNKNOWN]
    (skipped,) = cases[unknown.id].result
    assert skipped.message == f"unknown: {unknown.reason}"
    not_met = next(r for r in demo.items if r.status is Status.NOT_MET and r.level > 1)
    (failure,) = cases[not_met.id].result
    assert failure.type == "not_met" and failure.message == f"not met: {not_met.reason}"
    assert "remediation: " in failure.text
    assert cases[not_met.id].classname == f"llmops-audit.123456789012.us-east-1.level{not_met.level}"


def test_a_starting_state_sign_still_present_fails(demo: AuditReport) -> None:
    report = _with(demo, "L1.2", status=Status.MET, reason="prompts are inline in 3 functions")
    case = _cases(_xml(render(report, "junit")))["L1.2"]
    (failure,) = case.result
    assert failure.type == "sign_present" and failure.message.startswith("sign present: ")
    assert _props(case)["reading"] == "sign present"
    left = _cases(_xml(render(demo, "junit")))["L1.2"]
    assert left.is_passed and _props(left)["reading"] == "sign left behind"


def test_waived_and_attested_pass_with_properties(demo: AuditReport) -> None:
    waiver = Waiver("L4.1", "evaluations move to the new account in Q1", "ml-platform", "2027-03-31")
    attestation = Attestation("L3.3", True, "jane@example.com", "CAB minutes", "2027-06-30")
    report = _with(demo, "L4.1", status=Status.WAIVED, waiver=waiver)
    report = _with(report, "L3.3", status=Status.ATTESTED, attestation=attestation)
    doc = _xml(render(report, "junit"))
    cases = _cases(doc)
    assert cases["L4.1"].is_passed and cases["L3.3"].is_passed
    assert _props(cases["L4.1"]) == {
        "status": "waived",
        "reading": "waived",
        "waiver.reason": "evaluations move to the new account in Q1",
        "waiver.owner": "ml-platform",
        "waiver.expires": "2027-03-31",
    }
    assert _props(cases["L3.3"])["attestation.by"] == "jane@example.com"
    assert doc.failures == 7  # two fewer than the demo's nine


def test_a_probe_error_is_an_error(demo: AuditReport) -> None:
    report = _with(demo, "L2.1", status=Status.ERROR, reason="probe prompt_templates failed: KeyError")
    doc = _xml(render(report, "junit"))
    (error,) = _cases(doc)["L2.1"].result
    assert isinstance(error, Error) and error.type == "probe_error"
    assert doc.errors == 1


def test_a_gate_without_data_is_skipped_unless_the_run_counts_it_failed() -> None:
    empty = replace(demo_snapshot(), sections={}, errors={}, calls=[])
    for fail_on_unknown, kind in ((False, "skipped"), (True, "failure")):
        report = report_of(empty, fail_on_gates=True, fail_on_unknown=fail_on_unknown)
        assert all(g.status is Status.UNKNOWN for g in report.gates)
        suite = list(_xml(render(report, "junit")))[-1]
        assert {_kind(c) for c in suite} == {kind}
        if fail_on_unknown:
            assert {c.result[0].type for c in suite} == {"no_data"}


def test_xml_is_well_formed_for_any_text(demo: AuditReport) -> None:
    nasty = 'quota <exceeded> & "denied"\x00\x1b[31m ]]> end'
    report = _with(demo, "L3.3", reason=nasty)
    text = render(report, "junit")
    ET.fromstring(text.split("\n", 1)[1])  # parses: no control character, everything escaped
    (failure,) = _cases(_xml(text))["L3.3"].result
    assert failure.message == 'not met: quota <exceeded> & "denied"\ufffd\ufffd[31m ]]> end'
    assert render(report, "junit") == text  # deterministic


def test_fleet_junit_has_suites_per_scope_and_an_error_per_scope_not_audited(demo: AuditReport) -> None:
    other = replace(demo, scope=replace(demo.scope, account="210987654321", region="eu-west-1"))
    fleet = FleetReport(
        demo.tool_version,
        demo.schema_version,
        demo.generated_at,
        demo.framework,
        (demo, other),
        failures=(ScopeFailure("333333333333", "us-east-1", None, "denied", "sts:AssumeRole was denied"),),
        skipped=("123456789012/eu-west-3: no Bedrock or AgentCore use",),
    )
    doc = _xml(render(fleet, "junit"))
    assert (doc.tests, doc.failures, doc.errors, doc.skipped) == (34 * 2 + 2, 18, 1, 2 + 1)
    suites: list[TestSuite] = list(doc)
    assert len(suites) == 6 * 2 + 1
    assert suites[6].name.startswith("210987654321/eu-west-1 level 1")
    classnames = {c.classname for s in suites[6:12] for c in s}
    assert "llmops-audit.210987654321.eu-west-1.gates" in classnames
    scopes = suites[-1]
    kinds = {c.name: (_kind(c), c.result[0].message) for c in scopes}
    assert kinds == {
        "333333333333/us-east-1": ("error", "denied: sts:AssumeRole was denied"),
        "123456789012/eu-west-3: no Bedrock or AgentCore use": (
            "skipped",
            "123456789012/eu-west-3: no Bedrock or AgentCore use",
        ),
    }


def test_cli_writes_junit_beside_other_formats(tmp_path: Path) -> None:
    out, js = tmp_path / "audit.xml", tmp_path / "audit.json"
    result = CliRunner().invoke(
        app, ["assess", "--demo", "-q", "-f", "junit", "-o", str(out), "-f", "json", "-o", str(js)]
    )
    assert result.exit_code == 0, result.output
    assert _xml(out.read_text(encoding="utf-8")).tests == 34
    failed = CliRunner().invoke(app, ["assess", "--demo", "-q", "-f", "junit", "--min-level", "5"])
    assert failed.exit_code == 1
    assert (
        'name="llmops-audit: Level 3 of 5' in failed.output and "below the required level 5" in failed.output
    )


# --- the GitHub job summary -------------------------------------------------------------------------------


def test_demo_summary_starts_with_the_verdict_and_fits(demo: AuditReport) -> None:
    text = render(demo, "github-summary")
    first = text.split("\n", 1)[0]
    assert first == "## llmops-audit ✅ PASS: Level 3 of 5: Governed; gates: 2 pass, 2 fail (quality, safety)"
    assert len(text.encode()) < summary.LIMIT == 1_048_576
    # counts before any folded detail
    assert text.index("**Items:** 16 met, 13 not met, 1 unknown") < text.index("<details>")
    assert text.index("| Quality gate | ❌ fail |") < text.index("<details>")
    assert text.count("<details>") == text.count("</details>") == 1 + 5 + 1 + (1 if demo.notices else 0)
    assert all(f"**{r.id}**" in text for r in demo.items)
    assert "Trimmed" not in text


def test_failed_summary_names_why(demo: AuditReport) -> None:
    report = report_of(demo_snapshot(), min_level=5, fail_on_gates=True)
    first = render(report, "github-summary").split("\n", 1)[0]
    assert first.startswith("## llmops-audit ❌ FAIL: Level 3 of 5")
    assert "level 3 is below the required level 5" in first and "quality gate failed" in first


def test_summary_escapes_html(demo: AuditReport) -> None:
    text = render(_with(demo, "L3.3", reason="</details><script>alert(1)</script>"), "github-summary")
    assert "<script>" not in text and "&lt;/details&gt;&lt;script&gt;" in text
    assert text.count("<details>") == text.count("</details>")


def test_summary_is_trimmed_with_a_note_to_stay_under_the_limit(demo: AuditReport) -> None:
    small = summary.render(demo, limit=6000)
    assert len(small.encode()) <= 6000
    assert small.startswith("## llmops-audit ✅ PASS: Level 3 of 5")
    assert "| Cost gate | ✅ pass |" in small  # the head is never trimmed
    assert "**Trimmed:**" in small and "Level 5 — Agentic &amp; Responsible" in small.split("**Trimmed:**")[1]
    assert small.count("<details>") == small.count("</details>")
    # a fleet far over 1 MiB at full length stays under GitHub's limit
    scopes = tuple(
        replace(demo, scope=replace(demo.scope, account=f"{n:012d}", region="us-east-1")) for n in range(150)
    )
    fleet = FleetReport(demo.tool_version, demo.schema_version, demo.generated_at, demo.framework, scopes)
    full = sum(len(render(r, "github-summary").encode()) for r in scopes)
    assert full > summary.LIMIT
    text = render(fleet, "github-summary")
    assert len(text.encode()) <= summary.LIMIT
    assert text.startswith("## llmops-audit ✅ PASS: 150 scope(s) audited: 150 at level 3")
    assert "| 000000000149/us-east-1 | 3 Governed |" in text  # every scope in the overview
    assert "**Trimmed:**" in text
