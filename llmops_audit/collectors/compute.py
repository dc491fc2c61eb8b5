"""Compute evidence: Lambda functions, Step Functions, API Gateway (REST and HTTP), X-Ray traces.

Section shapes (other domains read lambda.functions: keep these keys):
lambda.functions: {"functions": [{"name", "arn", "timeout", "memorySize", "tracing": "Active"|"PassThrough",
        "dlq", "role", "llm": bool, "actionGroupExecutor": bool, "logGroup",
        "roleGuardrails": [guardrail ARN[:version] or id required on every InvokeModel by the role's policies
        (bedrock:GuardrailIdentifier)] | None (role not read),
        "tags": {k: v}, "workloadTags": ["k=v" shared with a Bedrock/AgentCore resource], "workloadTagged": bool
        (absent when tag:GetResources failed: "tagsRead" False),
        # detail, for the LLM functions (for all when none looks LLM-related), at most 50:
        "retries": int | None, "onFailure": arn | None, "aliases": [name, ...],
        "policy": [{"sid", "effect", "principal": str, "sourceArn", "sourceAccount"}],
        "urls": [{"authType": "AWS_IAM"|"NONE", "alias": name|None}] | None (a read failed)}],
    "total": number of functions listed, "detailed": number of functions whose detail was read}
stepfunctions.state_machines: {"state_machines": [{"name", "arn", "tasks": [{"name", "retry", "catch"}],
    "tracing"}]}
stepfunctions.executions: {"executions": int read, "tasks_failed": states that failed at least once,
    "tasks_recovered": of those, states that later succeeded in the same execution}
apigateway.rest_apis / apigateway.http_apis: {"apis": [{"name", "id", "stages": [{"name", "tracing", "cache",
    "metrics"}]}]}
xray.traces: {"count": trace summaries found, "window": {"start", "end"}, "traces": [{"id", "duration_ms",
    "spans": {segment or subsegment name: total ms}}]}  (names and durations only: no annotations or metadata)
"""

from __future__ import annotations

import fnmatch
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from llmops_audit.aws.access import AwsCallError
from llmops_audit.collectors.caps import limit, note
from llmops_audit.evidence.shapes import tool_lambda_arns
from llmops_audit.probes.workload import function_reasons

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_FUNCTIONS = 200
MAX_ROLES = 50  # execution roles whose policy documents are read (the rest: roleActions None, said so)
MAX_ROLE_POLICIES = 20
XRAY_WINDOW = timedelta(
    hours=6
)  # GetTraceSummaries refuses long time ranges: search the period in 6-hour windows
XRAY_MAX_WINDOWS = 12
XRAY_BATCH = 5


def function_arn(arn: str) -> str:
    """The unqualified function ARN (an alias or version suffix removed)."""
    parts = (arn or "").split(":")
    return ":".join(parts[:7]) if len(parts) > 7 and parts[5] == "function" else arn


def _principal(value: Any) -> str:
    if isinstance(value, dict):
        inner = value.get("Service") or value.get("AWS") or value.get("Federated") or ""
        return ", ".join(inner) if isinstance(inner, list) else str(inner)
    return str(value or "")


_RESTRICTING = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}


def _policy(ctx: CollectContext, name: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(ctx.aws.call("lambda", "get_policy", FunctionName=name).get("Policy") or "{}")
    except AwsCallError as exc:
        if exc.code == "ResourceNotFoundException":  # no resource policy at all
            return []
        raise
    statements = doc.get("Statement", [])
    out = []
    for st in statements if isinstance(statements, list) else [statements]:
        cond = st.get("Condition") or {}
        # Condition keys are case-insensitive in IAM. Only a positive operator restricts the source
        # (StringNotEquals, ...IfExists or a ForAnyValue set operator does not); the value is kept as written
        # (a list, or an ArnLike pattern such as agent/*), for the probe to judge.
        flat = {
            k.lower(): v
            for op, c in (cond.items() if isinstance(cond, dict) else [])
            if isinstance(c, dict) and str(op).lower() in _RESTRICTING
            for k, v in c.items()
        }
        out.append(
            {
                "effect": st.get("Effect", "Allow"),
                "principal": _principal(st.get("Principal")),
                "sourceArn": flat.get("aws:sourcearn"),
                "sourceAccount": flat.get("aws:sourceaccount"),
            }
        )
    return out


def _documents(ctx: CollectContext, role: str) -> list[Any]:
    """The policy documents of role `role`: inline ones, then attached managed ones (default versions)."""
    docs: list[Any] = []
    inline = ctx.aws.items("iam", "list_role_policies", "PolicyNames", RoleName=role, max_pages=2)
    for pname in inline[:MAX_ROLE_POLICIES]:
        docs.append(
            ctx.aws.call("iam", "get_role_policy", RoleName=role, PolicyName=pname).get("PolicyDocument")
        )
    attached = ctx.aws.items(
        "iam", "list_attached_role_policies", "AttachedPolicies", RoleName=role, max_pages=2
    )
    for pol in attached[:MAX_ROLE_POLICIES]:
        arn = pol["PolicyArn"]
        version = ctx.aws.call("iam", "get_policy", PolicyArn=arn).get("Policy", {}).get("DefaultVersionId")
        if version:
            docs.append(
                ctx.aws.call("iam", "get_policy_version", PolicyArn=arn, VersionId=version)
                .get("PolicyVersion", {})
                .get("Document")
            )
    return docs


def bedrock_actions(doc: Any) -> list[str]:
    """The action patterns with a bedrock prefix (bedrock:, bedrock-agentcore:, ...) that `doc` allows."""
    if isinstance(doc, str):
        try:
            doc = json.loads(unquote(doc))
        except ValueError:
            return []
    statements = (doc or {}).get("Statement", []) if isinstance(doc, dict) else []
    out = set()
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        for a in actions if isinstance(actions, list) else [actions]:
            if str(a).lower().startswith("bedrock"):
                out.add(str(a))
    return sorted(out)


# The model-invocation actions a bedrock:GuardrailIdentifier condition applies to (Bedrock user guide,
# "Enforce the use of a specific guardrail with IAM policy-based enforcement"; Converse is authorised as
# bedrock:InvokeModel).
_GUARDED = ("bedrock:invokemodel", "bedrock:invokemodelwithresponsestream")
_POSITIVE = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
_NEGATIVE = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}


def _statements(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, str):
        try:
            doc = json.loads(unquote(doc))
        except ValueError:
            return []
    sts = (doc or {}).get("Statement", []) if isinstance(doc, dict) else []
    return [st for st in (sts if isinstance(sts, list) else [sts]) if isinstance(st, dict)]


def _invokes(st: dict[str, Any]) -> bool:
    actions = st.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    return any(
        str(a).strip() != "*" and any(fnmatch.fnmatchcase(g, str(a).lower()) for g in _GUARDED)
        for a in actions
    )


def _guardrail_values(st: dict[str, Any], operators: set[str]) -> list[str] | None:
    """The bedrock:GuardrailIdentifier values a statement's condition names under `operators`; None: none."""
    cond = st.get("Condition") or {}
    for op, c in cond.items() if isinstance(cond, dict) else []:
        if str(op).lower() not in operators or not isinstance(c, dict):
            continue
        for k, v in c.items():
            if str(k).lower() == "bedrock:guardrailidentifier":
                return sorted({str(x) for x in (v if isinstance(v, list) else [v])})
    return None


def guardrails_required(docs: list[Any]) -> list[str]:
    """The guardrails (ARN[:version] or id, as written) that every model invocation the policies allow must
    carry: a Deny of InvokeModel* unless bedrock:GuardrailIdentifier equals them, or every Allow of
    InvokeModel* conditioned on bedrock:GuardrailIdentifier. Empty: invocations without a guardrail are
    allowed (or no invocation is). A Null condition (any guardrail at all) names none and is not counted."""
    sts = [st for d in docs for st in _statements(d) if _invokes(st)]
    for st in sts:
        if st.get("Effect") == "Deny" and "NotAction" not in st:
            values = _guardrail_values(st, _NEGATIVE)
            if values:
                return values
    allows = [st for st in sts if st.get("Effect") == "Allow"]
    conditioned = [_guardrail_values(st, _POSITIVE) for st in allows]
    if allows and all(conditioned):
        return sorted({v for vs in conditioned for v in vs or []})
    return []


def _role_actions(
    ctx: CollectContext,
    role_arn: str | None,
    cache: dict[str, tuple[list[str] | None, str | None]],
    guards: dict[str, list[str]] | None = None,
) -> tuple[list[str] | None, str | None]:
    """(bedrock action patterns the execution role allows, why they are unknown). None: not read.
    `guards` receives the guardrails the role's policies require on every model invocation."""
    name = (role_arn or "").split("/")[-1]
    if not name:
        return None, "the function has no execution role"
    if name not in cache:
        if len(cache) >= MAX_ROLES:
            return None, f"only the first {MAX_ROLES} execution roles are read"
        try:
            docs = _documents(ctx, name)
            cache[name] = (sorted({a for d in docs for a in bedrock_actions(d)}), None)
            if guards is not None:
                guards[name] = guardrails_required(docs)
        except AwsCallError as exc:
            cache[name] = (None, f"{exc.action} {exc.kind}")
    return cache[name]


# Tag keys that never tie a resource to the workload: environments (dev/prod tag half the account) and AWS's own.
_UNTYING_KEYS = {"env", "environment", "stage", "name"}
TAG_TYPES = ["lambda:function", "bedrock", "bedrock-agentcore"]


def _tags(ctx: CollectContext) -> tuple[dict[str, dict[str, str]] | None, str | None]:
    """(ARN -> tags of the account's Lambda functions and Bedrock / AgentCore resources, why unread). One
    tag:GetResources listing (it supports every resource type); None when it failed."""
    out: dict[str, dict[str, str]] = {}
    try:
        for page in ctx.aws.paginate(
            "resourcegroupstaggingapi",
            "get_resources",
            ResourceTypeFilters=TAG_TYPES,
            token_in="PaginationToken",
            token_out="PaginationToken",
            max_pages=20,
        ):
            for r in page.get("ResourceTagMappingList", []):
                out[str(r.get("ResourceARN"))] = {
                    str(t.get("Key")): str(t.get("Value") or "") for t in r.get("Tags") or []
                }
    except AwsCallError as exc:
        return None, f"{exc.action} {exc.kind}"
    return out, None


def workload_tag_pairs(tags: dict[str, dict[str, str]]) -> set[str]:
    """ "key=value" pairs on a Bedrock or AgentCore resource (an agent, knowledge base, guardrail, prompt,
    flow, application inference profile, agent runtime...), environment, Name and aws: keys excepted."""
    out = set()
    for arn, pairs in tags.items():
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if not service.startswith("bedrock"):
            continue
        for k, v in pairs.items():
            if v and not k.lower().startswith("aws:") and k.lower() not in _UNTYING_KEYS:
                out.add(f"{k}={v}")
    return out


MAX_URL_ALIASES = 5


def _urls(ctx: CollectContext, name: str, aliases: list[str]) -> list[dict[str, Any]] | None:
    """The function URLs of `name` and of its first aliases (an HTTPS endpoint straight into the function);
    None when one could not be read."""
    out = []
    for qualifier in [None, *aliases[:MAX_URL_ALIASES]]:
        kw = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
        try:
            u = ctx.aws.call("lambda", "get_function_url_config", **kw)
        except AwsCallError as exc:
            if exc.code == "ResourceNotFoundException" or exc.kind == "not_found":
                continue  # no URL on this function or alias
            return None
        out.append({"authType": u.get("AuthType"), "alias": qualifier})
    return out


def functions(ctx: CollectContext) -> dict[str, Any]:
    executors: set[str] = set()
    agents_read = True
    try:
        executors = {function_arn(a) for a in tool_lambda_arns(ctx.section("agents.agents")["agents"])}
    except Exception:  # noqa: BLE001 - SectionFailed: recorded (agentsRead), probes say what it leaves unknown
        agents_read = False
    listed = ctx.aws.items("lambda", "list_functions", "Functions", max_pages=20)
    out = []
    roles: dict[str, tuple[list[str] | None, str | None]] = {}
    guards: dict[str, list[str]] = {}
    role_errors: list[str] = []
    tags, tag_error = _tags(ctx)
    pairs = workload_tag_pairs(tags) if tags is not None else set()
    for f in listed[:MAX_FUNCTIONS]:
        name = f["FunctionName"]
        env_names = sorted(((f.get("Environment") or {}).get("Variables") or {}).keys())
        executor = function_arn(f["FunctionArn"]) in executors
        actions, role_error = _role_actions(ctx, f.get("Role"), roles, guards)
        if role_error and role_error not in role_errors:
            role_errors.append(role_error)
        out.append(
            {
                "name": name,
                "arn": f["FunctionArn"],
                "runtime": f.get("Runtime"),
                "timeout": f.get("Timeout"),
                "memorySize": f.get("MemorySize"),
                "tracing": (f.get("TracingConfig") or {}).get("Mode", "PassThrough"),
                "dlq": (f.get("DeadLetterConfig") or {}).get("TargetArn"),
                "role": f.get("Role"),
                "envNames": env_names,  # names only: values may hold secrets
                "roleActions": actions,
                # guardrails the role's policies require on every InvokeModel (bedrock:GuardrailIdentifier)
                "roleGuardrails": guards.get((f.get("Role") or "").split("/")[-1])
                if actions is not None
                else None,
                "actionGroupExecutor": executor,
                "logGroup": (f.get("LoggingConfig") or {}).get("LogGroup"),
            }
        )
        if tags is not None:
            own = tags.get(function_arn(f["FunctionArn"])) or {}
            shared = sorted(f"{k}={v}" for k, v in own.items() if f"{k}={v}" in pairs)
            out[-1]["tags"] = own
            out[-1]["workloadTags"] = shared  # tag pairs it shares with a Bedrock / AgentCore resource
            out[-1]["workloadTagged"] = bool(shared)
        out[-1]["llm"] = bool(function_reasons(out[-1]))
    # Detail only for the LLM functions (probes/workload.py decides which); the others are not the workload's.
    targets = [f for f in out if f["llm"]]
    detail = limit(ctx, "lambdas")

    def detail_of(item: dict[str, Any]) -> None:
        name = item["name"]
        cfgs = ctx.aws.items(
            "lambda",
            "list_function_event_invoke_configs",
            "FunctionEventInvokeConfigs",
            FunctionName=name,
            max_pages=2,
        )
        item["retries"] = next(
            (c["MaximumRetryAttempts"] for c in cfgs if c.get("MaximumRetryAttempts") is not None), None
        )
        item["onFailure"] = next(
            (
                ((c.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
                for c in cfgs
                if ((c.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            ),
            None,
        )
        item["policy"] = _policy(ctx, name)
        item["aliases"] = [
            a["Name"]
            for a in ctx.aws.items("lambda", "list_aliases", "Aliases", FunctionName=name, max_pages=2)
        ]
        item["urls"] = _urls(ctx, name, item["aliases"])

    ctx.each(detail_of, targets[:detail])  # each function's reads are independent of the others'
    return {
        "functions": out,
        "total": len(listed),
        "detailed": min(len(targets), detail),
        "caps": [note("lambdas", detail, len(targets), detail)] if len(targets) > detail else [],
        "agentsRead": agents_read,
        "rolesRead": sum(1 for v in roles.values() if v[0] is not None),
        "roleErrors": role_errors,
        # tag:GetResources: None when it could not be read (then which functions carry a Bedrock resource's
        # tags is unknown); the number of tag pairs found on Bedrock / AgentCore resources
        "tagsError": tag_error,
        "tagsRead": tags is not None,
        "workloadTagPairs": len(pairs),
    }


def _tasks(states: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Task state, descending into Parallel branches and Map iterators."""
    out = []
    for name, st in (states or {}).items():
        if not isinstance(st, dict):
            continue
        if st.get("Type") == "Task":
            fn = st.get("Parameters") or st.get("Arguments")  # JSONPath or JSONata task inputs
            fn = fn if isinstance(fn, dict) else {}
            out.append(
                {
                    "name": name,
                    "retry": bool(st.get("Retry")),
                    "catch": bool(st.get("Catch")),
                    "resource": st.get("Resource") if isinstance(st.get("Resource"), str) else None,
                    # the function a lambda:invoke task calls (a literal FunctionName only, not a path)
                    "function": fn.get("FunctionName") if isinstance(fn.get("FunctionName"), str) else None,
                }
            )
        for branch in st.get("Branches", []) or []:
            out += _tasks((branch or {}).get("States", {}))
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(st.get(key), dict):
                out += _tasks(st[key].get("States", {}))
    return out


def state_machines(ctx: CollectContext) -> dict[str, Any]:
    out = []
    listed = ctx.aws.items("stepfunctions", "list_state_machines", "stateMachines", max_pages=10)
    for m in listed[:50]:
        d = ctx.aws.call("stepfunctions", "describe_state_machine", stateMachineArn=m["stateMachineArn"])
        try:
            definition = json.loads(d.get("definition") or "")
        except ValueError:
            definition = None
        readable = isinstance(definition, dict)
        out.append(
            {
                "name": m["name"],
                "arn": m["stateMachineArn"],
                "tasks": _tasks(definition.get("States", {})) if isinstance(definition, dict) else [],
                "tracing": bool((d.get("tracingConfiguration") or {}).get("enabled")),
                "definitionRead": readable,  # False: the definition was missing or not JSON
            }
        )
    return {"state_machines": out}


def _failure(kind: str) -> bool:
    return (kind.startswith("Task") and kind.endswith(("Failed", "TimedOut"))) or kind in (
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "LambdaFunctionStartFailed",
        "LambdaFunctionScheduleFailed",
    )


def _success(kind: str) -> bool:
    return kind in ("TaskSucceeded", "LambdaFunctionSucceeded")


def retried_states(events: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(states whose task failed at least once, those of them whose task later succeeded), in event order."""
    state = None
    failed: set[str] = set()
    recovered: set[str] = set()
    for ev in sorted(events, key=lambda e: e.get("id", 0)):
        kind = ev.get("type", "")
        if kind.endswith("StateEntered"):
            state = (ev.get("stateEnteredEventDetails") or {}).get("name", state)
        elif _failure(kind):
            failed.add(state or "?")
        elif _success(kind) and (state or "?") in failed:
            recovered.add(state or "?")
    return failed, recovered


def executions(ctx: CollectContext) -> dict[str, Any]:
    """Task retries in executions started in the period (at most 20 read)."""
    failed = recovered = seen = 0
    for m in ctx.section("stepfunctions.state_machines")["state_machines"][:10]:
        if seen >= 20:
            break
        page = ctx.aws.call("stepfunctions", "list_executions", stateMachineArn=m["arn"], maxResults=20)
        for e in page.get("executions", []):
            start = e.get("startDate")
            if seen >= 20 or (start is not None and not ctx.scope.start <= start <= ctx.scope.end):
                continue
            seen += 1
            events = ctx.aws.call(
                "stepfunctions", "get_execution_history", executionArn=e["executionArn"], maxResults=500
            ).get("events", [])
            f, r = retried_states(events)
            failed += len(f)
            recovered += len(r)
    return {"executions": seen, "tasks_failed": failed, "tasks_recovered": recovered}


def rest_apis(ctx: CollectContext) -> dict[str, Any]:
    out = []
    listed = ctx.aws.items(
        "apigateway", "get_rest_apis", "items", token_in="position", token_out="position", max_pages=5
    )
    for api in listed[:50]:
        stages = ctx.aws.call("apigateway", "get_stages", restApiId=api["id"]).get("item", [])
        resources = ctx.aws.items(
            "apigateway",
            "get_resources",
            "items",
            restApiId=api["id"],
            embed=["methods"],
            token_in="position",
            token_out="position",
            max_pages=5,
        )
        methods = [
            (f"{r.get('path')} {verb}", ((m or {}).get("methodIntegration") or {}).get("uri"))
            for r in resources
            for verb, m in (r.get("resourceMethods") or {}).items()
        ]
        out.append(
            {
                "name": api.get("name"),
                "id": api["id"],
                # integration targets (Lambda invoke URIs, AWS service URIs such as bedrock-runtime)
                "integrations": sorted({u for _, u in methods if u}),
                "methods": {k: u for k, u in methods if u},
                "stages": [
                    {
                        "name": s.get("stageName"),
                        "tracing": bool(s.get("tracingEnabled")),
                        "cache": bool(s.get("cacheClusterEnabled"))
                        or any(
                            (v or {}).get("cachingEnabled") for v in (s.get("methodSettings") or {}).values()
                        ),
                        "cacheCluster": bool(s.get("cacheClusterEnabled")),
                        # method settings keys ("*/*", "~1chat/POST") -> cachingEnabled, as set on the stage
                        "caching": {
                            k: bool((v or {}).get("cachingEnabled"))
                            for k, v in (s.get("methodSettings") or {}).items()
                            if "cachingEnabled" in (v or {})
                        },
                        "metrics": any(
                            (v or {}).get("metricsEnabled") for v in (s.get("methodSettings") or {}).values()
                        ),
                    }
                    for s in stages
                ],
            }
        )
    return {"apis": out}


def http_apis(ctx: CollectContext) -> dict[str, Any]:
    out = []
    listed = ctx.aws.items("apigatewayv2", "get_apis", "Items", max_pages=5)
    for api in listed[:50]:
        stages = ctx.aws.call("apigatewayv2", "get_stages", ApiId=api["ApiId"]).get("Items", [])
        integrations = ctx.aws.items(
            "apigatewayv2", "get_integrations", "Items", ApiId=api["ApiId"], max_pages=5
        )
        # HTTP and WebSocket APIs support neither X-Ray tracing nor stage caching.
        out.append(
            {
                "name": api.get("Name"),
                "id": api["ApiId"],
                "protocol": api.get("ProtocolType"),
                "integrations": sorted(
                    {i["IntegrationUri"] for i in integrations if i.get("IntegrationUri")}
                ),
                "stages": [
                    {
                        "name": s.get("StageName"),
                        "tracing": False,
                        "cache": False,
                        "metrics": bool((s.get("DefaultRouteSettings") or {}).get("DetailedMetricsEnabled")),
                    }
                    for s in stages
                ],
            }
        )
    return {"apis": out}


def _spans(seg: dict[str, Any], spans: dict[str, float]) -> None:
    """Add the duration of `seg` and of every nested subsegment to `spans`, by name."""
    if seg.get("end_time") and seg.get("start_time"):
        name = seg.get("name") or "?"
        spans[name] = spans.get(name, 0.0) + 1000 * (seg["end_time"] - seg["start_time"])
    for sub in seg.get("subsegments") or []:
        if isinstance(sub, dict):
            _spans(sub, spans)


def _bedrock_callers(seg: dict[str, Any], caller: str | None, out: set[str]) -> None:
    """Names of Lambda function segments under which a subsegment calls Bedrock (an AWS SDK call to a
    bedrock service, by the subsegment's name or its aws.operation on a Bedrock service)."""
    origin = str(seg.get("origin") or "")
    if origin.startswith("AWS::Lambda"):
        caller = seg.get("name") or caller
    for sub in seg.get("subsegments") or []:
        if not isinstance(sub, dict):
            continue
        service = f"{sub.get('name') or ''} {(sub.get('aws') or {}).get('service') or ''}"
        if caller and sub.get("namespace") == "aws" and "bedrock" in service.lower():
            out.add(caller)
        _bedrock_callers(sub, caller, out)


def traces(ctx: CollectContext) -> dict[str, Any]:
    """The most recent 6-hour window of the period that holds traces (searching back at most 3 days)."""
    summaries: list[dict[str, Any]] = []
    end = ctx.scope.end
    window = None
    for _ in range(XRAY_MAX_WINDOWS):
        start = max(ctx.scope.start, end - XRAY_WINDOW)
        if start >= end:
            break
        summaries = ctx.aws.items(
            "xray", "get_trace_summaries", "TraceSummaries", StartTime=start, EndTime=end, max_pages=3
        )
        window = {"start": start, "end": end}
        if summaries:
            break
        end = start
    ids = [t["Id"] for t in summaries[:20]]
    detail = []
    for i in range(0, len(ids), XRAY_BATCH):
        for t in ctx.aws.call("xray", "batch_get_traces", TraceIds=ids[i : i + XRAY_BATCH]).get("Traces", []):
            spans: dict[str, float] = {}
            callers: set[str] = set()
            root_ms = 0.0
            for seg in t.get("Segments", []):
                try:
                    doc = json.loads(seg.get("Document") or "{}")
                except ValueError:
                    continue
                if doc.get("end_time") and doc.get("start_time") and not doc.get("parent_id"):
                    root_ms = max(root_ms, 1000 * (doc["end_time"] - doc["start_time"]))
                _spans(doc, spans)
                _bedrock_callers(doc, None, callers)
            # The segments' own times are exact; the trace's Duration field (seconds) is the fallback.
            detail.append(
                {
                    "id": t.get("Id"),
                    "duration_ms": root_ms or 1000 * float(t.get("Duration") or 0),
                    "spans": spans,
                    "bedrockCallers": sorted(callers),  # Lambda functions seen calling Bedrock
                }
            )
    return {"count": len(summaries), "window": window, "traces": detail}


SECTIONS = {
    "lambda.functions": functions,
    "stepfunctions.state_machines": state_machines,
    "stepfunctions.executions": executions,
    "apigateway.rest_apis": rest_apis,
    "apigateway.http_apis": http_apis,
    "xray.traces": traces,
}
