"""L5.6 accepts CloudTrail data events of AgentCore resource types (AWS::BedrockAgentCore::Runtime for agent
invocations, AWS::BedrockAgentCore::Gateway for tool calls) for an account whose agents run on AgentCore only;
never for an account with classic Bedrock agents whose InvokeAgent calls go unlogged."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmops_audit.evidence.snapshot import SectionError
from llmops_audit.probes import run_probe
from tests.archetypes.runner import load, run
from tests.helpers import report_of, snapshot
from tests.probes.test_cloudtrail import AGENTS_KB, data_selector, store, trail

RUNTIME, GATEWAY = "AWS::BedrockAgentCore::Runtime", "AWS::BedrockAgentCore::Gateway"
MATURE = Path(__file__).resolve().parent.parent / "archetypes" / "agentcore_mature.yaml"
PROBE = "trail_agentcore_data_events_covered"


def _ac(runtimes: int = 1, gateways: int = 1) -> dict:
    return {
        "agentcore__runtimes": {
            "runtimes": [{"name": f"rt{i}", "status": "READY"} for i in range(runtimes)],
            "truncated": False,
            "errors": [],
        },
        "agentcore__gateways": {
            "gateways": [{"name": f"gw{i}", "status": "READY"} for i in range(gateways)],
            "truncated": False,
            "errors": [],
        },
    }


def _run(scope, trails=(), stores=(), **ac):
    snap = snapshot(
        scope,
        cloudtrail__trails={"trails": list(trails), "errors": []},
        cloudtrail__event_data_stores={"stores": list(stores), "errors": []},
        **_ac(**ac),
    )
    return run_probe(PROBE, snap, {})


def test_a_trail_logging_runtime_and_gateway_data_events_is_met(scope) -> None:
    v = _run(scope, [trail(selectors=[data_selector([RUNTIME, GATEWAY])])])
    assert v.value is True and RUNTIME in v.summary and GATEWAY in v.summary


def test_only_the_kinds_in_use_are_required(scope) -> None:
    runtime_only = [trail(selectors=[data_selector([RUNTIME])])]
    assert _run(scope, runtime_only, gateways=0).value is True
    missing_gateway = _run(scope, runtime_only)  # the account has a gateway whose tool calls go unlogged
    assert missing_gateway.value is False and GATEWAY in missing_gateway.summary


@pytest.mark.parametrize(
    "trails",
    [
        [trail(selectors=[data_selector(AGENTS_KB)])],  # classic Bedrock types only
        [
            trail(
                selectors=[data_selector([RUNTIME, GATEWAY], **{"eventName": {"Equals": ["InvokeGateway"]}})]
            )
        ],
        [trail(validation=False, selectors=[data_selector([RUNTIME, GATEWAY])])],
        [trail(logging=False, selectors=[data_selector([RUNTIME, GATEWAY])])],
        [],
    ],
)
def test_weaker_trails_are_not_met(scope, trails) -> None:
    assert _run(scope, trails).value is False


def test_a_lake_store_collecting_agentcore_data_events_is_met(scope) -> None:
    v = _run(scope, [], [store([data_selector([RUNTIME, GATEWAY])])])
    assert v.value is True and "lake" in v.summary


def test_no_agentcore_resource_is_not_met(scope) -> None:
    v = _run(scope, [trail(selectors=[data_selector([RUNTIME, GATEWAY])])], runtimes=0, gateways=0)
    assert v.value is False and "No AgentCore runtime or gateway" in v.summary


def test_unread_selectors_or_sections_are_unknown_never_met(scope) -> None:
    assert _run(scope, [trail(selectors=None)]).value is None
    snap = snapshot(scope, cloudtrail__event_data_stores={"stores": [], "errors": []}, **_ac())
    snap.errors["cloudtrail.trails"] = SectionError("denied", "cloudtrail:DescribeTrails", "AccessDenied")
    v = run_probe(PROBE, snap, {})
    assert v.value is None and "cloudtrail:DescribeTrails" in v.missing
    snap = snapshot(scope, cloudtrail__trails={"trails": [], "errors": []}, **_ac())
    snap.errors["agentcore.runtimes"] = SectionError(
        "denied", "bedrock-agentcore:ListAgentRuntimes", "AccessDenied"
    )
    assert run_probe(PROBE, snap, {}).value is None


# -- the item, through the mature AgentCore archetype ------------------------------------------------------


def _with_trail(types: list[str]):
    account = load(MATURE)
    arn = f"arn:aws:cloudtrail:us-east-1:{account.account}:trail/audit"
    account.responses["cloudtrail.DescribeTrails"] = {
        "trailList": [
            {
                "Name": "audit",
                "S3BucketName": "audit-logs",
                "IsMultiRegionTrail": True,
                "HomeRegion": "us-east-1",
                "TrailARN": arn,
                "LogFileValidationEnabled": True,
                "HasCustomEventSelectors": True,
                "IsOrganizationTrail": False,
            }
        ]
    }
    account.responses["cloudtrail.GetTrailStatus"] = {"IsLogging": True}
    account.responses["cloudtrail.GetEventSelectors"] = {
        "TrailARN": arn,
        "AdvancedEventSelectors": [
            {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            {
                "Name": "agentcore",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": types},
                ],
            },
        ],
    }
    return account


def _l56(account) -> tuple[str, str]:
    item = next(i for i in report_of(run(account)).items if i.id == "L5.6")
    return item.status.value, item.reason


def test_l5_6_is_met_for_an_agentcore_account_logging_its_data_events() -> None:
    status, why = _l56(_with_trail([RUNTIME, GATEWAY]))
    assert status == "met", why
    status, why = _l56(_with_trail([RUNTIME]))  # its gateway's tool calls are not logged
    assert status == "not_met", why
    status, _ = _l56(load(MATURE))  # no trail at all
    assert status == "not_met"


def test_l5_6_agentcore_types_do_not_cover_classic_bedrock_agents(scope) -> None:
    """With a Bedrock agent in the account, AgentCore selectors alone leave its InvokeAgent calls unlogged."""
    trails = {"trails": [trail(selectors=[data_selector([RUNTIME, GATEWAY])])], "errors": []}
    agents = {"agents": [{"name": "classic", "id": "A1", "status": "PREPARED"}], "errors": []}
    snap = snapshot(
        scope, cloudtrail__trails=trails, cloudtrail__event_data_stores={"stores": [], "errors": []}, **_ac()
    )
    assert run_probe(PROBE, snap, {}).value is True
    snap.sections["agents.agents"] = agents
    item = next(i for i in report_of(snap).items if i.id == "L5.6")
    assert item.status.value == "not_met", item.reason
