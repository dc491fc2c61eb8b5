"""The demo account: moto in-process, a percentile shim, and helpers the domain seeders share."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.fake_account import workload
from tests.fake_account.canned import CannedResponses

_PCT = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def enable_moto_percentiles() -> None:
    """Teach moto's GetMetricData the pNN statistics it lacks (moto raises TypeError on them).

    Only for the demo account and for tests that need a whole run over seeded latency data; the
    percentile code itself is tested against botocore Stubber responses.
    """
    from moto.cloudwatch.models import Statistics

    if getattr(Statistics, "_llmops_percentiles", False):
        return
    original = Statistics.get_statistics_for_type

    def with_percentiles(self: Any, stat: str) -> Any:
        m = _PCT.match(stat or "")
        if not m:
            return original(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = max(1, math.ceil(float(m.group(1)) / 100 * len(values)))  # nearest-rank percentile
        return values[rank - 1]

    Statistics.get_statistics_for_type = with_percentiles
    Statistics._llmops_percentiles = True


@dataclass
class DemoEnv:
    session: boto3.Session
    canned: CannedResponses
    now: datetime
    region: str = workload.REGION
    account: str = workload.ACCOUNT
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """A client for seeding (writes allowed: this is the fake account, not the audit)."""
        if service not in self._clients:
            c = self.session.client(service, region_name=self.region)
            self.canned.attach(c)
            self._clients[service] = c
        return self._clients[service]

    def put_metric(
        self,
        namespace: str,
        name: str,
        dimensions: dict[str, str],
        values: list[float],
        unit: str = "None",
        hours_ago: float = 2.0,
    ) -> None:
        """Put raw data points (so sums and percentiles both work), spread over the last `hours_ago` hours."""
        cw = self.client("cloudwatch")
        dims = [{"Name": k, "Value": v} for k, v in dimensions.items()]
        step = timedelta(hours=hours_ago) / max(len(values), 1)
        data = [
            {
                "MetricName": name,
                "Dimensions": dims,
                "Value": float(v),
                "Unit": unit,
                "Timestamp": self.now - timedelta(hours=hours_ago) + i * step,
            }
            for i, v in enumerate(values)
        ]
        for i in range(0, len(data), 1000):
            cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


@contextmanager
def demo_account(now: datetime | None = None, seed: bool = True) -> Iterator[DemoEnv]:
    """A moto account, seeded with the demo workload unless `seed` is False."""
    from moto import mock_aws

    saved = {
        k: os.environ.get(k)
        for k in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL",
            "AWS_PROFILE",
        )
    }
    for k in saved:
        os.environ.pop(k, None)
    os.environ["AWS_ACCESS_KEY_ID"] = "demo-not-a-key"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "demo-not-a-secret"  # noqa: S105 - fake, for moto only
    enable_moto_percentiles()
    try:
        with mock_aws():
            env = DemoEnv(
                boto3.Session(region_name=workload.REGION), CannedResponses(), now or datetime.now(UTC)
            )
            if seed:
                from tests.fake_account import seed_all

                seed_all.seed(env)
            yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
