"""Compute evidence: Lambda functions, Step Functions, API Gateway (REST and HTTP), X-Ray traces.

lambda.functions: {"functions": [{"name", "arn", "timeout", "memorySize", "tracing", "dlq", "role", "llm",
    "retries", "onFailure", "policy": [{"principal", "sourceArn", "sourceAccount"}], "aliases": [...]}]}
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.shapes import tool_lambda_arns

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

LLM_HINT = re.compile(r"bedrock|llm|agent|rag|genai|gpt|claude|chat|prompt|assistant|bot|ai[-_]", re.I)
MAX_FUNCTIONS = 200


def _policy(ctx: CollectContext, name: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(ctx.aws.call("lambda", "get_policy", FunctionName=name).get("Policy", "{}"))
    except AwsCallError as exc:
        if exc.code == "ResourceNotFoundException":
            return []
        raise
    out = []
    for st in doc.get("Statement", []):
        cond = st.get("Condition") or {}
        flat = {k: v for c in cond.values() if isinstance(c, dict) for k, v in c.items()}
        principal = st.get("Principal")
        out.append({"principal": principal.get("Service") if isinstance(principal, dict) else principal,
                    "sourceArn": flat.get("AWS:SourceArn") or flat.get("aws:SourceArn"),
                    "sourceAccount": flat.get("AWS:SourceAccount") or flat.get("aws:SourceAccount")})
    return out


def functions(ctx: CollectContext) -> dict[str, Any]:
    executors: set[str] = set()
    try:
        executors = tool_lambda_arns(ctx.section("agents.agents")["agents"])
    except Exception:  # noqa: BLE001 - SectionFailed: agents are only one way to spot LLM functions
        pass
    listed = [f for page in ctx.aws.paginate("lambda", "list_functions", max_pages=20) for f in page.get("Functions", [])]
    invoke_cfg = {}
    out = []
    for f in listed[:MAX_FUNCTIONS]:
        name = f["FunctionName"]
        env = " ".join(f"{k}={v}" for k, v in ((f.get("Environment") or {}).get("Variables") or {}).items())
        llm = bool(LLM_HINT.search(name) or LLM_HINT.search(env) or f["FunctionArn"] in executors)
        item: dict[str, Any] = {
            "name": name, "arn": f["FunctionArn"], "timeout": f.get("Timeout"), "memorySize": f.get("MemorySize"),
            "tracing": (f.get("TracingConfig") or {}).get("Mode", "PassThrough"),
            "dlq": (f.get("DeadLetterConfig") or {}).get("TargetArn"), "role": f.get("Role"), "llm": llm,
            "actionGroupExecutor": f["FunctionArn"] in executors,
            "logGroup": (f.get("LoggingConfig") or {}).get("LogGroup"),
        }
        if llm:
            cfgs = [c for page in ctx.aws.paginate("lambda", "list_function_event_invoke_configs", FunctionName=name,
                                                   max_pages=2) for c in page.get("FunctionEventInvokeConfigs", [])]
            invoke_cfg[name] = cfgs
            item["retries"] = next((c.get("MaximumRetryAttempts") for c in cfgs if "MaximumRetryAttempts" in c), None)
            item["onFailure"] = next(((c.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
                                      for c in cfgs if (c.get("DestinationConfig") or {}).get("OnFailure")), None)
            item["policy"] = _policy(ctx, name)
            item["aliases"] = [a["Name"] for page in ctx.aws.paginate("lambda", "list_aliases", FunctionName=name,
                                                                        max_pages=2) for a in page.get("Aliases", [])]
        out.append(item)
    return {"functions": out, "total": len(listed)}


def _tasks(states: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Task state, descending into Parallel branches and Map iterators."""
    out = []
    for name, st in (states or {}).items():
        if st.get("Type") == "Task":
            out.append({"name": name, "retry": bool(st.get("Retry")), "catch": bool(st.get("Catch"))})
        for branch in st.get("Branches", []) or []:
            out += _tasks(branch.get("States", {}))
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(st.get(key), dict):
                out += _tasks(st[key].get("States", {}))
    return out


def state_machines(ctx: CollectContext) -> dict[str, Any]:
    out = []
    listed = [m for page in ctx.aws.paginate("stepfunctions", "list_state_machines", max_pages=10)
              for m in page.get("stateMachines", [])]
    for m in listed[:50]:
        d = ctx.aws.call("stepfunctions", "describe_state_machine", stateMachineArn=m["stateMachineArn"])
        try:
            definition = json.loads(d.get("definition") or "{}")
        except ValueError:
            definition = {}
        out.append({"name": m["name"], "arn": m["stateMachineArn"], "tasks": _tasks(definition.get("States", {})),
                    "tracing": bool((d.get("tracingConfiguration") or {}).get("enabled"))})
    return {"state_machines": out}


def executions(ctx: CollectContext) -> dict[str, Any]:
    """Task retries in recent executions: tasks that failed once and then succeeded in the same state."""
    failed_then_ok = failed = 0
    seen = 0
    for m in ctx.section("stepfunctions.state_machines")["state_machines"][:10]:
        for page in ctx.aws.paginate("stepfunctions", "list_executions", stateMachineArn=m["arn"], max_pages=1,
                                     maxResults=20):
            for e in page.get("executions", []):
                if seen >= 20:
                    break
                seen += 1
                events = ctx.aws.call("stepfunctions", "get_execution_history", executionArn=e["executionArn"],
                                      maxResults=500).get("events", [])
                state, fails, oks = None, Counter(), set()
                for ev in events:
                    kind = ev.get("type", "")
                    if kind.endswith("StateEntered"):
                        state = (ev.get("stateEnteredEventDetails") or {}).get("name", state)
                    elif kind.startswith("Task") and kind.endswith(("Failed", "TimedOut")) or kind in (
                            "LambdaFunctionFailed", "LambdaFunctionTimedOut"):
                        fails[state] += 1
                    elif kind.startswith("Task") and kind.endswith("Succeeded") or kind == "LambdaFunctionSucceeded":
                        oks.add(state)
                failed += len(fails)
                failed_then_ok += sum(1 for s in fails if s in oks)
    return {"executions": seen, "tasks_failed": failed, "tasks_recovered": failed_then_ok}


def rest_apis(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for page in ctx.aws.paginate("apigateway", "get_rest_apis", token_in="position", token_out="position", max_pages=5):
        for api in page.get("items", []):
            stages = ctx.aws.call("apigateway", "get_stages", restApiId=api["id"]).get("item", [])
            out.append({"name": api.get("name"), "id": api["id"], "stages": [
                {"name": s.get("stageName"), "tracing": bool(s.get("tracingEnabled")),
                 "cache": bool(s.get("cacheClusterEnabled")),
                 "metrics": any((v or {}).get("metricsEnabled") for v in (s.get("methodSettings") or {}).values())}
                for s in stages]})
    return {"apis": out}


def http_apis(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for page in ctx.aws.paginate("apigatewayv2", "get_apis", max_pages=5):
        for api in page.get("Items", []):
            stages = ctx.aws.call("apigatewayv2", "get_stages", ApiId=api["ApiId"]).get("Items", [])
            out.append({"name": api.get("Name"), "id": api["ApiId"], "protocol": api.get("ProtocolType"),
                        "stages": [{"name": s.get("StageName"), "tracing": False, "cache": False,
                                    "metrics": bool((s.get("DefaultRouteSettings") or {}).get("DetailedMetricsEnabled"))}
                                   for s in stages]})
    return {"apis": out}


def traces(ctx: CollectContext) -> dict[str, Any]:
    summaries = [t for page in ctx.aws.paginate("xray", "get_trace_summaries", StartTime=ctx.scope.start,
                                                 EndTime=ctx.scope.end, max_pages=5)
                 for t in page.get("TraceSummaries", [])]
    ids = [t["Id"] for t in summaries[:20]]
    detail = []
    if ids:
        for t in ctx.aws.call("xray", "batch_get_traces", TraceIds=ids).get("Traces", []):
            spans: dict[str, float] = {}
            root_ms = 0.0
            for seg in t.get("Segments", []):
                try:
                    doc = json.loads(seg.get("Document", "{}"))
                except ValueError:
                    continue
                if doc.get("end_time") and doc.get("start_time") and not doc.get("parent_id"):
                    root_ms = max(root_ms, 1000 * (doc["end_time"] - doc["start_time"]))
                for s in [doc, *doc.get("subsegments", [])]:
                    if s.get("end_time") and s.get("start_time"):
                        spans[s.get("name", "?")] = spans.get(s.get("name", "?"), 0.0) + \
                            1000 * (s["end_time"] - s["start_time"])
            # The segments' own times are exact; the trace's Duration field is a rounded fallback.
            detail.append({"id": t.get("Id"), "duration_ms": root_ms or 1000 * float(t.get("Duration") or 0),
                           "spans": spans})
    return {"count": len(summaries), "traces": detail}


SECTIONS = {
    "lambda.functions": functions,
    "stepfunctions.state_machines": state_machines,
    "stepfunctions.executions": executions,
    "apigateway.rest_apis": rest_apis,
    "apigateway.http_apis": http_apis,
    "xray.traces": traces,
}
