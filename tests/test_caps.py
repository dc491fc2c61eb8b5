"""No silent caps: a limit that bounds a read is recorded in its section and shown as a report notice."""

from __future__ import annotations

from typing import Any

from llmops_audit.aws.access import AwsAccess
from llmops_audit.collectors import collect
from llmops_audit.inputs.prices import load_prices
from llmops_audit.model import Scope
from llmops_audit.pipeline import _cap_notices

SECTIONS = [
    "lambda.functions",
    "logs.lambda_log_groups",
    "cloudwatch.metric_catalog",
    "logs.invocation_records",
    "logs.feedback_events",
]


def _collect(caps: dict[str, int]) -> Any:
    from tests.fake_account.record import PERIOD, RECORDED_AT, seeded_account

    with seeded_account() as env:
        aws = AwsAccess(env.session, env.region, client_hook=env.canned.attach, max_attempts=1)
        scope = Scope(env.account, env.region, RECORDED_AT - PERIOD, RECORDED_AT, demo=True)
        options = {"gate_custom_metrics": [], "prices": load_prices(None), "caps": caps}
        return collect(aws, scope, SECTIONS, None, options)


def test_limits_that_bound_a_read_are_recorded_and_reported() -> None:
    snap = _collect({"lambdas": 1, "metric_series": 5, "log_events": 1})
    fns = snap.sections["lambda.functions"]
    llm = [f for f in fns["functions"] if f["llm"]]
    assert len(llm) > 1 and fns["detailed"] == 1
    assert fns["caps"] == [
        {
            "cap": "lambdas",
            "what": "LLM Lambda functions read in detail",
            "read": 1,
            "of": len(llm),
            "limit": 1,
            "option": "--max-lambdas",
        }
    ]
    assert len(snap.sections["logs.lambda_log_groups"]["groups"]) == 1
    assert snap.sections["logs.lambda_log_groups"]["caps"][0]["of"] == len(llm)
    cat = snap.sections["cloudwatch.metric_catalog"]
    assert len(cat["metrics"]) == 5 and cat["found"] > 5
    assert cat["caps"][0] == {
        "cap": "metric_series",
        "what": "CloudWatch metric series queried",
        "read": 5,
        "of": cat["found"],
        "limit": 5,
        "option": "--max-metric-series",
    }
    inv = snap.sections["logs.invocation_records"]
    assert inv["capped"] and len(inv["records"]) + inv["unparsed"] == 1
    assert inv["caps"][0]["of"] is None  # more events exist; how many is not known
    lines = _cap_notices(snap.sections)
    assert any(
        "of 5" not in line and "--max-metric-series" in line and f"{cat['found']:,}" in line for line in lines
    )
    assert any(f"1 of {len(llm)} LLM Lambda functions" in line and "--max-lambdas" in line for line in lines)
    assert any("1 (more exist) log events" in line and "--max-log-events" in line for line in lines)


def test_default_limits_do_not_bound_the_fake_account() -> None:
    snap = _collect({})
    assert not _cap_notices(snap.sections)
    assert all(not (snap.sections[s].get("caps") or []) for s in SECTIONS), {
        s: snap.sections[s].get("caps") for s in SECTIONS
    }


def test_a_malformed_caps_entry_in_saved_evidence_is_skipped() -> None:
    assert _cap_notices({"x.y": {"caps": [1, {"what": "w"}, None]}, "a.b": [1], "c.d": {"caps": "no"}}) == []


def test_max_options_with_recorded_evidence_are_one_line_errors(capsys, monkeypatch) -> None:
    from tests.test_hardening import one_error, run_cli

    code, _, err = run_cli(capsys, monkeypatch, "assess", "--demo", "--max-lambdas", "500")
    line = one_error(code, err)
    assert "--max-lambdas" in line and "--demo" in line
    code, _, err = run_cli(capsys, monkeypatch, "assess", "--demo", "--max-log-events", "0")
    assert code == 2 and "max-log-events" in err
