"""Amazon Bedrock AgentCore control-plane evidence (botocore service `bedrock-agentcore-control`), read-only.

AgentCore hosts agents (Runtime), the tools they may call (Gateway and its targets), the rules on those tool
calls (Policy: Cedar policies in a policy engine attached to a gateway), per-agent identity (Identity:
workload identities), memory and continuous evaluation (Evaluations: online evaluation configurations and
evaluators). Every AgentCore runtime and gateway is agent infrastructure by construction: no name matching.

Kept: ids, names, ARNs, statuses, types, modes, counts and numbers. Never kept: descriptions, environment
variable values (nor names), JWT discovery URLs, allowed clients or audiences, tool schemas, memory prompt
overrides, evaluator instructions, filter values, Cedar policy text (only its effect and whether its scope or
a condition constrains it), and tag values (only the values of a few well-known tag keys).
Not called: Get*CredentialProvider (their output carries secret ARNs and client ids), GetTokenVault, GetPolicy
(a policy's text comes with the listing anyway), GetEvaluator (instructions). The credential-provider
listings (ListOauth2CredentialProviders, ListApiKeyCredentialProviders: names, vendors and ARNs only) are
allowed despite the guard's name rule (aws/operations.py ALLOWED_DESPITE_NAME); the outbound credential
provider each gateway target uses is read from GetGatewayTarget (type and provider ARN only).

Sub-calls per resource that fail are recorded in the section's "errors" list ({"action", "kind", "resource",
"message"}, as in collectors/agents.py) and leave the matching field None, which means "unknown" (never
"none"). Every section has "truncated": bool (more resources than the audit reads).

agentcore.runtimes
    {"runtimes": [{"id", "name", "arn", "status", "version" (latest), "detail": bool (GetAgentRuntime read),
                   "roleArn", "networkMode": "PUBLIC"|"VPC"|None, "protocol": "MCP"|"HTTP"|"A2A"|"AGUI"|None,
                   "artifactType": "container"|"code"|None,
                   "authorizer": "CUSTOM_JWT"|None (None with detail: no authorizer configuration, so the
                                 runtime accepts IAM SigV4 callers only),
                   "workloadIdentityArn": ARN|None,
                   "versions": [{"version", "status"}] | None,
                   "endpoints": [{"id", "name", "arn", "status", "liveVersion", "targetVersion"}] | None,
                   "tags": {key: value|None} | None}],
     "truncated": bool, "errors": [...]}
    The DEFAULT endpoint follows the latest version by itself; any other endpoint serves the version it was
    created with or last updated to (AgentCore developer guide, "Runtime versioning and endpoints").

agentcore.gateways
    {"gateways": [{"id", "name", "arn", "status", "detail": bool (GetGateway read),
                   "authorizerType": "CUSTOM_JWT"|"AWS_IAM"|"NONE"|"AUTHENTICATE_ONLY"|None, "roleArn",
                   "protocolType", "policyEngine": {"arn", "mode": "ENFORCE"|"LOG_ONLY"} | None,
                   "workloadIdentityArn", "interceptors": int, "webAcl": bool, "kmsKey": bool,
                   "targets": [{"id", "name", "status", "targetType": TargetType|None,
                                "configuration": "mcp.lambda"|"mcp.openApiSchema"|"mcp.smithyModel"|
                                                 "mcp.mcpServer"|"mcp.apiGateway"|"mcp.connector"|
                                                 "http.agentcoreRuntime"|"http.passthrough"|"http.connector"|
                                                 "inference.connector"|"inference.provider"|None,
                                "lambdaArn": ARN|None, "runtimeArn": ARN|None,
                                "detail": bool (GetGatewayTarget read),
                                "credentialProviders": [{"type": CredentialProviderType,
                                                         "providerArn": ARN|None, "grantType": str|None}]
                                                       | None}]
                              | None,
                   "tags": {key: value|None} | None}],
     "truncated": bool, "errors": [...]}

agentcore.policy_engines
    {"engines": [{"id", "name", "arn", "status",
                  "policies": [{"id", "name", "arn", "status", "enforcementMode": "ACTIVE"|"LOG_ONLY"|None,
                                "kind": "cedar"|"policy"|"generated"|None,
                                "effect": "permit"|"forbid"|None,
                                "constrained": bool|None (the scope narrows the principal or the action, or a
                                               when/unless condition applies; None: text not available)}]
                              | None}],
     "truncated": bool, "errors": [...]}

agentcore.workload_identities
    {"identities": [{"name", "arn"}], "truncated": bool}

agentcore.credential_providers
    {"api_key": [{"name", "arn"}], "oauth2": [{"name", "arn", "vendor"}], "truncated": bool}
    The token vault's outbound credential providers (ListApiKeyCredentialProviders,
    ListOauth2CredentialProviders: metadata only, no key, secret or client id).

agentcore.memories
    {"memories": [{"id", "arn", "name", "status", "detail": bool (GetMemory read),
                   "eventExpiryDays": int|None, "encrypted": bool|None (a customer KMS key),
                   "executionRoleArn", "managedByResourceArn",
                   "strategies": [{"id", "type", "status", "override": OverrideType|None,
                                   "recordExpiryDays": int|None}] | None}],
     "truncated": bool, "errors": [...]}

agentcore.online_evaluations
    {"configs": [{"id", "arn", "name", "status", "executionStatus": "ENABLED"|"DISABLED",
                  "detail": bool (GetOnlineEvaluationConfig read),
                  "samplingPercentage": float|None, "filters": int|None, "evaluators": [evaluatorId] | None,
                  "logGroupNames": [...], "logGroupNamePrefixes": [...], "serviceNames": [...],
                  "outputLogGroup": str|None, "outputMetricsNamespace": str|None, "roleArn"}],
     "truncated": bool, "errors": [...]}

agentcore.evaluators
    {"evaluators": [{"id", "arn", "name", "type", "provider", "level", "status"}], "truncated": bool}

iam.agentcore_roles   (reads agentcore.runtimes and agentcore.gateways)
    {"roles": [role + {"resources": ["runtime NAME" | "gateway NAME"]}],
     "resources_without_role": [runtimes/gateways whose Get* failed, so their role is unknown],
     "truncated": bool, "errors": [str]}
    role: as iam.agent_roles (collectors/governance.py): name, arn, boundary, boundary_policy, attached,
    inline, error, error_action.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.collectors.bedrock import gap

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

SERVICE = "bedrock-agentcore-control"
MAX_RUNTIMES = 50
MAX_GATEWAYS = 50
MAX_TARGET_DETAILS = 200
MAX_POLICY_ENGINES = 20
MAX_MEMORIES = 50
MAX_EVALUATION_CONFIGS = 50
MAX_LIST = 500
# Tag keys whose values are kept (environment, ownership, workload and cost attribution); other keys are kept
# without their value (a tag value can be any text).
TAG_VALUES_KEPT = frozenset(
    {
        "env",
        "environment",
        "stage",
        "tier",
        "team",
        "owner",
        "project",
        "application",
        "app",
        "workload",
        "service",
        "cost-center",
        "costcenter",
        "cost_center",
    }
)


def _tags(ctx: CollectContext, arn: str | None, label: str, errors: list[dict[str, str]]) -> dict | None:
    if not arn:
        return None
    try:
        raw = ctx.aws.call(SERVICE, "list_tags_for_resource", resourceArn=arn).get("tags") or {}
    except AwsCallError as exc:
        errors.append(gap(exc, label))
        return None
    return {str(k): (str(v) if str(k).lower() in TAG_VALUES_KEPT else None) for k, v in raw.items()}


def _union_key(value: Any) -> str | None:
    """The member set in a tagged union (botocore returns a dict with one key)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if v is not None:
                return str(k)
    return None


# -- runtimes -------------------------------------------------------------------------------------


def _runtime_base(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": s.get("agentRuntimeId"),
        "name": s.get("agentRuntimeName"),
        "arn": s.get("agentRuntimeArn"),
        "status": s.get("status"),
        "version": s.get("agentRuntimeVersion"),
        "detail": False,
        "roleArn": None,
        "networkMode": None,
        "protocol": None,
        "artifactType": None,
        "authorizer": None,
        "workloadIdentityArn": None,
        "versions": None,
        "endpoints": None,
        "tags": None,
    }


def _endpoint(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": e.get("id"),
        "name": e.get("name"),
        "arn": e.get("agentRuntimeEndpointArn"),
        "status": e.get("status"),
        "liveVersion": e.get("liveVersion"),
        "targetVersion": e.get("targetVersion"),
    }


def runtimes(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_agent_runtimes", "agentRuntimes", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for s in listed[:MAX_RUNTIMES]:
        rt = _runtime_base(s)
        out.append(rt)
        rid, label = rt["id"], f"runtime {rt['name']}"
        try:
            d = ctx.aws.call(SERVICE, "get_agent_runtime", agentRuntimeId=rid)
            auth = d.get("authorizerConfiguration") or {}
            rt.update(
                {
                    "detail": True,
                    "arn": d.get("agentRuntimeArn") or rt["arn"],
                    "status": d.get("status") or rt["status"],
                    "version": d.get("agentRuntimeVersion") or rt["version"],
                    "roleArn": d.get("roleArn"),
                    "networkMode": (d.get("networkConfiguration") or {}).get("networkMode"),
                    "protocol": (d.get("protocolConfiguration") or {}).get("serverProtocol"),
                    "artifactType": {"containerConfiguration": "container", "codeConfiguration": "code"}.get(
                        _union_key(d.get("agentRuntimeArtifact")) or ""
                    ),
                    "authorizer": "CUSTOM_JWT" if auth.get("customJWTAuthorizer") else None,
                    "workloadIdentityArn": (d.get("workloadIdentityDetails") or {}).get(
                        "workloadIdentityArn"
                    ),
                }
            )
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        try:
            rt["versions"] = [
                {"version": v.get("agentRuntimeVersion"), "status": v.get("status")}
                for v in ctx.aws.items(
                    SERVICE, "list_agent_runtime_versions", "agentRuntimes", max_pages=5, agentRuntimeId=rid
                )
            ]
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        try:
            endpoints = [
                _endpoint(e)
                for e in ctx.aws.items(
                    SERVICE,
                    "list_agent_runtime_endpoints",
                    "runtimeEndpoints",
                    max_pages=5,
                    agentRuntimeId=rid,
                )
            ]
            for e in endpoints:
                if e["liveVersion"] is None and e["name"]:  # the listing may leave the versions out
                    try:
                        got = ctx.aws.call(
                            SERVICE, "get_agent_runtime_endpoint", agentRuntimeId=rid, endpointName=e["name"]
                        )
                        e.update(
                            {"liveVersion": got.get("liveVersion"), "targetVersion": got.get("targetVersion")}
                        )
                    except AwsCallError as exc:
                        errors.append(gap(exc, f"{label} endpoint {e['name']}"))
            rt["endpoints"] = endpoints
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        rt["tags"] = _tags(ctx, rt["arn"], label, errors)
    return {"runtimes": out, "truncated": len(listed) > MAX_RUNTIMES, "errors": errors}


# -- gateways -------------------------------------------------------------------------------------


TARGET_TYPES = {
    "mcp.lambda": "LAMBDA",
    "mcp.openApiSchema": "OPEN_API_SCHEMA",
    "mcp.smithyModel": "SMITHY_MODEL",
    "mcp.mcpServer": "MCP_SERVER",
    "mcp.apiGateway": "API_GATEWAY",
    "mcp.connector": "CONNECTOR",
    "http.agentcoreRuntime": "AGENTCORE_RUNTIME",
    "http.passthrough": "PASSTHROUGH",
    "http.connector": "HTTP_CONNECTOR",
    "inference.provider": "PROVIDER",
}


def _target_detail(d: dict[str, Any]) -> dict[str, Any]:
    cfg = d.get("targetConfiguration") or {}
    outer = _union_key(cfg)
    inner = _union_key(cfg.get(outer)) if outer else None
    configuration = f"{outer}.{inner}" if outer and inner else None
    body = (cfg.get(outer) or {}).get(inner) or {} if configuration else {}
    providers = []
    for c in d.get("credentialProviderConfigurations") or []:
        cp = c.get("credentialProvider") or {}
        member = cp.get(_union_key(cp) or "") or {}
        providers.append(
            {
                "type": c.get("credentialProviderType"),
                "providerArn": member.get("providerArn"),
                "grantType": member.get("grantType"),
            }
        )
    return {
        "detail": True,
        "configuration": configuration,
        "lambdaArn": body.get("lambdaArn") if configuration == "mcp.lambda" else None,
        "runtimeArn": body.get("arn") if configuration == "http.agentcoreRuntime" else None,
        "credentialProviders": providers,
    }


def gateways(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_gateways", "items", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    details_left = MAX_TARGET_DETAILS
    for s in listed[:MAX_GATEWAYS]:
        gw: dict[str, Any] = {
            "id": s.get("gatewayId"),
            "name": s.get("name"),
            "arn": None,
            "status": s.get("status"),
            "detail": False,
            "authorizerType": s.get("authorizerType"),
            "roleArn": None,
            "protocolType": s.get("protocolType"),
            "policyEngine": None,
            "workloadIdentityArn": None,
            "interceptors": 0,
            "webAcl": False,
            "kmsKey": False,
            "targets": None,
            "tags": None,
        }
        out.append(gw)
        gid, label = gw["id"], f"gateway {gw['name']}"
        try:
            d = ctx.aws.call(SERVICE, "get_gateway", gatewayIdentifier=gid)
            pe = d.get("policyEngineConfiguration") or {}
            gw.update(
                {
                    "detail": True,
                    "arn": d.get("gatewayArn"),
                    "status": d.get("status") or gw["status"],
                    "authorizerType": d.get("authorizerType") or gw["authorizerType"],
                    "roleArn": d.get("roleArn"),
                    "protocolType": d.get("protocolType") or gw["protocolType"],
                    "policyEngine": {"arn": pe.get("arn"), "mode": pe.get("mode")} if pe.get("arn") else None,
                    "workloadIdentityArn": (d.get("workloadIdentityDetails") or {}).get(
                        "workloadIdentityArn"
                    ),
                    "interceptors": len(d.get("interceptorConfigurations") or []),
                    "webAcl": bool(d.get("webAclArn")),
                    "kmsKey": bool(d.get("kmsKeyArn")),
                }
            )
        except AwsCallError as exc:
            errors.append(gap(exc, label))
        try:
            summaries = ctx.aws.items(
                SERVICE, "list_gateway_targets", "items", max_pages=5, gatewayIdentifier=gid
            )
        except AwsCallError as exc:
            errors.append(gap(exc, label))
            summaries = None
        if summaries is not None:
            gw["targets"] = []
            for t in summaries:
                target: dict[str, Any] = {
                    "id": t.get("targetId"),
                    "name": t.get("name"),
                    "status": t.get("status"),
                    "targetType": t.get("targetType"),
                    "configuration": None,
                    "lambdaArn": None,
                    "runtimeArn": None,
                    "detail": False,
                    "credentialProviders": None,
                }
                gw["targets"].append(target)
                if details_left <= 0:
                    continue
                details_left -= 1
                try:
                    got = ctx.aws.call(
                        SERVICE, "get_gateway_target", gatewayIdentifier=gid, targetId=target["id"]
                    )
                    target.update(_target_detail(got))
                    target["targetType"] = target["targetType"] or TARGET_TYPES.get(
                        target["configuration"] or ""
                    )
                except AwsCallError as exc:
                    errors.append(gap(exc, f"{label} target {target['name']}"))
        gw["tags"] = _tags(ctx, gw["arn"], label, errors)
    return {"gateways": out, "truncated": len(listed) > MAX_GATEWAYS, "errors": errors}


# -- policy engines and their Cedar policies ---------------------------------------------------------

_CEDAR_COMMENT = re.compile(r"//[^\n]*")
_CEDAR_ANNOTATION = re.compile(r'@\w+\s*\(\s*"(?:[^"\\]|\\.)*"\s*\)')
_CEDAR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_CEDAR_HEAD = re.compile(r"^\s*(permit|forbid)\s*\(", re.I)


def cedar_shape(statement: str | None) -> tuple[str | None, bool | None]:
    """(effect, constrained) of a Cedar policy: 'permit'/'forbid', and whether its scope narrows the principal
    or the action (`principal is ...`, `action == ...`, `action in [...]`) or a when/unless condition applies.
    The resource is the gateway the engine is attached to, so `resource == <gateway>` narrows nothing:
    `permit(principal, action, resource == <gateway>)` allows every tool call. (None, None) when the text is
    not a Cedar policy. The text itself is not kept."""
    if not isinstance(statement, str):
        return None, None
    text = _CEDAR_ANNOTATION.sub(" ", _CEDAR_COMMENT.sub(" ", statement))
    head = _CEDAR_HEAD.match(text)
    if not head:
        return None, None
    bare = _CEDAR_STRING.sub('""', text[head.end() :])  # strings can hold any character
    depth, end = 1, None
    for i, ch in enumerate(bare):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                end = i
                break
    if end is None:
        return head.group(1).lower(), None
    scope, rest = bare[:end], bare[end + 1 :]
    scoped = bool(re.search(r"\b(principal|action)\s*(==|\bin\b|\bis\b)", scope))
    condition = bool(re.match(r"\s*(when|unless)\s*\{", rest))
    return head.group(1).lower(), scoped or condition


def _policy(p: dict[str, Any]) -> dict[str, Any]:
    definition = p.get("definition") or {}
    kind_key = _union_key(definition)
    kind = {"cedar": "cedar", "policy": "policy", "policyGeneration": "generated"}.get(kind_key or "")
    statement = (definition.get(kind_key) or {}).get("statement") if kind in ("cedar", "policy") else None
    effect, constrained = cedar_shape(statement)
    return {
        "id": p.get("policyId"),
        "name": p.get("name"),
        "arn": p.get("policyArn"),
        "status": p.get("status"),
        "enforcementMode": p.get("enforcementMode"),
        "kind": kind,
        "effect": effect,
        "constrained": constrained,
    }


def policy_engines(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_policy_engines", "policyEngines", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for e in listed[:MAX_POLICY_ENGINES]:
        engine: dict[str, Any] = {
            "id": e.get("policyEngineId"),
            "name": e.get("name"),
            "arn": e.get("policyEngineArn"),
            "status": e.get("status"),
            "policies": None,
        }
        out.append(engine)
        try:
            engine["policies"] = [
                _policy(p)
                for p in ctx.aws.items(
                    SERVICE, "list_policies", "policies", max_pages=10, policyEngineId=engine["id"]
                )
            ]
        except AwsCallError as exc:
            errors.append(gap(exc, f"policy engine {engine['name']}"))
    return {"engines": out, "truncated": len(listed) > MAX_POLICY_ENGINES, "errors": errors}


# -- identity -------------------------------------------------------------------------------------


def workload_identities(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_workload_identities", "workloadIdentities", max_pages=10)
    return {
        "identities": [
            {"name": w.get("name"), "arn": w.get("workloadIdentityArn")} for w in listed[:MAX_LIST]
        ],
        "truncated": len(listed) > MAX_LIST,
    }


# -- memory ---------------------------------------------------------------------------------------


def credential_providers(ctx: CollectContext) -> dict[str, Any]:
    """The token vault's outbound credential providers: names, ARNs and (OAuth) vendors only.

    ListApiKeyCredentialProviders and ListOauth2CredentialProviders return metadata only (botocore's output
    shapes hold name, ARN, vendor and timestamps: no key, secret, client id or token; aws/operations.py
    ALLOWED_DESPITE_NAME, proven by tests/collectors/test_agentcore_credentials.py). The Get* reads are never
    made: they name the secret's ARN and the OAuth client id."""
    api_keys = ctx.aws.items(
        SERVICE, "list_api_key_credential_providers", "credentialProviders", max_pages=10
    )
    oauth2 = ctx.aws.items(SERVICE, "list_oauth2_credential_providers", "credentialProviders", max_pages=10)
    return {
        "api_key": [
            {"name": p.get("name"), "arn": p.get("credentialProviderArn")} for p in api_keys[:MAX_LIST]
        ],
        "oauth2": [
            {
                "name": p.get("name"),
                "arn": p.get("credentialProviderArn"),
                "vendor": p.get("credentialProviderVendor"),
            }
            for p in oauth2[:MAX_LIST]
        ],
        "truncated": len(api_keys) > MAX_LIST or len(oauth2) > MAX_LIST,
    }


def memories(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_memories", "memories", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for s in listed[:MAX_MEMORIES]:
        mem: dict[str, Any] = {
            "id": s.get("id"),
            "arn": s.get("arn"),
            "name": None,
            "status": s.get("status"),
            "detail": False,
            "eventExpiryDays": None,
            "encrypted": None,
            "executionRoleArn": None,
            "managedByResourceArn": s.get("managedByResourceArn"),
            "strategies": None,
        }
        out.append(mem)
        try:
            # without_decryption: the configuration, not the (KMS-encrypted) prompt overrides
            m = ctx.aws.call(SERVICE, "get_memory", memoryId=mem["id"], view="without_decryption").get(
                "memory"
            )
            m = m or {}
            mem.update(
                {
                    "detail": True,
                    "name": m.get("name"),
                    "status": m.get("status") or mem["status"],
                    "eventExpiryDays": m.get("eventExpiryDuration"),
                    "encrypted": bool(m.get("encryptionKeyArn")),
                    "executionRoleArn": m.get("memoryExecutionRoleArn"),
                    "managedByResourceArn": m.get("managedByResourceArn") or mem["managedByResourceArn"],
                    "strategies": [
                        {
                            "id": st.get("strategyId"),
                            "type": st.get("type"),
                            "status": st.get("status"),
                            "override": (st.get("configuration") or {}).get("type"),
                            "recordExpiryDays": st.get("recordExpiryDurationDays"),
                        }
                        for st in m.get("strategies") or []
                    ],
                }
            )
        except AwsCallError as exc:
            errors.append(gap(exc, f"memory {mem['id']}"))
    return {"memories": out, "truncated": len(listed) > MAX_MEMORIES, "errors": errors}


# -- evaluations ----------------------------------------------------------------------------------


def online_evaluations(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_online_evaluation_configs", "onlineEvaluationConfigs", max_pages=10)
    out: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for s in listed[:MAX_EVALUATION_CONFIGS]:
        cfg: dict[str, Any] = {
            "id": s.get("onlineEvaluationConfigId"),
            "arn": s.get("onlineEvaluationConfigArn"),
            "name": s.get("onlineEvaluationConfigName"),
            "status": s.get("status"),
            "executionStatus": s.get("executionStatus"),
            "detail": False,
            "samplingPercentage": None,
            "filters": None,
            "evaluators": None,
            "logGroupNames": [],
            "logGroupNamePrefixes": [],
            "serviceNames": [],
            "outputLogGroup": None,
            "outputMetricsNamespace": None,
            "roleArn": None,
        }
        out.append(cfg)
        try:
            d = ctx.aws.call(SERVICE, "get_online_evaluation_config", onlineEvaluationConfigId=cfg["id"])
            rule = d.get("rule") or {}
            logs = (d.get("dataSourceConfig") or {}).get("cloudWatchLogs") or {}
            output = (d.get("outputConfig") or {}).get("cloudWatchConfig") or {}
            cfg.update(
                {
                    "detail": True,
                    "status": d.get("status") or cfg["status"],
                    "executionStatus": d.get("executionStatus") or cfg["executionStatus"],
                    "samplingPercentage": (rule.get("samplingConfig") or {}).get("samplingPercentage"),
                    "filters": len(rule.get("filters") or []),
                    "evaluators": [
                        e.get("evaluatorId") for e in d.get("evaluators") or [] if e.get("evaluatorId")
                    ],
                    "logGroupNames": list(logs.get("logGroupNames") or []),
                    "logGroupNamePrefixes": list(logs.get("logGroupNamePrefixes") or []),
                    "serviceNames": list(logs.get("serviceNames") or []),
                    "outputLogGroup": output.get("logGroupName"),
                    "outputMetricsNamespace": output.get("metricsNamespace"),
                    "roleArn": d.get("evaluationExecutionRoleArn"),
                }
            )
        except AwsCallError as exc:
            errors.append(gap(exc, f"online evaluation {cfg['name']}"))
    return {"configs": out, "truncated": len(listed) > MAX_EVALUATION_CONFIGS, "errors": errors}


def evaluators(ctx: CollectContext) -> dict[str, Any]:
    listed = ctx.aws.items(SERVICE, "list_evaluators", "evaluators", max_pages=10)
    return {
        "evaluators": [
            {
                "id": e.get("evaluatorId"),
                "arn": e.get("evaluatorArn"),
                "name": e.get("evaluatorName"),
                "type": e.get("evaluatorType"),
                "provider": e.get("provider"),
                "level": e.get("level"),
                "status": e.get("status"),
            }
            for e in listed[:MAX_LIST]
        ],
        "truncated": len(listed) > MAX_LIST,
    }


# -- execution and service roles ----------------------------------------------------------------------------


def agentcore_roles(ctx: CollectContext) -> dict[str, Any]:
    """iam.agentcore_roles: the IAM roles AgentCore runtimes run under and gateways call targets with, read as
    iam.agent_roles reads agent roles (collectors/governance.py: GetRole, the attached and inline policies and
    the permissions boundary, each managed policy's document once)."""
    from llmops_audit.collectors.governance import read_roles

    by_role: dict[str, list[str]] = {}
    without: list[str] = []
    kinds = (("agentcore.runtimes", "runtimes", "runtime"), ("agentcore.gateways", "gateways", "gateway"))
    for section, key, kind in kinds:
        for r in (ctx.section(section) or {}).get(key) or []:
            label = f"{kind} {r.get('name') or r.get('id') or '?'}"
            if r.get("roleArn"):
                by_role.setdefault(r["roleArn"], []).append(label)
            elif not r.get("detail"):  # Get* failed: its role is unknown (read with detail, it has none)
                without.append(label)
    return read_roles(ctx, by_role, "resources", without)


SECTIONS = {
    "agentcore.runtimes": runtimes,
    "agentcore.gateways": gateways,
    "agentcore.policy_engines": policy_engines,
    "agentcore.workload_identities": workload_identities,
    "agentcore.credential_providers": credential_providers,
    "agentcore.memories": memories,
    "agentcore.online_evaluations": online_evaluations,
    "agentcore.evaluators": evaluators,
    "iam.agentcore_roles": agentcore_roles,
}
