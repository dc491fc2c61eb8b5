"""The operations the audit may call: exactly those the collectors declare, never a write, a credential or a
secret. The access layer refuses everything else, and the permissions policy is generated from this list.

A collector declares an operation by naming it (boto3's snake_case, e.g. `"list_guardrails"`) as a string
literal in its module, beside the service it belongs to (`"bedrock"`); an operation literal counts for each
service named in that module whose botocore model has it. Only reads qualify (names starting with Describe,
Get, List, Lookup, BatchGet, Filter or Search), and operations that issue credentials or return secrets are
refused even then (`SENSITIVE`), so that no collector can ever be given one.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

READ_PREFIXES = ("Describe", "Get", "List", "Lookup", "BatchGet", "Filter", "Search")
COLLECTORS = Path(__file__).resolve().parents[1] / "collectors"
ALWAYS = frozenset({("sts", "GetCallerIdentity")})  # the caller-identity check before any collector runs

# Reads that hand out credentials, tokens or secret values (sts:GetSessionToken, secretsmanager:GetSecretValue,
# ssm:GetParameter with decryption, ecr:GetAuthorizationToken, redshift:GetClusterCredentials, ...).
SENSITIVE = re.compile(
    r"Token|Credential|Secret|Password|Passphrase|Decrypt|DataKey|Assume|SignIn|Login|AccessKey|Kubeconfig"
    r"|PrivateKey|KeyPair|ConnectionString|AuthToken|Session(?!s\b)|Presigned|SignedUrl|ServerCertificate"
    r"|^GetParameters?$|^GetParametersByPath$|^GetParameterHistory$|^GetObject$|^GetQueryResults$"
)
# The exceptions above a demanding reviewer checked: the only object reads are evaluation outputs (scores), and
# GetMetricData, GetRole(Policy), ListServiceSpecificCredentials (metadata only: never the password) are reads.
# The AgentCore token vault's credential-provider listings return names, ARNs, vendors and timestamps only (no
# key, secret, client id or token member anywhere in their botocore output shapes: a test walks them); the
# Get*CredentialProvider reads, which name the secret and the client id, stay refused.
ALLOWED_DESPITE_NAME = frozenset(
    {
        ("s3", "GetObject"),
        ("iam", "ListServiceSpecificCredentials"),
        ("iam", "ListAccessKeys"),
        ("bedrock-agentcore-control", "ListApiKeyCredentialProviders"),
        ("bedrock-agentcore-control", "ListOauth2CredentialProviders"),
    }
)
_OP = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def camel(op: str) -> str:
    return "".join(p.capitalize() for p in op.split("_"))


def is_sensitive(service: str, operation: str) -> bool:
    return (service, operation) not in ALLOWED_DESPITE_NAME and bool(SENSITIVE.search(operation))


@cache
def _named() -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """Per collector module: (the service names it mentions, the read operations it names), from its source.
    Cheap (no botocore model is loaded), so the guard can answer for one service at a time."""
    import botocore.session

    available = set(botocore.session.get_session().get_available_services())
    out = []
    for path in sorted(COLLECTORS.glob("*.py")):
        literals = {
            n.value
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        ops = {camel(x) for x in literals if _OP.match(x)}
        out.append(
            (
                frozenset(s for s in literals if s in available),
                frozenset(o for o in ops if o.startswith(READ_PREFIXES)),
            )
        )
    return tuple(out)


@cache
def declared_for(service: str) -> frozenset[str]:
    """The operations of `service` the collectors can call (loads only that service's botocore model)."""
    import botocore.session

    model = set(botocore.session.get_session().get_service_model(service).operation_names)
    found = {op for services, ops in _named() if service in services for op in ops if op in model}
    found |= {op for s, op in ALWAYS if s == service}
    refused = sorted(f"{service}:{op}" for op in found if is_sensitive(service, op))
    if refused:  # a collector names one: refuse to run at all rather than make that call
        raise RuntimeError(f"collectors declare credential- or secret-returning operations: {refused}")
    return frozenset(found)


def declared() -> frozenset[tuple[str, str]]:
    """(service, Operation) pairs the collectors can call: the source of the permissions policy."""
    services = {s for named, _ in _named() for s in named} | {s for s, _ in ALWAYS}
    return frozenset((s, op) for s in services for op in declared_for(s))
