"""The gate policy: the shipped defaults (data/policy.yaml) overlaid with the user's --policy file.

Both are schema-validated (schemas/policy.schema.json); keys left out keep their defaults.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from llmops_audit.inputs.files import load_yaml, validate

GATE_IDS = ("quality", "safety", "performance", "cost")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def default_policy_path() -> Path:
    return Path(str(resources.files("llmops_audit.data").joinpath("policy.yaml")))


def load_policy(path: Path | None) -> dict[str, Any]:
    """The shipped default policy, overlaid with the user's file when given (both schema-validated)."""
    base_path = default_policy_path()
    base, node = load_yaml(base_path, "policy file")
    validate(base, node, base_path, "policy", "policy file")
    if path is None:
        return base
    data, node = load_yaml(path, "policy file")
    if data is None:
        data = {}

    def label(loc: list[Any]) -> str | None:
        return f"gate {loc[0]}" if loc and loc[0] in GATE_IDS else None

    validate(data, node, path, "policy", "policy file", label)
    return _merge(base, data)


def custom_gate_metrics(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The custom CloudWatch metrics the policy's gates name, which the collectors must read."""
    return [g["custom_metric"] for g in policy.values() if isinstance(g, dict) and g.get("custom_metric")]
