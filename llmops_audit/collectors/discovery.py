"""Reads that decide what to audit, before any evidence section: the Organization's accounts, the Regions an
account has enabled and uses for Bedrock or AgentCore, and the resources of a tagged workload.

These are not evidence sections (no item reads them); they go through AwsAccess like every read, so the
guard, the call record and `llmops-audit permissions` cover them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmops_audit.aws.access import AwsAccess, AwsCallError

# Namespaces whose series show that a Region serves Bedrock or AgentCore traffic (ListMetrics lists series
# that reported in the last two weeks).
USAGE_NAMESPACES = ("AWS/Bedrock", "Bedrock-AgentCore")


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str
    status: str


def org_accounts(aws: AwsAccess) -> list[OrgAccount]:
    """Every account of the Organization (from its management or delegated administrator account)."""
    listed = aws.items("organizations", "list_accounts", "Accounts", max_pages=500)
    return [
        OrgAccount(str(a.get("Id", "")), str(a.get("Name", "")), str(a.get("Status") or a.get("State") or ""))
        for a in listed
        if a.get("Id")
    ]


def accounts_under(aws: AwsAccess, parent_id: str) -> set[str]:
    """The accounts inside an organizational unit (or the root), at any depth."""
    found: set[str] = set()
    todo, seen = [parent_id], set()
    while todo:
        parent = todo.pop()
        if parent in seen:
            continue
        seen.add(parent)
        found |= {
            str(a["Id"])
            for a in aws.items(
                "organizations", "list_accounts_for_parent", "Accounts", ParentId=parent, max_pages=100
            )
        }
        todo += [
            str(u["Id"])
            for u in aws.items(
                "organizations",
                "list_organizational_units_for_parent",
                "OrganizationalUnits",
                ParentId=parent,
                max_pages=100,
            )
        ]
    return found


def enabled_regions(aws: AwsAccess) -> list[str]:
    """The Regions the account can use (enabled by default or opted in), sorted."""
    answer = aws.call("ec2", "describe_regions")
    return sorted(
        str(r["RegionName"])
        for r in answer.get("Regions") or []
        if r.get("RegionName") and r.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
    )


def region_usage(aws: AwsAccess, region: str) -> str:
    """What shows Bedrock or AgentCore use in `region` ("" when nothing does). A read that fails counts as
    use: a Region is skipped only when the reads succeeded and found nothing."""
    try:
        for ns in USAGE_NAMESPACES:
            page = next(aws.paginate("cloudwatch", "list_metrics", region, Namespace=ns, max_pages=1), {})
            if page.get("Metrics"):
                return f"{ns} metrics"
        if aws.call("bedrock-agent", "list_agents", region, maxResults=1).get("agentSummaries"):
            return "Bedrock agents"
        if aws.supports("bedrock-agentcore-control", "list_agent_runtimes") and aws.call(
            "bedrock-agentcore-control", "list_agent_runtimes", region, maxResults=1
        ).get("agentRuntimes"):
            return "AgentCore runtimes"
    except AwsCallError as exc:
        return f"unknown ({exc.describe()})"
    return ""


def tag_values(aws: AwsAccess, key: str) -> list[str]:
    """The distinct values of tag `key` on the account's resources in the client's Region."""
    return sorted(
        {
            str(v)
            for v in aws.items(
                "resourcegroupstaggingapi", "get_tag_values", "TagValues", Key=key, max_pages=50
            )
        }
    )


def tagged_arns(aws: AwsAccess, key: str, value: str) -> list[dict[str, Any]]:
    """The resources (ARN and tags) carrying tag key=value in the client's Region."""
    return [
        {"arn": str(r.get("ResourceARN", ""))}
        for r in aws.items(
            "resourcegroupstaggingapi",
            "get_resources",
            "ResourceTagMappingList",
            TagFilters=[{"Key": key, "Values": [value]}],
            max_pages=100,
        )
        if r.get("ResourceARN")
    ]


def workload_resources(ctx: Any) -> dict[str, Any]:
    """tagging.workload: the ARNs of the resources tagged as the --workload (the plan's options name it)."""
    key, value = ctx.options["workload"]
    arns = tagged_arns(ctx.aws, key, value)
    return {"key": key, "value": value, "arns": sorted(a["arn"] for a in arns)}


SECTIONS = {"tagging.workload": workload_resources}
