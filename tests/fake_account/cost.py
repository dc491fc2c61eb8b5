"""Demo workload, cost and governance: a budget, the agent roles' IAM policies, and canned answers for the
Cost Explorer, SageMaker A2I and Organizations calls moto lacks. Runs last.

Intended outcome (see workload.py): L1.5 false (a budget exists); L4.6 NOT met (a budget, but no cost
attribution: no active cost-allocation tag, no anomaly monitor, no application inference profile);
L5.3 NOT met
(the supervisor agent's role has AdministratorAccess and no permissions boundary: a realistic finding);
no Organization (moto's default), no SageMaker notebook, no A2I flow definition, no OpenSearch collection.
"""

from __future__ import annotations

import json

from tests.fake_account import workload as w
from tests.fake_account.env import DemoEnv

BUDGET = "bedrock-monthly"
SUPERVISOR_ROLE = f"{w.AGENT_SUPERVISOR}-agent-role"
COLLABORATOR_ROLE = f"{w.AGENT_COLLABORATOR}-agent-role"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _role(env: DemoEnv, name: str) -> str:
    """The role `name`, created for bedrock.amazonaws.com unless the Bedrock seeder made it first."""
    iam = env.client("iam")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "bedrock.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def _budget(env: DemoEnv) -> None:
    env.client("budgets").create_budget(
        AccountId=env.account,
        Budget={
            "BudgetName": BUDGET,
            "BudgetLimit": {"Amount": "500", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CostFilters": {"Service": ["Amazon Bedrock"]},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": "ACTUAL",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "llmops-team@example.com"}],
            }
        ],
    )


def _iam(env: DemoEnv) -> None:
    iam = env.client("iam")
    _role(env, SUPERVISOR_ROLE)
    _role(env, COLLABORATOR_ROLE)
    try:
        iam.attach_role_policy(RoleName=SUPERVISOR_ROLE, PolicyArn=ADMIN_POLICY_ARN)
    except iam.exceptions.NoSuchEntityException:
        # moto loads AWS managed policies only on request (MOTO_IAM_LOAD_MANAGED_POLICIES): use a
        # customer-managed copy with the same name and document, which the audit flags the same way.
        arn = iam.create_policy(
            PolicyName="AdministratorAccess",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )
        iam.attach_role_policy(RoleName=SUPERVISOR_ROLE, PolicyArn=arn["Policy"]["Arn"])
    iam.put_role_policy(
        RoleName=COLLABORATOR_ROLE,
        PolicyName="invoke-haiku",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                        "Resource": f"arn:aws:bedrock:{env.region}::foundation-model/{w.HAIKU}",
                    }
                ],
            }
        ),
    )


def _canned(env: DemoEnv) -> None:
    """Answers for the operations moto does not implement, so the demo decides them (all: nothing there)."""
    env.canned.add("ce", "ListCostAllocationTags", {"CostAllocationTags": []})
    env.canned.add("ce", "GetAnomalyMonitors", {"AnomalyMonitors": []})
    env.canned.add("ce", "GetDimensionValues", {"DimensionValues": [], "ReturnSize": 0, "TotalSize": 0})
    env.canned.add("sagemaker", "ListFlowDefinitions", {"FlowDefinitionSummaries": []})
    env.canned.add("sagemaker-a2i-runtime", "ListHumanLoops", {"HumanLoopSummaries": []})


def seed(env: DemoEnv) -> None:
    _budget(env)
    _iam(env)
    _canned(env)
