"""Probes over Lambda, Step Functions, API Gateway and X-Ray.

Every probe here except api_front_door_present (API Gateway APIs: any) and lambda_agent_permissions_scoped
judges only the LLM workload's resources, as probes/workload.py decides them: a thumbnailer's on-failure destination or a
website API's cache says nothing about the LLM workload.
"""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.shapes import tool_lambda_arns
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes import workload
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


def _apis(ev: Evidence) -> list[dict[str, Any]]:
    return (
        ev.get("apigateway.rest_apis")["apis"] + (ev.optional("apigateway.http_apis") or {"apis": []})["apis"]
    )


@probe(
    "api_front_door_present",
    "apigateway.rest_apis",
    "apigateway.http_apis",
    "lambda.functions",
    "xray.traces",
    "elbv2.lambda_target_groups",
    "appsync.graphql_apis",
    "agentcore.runtimes",
)
def api_front_door_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A managed front door fronts the workload: an API Gateway REST or HTTP API, an Application Load
    Balancer target group of an LLM function, an LLM function's URL, an AppSync API whose data source is an
    LLM function or the Bedrock runtime, or an AgentCore runtime endpoint that is READY."""
    found, unread = [], []
    rest = ev.optional("apigateway.rest_apis")
    if rest is None:
        unread.append("API Gateway REST APIs")
    apis = (rest or {"apis": []})["apis"] + (ev.optional("apigateway.http_apis") or {"apis": []})["apis"]
    if apis:
        found.append(f"API Gateway API {names([a['name'] for a in apis])}")
    try:
        w: workload.Workload | None = workload.functions(ev)
    except MissingEvidence:
        w = None
        unread.append("the Lambda functions")
    if w is not None:
        urls = [f["name"] for f in w.functions if f.get("urls")]
        if urls:
            found.append(f"the function URL of LLM function {names(urls)}")
        unread += [
            f"the URLs of {f['name']}" for f in w.functions if "retries" in f and f.get("urls") is None
        ]
    albs = ev.optional("elbv2.lambda_target_groups")
    if albs is None:
        unread.append("the load balancer target groups")
    elif w is not None:
        fronted = [
            f"{g['name']} -> {t.split(':')[-1]}"
            for g in albs["groups"]
            if g.get("loadBalancers")
            for t in g.get("targets") or []
            if w.has(t)
        ]
        if fronted:
            found.append(f"Application Load Balancer target group {names(fronted)}")
    gql = ev.optional("appsync.graphql_apis")
    if gql is None:
        unread.append("the AppSync GraphQL APIs")
    else:
        for a in gql["apis"]:
            if a.get("dataSources") is None:
                unread.append(f"the data sources of AppSync API {a.get('name')}")
                continue
            ties = [
                d.get("name")
                for d in a["dataSources"]
                if d.get("type") == "AMAZON_BEDROCK_RUNTIME"
                or (d.get("type") == "AWS_LAMBDA" and w is not None and w.has(d.get("function")))
            ]
            if ties:
                found.append(f"AppSync API {a.get('name')} (data source {names([str(t) for t in ties])})")
    rt = ev.optional("agentcore.runtimes")
    if rt is None:
        unread.append("the AgentCore runtimes")
    else:
        ready = [
            f"{r.get('name')}/{e.get('name')}"
            for r in rt.get("runtimes") or []
            for e in r.get("endpoints") or []
            if e.get("status") == "READY"
        ]
        if ready:
            found.append(f"AgentCore runtime endpoint {names(ready)}")
    if found:
        return met(f"A managed front door fronts the workload: {'; '.join(found)}.")
    if w is not None and w.gaps:
        unread += w.gaps
    if unread:
        return cannot_tell(f"No managed front door was found, but {names(unread)} could not be read.")
    return not_met(
        "No managed front door exists: no API Gateway REST or HTTP API, no load balancer target group, "
        "function URL or AppSync data source leading to an LLM function or Bedrock, and no ready AgentCore "
        "runtime endpoint."
    )


# Timeouts nobody chose: the Lambda default (console, SAM, CDK, Terraform: 3 s), the Serverless Framework's
# default (6 s), and the 900 s maximum (no limit in practice).
DEFAULT_TIMEOUTS = {3: "the Lambda default", 6: "the Serverless Framework default", 900: "the maximum"}


@probe("lambda_timeouts_configured", "lambda.functions", "xray.traces")
def lambda_timeouts_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every LLM Lambda function has a deliberate timeout (not a tool default nor the maximum)."""
    w = workload.functions(ev)
    if not w.functions:
        return workload.no_functions(w, "a timeout")
    default = [
        f"{f['name']} ({f.get('timeout') or 3} s, {DEFAULT_TIMEOUTS.get(f.get('timeout') or 3)})"
        for f in w.functions
        if (f.get("timeout") or 3) in DEFAULT_TIMEOUTS
    ]
    if default:
        return not_met(
            f"{plural(len(default), 'LLM function')} of {len(w.functions)} keep a timeout nobody chose: "
            f"{names(default)}."
        )
    set_ = [f"{f['name']} {f['timeout']}s" for f in w.functions]
    return met(
        f"LLM functions have set timeouts: {names(set_)}.",
        *[f"{workload.function_label(w, f)} is an LLM function." for f in w.functions[:5]],
    )


# Services that invoke a function asynchronously (AWS Lambda Developer Guide, "Invoking Lambda with events from
# other AWS services" and "Asynchronous invocation"): only for them do the event-invoke configuration
# (MaximumRetryAttempts, OnFailure destination) and a DLQ apply. Each needs a resource-based policy statement
# for its service principal; EventBridge Scheduler invokes through its execution role, so its targets are read.
ASYNC_PRINCIPALS = (
    "s3.amazonaws.com",
    "sns.amazonaws.com",
    "events.amazonaws.com",
    "ses.amazonaws.com",
    "logs.amazonaws.com",
    "cloudformation.amazonaws.com",
    "codecommit.amazonaws.com",
    "config.amazonaws.com",
    "iot.amazonaws.com",
    "iotevents.amazonaws.com",
    "codepipeline.amazonaws.com",
)
# Callers that invoke synchronously: the async settings do nothing for their requests.
SYNC_PRINCIPALS = {
    "apigateway.amazonaws.com": "API Gateway",
    "elasticloadbalancing.amazonaws.com": "an Application Load Balancer",
    "bedrock.amazonaws.com": "a Bedrock agent action group",
    "lex.amazonaws.com": "Amazon Lex",
    "appsync.amazonaws.com": "AppSync",
}


def _targets(ev: Evidence, section: str, key: str) -> tuple[set[str], bool]:
    """(unqualified function ARNs an enabled rule or schedule targets, whether the section was read)."""
    data = ev.optional(section)
    if data is None:
        return set(), False
    return {
        workload.function_arn(str(t))
        for r in data.get(key) or []
        if r.get("state") != "DISABLED"
        for t in r.get("targets") or []
        if ":lambda:" in str(t or "")
    }, True


def async_invokers(f: dict[str, Any], rules: set[str], schedules: set[str]) -> list[str] | None:
    """What invokes `f` asynchronously (service principals in its resource policy, EventBridge rules or
    schedules that target it); None when its resource policy was not read."""
    out = []
    arn = workload.function_arn(f.get("arn"))
    if arn in rules:
        out.append("an EventBridge rule")
    if arn in schedules:
        out.append("an EventBridge Scheduler schedule")
    if f.get("policy") is None:
        return out or None
    for st in f["policy"]:
        if st.get("effect", "Allow") != "Allow":
            continue
        for principal in str(st.get("principal") or "").split(", "):
            if principal in ASYNC_PRINCIPALS:
                out.append(principal)
    return sorted(set(out))


def sync_fronts(f: dict[str, Any]) -> list[str]:
    """The synchronous callers seen for `f`: API Gateway, ALB, agent action groups (policy or executor
    fact), function URLs."""
    out = {
        SYNC_PRINCIPALS[pr]
        for st in f.get("policy") or []
        if st.get("effect", "Allow") == "Allow"
        for pr in str(st.get("principal") or "").split(", ")
        if pr in SYNC_PRINCIPALS
    }
    if f.get("actionGroupExecutor"):
        out.add("a Bedrock agent action group")
    if f.get("urls"):
        out.add("a function URL")
    return sorted(out)


@probe(
    "lambda_failure_handling_configured",
    "lambda.functions",
    "xray.traces",
    "events.rules",
    "scheduler.schedules",
    params={
        "require_destination": Param(
            bool, default=False, help="only an on-failure destination or a DLQ counts, not retry limits"
        ),
    },
)
def lambda_failure_handling_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions that something invokes asynchronously handle failures: retries (at least one), an
    on-failure destination, or a DLQ.

    MaximumRetryAttempts 0 turns retries off: it is no retry policy. Retries, destinations and DLQs apply to
    asynchronous invocations only (Lambda developer guide, "Asynchronous invocation"): for a function only API
    Gateway, a load balancer, a function URL or an agent action group invokes (synchronously), they handle no
    failure at all, so they count only where an asynchronous invoker (S3, SNS, EventBridge rule or schedule,
    ...) is seen."""
    w = workload.functions(ev)
    if not w.functions:
        return workload.no_functions(w, "failure handling")
    strict = bool(params.get("require_destination"))
    rules, rules_read = _targets(ev, "events.rules", "rules")
    schedules, schedules_read = _targets(ev, "scheduler.schedules", "schedules")
    handled, bare, unread, synchronous, unseen, unknown_callers = [], [], [], [], [], []
    for f in w.functions:
        if "retries" not in f and not f.get("dlq"):
            unread.append(f["name"])  # its event-invoke configuration was not read
            continue
        retries = f.get("retries")
        how = [
            x
            for x, ok in (
                ("on-failure destination", f.get("onFailure")),
                ("DLQ", f.get("dlq")),
                (f"{retries} retries", not strict and isinstance(retries, int) and retries >= 1),
            )
            if ok
        ]
        if not how:
            bare.append(f["name"] + (" (retries turned off)" if retries == 0 else ""))
            continue
        invokers = async_invokers(f, rules, schedules)
        if invokers:
            handled.append(f"{f['name']} ({', '.join(how)}; invoked asynchronously by {names(invokers)})")
        elif invokers is None:
            unknown_callers.append(f"{f['name']} (its resource policy was not read)")
        elif fronts := sync_fronts(f):
            synchronous.append(f"{f['name']} ({', '.join(how)}; invoked synchronously by {names(fronts)})")
        elif not (rules_read and schedules_read):
            unknown_callers.append(f"{f['name']} (the EventBridge rules or schedules could not be read)")
        else:
            unseen.append(f"{f['name']} ({', '.join(how)})")
    notes = []
    if synchronous:
        notes.append(
            f"{names(synchronous)}: asynchronous-invocation settings do not apply to synchronous calls, so they "
            "handle no failure there."
        )
    if unseen:
        notes.append(
            f"{names(unseen)}: nothing is seen invoking it asynchronously (no S3, SNS or EventBridge "
            "permission, rule or schedule; an SDK caller using InvocationType Event is not visible: attest it), "
            "so these settings prove no failure path."
        )
    need = "an on-failure destination or DLQ" if strict else "retries, an on-failure destination or a DLQ"
    if handled:
        return met(
            f"Failure handling is configured on asynchronously invoked LLM functions: {names(handled)}"
            + (f"; {names(bare)} {'has' if len(bare) == 1 else 'have'} none." if bare else "."),
            *notes,
        )
    if unread or unknown_callers:
        parts = ([f"the failure handling of {names(unread)} was not read"] if unread else []) + (
            [f"what invokes {names(unknown_callers)} is unknown"] if unknown_callers else []
        )
        return cannot_tell(
            f"Whether LLM functions handle failures cannot be told: {'; '.join(parts)}"
            + (f"; {names(bare)} {'has' if len(bare) == 1 else 'have'} none." if bare else "."),
            *notes,
        )
    if synchronous or unseen:
        return not_met(
            f"No asynchronously invoked LLM function has {need}"
            + (f" ({names(bare)} {'has' if len(bare) == 1 else 'have'} none)" if bare else "")
            + ". "
            + " ".join(notes)
        )
    return not_met(f"None of the {plural(len(bare), 'LLM function')} has {need}: {names(bare)}.")


@probe("lambda_tracing_active", "lambda.functions", "xray.traces")
def lambda_tracing_active(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions have active X-Ray tracing."""
    w = workload.functions(ev)
    if not w.functions:
        return workload.no_functions(w, "tracing")
    active = [f["name"] for f in w.functions if f.get("tracing") == "Active"]
    if active:
        rest = [f["name"] for f in w.functions if f.get("tracing") != "Active"]
        return met(
            f"Active X-Ray tracing on LLM function {names(active)}"
            + (f" (not on {names(rest)})." if rest else ".")
        )
    return not_met(
        f"None of the {plural(len(w.functions), 'LLM function')} has active X-Ray tracing "
        f"({names([f['name'] for f in w.functions])})."
    )


def _invokers(f: dict[str, Any]) -> list[dict[str, Any]]:
    """Allow statements that let Bedrock (or anyone) invoke the function."""
    return [
        s
        for s in f.get("policy") or []
        if s.get("effect", "Allow") == "Allow"
        and ("bedrock" in str(s.get("principal")) or str(s.get("principal")).strip() == "*")
    ]


_AGENT_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:agent/[A-Za-z0-9]+$")


def _pins_agent(source_arn: Any) -> bool:
    """True when an AWS:SourceArn condition names agents exactly (no wildcard: agent/* is any agent)."""
    values = source_arn if isinstance(source_arn, list) else [source_arn]
    return bool(values) and all(isinstance(v, str) and _AGENT_ARN.match(v) for v in values)


@probe("lambda_agent_permissions_scoped", "lambda.functions", "agents.agents")
def lambda_agent_permissions_scoped(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Action-group Lambdas let Bedrock invoke them only for a named agent (AWS:SourceArn = the agent ARN)."""
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
    loose, by_account, scoped, none = [], [], [], []
    for f in fns:
        stmts = _invokers(f)
        if not stmts:
            none.append(f["name"])
        elif all(_pins_agent(s.get("sourceArn")) for s in stmts):
            scoped.append(f["name"])
        elif all(_pins_agent(s.get("sourceArn")) or s.get("sourceAccount") for s in stmts):
            by_account.append(f["name"])
        else:
            loose.append(f["name"])
    if loose or by_account:
        parts = ([f"{names(loose)} without an AWS:SourceArn naming its agent"] if loose else []) + (
            [f"{names(by_account)} only from this account (AWS:SourceAccount), so from any of its agents"]
            if by_account
            else []
        )
        return not_met(
            f"Tool Lambda permissions are not scoped to their agent: Bedrock (or any principal) may invoke "
            f"{'; '.join(parts)}.",
            "AWS recommends both AWS:SourceAccount and AWS:SourceArn (the agent ARN) in the resource-based "
            "policy that lets Amazon Bedrock invoke an action group's Lambda function.",
        )
    if not scoped:
        return not_met(
            f"Tool Lambda {names(none)} has no resource policy letting Bedrock invoke it, "
            "so the agent's permission cannot be scoped there."
        )
    return met(
        f"Tool Lambda permissions are scoped: Bedrock may invoke {names(scoped)} only for a source agent "
        "named in AWS:SourceArn.",
        *([f"No Bedrock permission on {names(none)}."] if none else []),
    )


def _llm_machines(ev: Evidence) -> tuple[list[dict[str, Any]], list[str], workload.Workload]:
    """(the LLM state machines, the machines whose definition could not be read, the LLM functions)."""
    try:
        w = workload.functions(ev)
    except MissingEvidence:
        w = workload.Workload(gaps=["the Lambda functions could not be read"])
    machines, unread = workload.machines(ev, w)
    return machines, unread, w


def _no_machines(ev: Evidence, unread: list[str], w: workload.Workload, what: str) -> Verdict:
    total = len(ev.get("stepfunctions.state_machines")["state_machines"])
    gaps = ([f"the definition of {names(unread)} could not be read"] if unread else []) + (
        w.gaps if total else []
    )
    if gaps:
        return cannot_tell(
            f"No state machine is known to be the LLM workload's, so {what} cannot be judged: "
            f"{'; '.join(gaps)}."
        )
    return not_met(
        f"None of the {plural(total, 'state machine')} is the LLM workload's (no task calls Bedrock or an "
        f"LLM function), so {what} is not shown."
    )


@probe(
    "state_machines_retry_catch",
    "stepfunctions.state_machines",
    "lambda.functions",
    "xray.traces",
    params={"require_catch": Param(bool, default=False, help="only Catch fallbacks count, not Retry")},
)
def state_machines_retry_catch(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM state machines' tasks use Retry or Catch (Catch when `require_catch`)."""
    strict = bool(params.get("require_catch"))
    machines, unread, w = _llm_machines(ev)
    what = "Catch fallbacks" if strict else "Retry or Catch"
    if not machines:
        return _no_machines(ev, unread, w, what)
    ok = [
        f"{m['name']} (calls {names(workload.machine_calls(m, w), 3)})"
        for m in machines
        if any(t["catch"] if strict else (t["retry"] or t["catch"]) for t in m["tasks"])
    ]
    if ok:
        return met(f"LLM state machine {names(ok)} uses {what} on its tasks.")
    return not_met(
        f"None of the {plural(len(machines), 'LLM state machine')} ({names([m['name'] for m in machines])}) "
        f"uses {what} on a task."
    )


@probe("state_machines_tracing", "stepfunctions.state_machines", "lambda.functions", "xray.traces")
def state_machines_tracing(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM state machines have X-Ray tracing on."""
    machines, unread, w = _llm_machines(ev)
    if not machines:
        return _no_machines(ev, unread, w, "tracing")
    ok = [m["name"] for m in machines if m["tracing"]]
    if ok:
        return met(f"X-Ray tracing is on for LLM state machine {names(ok)}.")
    return not_met(f"None of the {plural(len(machines), 'LLM state machine')} has X-Ray tracing.")


def _llm_apis(ev: Evidence, *sections: str) -> tuple[list[dict[str, Any]], Verdict | None]:
    """(the LLM APIs in `sections`, or the verdict to give when there is none)."""
    try:
        w = workload.functions(ev)
    except MissingEvidence:
        w = workload.Workload(gaps=["the Lambda functions could not be read"])
    apis, unread = workload.apis(ev, w, *sections)
    if apis:
        return apis, None
    total = sum(len(ev.get(s)["apis"]) for s in sections)
    gaps = ([f"the integrations of {names(unread)} were not read"] if unread else []) + (
        w.gaps if total else []
    )
    if gaps:
        return [], cannot_tell(f"No API is known to be the LLM workload's: {'; '.join(gaps)}.")
    return [], not_met(
        f"None of the {plural(total, 'API Gateway API')} is the LLM workload's (no integration targets an "
        "LLM function or Bedrock)."
    )


@probe("api_tracing_enabled", "apigateway.rest_apis", "lambda.functions", "xray.traces")
def api_tracing_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An LLM API's stage has X-Ray tracing on (REST APIs: HTTP APIs do not support X-Ray)."""
    apis, none = _llm_apis(ev, "apigateway.rest_apis")
    if none:
        return none
    ok = [f"{a['name']}/{s['name']}" for a in apis for s in a["stages"] if s["tracing"]]
    if ok:
        return met(f"X-Ray tracing is on for LLM API stage {names(ok)}.")
    stages = sum(len(a["stages"]) for a in apis)
    return not_met(
        f"None of the {plural(stages, 'stage')} of LLM REST API {names([a['name'] for a in apis])} "
        "has X-Ray tracing."
    )


def _cached(api: dict[str, Any], stage: dict[str, Any], w: workload.Workload) -> list[str]:
    """The LLM methods of `api` whose responses `stage` caches.

    A stage cache serves GET methods by default; other methods only when their method setting (or "*/*")
    enables caching (API Gateway developer guide, "Enable API caching")."""
    if not stage.get("cacheCluster", stage.get("cache")):
        return []
    caching = stage.get("caching") or {}
    out = []
    for key, uri in (api.get("methods") or {}).items():
        if not workload.api_targets({"integrations": [uri]}, w):
            continue
        path, _, verb = key.rpartition(" ")
        setting = caching.get(f"{path.replace('/', '~1')}/{verb}", caching.get("*/*"))
        if setting or (setting is None and verb == "GET"):
            out.append(key)
    return out


@probe("api_caching_enabled", "apigateway.rest_apis", "lambda.functions", "xray.traces")
def api_caching_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An LLM API's stage caches the responses of a method that calls the model."""
    apis, none = _llm_apis(ev, "apigateway.rest_apis")
    if none:
        return none
    w = workload.functions(ev)
    ok = [
        f"{a['name']}/{s['name']} ({names(hits, 3)})"
        for a in apis
        for s in a["stages"]
        if (hits := _cached(a, s, w))
    ]
    if ok:
        return met(f"Response caching covers LLM methods on API stage {names(ok)}.")
    return not_met(
        f"No stage of LLM API {names([a['name'] for a in apis])} caches a method that calls the model "
        "(a stage cache serves GET methods unless a method setting enables caching)."
    )


@probe("xray_traces_present", "xray.traces", "lambda.functions")
def xray_traces_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """X-Ray holds traces of the LLM workload for the period (a Bedrock call or an LLM function's span)."""
    data = ev.get("xray.traces")
    w = workload.functions(ev)
    llm = [
        t
        for t in data["traces"]
        if t.get("bedrockCallers")
        or any(w.has(s) for s in t["spans"])
        or any("bedrock" in s.lower() for s in t["spans"])
    ]
    if llm:
        spans = sorted({s for t in llm for s in t["spans"]})
        return met(
            f"X-Ray holds {plural(len(llm), 'trace')} of the LLM workload in the period"
            + (f", with spans {names(spans)}." if spans else ".")
        )
    if data["count"]:
        return not_met(
            f"X-Ray holds {plural(data['count'], 'trace')}, but none of the {len(data['traces'])} read shows a "
            "Bedrock call or an LLM function."
        )
    return not_met(
        "X-Ray holds no traces for the period"
        + (" (searched back from its end in 6-hour windows)." if data.get("window") else ".")
    )


def _env_names(values: list[str]) -> list[str]:
    return sorted({e for v in values if (e := environment_of(v))})


@probe(
    "api_stages_per_environment",
    "apigateway.rest_apis",
    "apigateway.http_apis",
    "lambda.functions",
    "xray.traces",
)
def api_stages_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An LLM API has stages named per environment (at least two of dev/test/stage/prod)."""
    apis, none = _llm_apis(ev, "apigateway.rest_apis", "apigateway.http_apis")
    if none:
        return none
    for a in apis:
        envs = _env_names([s["name"] for s in a["stages"]])
        if len(envs) >= 2:
            stages = [s["name"] for s in a["stages"] if environment_of(s["name"])]
            return met(f"LLM API {a['name']} has environment stages {', '.join(stages)}.")
    return not_met(
        f"None of the {plural(len(apis), 'LLM API')} has stages for two or more environments "
        f"(stages: {names(sorted({s['name'] for a in apis for s in a['stages']})) or 'none'})."
    )


@probe("lambda_aliases_per_environment", "lambda.functions", "xray.traces")
def lambda_aliases_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM Lambda functions have aliases per environment."""
    w = workload.functions(ev)
    if not w.functions:
        return workload.no_functions(w, "environment aliases")
    for f in w.functions:
        if len(_env_names(f.get("aliases") or [])) >= 2:
            aliases = [a for a in f["aliases"] if environment_of(a)]
            return met(f"LLM function {f['name']} has environment aliases {', '.join(aliases)}.")
    return not_met(
        f"None of the {plural(len(w.functions), 'LLM function')} has aliases for two or more environments."
    )
