"""JUnit XML, the test report every CI system shows natively (GitHub and GitLab test reports, Jenkins,
Azure Pipelines, CircleCI, Buildkite).

One <testsuite> per scope and level, and one per scope for the go-live gates; one <testcase> per item and
per gate. How a status maps to the CI conventions (README "Use in CI"):

- met, attested -> passed; waived -> passed, with the waiver as testcase properties (waiver.reason, .owner,
  .expires): an accepted gap, visible but not red.
- not met -> <failure type="not_met">; a failed gate -> <failure type="gate_failed">.
- unknown -> <skipped> with the reason (the CI convention for "could not be evaluated": neither pass nor
  fail). A gate without data is a <failure type="no_data"> instead when the run counted it as failed
  (`--fail-on-gates --fail-on-unknown`), so the test report agrees with the exit code.
- error (a probe failed: a bug or malformed data) -> <error>, as a test that crashed.
- A level that is the starting state (level 1): its items are signs of that stage. A sign still present
  (met or attested) is a <failure type="sign_present"> (not improved yet); a sign left behind (not met) passes.

A scope that could not be audited is an <error> testcase in a "scopes" suite; a scope skipped (no Bedrock
use) a <skipped> one. Every testcase carries its status and reading as properties. JUnit failures are the
checklist, not the gate: whether the job fails is the exit code (an L5 item not met is a failure here but
fails the run only below --min-level). Output is deterministic: times are 0, the timestamp is the report's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from llmops_audit.model import AuditReport, FleetReport, GateResult, ItemResult, Status
from llmops_audit.report.common import RenderOptions, verdict_line
from llmops_audit.report.fleet import headline
from llmops_audit.report.reading import is_starting_state, item_reading, level_state, remediation

# characters XML 1.0 cannot hold (control characters other than tab, newline, carriage return)
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _t(text: object) -> str:
    return _INVALID.sub("\ufffd", str(text))


def _classname(report: AuditReport, suffix: str) -> str:
    s = report.scope
    parts = ["llmops-audit", s.account, s.region] + ([s.workload.replace(".", "_")] if s.workload else [])
    return ".".join(parts + [suffix])


def _props(parent: ET.Element, pairs: list[tuple[str, str]]) -> None:
    if not pairs:
        return
    props = ET.SubElement(parent, "properties")
    for name, value in pairs:
        ET.SubElement(props, "property", name=name, value=_t(value))


def _suite(name: str, report: AuditReport) -> ET.Element:
    return ET.Element(
        "testsuite",
        name=_t(name),
        timestamp=report.generated_at.strftime("%Y-%m-%dT%H:%M:%S"),
        hostname=report.scope.account,
    )


def _close(suite: ET.Element) -> ET.Element:
    cases = suite.findall("testcase")
    for attr, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(attr, str(sum(1 for c in cases if c.find(tag) is not None)))
    suite.set("tests", str(len(cases)))
    suite.set("time", "0")
    # attribute order as CI tools print them: name, tests, failures, errors, skipped, time, ...
    order = ("name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname")
    attrs = dict(suite.attrib)
    suite.attrib.clear()
    suite.attrib.update({k: attrs[k] for k in order if k in attrs})
    return suite


def _detail(report: AuditReport, r: ItemResult) -> str:
    lines = [r.reason, *(f"evidence: {e}" for e in r.evidence)]
    if r.missing:
        lines.append(f"missing permission or data: {', '.join(r.missing)}")
    lines += [f"note: {n}" for n in r.notes]
    how = remediation(report, r)
    if how:
        lines.append(f"remediation: {how}")
    return "\n".join(lines)


def _item_case(report: AuditReport, r: ItemResult) -> ET.Element:
    reading = item_reading(report, r)
    case = ET.Element(
        "testcase",
        name=_t(f"{r.id} {r.text}"),
        classname=_classname(report, f"level{r.level}"),
        time="0",
    )
    pairs = [("status", r.status.value), ("reading", reading.label)]
    if r.attestation:
        pairs += [("attestation.by", r.attestation.by), ("attestation.expires", r.attestation.expires)]
    if r.waiver and r.status is Status.WAIVED:
        w = r.waiver
        pairs += [("waiver.reason", w.reason), ("waiver.owner", w.owner), ("waiver.expires", w.expires)]
    _props(case, pairs)
    message = _t(f"{reading.label}: {r.reason}")
    starting = is_starting_state(report, r.level)
    if r.status is Status.ERROR:
        ET.SubElement(case, "error", message=message, type="probe_error").text = _t(_detail(report, r))
    elif r.status is Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=message)
    elif starting and r.status in (Status.MET, Status.ATTESTED):
        ET.SubElement(case, "failure", message=message, type="sign_present").text = _t(_detail(report, r))
    elif not starting and r.status is Status.NOT_MET:
        ET.SubElement(case, "failure", message=message, type="not_met").text = _t(_detail(report, r))
    else:
        ET.SubElement(case, "system-out").text = _t(f"{reading.label}: {r.reason}")
    return case


def _gate_case(report: AuditReport, g: GateResult) -> ET.Element:
    case = ET.Element(
        "testcase", name=_t(f"gate {g.id}: {g.name}"), classname=_classname(report, "gates"), time="0"
    )
    pairs = [
        ("status", g.label),
        ("measured", g.measured_text),
        ("threshold", g.threshold_text),
    ]
    if g.waiver and g.status is Status.WAIVED:
        w = g.waiver
        pairs += [("waiver.reason", w.reason), ("waiver.owner", w.owner), ("waiver.expires", w.expires)]
    _props(case, pairs)
    message = _t(f"{g.label}: measured {g.measured_text}, threshold {g.threshold_text}: {g.reason}")
    detail = _t("\n".join([g.reason, *g.data, *g.notes]))
    counted_failed = f"{g.name.lower()} has no data (--fail-on-unknown)" in report.verdict.reasons
    if g.status is Status.NOT_MET:
        ET.SubElement(case, "failure", message=message, type="gate_failed").text = detail
    elif g.status is Status.UNKNOWN and counted_failed:
        ET.SubElement(case, "failure", message=message, type="no_data").text = detail
    elif g.status in (Status.UNKNOWN, Status.ERROR):
        ET.SubElement(case, "skipped", message=message)
    else:
        ET.SubElement(case, "system-out").text = message
    return case


def _scope_suites(report: AuditReport) -> list[ET.Element]:
    suites: list[ET.Element] = []
    verdict = [("verdict", verdict_line(report)), ("outcome", report.verdict.outcome)]
    if not report.gates_only:
        for summary in report.levels:
            items = [r for r in report.items if r.level == summary.number]
            if not items:
                continue
            suite = _suite(
                f"{report.scope.label} level {summary.number} {summary.name} ({level_state(summary)})", report
            )
            _props(suite, verdict + [("level", str(summary.number))])
            suite.extend(_item_case(report, r) for r in items)
            suites.append(_close(suite))
    if report.gates:
        suite = _suite(f"{report.scope.label} Go-live gates", report)
        _props(suite, verdict)
        suite.extend(_gate_case(report, g) for g in report.gates)
        suites.append(_close(suite))
    return suites


def _document(name: str, suites: list[ET.Element]) -> str:
    root = ET.Element("testsuites", name=_t(name))
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in suites)))
    root.set("time", "0")
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(report: AuditReport, options: RenderOptions | None = None) -> str:
    return _document(f"llmops-audit: {verdict_line(report)}", _scope_suites(report))


def render_fleet(fleet: FleetReport, options: RenderOptions | None = None) -> str:
    suites = [s for r in fleet.reports for s in _scope_suites(r)]
    if fleet.failures or fleet.skipped:
        scopes = ET.Element(
            "testsuite", name="scopes not audited", timestamp=fleet.generated_at.strftime("%Y-%m-%dT%H:%M:%S")
        )
        for f in fleet.failures:
            case = ET.SubElement(
                scopes, "testcase", name=_t(f.label), classname="llmops-audit.scopes", time="0"
            )
            ET.SubElement(case, "error", message=_t(f"{f.kind}: {f.reason}"), type=f"scope_{f.kind}")
        for s in fleet.skipped:
            case = ET.SubElement(scopes, "testcase", name=_t(s), classname="llmops-audit.scopes", time="0")
            ET.SubElement(case, "skipped", message=_t(s))
        suites.append(_close(scopes))
    return _document(f"llmops-audit: {headline(fleet)}", suites)
