"""Probes over Lambda, Step Functions, API Gateway and X-Ray."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.shapes import tool_lambda_arns

ENV_NAMES = re.compile(r"^(dev|develop|development|test|testing|qa|uat|stage|staging|preprod|prod|production|live)$",
                       re.I)


def _llm_functions(ev: Evidence) -> list[dict[str, Any]]:
    return [f for f in ev.get("lambda.functions")["functions"] if f.get("llm")]


def _apis(ev: Evidence) -> list[dict[str, Any]]:
    return ev.get("apigateway.rest_apis")["apis"] + (ev.optional("apigateway.http_apis") or {"apis": []})["apis"]


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
    fns = _llm_functions(ev)
    if not fns:
        return not_met("No LLM Lambda functions were found.")
    default = [f["name"] for f in fns if f["timeout"] in (None, 3)]
    if default:
        return not_met(f"{plural(len(default), 'LLM function')} keep the 3 s default timeout: {names(default)}.")
    set_ = [f"{f['name']} {f['timeout']}s" for f in fns]
    return met(f"LLM functions have set timeouts: {names(set_)}.")


@probe("lambda_failure_handling_configured", "lambda.functions")
def lambda_failure_handling_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions handle failures: retry limits, an on-failure destination, or a DLQ."""
    fns = _llm_functions(ev)
    strict = bool(params.get("require_destination"))
    handled = []
    for f in fns:
        how = [x for x, ok in (("on-failure destination", f.get("onFailure")), ("DLQ", f.get("dlq")),
                               ("retry limit", not strict and f.get("retries") is not None)) if ok]
        if how:
            handled.append(f"{f['name']} ({', '.join(how)})")
    if handled:
        return met(f"Failure handling is configured: {names(handled)}.")
    need = "an on-failure destination or DLQ" if strict else "retry limits, an on-failure destination or a DLQ"
    return not_met(f"None of the {plural(len(fns), 'LLM function')} has {need}.")


@probe("lambda_tracing_active", "lambda.functions")
def lambda_tracing_active(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions have active X-Ray tracing."""
    fns = _llm_functions(ev)
    active = [f["name"] for f in fns if f["tracing"] == "Active"]
    if active:
        return met(f"Active X-Ray tracing on {names(active)}.")
    return not_met(f"None of the {plural(len(fns), 'LLM function')} has active X-Ray tracing.")


@probe("lambda_agent_permissions_scoped", "lambda.functions", "agents.agents")
def lambda_agent_permissions_scoped(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Action-group Lambdas only let Bedrock invoke them for a given source (AWS:SourceArn/SourceAccount)."""
    executors = tool_lambda_arns(ev.get("agents.agents")["agents"])
    if not executors:
        return cannot_tell("No agent action group runs a Lambda function (or action groups could not be read).")
    fns = [f for f in ev.get("lambda.functions")["functions"] if f["arn"] in executors]
    loose = [f["name"] for f in fns if any("bedrock" in str(s["principal"]) and not (s["sourceArn"] or s["sourceAccount"])
                                           for s in f.get("policy") or [])]
    scoped = [f["name"] for f in fns if any("bedrock" in str(s["principal"]) and s["sourceArn"] for s in f.get("policy") or [])]
    if loose:
        return not_met(f"Tool Lambda {names(loose)} lets Bedrock invoke it without a source condition.")
    if scoped:
        return met(f"Tool Lambda {names(scoped)} lets Bedrock invoke it only for its agent (AWS:SourceArn).")
    return not_met(f"Tool Lambda {names([f['name'] for f in fns]) or 'of the agents'} has no Bedrock permission scoped to an agent.")


def _tasks_with(ev: Evidence, catch_required: bool) -> tuple[list[str], list[dict[str, Any]]]:
    machines = ev.get("stepfunctions.state_machines")["state_machines"]
    ok = [m["name"] for m in machines if m["tasks"] and any(
        t["catch"] if catch_required else (t["retry"] or t["catch"]) for t in m["tasks"])]
    return ok, machines


@probe("state_machines_retry_catch", "stepfunctions.state_machines")
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
    ok = [f"{a['name']}/{s['name']}" for a in ev.get("apigateway.rest_apis")["apis"] for s in a["stages"] if s["tracing"]]
    if ok:
        return met(f"X-Ray tracing is on for API stage {names(ok)}.")
    return not_met("No API Gateway stage has X-Ray tracing.")


@probe("api_caching_enabled", "apigateway.rest_apis")
def api_caching_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An API Gateway stage caches responses."""
    ok = [f"{a['name']}/{s['name']}" for a in ev.get("apigateway.rest_apis")["apis"] for s in a["stages"] if s["cache"]]
    if ok:
        return met(f"Response caching is on for API stage {names(ok)}.")
    return not_met("No API Gateway stage caches responses.")


@probe("xray_traces_present", "xray.traces")
def xray_traces_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """X-Ray holds traces for the period."""
    data = ev.get("xray.traces")
    if data["count"]:
        spans = sorted({s for t in data["traces"] for s in t["spans"]})
        return met(f"X-Ray holds {plural(data['count'], 'trace')} in the period"
                   + (f", with spans {names(spans)}." if spans else "."))
    return not_met("X-Ray holds no traces for the period.")


@probe("api_stages_per_environment", "apigateway.rest_apis", "apigateway.http_apis")
def api_stages_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """API Gateway stages are named per environment (at least two of dev/test/stage/prod)."""
    for a in _apis(ev):
        envs = sorted({s["name"] for s in a["stages"] if ENV_NAMES.match(s["name"] or "")})
        if len(envs) >= 2:
            return met(f"API {a['name']} has environment stages {', '.join(envs)}.")
    return not_met("No API has stages for two or more environments.")


@probe("lambda_aliases_per_environment", "lambda.functions")
def lambda_aliases_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions have aliases per environment."""
    for f in _llm_functions(ev):
        envs = sorted({a for a in f.get("aliases") or [] if ENV_NAMES.match(a)})
        if len(envs) >= 2:
            return met(f"Function {f['name']} has environment aliases {', '.join(envs)}.")
    return not_met("No LLM function has aliases for two or more environments.")
