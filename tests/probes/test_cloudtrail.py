"""CloudTrail probes on plain data."""

from __future__ import annotations

from llmops_audit.evidence.snapshot import SectionError
from llmops_audit.probes import run_probe
from tests.helpers import snapshot

AGENTS_KB = ["AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase"]


def trail(name="audit", logging=True, multi=True, validation=True, selectors=()) -> dict:
    return {
        "name": name,
        "arn": f"arn:{name}",
        "logging": logging,
        "multiRegion": multi,
        "validation": validation,
        "bucket": "b",
        "logGroupArn": None,
        "advancedSelectors": list(selectors),
        "basicDataResources": [],
    }


def data_selector(types: list[str], **extra) -> dict:
    return {
        "name": "s",
        "fields": {"eventCategory": {"Equals": ["Data"]}, "resources.type": {"Equals": types}, **extra},
    }


def run(probe: str, trails: list[dict], params: dict | None = None, scope=None):
    return run_probe(probe, snapshot(scope, cloudtrail__trails={"trails": trails}), params or {})


def test_trail_logging_validated(scope) -> None:
    ok = run("trail_logging_validated", [trail("single", multi=False), trail("org")], scope=scope)
    assert ok.value is True and "Trail org is logging, multi-Region" in ok.summary
    bad = run(
        "trail_logging_validated", [trail("a", validation=False), trail("b", logging=False)], scope=scope
    )
    assert (
        bad.value is False
        and "a (no log-file validation)" in bad.summary
        and "b (not logging)" in bad.summary
    )
    assert run("trail_logging_validated", [], scope=scope).summary == "No CloudTrail trail exists."


def test_trail_bedrock_data_events_covered_by_one_or_several_selectors(scope) -> None:
    one = run("trail_bedrock_data_events_covered", [trail(selectors=[data_selector(AGENTS_KB)])], scope=scope)
    assert one.value is True and "narrowed" not in one.summary
    split = run(
        "trail_bedrock_data_events_covered",
        [
            trail(
                selectors=[
                    data_selector(["AWS::Bedrock::AgentAlias"]),
                    data_selector(
                        ["AWS::Bedrock::KnowledgeBase"],
                        **{"resources.ARN": {"StartsWith": ["arn:aws:bedrock:"]}},
                    ),
                ]
            )
        ],
        scope=scope,
    )
    assert split.value is True and "narrowed by ARN or event name" in split.summary


def test_trail_bedrock_data_events_not_covered(scope) -> None:
    partial = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[data_selector(["AWS::Bedrock::AgentAlias"])])],
        scope=scope,
    )
    assert partial.value is False and "AWS::Bedrock::KnowledgeBase" in partial.summary
    assert "AgentAlias," not in partial.summary  # only the missing type is named
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


def test_trail_bedrock_data_events_types_param(scope) -> None:
    params = {"types": ["AWS::Bedrock::AgentAlias"]}
    v = run(
        "trail_bedrock_data_events_covered",
        [trail(selectors=[data_selector(["AWS::Bedrock::AgentAlias"])])],
        params,
        scope=scope,
    )
    assert v.value is True


def test_trail_probe_unknown_when_trails_were_denied(scope) -> None:
    from llmops_audit.evidence.snapshot import EvidenceSnapshot

    snap = EvidenceSnapshot(
        scope, errors={"cloudtrail.trails": SectionError("denied", "cloudtrail:DescribeTrails", "x")}
    )
    f = run_probe("trail_logging_validated", snap, {})
    assert f.value is None and f.missing == ("cloudtrail:DescribeTrails",)


def test_cloudtrail_lake_store_present(scope) -> None:
    def lake(stores):
        return run_probe(
            "cloudtrail_lake_store_present",
            snapshot(scope, cloudtrail__event_data_stores={"stores": stores}),
            {},
        )

    assert lake([{"name": "lake", "arn": "a", "status": "ENABLED"}]).value is True
    assert lake([{"name": "old", "arn": "a", "status": "STOPPED_INGESTION"}]).value is False
    assert lake([]).value is False
