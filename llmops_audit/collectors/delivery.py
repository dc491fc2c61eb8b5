"""Delivery evidence: CodePipeline approvals, EventBridge schedules, SSM prompt parameters, environment tags.

Section shapes:
codepipeline.pipelines: {"pipelines": [{"name", "stages": [name, ...], "approvals": ["stage/action", ...]}]}
events.rules: {"rules": [{"name", "schedule": expr | None, "state", "description", "targets": [arn, ...]}]}
ssm.prompt_parameters: {"parameters": [name, ...]}   (names only, never values)
tagging.environments: {"tag_values": {tag key: [distinct values]}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

ENV_KEYS = ("env", "environment", "Environment", "Env", "stage", "Stage")


def pipelines(ctx: CollectContext) -> dict[str, Any]:
    out = []
    names = [p["name"] for p in ctx.aws.items("codepipeline", "list_pipelines", "pipelines", max_pages=5)]
    for name in names[:50]:
        p = ctx.aws.call("codepipeline", "get_pipeline", name=name).get("pipeline", {})
        approvals = [
            f"{s['name']}/{a['name']}"
            for s in p.get("stages", [])
            for a in s.get("actions", [])
            if (a.get("actionTypeId") or {}).get("category") == "Approval"
        ]
        out.append({"name": name, "stages": [s["name"] for s in p.get("stages", [])], "approvals": approvals})
    return {"pipelines": out}


def rules(ctx: CollectContext) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    listed = [
        r for page in ctx.aws.paginate("events", "list_rules", max_pages=5) for r in page.get("Rules", [])
    ]
    for r in listed[:200]:
        # Only schedules can start evaluations on their own; their targets are read (at most 50 rules).
        targets = (
            ctx.aws.call("events", "list_targets_by_rule", Rule=r["Name"]).get("Targets", [])
            if r.get("ScheduleExpression") and sum(1 for o in out if o["schedule"]) < 50
            else []
        )
        out.append(
            {
                "name": r["Name"],
                "schedule": r.get("ScheduleExpression"),
                "state": r.get("State"),
                "description": r.get("Description"),
                "targets": [t.get("Arn") for t in targets],
            }
        )
    return {"rules": out}


def prompt_parameters(ctx: CollectContext) -> dict[str, Any]:
    names = [
        p["Name"]
        for p in ctx.aws.items(
            "ssm",
            "describe_parameters",
            "Parameters",
            ParameterFilters=[
                {"Key": "Name", "Option": "Contains", "Values": ["prompt", "Prompt", "PROMPT"]}
            ],
            max_pages=5,
        )
    ]
    return {"parameters": sorted(set(names))}  # names only: values may hold the prompts themselves


def environments(ctx: CollectContext) -> dict[str, Any]:
    values: dict[str, list[str]] = {}
    for key in ENV_KEYS:
        found = {
            v
            for page in ctx.aws.paginate(
                "resourcegroupstaggingapi",
                "get_tag_values",
                Key=key,
                token_in="PaginationToken",
                token_out="PaginationToken",
                max_pages=3,
            )
            for v in page.get("TagValues", [])
        }
        if found:
            values[key] = sorted(found)
    return {"tag_values": values}


SECTIONS = {
    "codepipeline.pipelines": pipelines,
    "events.rules": rules,
    "ssm.prompt_parameters": prompt_parameters,
    "tagging.environments": environments,
}
