"""Fewest calls: a full collection of one scope (the seeded fake account, moto) asks each read once.

Every request botocore builds is seen (its operation and parameters, a page token included) through a
`provide-client-params` hook; retries are off, so one request is one call.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import pytest

from llmops_audit.aws.access import AwsAccess
from llmops_audit.collectors import collect
from llmops_audit.inputs.prices import load_prices
from llmops_audit.model import Scope


def _collect(gate_metrics: list[dict[str, Any]]) -> tuple[list[tuple[str, str, str]], Any]:
    from tests.fake_account.record import PERIOD, RECORDED_AT, recorded_sections, seeded_account

    seen: list[tuple[str, str, str]] = []
    with seeded_account() as env:

        def hook(client: Any) -> None:
            env.canned.attach(client)
            service = client.meta.service_model.service_name
            client.meta.events.register_first(
                "provide-client-params",
                lambda params, model, **_: seen.append(
                    (service, model.name, json.dumps(params, sort_keys=True, default=str))
                ),
            )

        aws = AwsAccess(env.session, env.region, client_hook=hook, max_attempts=1)
        scope = Scope(env.account, env.region, RECORDED_AT - PERIOD, RECORDED_AT, demo=True)
        options = {"gate_custom_metrics": gate_metrics, "prices": load_prices(None)}
        snap = collect(aws, scope, recorded_sections(), None, options)
    return seen, snap


def _metric_requests(seen: list[tuple[str, str, str]]) -> tuple[int, int]:
    """(GetMetricData requests, metric queries in them)."""
    reqs = [json.loads(p) for s, o, p in seen if (s, o) == ("cloudwatch", "GetMetricData")]
    return len(reqs), sum(len(r["MetricDataQueries"]) for r in reqs)


@pytest.mark.parametrize("gates", [1, 700], ids=["one-gate-metric", "700-gate-metrics"])
def test_each_read_is_made_once_and_metric_queries_fill_batches_of_500(gates: int) -> None:
    gate_metrics = [
        {"namespace": "SupportBot", "name": "TaskSuccess", "stat": "Average", "dimensions": {"Flow": f"f{i}"}}
        for i in range(gates)
    ]
    seen, snap = _collect(gate_metrics)
    repeats = {k: n for k, n in Counter(seen).items() if n > 1}
    assert not repeats, repeats  # no list/describe/get asked twice with the same parameters (page included)
    # the avoidable calls of issue 13: one ListMetrics and one DescribeLogGroups, the unfiltered listings
    ops = Counter((s, o) for s, o, _ in seen)
    assert ops[("cloudwatch", "ListMetrics")] == 1, ops
    assert ops[("logs", "DescribeLogGroups")] == 1, ops
    requests, queries = _metric_requests(seen)
    stats = snap.sections["cloudwatch.metric_stats"]
    assert queries == stats["queries"] + gates  # the gate metrics' queries ride in the same batches
    assert requests == math.ceil(queries / 500), (requests, queries)
    assert len(snap.sections["cloudwatch.gate_metrics"]["metrics"]) == gates
    assert "cloudwatch.gate_metrics" not in snap.errors and "cloudwatch.metric_stats" not in snap.errors


def test_the_call_summary_counts_calls_per_service_metric_queries_and_their_cost() -> None:
    from llmops_audit.evidence.snapshot import EvidenceSnapshot
    from llmops_audit.pipeline import _call_summary
    from tests.fake_account.record import PERIOD, RECORDED_AT

    def call(service: str, op: str, outcome: str = "ok", **kw: Any) -> dict[str, Any]:
        return {
            "service": service,
            "operation": op,
            "region": "us-east-1",
            "duration_ms": 1.0,
            "outcome": outcome,
            **kw,
        }

    scope = Scope("123456789012", "us-east-1", RECORDED_AT - PERIOD, RECORDED_AT)
    calls = [
        call("cloudwatch", "GetMetricData", metrics=500),
        call("cloudwatch", "GetMetricData", metrics=250),
        call("cloudwatch", "ListMetrics"),
        call("cloudwatch", "ListMetrics", "throttled"),  # not billed: it failed
        call("cloudwatch", "DescribeAlarms"),  # not a List/Get request on the price list
        call("iam", "GetRole"),
    ]
    summary = _call_summary(EvidenceSnapshot(scope=scope, sections={}, calls=calls))
    assert summary["by_service"] == {"cloudwatch": 5, "iam": 1}
    assert (summary["metric_requests"], summary["metric_queries"]) == (2, 750)
    # 750 metrics at $0.01 per 1,000 plus one ListMetrics at $0.01 per 1,000 requests
    assert summary["cloudwatch_cost_usd"] == pytest.approx(0.0075 + 0.00001)


def test_get_metric_data_records_the_metrics_it_requested(moto_aws, scope) -> None:
    from llmops_audit.collectors import CollectContext
    from llmops_audit.collectors.cloudwatch import window_reads

    specs = [
        {
            "namespace": "AWS/Lambda",
            "metric": "Invocations",
            "dimensions": {"FunctionName": f"f{i}"},
            "stat": "Sum",
        }
        for i in range(501)
    ]
    window_reads(CollectContext(moto_aws, scope), specs)
    gmd = [c.to_dict() for c in moto_aws.calls if c.operation == "GetMetricData"]
    assert [c["metrics"] for c in gmd] == [500, 1]
    assert all("metrics" not in c.to_dict() for c in moto_aws.calls if c.operation != "GetMetricData")


def _put(n: int, namespace: str) -> None:
    from tests.conftest import seed_client

    cw = seed_client("cloudwatch")
    for start in range(0, n, 500):
        cw.put_metric_data(
            Namespace=namespace,
            MetricData=[{"MetricName": f"m{i}", "Value": 1.0} for i in range(start, min(n, start + 500))],
        )


def test_a_namespace_listing_is_cut_from_the_unfiltered_listing(moto_aws) -> None:
    _put(3, "AWS/Lambda")
    _put(2, "Custom/App")
    got = moto_aws.items("cloudwatch", "list_metrics", "Metrics", Namespace="AWS/Lambda", max_pages=40)
    again = moto_aws.items("cloudwatch", "list_metrics", "Metrics", Namespace="Custom/App", max_pages=2)
    assert sorted(m["MetricName"] for m in got) == ["m0", "m1", "m2"]
    assert sorted(m["MetricName"] for m in again) == ["m0", "m1"]
    assert [c.operation for c in moto_aws.calls] == ["ListMetrics"]  # the unfiltered listing, once


def test_when_the_unfiltered_listing_does_not_end_the_filtered_one_is_asked(moto_aws, monkeypatch) -> None:
    from dataclasses import replace

    from llmops_audit.aws import access

    spec = access.SUPERSETS[("cloudwatch", "list_metrics")]
    monkeypatch.setitem(access.SUPERSETS, ("cloudwatch", "list_metrics"), replace(spec, pages=1))
    _put(600, "Custom/Big")  # more than one ListMetrics page (500)
    _put(2, "AWS/Lambda")
    got = moto_aws.items("cloudwatch", "list_metrics", "Metrics", Namespace="AWS/Lambda", max_pages=5)
    assert sorted(m["MetricName"] for m in got) == ["m0", "m1"]
    assert [c.operation for c in moto_aws.calls] == [
        "ListMetrics",
        "ListMetrics",
    ]  # 1 page of all, then asked
