"""Probes over CodePipeline, EventBridge, SSM parameters and environment tags."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, environment_of, met, names, not_met, plural, probe

EVAL = re.compile(r"eval|judge|regression|benchmark", re.I)


@probe("pipeline_manual_approval_present", "codepipeline.pipelines")
def pipeline_manual_approval_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A CodePipeline pipeline has a manual approval action."""
    pipes = ev.get("codepipeline.pipelines")["pipelines"]
    ok = [f"{p['name']} ({', '.join(p['approvals'])})" for p in pipes if p["approvals"]]
    if ok:
        return met(f"Pipeline {names(ok)} requires a manual approval.")
    if pipes:
        return not_met(f"Pipeline {names([p['name'] for p in pipes])} has no manual approval action.")
    return not_met("No CodePipeline pipeline exists, so no approval step is visible in AWS.")


@probe("scheduled_evaluation_rules_present", "events.rules")
def scheduled_evaluation_rules_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An EventBridge schedule starts evaluation runs."""
    all_rules = ev.get("events.rules")["rules"]
    schedules = [r for r in all_rules if r["schedule"] and r.get("state") != "DISABLED"]
    rules = [
        r
        for r in schedules
        if r["targets"]
        and (
            EVAL.search(r["name"])
            or EVAL.search(r.get("description") or "")
            or any(EVAL.search((t or "").split(":")[-1]) for t in r["targets"])
        )
    ]
    if rules:
        return met(
            f"Schedule {names([r['name'] + ' (' + r['schedule'] + ')' for r in rules])} starts evaluations "
            f"(targets: {names(sorted({(t or '').split(':')[-1] for r in rules for t in r['targets']}))})."
        )
    if not all_rules:
        return not_met("No EventBridge rule exists, so no schedule starts evaluation runs.")
    if not schedules:
        return not_met(
            f"None of the {plural(len(all_rules), 'EventBridge rule')} is an enabled schedule, "
            "so none starts evaluation runs."
        )
    return not_met(
        f"None of the {plural(len(schedules), 'enabled EventBridge schedule')} starts evaluation runs "
        "(no schedule whose name, description or target mentions eval, judge or benchmark)."
    )


@probe("ssm_prompt_parameters_present", "ssm.prompt_parameters")
def ssm_prompt_parameters_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Prompt templates are stored as SSM parameters."""
    found = ev.get("ssm.prompt_parameters")["parameters"]
    if found:
        return met(f"SSM parameter {names(found)} holds prompts.")
    return not_met("No SSM parameter holds prompts.")


@probe("environments_tagged", "tagging.environments")
def environments_tagged(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Resources carry at least two environment tag values (dev, test, stage, prod)."""
    values = ev.get("tagging.environments")["tag_values"]
    envs = sorted({e for vs in values.values() for v in vs if (e := environment_of(v))})
    if len(envs) >= 2:
        return met(
            f"Resources are tagged for {len(envs)} environments ({', '.join(envs)}) via "
            f"{', '.join(sorted(values))}."
        )
    return not_met(
        f"Environment tags show {plural(len(envs), 'environment')}"
        + (f" ({', '.join(envs)})" if envs else "")
        + "; separation needs at least two."
    )
