"""Exit codes for CI: 0 ran and nothing requested fell short, 1 fell short, 2 could not run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from tests.helpers import error_line

runner = CliRunner()

LENIENT = """quality: {min_success_rate_pct: 0}
safety: {max_violation_rate_pct: 100}
performance: {model_p95_budget_ms: 1000000000, api_p95_budget_ms: 1000000000}
cost: {budget_per_1000_requests_usd: 1000000000}
"""
STRICT_LATENCY = LENIENT.replace(
    "model_p95_budget_ms: 1000000000, api_p95_budget_ms: 1000000000",
    "model_p95_budget_ms: 1, api_p95_budget_ms: 1",
)
NO_DATA_QUALITY = LENIENT.replace(
    "quality: {min_success_rate_pct: 0}", "quality: {min_success_rate_pct: 0, metric: Builtin.NoSuchMetric}"
)


def _policy(tmp_path: Path, text: str) -> str:
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return str(p)


def _run(*args: str):
    return runner.invoke(app, ["assess", "--demo", "--quiet", "-f", "json", *args])


@pytest.fixture(scope="module")
def demo_level() -> int:
    return json.loads(_run().stdout)["level"]


def test_exit_0_when_level_meets_min_level(demo_level: int) -> None:
    r = _run("--min-level", str(demo_level))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["verdict"]["outcome"] == "pass"


def test_exit_1_when_level_below_min_level(demo_level: int) -> None:
    r = _run("--min-level", str(demo_level + 1))
    assert r.exit_code == 1
    v = json.loads(r.stdout)["verdict"]
    assert v["outcome"] == "fail" and f"below the required level {demo_level + 1}" in v["reasons"][0]


def test_exit_0_when_all_gates_pass(tmp_path: Path) -> None:
    r = _run("--fail-on-gates", "--policy", _policy(tmp_path, LENIENT))
    assert r.exit_code == 0, r.stdout
    assert {g["status"] for g in json.loads(r.stdout)["gates"]} == {"pass"}


def test_exit_1_when_a_gate_fails(tmp_path: Path) -> None:
    r = _run("--fail-on-gates", "--policy", _policy(tmp_path, STRICT_LATENCY))
    assert r.exit_code == 1
    gates = {g["id"]: g["status"] for g in json.loads(r.stdout)["gates"]}
    assert gates["performance"] == "fail"


def test_failed_gate_without_fail_on_gates_still_exits_0(tmp_path: Path) -> None:
    assert _run("--policy", _policy(tmp_path, STRICT_LATENCY)).exit_code == 0


def test_unknown_gate_passes_unless_fail_on_unknown(tmp_path: Path) -> None:
    policy = _policy(tmp_path, NO_DATA_QUALITY)
    r = _run("--fail-on-gates", "--policy", policy)
    assert r.exit_code == 0
    assert {g["id"]: g["status"] for g in json.loads(r.stdout)["gates"]}["quality"] == "unknown"
    r = _run("--fail-on-gates", "--fail-on-unknown", "--policy", policy)
    assert r.exit_code == 1
    assert "quality gate has no data" in json.loads(r.stdout)["verdict"]["reasons"][0]


def test_exit_2_when_it_cannot_run(tmp_path: Path) -> None:
    r = _run("--fail-on-gates", "--policy", str(tmp_path / "missing.yaml"))
    assert r.exit_code == 2
    assert "the policy file does not exist" in error_line(r)
    assert runner.invoke(app, ["assess", "--demo", "--fail-on-unknown"]).exit_code == 2


def test_gates_command_exit_codes(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["gates", "--demo", "--quiet", "--policy", _policy(tmp_path, LENIENT)])
    assert ok.exit_code == 0 and "Go-live gates: PASS" in ok.stdout
    bad = runner.invoke(app, ["gates", "--demo", "--quiet", "--policy", _policy(tmp_path, STRICT_LATENCY)])
    assert bad.exit_code == 1 and "FAIL" in bad.stdout


def test_verdict_comes_first_in_terminal_and_markdown(tmp_path: Path) -> None:
    policy = _policy(tmp_path, STRICT_LATENCY)
    md = runner.invoke(
        app, ["assess", "--demo", "--quiet", "-f", "markdown", "--fail-on-gates", "--policy", policy]
    )
    assert (
        md.stdout.splitlines()[2].startswith("> **Verdict:** Level ") and "FAILS" in md.stdout.splitlines()[2]
    )
    term = runner.invoke(app, ["assess", "--demo", "--quiet", "--fail-on-gates", "--policy", policy])
    assert "FAILS" in term.stdout.splitlines()[1]


def test_waived_gate_does_not_fail_ci(tmp_path: Path) -> None:
    w = tmp_path / "waivers.yaml"
    w.write_text(
        "waivers:\n  - {target: performance, reason: new model rollout, owner: ml-team, expires: 2099-01-01}\n"
    )
    r = _run("--fail-on-gates", "--policy", _policy(tmp_path, STRICT_LATENCY), "--waivers", str(w))
    assert r.exit_code == 0, r.stdout
    gate = {g["id"]: g for g in json.loads(r.stdout)["gates"]}["performance"]
    assert gate["status"] == "waived" and gate["waiver"]["owner"] == "ml-team"


def test_waived_item_counts_and_expired_waiver_is_reported(tmp_path: Path) -> None:
    base = json.loads(_run().stdout)
    gap = next(i for i in base["items"] if i["status"] == "not_met" and i["level"] > 1)
    w = tmp_path / "waivers.yaml"
    w.write_text(
        f"waivers:\n  - {{target: {gap['id']}, reason: accepted, owner: sre, expires: 2099-01-01}}\n"
        f"  - {{target: L1.1, reason: old, owner: sre, expires: 2020-01-01}}\n"
    )
    data = json.loads(_run("--waivers", str(w)).stdout)
    item = {i["id"]: i for i in data["items"]}[gap["id"]]
    assert item["status"] == "waived" and item["waiver"]["owner"] == "sre"
    lv = {x["level"]: x for x in data["levels"]}[gap["level"]]
    assert lv["counted"] == {x["level"]: x for x in base["levels"]}[gap["level"]]["counted"] + 1
    assert any("expired" in n for n in data["notices"])
