"""CloudWatch collectors against moto, and percentile statistics against botocore's Stubber."""

from __future__ import annotations

import json
from datetime import timedelta

from botocore.stub import ANY, Stubber

from llmops_audit.collectors import CollectContext
from tests.conftest import seed_client


def _put(name: str, dims: dict[str, str], values: list[float], ns: str = "AWS/Bedrock") -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace=ns,
        MetricData=[
            {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()], "Value": v}
            for v in values
        ],
    )


def test_catalog_and_stats_batch_every_series(moto_aws, scope) -> None:
    for i in range(3):
        _put("Invocations", {"ModelId": f"model-{i}"}, [1.0, 2.0, 3.0])
    _put("InputTokenCount", {"ModelId": "model-0"}, [100.0, 200.0])
    _put("UserFeedbackScore", {}, [1.0], ns="SupportBot")
    ctx = CollectContext(moto_aws, scope)
    catalog = ctx.section("cloudwatch.metric_catalog")
    assert {
        (m["metric"], m["dimensions"].get("ModelId"))
        for m in catalog["metrics"]
        if m["namespace"] == "AWS/Bedrock"
    } == {
        ("Invocations", "model-0"),
        ("Invocations", "model-1"),
        ("Invocations", "model-2"),
        ("InputTokenCount", "model-0"),
    }
    assert any(m.get("custom") and m["metric"] == "UserFeedbackScore" for m in catalog["metrics"])
    stats = ctx.section("cloudwatch.metric_stats")
    inv = {
        s["dimensions"]["ModelId"]: s["value"]
        for s in stats["series"]
        if s["metric"] == "Invocations" and s["stat"] == "Sum"
    }
    assert inv == {"model-0": 6.0, "model-1": 6.0, "model-2": 6.0}
    assert stats["period_seconds"] % 3600 == 0 and stats["period_seconds"] >= 7 * 86400
    gmd = [c for c in moto_aws.calls if c.operation == "GetMetricData"]
    assert len(gmd) == 1  # every series and statistic in one batched call


def test_more_than_500_queries_are_split_into_batches(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [
            {"namespace": "AWS/Lambda", "metric": "Invocations", "dimensions": {"FunctionName": f"f{i}"}}
            for i in range(1201)
        ]
    }
    stats = ctx.section("cloudwatch.metric_stats")
    assert stats["queries"] == 1201
    assert sum(1 for c in moto_aws.calls if c.operation == "GetMetricData") == 3


def test_percentiles_from_get_metric_data_with_stubber(moto_aws, scope) -> None:
    """moto cannot compute pNN, so the response is stubbed (shape checked by botocore's Stubber)."""
    ctx = CollectContext(moto_aws, scope)
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [
            {"namespace": "AWS/Bedrock", "metric": "InvocationLatency", "dimensions": {"ModelId": "m1"}}
        ]
    }
    client = moto_aws._client("cloudwatch")
    results = [
        {
            "Id": f"q{i}",
            "Label": stat,
            "Timestamps": [scope.start],
            "Values": [value],
            "StatusCode": "Complete",
        }
        for i, (stat, value) in enumerate(
            (("Average", 900.0), ("p50", 800.0), ("p90", 1500.0), ("p95", 1900.0), ("p99", 2600.0))
        )
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": results},
            {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY},
        )
        stats = ctx.section("cloudwatch.metric_stats")
        stub.assert_no_pending_responses()
    got = {s["stat"]: s["value"] for s in stats["series"]}
    assert got == {"Average": 900.0, "p50": 800.0, "p90": 1500.0, "p95": 1900.0, "p99": 2600.0}


def test_alarms_dashboards_and_insight_rules(moto_aws, scope) -> None:
    cw = seed_client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="lat",
        Namespace="AWS/Bedrock",
        MetricName="InvocationLatency",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=["arn:aws:lambda:us-east-1:123456789012:function:fix"],
    )
    cw.put_dashboard(
        DashboardName="d",
        DashboardBody=json.dumps(
            {
                "widgets": [
                    {
                        "properties": {
                            "metrics": [
                                ["AWS/Bedrock", "InputTokenCount", "ModelId", "m"],
                                [".", "OutputTokenCount", ".", "."],
                            ]
                        }
                    }
                ]
            }
        ),
    )
    cw.put_insight_rule(
        RuleName="by-model",
        RuleState="ENABLED",
        RuleDefinition=json.dumps(
            {
                "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
                "LogGroupNames": ["/aws/bedrock/x"],
                "LogFormat": "JSON",
                "Contribution": {"Keys": ["$.modelId"]},
                "AggregateOn": "Count",
            }
        ),
    )
    ctx = CollectContext(moto_aws, scope)
    [alarm] = ctx.section("cloudwatch.alarms")["alarms"]
    assert [{k: r[k] for k in ("namespace", "metric")} for r in alarm["metrics"]] == [
        {"namespace": "AWS/Bedrock", "metric": "InvocationLatency"}
    ]
    assert alarm["actions"] == ["arn:aws:lambda:us-east-1:123456789012:function:fix"]
    [dash] = ctx.section("cloudwatch.dashboards")["dashboards"]
    assert {r["metric"] for r in dash["metrics"]} == {"InputTokenCount", "OutputTokenCount"}
    assert ctx.section("cloudwatch.insight_rules")["rules"][0]["keys"] == ["$.modelId"]


def test_period_is_the_whole_window(moto_aws, scope) -> None:
    from dataclasses import replace

    ctx = CollectContext(moto_aws, replace(scope, start=scope.end - timedelta(hours=30)))
    ctx.data["cloudwatch.metric_catalog"] = {"metrics": []}
    assert ctx.section("cloudwatch.metric_stats")["period_seconds"] == 30 * 3600


def test_gate_metrics_read_the_policys_custom_metrics_over_the_window(moto_aws, scope) -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace="SupportBot",
        MetricData=[
            {"MetricName": "TaskSuccess", "Dimensions": [{"Name": "App", "Value": "bot"}], "Value": v}
            for v in (3.0, 4.0)
        ],
    )
    specs = [
        {"namespace": "SupportBot", "name": "TaskSuccess", "dimensions": {"App": "bot"}, "stat": "Sum"},
        {"namespace": "SupportBot", "name": "TaskSuccess", "dimensions": {"App": "bot"}},  # Average
        {"namespace": "SupportBot", "name": "Missing", "stat": "Sum"},
    ]
    ctx = CollectContext(moto_aws, scope, options={"gate_custom_metrics": specs})
    got = [(m["name"], m["stat"], m["value"]) for m in ctx.section("cloudwatch.gate_metrics")["metrics"]]
    assert got == [("TaskSuccess", "Sum", 7.0), ("TaskSuccess", "Average", 3.5), ("Missing", "Sum", None)]
    assert [c.operation for c in moto_aws.calls] == ["GetMetricData"]
