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
        "envNames": [],
        # what ties a function to the LLM workload: its role may invoke Bedrock
        "roleActions": ["bedrock:InvokeModel"] if llm else [],
        "actionGroupExecutor": False,
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
    assert bad.value is False and "rag-bot (3 s, the Lambda default)" in bad.summary


def test_lambda_timeouts_never_fall_back_to_functions_that_are_not_the_llm_workloads(scope) -> None:
    """Before: when no function looked LLM-related, every function was judged (a resizer's 30 s counted)."""
    v = run("lambda_timeouts_configured", [fn("handler", llm=False, timeout=30)], scope=scope)
    assert v.value is False and "No Lambda function is the LLM workload's" in v.summary
    assert run("lambda_timeouts_configured", [], scope=scope).value is False


def test_a_function_whose_role_was_not_read_is_unknown_not_judged(scope) -> None:
    v = run(
        "lambda_timeouts_configured", [fn("handler", llm=False, roleActions=None, timeout=30)], scope=scope
    )
    assert v.value is None and "could not be read" in v.summary


@pytest.mark.parametrize(
    ("f", "llm"),
    [
        (fn("a", llm=False, envNames=["BEDROCK_MODEL_ID"]), True),
        (fn("a", llm=False, envNames=["KNOWLEDGE_BASE_ID"]), True),
        (fn("a", llm=False, actionGroupExecutor=True), True),
        (fn("a", llm=False, roleActions=["bedrock:*"]), True),
        (fn("a", llm=False, roleActions=["bedrock-agentcore:InvokeAgentRuntime"]), True),
        (fn("a", llm=False, roleActions=["bedrock:ListFoundationModels", "bedrock:Get*"]), False),
        (fn("chatbot-assistant-llm", llm=False, envNames=["PROMPT_TEMPLATE", "CHAT_TABLE"]), False),
    ],
)
def test_what_ties_a_function_to_the_llm_workload(scope, f: dict, llm: bool) -> None:
    v = run("lambda_tracing_active", [f], scope=scope)
    assert (v.value is True) is llm, v.summary


SNS = [{"effect": "Allow", "principal": "sns.amazonaws.com", "sourceArn": None, "sourceAccount": None}]
APIGW = {"effect": "Allow", "principal": "apigateway.amazonaws.com", "sourceArn": None, "sourceAccount": None}


@pytest.mark.parametrize(
    ("f", "strict", "value"),
    [
        (fn("chat-bot", retries=0, policy=SNS), False, False),  # MaximumRetryAttempts 0 turns retries off
        (fn("chat-bot", retries=1, policy=SNS), False, True),
        (fn("chat-bot", retries=2, policy=SNS), True, False),  # a retry limit alone is not a fallback
        (fn("chat-bot", dlq="arn:aws:sqs:us-east-1:1:dlq", policy=SNS), True, True),
        (fn("chat-bot", onFailure="arn:aws:sqs:us-east-1:1:q", policy=SNS), True, True),
        (fn("chat-bot", policy=SNS), False, False),
        # asynchronous-invocation settings on a function only API Gateway invokes handle no failure
        (fn("chat-bot", onFailure="arn:aws:sqs:us-east-1:1:q", policy=[APIGW]), True, False),
        (
            fn("chat-bot", retries=2, dlq="arn:aws:sqs:us-east-1:1:dlq", urls=[{"authType": "NONE"}]),
            False,
            False,
        ),
    ],
)
def test_lambda_failure_handling(scope, f: dict, strict: bool, value: bool) -> None:
    v = run("lambda_failure_handling_configured", [f], {"require_destination": strict}, scope=scope)
    assert v.value is value and "chat-bot" in v.summary


def test_lambda_failure_handling_names_the_functions_without_it(scope) -> None:
    v = run(
        "lambda_failure_handling_configured", [fn("a-bot", retries=1, policy=SNS), fn("b-bot")], scope=scope
    )
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
        # AWS:SourceAccount alone lets any agent of the account invoke the tool: not scoped to its agent
        ([bedrock_stmt(account="123456789012")], False, "only from this account (AWS:SourceAccount)"),
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


BEDROCK_TASK = {"resource": "arn:aws:states:::bedrock:invokeModel", "function": None}
SM = {
    "name": "flow",
    "arn": "a",
    "tasks": [{"name": "Ask", "retry": True, "catch": False, **BEDROCK_TASK}],
    "tracing": False,
}
NO_FUNCTIONS = {"functions": [], "total": 0}


def test_state_machines_retry_catch(scope) -> None:
    def sm(machines, **params):
        return run_probe(
            "state_machines_retry_catch",
            snapshot(
                scope,
                stepfunctions__state_machines={"state_machines": machines},
                lambda__functions=NO_FUNCTIONS,
            ),
            params,
        )

    assert sm([SM]).value is True
    assert sm([SM], require_catch=True).value is False
    assert (
        sm(
            [{**SM, "tasks": [{"name": "Ask", "retry": True, "catch": True, **BEDROCK_TASK}]}],
            require_catch=True,
        ).value
        is True
    )
    assert sm([{**SM, "tasks": []}]).value is False
    assert sm([]).value is False
    glue = {"resource": "arn:aws:states:::glue:startJobRun.sync", "function": None}
    etl = {**SM, "tasks": [{"name": "Run", "retry": True, "catch": True, **glue}]}
    assert sm([etl], require_catch=True).value is False  # not the LLM workload's
    assert sm([{**SM, "definitionRead": False, "tasks": []}]).value is None  # malformed definition: unknown


def test_state_machines_tracing(scope) -> None:
    def sm(machines):
        return run_probe(
            "state_machines_tracing",
            snapshot(
                scope,
                stepfunctions__state_machines={"state_machines": machines},
                lambda__functions=NO_FUNCTIONS,
            ),
            {},
        )

    assert sm([{**SM, "tracing": True}]).value is True
    assert sm([SM]).value is False


BEDROCK_URI = "arn:aws:apigateway:us-east-1:bedrock-runtime:path/model/amazon.nova-lite-v1:0/invoke"


def api(name: str, *stages: dict, uri: str = BEDROCK_URI, verb: str = "GET") -> dict:
    return {
        "name": name,
        "id": name,
        "stages": list(stages),
        "integrations": [uri],
        "methods": {f"/ {verb}": uri},
    }


def stage(name: str, tracing=False, cache=False) -> dict:
    return {"name": name, "tracing": tracing, "cache": cache, "cacheCluster": cache, "metrics": False}


def run_api(probe: str, rest: list, http: list | None = None, scope=None):
    return run_probe(
        probe,
        snapshot(
            scope,
            apigateway__rest_apis={"apis": rest},
            apigateway__http_apis={"apis": http or []},
            lambda__functions=NO_FUNCTIONS,
        ),
        {},
    )


def test_api_front_door_present_counts_http_apis(scope) -> None:
    assert (
        run_api("api_front_door_present", [], [api("chat-http", stage("$default"))], scope=scope).value
        is True
    )
    # no API, and the other front doors not read: unknown, never a guess
    assert run_api("api_front_door_present", [], [], scope=scope).value is None


def test_api_tracing_and_caching(scope) -> None:
    rest = [api("support", stage("dev"), stage("prod", tracing=True, cache=True))]
    tr = run_api("api_tracing_enabled", rest, scope=scope)
    assert tr.value is True and "support/prod" in tr.summary
    assert run_api("api_caching_enabled", rest, scope=scope).value is True
    bare = [api("support", stage("dev"), stage("prod"))]
    assert run_api("api_tracing_enabled", bare, scope=scope).value is False
    assert run_api("api_caching_enabled", bare, scope=scope).value is False
    # A website API (its integration is no LLM function and not Bedrock) proves nothing.
    site = [api("site", stage("dev"), stage("prod", tracing=True, cache=True), uri="https://example.com/")]
    assert run_api("api_tracing_enabled", site, scope=scope).value is False
    assert run_api("api_caching_enabled", site, scope=scope).value is False
    # A stage cache serves GET only, unless a method setting enables caching.
    post = [api("support", stage("prod", cache=True), verb="POST")]
    assert run_api("api_caching_enabled", post, scope=scope).value is False
    post[0]["stages"][0]["caching"] = {"*/*": True}
    assert run_api("api_caching_enabled", post, scope=scope).value is True
    # Integrations not read: unknown
    unread = [{**api("x", stage("prod", cache=True)), "integrations": None}]
    assert run_api("api_caching_enabled", unread, scope=scope).value is None


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
        return run_probe(
            "xray_traces_present", snapshot(scope, xray__traces=data, lambda__functions=NO_FUNCTIONS), {}
        )

    ok = xr({"count": 3, "traces": [{"id": "t", "duration_ms": 10, "spans": {"bedrock": 8, "retrieval": 1}}]})
    assert (
        ok.value is True
        and "1 trace of the LLM workload" in ok.summary
        and "bedrock, retrieval" in ok.summary
    )
    other = xr({"count": 3, "traces": [{"id": "t", "duration_ms": 10, "spans": {"nginx": 8, "s3": 1}}]})
    assert other.value is False and "none of the 1 read" in other.summary
    assert xr({"count": 0, "traces": [], "window": {"start": "s", "end": "e"}}).value is False
