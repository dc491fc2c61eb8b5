"""Whole-pipeline properties: read-only calls, batching, formats agreeing, schema, missing data never met."""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from llmops_audit.aws.access import READ_PREFIXES, AwsAccess, ReadOnlyViolation
from llmops_audit.engine.scoring import rule_probes
from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError
from llmops_audit.inputs.files import schema
from llmops_audit.model import Status
from llmops_audit.probes import PROBES
from llmops_audit.report import render
from llmops_audit.report.common import RenderOptions
from tests.helpers import assess, framework, report_of
from tests.helpers import demo_snapshot as recorded_demo

PACKAGE = Path(__file__).resolve().parent.parent / "llmops_audit"


@pytest.fixture(scope="module")
def demo_snapshot() -> EvidenceSnapshot:
    return recorded_demo()


@pytest.fixture(scope="module")
def demo_report(demo_snapshot: EvidenceSnapshot):
    return report_of(demo_snapshot)


def test_every_recorded_call_is_a_read_operation(demo_snapshot: EvidenceSnapshot) -> None:
    ops = {(c["service"], c["operation"]) for c in demo_snapshot.calls}
    assert len(ops) > 20  # the demo touches many services
    assert all(op.startswith(READ_PREFIXES) for _, op in ops), sorted(ops)
    for c in demo_snapshot.calls:
        assert set(c) >= {"service", "operation", "region", "duration_ms", "outcome"}
        assert c["outcome"] in {"ok", "denied", "throttled", "not_found", "error", "unsupported"}


def test_metric_calls_are_batched(demo_snapshot: EvidenceSnapshot) -> None:
    series = demo_snapshot.sections["cloudwatch.metric_stats"]["series"]
    gmd = [c for c in demo_snapshot.calls if c["operation"] == "GetMetricData"]
    lm = [c for c in demo_snapshot.calls if c["operation"] == "ListMetrics"]
    assert len(series) > 50
    # all metric statistics come from ceil(queries / 500) GetMetricData calls, not one call per series
    assert 1 <= len(gmd) <= math.ceil(len(series) / 500)
    assert 1 <= len(lm) <= 12  # one paginated ListMetrics per namespace, not per metric


def test_access_layer_refuses_writes() -> None:
    import boto3

    aws = AwsAccess(boto3.Session(region_name="us-east-1"), "us-east-1")
    for op in (
        "put_metric_data",
        "delete_alarms",
        "create_guardrail",
        "start_query",
        "invoke_model",
        "update_trail",
    ):
        with pytest.raises(ReadOnlyViolation):
            aws.call("cloudwatch", op)
    assert aws.calls == []


def test_collectors_only_name_read_operations_in_their_source() -> None:
    """Static check: every operation a collector passes to call()/paginate() is a read operation."""
    names = []
    for path in (PACKAGE / "collectors").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("call", "paginate"):
                args = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
                if len(args) == 2:
                    names.append((path.name, args[1]))
    assert len(names) > 40
    camel = [(f, "".join(p.capitalize() for p in op.split("_"))) for f, op in names]
    assert all(op.startswith(READ_PREFIXES) for _, op in camel), [
        x for x in camel if not x[1].startswith(READ_PREFIXES)
    ]


# How a starting-state (level 1) item reads, back to its status (report/reading.py)
_SIGNS = {"sign present": "met", "sign left behind": "not_met", "sign present (attested)": "attested"}


def _statuses_from_markdown(text: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r"^- (?:\[[x ]\]|\S+) \*\*(\S+)\*\* .*? — \*([a-z ()]+)\*:", text, re.M):
        out[m.group(1)] = _SIGNS.get(m.group(2), m.group(2).replace(" ", "_"))
    return out


def _statuses_from_terminal(text: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r"│ (L\d\.\d)\s+│ \S ([a-z ()]+?)\s+│", text):
        label = m.group(2).strip()
        out[m.group(1)] = _SIGNS.get(label, label.replace(" ", "_"))
    return out


def test_formats_agree_and_json_validates(demo_report) -> None:
    js = json.loads(render(demo_report, "json"))
    md = render(demo_report, "markdown")
    term = render(demo_report, "terminal", RenderOptions(color=False, width=200))
    jsonschema.Draft202012Validator(schema("report")).validate(js)
    from_json = {i["id"]: i["status"] for i in js["items"]}
    assert len(from_json) == 30
    assert _statuses_from_markdown(md) == from_json
    assert _statuses_from_terminal(term) == from_json
    level = js["level"]
    assert md.startswith(f"# LLMOps Maturity Assessment: Level {level} — ")
    assert f"Level {level} of 5" in term.splitlines()[1]
    assert [m["value"] is not None for m in js["metrics"]].count(True) > 20


def test_markdown_uses_confluence_checkboxes_and_verdict_first(demo_report) -> None:
    md = render(demo_report, "markdown")
    lines = md.splitlines()
    assert lines[2].startswith("> **Verdict:** Level ")
    assert md.count("- [x] **L") + md.count("- [ ] **L") >= 24  # levels 2-5; level 1 reads as signs


def test_demo_never_leaks_prompt_text_or_credentials(demo_report, demo_snapshot) -> None:
    for fmt in ("json", "markdown", "terminal"):
        text = render(demo_report, fmt)
        assert "DEMO PROMPT TEXT" not in text
        assert "demo-not-a-secret" not in text and "demo-not-a-key" not in text
    assert "DEMO PROMPT TEXT" not in demo_snapshot.to_json()


def test_empty_account_meets_nothing_above_level_1(moto_aws, scope) -> None:
    items, metrics, snap = assess(moto_aws, scope)
    above = {i: r.status for i, r in items.items() if r.level > 1 and r.status is Status.MET}
    assert above == {}
    assert all(r.reason for r in items.values())
    assert all(m.value is None or m.value == 0 for m in metrics.values())


def _deny(snapshot: EvidenceSnapshot, section: str, action: str) -> EvidenceSnapshot:
    sections = {k: v for k, v in snapshot.sections.items() if k != section}
    errors = dict(snapshot.errors)
    errors[section] = SectionError("denied", action, "denied by the test")
    return replace(snapshot, sections=sections, errors=errors)


def _items_reading(section: str) -> set[str]:
    return {
        i.id for i in framework().items if any(section in PROBES[r.probe].needs for r in rule_probes(i.rule))
    }


# Sections a probe reads as optional detail and, when they are missing, names the IAM action of their read
# itself (bedrock_invocation_logging_enabled: "could not be read (logs:DescribeLogGroups)"). Such a section is
# denied with the real action of its collector's one AWS call, which the item must then name.
DENIED_AS = {"logs.invocation_log_group": ("logs", "DescribeLogGroups")}  # collectors/logs.py _group


def test_a_denied_section_only_touches_the_items_that_read_it(demo_snapshot: EvidenceSnapshot) -> None:
    from llmops_audit.aws.iam_actions import iam_action
    from llmops_audit.aws.operations import declared

    assert set(DENIED_AS.values()) <= declared()
    base = {r.id: r for r in report_of(demo_snapshot).items}
    sections = sorted(s for s in demo_snapshot.sections if _items_reading(s))
    assert len(sections) > 15
    for section in sections:
        action = iam_action(*DENIED_AS[section]) if section in DENIED_AS else f"test:Deny{section}"
        after = {r.id: r for r in report_of(_deny(demo_snapshot, section, action)).items}
        changed = {i for i in base if after[i].status != base[i].status}
        assert changed <= _items_reading(section), (section, changed - _items_reading(section))
        for i in changed:
            assert after[i].status is Status.UNKNOWN, (section, i, after[i].status)
            assert action in after[i].missing, (section, i, after[i].missing)
            assert base[i].status is not Status.UNKNOWN


def test_pure_stages_do_not_import_boto3() -> None:
    code = (
        "import sys; import llmops_audit.engine.scoring, llmops_audit.engine.maturity, llmops_audit.report, "
        "llmops_audit.engine.gates, llmops_audit.engine.overrides, llmops_audit.engine.verdict, "
        "llmops_audit.probes, llmops_audit.metrics, llmops_audit.inputs.definitions; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_saved_evidence_scores_the_same_offline(tmp_path: Path, demo_snapshot: EvidenceSnapshot) -> None:
    path = tmp_path / "evidence.json"
    path.write_text(demo_snapshot.to_json())
    again = EvidenceSnapshot.load(path)
    a = report_of(demo_snapshot)
    b = report_of(again)
    assert [(i.id, i.status, i.reason) for i in a.items] == [(i.id, i.status, i.reason) for i in b.items]
    assert a.level == b.level


def test_permissions_policy_covers_every_call_the_audit_makes(demo_snapshot: EvidenceSnapshot) -> None:
    from llmops_audit.aws.iam_actions import iam_action
    from llmops_audit.aws.permissions import actions, policy_json

    granted = set(actions())
    used = {iam_action(c["service"], c["operation"]) for c in demo_snapshot.calls}
    assert used <= granted, sorted(used - granted)
    assert all(
        a.split(":")[1].startswith(READ_PREFIXES)
        or a == "apigateway:GET"
        or a.endswith(("ViewBudget", "ListBucket", "GetBucketObjectLockConfiguration"))
        for a in granted
    )
    listed = {a for st in json.loads(policy_json())["Statement"] for a in st["Action"]}
    assert (
        listed - {"kms:Decrypt"} == granted
    )  # kms:Decrypt: only through S3, for encrypted evaluation output


def test_not_found_answers_are_recorded_as_not_found_not_error(demo_snapshot: EvidenceSnapshot) -> None:
    # The demo has a Lambda without a resource policy and no AWS Organization: both are answers.
    by_op = {(c["operation"], c["outcome"]) for c in demo_snapshot.calls}
    assert ("GetPolicy", "not_found") in by_op
    assert ("DescribeOrganization", "not_found") in by_op
    assert not [c for c in demo_snapshot.calls if c["outcome"] == "error"]
