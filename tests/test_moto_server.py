"""The real collectors against a stock moto server (no percentile shim): every metric row whose statistics
moto can serve gets a value; rows that need percentiles say which statistic could not be read.

The server runs in a child process, so nothing this test process patched into moto (tests/fake_account
teaches the in-process moto pNN statistics) can reach it. It needs moto's server extra (flask, flask-cors).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from datetime import timedelta

import boto3
import pytest

from llmops_audit.aws.access import AwsAccess
from llmops_audit.model import Scope
from tests.conftest import ACCOUNT, REGION
from tests.helpers import assess, framework

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("flask") is None or importlib.util.find_spec("flask_cors") is None,
    reason="moto's server extra (moto[server]: flask, flask-cors) is not installed",
)

SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
"""

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
GUARDRAIL = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/abc123"
PERCENTILE = re.compile(r"\bp(50|90|95|99)\b|percentile")


def _seed(cw, now) -> None:
    def put(ns: str, name: str, dims: dict[str, str], values: list[float]) -> None:
        cw.put_metric_data(
            Namespace=ns,
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                    "Value": v,
                    "Timestamp": now - timedelta(hours=2, minutes=i),
                }
                for i, v in enumerate(values)
            ],
        )

    model = {"ModelId": MODEL}
    put("AWS/Bedrock", "Invocations", model, [10.0, 10.0, 20.0])
    put("AWS/Bedrock", "InvocationLatency", model, [800.0, 1200.0, 2500.0])
    put("AWS/Bedrock", "InputTokenCount", model, [4000.0, 6000.0])
    put("AWS/Bedrock", "OutputTokenCount", model, [900.0, 1100.0])
    put("AWS/Bedrock", "InvocationClientErrors", model, [1.0])
    put("AWS/Bedrock", "InvocationServerErrors", model, [1.0])
    put("AWS/Bedrock", "InvocationThrottles", model, [2.0])
    api = {"ApiName": "support-api"}
    put("AWS/ApiGateway", "Count", api, [40.0])
    put("AWS/ApiGateway", "4XXError", api, [2.0])
    put("AWS/ApiGateway", "5XXError", api, [1.0])
    put("AWS/ApiGateway", "Latency", api, [900.0, 1500.0])
    fn = {"FunctionName": "chat-handler"}
    put("AWS/Lambda", "Invocations", fn, [40.0])
    put("AWS/Lambda", "Errors", fn, [1.0])
    put("AWS/Lambda", "Throttles", fn, [0.0])
    put("AWS/Lambda", "Duration", fn, [1100.0, 1900.0])
    gr = {"GuardrailArn": GUARDRAIL, "GuardrailVersion": "1"}
    put("AWS/Bedrock/Guardrails", "Invocations", gr, [40.0])
    put("AWS/Bedrock/Guardrails", "InvocationsIntervened", gr, [1.0])


def test_stock_moto_server_metric_rows(monkeypatch: pytest.MonkeyPatch, now) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        session = boto3.Session(region_name=REGION)
        _seed(session.client("cloudwatch"), now)
        scope = Scope(
            account=ACCOUNT, region=REGION, start=now - timedelta(days=7), end=now + timedelta(minutes=5)
        )
        aws = AwsAccess(session, REGION, max_attempts=1)
        _, metrics, snap = assess(aws, scope)

        stats = snap.sections["cloudwatch.metric_stats"]
        served = [s for s in stats["series"] if s["stat"] in ("Sum", "Average", "SampleCount", "Maximum")]
        pct = [s for s in stats["series"] if PERCENTILE.search(s["stat"])]
        assert served and pct
        assert all("error" not in s for s in served), [s for s in served if "error" in s]
        assert all(s["value"] is None and s["error"] for s in pct)
        assert stats["failed"] == len(pct)

        compute = {m.id: m.compute for lv in framework().levels for m in lv.metrics}

        def row(calc: str):
            [m] = [m for m in metrics.values() if compute[m.id] == calc]
            return m

        needs_pct = {"response_time_percentiles", "latency_p99_p50_ratio", "lambda_duration_memory"}
        runtime = {
            "bedrock_invocations": 40.0,
            "bedrock_client_errors": 1.0,
            "bedrock_throttles": 2.0,
            "bedrock_success_vs_failed": 38.0,
        }
        for calc, value in runtime.items():
            assert row(calc).value == value, (calc, row(calc).reason)
        for calc in ("bedrock_token_counts", "apigw_status_counts", "lambda_error_rate"):
            assert row(calc).value is not None, (calc, row(calc).reason)
        for calc in needs_pct:
            m = row(calc)
            assert m.value is None and PERCENTILE.search(m.reason), (calc, m.reason)
        with_values = [m for m in metrics.values() if m.value is not None]
        assert len(with_values) >= len(runtime) + 3
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
