"""The read-only guard is an allowlist: exactly the operations the collectors declare, and never one that
issues credentials or returns secrets, whatever its name."""

from __future__ import annotations

import sys
import threading

import botocore.session
import pytest

from llmops_audit.aws.access import AwsAccess
from llmops_audit.aws.operations import READ_PREFIXES, declared, is_sensitive

# Operations a prefix rule ("Get*", "List*", ...) let through, which must never be callable.
DANGEROUS = [
    ("sts", "GetSessionToken"),
    ("sts", "GetFederationToken"),
    ("secretsmanager", "GetSecretValue"),
    ("secretsmanager", "BatchGetSecretValue"),
    ("ssm", "GetParameter"),
    ("ssm", "GetParameters"),
    ("ssm", "GetParametersByPath"),
    ("ecr", "GetAuthorizationToken"),
    ("redshift", "GetClusterCredentials"),
    ("sso", "GetRoleCredentials"),
    ("ec2", "GetPasswordData"),
    ("rds", "DescribeDBLogFiles"),
    ("kms", "GenerateDataKey"),
    ("codeartifact", "GetAuthorizationToken"),
    ("cognito-identity", "GetCredentialsForIdentity"),
    ("lambda", "GetFunction"),  # returns a presigned URL to the function's code
]


def test_the_named_dangerous_reads_are_refused() -> None:
    for service, op in DANGEROUS:
        assert not AwsAccess.is_declared(service, op), f"{service}:{op}"


def test_no_credential_or_secret_operation_of_any_service_is_allowed() -> None:
    """Every operation of every botocore model: what the guard allows is a declared read, never sensitive."""
    session = botocore.session.get_session()
    allowed: list[tuple[str, str]] = []
    sensitive_reads = 0
    for service in session.get_available_services():
        for op in session.get_service_model(service).operation_names:
            if op.startswith(READ_PREFIXES) and is_sensitive(service, op):
                sensitive_reads += 1
            if AwsAccess.is_read_operation(op) and AwsAccess.is_declared(service, op):
                allowed.append((service, op))
    assert sensitive_reads > 100  # the pattern really finds the credential and secret reads of botocore
    assert set(allowed) == {op for op in declared() if not is_sensitive(*op)}
    assert not [op for op in allowed if is_sensitive(*op)]
    assert len(allowed) < 200, len(allowed)  # a prefix rule allowed about 8,500
    print(
        f"the guard allows {len(allowed)} operations; {sensitive_reads} read-named operations are sensitive"
    )


def test_an_undeclared_operation_stops_the_run_with_one_line(monkeypatch, capsys) -> None:
    """A collector that asks for a secret: exit 2, one line, and no request is sent."""
    from llmops_audit import collectors
    from llmops_audit.cli import main
    from tests.test_deadline import _hanging_after_sts

    def greedy(ctx):  # a bug: a collector reading a secret
        return ctx.aws.call("secretsmanager", "get_secret_value", SecretId="prod/db")

    for name in list(collectors.SECTIONS):  # whichever section is read first asks for the secret
        monkeypatch.setitem(collectors.SECTIONS, name, greedy)
    release = threading.Event()
    server = _hanging_after_sts(
        release
    )  # answers STS; anything else would hang, so a sent request would show
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setattr(
            sys, "argv", ["llmops-audit", "assess", "--region", "us-east-1", "--deadline", "20s"]
        )
        with pytest.raises(SystemExit) as exit_:
            main()
    finally:
        release.set()
        server.shutdown()
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert exit_.value.code == 2 and len(lines) == 1, lines
    assert "refused to call secretsmanager:GetSecretValue" in lines[0]


def test_no_raw_client_leaves_the_access_layer() -> None:
    """Only aws/ builds clients: collectors and everything downstream never import boto3 or reach a client."""
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "llmops_audit"
    for path in package.rglob("*.py"):
        if path.parent.name == "aws":
            continue
        text = path.read_text(encoding="utf-8")
        assert "import boto3" not in text and "from boto3" not in text, path
        assert "._client(" not in text and ".client(" not in text, path
