"""Probes over CloudTrail trails, event selectors and Lake event data stores.

A trail counts for the audited account and Region when it is logging and is multi-Region or homed in the
audited Region; an organization trail (seen in a member account as a shadow trail) logs every account of the
organization (CloudTrail User Guide, "Creating a trail for an organization"), so it counts as the member's
trail. A trail whose status or event selectors could not be read is never assumed to log: when no readable
trail proves the practice, such a trail makes the probe unknown, naming the read that failed.
"""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.shapes import data_event_coverage
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.probes.params import Param

BEDROCK_TYPES = ("AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase")
TYPES_PARAM = {
    "types": Param(list[str], default=BEDROCK_TYPES, help="resource types whose data events must be logged")
}


def _covers_region(t: dict[str, Any], region: str) -> bool:
    # DescribeTrails without shadow trails (older snapshots) returned only trails homed in the audited Region.
    return bool(t.get("multiRegion")) or (t.get("homeRegion") or region) == region


def _label(t: dict[str, Any]) -> str:
    return f"{t['name']} (organization trail)" if t.get("organization") else t["name"]


def _missing(data: dict[str, Any], trails: list[dict[str, Any]], *ops: str) -> tuple[str, ...]:
    arns = {f"trail {t.get('arn') or t['name']}" for t in trails}
    found = {
        e["action"]
        for e in data.get("errors") or []
        if e.get("resource") in arns and e.get("action", "").split(":")[-1] in ops
    }
    return tuple(sorted(found)) or tuple(f"cloudtrail:{op}" for op in ops)


@probe("trail_logging_validated", "cloudtrail.trails")
def trail_logging_validated(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A trail is logging, with log-file validation, for the audited Region (multi-Region or homed there)."""
    region = ev.scope.region
    data = ev.get("cloudtrail.trails")
    trails = data["trails"]
    fit = [t for t in trails if t["validation"] and _covers_region(t, region)]
    good = [t for t in fit if t["logging"] is True]
    if good:
        return met(
            f"Trail {names([_label(t) for t in good])} is logging with log-file validation for {region}"
            + (" (an organization trail logs every member account)." if good[0].get("organization") else ".")
        )
    if not trails:
        return not_met(
            "No CloudTrail trail exists (DescribeTrails, shadow and organization trails included)."
        )
    unread = [t for t in fit if t["logging"] is None]
    if unread:
        return cannot_tell(
            f"The status of trail {names([_label(t) for t in unread])} (validated, covering {region}) could "
            "not be read, so whether it is logging is unknown.",
            missing=_missing(data, unread, "GetTrailStatus"),
        )

    def gaps(t: dict[str, Any]) -> str:
        what = [
            "not logging" if t["logging"] is False else "",
            "" if _covers_region(t, region) else f"single-Region in {t.get('homeRegion')}",
            "" if t["validation"] else "no log-file validation",
        ]
        return f"{_label(t)} ({', '.join(w for w in what if w)})"

    return not_met(
        f"No trail is logging with log-file validation for {region}: {names([gaps(t) for t in trails])}."
    )


def _coverage_gap(cov: dict[str, list[str]], wanted: set[str]) -> str:
    missing = sorted(wanted - set(cov))
    narrowed = sorted(f"{t} (narrowed by {', '.join(cov[t])})" for t in wanted & set(cov) if cov[t])
    return ", ".join(missing + narrowed)


@probe("trail_bedrock_data_events_covered", "cloudtrail.trails", params=TYPES_PARAM)
def trail_bedrock_data_events_covered(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A logging, validated trail for the audited Region logs every Bedrock data event of the given types
    (agent aliases and knowledge bases by default)."""
    region = ev.scope.region
    wanted = set(params.get("types", BEDROCK_TYPES))
    data = ev.get("cloudtrail.trails")
    trails = [t for t in data["trails"] if _covers_region(t, region) and t["logging"] is not False]
    for t in trails:
        cov = data_event_coverage(t["advancedSelectors"])
        if t["logging"] is True and t["validation"] and all(cov.get(w) == [] for w in wanted):
            return met(
                f"Trail {_label(t)} logs Bedrock data events for {', '.join(sorted(wanted))} in {region}, "
                "with log-file validation."
            )
    unread = [
        t
        for t in trails
        if t["validation"]
        and (
            t["advancedSelectors"] is None
            or (
                t["logging"] is None
                and all(data_event_coverage(t["advancedSelectors"]).get(w) == [] for w in wanted)
            )
        )
    ]
    if unread:
        return cannot_tell(
            f"The status or event selectors of trail {names([_label(t) for t in unread])} could not be read, "
            "so whether it logs Bedrock data events is unknown.",
            missing=_missing(data, unread, "GetTrailStatus", "GetEventSelectors"),
        )
    unvalidated = [
        t["name"]
        for t in trails
        if not t["validation"]
        and all(data_event_coverage(t["advancedSelectors"]).get(w) == [] for w in wanted)
    ]
    gaps = [
        f"{_label(t)}: {_coverage_gap(data_event_coverage(t['advancedSelectors']), wanted)}" for t in trails
    ]
    return not_met(
        f"No logging, validated trail for {region} logs every Bedrock data event for "
        f"{', '.join(sorted(wanted))} (data events are off by default, and only advanced event selectors "
        f"select Bedrock resources; {plural(len(trails), 'logging trail')})"
        + (f"; {names(gaps)}" if gaps else "")
        + (f"; trail {names(unvalidated)} logs them without log-file validation" if unvalidated else "")
        + "."
    )


@probe("cloudtrail_lake_store_present", "cloudtrail.event_data_stores", params=TYPES_PARAM)
def cloudtrail_lake_store_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An enabled CloudTrail Lake event data store of this account (or its organization), for the audited
    Region, collects every Bedrock data event of the given types."""
    region, account = ev.scope.region, ev.scope.account
    wanted = set(params.get("types", BEDROCK_TYPES))
    data = ev.get("cloudtrail.event_data_stores")
    stores = data["stores"]

    def gap(s: dict[str, Any]) -> str:
        arn = (s.get("arn") or "").split(":")
        what = [
            "" if s.get("status") == "ENABLED" else f"status {s.get('status')}",
            "" if s.get("multiRegion") or (len(arn) > 3 and arn[3] == region) else f"not collecting {region}",
            "" if s.get("organization") or (len(arn) > 4 and arn[4] == account) else "another account's",
            _coverage_gap(data_event_coverage(s.get("advancedSelectors")), wanted),
        ]
        return ", ".join(w for w in what if w)

    read = [s for s in stores if s.get("status") is not None and s.get("advancedSelectors") is not None]
    good = [s for s in read if not gap(s)]
    if good:
        return met(
            f"CloudTrail Lake event data store {names([s['name'] for s in good])} is enabled and collects "
            f"Bedrock data events for {', '.join(sorted(wanted))} in {region}."
        )
    unread = [s for s in stores if s not in read]
    if unread:
        arns = {f"event data store {s.get('arn') or s.get('name')}" for s in unread}
        missing = {e["action"] for e in data.get("errors") or [] if e.get("resource") in arns}
        return cannot_tell(
            f"The settings of event data store {names([str(s.get('name')) for s in unread])} could not be "
            "read, so whether it collects Bedrock data events is unknown.",
            missing=tuple(sorted(missing)) or ("cloudtrail:GetEventDataStore",),
        )
    if not stores:
        return not_met("No CloudTrail Lake event data store exists.")
    found = [f"{s.get('name')} ({gap(s)})" for s in stores]
    return not_met(
        "No CloudTrail Lake event data store collects Bedrock data events for "
        f"{', '.join(sorted(wanted))}: {names(found)}."
    )


# -- Amazon Bedrock AgentCore ------------------------------------------------------------------------------
# The CloudTrail resources.type of AgentCore's data events: AWS::BedrockAgentCore::Gateway (InvokeGateway, the
# tool calls; AgentCore developer guide, "Enable CloudTrail data event logging for Amazon Bedrock AgentCore
# Gateway resources") and AWS::BedrockAgentCore::Runtime (InvokeAgentRuntime, the agent invocations). A
# selector can name only a type CloudTrail knows, so accepting a type never makes an unlogged account met.
AGENTCORE_TYPES = {"runtimes": "AWS::BedrockAgentCore::Runtime", "gateways": "AWS::BedrockAgentCore::Gateway"}


def _either(ev: Evidence, wanted: list[str]) -> Verdict:
    """A trail, else a Lake event data store, that logs every data event of `wanted`."""
    verdicts: list[Verdict] = []
    for check, section in (
        (trail_bedrock_data_events_covered, "cloudtrail.trails"),
        (cloudtrail_lake_store_present, "cloudtrail.event_data_stores"),
    ):
        try:
            verdicts.append(check.fn(ev, {"types": wanted}))
        except MissingEvidence as exc:
            verdicts.append(
                cannot_tell(f"Could not read {section}: {exc.error.describe()}.", missing=(exc.error.action,))
            )
    for v in verdicts:
        if v.value is True:
            return v
    unknown = [v for v in verdicts if v.value is None]
    if unknown:
        return cannot_tell(
            " ".join(v.summary for v in unknown),
            *[d for v in unknown for d in v.details],
            missing=tuple(sorted({m for v in unknown for m in v.missing})),
        )
    return not_met(" ".join(v.summary for v in verdicts))


@probe(
    "trail_agentcore_data_events_covered",
    "cloudtrail.trails",
    "cloudtrail.event_data_stores",
    "agentcore.runtimes",
    "agentcore.gateways",
)
def trail_agentcore_data_events_covered(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A logging, validated trail for the audited Region (or an enabled CloudTrail Lake event data store)
    logs every AgentCore data event of the resource kinds the account uses: AWS::BedrockAgentCore::Runtime
    when it has runtimes, AWS::BedrockAgentCore::Gateway when it has gateways."""
    wanted: list[str] = []
    for section, key in (("agentcore.runtimes", "runtimes"), ("agentcore.gateways", "gateways")):
        items = ev.get(section).get(key) or []
        if [
            r
            for r in items
            if r.get("status") not in ("DELETING", "DELETE_FAILED", "CREATE_FAILED", "FAILED")
        ]:
            wanted.append(AGENTCORE_TYPES[key])
    if not wanted:
        return not_met(
            f"No AgentCore runtime or gateway exists in {ev.scope.region}, so there are no AgentCore actions "
            "to audit."
        )
    return _either(ev, wanted)
