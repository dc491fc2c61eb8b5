"""Which resources are the LLM workload's: the one place that decides it, from facts the collectors store.

A resource belongs to the LLM workload only when a fact ties it to model use; its name never does (a rule
named kb-retrieval-refresh, a metric named FeedbackQueueDepth or LowConfidenceGeocodes, a log field named
latency prove nothing).

- A Lambda function is the workload's when its execution role allows a Bedrock invocation
  (bedrock:Invoke*, bedrock:Converse*, bedrock:Retrieve*, bedrock:*, any bedrock-agentcore: action), its
  environment variable *names* reference Bedrock model, agent, knowledge-base, guardrail, prompt or flow ids
  (BEDROCK_*, MODEL_ID, AGENT_ID, KNOWLEDGE_BASE_ID, ...; values are never read), it runs an agent's action
  group, X-Ray traces show it calling Bedrock, or it carries the workload tag: a tag pair (key=value, other
  than environment, Name and aws: keys) that is also on a Bedrock or AgentCore resource of the account
  (tag:GetResources). A tag key or value alone, matched by name, never ties it.
- An API is the workload's when one of its integrations targets an LLM function or Bedrock itself.
- A state machine is the workload's when a task calls Bedrock (optimised or AWS SDK integration) or invokes
  an LLM function.
- A log group is the workload's when it is an LLM function's group or the invocation-logging group.
- An alarm is the workload's when it watches an AWS/Bedrock* metric, a metric of an LLM function, API or
  state machine, or a custom metric tied to the workload (below); a composite alarm when its rule names one.
- A custom metric is tied to the workload when one of its dimension values names an LLM function or a
  Bedrock model (a model id or a Bedrock ARN), or a metric filter on an LLM log group produces it. Otherwise
  only a person can say what it measures (an attestation).
- A pipeline is the workload's when a deploy action targets an LLM function, or a CloudFormation stack it
  deploys holds an LLM function or state machine, or any Bedrock resource.
- A schedule starts evaluations when its target is a function whose role is granted
  bedrock:CreateEvaluationJob by name, or a state machine whose task starts an evaluation job (directly or
  through such a function). A Lambda allowed bedrock:* is not thereby an evaluation runner.

Where a fact could not be read (the role's policies were denied, the agents could not be listed) and no other
fact ties a resource, whether it is the workload's is unknown: `Workload.gaps` says why, and probes say
unknown rather than not met. A failed section is never replaced by a wider search.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, probe

# Actions that invoke a model, an agent, a flow or a knowledge base (IAM prefix bedrock covers the runtime).
INVOKE_ACTIONS = (
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:Converse",
    "bedrock:ConverseStream",
    "bedrock:InvokeAgent",
    "bedrock:InvokeInlineAgent",
    "bedrock:InvokeFlow",
    "bedrock:Retrieve",
    "bedrock:RetrieveAndGenerate",
    "bedrock:RetrieveAndGenerateStream",
    "bedrock:CreateModelInvocationJob",
)
EVALUATION_ACTION = "bedrock:CreateEvaluationJob"
AGENTCORE = re.compile(r"^bedrock-agentcore:", re.I)

# Environment variable names that reference Bedrock ids (values are never read).
ENV_NAME = re.compile(
    r"BEDROCK|(^|_)(MODEL|AGENT|AGENT_ALIAS|KNOWLEDGE_BASE|KB|GUARDRAIL|INFERENCE_PROFILE|PROMPT|FLOW|"
    r"FLOW_ALIAS)_(ID|ARN|IDENTIFIER)$",
    re.I,
)
# A dimension value that names a Bedrock model: a model id (with or without a cross-Region prefix) or an ARN.
MODEL_VALUE = re.compile(
    r"^(arn:aws[\w-]*:bedrock[\w-]*:|((us|eu|apac|global|jp|au|ca|us-gov)\.)?"
    r"(anthropic|amazon|meta|cohere|mistral|ai21|stability|deepseek|openai|qwen|writer|twelvelabs|luma)\.)",
    re.I,
)
FUNCTION_ARN = re.compile(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+")
BEDROCK_TASK = re.compile(r"^arn:aws[\w-]*:states:::(bedrock:|aws-sdk:bedrock)", re.I)
EVALUATION_TASK = re.compile(r"^arn:aws[\w-]*:states:::aws-sdk:bedrock:createEvaluationJob", re.I)
BEDROCK_URI = re.compile(r"^arn:aws[\w-]*:apigateway:[\w-]+:bedrock[\w-]*:", re.I)
BEDROCK_STACK_TYPE = re.compile(r"^AWS::Bedrock(AgentCore)?::", re.I)
BEDROCK_SPAN = re.compile(r"bedrock", re.I)


def function_arn(arn: str | None) -> str:
    """The unqualified function ARN (an alias or version suffix removed)."""
    parts = (arn or "").split(":")
    return ":".join(parts[:7]) if len(parts) > 7 and parts[5] == "function" else (arn or "")


def _allows(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), str(pattern).lower())


def invoke_grants(actions: Iterable[str] | None) -> list[str]:
    """The allowed action patterns that grant a Bedrock invocation (bedrock:Get* and bare * do not)."""
    out = []
    for a in actions or []:
        a = str(a)
        if a.strip() == "*":
            continue  # an administrator role is not evidence of model use
        if AGENTCORE.match(a) or any(_allows(a, x) for x in INVOKE_ACTIONS):
            out.append(a)
    return sorted(set(out))


def evaluation_grant(actions: Iterable[str] | None) -> bool:
    """The role is granted bedrock:CreateEvaluationJob by name (bedrock:* or bedrock:Create* is not enough)."""
    return any(
        str(a).lower().startswith("bedrock:createevaluation") and _allows(str(a), EVALUATION_ACTION)
        for a in actions or []
    )


def llm_env_names(env_names: Iterable[str] | None) -> list[str]:
    return sorted({n for n in env_names or [] if ENV_NAME.search(n)})


def function_reasons(f: dict[str, Any], traced: set[str] | None = None) -> list[str]:
    """Why function `f` is the LLM workload's (empty: nothing ties it). `traced`: functions seen calling
    Bedrock in X-Ray traces."""
    why = []
    grants = invoke_grants(f.get("roleActions"))
    if grants:
        why.append(f"its role allows {names(grants, 3)}")
    env = llm_env_names(f.get("envNames"))
    if env:
        why.append(f"its environment names {names(env, 3)}")
    if f.get("actionGroupExecutor"):
        why.append("it runs an agent action group")
    if f.get("workloadTagged"):
        shared = f.get("workloadTags") or []
        why.append(
            "it carries the workload tag" + (f" {names(shared, 2)} of a Bedrock resource" if shared else "")
        )
    if traced and f.get("name") in traced:
        why.append("X-Ray traces show it calling Bedrock")
    return why


@dataclass
class Workload:
    """The LLM workload's Lambda functions, and why the set may be incomplete."""

    functions: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {f["name"] for f in self.functions}

    @property
    def arns(self) -> set[str]:
        return {function_arn(f.get("arn")) for f in self.functions}

    def has(self, ref: str | None) -> bool:
        """`ref` (a function name, ARN, or qualified ARN) is an LLM function."""
        if not ref:
            return False
        return ref in self.names or function_arn(ref) in self.arns or ref.split(":")[0] in self.names


def traced_callers(traces: dict[str, Any] | None) -> set[str]:
    """Names of the Lambda function segments that X-Ray shows calling Bedrock."""
    if not traces:
        return set()
    return {n for t in traces.get("traces") or [] for n in t.get("bedrockCallers") or []}


def functions(ev: Evidence) -> Workload:
    """The LLM workload's Lambda functions. Raises MissingEvidence when lambda.functions failed."""
    data = ev.get("lambda.functions")
    traced = traced_callers(ev.optional("xray.traces"))
    out = Workload()
    unread_roles = []
    for f in data["functions"]:
        why = function_reasons(f, traced)
        if why:
            out.functions.append(f)
            out.reasons[f["name"]] = why
        elif f.get("roleActions") is None:
            unread_roles.append(f["name"])
    if unread_roles:
        out.gaps.append(
            f"the execution-role policies of {names(sorted(unread_roles))} could not be read"
            + (f" ({data['roleErrors'][0]})" if data.get("roleErrors") else "")
        )
    untied = [f["name"] for f in data["functions"] if f["name"] not in out.reasons]
    if data.get("tagsRead") is False and untied:
        out.gaps.append(
            f"the tags of {names(sorted(untied))} could not be read"
            + (f" ({data['tagsError']})" if data.get("tagsError") else "")
            + ", so whether they carry a Bedrock resource's tags is unknown"
        )
    if data.get("agentsRead") is False and not out.functions:
        out.gaps.append("the agents could not be listed, so action-group functions are unknown")
    return out


def function_label(w: Workload, f: dict[str, Any]) -> str:
    return f"{f['name']} ({'; '.join(w.reasons.get(f['name'], []))})"


def no_functions(w: Workload, what: str) -> Verdict:
    """The verdict when no Lambda function is the workload's: unknown when a fact was missing."""
    if w.gaps:
        return cannot_tell(
            f"No Lambda function is known to be the LLM workload's, so {what} cannot be judged: "
            f"{'; '.join(w.gaps)}."
        )
    return not_met(
        f"No Lambda function is the LLM workload's (none may invoke Bedrock, names Bedrock ids in its "
        f"environment, runs an agent action group or calls Bedrock in X-Ray traces), so {what} is not shown."
    )


# -- APIs, state machines, log groups, alarms, metrics, pipelines -----------------------------------------


def api_targets(api: dict[str, Any], w: Workload) -> list[str]:
    """What ties `api` to the workload: LLM functions or Bedrock among its integration targets."""
    hits = []
    for uri in api.get("integrations") or []:
        uri = str(uri or "")
        if BEDROCK_URI.match(uri):
            hits.append("Bedrock")
        for arn in FUNCTION_ARN.findall(uri):
            if w.has(arn):
                hits.append(arn.split(":")[-1])
        if w.has(uri):
            hits.append(uri.split(":")[-1])
    return sorted(set(hits))


def apis(ev: Evidence, w: Workload, *sections: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(the LLM APIs among `sections`, APIs whose integrations were not read)."""
    out, unread = [], []
    for section in sections:
        for a in ev.get(section)["apis"]:
            if a.get("integrations") is None:
                unread.append(str(a.get("name")))
            elif api_targets(a, w):
                out.append(a)
    return out, unread


def machine_calls(m: dict[str, Any], w: Workload) -> list[str]:
    """What ties state machine `m` to the workload: Bedrock tasks or LLM functions it invokes."""
    hits = []
    for t in m.get("tasks") or []:
        res = str(t.get("resource") or "")
        if BEDROCK_TASK.match(res):
            hits.append(res.split(":::")[-1])
        fn = t.get("function") or (res if res.startswith("arn:aws") and ":function:" in res else None)
        if fn and w.has(str(fn)):
            hits.append(str(fn).split(":")[-1] if ":" in str(fn) else str(fn))
    return sorted(set(hits))


def machines(ev: Evidence, w: Workload) -> tuple[list[dict[str, Any]], list[str]]:
    """(the LLM state machines, machines whose definition could not be read)."""
    all_ = ev.get("stepfunctions.state_machines")["state_machines"]
    unread = [m["name"] for m in all_ if m.get("definitionRead") is False]
    return [m for m in all_ if machine_calls(m, w)], unread


def machine_starts_evaluations(m: dict[str, Any], fns: dict[str, dict[str, Any]]) -> bool:
    for t in m.get("tasks") or []:
        res = str(t.get("resource") or "")
        if EVALUATION_TASK.match(res):
            return True
        fn = t.get("function") or (res if ":function:" in res else None)
        f = fns.get(function_arn(str(fn))) or fns.get(str(fn)) if fn else None
        if f and evaluation_grant(f.get("roleActions")):
            return True
    return False


def log_groups(w: Workload, invocation_group: str | None) -> set[str]:
    groups = {f.get("logGroup") or f"/aws/lambda/{f['name']}" for f in w.functions}
    if invocation_group:
        groups.add(invocation_group)
    return groups


def filter_metrics(filters: list[dict[str, Any]], groups: set[str]) -> set[str]:
    """ "namespace/metric" names that metric filters on `groups` produce."""
    return {m for f in filters if f.get("logGroup") in groups for m in f.get("metrics") or []}


def metric_ties(
    m: dict[str, Any],
    w: Workload,
    produced: set[str],
    api_names: Iterable[str] = (),
    machine_arns: Iterable[str] = (),
) -> list[str]:
    """What ties a metric (namespace, metric, dimensions) to the workload; empty when nothing does."""
    ns = str(m.get("namespace") or "")
    api_names, machine_arns = set(api_names), set(machine_arns)
    why = []
    if ns.startswith("AWS/Bedrock"):
        why.append(ns)
    if f"{ns}/{m.get('metric')}" in produced:
        why.append("a metric filter on an LLM log group produces it")
    for k, v in (m.get("dimensions") or {}).items():
        v = str(v)
        if k in ("FunctionName", "Resource") and w.has(v):
            why.append(f"{k}={v}")
        elif k in ("ApiName", "ApiId") and v in api_names:
            why.append(f"{k}={v}")
        elif k == "StateMachineArn" and v in machine_arns:
            why.append(f"{k}={v.split(':')[-1]}")
        elif MODEL_VALUE.match(v):
            why.append(f"{k}={v}")
    return why


def deploy_ties(p: dict[str, Any], w: Workload, machine_arns: set[str], api_ids: set[str]) -> list[str]:
    """What ties a pipeline to the workload: the LLM resources its deploy actions target."""
    why = []
    for d in p.get("deploys") or []:
        fn = d.get("function")
        if fn and w.has(str(fn)):
            why.append(f"deploys function {fn}")
        for r in d.get("stackResources") or []:
            rtype, rid = str(r.get("type") or ""), str(r.get("id") or "")
            if BEDROCK_STACK_TYPE.match(rtype):
                why.append(f"stack {d.get('stack')} holds {rtype}")
            elif rtype == "AWS::Lambda::Function" and w.has(rid):
                why.append(f"stack {d.get('stack')} holds function {rid.split(':')[-1]}")
            elif rtype == "AWS::StepFunctions::StateMachine" and rid in machine_arns:
                why.append(f"stack {d.get('stack')} holds state machine {rid.split(':')[-1]}")
            elif rtype == "AWS::ApiGateway::RestApi" and rid in api_ids:
                why.append(f"stack {d.get('stack')} holds API {rid}")
    return sorted(set(why))


# -- the account-level fact ---------------------------------------------------------------------------------


@probe(
    "llm_workload_found",
    "lambda.functions",
    "cloudwatch.metric_stats",
    "bedrock.invocation_logging",
    "agents.agents",
    "agents.knowledge_bases",
    "agents.flows",
    "xray.traces",
)
def llm_workload_found(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """The account holds an LLM workload (Bedrock traffic, invocation logging, agents, knowledge bases,
    flows, or Lambda functions tied to Bedrock)."""
    from llmops_audit.probes.cloudwatch import model_traffic

    found: list[str] = []
    unread: list[str] = []
    stats = ev.optional("cloudwatch.metric_stats")
    if stats is None:
        unread.append("Bedrock metrics")
    elif traffic := model_traffic(stats):
        found.append(f"Bedrock traffic to {names(sorted(traffic), 3)}")
    logging = ev.optional("bedrock.invocation_logging")
    if logging is None:
        unread.append("the invocation logging configuration")
    elif logging.get("enabled"):
        found.append("model invocation logging is configured")
    for section, key, what in (
        ("agents.agents", "agents", "agent"),
        ("agents.knowledge_bases", "knowledge_bases", "knowledge base"),
        ("agents.flows", "flows", "flow"),
    ):
        data = ev.optional(section)
        if data is None:
            unread.append(f"{what}s")
        elif data.get(key):
            found.append(f"Bedrock {what} {names([str(x.get('name')) for x in data[key]], 3)}")
    try:
        w = functions(ev)
    except Exception:  # noqa: BLE001 - MissingEvidence: the functions are one fact among several
        w = None
        unread.append("Lambda functions")
    if w is not None:
        if w.functions:
            found.append(f"Lambda {names([function_label(w, f) for f in w.functions], 3)}")
        unread += w.gaps
    if found:
        return met(f"An LLM workload was found: {'; '.join(found)}.")
    if unread:
        return cannot_tell(f"No LLM workload was found, but {names(unread)} could not be read.")
    return not_met(
        "No LLM workload was found: no Bedrock model traffic, no invocation logging, no agents, knowledge "
        "bases or flows, and no Lambda function that may invoke Bedrock, names Bedrock ids in its "
        "environment or calls Bedrock in X-Ray traces."
    )
