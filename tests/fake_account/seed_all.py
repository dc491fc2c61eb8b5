"""Seed every domain of the demo workload, in dependency order (agents before their Lambdas' policies...)."""

from __future__ import annotations

from tests.fake_account import agentcore, bedrock, cloudwatch, compute, cost
from tests.fake_account.env import DemoEnv


def seed(env: DemoEnv) -> None:
    compute.seed(env)
    bedrock.seed(env)
    cloudwatch.seed(env)
    cost.seed(env)
    agentcore.seed(env)
