"""Front doors other than API Gateway: Application Load Balancers with Lambda targets, AppSync GraphQL APIs.

Which of them front the LLM workload is decided in probes (probes/compute.py, from probes/workload.py):
an ALB target group whose target is an LLM function, an AppSync data source that is an LLM function or the
Amazon Bedrock runtime (AMAZON_BEDROCK_RUNTIME). Function URLs are read with the functions
(collectors/compute.py), AgentCore runtime endpoints with the runtimes (collectors/agentcore.py).

Section shapes (ids, names and types only):
elbv2.lambda_target_groups: {"groups": [{"name", "arn", "loadBalancers": [ALB ARN, ...],
        "targets": [function ARN, ...]}], "truncated": bool}   (TargetType "lambda" only)
appsync.graphql_apis: {"apis": [{"name", "id", "arn", "dataSources": [{"name", "type",
        "function": ARN|None}] | None (not read)}], "truncated": bool}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_GROUPS = 50
MAX_APIS = 50


def lambda_target_groups(ctx: CollectContext) -> dict[str, Any]:
    """Target groups of type lambda (ELB user guide, "Lambda functions as targets"), with their functions
    (DescribeTargetHealth lists a group's registered targets: a Lambda group holds at most one)."""
    listed = ctx.aws.items("elbv2", "describe_target_groups", "TargetGroups", max_pages=10)
    lambdas = [g for g in listed if g.get("TargetType") == "lambda"]
    out = []
    for g in lambdas[:MAX_GROUPS]:
        health = ctx.aws.call("elbv2", "describe_target_health", TargetGroupArn=g["TargetGroupArn"])
        out.append(
            {
                "name": g.get("TargetGroupName"),
                "arn": g["TargetGroupArn"],
                "loadBalancers": list(g.get("LoadBalancerArns") or []),
                "targets": sorted(
                    {
                        str((h.get("Target") or {}).get("Id"))
                        for h in health.get("TargetHealthDescriptions") or []
                        if (h.get("Target") or {}).get("Id")
                    }
                ),
            }
        )
    return {"groups": out, "truncated": len(lambdas) > MAX_GROUPS}


def graphql_apis(ctx: CollectContext) -> dict[str, Any]:
    """GraphQL APIs and the type of each data source (AWS_LAMBDA with its function, AMAZON_BEDROCK_RUNTIME:
    resolvers that call Bedrock InvokeModel/Converse directly)."""
    listed = ctx.aws.items("appsync", "list_graphql_apis", "graphqlApis", max_pages=5)
    out = []
    for api in listed[:MAX_APIS]:
        try:
            sources: list[dict[str, Any]] | None = [
                {
                    "name": d.get("name"),
                    "type": d.get("type"),
                    "function": (d.get("lambdaConfig") or {}).get("lambdaFunctionArn"),
                }
                for d in ctx.aws.items(
                    "appsync", "list_data_sources", "dataSources", apiId=api["apiId"], max_pages=5
                )
            ]
        except AwsCallError:
            sources = None  # this API's data sources unknown; the probe says so
        out.append(
            {"name": api.get("name"), "id": api["apiId"], "arn": api.get("arn"), "dataSources": sources}
        )
    return {"apis": out, "truncated": len(listed) > MAX_APIS}


SECTIONS = {
    "elbv2.lambda_target_groups": lambda_target_groups,
    "appsync.graphql_apis": graphql_apis,
}
