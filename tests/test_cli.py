"""CLI end to end: every error case exits 2 with one line on stderr and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from tests.helpers import error_line

runner = CliRunner()


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output and "Traceback" not in (result.stderr or "")
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)


def test_no_credentials(no_credentials) -> None:
    result = runner.invoke(app, ["assess", "--region", "us-east-1", "--quiet"])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert line.startswith(
        "error: no AWS credentials found in the environment, shared config or instance metadata; "
    )
    assert "--profile" in line and "--demo" in line


def test_unknown_profile() -> None:
    result = runner.invoke(app, ["assess", "--profile", "nope", "--region", "us-east-1"])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert "profile 'nope' (from --profile) not found" in line


def test_endpoint_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = runner.invoke(app, ["assess", "--region", "us-east-1", "--quiet"])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert "cannot reach the AWS endpoint http://127.0.0.1:9" in line
    assert "AWS_ENDPOINT_URL" in line  # what to check


def test_unknown_region() -> None:
    result = runner.invoke(app, ["assess", "--region", "us-esat-1"])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert line.startswith("error: unknown AWS region 'us-esat-1'; ")
    assert "us-east-1" in result.stderr  # suggests real regions


def test_no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = runner.invoke(app, ["assess"])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert "no AWS region" in line


def test_level_file_failing_the_schema(tmp_path: Path) -> None:
    d = tmp_path / "levels"
    d.mkdir()
    (d / "level-1.yaml").write_text(
        "level: 1\nname: x\nmotto: m\ncore_question: q\nitems:\n  - id: A1\n"
        "    text: t\n    decide: bedrock_model_traffic_present\n"
    )
    result = runner.invoke(app, ["assess", "--demo", "--levels", str(d)])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert f"{d / 'level-1.yaml'}:6: items[0] (item A1): 'met_when' is a required property" in line
    assert "schema path" in line


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_unreadable_levels_dir(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope"
    if kind == "file":
        target.write_text("not a directory")
    result = runner.invoke(app, ["assess", "--demo", "--levels", str(target)])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert str(target) in line


def test_levels_and_framework_together_is_a_usage_error() -> None:
    result = runner.invoke(app, ["assess", "--demo", "--levels", "levels", "--framework", "operating-model"])
    assert result.exit_code == 2
    line = error_line(result)
    assert "cannot be used together" in line


def test_bad_period() -> None:
    result = runner.invoke(app, ["assess", "--region", "us-east-1", "--period", "7 years"])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert "--period '7 years' is not a duration" in line


def test_unwritable_output(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["assess", "--demo", "--quiet", "--output", str(blocker / "report.md")])
    assert result.exit_code == 2
    _no_traceback(result)
    line = error_line(result)
    assert "cannot write the report" in line


def test_demo_json_to_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["assess", "--demo", "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["scope"]["demo"] is True and len(data["items"]) == 30
    assert f"Report written to {out}" in result.stderr


def test_validate_command(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", "levels"])
    assert ok.exit_code == 0 and "30 items" in ok.stdout
    bad = runner.invoke(app, ["validate", str(tmp_path / "missing")])
    assert bad.exit_code == 2


def test_version_and_help_document_exit_codes() -> None:
    assert runner.invoke(app, ["--version"]).stdout.startswith("llmops-audit ")
    help_text = (
        runner.invoke(app, ["assess", "--help"], terminal_width=200).stdout
        + runner.invoke(app, ["--help"], terminal_width=200).stdout
    )
    assert "Exit codes" in help_text and "--min-level" in help_text


def test_denied_permission_leaves_its_items_unknown_and_the_run_succeeds(monkeypatch, tmp_path: Path) -> None:
    """A denied read in an otherwise complete account: exit 0, the dependent items are unknown and name
    the IAM action. The evidence is the recorded demo with DescribeTrails denied, scored offline."""
    from tests.helpers import demo_snapshot, denied

    evidence = tmp_path / "denied.json"
    evidence.write_text(denied(demo_snapshot(), "cloudtrail.trails", "cloudtrail:DescribeTrails").to_json())
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["assess", "--from-evidence", str(evidence), "--format", "json", "--output", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())
    l56 = next(i for i in data["items"] if i["id"] == "L5.6")
    assert l56["status"] == "unknown"
    assert "cloudtrail:DescribeTrails" in l56["missing_permissions"]
    assert "cloudtrail:DescribeTrails" in data["calls"]["denied_actions"]
