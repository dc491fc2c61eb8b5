"""Accessors for section data that other domains read, so each reader does not guess key names.

agents.agents is written by collectors/agents.py; Lambda, IAM and metric code read its action groups.
"""

from __future__ import annotations

from typing import Any


def action_groups(agent: dict[str, Any]) -> list[dict[str, Any]]:
    # None when the agent's action groups could not be listed.
    return list(agent.get("action_groups") or [])


def group_lambda(group: dict[str, Any]) -> str | None:
    return group.get("executorLambda")


def tool_lambda_arns(agents: list[dict[str, Any]]) -> set[str]:
    """ARNs of the Lambda functions that run the agents' action groups."""
    return {arn for a in agents for g in action_groups(a) if (arn := group_lambda(g))}
