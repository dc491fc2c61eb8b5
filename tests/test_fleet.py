"""Multi-scope runs (llmops_audit/fleet.py) against moto: Regions, --role-arn, --org-role over several moto
accounts (one whose AssumeRole AWS denies), shards and merge, account-global reads once per account."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.awsrequest import AWSResponse
from typer.testing import CliRunner

from llmops_audit import fleet as fleet_mod
from llmops_audit.cli import _exit_code, app
from llmops_audit.errors import ExitCode, UsageError
from llmops_audit.fleet import Fleet, ScopeOptions, in_shard
from llmops_audit.inputs.scopes import AccountFilter, Shard, parse_shard
from llmops_audit.model import FleetReport
from llmops_audit.report import render
from llmops_audit.report.json import fleet_to_dict, to_dict
from llmops_audit.report.load import from_dict
from llmops_audit.report.merge import merge_reports
from tests.helpers import framework, only, request_for

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "llmops_audit" / "schemas" / "report.schema.json").read_text()
)
# A small framework keeps a dozen moto scopes fast; the scope machinery does not depend on which items.
ITEMS = ("L1.5", "L2.2", "L3.3", "L5.3")


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A moto Organization: the management account (moto's default) and `n` member accounts."""
    from moto import mock_aws

    with mock_aws():

        def make(n: int) -> list[str]:
            orgs = boto3.client("organizations", region_name="us-east-1")
            orgs.create_organization(FeatureSet="ALL")
            ids = []
            for i in range(n):
                status = orgs.create_account(AccountName=f"member-{i}", Email=f"m{i}@example.com")
                ids.append(status["CreateAccountStatus"]["AccountId"])
            return ids

        yield make


def _request(**kw: Any) -> Any:
    now = datetime.now(UTC).replace(microsecond=0)
    return request_for(only(framework(), ITEMS), start=now - timedelta(days=1), end=now, **kw)


def _deny_assume(monkeypatch: pytest.MonkeyPatch, denied_account: str) -> None:
    """AWS answers AssumeRole into `denied_account` with AccessDenied (403), as for a role whose trust
    policy does not name the caller. The answer is canned on the real STS client of the run."""
    real = fleet_mod.assume_role

    def keep_arn(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["role_arn"] = params.get("RoleArn", "")

    def answer(context: dict[str, Any], **_: Any) -> Any:
        role_arn = context.get("role_arn", "")
        if f"::{denied_account}:" not in role_arn:
            return None
        return AWSResponse(None, 403, {}, None), {
            "Error": {
                "Code": "AccessDenied",
                "Message": f"User is not authorized to perform: sts:AssumeRole on {role_arn}",
            },
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }

    def assume(base: boto3.Session, role_arn: str, region: str, external_id: str | None = None) -> Any:
        base.events.register_first("before-parameter-build.sts.AssumeRole", keep_arn, unique_id="keep-arn")
        base.events.register_first("before-call.sts.AssumeRole", answer, unique_id="deny-one")
        return real(base, role_arn, region, external_id)

    monkeypatch.setattr(fleet_mod, "assume_role", assume)


def test_org_role_over_several_accounts_with_one_denied(org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    members = org(3)
    _deny_assume(monkeypatch, members[1])
    opts = ScopeOptions(region=None, regions=("us-east-1", "eu-west-1"), org_role="llmops-audit-readonly")
    report = Fleet(opts).run(_request())
    audited = {(r.scope.account, r.scope.region) for r in report.reports}
    assert {a for a, _ in audited} == {"123456789012", members[0], members[2]}  # management + 2 members
    assert len(audited) == 6  # 3 accounts x 2 Regions
    assert all(
        r.scope.role_arn and r.scope.role_arn.endswith(":role/llmops-audit-readonly") for r in report.reports
    )
    [failed] = report.failures
    assert failed.account == members[1] and failed.kind == "denied"
    assert "sts:AssumeRole" in failed.reason and "denied" in failed.reason
    assert report.partial and _exit_code(report) == ExitCode.PARTIAL == 3
    doc = fleet_to_dict(report)
    jsonschema.validate(doc, SCHEMA)
    assert doc["failed_scopes"][0]["account"] == members[1]
    assert doc["overview"]["rollup"]["scopes"] == 6 and doc["overview"]["rollup"]["failed"] == 1


def test_account_filters_by_id_and_ou(org: Any) -> None:
    members = org(3)
    orgs = boto3.client("organizations", region_name="us-east-1")
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name="ai")["OrganizationalUnit"]["Id"]
    orgs.move_account(AccountId=members[2], SourceParentId=root, DestinationParentId=ou)
    keep_ou = Fleet(ScopeOptions(org_role="r", accounts=AccountFilter(include=(ou,)))).accounts()
    assert [a.id for a in keep_ou] == [members[2]]
    dropped = Fleet(ScopeOptions(org_role="r", accounts=AccountFilter(exclude=(ou, members[0])))).accounts()
    assert {a.id for a in dropped} == {"123456789012", members[1]}


def test_role_arn_reads_the_role_account(org: Any) -> None:
    members = org(1)
    arn = f"arn:aws:iam::{members[0]}:role/auditor"
    report = Fleet(ScopeOptions(role_arn=arn, region="us-east-1")).run(_request())
    [one] = report.reports
    assert one.scope.account == members[0] and one.scope.role_arn == arn
    assert not report.failures


def test_account_global_reads_once_per_account(org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two Regions of one account: each IAM, Organizations, Budgets and Cost Explorer read is made once
    (by whichever scope asks first); the regional reads are made in each Region."""
    org(0)
    seen: list[dict[str, Any]] = []
    original = fleet_mod.run

    def keep(request: Any, source: Any, **kw: Any) -> Any:
        return original(request, source, on_evidence=lambda s: seen.extend(s.calls), **kw)

    monkeypatch.setattr(fleet_mod, "run", keep)
    report = Fleet(ScopeOptions(regions=("us-east-1", "eu-west-1"), max_workers=2)).run(_request())
    assert len(report.reports) == 2
    global_reads = Counter(
        (c["service"], c["operation"])
        for c in seen
        if c["service"] in ("iam", "organizations", "budgets", "ce")
    )
    regional = Counter(
        (c["service"], c["operation"], c["region"]) for c in seen if c["service"] == "cloudwatch"
    )
    assert global_reads and max(global_reads.values()) == 1, global_reads
    assert {r for _, _, r in regional} == {"us-east-1", "eu-west-1"}


def test_shards_merge_into_the_single_process_report(org: Any, tmp_path: Path) -> None:
    """A 12-account Organization audited whole, and in 3 shards merged: the same report."""
    org(11)
    request = _request()
    whole = Fleet(ScopeOptions(org_role="llmops-audit-readonly", max_workers=4)).run(request)
    assert len(whole.reports) == 12
    paths = []
    for i in range(3):
        part = Fleet(ScopeOptions(org_role="llmops-audit-readonly", shard=Shard(i, 3), max_workers=4)).run(
            request
        )
        assert 0 < len(part.reports) < 12
        path = tmp_path / f"shard-{i}.json"
        path.write_text(render(part, "json"))
        paths.append(path)
    merged = merge_reports(paths)
    assert merged.shards == ("0/3", "1/3", "2/3")
    ours, theirs = fleet_to_dict(merged), fleet_to_dict(whole)
    ours.pop("shards"), theirs.pop("shards")
    for doc in (ours, theirs):
        for s in doc["scopes"]:
            s.pop("calls")  # call timings differ from run to run
    assert ours == theirs


def test_shards_are_stable_and_cover_every_scope() -> None:
    keys = [f"{i:012d}" for i in range(200)]
    slices = [[k for k in keys if in_shard(k, Shard(i, 4))] for i in range(4)]
    assert sorted(k for s in slices for k in s) == keys  # every scope in exactly one shard
    assert all(20 < len(s) < 80 for s in slices)
    assert [k for k in keys if in_shard(k, Shard(1, 4))] == slices[1]  # the same again


def test_merge_refuses_a_scope_in_two_files(org: Any, tmp_path: Path) -> None:
    org(0)
    report = Fleet(ScopeOptions(regions=("us-east-1",))).run(_request())
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(render(report, "json"))
    result = CliRunner().invoke(app, ["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert result.exit_code == 2
    assert "is in both" in result.output


def test_single_scope_report_round_trips_through_json() -> None:
    from tests.helpers import demo_snapshot, report_of

    report = report_of(demo_snapshot())
    doc = to_dict(report)
    jsonschema.validate(doc, SCHEMA)
    assert to_dict(from_dict(doc)) == doc  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--regions", "us-east-1,mars-1"], "--regions: 'mars-1' is not an AWS Region name"),
        (["--regions", "all,us-east-1"], "cannot be combined"),
        (["--shard", "3/3"], "--shard '3/3' is not I/N"),
        (["--workload", "app"], "is not KEY=VALUE"),
        (["--accounts", "12345"], "not an account id"),
        (["--accounts", "123456789012"], "need --org-role"),
        (["--role-arn", "arn:aws:iam::1:user/x"], "is not an IAM role ARN"),
        (["--org-role", "arn:aws:iam::123456789012:role/x"], "not an IAM role name"),
        (["--role-arn", "arn:aws:iam::123456789012:role/a", "--org-role", "b"], "cannot be used together"),
        (["--workload", "a=b", "--workloads-by", "a"], "cannot be used together"),
        (["--include-unused"], "only applies with --regions all"),
        (["--max-workers", "0"], "--max-workers 0 is out of range"),
        (["--demo", "--regions", "all"], "--demo scores evidence already recorded"),
    ],
)
def test_bad_scope_options_are_one_line_errors_before_any_call(
    args: list[str], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: any call would fail
    result = CliRunner().invoke(app, ["assess", *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.output
    assert "cannot reach" not in result.output


def test_parse_shard_accepts_valid_slices() -> None:
    assert parse_shard("2/5") == Shard(2, 5)
    with pytest.raises(UsageError):
        parse_shard("-1/5")


def test_multi_scope_report_renders_in_every_format(org: Any) -> None:
    org(1)
    report = Fleet(ScopeOptions(regions=("us-east-1", "eu-west-1"))).run(_request())
    assert isinstance(report, FleetReport)
    md = render(report, "markdown")
    assert md.index("## Overview") < md.index("## Scope ")
    assert "| Scope | Account | Region | Workload | Level |" in md
    term = render(report, "terminal")
    assert "2 scope(s) audited" in term.splitlines()[0]
    assert json.loads(render(report, "json"))["kind"] == "multi-scope"


def test_cli_partial_run_exit_code_and_plain_output(org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the CLI, without a TTY: exit 3 when one account's role cannot be assumed, a report of the
    others on stdout with no ANSI code, and on stderr nothing but one summary line."""
    members = org(2)
    _deny_assume(monkeypatch, members[0])
    result = CliRunner().invoke(
        app,
        ["assess", "--org-role", "llmops-audit-readonly", "--regions", "us-east-1", "--format", "terminal"],
    )
    assert result.exit_code == 3, result.output
    assert "\x1b[" not in result.stdout and "\x1b[" not in result.stderr
    flat = " ".join(result.stdout.split())
    assert "2 scope(s) audited" in flat and "could not be audited" in flat
    assert members[0] in result.stdout  # the failed scope is named with its reason
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmops-audit: 2 scope(s) audited"), lines
    quiet = CliRunner().invoke(
        app,
        ["assess", "--org-role", "llmops-audit-readonly", "--regions", "us-east-1", "--quiet", "-f", "json"],
    )
    assert quiet.exit_code == 3 and quiet.stderr == ""
    jsonschema.validate(json.loads(quiet.stdout), SCHEMA)


def test_permissions_prints_the_org_role_trust_policy() -> None:
    result = CliRunner().invoke(
        app, ["permissions", "--org-role", "llmops-audit-readonly", "--trusted-account", "111122223333"]
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    [statement] = doc["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Action"] == "sts:AssumeRole"
    assert "sts:AssumeRole on arn:aws:iam::*:role/llmops-audit-readonly" in result.stderr
    bad = CliRunner().invoke(app, ["permissions", "--org-role", "r", "--trusted-account", "12"])
    assert bad.exit_code == 2 and bad.output.startswith("error: ")
