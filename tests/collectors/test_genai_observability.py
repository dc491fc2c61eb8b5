"""GenAI observability collectors against moto (logs, CloudWatch metrics) and canned X-Ray answers.

The spans come from the OpenTelemetry SDK (tests/fixtures/genai_spans.py) with planted prompts and completions;
none of that text may survive collection, the saved evidence or any report format.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from llmops_audit.collectors import CollectContext, SectionFailed, collect
from llmops_audit.collectors import genai_observability as gx
from llmops_audit.engine.scoring import needed_sections
from llmops_audit.model import ItemDef, MetricDef, ProbeRef
from llmops_audit.report import FORMATS, render
from tests.conftest import seed_client
from tests.fixtures import genai_spans as fx
from tests.helpers import framework, report_of

RUNTIME = "/aws/bedrock-agentcore/runtimes/support_agent-abc123XYZ-DEFAULT"
RESULTS = "/aws/bedrock-agentcore/evaluations/results/support_eval-abc123XYZ"


def _put(group: str, messages: list[str]) -> None:
    logs = seed_client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000) - 3_600_000
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)],
    )


def _seed_account(canned) -> list[dict]:
    spans = fx.build(int((time.time() - 3600) * 1e9))
    _put(gx.SPANS_GROUP, [json.dumps(s) for s in spans] + ["not json", json.dumps({"name": "GET /", "x": 1})])
    agent = next(s for s in spans if s["attributes"]["gen_ai.operation.name"] == "invoke_agent")
    # The runtime group holds OTel log records: a content event with gen_ai.operation.name is not a span.
    _put(
        RUNTIME,
        [
            json.dumps(
                {
                    "traceId": agent["traceId"],
                    "spanId": agent["spanId"],
                    "attributes": {
                        "event.name": "gen_ai.client.inference.operation.details",
                        "gen_ai.operation.name": "chat",
                    },
                    "body": {"input": [{"role": "user", "content": fx.PROMPT}], "output": fx.COMPLETION},
                }
            ),
            json.dumps(fx.evaluation_event(agent["traceId"], agent["spanId"], "Builtin.Correctness", 0.5)),
        ],
    )
    _put(
        RESULTS,
        [json.dumps(fx.evaluation_event(agent["traceId"], agent["spanId"], "Builtin.Helpfulness", 0.83))],
    )
    canned.add("xray", "GetTraceSegmentDestination", {"Destination": "CloudWatchLogs", "Status": "ACTIVE"})
    canned.add(
        "xray",
        "GetIndexingRules",
        {
            "IndexingRules": [
                {
                    "Name": "Default",
                    "Rule": {
                        "Probabilistic": {"DesiredSamplingPercentage": 1.0, "ActualSamplingPercentage": 1.0}
                    },
                }
            ]
        },
    )
    cw = seed_client("cloudwatch")
    at = datetime.now(UTC) - timedelta(hours=1)
    cw.put_metric_data(
        Namespace="Bedrock-AgentCore/Evaluations",
        MetricData=[
            {
                "MetricName": "Builtin.Helpfulness",
                "Dimensions": [{"Name": "OnlineEvaluationConfigId", "Value": "support_eval-abc123XYZ"}],
                "Timestamp": at,
                "Value": v,
            }
            for v in (0.8, 0.9)
        ],
    )
    gateway = [
        {"Name": "Operation", "Value": "InvokeGateway"},
        {"Name": "Method", "Value": "tools/call"},
        {"Name": "Resource", "Value": "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1"},
    ]
    cw.put_metric_data(
        Namespace="Bedrock-AgentCore",
        MetricData=[
            {"MetricName": "Invocations", "Dimensions": gateway, "Timestamp": at, "Value": 40.0},
            {"MetricName": "SystemErrors", "Dimensions": gateway, "Timestamp": at, "Value": 1.0},
            {"MetricName": "UserErrors", "Dimensions": gateway, "Timestamp": at, "Value": 3.0},
            {"MetricName": "Latency", "Dimensions": gateway, "Timestamp": at, "Value": 250.0},
        ],
    )
    return spans


def test_sections_keep_allowlisted_facts_only(moto_aws, scope, canned) -> None:
    _seed_account(canned)
    ctx = CollectContext(moto_aws, scope)
    ts = ctx.section("xray.transaction_search")
    assert ts == {
        "destination": "CloudWatchLogs",
        "status": "ACTIVE",
        "indexing_rules": [{"name": "Default", "desired_percent": 1.0, "actual_percent": 1.0}],
        "errors": [],
    }
    data = ctx.section("logs.genai_spans")
    assert data["spans_group"] is True
    assert [(g["name"], g["kind"]) for g in data["groups"]] == [
        (gx.SPANS_GROUP, "spans"),
        (RUNTIME, "runtime"),
    ]
    spans_group = data["groups"][0]
    # the filter pattern keeps only events naming gen_ai.operation.name: the HTTP span and the junk are not read
    assert spans_group["events_read"] == 11 and spans_group["spans"] == 11 and spans_group["other"] == 0
    assert spans_group["pages_read"] == 1 and spans_group["capped"] is False
    assert data["groups"][1]["spans"] == 0 and data["groups"][1]["other"] == 1  # a log record, not a span
    assert len(data["spans"]) == 11 and data["filter"] == gx.SPAN_FILTER
    assert set(data["spans"][0]) == {
        "trace_id", "span_id", "parent_id", "operation", "model", "tool", "status", "duration_ms",
        "input_tokens", "output_tokens", "service", "group",
    }  # fmt: skip
    results = ctx.section("logs.agentcore_evaluation_results")
    got = sorted((e["evaluator"], e["score"], e["labelled"]) for e in results["evaluations"])
    assert got == [("Builtin.Correctness", 0.5, True), ("Builtin.Helpfulness", 0.83, True)]
    metrics = ctx.section("cloudwatch.agentcore_metrics")
    by = {(s["namespace"], s["metric"], s["stat"]): s["value"] for s in metrics["series"]}
    assert by[("Bedrock-AgentCore/Evaluations", "Builtin.Helpfulness", "SampleCount")] == 2
    assert by[("Bedrock-AgentCore/Evaluations", "Builtin.Helpfulness", "Average")] == pytest.approx(0.85)
    assert by[("Bedrock-AgentCore", "Invocations", "Sum")] == 40
    assert by[("Bedrock-AgentCore", "Latency", "Average")] == 250
    text = json.dumps(ctx.data)
    for planted in fx.PLANTED:
        assert planted not in text


def test_the_sample_is_bounded_and_says_so(moto_aws, scope, canned, monkeypatch) -> None:
    _seed_account(canned)
    monkeypatch.setattr(gx, "PAGE_EVENTS", 3)
    monkeypatch.setattr(gx, "MAX_PAGES_PER_GROUP", 2)
    data = CollectContext(moto_aws, scope).section("logs.genai_spans")
    first = data["groups"][0]
    assert (first["events_read"], first["pages_read"], first["capped"]) == (6, 2, True)
    assert data["capped"] is True and data["limits"]["max_pages_per_group"] == 2
    monkeypatch.setattr(gx, "PAGE_EVENTS", 500)
    monkeypatch.setattr(gx, "MAX_EVENTS", 4)
    data = CollectContext(moto_aws, scope).section("logs.genai_spans")
    assert data["events_read"] == 4 and data["groups"][0]["capped"] is True
    assert data["groups"][1]["events_read"] == 0 and data["groups"][1]["capped"] is True


def test_denied_span_reads_fail_the_section(moto_aws, scope, canned) -> None:
    _seed_account(canned)
    canned.deny("logs", "FilterLogEvents")
    ctx = CollectContext(moto_aws, scope)
    with pytest.raises(SectionFailed):
        ctx.section("logs.genai_spans")
    assert ctx.errors["logs.genai_spans"].action == "logs:FilterLogEvents"


def test_no_transaction_search_and_denied_indexing_rules(moto_aws, scope, canned) -> None:
    canned.add("xray", "GetTraceSegmentDestination", {"Destination": "XRay", "Status": "ACTIVE"})
    canned.deny("xray", "GetIndexingRules")
    ctx = CollectContext(moto_aws, scope)
    ts = ctx.section("xray.transaction_search")
    assert ts["destination"] == "XRay" and ts["indexing_rules"] is None
    assert "xray:GetIndexingRules" in ts["errors"][0]
    spans = ctx.section("logs.genai_spans")
    assert spans["spans_group"] is False and spans["groups"] == [] and spans["spans"] == []


def _framework_with_genai():
    """The five-level model with one extra item and the metric rows that read the new sections."""
    fw = framework()
    lv = fw.levels[2]
    item = ItemDef(
        id="L3.X",
        level=3,
        text="GenAI tracing end to end",
        met_when="spans join",
        rule={
            "all": [
                ProbeRef("transaction_search_enabled"),
                ProbeRef("genai_spans_traced_end_to_end"),
                ProbeRef("agentcore_evaluation_scores_present"),
            ]
        },
    )
    calcs = ["genai_tracing_coverage", "genai_step_latency", "genai_tool_call_success_rate",
             "genai_tokens_per_request", "genai_cost_per_request"]  # fmt: skip
    rows = tuple(
        MetricDef(
            id=f"L3.MX{i}",
            level=3,
            table="measure",
            category="GenAI",
            name=c,
            source="spans",
            purpose="",
            compute=c,
        )  # fmt: skip
        for i, c in enumerate(calcs)
    )
    levels = list(fw.levels)
    levels[2] = replace(lv, items=(*lv.items, item), metrics=(*lv.metrics, *rows))
    return replace(fw, levels=tuple(levels))


def test_end_to_end_figures_and_no_planted_text_anywhere(moto_aws, scope, canned) -> None:
    _seed_account(canned)
    fw = _framework_with_genai()
    only_new = replace(
        fw,
        levels=tuple(
            replace(
                lv,
                items=tuple(i for i in lv.items if i.id == "L3.X"),
                metrics=tuple(m for m in lv.metrics if m.id.startswith("L3.MX")),
            )  # fmt: skip
            for lv in fw.levels
        ),
    )
    snap = collect(moto_aws, scope, needed_sections(only_new))
    report = report_of(snap, only_new)
    item = next(i for i in report.items if i.id == "L3.X")
    assert item.status.value == "met", item.reason
    metrics = {m.name: m for m in report.metrics}
    assert metrics["genai_tracing_coverage"].value == fx.EXPECTED["coverage"]
    assert metrics["genai_tool_call_success_rate"].value == fx.EXPECTED["tool_success"]
    assert metrics["genai_tokens_per_request"].value == fx.EXPECTED["tokens_per_request"]
    assert metrics["genai_cost_per_request"].value == pytest.approx(fx.EXPECTED["cost_per_request"])
    outputs = [snap.to_json()] + [render(report, fmt) for fmt in FORMATS]
    assert "get_weather" in outputs[0] and "get_weather" in render(report, "json")  # the facts are there
    for out in outputs:
        for planted in fx.PLANTED:
            assert planted not in out
