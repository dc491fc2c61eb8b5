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


# -- metric reads that survive: split on a failed request, PartialData, NextToken, the listing horizon ------


def _reject_metric(aws, name: str, code: str = "InvalidParameterValue", status: int = 400) -> list[int]:
    """Make GetMetricData fail as a whole for any request that queries metric `name` (as AWS does when
    one query of a batch is invalid). Returns a list that counts the requests seen."""
    from botocore.awsrequest import AWSResponse

    client = aws._client("cloudwatch")
    seen: list[int] = []

    def keep(params, context, **_):
        context["llmops_queries"] = params.get("MetricDataQueries", [])

    def answer(context, **_):
        queries = context.get("llmops_queries", [])
        seen.append(len(queries))
        if name == "*" or any(q["MetricStat"]["Metric"]["MetricName"] == name for q in queries):
            return AWSResponse(None, status, {}, None), {
                "Error": {"Code": code, "Message": f"bad query for {name}"},
                "ResponseMetadata": {"HTTPStatusCode": status},
            }
        return None

    client.meta.events.register_first("before-parameter-build.cloudwatch.GetMetricData", keep)
    client.meta.events.register_first("before-call.cloudwatch.GetMetricData", answer)
    return seen


def test_one_rejected_query_loses_only_its_own_read(moto_aws, scope) -> None:
    for i in range(3):
        _put("Invocations", {"ModelId": f"model-{i}"}, [1.0, 2.0])
    ctx = CollectContext(moto_aws, scope)
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [
            *(
                {"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": {"ModelId": f"model-{i}"}}
                for i in range(3)
            ),
            {"namespace": "Bot", "metric": "BadMetric", "dimensions": {}, "custom": True},
        ]
    }
    seen = _reject_metric(moto_aws, "BadMetric")
    stats = ctx.section("cloudwatch.metric_stats")
    inv = {s["dimensions"]["ModelId"]: s["value"] for s in stats["series"] if s["metric"] == "Invocations"}
    assert inv == {"model-0": 3.0, "model-1": 3.0, "model-2": 3.0}
    bad = [s for s in stats["series"] if s["metric"] == "BadMetric"]
    assert len(bad) == 3 and all(s["value"] is None and "InvalidParameterValue" in s["error"] for s in bad)
    assert stats["failed"] == 3 and stats["requests"] == len(seen) > 1


def test_a_bad_policy_metric_costs_the_other_gate_metrics_nothing(moto_aws, scope) -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace="SupportBot", MetricData=[{"MetricName": "TaskSuccess", "Value": 5.0}]
    )
    specs = [
        {"namespace": "SupportBot", "name": "TaskSuccess", "stat": "Sum"},
        {"namespace": "SupportBot", "name": "Typo", "stat": "Sum"},
    ]
    _reject_metric(moto_aws, "Typo")
    ctx = CollectContext(moto_aws, scope, options={"gate_custom_metrics": specs})
    good, bad = ctx.section("cloudwatch.gate_metrics")["metrics"]
    assert good["value"] == 5.0 and "error" not in good
    assert bad["value"] is None and "InvalidParameterValue" in bad["error"]


def test_when_every_query_fails_the_section_fails(moto_aws, scope) -> None:
    import pytest

    from llmops_audit.collectors import SectionFailed

    _put("Invocations", {"ModelId": "m"}, [1.0])
    ctx = CollectContext(moto_aws, scope)
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [{"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": {"ModelId": "m"}}]
    }
    _reject_metric(moto_aws, "*", code="InternalFailure", status=500)
    with pytest.raises(SectionFailed):
        ctx.section("cloudwatch.metric_stats")


def test_a_denied_request_is_not_split(moto_aws, scope) -> None:
    import pytest

    from llmops_audit.collectors import SectionFailed

    ctx = CollectContext(moto_aws, scope)
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [
            {"namespace": "AWS/Lambda", "metric": "Invocations", "dimensions": {"FunctionName": f"f{i}"}}
            for i in range(8)
        ]
    }
    seen = _reject_metric(moto_aws, "*", code="AccessDenied", status=403)
    with pytest.raises(SectionFailed):
        ctx.section("cloudwatch.metric_stats")
    assert len(seen) == 1


def test_next_token_partial_data_and_messages_are_read(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [
            {"namespace": "AWS/Lambda", "metric": "Invocations", "dimensions": {"FunctionName": f}}
            for f in ("a", "b", "c")
        ]
    }
    t = [scope.start]
    page1 = {
        "MetricDataResults": [
            {"Id": "q0", "Timestamps": t, "Values": [2.0], "StatusCode": "PartialData"},
            {"Id": "q1", "Timestamps": [], "Values": [], "StatusCode": "InternalError"},
            {"Id": "q2", "Timestamps": t, "Values": [7.0], "StatusCode": "PartialData"},
        ],
        "NextToken": "more",
        "Messages": [{"Code": "MaxMetricsExceeded", "Value": "Maximum number of allowed metrics exceeded"}],
    }
    page2 = {
        "MetricDataResults": [
            {"Id": "q0", "Timestamps": t, "Values": [3.0], "StatusCode": "Complete"},
            {
                "Id": "q2",
                "Timestamps": [],
                "Values": [],
                "StatusCode": "PartialData",
                "Messages": [{"Code": "PartialData", "Value": "not all data points"}],
            },
        ]
    }
    client = moto_aws._client("cloudwatch")
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data", page1, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY}
        )
        stub.add_response(
            "get_metric_data",
            page2,
            {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "NextToken": "more"},
        )
        stats = ctx.section("cloudwatch.metric_stats")
        stub.assert_no_pending_responses()
    a, b, c = stats["series"]
    assert a["value"] == 5.0 and not a.get("partial") and "error" not in a
    assert b["value"] is None and "InternalError" in b["error"]
    assert c["value"] == 7.0 and c["partial"] is True and c["messages"][0]["code"] == "PartialData"
    assert stats["messages"] == [
        {"code": "MaxMetricsExceeded", "value": "Maximum number of allowed metrics exceeded"}
    ]
    assert (stats["failed"], stats["partial"]) == (1, 1)


def test_listing_horizon_is_recorded_and_short_windows_list_recently_active(moto_aws, scope) -> None:
    from dataclasses import replace

    _put("Invocations", {"ModelId": "m"}, [1.0])
    month = CollectContext(moto_aws, replace(scope, start=scope.end - timedelta(days=30)))
    listing = month.section("cloudwatch.metric_catalog")["listing"]
    assert listing["covers_window"] is False and listing["recently_active"] is None
    hour = CollectContext(moto_aws, replace(scope, start=scope.end - timedelta(hours=1)))
    catalog = hour.section("cloudwatch.metric_catalog")
    assert catalog["listing"]["recently_active"] == "PT3H" and catalog["listing"]["covers_window"] is True
    assert catalog["custom_scan"]["complete"] is True
    assert all(n["complete"] for n in catalog["namespaces"].values())


def test_an_old_window_queries_unlisted_siblings_by_name(moto_aws, scope) -> None:
    """ListMetrics omits series silent for two weeks: errors of a listed model are still read."""
    from dataclasses import replace

    seed_client("cloudwatch").put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": "InvocationServerErrors",
                "Dimensions": [{"Name": "ModelId", "Value": "m"}],
                "Value": 4.0,
                "Timestamp": scope.end - timedelta(days=20),
            }
        ],
    )
    ctx = CollectContext(moto_aws, replace(scope, start=scope.end - timedelta(days=30)))
    ctx.data["cloudwatch.metric_catalog"] = {
        "metrics": [{"namespace": "AWS/Bedrock", "metric": "Invocations", "dimensions": {"ModelId": "m"}}],
        "listing": {"covers_window": False},
    }
    stats = ctx.section("cloudwatch.metric_stats")
    [errs] = [s for s in stats["series"] if s["metric"] == "InvocationServerErrors"]
    assert errs["value"] == 4.0 and errs["inferred"] is True
    assert stats["inferred"]["queried"] >= 1
