"""AgentCore token-vault credential providers: the two listings the guard allows despite their names return
metadata only (proven on botocore's output shapes), the collector keeps names, ARNs and vendors, and L5.3's
AgentCore form is not met when one API key is shared between gateways."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import botocore.session
import pytest

from llmops_audit.aws.operations import ALLOWED_DESPITE_NAME, declared, is_sensitive
from llmops_audit.collectors import CollectContext
from llmops_audit.evidence.snapshot import plain
from llmops_audit.probes import run_probe
from tests.helpers import snapshot
from tests.probes.test_agentcore import gateway, gateways, target

SERVICE = "bedrock-agentcore-control"
LISTINGS = ("ListApiKeyCredentialProviders", "ListOauth2CredentialProviders")
ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/"
NOW = datetime.now(UTC)
# A member whose name says it carries a credential: a key, secret, token, password, client id or certificate.
SECRET_MEMBER = re.compile(r"key|secret|token|password|client|certificate|claim|credential(?!Provider)", re.I)
PAGINATION = {"nextToken"}  # the listing's page token: names the next page, not a credential


def _members(shape, path: str = "", seen: frozenset[str] = frozenset()):
    """(path, member name, shape) for every member reachable from `shape`."""
    if shape.name in seen:
        return
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield f"{path}.{name}", name, member
            yield from _members(member, f"{path}.{name}", seen)
    elif shape.type_name == "list":
        yield from _members(shape.member, f"{path}[]", seen)
    elif shape.type_name == "map":
        yield from _members(shape.value, f"{path}{{}}", seen)


def _secret_members(operation: str) -> list[str]:
    model = botocore.session.get_session().get_service_model(SERVICE)
    out = model.operation_model(operation).output_shape
    return [
        path
        for path, name, shape in _members(out)
        if (SECRET_MEMBER.search(name) and name not in PAGINATION)
        or shape.metadata.get("sensitive")  # botocore's "sensitive" trait: a value AWS redacts in logs
    ]


@pytest.mark.parametrize("operation", LISTINGS)
def test_the_listings_return_metadata_only(operation: str) -> None:
    assert _secret_members(operation) == []
    model = botocore.session.get_session().get_service_model(SERVICE)
    item = model.operation_model(operation).output_shape.members["credentialProviders"].member
    assert set(item.members) <= {
        "name",
        "credentialProviderArn",
        "credentialProviderVendor",
        "createdTime",
        "lastUpdatedTime",
    }


@pytest.mark.parametrize("operation", ["GetApiKeyCredentialProvider", "GetOauth2CredentialProvider"])
def test_the_walk_finds_what_the_get_reads_carry_and_the_guard_refuses_them(operation: str) -> None:
    """The walker is not blind: the Get reads name the secret (and the OAuth client id); they stay refused."""
    assert _secret_members(operation)
    assert is_sensitive(SERVICE, operation)
    assert (SERVICE, operation) not in declared()


def test_only_the_two_listings_are_allowed_despite_their_names() -> None:
    for op in LISTINGS:
        assert (SERVICE, op) in ALLOWED_DESPITE_NAME and not is_sensitive(SERVICE, op)
        assert (SERVICE, op) in declared()
    agentcore = {op for s, op in ALLOWED_DESPITE_NAME if s == SERVICE}
    assert agentcore == set(LISTINGS)


def test_the_collector_keeps_names_arns_and_vendors(moto_aws, scope, canned) -> None:
    canned.add(
        SERVICE,
        "ListApiKeyCredentialProviders",
        {
            "credentialProviders": [
                {
                    "name": "ticketing-key",
                    "credentialProviderArn": f"{ARN}apikeycredentialprovider/ticketing-key",
                    "createdTime": NOW,
                    "lastUpdatedTime": NOW,
                }
            ]
        },
    )
    canned.add(
        SERVICE,
        "ListOauth2CredentialProviders",
        {
            "credentialProviders": [
                {
                    "name": "google",
                    "credentialProviderVendor": "GoogleOauth2",
                    "credentialProviderArn": f"{ARN}oauth2credentialprovider/google",
                    "createdTime": NOW,
                    "lastUpdatedTime": NOW,
                }
            ]
        },
    )
    data = json.loads(
        json.dumps(plain(CollectContext(moto_aws, scope).section("agentcore.credential_providers")))
    )
    assert data == {
        "api_key": [{"name": "ticketing-key", "arn": f"{ARN}apikeycredentialprovider/ticketing-key"}],
        "oauth2": [
            {"name": "google", "arn": f"{ARN}oauth2credentialprovider/google", "vendor": "GoogleOauth2"}
        ],
        "truncated": False,
    }


KEY = f"{ARN}apikeycredentialprovider/shared-key"
VAULT = {"api_key": [{"name": "shared-key", "arn": KEY}], "oauth2": [], "truncated": False}


def _verdict(scope, *gws, vault=VAULT):
    sections = {"agentcore__gateways": gateways(*gws)}
    if vault is not None:
        sections["agentcore__credential_providers"] = vault
    return run_probe("agentcore_api_keys_not_shared", snapshot(scope, **sections), {})


def _api_key_target(name: str, arn: str = KEY) -> dict:
    return target(name, providers=(("API_KEY", arn),))


def test_an_api_key_shared_between_gateways_is_not_met(scope) -> None:
    v = _verdict(
        scope,
        gateway("support", targets=[_api_key_target("tickets")]),
        gateway("billing", targets=[_api_key_target("tickets")]),
    )
    assert v.value is False and "shared-key by billing, support" in v.summary
    assert any("1 API-key credential provider" in d for d in v.details)


def test_own_keys_or_oauth_per_gateway_are_met(scope) -> None:
    v = _verdict(
        scope,
        gateway(
            "support", targets=[_api_key_target("tickets"), _api_key_target("crm")]
        ),  # one gateway, one key
        gateway("billing", targets=[_api_key_target("ledger", f"{ARN}apikeycredentialprovider/billing-key")]),
        gateway(
            "search", targets=[target("web", providers=(("OAUTH", f"{ARN}oauth2credentialprovider/g"),))]
        ),
    )
    assert v.value is True and "2 API-key credential providers, each used by one gateway" in v.summary
    assert _verdict(scope, gateway("iam-only"), vault=None).value is True  # the listing is detail only


def test_unread_targets_are_unknown_never_met(scope) -> None:
    v = _verdict(scope, gateway("support", targets=[target("tickets", detail=False)]))
    assert v.value is None and v.missing
    assert _verdict(scope, gateway("support") | {"targets": None}).value is None


def test_no_gateway_is_not_met(scope) -> None:
    assert _verdict(scope).value is False
