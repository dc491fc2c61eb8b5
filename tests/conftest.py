"""Shared fixtures. moto fakes AWS in-process; nothing here reaches the network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from llmops_audit.aws.access import AwsAccess
from llmops_audit.model import Scope
from tests.fake_account.canned import CannedResponses

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no profile, so a test can never use a developer's real AWS account."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/llmops-audit-tests/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/llmops-audit-tests/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection beyond the loopback interface."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if (
            isinstance(host, str)
            and not (host.startswith("127.") or host in ("localhost", "::1"))
            and self.family in (socket.AF_INET, socket.AF_INET6)
        ):
            raise AssertionError(f"test tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def scope(now: datetime) -> Scope:
    return Scope(
        account=ACCOUNT, region=REGION, start=now - timedelta(days=7), end=now + timedelta(minutes=5)
    )


@pytest.fixture
def canned() -> CannedResponses:
    """Responses for APIs moto lacks; shapes are validated against botocore's model when used."""
    return CannedResponses()


@pytest.fixture
def moto_aws(canned: CannedResponses) -> Iterator[AwsAccess]:
    """An AwsAccess over an empty moto account (plus `canned`). Seed it with `seed_client(...)`."""
    from moto import mock_aws

    from tests.fake_account.env import enable_moto_percentiles

    enable_moto_percentiles()
    with mock_aws():
        yield AwsAccess(boto3.Session(region_name=REGION), REGION, client_hook=canned.attach, max_attempts=1)


def seed_client(service: str) -> object:
    """A boto3 client for creating test resources in the active moto account (writes are fine here)."""
    return boto3.client(service, region_name=REGION)
