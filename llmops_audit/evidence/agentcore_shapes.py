"""The shapes of the agentcore.* sections (collectors/agentcore.py), re-exported by evidence/shapes.py.

Facts only: ids, names, ARNs, statuses, types, modes, counts. A field that is None was not read (its sub-call
failed: the section's "errors" say which action), never "none".
"""

from __future__ import annotations

from typing import Any, NotRequired, TypeAlias, TypedDict

AgentCoreSubCallError: TypeAlias = "dict[str, str]"  # {"action", "kind", "resource", "message"}


class AgentCoreRuntimeVersion(TypedDict):
    version: str | None
    status: str | None


class AgentCoreRuntimeEndpoint(TypedDict):
    id: str | None
    name: str | None  # DEFAULT follows the latest version; any other one serves the version set
    arn: str | None
    status: str | None
    liveVersion: str | None
    targetVersion: str | None


class AgentCoreRuntime(TypedDict):
    id: str
    name: str
    arn: str | None
    status: str | None
    version: str | None  # the latest version
    detail: bool  # GetAgentRuntime was read
    roleArn: str | None
    networkMode: str | None  # PUBLIC | VPC
    protocol: str | None  # MCP | HTTP | A2A | AGUI
    artifactType: str | None  # container | code
    authorizer: str | None  # CUSTOM_JWT; None with detail: IAM (SigV4) callers only
    workloadIdentityArn: str | None
    versions: list[AgentCoreRuntimeVersion] | None
    endpoints: list[AgentCoreRuntimeEndpoint] | None
    tags: dict[str, str | None] | None  # values only for well-known keys (env, team, owner, ...)


class AgentCoreRuntimes(TypedDict):
    """agentcore.runtimes"""

    runtimes: list[AgentCoreRuntime]
    truncated: bool
    errors: list[AgentCoreSubCallError]


class AgentCoreCredentialProvider(TypedDict):
    type: str | None  # GATEWAY_IAM_ROLE | OAUTH | API_KEY | CALLER_IAM_CREDENTIALS | JWT_PASSTHROUGH
    providerArn: str | None  # the token-vault credential provider (OAUTH, API_KEY)
    grantType: str | None  # OAUTH: CLIENT_CREDENTIALS | AUTHORIZATION_CODE | TOKEN_EXCHANGE


class AgentCoreGatewayTarget(TypedDict):
    id: str | None
    name: str | None
    status: str | None
    targetType: str | None
    configuration: str | None  # "mcp.lambda", "http.agentcoreRuntime", ...
    lambdaArn: str | None
    runtimeArn: str | None
    detail: bool  # GetGatewayTarget was read
    credentialProviders: list[AgentCoreCredentialProvider] | None


class AgentCorePolicyEngineRef(TypedDict):
    arn: str | None
    mode: str | None  # ENFORCE | LOG_ONLY


class AgentCoreGateway(TypedDict):
    id: str
    name: str
    arn: str | None
    status: str | None
    detail: bool  # GetGateway was read
    authorizerType: str | None  # CUSTOM_JWT | AWS_IAM | NONE | AUTHENTICATE_ONLY
    roleArn: str | None
    protocolType: str | None
    policyEngine: AgentCorePolicyEngineRef | None
    workloadIdentityArn: str | None
    interceptors: int
    webAcl: bool
    kmsKey: bool
    targets: list[AgentCoreGatewayTarget] | None
    tags: dict[str, str | None] | None


class AgentCoreGateways(TypedDict):
    """agentcore.gateways"""

    gateways: list[AgentCoreGateway]
    truncated: bool
    errors: list[AgentCoreSubCallError]


class AgentCorePolicy(TypedDict):
    id: str | None
    name: str | None
    arn: str | None
    status: str | None  # ACTIVE | CREATING | ...
    enforcementMode: str | None  # ACTIVE | LOG_ONLY
    kind: str | None  # cedar | policy | generated
    effect: str | None  # permit | forbid (the text is not kept)
    constrained: bool | None  # principal or action narrowed, or a when/unless condition


class AgentCorePolicyEngine(TypedDict):
    id: str | None
    name: str | None
    arn: str | None
    status: str | None
    policies: list[AgentCorePolicy] | None


class AgentCorePolicyEngines(TypedDict):
    """agentcore.policy_engines"""

    engines: list[AgentCorePolicyEngine]
    truncated: bool
    errors: list[AgentCoreSubCallError]


class AgentCoreWorkloadIdentity(TypedDict):
    name: str | None
    arn: str | None


class AgentCoreWorkloadIdentities(TypedDict):
    """agentcore.workload_identities"""

    identities: list[AgentCoreWorkloadIdentity]
    truncated: bool


class AgentCoreMemoryStrategy(TypedDict):
    id: str | None
    type: str | None  # SEMANTIC | SUMMARIZATION | USER_PREFERENCE | CUSTOM | EPISODIC
    status: str | None
    override: str | None  # configuration type of a CUSTOM strategy
    recordExpiryDays: int | None


class AgentCoreMemory(TypedDict):
    id: str | None
    arn: str | None
    name: str | None
    status: str | None
    detail: bool  # GetMemory was read
    eventExpiryDays: int | None
    encrypted: bool | None  # a customer-managed KMS key
    executionRoleArn: str | None
    managedByResourceArn: str | None
    strategies: list[AgentCoreMemoryStrategy] | None


class AgentCoreMemories(TypedDict):
    """agentcore.memories"""

    memories: list[AgentCoreMemory]
    truncated: bool
    errors: list[AgentCoreSubCallError]


class AgentCoreOnlineEvaluation(TypedDict):
    id: str | None
    arn: str | None
    name: str | None
    status: str | None  # ACTIVE | CREATING | ... | ERROR
    executionStatus: str | None  # ENABLED | DISABLED
    detail: bool  # GetOnlineEvaluationConfig was read
    samplingPercentage: float | None
    filters: int | None
    evaluators: list[str] | None  # evaluator ids (Builtin.* or the account's own)
    logGroupNames: list[str]
    logGroupNamePrefixes: list[str]
    serviceNames: list[str]
    outputLogGroup: str | None
    outputMetricsNamespace: str | None
    roleArn: str | None


class AgentCoreOnlineEvaluations(TypedDict):
    """agentcore.online_evaluations"""

    configs: list[AgentCoreOnlineEvaluation]
    truncated: bool
    errors: list[AgentCoreSubCallError]


class AgentCoreEvaluator(TypedDict):
    id: str | None
    arn: str | None
    name: str | None
    type: str | None  # Builtin | ThirdParty | Custom | CustomCode | CustomDerived
    provider: str | None
    level: str | None  # TOOL_CALL | TRACE | SESSION
    status: str | None


class AgentCoreEvaluators(TypedDict):
    """agentcore.evaluators"""

    evaluators: list[AgentCoreEvaluator]
    truncated: bool


class AgentCoreRole(TypedDict):
    """A runtime's execution role or a gateway's service role: the fields of shapes.RoleDetail (not imported:
    shapes.py re-exports this module), plus the resources that use it."""

    name: str
    arn: str
    resources: list[str]  # "runtime NAME" | "gateway NAME"
    boundary: str | None
    boundary_policy: NotRequired[dict[str, Any] | None]  # shapes.AttachedPolicy
    attached: list[dict[str, Any]] | None  # [shapes.AttachedPolicy]; None: unknown (see error)
    inline: list[dict[str, Any]] | None  # [shapes.InlinePolicy]
    error: str | None
    error_action: str | None


class AgentCoreRoles(TypedDict):
    """iam.agentcore_roles"""

    roles: list[AgentCoreRole]
    resources_without_role: list[str]  # runtimes/gateways whose Get* failed: their role is unknown
    truncated: bool
    errors: list[str]


class AgentCoreApiKeyProvider(TypedDict):
    name: str | None
    arn: str | None


class AgentCoreOauth2Provider(TypedDict):
    name: str | None
    arn: str | None
    vendor: str | None  # CredentialProviderVendorType, e.g. GoogleOauth2, CustomOauth2


class AgentCoreCredentialProviders(TypedDict):
    """agentcore.credential_providers: the token vault's outbound credential providers (metadata only)"""

    api_key: list[AgentCoreApiKeyProvider]
    oauth2: list[AgentCoreOauth2Provider]
    truncated: bool
