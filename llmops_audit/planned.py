"""Probe and calculator ids the shipped frameworks name but no module implements (yet).

Each one is registered as a placeholder that answers "not implemented yet": the item it decides can
only come out unknown (never met), and its metric row stays empty with that reason. A real
implementation with the same id replaces the placeholder automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml


def _rule_ids(rule: object) -> Iterable[str]:
    if isinstance(rule, str):
        yield rule
    elif isinstance(rule, dict):
        if "probe" in rule:
            yield rule["probe"]
        for key in ("all", "any"):
            for part in rule.get(key, []):
                yield from _rule_ids(part)
        if "not" in rule:
            yield from _rule_ids(rule["not"])


def named_in_shipped_levels() -> tuple[set[str], set[str]]:
    """(probe ids, calculator ids) named by every shipped framework's level files."""
    from llmops_audit.definitions import builtin_levels_dir

    probes: set[str] = set()
    calcs: set[str] = set()
    root = builtin_levels_dir()
    for path in [*root.glob("*.yaml"), *root.glob("frameworks/*/*.yaml")]:
        if path.name == "framework.yaml":
            continue
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # definitions.py reports broken files properly when they are loaded
        for item in data.get("items") or []:
            if isinstance(item, dict):
                probes.update(_rule_ids(item.get("decide")))
        for row in data.get("metrics") or []:
            if isinstance(row, dict) and isinstance(row.get("compute"), str):
                calcs.add(row["compute"])
    return probes, calcs
