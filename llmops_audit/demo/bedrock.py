"""Demo workload: bedrock part."""

from __future__ import annotations

from llmops_audit.demo.env import DemoEnv


def seed(env: DemoEnv) -> None:
    pass
