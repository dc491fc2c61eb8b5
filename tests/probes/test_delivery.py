"""Delivery probes (CodePipeline, EventBridge, SSM, tags) on plain data."""

from __future__ import annotations

from llmops_audit.probes import run_probe
from tests.helpers import snapshot

SFN = "arn:aws:states:us-east-1:123456789012:stateMachine:"


def rule(
    name: str, schedule: str | None = "rate(1 day)", targets=(f"{SFN}runner",), state="ENABLED", desc=None
) -> dict:
    return {"name": name, "schedule": schedule, "state": state, "description": desc, "targets": list(targets)}


LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def fn(name: str, actions: list[str] | None) -> dict:
    """A function whose role allows `actions` (None: the role was not read)."""
    return {"name": name, "arn": LAMBDA + name, "roleActions": actions, "envNames": [], "llm": bool(actions)}


FUNCTIONS = {"functions": [fn("answerer", ["bedrock:InvokeModel"]), fn("resizer", [])], "total": 2}


def test_pipeline_manual_approval_present(scope) -> None:
    def run(pipes, functions=FUNCTIONS):
        return run_probe(
            "pipeline_manual_approval_present",
            snapshot(
                scope,
                codepipeline__pipelines={"pipelines": pipes},
                lambda__functions=functions,
                stepfunctions__state_machines={"state_machines": []},
                apigateway__rest_apis={"apis": []},
            ),
            {},
        )

    deploys_llm = [{"provider": "Lambda", "function": "answerer"}]
    ok = run(
        [
            {
                "name": "release",
                "stages": ["Source", "Review"],
                "approvals": ["Review/Approve"],
                "deploys": deploys_llm,
            },
            {"name": "docs", "stages": ["Source"], "approvals": [], "deploys": []},
        ]
    )
    assert ok.value is True and "release (Review/Approve; deploys function answerer)" in ok.summary
    no = run([{"name": "release", "stages": ["Source", "Deploy"], "approvals": [], "deploys": deploys_llm}])
    assert no.value is False and "release" in no.summary
    assert run([]).value is False
    # Before: any pipeline's approval counted (a website deploy to S3).
    site = [
        {
            "name": "site",
            "stages": ["Approve"],
            "approvals": ["Approve/SignOff"],
            "deploys": [{"provider": "S3"}],
        }
    ]
    assert run(site).value is False
    stack = [
        {
            "provider": "CloudFormation",
            "stack": "assistant",
            "stackResources": [{"type": "AWS::Bedrock::Agent", "id": "A1"}],
        }
    ]
    assert run([{**site[0], "deploys": stack}]).value is True
    # A stack whose resources could not be listed, or functions whose roles were not read: unknown.
    unread = [{"provider": "CloudFormation", "stack": "assistant", "stackResources": None}]
    assert run([{**site[0], "deploys": unread}]).value is None
    roles_unread = {"functions": [fn("answerer", None)], "total": 1}
    assert run([{**site[0], "deploys": deploys_llm}], roles_unread).value is None


def test_scheduled_evaluation_rules_present(scope) -> None:
    grant = fn("eval-runner", ["bedrock:CreateEvaluationJob"])
    star = fn("chat", ["bedrock:*"])
    functions = {"functions": [grant, star, fn("unread", None)], "total": 3}
    machines = {
        "state_machines": [
            {
                "name": "evals",
                "arn": f"{SFN}evals",
                "tracing": False,
                "tasks": [
                    {
                        "name": "Start",
                        "retry": False,
                        "catch": False,
                        "resource": "arn:aws:states:::aws-sdk:bedrock:createEvaluationJob",
                        "function": None,
                    }
                ],
            },
            {"name": "rag-eval-runner", "arn": f"{SFN}rag-eval-runner", "tracing": False, "tasks": []},
        ]
    }

    def run(rules):
        return run_probe(
            "scheduled_evaluation_rules_present",
            snapshot(
                scope,
                events__rules={"rules": rules},
                scheduler__schedules={"schedules": []},
                lambda__functions=functions,
                stepfunctions__state_machines=machines,
            ),
            {},
        )

    assert run([rule("nightly", targets=[LAMBDA + "eval-runner"])]).value is True
    by_machine = run([rule("nightly", targets=[f"{SFN}evals"])])
    assert by_machine.value is True and "nightly (rate(1 day))" in by_machine.summary
    # Before: names and descriptions decided ('rag-eval-runner', 'LLM-as-a-judge regression run').
    assert run([rule("nightly", targets=[f"{SFN}rag-eval-runner"])]).value is False
    assert run([rule("kb-retrieval-refresh", desc="LLM-as-a-judge regression run")]).value is False
    assert run([rule("warm", targets=[LAMBDA + "chat"])]).value is False  # bedrock:* is no evaluation runner
    assert run([rule("nightly", targets=[LAMBDA + "unread"])]).value is None
    assert run([rule("nightly-backup", targets=[f"{SFN}backup"])]).value is False
    assert run([rule("weekly-eval", state="DISABLED")]).value is False
    assert run([rule("eval-on-upload", schedule=None, targets=[])]).value is False
    assert run([]).value is False


def test_ssm_prompt_parameters_present(scope) -> None:
    def run(names, refs=None, roles=None):
        return run_probe(
            "ssm_prompt_parameters_present",
            snapshot(
                scope,
                ssm__prompt_parameters={"parameters": names},
                ssm__prompt_parameter_refs={"refs": refs or {}},
                iam__llm_lambda_roles={"roles": roles or []},
            ),
            {},
        )

    found = ["/prompts/a/system", "/prompts/b/system"]
    ok = run(found, refs={"/prompts/a/system": ["answerer"]})
    assert ok.value is True and "/prompts/a/system (named in the environment of answerer)" in ok.summary
    # Before: the names alone made it met.
    named = run(found)
    assert named.value is False and "is named like a prompt" in named.summary
    unread = run(found, roles=[{"name": "r", "functions": ["answerer"], "attached": None, "inline": None}])
    assert unread.value is None and "role r" in unread.summary
    assert run([]).value is False


def test_environments_tagged_counts_llm_resources_only(scope) -> None:
    def run(resources, functions=FUNCTIONS):
        values: dict[str, set] = {}
        for tags in resources.values():
            for k, v in tags.items():
                values.setdefault(k, set()).add(v)
        return run_probe(
            "environments_tagged",
            snapshot(
                scope,
                tagging__environments={
                    "tag_values": {k: sorted(v) for k, v in values.items()},
                    "resources": resources,
                    "capped": False,
                },
                lambda__functions=functions,
                apigateway__rest_apis={"apis": []},
                apigateway__http_apis={"apis": []},
                stepfunctions__state_machines={"state_machines": []},
            ),
            {},
        )

    agent = "arn:aws:bedrock:us-east-1:123456789012:agent/A1"
    ok = run({LAMBDA + "answerer": {"env": "Production"}, agent: {"Stage": "qa"}})
    assert ok.value is True and "prod (answerer)" in ok.summary and "test (A1)" in ok.summary
    one = run({LAMBDA + "answerer": {"env": "prod"}, agent: {"env": "production"}})
    assert one.value is False and "1 environment (prod)" in one.summary
    # Before: any resource's tags counted (a web shop's dev and prod buckets).
    shop = run({"arn:aws:s3:::shop-dev": {"env": "dev"}, LAMBDA + "resizer": {"env": "prod"}})
    assert shop.value is False and "other resources are tagged dev, prod" in shop.summary
    unread = {"functions": [fn("answerer", None)], "total": 1}
    assert run({LAMBDA + "answerer": {"env": "dev"}, "arn:aws:s3:::b": {"env": "prod"}}, unread).value is None
    assert run({}).value is False
