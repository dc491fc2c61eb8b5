"""Alternative frameworks are data only: listed, selectable, and each produces a report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from tests.helpers import error_line

runner = CliRunner()


def test_frameworks_lists_three() -> None:
    r = runner.invoke(app, ["frameworks"])
    assert r.exit_code == 0
    names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    assert names == ["llmops-maturity", "operating-model", "practical-ladder"]


@pytest.mark.parametrize("name", ["llmops-maturity", "operating-model", "practical-ladder"])
def test_each_framework_produces_a_report(name: str) -> None:
    r = runner.invoke(app, ["assess", "--demo", "--quiet", "--framework", name, "-f", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["framework"]["name"] == name
    assert data["items"] and all(i["status"] in {"met", "not_met", "unknown"} for i in data["items"])
    md = runner.invoke(app, ["assess", "--demo", "--quiet", "--framework", name, "-f", "markdown"])
    assert md.exit_code == 0 and "Verdict" in md.stdout


def test_unknown_framework_is_a_usage_error() -> None:
    r = runner.invoke(app, ["assess", "--demo", "--framework", "nope"])
    assert r.exit_code == 2
    assert "shipped frameworks: llmops-maturity, operating-model, practical-ladder" in error_line(r)
