"""Delivery probes (CodePipeline, EventBridge, SSM, tags) on plain data."""

from __future__ import annotations

from llmops_audit.probes import run_probe
from tests.helpers import snapshot

SFN = "arn:aws:states:us-east-1:123456789012:stateMachine:"


def rule(
    name: str, schedule: str | None = "rate(1 day)", targets=(f"{SFN}runner",), state="ENABLED", desc=None
) -> dict:
    return {"name": name, "schedule": schedule, "state": state, "description": desc, "targets": list(targets)}


def test_pipeline_manual_approval_present(scope) -> None:
    def run(pipes):
        return run_probe(
            "pipeline_manual_approval_present",
            snapshot(scope, codepipeline__pipelines={"pipelines": pipes}),
            {},
        )

    ok = run(
        [
            {"name": "release", "stages": ["Source", "Review"], "approvals": ["Review/Approve"]},
            {"name": "docs", "stages": ["Source"], "approvals": []},
        ]
    )
    assert ok.value is True and "release (Review/Approve)" in ok.summary
    no = run([{"name": "release", "stages": ["Source", "Deploy"], "approvals": []}])
    assert no.value is False and "release" in no.summary
    assert run([]).value is False


def test_scheduled_evaluation_rules_present(scope) -> None:
    def run(rules):
        return run_probe(
            "scheduled_evaluation_rules_present", snapshot(scope, events__rules={"rules": rules}), {}
        )

    by_target = run([rule("nightly", targets=[f"{SFN}rag-eval-runner"])])
    assert by_target.value is True and "nightly (rate(1 day))" in by_target.summary
    assert run([rule("nightly", desc="LLM-as-a-judge regression run")]).value is True
    assert run([rule("nightly-backup", targets=[f"{SFN}backup"])]).value is False
    assert run([rule("weekly-eval", state="DISABLED")]).value is False
    assert run([rule("eval-on-upload", schedule=None, targets=[])]).value is False
    assert run([]).value is False


def test_ssm_prompt_parameters_present(scope) -> None:
    def run(names):
        return run_probe(
            "ssm_prompt_parameters_present", snapshot(scope, ssm__prompt_parameters={"parameters": names}), {}
        )

    ok = run(["/prompts/a/system", "/prompts/b/system"])
    assert ok.value is True and "/prompts/a/system, /prompts/b/system" in ok.summary
    assert run([]).value is False


def test_environments_tagged_normalises_values(scope) -> None:
    def run(values):
        return run_probe(
            "environments_tagged", snapshot(scope, tagging__environments={"tag_values": values}), {}
        )

    ok = run({"env": ["Production"], "Stage": ["qa"]})
    assert ok.value is True and "prod, test" in ok.summary
    one = run({"env": ["prod", "production", "live"], "owner": []})
    assert one.value is False and "1 environment (prod)" in one.summary
    assert run({}).value is False
