"""Faults from the hardening review, and a fault-injecting layer for AwsAccess.

The layer (`Faults`) is a botocore `before-send` handler registered first on every client an AwsAccess
builds (through its `client_hook=`): per service it answers a request itself with a 429 throttle, a 500,
a truncated 200 body, or a read timeout after a sleep, instead of letting it reach moto. Every request is
still signed and built by botocore, and every answer is parsed, retried and classified by the real code.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import botocore.exceptions as bce
import pytest
from botocore.awsrequest import AWSResponse

from llmops_audit.aws.access import DEFAULT_MAX_ATTEMPTS, AwsAccess, AwsCallError, is_permanent
from llmops_audit.errors import AwsAccessError
from tests.conftest import REGION, seed_client
from tests.helpers import assess
from tests.test_hardening import one_error, run_cli

# ------------------------------------------------------------------ the fault layer


def _cbor_text(s: str) -> bytes:
    data = s.encode()
    assert len(data) < 256
    return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data


def _cbor_map(d: dict[str, str]) -> bytes:
    assert len(d) < 24
    return bytes([0xA0 + len(d)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in d.items())


def error_body(protocol: str, status: int, code: str, message: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of an AWS error answer in the service's protocol."""
    if protocol == "query" or protocol == "ec2":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            "</Error><RequestId>fault-1</RequestId></ErrorResponse>"
        )
        return {"Content-Type": "text/xml"}, body.encode()
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-1</RequestId></Error>"
        return {"Content-Type": "application/xml"}, body.encode()
    if protocol == "smithy-rpc-v2-cbor":
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        return headers, _cbor_map({"__type": code, "message": message})
    if protocol == "rest-json":
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
        return headers, json.dumps({"message": message}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}
    return headers, json.dumps({"__type": code, "message": message}).encode()


def truncated_body(protocol: str) -> tuple[dict[str, str], bytes]:
    """A 200 answer cut off in its first member."""
    if protocol in ("query", "ec2", "rest-xml"):
        return {"Content-Type": "text/xml"}, b"<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlar"
    if protocol == "smithy-rpc-v2-cbor":
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        return headers, bytes([0xA1]) + _cbor_text("MetricAlarms")[:6]
    return {"Content-Type": "application/x-amz-json-1.1"}, b'{"MetricAlarms": [{"AlarmNa'


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Faults:
    """Per service, one fault for a share (`rate`) of its requests, chosen by a seeded random draw.

    Faults: "throttle" (429 ThrottlingException), "500" (InternalFailure), "truncated" (a 200 whose body
    stops mid-member), "garbled" (a 502 whose body is not UTF-8), "sleep" (sleep `delay` seconds, then the read times out).
    """

    def __init__(self, plan: dict[str, str], rate: float = 1.0, seed: int = 7, delay: float = 0.2) -> None:
        self.plan = plan
        self.rate = rate
        self.delay = delay
        self.rng = random.Random(seed)
        self.requests: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        model = client.meta.service_model
        resolved = str(getattr(model, "resolved_protocol", "") or model.protocol)
        client.meta.events.register_first(
            "before-send", lambda request, **_: self._send(service, request, resolved)
        )

    @staticmethod
    def _protocol(request: Any, resolved: str) -> str:
        """The protocol botocore chose for this request (a service may offer several: its model's resolved
        protocol, unless the request's headers say CBOR or JSON)."""
        content_type = str(request.headers.get("Content-Type") or "")
        if "cbor" in content_type or request.headers.get("smithy-protocol"):
            return "smithy-rpc-v2-cbor"
        if "x-amz-json" in content_type or request.headers.get("X-Amz-Target"):
            return "json"
        if "x-www-form-urlencoded" in content_type:
            return "query"
        return resolved

    def _send(self, service: str, request: Any, resolved: str = "json") -> AWSResponse | None:
        protocol = self._protocol(request, resolved)
        self.requests[service] += 1
        fault = self.plan.get(service)
        if not fault or self.rng.random() >= self.rate:
            return None  # moto answers
        self.injected[service] += 1
        # botocore emits before-send to every handler and uses the first answer: moto's stub (registered
        # after this one) still runs, and raises NotImplementedError for an API it lacks. A URL no service
        # of moto matches makes it stand aside; the fault below is the answer botocore uses.
        url, request.url = request.url, "https://fault-injected.invalid/"
        if fault == "throttle":
            headers, body = error_body(protocol, 429, "ThrottlingException", "Rate exceeded")
            return AWSResponse(url, 429, headers, _Raw(body))
        if fault == "500":
            headers, body = error_body(protocol, 500, "InternalFailure", "We encountered an internal error")
            return AWSResponse(url, 500, headers, _Raw(body))
        if fault == "501":
            headers, body = error_body(protocol, 501, "NotImplemented", "The operation is not implemented")
            return AWSResponse(url, 501, headers, _Raw(body))
        if fault == "not-yet":  # LocalStack's words for an API it lacks
            headers, body = error_body(
                protocol,
                500,
                "InternalFailure",
                "API action 'DescribeAlarms' for service 'cloudwatch' not yet implemented",
            )
            return AWSResponse(url, 500, headers, _Raw(body))
        if fault == "validation":
            headers, body = error_body(protocol, 400, "ValidationException", "1 validation error detected")
            return AWSResponse(url, 400, headers, _Raw(body))
        if fault == "truncated":
            headers, body = truncated_body(protocol)
            return AWSResponse(url, 200, headers, _Raw(body))
        if fault == "garbled":  # an error answer that is not text at all (a proxy's binary page)
            return AWSResponse(url, 502, {"Content-Type": "application/json"}, _Raw(b"\xa2\xff\x00\x9c"))
        if fault == "sleep":
            time.sleep(self.delay)
            raise bce.ReadTimeoutError(endpoint_url=url)
        raise ValueError(f"unknown fault {fault!r}")


@pytest.fixture
def faulty(canned: Any) -> Iterator[Callable[..., tuple[AwsAccess, Faults]]]:
    """make(plan, **kw): an AwsAccess over moto (plus `canned`) with Faults attached and real retries."""
    from moto import mock_aws

    from tests.fake_account.env import enable_moto_percentiles

    enable_moto_percentiles()

    def make(plan: dict[str, str], max_attempts: int = 3, **kw: Any) -> tuple[AwsAccess, Faults]:
        faults = Faults(plan, **kw)

        def hook(client: Any) -> None:
            canned.attach(client)
            faults.attach(client)

        return AwsAccess(
            boto3.Session(region_name=REGION), REGION, client_hook=hook, max_attempts=max_attempts
        ), faults

    with mock_aws():
        yield make


def _seed_bedrock_alarm() -> None:
    seed_client("cloudwatch").put_metric_alarm(
        AlarmName="bedrock-errors",
        Namespace="AWS/Bedrock",
        MetricName="InvocationServerErrors",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


# ------------------------------------------------------------------ 4. one test per fault

CASES = [
    ("throttle", "throttled", "ThrottlingException"),
    ("500", "error", "InternalFailure"),
    ("truncated", "error", "MalformedResponse"),
    ("garbled", "error", "MalformedResponse"),
    ("sleep", "error", "ReadTimeoutError"),
]


@pytest.mark.parametrize(("fault", "outcome", "code"), CASES, ids=[c[0] for c in CASES])
def test_a_cloudwatch_fault_is_recorded_and_leaves_its_items_unknown(
    faulty, scope, monkeypatch, fault: str, outcome: str, code: str
) -> None:
    from botocore.retries import standard

    _seed_bedrock_alarm()  # without the fault, L1.5 would be decided (not met: an alarm covers Bedrock)
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    _virtual_rate_limiter_clock(monkeypatch)
    aws, faults = faulty({"cloudwatch": fault}, max_attempts=2, delay=0.1)
    items, _, snap = assess(aws, scope, ids=["L1.5"])  # nothing raises
    cw = [c for c in aws.calls if c.service == "cloudwatch"]
    print(fault, sorted({(c.operation, c.outcome, c.error_code) for c in cw}), dict(faults.injected))
    assert cw and all((c.outcome, c.error_code) == (outcome, code) for c in cw), cw
    # A transient failure is retried up to max_attempts requests in all (botocore's total_max_attempts);
    # a malformed answer is not (it is not transient).
    attempts = 1 if code == "MalformedResponse" else 2
    assert faults.injected["cloudwatch"] == attempts * len(cw), (dict(faults.injected), cw)
    assert items["L1.5"].status == "unknown", items["L1.5"]
    assert any(k.startswith("cloudwatch.") for k in snap.errors), snap.errors


def test_without_faults_the_same_item_is_decided(faulty, scope) -> None:
    _seed_bedrock_alarm()
    aws, faults = faulty({})
    items, _, _ = assess(aws, scope, ids=["L1.5"])
    assert items["L1.5"].status != "unknown", items["L1.5"]
    assert not faults.injected and all(c.outcome in ("ok", "not_found", "unsupported") for c in aws.calls)


@pytest.mark.parametrize("mode", ["adaptive", "standard"])
def test_retries_under_30_percent_throttling_are_bounded(faulty, scope, monkeypatch, mode: str) -> None:
    """adaptive is the default (AwsAccess); standard is what AWS_RETRY_MODE=standard gives."""
    from botocore.retries import standard

    monkeypatch.setenv("AWS_RETRY_MODE", mode)
    # A 1 ms backoff and a virtual clock for adaptive mode's client-side rate limiter (its logic runs, its
    # waits only add up) keep CI fast; the figures with real waits are in the CHANGELOG.
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    waited = _virtual_rate_limiter_clock(monkeypatch)
    ids = ["L1.5", "L2.1", "L3.1"]
    _seed_bedrock_alarm()
    aws, _ = faulty({})
    started = time.perf_counter()
    base_items, _, _ = assess(aws, scope, ids=ids)
    base = time.perf_counter() - started
    everything = {"cloudwatch", "logs", "budgets", "bedrock", "sts", "iam", "lambda", "s3", "cloudtrail"}
    aws, faults = faulty(
        dict.fromkeys(everything, "throttle"), max_attempts=DEFAULT_MAX_ATTEMPTS, rate=0.3, seed=3
    )
    started = time.perf_counter()
    items, _, _ = assess(aws, scope, ids=ids)
    throttled = time.perf_counter() - started
    requests, injected = sum(faults.requests.values()), sum(faults.injected.values())
    outcomes = Counter(c.outcome for c in aws.calls)
    slowest = max(aws.calls, key=lambda c: c.duration_ms)
    print(
        f"\n[{mode}] no faults: {base:.2f} s; 30% throttled: {throttled:.2f} s "
        f"({throttled / max(base, 1e-3):.1f}x, +{throttled - base:.1f} s), {requests} requests, "
        f"{injected} throttled, {len(aws.calls)} calls {dict(outcomes)}, slowest call "
        f"{slowest.service}:{slowest.operation} {slowest.duration_ms / 1000:.1f} s; rate limiter waited "
        f"{waited[0]:.1f} s (virtual)"
    )
    # Bounded: at most max_attempts requests per recorded call (total attempts, not retries), and a call
    # recorded as throttled was attempted exactly that often.
    assert requests <= DEFAULT_MAX_ATTEMPTS * len(aws.calls)
    assert (
        injected
        and all(c.outcome != "throttled" for c in aws.calls)
        or (injected >= DEFAULT_MAX_ATTEMPTS * outcomes["throttled"])
    )
    assert base_items.keys() == items.keys()


def _virtual_rate_limiter_clock(monkeypatch) -> list[float]:
    """botocore's adaptive token bucket on a virtual clock: where it would wait for capacity, the clock
    advances instead (its rate logic runs unchanged). Returns the total it would have waited (a one-element
    list, updated as the run goes)."""
    from botocore.retries import bucket

    waited = [0.0]

    class Advance(threading.Condition):
        def wait(self, timeout: float | None = None) -> bool:
            waited[0] += timeout or 0.0
            return False

    real_init = bucket.TokenBucket.__init__

    def init(self: Any, *a: Any, **kw: Any) -> None:
        real_init(self, *a, **kw)
        self._new_fill_rate_condition = Advance(self._lock)

    monkeypatch.setattr(bucket.TokenBucket, "__init__", init)
    monkeypatch.setattr(bucket.Clock, "sleep", lambda self, amount: waited.__setitem__(0, waited[0] + amount))
    monkeypatch.setattr(bucket.Clock, "current_time", lambda self: time.time() + waited[0])
    return waited


def test_the_retry_setting_is_total_attempts_and_defaults_to_three(monkeypatch) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    client = AwsAccess(boto3.Session(region_name=REGION), REGION)._client("cloudwatch")
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    assert DEFAULT_MAX_ATTEMPTS == 3
    client = AwsAccess(boto3.Session(region_name=REGION), REGION, max_attempts=1)._client("cloudwatch")
    assert client.meta.config.retries["total_max_attempts"] == 1
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")  # boto3's variable, total attempts too, wins
    client = AwsAccess(boto3.Session(region_name=REGION), REGION)._client("cloudwatch")
    assert client.meta.config.retries["total_max_attempts"] == 4


PERMANENT = [
    ("501", "unsupported", "NotImplemented"),
    ("not-yet", "unsupported", "InternalFailure"),
    ("validation", "error", "ValidationException"),
]


@pytest.mark.parametrize(("fault", "outcome", "code"), PERMANENT, ids=[p[0] for p in PERMANENT])
def test_an_answer_that_will_never_change_is_not_retried(
    faulty, monkeypatch, fault: str, outcome: str, code: str
) -> None:
    """HTTP 501, an emulator's "not yet implemented" (LocalStack says it with a 500 or 501) and validation
    errors are asked once: a retry could only give the same answer, after a back-off."""
    aws, faults = faulty({"cloudwatch": fault}, max_attempts=3)
    with pytest.raises(AwsCallError) as err:
        aws.call("cloudwatch", "describe_alarms")
    assert faults.requests["cloudwatch"] == 1, dict(faults.requests)
    assert (err.value.kind, err.value.code) == (outcome, code)
    assert [(c.outcome, c.error_code) for c in aws.calls] == [(outcome, code)]


def test_a_500_is_still_retried(faulty) -> None:
    aws, faults = faulty({"cloudwatch": "500"}, max_attempts=3)
    with pytest.raises(AwsCallError):
        aws.call("cloudwatch", "describe_alarms")
    assert faults.requests["cloudwatch"] == 3


class _Http:
    def __init__(self, status: int, content: bytes) -> None:
        self.status_code, self.content = status, content


class _Endpoint:
    def __init__(self, host: str) -> None:
        self.host = host


def test_an_emulators_html_crash_page_is_permanent_only_away_from_aws() -> None:
    """moto's server answers an API it lacks with Flask's HTML 500 page: not retried at an emulator's
    endpoint; a 500 from an AWS endpoint is retried whatever its body."""
    page = b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>"
    parsed = {"Error": {"Code": "500", "Message": page.decode()}}
    resp = (_Http(500, page), parsed)
    assert is_permanent(response=resp, endpoint=_Endpoint("http://127.0.0.1:5000"))
    assert not is_permanent(response=resp, endpoint=_Endpoint("https://monitoring.us-east-1.amazonaws.com"))
    assert not is_permanent(response=(_Http(503, b"{}"), {"Error": {"Code": "ServiceUnavailable"}}))
    assert is_permanent(caught_exception=NotImplementedError("The x action has not been implemented"))


# ------------------------------------------------------------------ 1. a key id without its secret


def test_a_key_id_without_a_secret_is_one_line_without_the_key(capsys, monkeypatch) -> None:
    key_id = "AKIAFAULTTESTKEY0001"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached: it fails before a request
    code, out, err = run_cli(capsys, monkeypatch, "assess", "--region", "us-east-1")
    line = one_error(code, err)
    assert "internal error" not in line
    assert "incomplete AWS credentials" in line and "AWS_SECRET_ACCESS_KEY is missing" in line
    assert key_id not in out + err and "FAULTTEST" not in out + err


def test_a_key_id_without_a_secret_stops_an_aws_access_call(monkeypatch) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws = AwsAccess(boto3.Session(region_name=REGION), REGION, max_attempts=1)
    with pytest.raises(AwsAccessError, match="incomplete AWS credentials"):
        aws.call("sts", "get_caller_identity")
    with pytest.raises(AwsAccessError, match="incomplete AWS credentials"):
        list(aws.paginate("cloudwatch", "describe_alarms"))


# ------------------------------------------------------------------ 2. malformed XML from STS

MARKER = "MARKER-RAW-BODY-7f3a"
TRUNCATED = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/" + MARKER.encode() + b"</Arn><Acc"
)


def _sts_answering(body: bytes, status: int = 200) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, TRUNCATED),
        (200, MARKER.encode() + b"\n<html><body"),
        (400, b"<ErrorResponse><Error><Code>" + MARKER.encode() + b"</Code><Message>" + MARKER.encode()),
        (500, b"<ErrorResponse><Error><Message>" + MARKER.encode()),
    ],
    ids=["200-truncated", "200-not-xml", "400-truncated", "500-truncated"],
)
def test_a_malformed_sts_answer_is_one_line_without_the_body(
    capsys, monkeypatch, status: int, body: bytes
) -> None:
    server = _sts_answering(body, status)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        code, out, err = run_cli(capsys, monkeypatch, "assess", "--region", "us-east-1")
    finally:
        server.shutdown()
    line = one_error(code, err)
    assert "internal error" not in line and "GetCallerIdentity" in line
    assert MARKER not in out + err


# ------------------------------------------------------------------ 3. feedback events that are not objects


def test_feedback_events_that_are_json_strings_or_null_are_skipped_and_counted(moto_aws, scope) -> None:
    from llmops_audit.collectors import CollectContext

    logs = seed_client("logs")
    logs.create_log_group(logGroupName="/support/app")
    logs.create_log_stream(logGroupName="/support/app", logStreamName="s")
    now_ms = int(time.time() * 1000)
    messages = [
        json.dumps("UserFeedback received from web form"),
        "null",
        json.dumps({"event": "UserFeedback", "rating": "up"}),
        json.dumps(["UserFeedback", 1]),
        json.dumps({"event": "UserFeedback", "rating": "down"}),
        "UserFeedback plain text",
    ]
    # A JSON string, null and a list are valid JSON but no object: before the fix `rec.get` raised and the
    # whole section failed. (`null` alone has no "UserFeedback" text, so it is dropped before parsing.)
    logs.put_log_events(
        logGroupName="/support/app",
        logStreamName="s",
        logEvents=[{"timestamp": now_ms - 1000 + i, "message": m} for i, m in enumerate(messages)],
    )
    ctx = CollectContext(moto_aws, scope)
    ctx.data["logs.lambda_log_groups"] = {"groups": []}
    fb = ctx.section("logs.feedback_events")
    assert (fb["up"], fb["down"]) == (1, 1), fb
    assert fb["unparsed"] == fb["events"] - 2 >= 3, fb


def test_null_events_and_null_messages_do_not_crash_the_collector(moto_aws, scope, monkeypatch) -> None:
    """Events as a page may hold them (a proxy, an emulator): null, a null message, non-object JSON."""
    from llmops_audit.collectors import CollectContext

    seed_client("logs").create_log_group(logGroupName="/feedback/app")
    events = [None, {"message": None}, {"message": '"UserFeedback"'}, {"message": "null"}, 7]
    real = moto_aws.paginate

    def paginate(service: str, operation: str, *a: Any, **kw: Any) -> Any:
        if operation == "filter_log_events":
            return iter([{"events": events}])
        return real(service, operation, *a, **kw)

    monkeypatch.setattr(moto_aws, "paginate", paginate)
    ctx = CollectContext(moto_aws, scope)
    ctx.data["logs.lambda_log_groups"] = {"groups": []}
    fb = ctx.section("logs.feedback_events")
    assert (fb["events"], fb["up"], fb["down"], fb["unparsed"]) == (1, 0, 0, 1), fb


def test_invocation_log_events_that_are_not_objects_are_skipped_and_counted(moto_aws, scope) -> None:
    """A Bedrock invocation-log event whose message is a JSON string, number, null or list (or a record whose
    parts are of the wrong type) once raised AttributeError and failed logs.invocation_records; now such an
    event is skipped and counted, and only well-formed token counts are kept."""
    from llmops_audit.collectors import CollectContext

    logs = seed_client("logs")
    logs.create_log_group(logGroupName="/bedrock/invocations")
    logs.create_log_stream(logGroupName="/bedrock/invocations", logStreamName="s")
    now_ms = int(time.time() * 1000)
    good = {
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "operation": "Converse",
        "input": {"inputTokenCount": 12, "inputBodyJson": {"messages": "never kept"}},
        "output": {"outputTokenCount": 7},
    }
    messages = [
        json.dumps(good),
        json.dumps("ModelInvocationLog received"),
        "null",
        "42",
        json.dumps([good]),
        "not json at all",
        json.dumps({"modelId": 5, "input": "x", "output": {"outputTokenCount": "7"}}),
        json.dumps({"modelId": "m", "input": {"inputTokenCount": -1}, "output": {"outputTokenCount": True}}),
    ]
    logs.put_log_events(
        logGroupName="/bedrock/invocations",
        logStreamName="s",
        logEvents=[{"timestamp": now_ms - 1000 + i, "message": m} for i, m in enumerate(messages)],
    )
    ctx = CollectContext(moto_aws, scope)
    ctx.data["logs.invocation_log_group"] = {"name": "/bedrock/invocations", "exists": True}
    rec = ctx.section("logs.invocation_records")
    assert "logs.invocation_records" not in ctx.errors
    assert rec["unparsed"] == 5, rec
    assert rec["records"][0] == {
        "modelId": good["modelId"],
        "operation": "Converse",
        "errorCode": None,
        "inputTokens": 12,
        "outputTokens": 7,
    }
    # wrong-typed fields are unread (None), never copied: a number as a model id, a string or bool count
    assert rec["records"][1:] == [
        {"modelId": None, "operation": None, "errorCode": None, "inputTokens": None, "outputTokens": None},
        {"modelId": "m", "operation": None, "errorCode": None, "inputTokens": None, "outputTokens": None},
    ]
    assert "never kept" not in json.dumps(rec)
