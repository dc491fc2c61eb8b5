"""The shapes of the evidence sections, as TypedDicts, and accessors for data that other domains read.

Each collector (llmops_audit/collectors/*.py) returns one of the `*` section types below; probes and metric
calculators annotate what they read from `Evidence.get(name)` with the same types. TypedDicts are plain
dicts at run time: nothing here changes the data. Timestamps are datetimes as collected and ISO strings
once the section is stored (`plain`), which is what probes see.

Sections hold facts only (what AWS returned, reduced to names, flags, counts and numbers); every judgement
(is a role administrator-level, is a budget scoped to Bedrock, which tag attributes spend, is a score
passing) is made by the probe or calculator, so a saved snapshot re-scored with --from-evidence re-decides it.

agents.agents is written by collectors/agents.py; Lambda, IAM and metric code read its action groups.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NotRequired, TypeAlias, TypedDict

from llmops_audit.evidence.agentcore_shapes import *  # noqa: F403 - the AgentCore control-plane sections
from llmops_audit.evidence.genai_shapes import *  # noqa: F403 - the GenAI observability sections

Timestamp: TypeAlias = "datetime | str"  # a datetime when collected, its ISO string once stored


# A per-resource sub-call that failed (bedrock and agents sections; the field it fills is None):
# {"action": IAM action, "kind": denied|throttled|..., "resource": what was read, "message": str}
SubCallError: TypeAlias = "dict[str, str]"


# -- cloudwatch.* (collectors/cloudwatch.py, collectors/gate_metrics.py) ---------------------------------


class CatalogMetric(TypedDict):
    namespace: str
    metric: str
    dimensions: dict[str, str]
    custom: NotRequired[bool]  # a non-AWS metric with a telling name


class MetricCatalog(TypedDict):
    """cloudwatch.metric_catalog"""

    metrics: list[CatalogMetric]
    truncated: bool


class SeriesValue(TypedDict):
    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    value: float | None  # None: no data point in the period


class MetricStats(TypedDict):
    """cloudwatch.metric_stats (read through llmops_audit/evidence/series.py)"""

    period_seconds: int
    series: list[SeriesValue]
    queries: int


class MetricRef(TypedDict):
    namespace: str
    metric: str
    dimensions: NotRequired[dict[str, str]]  # the alarm's metric dimensions (FunctionName, ModelId, ...)
    expression: NotRequired[str]


class Alarm(TypedDict):
    name: str
    state: str | None
    metrics: list[MetricRef]
    actions: list[str]
    type: str  # metric | composite
    rule: NotRequired[str]  # composite alarms


class Alarms(TypedDict):
    """cloudwatch.alarms"""

    alarms: list[Alarm]
    # SNS topic in an alarm action -> the Lambda functions and SQS queues subscribed (None: not read)
    topics: NotRequired[dict[str, list[str] | None]]


class DashboardMetric(TypedDict):
    namespace: str
    metric: str


class Dashboard(TypedDict):
    name: str
    metrics: list[DashboardMetric]
    mentions_bedrock: bool  # the body names AWS/Bedrock (the body is not kept)


class Dashboards(TypedDict):
    """cloudwatch.dashboards"""

    dashboards: list[Dashboard]
    total: int


class InsightRule(TypedDict):
    name: str
    state: str | None
    log_groups: list[str]
    keys: list[str]


class InsightRules(TypedDict):
    """cloudwatch.insight_rules"""

    rules: list[InsightRule]


class GateMetric(TypedDict):
    namespace: str
    name: str
    stat: str
    value: float | None


class GateMetrics(TypedDict):
    """cloudwatch.gate_metrics"""

    metrics: list[GateMetric]


# -- logs.* (collectors/logs.py) ---------------------------------------------------------------------------


class LogGroup(TypedDict):
    """logs.invocation_log_group"""

    name: str | None
    exists: bool
    configured: NotRequired[bool]  # only when the group does not exist
    retentionInDays: NotRequired[int | None]
    storedBytes: NotRequired[int | None]
    dataProtection: NotRequired[str | None]
    kmsKeyId: NotRequired[str | None]  # the customer-managed KMS key that encrypts the group, if any


class LambdaLogGroup(LogGroup):
    function: str


class LambdaLogGroups(TypedDict):
    """logs.lambda_log_groups"""

    groups: list[LambdaLogGroup]


class MetricFilter(TypedDict):
    name: str | None
    logGroup: str | None
    pattern: str
    metrics: list[str]  # "namespace/metric"
    values: list[str]


class MetricFilters(TypedDict):
    """logs.metric_filters"""

    filters: list[MetricFilter]


class DataProtection(TypedDict):
    """logs.data_protection"""

    group: str | None
    group_policy: bool
    account_policies: list[str]
    # data identifiers each policy masks (Deidentify + MaskConfig); an Audit-only policy masks none; None: the
    # document was not readable. Absent in snapshots from before they were read.
    group_masks: NotRequired[list[str] | None]
    account_masks: NotRequired[dict[str, list[str] | None]]


class FeedbackGroup(TypedDict):
    group: str
    events: int
    capped: bool


class FeedbackEvents(TypedDict):
    """logs.feedback_events"""

    events: int
    up: int
    down: int
    groups: list[FeedbackGroup]
    searched: list[str]
    unparsed: int  # events whose message is not a JSON object (a plain string, null): skipped and counted


class InvocationRecord(TypedDict):
    modelId: str | None
    operation: str | None
    errorCode: str | None
    inputTokens: int | None
    outputTokens: int | None


class InvocationRecords(TypedDict):
    """logs.invocation_records"""

    group: str | None
    records: list[InvocationRecord]
    available: bool
    capped: NotRequired[bool]
    unparsed: NotRequired[int]  # events that were not a JSON object (skipped)


# -- bedrock.* (collectors/bedrock.py) ---------------------------------------------------------------------


class InvocationLogging(TypedDict):
    """bedrock.invocation_logging"""

    enabled: bool
    logGroupName: str | None
    roleArn: str | None
    s3Bucket: str | None
    s3KeyPrefix: str | None
    largeDataS3Bucket: str | None
    textDataDeliveryEnabled: bool
    imageDataDeliveryEnabled: bool
    embeddingDataDeliveryEnabled: bool
    videoDataDeliveryEnabled: bool
    audioDataDeliveryEnabled: bool


class ContentFilter(TypedDict):
    type: str | None
    inputStrength: str | None
    outputStrength: str | None
    inputAction: NotRequired[str | None]  # BLOCK | NONE (detect only); None: not given (blocks)
    outputAction: NotRequired[str | None]
    inputEnabled: bool | None
    outputEnabled: bool | None


class PiiEntity(TypedDict):
    type: str | None
    action: str | None  # BLOCK | ANONYMIZE | NONE (detect only)
    inputAction: str | None  # None: `action` applies
    outputAction: str | None
    inputEnabled: NotRequired[bool | None]
    outputEnabled: NotRequired[bool | None]


class SideActions(TypedDict):
    """A regex, denied topic or word filter: what it does on each side (no pattern, definition or text)."""

    inputAction: str | None
    outputAction: str | None
    inputEnabled: bool | None
    outputEnabled: bool | None


class RegexFilter(SideActions):
    action: str | None


class TopicFilter(SideActions):
    type: str | None  # DENY


class WordFilter(SideActions):
    managed: str | None  # PROFANITY for a managed word list; None for a custom word


class GroundingFilter(TypedDict):
    type: str | None
    threshold: float | None
    action: str | None  # BLOCK | NONE (detect only); None: not given (blocks)
    enabled: bool | None


class GuardrailPolicy(TypedDict):
    """What GetGuardrail returned for one guardrail version (ids, types and actions only)."""

    status: str | None
    content_filters: list[ContentFilter]
    pii_entities: list[PiiEntity]
    regexes: NotRequired[list[RegexFilter]]
    regex_count: int
    regex_actions: list[str | None]
    grounding_filters: list[GroundingFilter]
    topics: NotRequired[list[TopicFilter]]
    words: NotRequired[list[WordFilter]]
    automated_reasoning_policies: list[str]
    topic_count: int
    word_count: int


class Guardrail(TypedDict):
    id: str
    name: str | None
    arn: str | None
    status: str | None
    versions: list[str]  # numbered versions
    detail_version: str | None  # the version get_guardrail read; None: not read
    # from get_guardrail for detail_version (absent when it was not read):
    content_filters: NotRequired[list[ContentFilter]]
    pii_entities: NotRequired[list[PiiEntity]]
    regexes: NotRequired[list[RegexFilter]]
    regex_count: NotRequired[int]
    regex_actions: NotRequired[list[str | None]]
    grounding_filters: NotRequired[list[GroundingFilter]]
    topics: NotRequired[list[TopicFilter]]
    words: NotRequired[list[WordFilter]]
    automated_reasoning_policies: NotRequired[list[str]]
    topic_count: NotRequired[int]
    word_count: NotRequired[int]
    # every version whose policy was read (detail_version, older numbered versions, DRAFT):
    version_details: NotRequired[dict[str, GuardrailPolicy]]


class Guardrails(TypedDict):
    """bedrock.guardrails"""

    guardrails: list[Guardrail]
    errors: list[SubCallError]


class EnforcedGuardrailConfig(TypedDict):
    configId: str | None
    guardrailId: str | None
    guardrailArn: str | None
    guardrailVersion: str | None
    owner: str | None
    includedModels: list[str]
    excludedModels: list[str]


class EnforcedGuardrails(TypedDict):
    """bedrock.enforced_guardrails"""

    configs: list[EnforcedGuardrailConfig]


class MetricScore(TypedDict):
    mean: float
    count: int  # records that scored the metric


class EvaluationScores(TypedDict):
    files: int  # *_output.jsonl files read
    records: int
    truncated: bool
    metrics: dict[str, MetricScore]  # by metricName
    # Every record's score (rounded to 4 places), per metricName, in file order; no record text.
    record_scores: dict[str, list[float]]


class EvaluationJob(TypedDict):
    arn: str | None
    name: str | None
    status: str | None
    jobType: str | None  # Automated | Human
    applicationType: str | None
    creationTime: Timestamp | None
    taskTypes: list[str]
    detail: bool  # get_evaluation_job read
    metricNames: list[str]
    customMetricNames: list[str]
    judge: bool
    judgeModels: list[str]
    outputS3Uri: str | None
    scores: EvaluationScores | None  # Completed automated jobs only (the 20 most recent)
    score_error: str | None


class EvaluationJobs(TypedDict):
    """bedrock.evaluation_jobs"""

    since: Timestamp
    jobs: list[EvaluationJob]
    truncated: bool
    errors: list[SubCallError]


class InferenceProfile(TypedDict):
    id: str | None
    name: str | None
    arn: str | None
    status: str | None
    type: str | None
    models: list[str]
    tags: dict[str, str] | None  # None: not read


class InferenceProfiles(TypedDict):
    """bedrock.inference_profiles (APPLICATION profiles)"""

    profiles: list[InferenceProfile]
    errors: list[SubCallError]


class PromptRouter(TypedDict):
    name: str | None
    arn: str | None
    status: str | None
    type: str | None
    models: list[str]
    fallbackModel: str | None


class PromptRouters(TypedDict):
    """bedrock.prompt_routers"""

    routers: list[PromptRouter]


class InvocationJob(TypedDict):
    arn: str | None
    name: str | None
    status: str | None
    modelId: str | None
    submitTime: Timestamp | None
    endTime: Timestamp | None


class InvocationJobs(TypedDict):
    """bedrock.invocation_jobs"""

    since: Timestamp
    truncated: bool
    jobs: list[InvocationJob]


class CustomizationJob(TypedDict):
    arn: str | None
    name: str | None
    status: str | None
    customizationType: str | None
    creationTime: Timestamp | None
    baseModelArn: str | None
    detail: bool
    usesInvocationLogs: bool | None
    usePromptResponse: bool | None


class CustomizationJobs(TypedDict):
    """bedrock.customization_jobs"""

    jobs: list[CustomizationJob]
    errors: list[SubCallError]


class PromptOptimizationJob(TypedDict):
    arn: str | None
    name: str | None
    status: str | None
    creationTime: Timestamp | None


class PromptOptimizationJobs(TypedDict):
    """bedrock.prompt_optimization_jobs (supported: whether the installed botocore has the API)"""

    supported: bool
    jobs: list[PromptOptimizationJob]


class AutomatedReasoningPolicy(TypedDict):
    arn: str | None
    id: str | None
    name: str | None
    version: str | None
    updatedAt: Timestamp | None


class AutomatedReasoningPolicies(TypedDict):
    """bedrock.automated_reasoning_policies"""

    policies: list[AutomatedReasoningPolicy]


# -- agents.* (collectors/agents.py) -----------------------------------------------------------------------


class GuardrailRef(TypedDict):
    id: str | None
    version: str | None


class AgentVersion(TypedDict):
    version: str | None
    status: str | None
    guardrail: GuardrailRef | None


class AgentAlias(TypedDict):
    id: str | None
    name: str | None
    status: str | None
    versions: list[str]


class ActionFunction(TypedDict):
    name: str | None
    requireConfirmation: str | None  # ENABLED | DISABLED | None


class ActionGroup(TypedDict):
    id: str | None
    name: str | None
    state: str | None
    detail: bool
    executorLambda: str | None
    customControl: str | None  # RETURN_CONTROL | None
    parentActionSignature: str | None
    schema: str | None  # function | api | api-s3 | None
    functions: list[ActionFunction]


class Collaborator(TypedDict):
    name: str | None
    aliasArn: str | None
    hasInstruction: bool
    relayConversationHistory: str | None


class Agent(TypedDict):
    id: str
    name: str | None
    arn: str | None
    status: str | None
    version: str | None
    detail: bool  # get_agent read
    roleArn: str | None
    foundationModel: str | None
    orchestrationType: str | None
    guardrail: GuardrailRef | None
    collaboration: str | None  # SUPERVISOR | SUPERVISOR_ROUTER | DISABLED | None
    memory: bool
    versions: list[AgentVersion] | None
    aliases: list[AgentAlias] | None
    action_groups: list[ActionGroup] | None  # the DRAFT version's
    collaborators: list[Collaborator] | None  # SUPERVISOR* agents only


class Agents(TypedDict):
    """agents.agents"""

    agents: list[Agent]
    truncated: bool
    errors: list[SubCallError]


class IngestionStatistics(TypedDict):
    numberOfDocumentsScanned: int | None
    numberOfNewDocumentsIndexed: int | None
    numberOfModifiedDocumentsIndexed: int | None
    numberOfDocumentsFailed: int | None
    numberOfDocumentsSkipped: int | None
    numberOfDocumentsDeleted: int | None


class IngestionJob(TypedDict):
    id: str | None
    status: str | None
    startedAt: Timestamp | None
    updatedAt: Timestamp | None
    statistics: NotRequired[IngestionStatistics | None]  # None: not returned


class DataSource(TypedDict):
    id: str | None
    name: str | None
    status: str | None
    ingestion_jobs: list[IngestionJob] | None


class KnowledgeBaseStorage(TypedDict):
    type: str | None  # OPENSEARCH_SERVERLESS | RDS | S3_VECTORS | ...
    collectionArn: str | None  # OpenSearch Serverless only


class KnowledgeBase(TypedDict):
    id: str | None
    name: str | None
    status: str | None
    updatedAt: Timestamp | None
    storage: NotRequired[KnowledgeBaseStorage | None]  # None: GetKnowledgeBase failed
    data_sources: list[DataSource] | None


class KnowledgeBases(TypedDict):
    """agents.knowledge_bases"""

    knowledge_bases: list[KnowledgeBase]
    truncated: bool
    errors: list[SubCallError]


class Prompt(TypedDict):
    id: str | None
    name: str | None
    arn: str | None
    updatedAt: Timestamp | None
    versions: list[str] | None  # numbered only


class Prompts(TypedDict):
    """agents.prompts"""

    prompts: list[Prompt]
    errors: list[SubCallError]


class PromptNode(TypedDict):
    name: str | None
    source: str | None  # resource (a Prompt management prompt) | inline | None
    promptArn: str | None


class FlowAlias(TypedDict):
    id: str | None
    name: str | None
    versions: list[str]


class Flow(TypedDict):
    id: str | None
    name: str | None
    arn: str | None
    status: str | None
    version: str | None
    node_types: list[str] | None
    prompt_nodes: NotRequired[list[PromptNode] | None]  # None: GetFlow failed
    versions: list[str] | None
    aliases: NotRequired[list[FlowAlias] | None]  # None: ListFlowAliases failed


class Flows(TypedDict):
    """agents.flows"""

    flows: list[Flow]
    errors: list[SubCallError]


# -- cloudtrail.* (collectors/cloudtrail.py) ---------------------------------------------------------------


class AdvancedSelector(TypedDict):
    name: str
    fields: dict[str, dict[str, list[str]]]  # field -> {"Equals": [...], "StartsWith": [...], ...}


class Trail(TypedDict):
    name: str
    arn: str
    homeRegion: str | None  # the Region the trail was created in (its status and selectors are read there)
    organization: bool  # IsOrganizationTrail: logs every account of the organization
    logging: bool | None  # GetTrailStatus IsLogging; None when the status could not be read
    multiRegion: bool
    validation: bool
    bucket: str | None
    logGroupArn: str | None
    advancedSelectors: list[AdvancedSelector] | None  # None when GetEventSelectors could not be read
    basicDataResources: list[str | None] | None


class Trails(TypedDict):
    """cloudtrail.trails (DescribeTrails with shadow trails: organization trails and trails homed elsewhere)"""

    trails: list[Trail]
    errors: NotRequired[list[SubCallError]]  # per-trail GetTrailStatus / GetEventSelectors failures


class EventDataStore(TypedDict):
    name: str | None
    arn: str | None
    # From GetEventDataStore (ListEventDataStores no longer returns them); None when it could not be read.
    status: str | None
    multiRegion: NotRequired[bool | None]
    organization: NotRequired[bool | None]
    advancedSelectors: NotRequired[list[AdvancedSelector] | None]


class EventDataStores(TypedDict):
    """cloudtrail.event_data_stores"""

    stores: list[EventDataStore]
    errors: NotRequired[list[SubCallError]]


# Fields of an advanced event selector that select events (the rest narrow what a selector logs).
_SELECTING_FIELDS = ("eventCategory", "resources.type")
# resources.ARN StartsWith "arn:aws:bedrock:" (service-wide, no Region or account): every resource of the type.
_SERVICE_WIDE_ARN = re.compile(r"^arn:[a-z-]*:[a-z-]*:?$")


def _narrowing(field: str, ops: dict[str, list[str]]) -> bool:
    if field == "readOnly":  # Equals is its only operator: both values select every event
        return not {"true", "false"} <= {v.lower() for v in ops.get("Equals") or []}
    if field == "resources.ARN" and set(ops) == {"StartsWith"}:
        return not all(_SERVICE_WIDE_ARN.match(v) for v in ops["StartsWith"])
    return True


def data_event_coverage(selectors: list[AdvancedSelector] | None) -> dict[str, list[str]]:
    """resources.type -> the fields that narrow its data events ([] when every event of the type is logged).

    Advanced event selectors are ORed and the field selectors of one selector ANDed (CloudTrail User Guide,
    "Filtering data events by using advanced event selectors"); eventCategory and resources.type take only
    Equals. A type logged unnarrowed by one selector is fully covered whatever the others narrow.
    """
    out: dict[str, list[str]] = {}
    for s in selectors or []:
        f = s.get("fields") or {}
        if "Data" not in ((f.get("eventCategory") or {}).get("Equals") or []):
            continue
        narrowed = sorted(k for k, ops in f.items() if k not in _SELECTING_FIELDS and _narrowing(k, ops))
        for t in (f.get("resources.type") or {}).get("Equals") or []:
            if t not in out or not narrowed:
                out[t] = narrowed if t not in out else min(out[t], narrowed, key=len)
    return out


class BucketObjectLock(TypedDict):
    """cloudtrail.bucket_object_lock"""

    buckets: dict[str, bool]


class InvokeAgentEvents(TypedDict):
    """cloudtrail.invoke_agent_events"""

    log_group: str | None
    trail: str | None
    recorded: bool  # the trail is logging and logs AgentAlias data events, unnarrowed, for the audited Region
    events: int | None  # eventSource bedrock.amazonaws.com, eventName InvokeAgent, awsRegion audited
    capped: bool
    reason: NotRequired[str | None]  # why nothing was counted, when a trail was found but not read


# -- lambda, stepfunctions, apigateway, xray (collectors/compute.py) -------------------------------------


class LambdaPolicyStatement(TypedDict):
    sid: str | None
    effect: str
    principal: str
    sourceArn: str | None
    sourceAccount: str | None


class LambdaFunction(TypedDict):
    name: str
    arn: str
    runtime: str | None
    timeout: int | None
    memorySize: int | None
    tracing: str  # Active | PassThrough
    dlq: str | None
    role: str | None
    envNames: list[str]  # environment variable names only, never values
    roleActions: list[str] | None  # bedrock* action patterns the execution role allows; None: not read
    llm: bool  # tied to the LLM workload by the facts above (probes/workload.py; X-Ray is judged there)
    actionGroupExecutor: bool
    logGroup: str | None
    # detail, for the LLM functions only, at most 50:
    retries: NotRequired[int | None]
    onFailure: NotRequired[str | None]
    policy: NotRequired[list[LambdaPolicyStatement]]
    aliases: NotRequired[list[str]]


class LambdaFunctions(TypedDict):
    """lambda.functions"""

    functions: list[LambdaFunction]
    total: int  # functions listed
    detailed: int  # functions whose detail was read
    agentsRead: bool  # agents.agents was read (action-group executors are known)
    rolesRead: int  # execution roles whose policies were read
    roleErrors: list[str]  # why some roles were not read ("iam:ListRolePolicies denied", the cap)


class StateMachineTask(TypedDict):
    name: str
    retry: bool
    catch: bool
    resource: NotRequired[str | None]  # the task's Resource (arn:aws:states:::bedrock:invokeModel, ...)
    function: NotRequired[str | None]  # a literal FunctionName parameter of a lambda:invoke task


class StateMachine(TypedDict):
    name: str
    arn: str
    tasks: list[StateMachineTask]
    tracing: bool
    definitionRead: NotRequired[bool]  # False: the definition was missing or not JSON


class StateMachines(TypedDict):
    """stepfunctions.state_machines"""

    state_machines: list[StateMachine]


class Executions(TypedDict):
    """stepfunctions.executions"""

    executions: int
    tasks_failed: int
    tasks_recovered: int


class ApiStage(TypedDict):
    name: str | None
    tracing: bool
    cache: bool
    metrics: bool
    cacheCluster: NotRequired[bool]  # REST: a stage cache is provisioned
    # REST: method-settings key ("*/*", "~1chat/POST") -> cachingEnabled
    caching: NotRequired[dict[str, bool]]


class Api(TypedDict):
    name: str | None
    id: str
    stages: list[ApiStage]
    protocol: NotRequired[str | None]  # HTTP APIs
    # integration URIs (Lambda invoke ARNs, bedrock-runtime paths)
    integrations: NotRequired[list[str] | None]
    methods: NotRequired[dict[str, str]]  # REST: "path VERB" -> integration URI


class Apis(TypedDict):
    """apigateway.rest_apis and apigateway.http_apis"""

    apis: list[Api]


class TraceWindow(TypedDict):
    start: Timestamp
    end: Timestamp


class Trace(TypedDict):
    id: str | None
    duration_ms: float
    spans: dict[str, float]  # segment or subsegment name -> total ms
    bedrockCallers: NotRequired[list[str]]  # Lambda function segments with an AWS SDK call to Bedrock


class Traces(TypedDict):
    """xray.traces"""

    count: int
    window: TraceWindow | None
    traces: list[Trace]


# -- codepipeline, events, ssm, tagging (collectors/delivery.py) -----------------------------------------


class StackResource(TypedDict):
    type: str  # AWS::Lambda::Function, AWS::Bedrock::Agent, ...
    id: str  # physical id


class PipelineDeploy(TypedDict):
    provider: str  # Lambda, CloudFormation, S3, CodeDeploy, ...
    function: NotRequired[str | None]  # Lambda deploy actions
    stack: NotRequired[str]  # CloudFormation actions
    stackResources: NotRequired[list[StackResource] | None]  # None: not read (denied or over the cap)


class Pipeline(TypedDict):
    name: str
    stages: list[str]
    approvals: list[str]  # "stage/action"
    deploys: NotRequired[list[PipelineDeploy]]  # Deploy and Invoke actions' targets


class Pipelines(TypedDict):
    """codepipeline.pipelines"""

    pipelines: list[Pipeline]
    stacksRead: NotRequired[int]


class EventRule(TypedDict):
    name: str
    schedule: str | None
    state: str | None
    description: str | None
    targets: list[str | None]


class EventRules(TypedDict):
    """events.rules"""

    rules: list[EventRule]


class PromptParameters(TypedDict):
    """ssm.prompt_parameters (names only, never values)"""

    parameters: list[str]


class Environments(TypedDict):
    """tagging.environments"""

    tag_values: dict[str, list[str]]
    resources: NotRequired[dict[str, dict[str, str]]]  # ARN -> {environment tag key: value}
    capped: NotRequired[bool]  # more tagged resources than were kept


# -- budgets, ce (collectors/cost.py) ----------------------------------------------------------------------


class Budget(TypedDict):
    name: str
    type: str | None
    time_unit: str | None
    limit: str | None  # amount
    unit: str | None
    cost_filters: dict[str, list[str]]
    filter_expression: dict[str, Any] | None  # the budget's FilterExpression as AWS returned it
    notifications: int | None  # None: describe_notifications_for_budget failed or was not called


class Budgets(TypedDict):
    """budgets.budgets"""

    budgets: list[Budget]
    # standalone | management | member; None: DescribeOrganization failed (a member account does not see the
    # budgets its management account keeps)
    organization_role: str | None
    errors: list[str]


class AnomalyMonitor(TypedDict):
    name: str | None
    arn: str | None
    type: str | None  # DIMENSIONAL | CUSTOM
    dimension: str | None  # SERVICE | LINKED_ACCOUNT | TAG | COST_CATEGORY (DIMENSIONAL monitors)
    specification: dict[str, Any] | None  # MonitorSpecification as AWS returned it
    subscribers: int | None  # subscribers not DECLINED on the subscriptions listing it; None: not read
    subscriptions: list[str]


class AnomalyMonitors(TypedDict):
    """ce.anomaly_monitors"""

    monitors: list[AnomalyMonitor]
    errors: list[str]


class CostAllocationTags(TypedDict):
    """ce.cost_allocation_tags (Status Active only)"""

    tags: list[str]
    types: dict[str, str | None]  # UserDefined | AWSGenerated


class CostByTag(TypedDict):
    """ce.cost_by_tag"""

    start: str  # YYYY-MM-DD
    end: str  # exclusive
    services: list[str]  # SERVICE values filtered on
    services_discovered: bool
    total: float | None  # None: Cost Explorer returned no result rows
    currency: str | None
    tag_keys: list[str]  # the active tag keys spend was grouped by, in the order AWS listed them
    tags_not_grouped: list[str]  # active tag keys past the collector's bound
    by_tag: dict[str, dict[str, float]]  # tag key -> {tag value ("" untagged): amount}
    errors: list[str]


# -- iam, organizations, sagemaker, aoss (collectors/governance.py) ----------------------------------------


class PolicyStatement(TypedDict):
    """An IAM policy statement reduced to what grants access (no Sid or Principal)."""

    Effect: str | None
    Action: list[Any]
    Resource: list[Any]
    NotAction: NotRequired[list[Any]]
    NotResource: NotRequired[list[Any]]
    # {operator: {key: [values]}}; {"?": {}} when the Condition could not be read as such
    Condition: NotRequired[dict[str, dict[str, list[Any]]]]


class AttachedPolicy(TypedDict):
    name: str
    arn: str
    statements: list[PolicyStatement] | None  # None: its document could not be read (see error)
    error: NotRequired[str | None]
    error_action: NotRequired[str | None]


class InlinePolicy(TypedDict):
    name: str
    statements: list[PolicyStatement]


class RoleDetail(TypedDict):
    boundary: str | None  # permissions-boundary ARN
    boundary_policy: NotRequired[AttachedPolicy | None]  # the boundary's document (None: no boundary)
    attached: list[AttachedPolicy] | None  # None: unknown (a call failed, see error)
    inline: list[InlinePolicy] | None
    error: str | None
    error_action: str | None


class AgentRole(RoleDetail):
    name: str
    arn: str
    agents: list[str]


class AgentRoles(TypedDict):
    """iam.agent_roles"""

    roles: list[AgentRole]
    agents_without_role: list[str]
    truncated: NotRequired[bool]  # more roles than the collector reads
    errors: list[str]


class LambdaRole(RoleDetail):
    name: str
    arn: str
    functions: list[str]  # the LLM functions (lambda.functions "llm") that run under it


class LambdaRoles(TypedDict):
    """iam.llm_lambda_roles"""

    roles: list[LambdaRole]
    functions_without_role: list[str]
    truncated: bool  # more roles than the collector reads
    errors: list[str]


class BedrockApiKey(TypedDict):
    user: str | None
    id: str | None
    status: str | None  # Active | Inactive | Expired
    created: str | None
    expires: str | None  # None: never expires


class BedrockApiKeys(TypedDict):
    """iam.bedrock_api_keys (long-term keys only: short-term keys are not visible in IAM)"""

    keys: list[BedrockApiKey]
    truncated: bool


class OrgPolicies(TypedDict):
    """organizations.policies"""

    in_organization: bool
    policies: list[str]  # AISERVICES_OPT_OUT_POLICY names
    targets: dict[str, int | None]
    errors: list[str]


class OrgAccounts(TypedDict):
    """organizations.accounts"""

    in_organization: bool
    accounts: list[str]


class NotebookRole(RoleDetail):
    name: str
    arn: str
    used_by: list[str]  # "notebook instance x" | "Studio domain y"


class Notebooks(TypedDict):
    """sagemaker.notebooks"""

    notebooks: list[str]
    domains: list[str | None]
    roles: NotRequired[list[NotebookRole]]  # execution roles, with their policies
    unknown: NotRequired[list[str]]  # notebooks / domains whose role could not be read
    errors: NotRequired[list[str]]


class FlowDefinition(TypedDict):
    name: str
    arn: str | None
    status: str | None
    conditional: bool | None  # None: describe failed


class FlowDefinitions(TypedDict):
    """sagemaker.flow_definitions"""

    flow_definitions: list[FlowDefinition]
    errors: list[str]


class HumanLoops(TypedDict):
    """sagemaker.human_loops"""

    human_loops: int | None
    flow_definitions: int
    errors: list[str]


class Collection(TypedDict):
    name: str | None
    id: str | None
    status: str | None
    type: str | None  # VECTORSEARCH | SEARCH | TIMESERIES | None (unknown)


class Collections(TypedDict):
    """aoss.collections"""

    collections: list[Collection]
    errors: list[str]


# -- accessors ---------------------------------------------------------------------------------------------


def action_groups(agent: Agent) -> list[ActionGroup]:
    # None when the agent's action groups could not be listed.
    return list(agent.get("action_groups") or [])


def group_lambda(group: ActionGroup) -> str | None:
    return group.get("executorLambda")


def tool_lambda_arns(agents: list[Agent]) -> set[str]:
    """ARNs of the Lambda functions that run the agents' action groups."""
    return {arn for a in agents for g in action_groups(a) if (arn := group_lambda(g))}
