"""Probes over Lambda, Step Functions, API Gateway and X-Ray."""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.shapes import tool_lambda_arns
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import (
    Verdict,
    cannot_tell,
    environment_of,
    met,
    names,
    not_met,
    plural,
    probe,
)
from llmops_audit.probes.params import Param


def _fn_arn(arn: str) -> str:
    parts = (arn or "").split(":")
    return ":".join(parts[:7]) if len(parts) > 7 and parts[5] == "function" else arn


def _llm_functions(ev: Evidence) -> tuple[list[dict[str, Any]], str]:
    """(the functions to judge, how they were chosen). When none looks LLM-related, all are the workload's."""
    fns = ev.get("lambda.functions")["functions"]
    llm = [f for f in fns if f.get("llm")]
    if llm:
        return llm, "LLM function"
    return fns, "Lambda function"


def _apis(ev: Evidence) -> list[dict[str, Any]]:
    return (
        ev.get("apigateway.rest_apis")["apis"] + (ev.optional("apigateway.http_apis") or {"apis": []})["apis"]
    )


@probe("api_front_door_present", "apigateway.rest_apis", "apigateway.http_apis")
def api_front_door_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An API Gateway REST or HTTP API fronts the workload."""
    apis = _apis(ev)
    if apis:
        return met(f"API Gateway API {names([a['name'] for a in apis])} fronts the workload.")
    return not_met("No API Gateway REST or HTTP API exists.")


@probe("lambda_timeouts_configured", "lambda.functions")
def lambda_timeouts_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every LLM Lambda function has a deliberate timeout (not the 3-second default)."""
    fns, kind = _llm_functions(ev)
    if not fns:
        return not_met("No Lambda functions exist, so no timeout is configured.")
    default = [f["name"] for f in fns if f.get("timeout") in (None, 3)]
    if default:
        return not_met(
            f"{plural(len(default), kind)} of {len(fns)} keep the 3 s default timeout: {names(default)}."
        )
    set_ = [f"{f['name']} {f['timeout']}s" for f in fns]
    return met(f"{kind[0].upper()}{kind[1:]}s have set timeouts: {names(set_)}.")


@probe(
    "lambda_failure_handling_configured",
    "lambda.functions",
    params={
        "require_destination": Param(
            bool, default=False, help="only an on-failure destination or a DLQ counts, not retry limits"
        ),
    },
)
def lambda_failure_handling_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions handle failures: retry limits, an on-failure destination, or a DLQ."""
    fns, kind = _llm_functions(ev)
    strict = bool(params.get("require_destination"))
    handled, bare = [], []
    for f in fns:
        how = [
            x
            for x, ok in (
                ("on-failure destination", f.get("onFailure")),
                ("DLQ", f.get("dlq")),
                ("retry limit", not strict and f.get("retries") is not None),
            )
            if ok
        ]
        if how:
            handled.append(f"{f['name']} ({', '.join(how)})")
        else:
            bare.append(f["name"])
    need = (
        "an on-failure destination or DLQ" if strict else "retry limits, an on-failure destination or a DLQ"
    )
    if handled:
        return met(
            f"Failure handling is configured: {names(handled)}"
            + (f"; {names(bare)} {'has' if len(bare) == 1 else 'have'} none." if bare else ".")
        )
    if not fns:
        return not_met("No Lambda functions exist, so none has failure handling.")
    return not_met(f"None of the {plural(len(fns), kind)} has {need}: {names(bare)}.")


@probe("lambda_tracing_active", "lambda.functions")
def lambda_tracing_active(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions have active X-Ray tracing."""
    fns, kind = _llm_functions(ev)
    active = [f["name"] for f in fns if f.get("tracing") == "Active"]
    if active:
        rest = [f["name"] for f in fns if f.get("tracing") != "Active"]
        return met(
            f"Active X-Ray tracing on {names(active)}" + (f" (not on {names(rest)})." if rest else ".")
        )
    if not fns:
        return not_met("No Lambda functions exist, so none is traced.")
    return not_met(
        f"None of the {plural(len(fns), kind)} has active X-Ray tracing ({names([f['name'] for f in fns])})."
    )


def _invokers(f: dict[str, Any]) -> list[dict[str, Any]]:
    """Allow statements that let Bedrock (or anyone) invoke the function."""
    return [
        s
        for s in f.get("policy") or []
        if s.get("effect", "Allow") == "Allow"
        and ("bedrock" in str(s.get("principal")) or str(s.get("principal")).strip() == "*")
    ]


@probe("lambda_agent_permissions_scoped", "lambda.functions", "agents.agents")
def lambda_agent_permissions_scoped(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Action-group Lambdas only let Bedrock invoke them for a given source (AWS:SourceArn/SourceAccount)."""
    executors = {_fn_arn(a) for a in tool_lambda_arns(ev.get("agents.agents")["agents"])}
    if not executors:
        return cannot_tell(
            "No agent action group runs a Lambda function, so there is no tool permission to check."
        )
    fns = [f for f in ev.get("lambda.functions")["functions"] if _fn_arn(f["arn"]) in executors]
    if not fns:
        return cannot_tell(
            f"The action-group Lambda {names(sorted(executors))} is not among this account's "
            "functions, so its resource policy could not be read."
        )
    if any("policy" not in f for f in fns):
        return cannot_tell(
            f"The resource policy of tool Lambda {names([f['name'] for f in fns if 'policy' not in f])} "
            "was not read."
        )
    loose, by_arn, by_account, none = [], [], [], []
    for f in fns:
        stmts = _invokers(f)
        if not stmts:
            none.append(f["name"])
        elif any(not (s.get("sourceArn") or s.get("sourceAccount")) for s in stmts):
            loose.append(f["name"])
        elif all(s.get("sourceArn") for s in stmts):
            by_arn.append(f["name"])
        else:
            by_account.append(f["name"])
    if loose:
        return not_met(
            f"Tool Lambda {names(loose)} lets Bedrock (or any principal) invoke it without an "
            "AWS:SourceArn or AWS:SourceAccount condition."
        )
    if not (by_arn or by_account):
        return not_met(
            f"Tool Lambda {names(none)} has no resource policy letting Bedrock invoke it, "
            "so the agent's permission cannot be scoped there."
        )
    parts = ([f"{names(by_arn)} only for a source agent (AWS:SourceArn)"] if by_arn else []) + (
        [f"{names(by_account)} only from this account (AWS:SourceAccount, not per agent)"]
        if by_account
        else []
    )
    return met(
        f"Tool Lambda permissions are scoped: Bedrock may invoke {'; '.join(parts)}.",
        *([f"No Bedrock permission on {names(none)}."] if none else []),
    )


def _tasks_with(ev: Evidence, catch_required: bool) -> tuple[list[str], list[dict[str, Any]]]:
    machines = ev.get("stepfunctions.state_machines")["state_machines"]
    ok = [
        m["name"]
        for m in machines
        if m["tasks"]
        and any(t["catch"] if catch_required else (t["retry"] or t["catch"]) for t in m["tasks"])
    ]
    return ok, machines


@probe(
    "state_machines_retry_catch",
    "stepfunctions.state_machines",
    params={"require_catch": Param(bool, default=False, help="only Catch fallbacks count, not Retry")},
)
def state_machines_retry_catch(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Step Functions tasks use Retry or Catch (Catch when `require_catch`)."""
    strict = bool(params.get("require_catch"))
    ok, machines = _tasks_with(ev, strict)
    what = "Catch fallbacks" if strict else "Retry or Catch"
    if ok:
        return met(f"State machine {names(ok)} uses {what} on its tasks.")
    return not_met(f"None of the {plural(len(machines), 'state machine')} uses {what} on a task.")


@probe("state_machines_tracing", "stepfunctions.state_machines")
def state_machines_tracing(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Step Functions state machines have X-Ray tracing on."""
    machines = ev.get("stepfunctions.state_machines")["state_machines"]
    ok = [m["name"] for m in machines if m["tracing"]]
    if ok:
        return met(f"X-Ray tracing is on for state machine {names(ok)}.")
    return not_met(f"None of the {plural(len(machines), 'state machine')} has X-Ray tracing.")


@probe("api_tracing_enabled", "apigateway.rest_apis")
def api_tracing_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An API Gateway stage has X-Ray tracing on."""
    apis = ev.get("apigateway.rest_apis")["apis"]
    ok = [f"{a['name']}/{s['name']}" for a in apis for s in a["stages"] if s["tracing"]]
    if ok:
        return met(f"X-Ray tracing is on for API stage {names(ok)}.")
    stages = sum(len(a["stages"]) for a in apis)
    return not_met(
        f"None of the {plural(stages, 'REST API stage')} has X-Ray tracing (HTTP APIs do not support X-Ray)."
    )


@probe("api_caching_enabled", "apigateway.rest_apis")
def api_caching_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An API Gateway stage caches responses."""
    apis = ev.get("apigateway.rest_apis")["apis"]
    ok = [f"{a['name']}/{s['name']}" for a in apis for s in a["stages"] if s["cache"]]
    if ok:
        return met(f"Response caching is on for API stage {names(ok)}.")
    return not_met(
        f"None of the {plural(sum(len(a['stages']) for a in apis), 'REST API stage')} caches responses."
    )


@probe("xray_traces_present", "xray.traces")
def xray_traces_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """X-Ray holds traces for the period."""
    data = ev.get("xray.traces")
    if data["count"]:
        spans = sorted({s for t in data["traces"] for s in t["spans"]})
        return met(
            f"X-Ray holds {plural(data['count'], 'trace')} in the period"
            + (f", with spans {names(spans)}." if spans else ".")
        )
    return not_met(
        "X-Ray holds no traces for the period"
        + (" (searched back from its end in 6-hour windows)." if data.get("window") else ".")
    )


def _env_names(values: list[str]) -> list[str]:
    return sorted({e for v in values if (e := environment_of(v))})


@probe("api_stages_per_environment", "apigateway.rest_apis", "apigateway.http_apis")
def api_stages_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """API Gateway stages are named per environment (at least two of dev/test/stage/prod)."""
    apis = _apis(ev)
    for a in apis:
        envs = _env_names([s["name"] for s in a["stages"]])
        if len(envs) >= 2:
            stages = [s["name"] for s in a["stages"] if environment_of(s["name"])]
            return met(f"API {a['name']} has environment stages {', '.join(stages)}.")
    if not apis:
        return not_met("No API Gateway API exists, so no stages separate environments.")
    return not_met(
        f"None of the {plural(len(apis), 'API')} has stages for two or more environments "
        f"(stages: {names(sorted({s['name'] for a in apis for s in a['stages']})) or 'none'})."
    )


@probe("lambda_aliases_per_environment", "lambda.functions")
def lambda_aliases_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions have aliases per environment."""
    fns, kind = _llm_functions(ev)
    for f in fns:
        if len(_env_names(f.get("aliases") or [])) >= 2:
            aliases = [a for a in f["aliases"] if environment_of(a)]
            return met(f"Function {f['name']} has environment aliases {', '.join(aliases)}.")
    return not_met(f"None of the {plural(len(fns), kind)} has aliases for two or more environments.")
