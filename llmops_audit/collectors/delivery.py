"""Delivery evidence: CodePipeline approvals, EventBridge schedules, SSM prompt parameters, environment tags.

Section shapes:
codepipeline.pipelines: {"pipelines": [{"name", "stages": [name, ...], "approvals": ["stage/action", ...]}]}
events.rules: {"rules": [{"name", "schedule": expr | None, "state", "targets": [arn, ...]}]}
(no rule description: free text a person wrote is never copied into evidence)
scheduler.schedules: {"schedules": [{"name", "group", "state", "schedule": expr | None (not read), "targets": [arn],
    "detail": bool (GetSchedule read)}], "detailed": int}   (EventBridge Scheduler; never the target's Input)
ssm.prompt_parameters: {"parameters": [name, ...]}   (names only, never values)
tagging.environments: {"tag_values": {tag key: [distinct values]}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

ENV_KEYS = ("env", "environment", "Environment", "Env", "stage", "Stage")


MAX_STACKS = 20  # CloudFormation stacks whose resources are listed, over all pipelines


def _stack_resources(
    ctx: CollectContext, stack: str, cache: dict[str, list[dict[str, str]] | None]
) -> list[dict[str, str]] | None:
    """The (type, physical id) of the resources of `stack`; None when they could not be read."""
    if stack not in cache:
        if len(cache) >= MAX_STACKS:
            return None
        try:
            cache[stack] = [
                {"type": r.get("ResourceType", ""), "id": r.get("PhysicalResourceId", "")}
                for r in ctx.aws.items(
                    "cloudformation",
                    "list_stack_resources",
                    "StackResourceSummaries",
                    StackName=stack,
                    max_pages=5,
                )
            ]
        except AwsCallError as exc:
            # a stack that does not exist (yet) holds nothing; any other failure leaves it unknown
            cache[stack] = [] if exc.kind == "not_found" or "does not exist" in str(exc) else None
    return cache[stack]


def _deploys(ctx: CollectContext, action: dict[str, Any], cache: dict[str, Any]) -> dict[str, Any] | None:
    """What a Deploy or Invoke action targets: a Lambda function, or a CloudFormation stack's resources."""
    kind = action.get("actionTypeId") or {}
    cfg = action.get("configuration") or {}
    provider = str(kind.get("provider") or "")
    if kind.get("category") not in ("Deploy", "Invoke"):
        return None
    if provider == "Lambda" and kind.get("category") == "Deploy":
        return {"provider": provider, "function": cfg.get("FunctionName")}
    if provider.startswith("CloudFormation") and cfg.get("StackName"):
        return {
            "provider": provider,
            "stack": cfg["StackName"],
            "stackResources": _stack_resources(ctx, cfg["StackName"], cache),
        }
    return {"provider": provider}  # S3, CodeDeploy, ECS, ...: nothing tied to a function here


def pipelines(ctx: CollectContext) -> dict[str, Any]:
    out = []
    stacks: dict[str, Any] = {}
    names = [p["name"] for p in ctx.aws.items("codepipeline", "list_pipelines", "pipelines", max_pages=5)]
    for name in names[:50]:
        p = ctx.aws.call("codepipeline", "get_pipeline", name=name).get("pipeline", {})
        actions = [(s, a) for s in p.get("stages", []) for a in s.get("actions", [])]
        approvals = [
            f"{s['name']}/{a['name']}"
            for s, a in actions
            if (a.get("actionTypeId") or {}).get("category") == "Approval"
        ]
        deploys = [d for _, a in actions if (d := _deploys(ctx, a, stacks))]
        out.append(
            {
                "name": name,
                "stages": [s["name"] for s in p.get("stages", [])],
                "approvals": approvals,
                "deploys": deploys,
            }
        )
    return {"pipelines": out, "stacksRead": sum(1 for v in stacks.values() if v is not None)}


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
                "targets": [t.get("Arn") for t in targets],
            }
        )
    return {"rules": out}


MAX_SCHEDULES = 50  # schedules whose detail (GetSchedule: the expression) is read
# Targets that could start an evaluation: a function, a state machine, or a universal target calling
# Bedrock or Step Functions (arn:aws:scheduler:::aws-sdk:<service>:<apiAction>).
_CANDIDATE = (":lambda:", ":states:", ":aws-sdk:bedrock", ":aws-sdk:sfn:")


def schedules(ctx: CollectContext) -> dict[str, Any]:
    """EventBridge Scheduler schedules (every group), their state and target ARN (ListSchedules); the
    expression (GetSchedule) of those whose target could start an evaluation. The target's Input, which may
    hold prompts, is never kept."""
    listed = ctx.aws.items("scheduler", "list_schedules", "Schedules", max_pages=10)
    out: list[dict[str, Any]] = []
    detailed = 0
    for sch in listed:
        target = str((sch.get("Target") or {}).get("Arn") or "")
        entry: dict[str, Any] = {
            "name": sch.get("Name"),
            "group": sch.get("GroupName"),
            "state": sch.get("State"),
            "schedule": None,
            "targets": [target] if target else [],
            "detail": False,
        }
        if (
            any(c in target for c in _CANDIDATE)
            and sch.get("State") != "DISABLED"
            and detailed < MAX_SCHEDULES
        ):
            detailed += 1
            d = ctx.aws.call(
                "scheduler", "get_schedule", Name=sch["Name"], GroupName=sch.get("GroupName") or "default"
            )
            entry["schedule"] = d.get("ScheduleExpression")
            entry["state"] = d.get("State") or entry["state"]
            entry["targets"] = [str((d.get("Target") or {}).get("Arn") or target)]
            entry["detail"] = True
        out.append(entry)
    return {"schedules": out, "detailed": detailed}


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


MAX_TAGGED = 2000  # tagged resources kept, over all environment keys


def environments(ctx: CollectContext) -> dict[str, Any]:
    """Environment tag values, and which resources carry them (ARN -> {key: value}), so a probe can tell the
    LLM workload's environments from the rest of the account's."""
    values: dict[str, list[str]] = {}
    resources: dict[str, dict[str, str]] = {}
    capped = False
    for key in ENV_KEYS:
        found = set()
        for page in ctx.aws.paginate(
            "resourcegroupstaggingapi",
            "get_resources",
            TagFilters=[{"Key": key}],
            token_in="PaginationToken",
            token_out="PaginationToken",
            max_pages=10,
        ):
            for r in page.get("ResourceTagMappingList", []):
                value = next((t["Value"] for t in r.get("Tags", []) if t.get("Key") == key), None)
                if value is None:
                    continue
                found.add(value)
                if len(resources) < MAX_TAGGED or r["ResourceARN"] in resources:
                    resources.setdefault(r["ResourceARN"], {})[key] = value
                else:
                    capped = True
        if found:
            values[key] = sorted(found)
    return {"tag_values": values, "resources": resources, "capped": capped}


SECTIONS = {
    "codepipeline.pipelines": pipelines,
    "events.rules": rules,
    "scheduler.schedules": schedules,
    "ssm.prompt_parameters": prompt_parameters,
    "tagging.environments": environments,
}
