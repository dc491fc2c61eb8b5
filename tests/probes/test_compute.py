"""Lambda, Step Functions, API Gateway and X-Ray probes on plain data."""

from __future__ import annotations

import pytest

from llmops_audit.probes import run_probe
from tests.helpers import snapshot

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
AGENT_SRC = "arn:aws:bedrock:us-east-1:123456789012:agent/AG1"


def fn(name: str, llm: bool = True, **kw) -> dict:
    base = {
        "name": name,
        "arn": ARN + name,
        "timeout": 30,
        "memorySize": 512,
        "tracing": "Active",
        "dlq": None,
        "llm": llm,
        "retries": None,
        "onFailure": None,
        "policy": [],
        "aliases": [],
    }
    return {**base, **kw}


def bedrock_stmt(source_arn=None, account=None, principal="bedrock.amazonaws.com", effect="Allow") -> dict:
    return {
        "effect": effect,
        "principal": principal,
        "sourceArn": source_arn,
        "sourceAccount": account,
    }


def run(probe: str, functions: list[dict], params: dict | None = None, scope=None, **sections):
    return run_probe(
        probe,
        snapshot(scope, lambda__functions={"functions": functions, "total": len(functions)}, **sections),
        params or {},
    )


def test_lambda_timeouts_judge_llm_functions_only(scope) -> None:
    ok = run(
        "lambda_timeouts_configured",
        [fn("chat-bot", timeout=60), fn("resizer", llm=False, timeout=3)],
        scope=scope,
    )
    assert ok.value is True and "chat-bot 60s" in ok.summary and "resizer" not in ok.summary
    bad = run(
        "lambda_timeouts_configured", [fn("chat-bot", timeout=60), fn("rag-bot", timeout=3)], scope=scope
    )
    assert bad.value is False and "rag-bot" in bad.summary and "3 s default timeout" in bad.summary


def test_lambda_timeouts_fall_back_to_all_functions_when_none_looks_llm_related(scope) -> None:
    v = run("lambda_timeouts_configured", [fn("handler", llm=False, timeout=3)], scope=scope)
    assert v.value is False and "1 Lambda function of 1" in v.summary
    assert run("lambda_timeouts_configured", [], scope=scope).value is False


@pytest.mark.parametrize(
    ("f", "strict", "value"),
    [
        (fn("chat-bot", retries=0), False, True),
        (fn("chat-bot", retries=0), True, False),  # a retry limit alone is not a fallback
        (fn("chat-bot", dlq="arn:aws:sqs:us-east-1:1:dlq"), True, True),
        (fn("chat-bot", onFailure="arn:aws:sqs:us-east-1:1:q"), True, True),
        (fn("chat-bot"), False, False),
    ],
)
def test_lambda_failure_handling(scope, f: dict, strict: bool, value: bool) -> None:
    v = run("lambda_failure_handling_configured", [f], {"require_destination": strict}, scope=scope)
    assert v.value is value and "chat-bot" in v.summary


def test_lambda_failure_handling_names_the_functions_without_it(scope) -> None:
    v = run("lambda_failure_handling_configured", [fn("a-bot", retries=1), fn("b-bot")], scope=scope)
    assert v.value is True and "b-bot has none" in v.summary


def test_lambda_tracing_active(scope) -> None:
    ok = run("lambda_tracing_active", [fn("chat-bot"), fn("rag-bot", tracing="PassThrough")], scope=scope)
    assert ok.value is True and "not on rag-bot" in ok.summary
    assert run("lambda_tracing_active", [fn("chat-bot", tracing="PassThrough")], scope=scope).value is False


def _agents(*arns: str) -> dict:
    return {"agents": [{"name": "bot", "action_groups": [{"executorLambda": a} for a in arns]}]}


@pytest.mark.parametrize(
    ("policy", "value", "phrase"),
    [
        ([bedrock_stmt(AGENT_SRC, "123456789012")], True, "only for a source agent"),
        ([bedrock_stmt(account="123456789012")], True, "not per agent"),
        ([bedrock_stmt()], False, "without an AWS:SourceArn"),
        ([bedrock_stmt(AGENT_SRC), bedrock_stmt(principal="*")], False, "any principal"),
        ([bedrock_stmt(effect="Deny")], False, "no resource policy letting Bedrock"),
        ([], False, "no resource policy letting Bedrock"),
    ],
)
def test_lambda_agent_permissions_scoped(scope, policy: list, value: bool, phrase: str) -> None:
    # The action group names the tool through an alias-qualified ARN.
    v = run(
        "lambda_agent_permissions_scoped",
        [fn("ticket-tool", policy=policy)],
        scope=scope,
        agents__agents=_agents(ARN + "ticket-tool:prod"),
    )
    assert v.value is value and phrase in v.summary


def test_lambda_agent_permissions_cannot_tell_without_action_group_lambdas(scope) -> None:
    none = run(
        "lambda_agent_permissions_scoped", [fn("ticket-tool")], scope=scope, agents__agents={"agents": []}
    )
    assert none.value is None
    elsewhere = run(
        "lambda_agent_permissions_scoped",
        [fn("ticket-tool")],
        scope=scope,
        agents__agents=_agents("arn:aws:lambda:us-east-1:999999999999:function:shared-tool"),
    )
    assert elsewhere.value is None and "shared-tool" in elsewhere.summary


SM = {"name": "flow", "arn": "a", "tasks": [{"name": "Ask", "retry": True, "catch": False}], "tracing": False}


def test_state_machines_retry_catch(scope) -> None:
    def sm(machines, **params):
        return run_probe(
            "state_machines_retry_catch",
            snapshot(scope, stepfunctions__state_machines={"state_machines": machines}),
            params,
        )

    assert sm([SM]).value is True
    assert sm([SM], require_catch=True).value is False
    assert (
        sm([{**SM, "tasks": [{"name": "Ask", "retry": True, "catch": True}]}], require_catch=True).value
        is True
    )
    assert sm([{**SM, "tasks": []}]).value is False
    assert sm([]).value is False


def test_state_machines_tracing(scope) -> None:
    def sm(machines):
        return run_probe(
            "state_machines_tracing",
            snapshot(scope, stepfunctions__state_machines={"state_machines": machines}),
            {},
        )

    assert sm([{**SM, "tracing": True}]).value is True
    assert sm([SM]).value is False


def api(name: str, *stages: dict) -> dict:
    return {"name": name, "id": name, "stages": list(stages)}


def stage(name: str, tracing=False, cache=False) -> dict:
    return {"name": name, "tracing": tracing, "cache": cache, "metrics": False}


def run_api(probe: str, rest: list, http: list | None = None, scope=None):
    return run_probe(
        probe,
        snapshot(scope, apigateway__rest_apis={"apis": rest}, apigateway__http_apis={"apis": http or []}),
        {},
    )


def test_api_front_door_present_counts_http_apis(scope) -> None:
    assert (
        run_api("api_front_door_present", [], [api("chat-http", stage("$default"))], scope=scope).value
        is True
    )
    assert run_api("api_front_door_present", [], [], scope=scope).value is False


def test_api_tracing_and_caching(scope) -> None:
    rest = [api("support", stage("dev"), stage("prod", tracing=True, cache=True))]
    tr = run_api("api_tracing_enabled", rest, scope=scope)
    assert tr.value is True and "support/prod" in tr.summary
    assert run_api("api_caching_enabled", rest, scope=scope).value is True
    bare = [api("support", stage("dev"), stage("prod"))]
    assert run_api("api_tracing_enabled", bare, scope=scope).value is False
    assert run_api("api_caching_enabled", bare, scope=scope).value is False


def test_api_stages_per_environment_normalises_names(scope) -> None:
    ok = run_api("api_stages_per_environment", [api("support", stage("Staging"), stage("prod"))], scope=scope)
    assert ok.value is True and "Staging, prod" in ok.summary
    same_env = run_api(
        "api_stages_per_environment", [api("support", stage("prod"), stage("production"))], scope=scope
    )
    assert same_env.value is False
    assert (
        run_api("api_stages_per_environment", [api("support", stage("v1"), stage("v2"))], scope=scope).value
        is False
    )


def test_lambda_aliases_per_environment(scope) -> None:
    ok = run(
        "lambda_aliases_per_environment", [fn("chat-bot", aliases=["dev", "prod", "canary"])], scope=scope
    )
    assert ok.value is True and "dev, prod" in ok.summary
    assert (
        run("lambda_aliases_per_environment", [fn("chat-bot", aliases=["live", "prod"])], scope=scope).value
        is False
    )
    # Aliases of functions that are not LLM-related do not count when LLM functions exist.
    other = run(
        "lambda_aliases_per_environment",
        [fn("chat-bot"), fn("resizer", llm=False, aliases=["dev", "prod"])],
        scope=scope,
    )
    assert other.value is False


def test_xray_traces_present(scope) -> None:
    def xr(data):
        return run_probe("xray_traces_present", snapshot(scope, xray__traces=data), {})

    ok = xr({"count": 3, "traces": [{"id": "t", "duration_ms": 10, "spans": {"bedrock": 8, "retrieval": 1}}]})
    assert ok.value is True and "3 traces" in ok.summary and "bedrock, retrieval" in ok.summary
    assert xr({"count": 0, "traces": [], "window": {"start": "s", "end": "e"}}).value is False
