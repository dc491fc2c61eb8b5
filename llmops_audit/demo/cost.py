"""Demo workload: a budget, IAM policies of the agent roles, and the cost/governance APIs moto lacks."""

from __future__ import annotations

from llmops_audit.demo.env import DemoEnv
from llmops_audit.demo.compute import _role


def seed(env: DemoEnv) -> None:
    env.client("budgets").create_budget(AccountId=env.account, Budget={
        "BudgetName": "bedrock-monthly", "BudgetLimit": {"Amount": "500", "Unit": "USD"},
        "TimeUnit": "MONTHLY", "BudgetType": "COST"})
    # No cost attribution yet (no active cost-allocation tags, no anomaly monitor): L4.6 stays open.
    env.canned.add("ce", "ListCostAllocationTags", {"CostAllocationTags": []})
    env.canned.add("ce", "GetAnomalyMonitors", {"AnomalyMonitors": []})
    # A realistic finding for L5.3: the supervisor agent's role has administrator access, no boundary.
    iam = env.client("iam")
    _role(env, "support-bot-agent-role", "bedrock.amazonaws.com")
    _role(env, "billing-helper-agent-role", "bedrock.amazonaws.com")
    admin = iam.create_policy(PolicyName="support-bot-full-access", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'))
    iam.attach_role_policy(RoleName="support-bot-agent-role", PolicyArn=admin["Policy"]["Arn"])
    iam.put_role_policy(RoleName="billing-helper-agent-role", PolicyName="invoke-models", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", '
        '"Resource": "arn:aws:bedrock:*::foundation-model/*"}]}'))
    env.canned.add("sagemaker", "ListFlowDefinitions", {"FlowDefinitionSummaries": []})
