"""CloudTrail probes on plain data."""

from __future__ import annotations

import pytest

from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError
from llmops_audit.probes import run_probe
from tests.helpers import snapshot

AGENTS_KB = ["AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase"]
ORG_ARN = "arn:aws:cloudtrail:eu-west-1:999988887777:trail/org"


def trail(
    name="audit", logging=True, multi=True, validation=True, selectors=(), home="us-east-1", org=False
) -> dict:
    return {
        "name": name,
        "arn": f"arn:aws:cloudtrail:{home}:123456789012:trail/{name}",
        "homeRegion": home,
        "organization": org,
        "logging": logging,
        "multiRegion": multi,
        "validation": validation,
        "bucket": "b",
        "logGroupArn": None,
        "advancedSelectors": None if selectors is None else list(selectors),
        "basicDataResources": [],
    }


def org_trail(**kw) -> dict:
    return {**trail("org", home="eu-west-1", org=True, **kw), "arn": ORG_ARN}


def data_selector(types: list[str], **extra) -> dict:
    return {
        "name": "s",
        "fields": {"eventCategory": {"Equals": ["Data"]}, "resources.type": {"Equals": types}, **extra},
    }


def run(probe: str, trails: list[dict], params: dict | None = None, scope=None, errors=()):
    return run_probe(
        probe, snapshot(scope, cloudtrail__trails={"trails": trails, "errors": list(errors)}), params or {}
    )


def denied(op: str, arn: str = ORG_ARN) -> dict:
    return {"action": f"cloudtrail:{op}", "kind": "denied", "resource": f"trail {arn}", "message": "x"}


# ---------------------------------------------------------------- trail_logging_validated


def test_trail_logging_validated(scope) -> None:
    ok = run(
        "trail_logging_validated", [trail("single", multi=False, validation=False), trail("org")], scope=scope
    )
    assert ok.value is True and "Trail org is logging with log-file validation" in ok.summary
    bad = run(
        "trail_logging_validated", [trail("a", validation=False), trail("b", logging=False)], scope=scope
    )
    assert (
        bad.value is False
        and "a (no log-file validation)" in bad.summary
        and "b (not logging)" in bad.summary
    )
    assert run("trail_logging_validated", [], scope=scope).summary.startswith("No CloudTrail trail exists")


def test_single_region_trail_counts_only_for_its_home_region(scope) -> None:
    here = run("trail_logging_validated", [trail("here", multi=False)], scope=scope)
    assert here.value is True
    elsewhere = run("trail_logging_validated", [trail("far", multi=False, home="eu-west-1")], scope=scope)
    assert elsewhere.value is False and "single-Region in eu-west-1" in elsewhere.summary


def test_organization_trail_counts_for_a_member_account(scope) -> None:
    v = run("trail_logging_validated", [org_trail()], scope=scope)
    assert v.value is True and "organization trail" in v.summary


def test_trail_status_unread_is_unknown_never_met(scope) -> None:
    v = run(
        "trail_logging_validated", [org_trail(logging=None)], scope=scope, errors=[denied("GetTrailStatus")]
    )
    assert v.value is None and v.missing == ("cloudtrail:GetTrailStatus",)
    # A readable, logging, validated trail beside it decides.
    assert run("trail_logging_validated", [org_trail(logging=None), trail()], scope=scope).value is True
    # An unread status on a trail that could not count anyway does not make it unknown.
    v = run("trail_logging_validated", [trail(logging=None, validation=False)], scope=scope)
    assert v.value is False


def test_trail_probe_unknown_when_trails_were_denied(scope) -> None:
    snap = EvidenceSnapshot(
        scope, errors={"cloudtrail.trails": SectionError("denied", "cloudtrail:DescribeTrails", "x")}
    )
    f = run_probe("trail_logging_validated", snap, {})
    assert f.value is None and f.missing == ("cloudtrail:DescribeTrails",)


# ---------------------------------------------------------------- trail_bedrock_data_events_covered


def test_trail_bedrock_data_events_covered_by_one_or_several_selectors(scope) -> None:
    one = run("trail_bedrock_data_events_covered", [trail(selectors=[data_selector(AGENTS_KB)])], scope=scope)
    assert one.value is True and "AWS::Bedrock::AgentAlias, AWS::Bedrock::KnowledgeBase" in one.summary
    split = run(
        "trail_bedrock_data_events_covered",
        [
            trail(
                selectors=[
                    data_selector(["AWS::Bedrock::AgentAlias"]),
                    # StartsWith the service prefix only: every knowledge base, so not narrowed
                    data_selector(
                        ["AWS::Bedrock::KnowledgeBase"],
                        **{"resources.ARN": {"StartsWith": ["arn:aws:bedrock:"]}},
                    ),
                ]
            )
        ],
        scope=scope,
    )
    assert split.value is True
    both_ways = data_selector(["AWS::Bedrock::AgentAlias"], readOnly={"Equals": ["true", "false"]})
    v = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[both_ways, data_selector(["AWS::Bedrock::KnowledgeBase"])])],
        scope=scope,
    )
    assert v.value is True


@pytest.mark.parametrize(
    "narrowing",
    [
        {"readOnly": {"Equals": ["true"]}},
        {"eventName": {"Equals": ["GetAgentAlias"]}},
        {"eventName": {"NotEquals": ["InvokeAgent"]}},
        {"resources.ARN": {"Equals": ["arn:aws:bedrock:us-east-1:123456789012:agent-alias/A/B"]}},
        {"resources.ARN": {"NotStartsWith": ["arn:aws:bedrock:"]}},
        {"userIdentity.arn": {"StartsWith": ["arn:aws:iam::123456789012:role/x"]}},
    ],
)
def test_narrowed_selector_is_not_coverage(scope, narrowing) -> None:
    # Before the fix a selector narrowed by readOnly (or one excluding InvokeAgent) still counted as met.
    v = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[data_selector(AGENTS_KB, **narrowing)])],
        scope=scope,
    )
    assert v.value is False and "narrowed by" in v.summary
    # ...unless another selector logs the types unnarrowed (selectors are ORed).
    v = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[data_selector(AGENTS_KB, **narrowing), data_selector(AGENTS_KB)])],
        scope=scope,
    )
    assert v.value is True


def test_trail_bedrock_data_events_not_covered(scope) -> None:
    partial = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[data_selector(["AWS::Bedrock::AgentAlias"])])],
        scope=scope,
    )
    assert partial.value is False and "AWS::Bedrock::KnowledgeBase" in partial.summary
    assert "audit: AWS::Bedrock::KnowledgeBase" in partial.summary  # only the missing type is named
    management = {"name": "m", "fields": {"eventCategory": {"Equals": ["Management"]}}}
    assert (
        run("trail_bedrock_data_events_covered", [trail(selectors=[management])], scope=scope).value is False
    )
    # A trail that is not logging records nothing, whatever its selectors.
    stopped = run(
        "trail_bedrock_data_events_covered",
        [trail(logging=False, selectors=[data_selector(AGENTS_KB)])],
        scope=scope,
    )
    assert stopped.value is False
    # Nor does a single-Region trail of another Region log this Region's events.
    far = trail(multi=False, home="eu-west-1", selectors=[data_selector(AGENTS_KB)])
    assert run("trail_bedrock_data_events_covered", [far], scope=scope).value is False


def test_bedrock_data_events_on_an_unvalidated_trail_do_not_count(scope) -> None:
    # Before the fix: trail A validated without data events + trail B with data events unvalidated -> met.
    v = run(
        "trail_bedrock_data_events_covered",
        [trail("a"), trail("b", validation=False, selectors=[data_selector(AGENTS_KB)])],
        scope=scope,
    )
    assert v.value is False and "trail b logs them without log-file validation" in v.summary


def test_organization_trail_selectors_unreadable_is_unknown(scope) -> None:
    v = run(
        "trail_bedrock_data_events_covered",
        [org_trail(selectors=None)],
        scope=scope,
        errors=[denied("GetEventSelectors")],
    )
    assert v.value is None and v.missing == ("cloudtrail:GetEventSelectors",)
    ok = run(
        "trail_bedrock_data_events_covered", [org_trail(selectors=[data_selector(AGENTS_KB)])], scope=scope
    )
    assert ok.value is True and "organization trail" in ok.summary
    # Selectors read but the status not: never met on assumption.
    v = run(
        "trail_bedrock_data_events_covered",
        [org_trail(logging=None, selectors=[data_selector(AGENTS_KB)])],
        scope=scope,
        errors=[denied("GetTrailStatus")],
    )
    assert v.value is None and v.missing == ("cloudtrail:GetTrailStatus",)


def test_trail_bedrock_data_events_types_param(scope) -> None:
    params = {"types": ["AWS::Bedrock::AgentAlias"]}
    v = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[data_selector(["AWS::Bedrock::AgentAlias"])])],
        params,
        scope=scope,
    )
    assert v.value is True


# ---------------------------------------------------------------- cloudtrail_lake_store_present

EDS = "arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/eds"
MANAGEMENT_ONLY = [{"name": "m", "fields": {"eventCategory": {"Equals": ["Management"]}}}]


def store(selectors=(), status="ENABLED", multi=True, org=False, arn=EDS) -> dict:
    return {
        "name": "lake",
        "arn": arn,
        "status": status,
        "multiRegion": multi,
        "organization": org,
        "advancedSelectors": None if selectors is None else list(selectors),
    }


def lake(scope, *stores, errors=()):
    return run_probe(
        "cloudtrail_lake_store_present",
        snapshot(scope, cloudtrail__event_data_stores={"stores": list(stores), "errors": list(errors)}),
        {},
    )


def test_lake_store_with_bedrock_data_events_is_met(scope) -> None:
    v = lake(scope, store([data_selector(AGENTS_KB)]))
    assert v.value is True and "lake" in v.summary
    assert lake(
        scope, store([data_selector(AGENTS_KB)], org=True, arn=EDS.replace("123456789012", "9"))
    ).value


def test_lake_store_with_management_events_only_is_not_met(scope) -> None:
    # Failed before the fix: any enabled store (or one whose status was not returned) was met.
    v = lake(scope, store(MANAGEMENT_ONLY))
    assert v.value is False and "AWS::Bedrock::AgentAlias" in v.summary


@pytest.mark.parametrize(
    "weaker",
    [
        store([data_selector(AGENTS_KB)], status="STOPPED_INGESTION"),
        store([data_selector(AGENTS_KB)], multi=False, arn=EDS.replace("us-east-1", "eu-west-1")),
        store([data_selector(AGENTS_KB)], arn=EDS.replace("123456789012", "999988887777")),
        store([data_selector(AGENTS_KB, readOnly={"Equals": ["true"]})]),
        store([data_selector(["AWS::Bedrock::AgentAlias"])]),
        store([]),
    ],
)
def test_lake_store_never_met_on_weaker_evidence(scope, weaker) -> None:
    assert lake(scope, weaker).value is False
    assert lake(scope).value is False


def test_lake_store_unread_is_unknown(scope) -> None:
    gap = {"action": "cloudtrail:GetEventDataStore", "kind": "denied", "resource": f"event data store {EDS}"}
    v = lake(scope, store(None, status=None), errors=[gap])
    assert v.value is None and v.missing == ("cloudtrail:GetEventDataStore",)
    # An older snapshot without status or selectors (ListEventDataStores only) is unknown, never met.
    assert lake(scope, {"name": "lake", "arn": EDS, "status": None}).value is None
    snap = EvidenceSnapshot(
        scope,
        errors={
            "cloudtrail.event_data_stores": SectionError("denied", "cloudtrail:ListEventDataStores", "x")
        },
    )
    assert run_probe("cloudtrail_lake_store_present", snap, {}).value is None
