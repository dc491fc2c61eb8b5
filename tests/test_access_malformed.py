"""AwsAccess: a 2xx answer botocore cannot parse (a truncated body) is an error of that call, not "nothing"."""

from __future__ import annotations

import io
import json

import pytest
import urllib3
from botocore.awsrequest import AWSResponse

from llmops_audit.aws.access import AwsCallError
from llmops_audit.model import Status
from tests.conftest import seed_client
from tests.helpers import assess


def _answer(aws, service: str, operation: str, body: bytes, content_type: str = "application/json") -> None:
    """Answer `operation` with `body` (before moto or AWS sees the request)."""

    def send(request, **_):
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False)
        return AWSResponse(request.url, 200, {"Content-Type": content_type}, raw)

    aws._client(service).meta.events.register_first(f"before-send.{service}.{operation}", send)


ALARMS = {
    "MetricAlarms": [
        {"AlarmName": f"bedrock-{m}", "Namespace": "AWS/Bedrock", "MetricName": m, "StateValue": "OK"}
        for m in ("InvocationServerErrors", "InvocationLatency")
    ],
    "CompositeAlarms": [],
}


def test_a_truncated_body_is_a_malformed_response(moto_aws) -> None:
    body = json.dumps(ALARMS).encode()
    _answer(moto_aws, "cloudwatch", "DescribeAlarms", body[: len(body) // 2])
    with pytest.raises(AwsCallError) as exc:
        moto_aws.call("cloudwatch", "describe_alarms")
    assert (exc.value.kind, exc.value.code) == ("error", "MalformedResponse")
    assert (moto_aws.calls[-1].outcome, moto_aws.calls[-1].error_code) == ("error", "MalformedResponse")


def test_a_whole_body_is_read(moto_aws) -> None:
    _answer(moto_aws, "cloudwatch", "DescribeAlarms", json.dumps(ALARMS).encode())
    got = moto_aws.call("cloudwatch", "describe_alarms")
    assert [a["AlarmName"] for a in got["MetricAlarms"]] == [
        "bedrock-InvocationServerErrors",
        "bedrock-InvocationLatency",
    ]
    assert moto_aws.calls[-1].outcome == "ok"


def test_an_answer_without_any_required_member_is_malformed() -> None:
    import botocore.session

    from llmops_audit.aws.access import check_response

    model = botocore.session.get_session().get_service_model("bedrock").operation_model("GetGuardrail")

    def resp(body: bytes) -> AWSResponse:
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False)
        return AWSResponse("https://bedrock", 200, {}, raw)

    meta = {"ResponseMetadata": {"HTTPStatusCode": 200}}
    assert "guardrailArn" in check_response(model, resp(b"{}"), dict(meta))
    full = {"name": "g", "guardrailId": "g", "guardrailArn": "arn", "version": "1", "status": "READY"}
    assert check_response(model, resp(json.dumps(full).encode()), {**full, **meta}) == ""
    assert check_response(model, resp(b'{"name": "g"'), dict(meta))  # truncated
    assert check_response(model, AWSResponse(None, 200, {}, None), dict(meta))  # a stub, no body: shape only


def test_the_message_fallback_for_an_unparseable_body_is_malformed(moto_aws) -> None:
    _answer(moto_aws, "cloudwatch", "DescribeAlarms", b'{"message": "upstream timed out"}')
    with pytest.raises(AwsCallError) as exc:
        moto_aws.call("cloudwatch", "describe_alarms")
    assert exc.value.code == "MalformedResponse"


def test_truncated_alarm_and_dashboard_listings_never_make_l1_5_met(moto_aws, scope) -> None:
    """Two Bedrock alarms and a dashboard exist; their listings arrive truncated: L1.5 is not met."""
    cw = seed_client("cloudwatch")
    for m in ("InvocationServerErrors", "InvocationLatency"):
        cw.put_metric_alarm(
            AlarmName=f"bedrock-{m}",
            Namespace="AWS/Bedrock",
            MetricName=m,
            Statistic="Average",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
    widget = {"properties": {"metrics": [["AWS/Bedrock", "Invocations", "ModelId", "m"]]}}
    cw.put_dashboard(DashboardName="bedrock", DashboardBody=json.dumps({"widgets": [widget]}))
    body = json.dumps(ALARMS).encode()
    _answer(moto_aws, "cloudwatch", "DescribeAlarms", body[:40])
    _answer(moto_aws, "cloudwatch", "ListDashboards", b'{"DashboardEntries": [{"DashboardName": "bedr')
    items, _, snap = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is not Status.MET
    assert items["L1.5"].status is Status.UNKNOWN
    assert "cloudwatch.alarms" in snap.errors and "cloudwatch.dashboards" in snap.errors


def test_a_truncated_alarm_listing_alone_leaves_l1_5_unknown(moto_aws, scope) -> None:
    _answer(moto_aws, "cloudwatch", "DescribeAlarms", json.dumps(ALARMS).encode()[:40])
    items, _, _ = assess(moto_aws, scope, ids=["L1.5"])
    assert items["L1.5"].status is Status.UNKNOWN
