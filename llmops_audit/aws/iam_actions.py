"""Which IAM action a boto3 operation needs, so a denied call can name it."""

from __future__ import annotations

import re

# botocore service name -> IAM service prefix, where they differ
_PREFIX = {
    "bedrock-agent": "bedrock",
    "bedrock-agentcore-control": "bedrock-agentcore",
    "bedrock-runtime": "bedrock",
    "resourcegroupstaggingapi": "tag",
    "stepfunctions": "states",
    "sagemaker-a2i-runtime": "sagemaker",
    "apigatewayv2": "apigateway",
    "elbv2": "elasticloadbalancing",
    "opensearchserverless": "aoss",
}

# operations whose IAM action is not "<prefix>:<OperationName>"
_SPECIAL = {
    ("budgets", "DescribeBudgets"): "budgets:ViewBudget",
    # DescribeNotificationsForBudget is authorised by budgets:ViewBudget: it is no IAM action of its own
    ("budgets", "DescribeNotificationsForBudget"): "budgets:ViewBudget",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("lambda", "GetFunctionConfiguration"): "lambda:GetFunctionConfiguration",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
}

_DENIED_ACTION = re.compile(r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")


def iam_action(service: str, operation: str, message: str = "") -> str:
    """The IAM action behind `operation`, read from AWS's error message when it says, else derived."""
    found = _DENIED_ACTION.search(message or "")
    if found:
        return found.group(1)
    if service in ("apigateway", "apigatewayv2"):
        return "apigateway:GET"
    if (service, operation) in _SPECIAL:
        return _SPECIAL[(service, operation)]
    return f"{_PREFIX.get(service, service)}:{operation}"
