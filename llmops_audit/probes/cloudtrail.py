"""Probes over CloudTrail trails, event selectors and Lake event data stores."""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, met, names, not_met, plural, probe
from llmops_audit.probes.params import Param

BEDROCK_TYPES = ("AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase")


@probe("trail_logging_validated", "cloudtrail.trails")
def trail_logging_validated(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A trail is logging, multi-Region, with log-file validation (tamper-evident)."""
    trails = ev.get("cloudtrail.trails")["trails"]
    good = [t["name"] for t in trails if t["logging"] and t["multiRegion"] and t["validation"]]
    if good:
        return met(f"Trail {names(good)} is logging, multi-Region, with log-file validation.")
    if not trails:
        return not_met("No CloudTrail trail exists.")
    checks = (
        ("not logging", "logging"),
        ("single-Region", "multiRegion"),
        ("no log-file validation", "validation"),
    )
    gaps = [f"{t['name']} ({', '.join(what for what, key in checks if not t[key])})" for t in trails]
    return not_met(f"No trail is logging, multi-Region and validated: {names(gaps)}.")


def _covered(trail: dict[str, Any]) -> tuple[set[str], bool]:
    covered: set[str] = set()
    narrowed = False
    for s in trail["advancedSelectors"]:
        f = s["fields"]
        if (f.get("eventCategory") or {}).get("Equals") != ["Data"]:
            continue
        covered |= set((f.get("resources.type") or {}).get("Equals", []))
        narrowed |= "resources.ARN" in f or "eventName" in f
    return covered, narrowed


@probe(
    "trail_bedrock_data_events_covered",
    "cloudtrail.trails",
    params={
        "types": Param(
            list[str], default=BEDROCK_TYPES, help="resource types whose data events must be logged"
        )
    },
)
def trail_bedrock_data_events_covered(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A logging trail records Bedrock data events (agent aliases and knowledge bases by default)."""
    wanted = set(params.get("types", BEDROCK_TYPES))
    trails = [t for t in ev.get("cloudtrail.trails")["trails"] if t["logging"]]
    for t in trails:
        covered, narrowed = _covered(t)
        if wanted <= covered:
            return met(
                f"Trail {t['name']} records Bedrock data events for {', '.join(sorted(wanted))}"
                + (" (narrowed by ARN or event name)." if narrowed else ".")
            )
    best = max((_covered(t)[0] & wanted for t in trails), key=len, default=set())
    return not_met(
        f"No logging trail records Bedrock data events for {', '.join(sorted(wanted - best))} "
        f"(InvokeAgent and Retrieve are data events, off by default; {plural(len(trails), 'logging trail')})."
    )


@probe("cloudtrail_lake_store_present", "cloudtrail.event_data_stores")
def cloudtrail_lake_store_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A CloudTrail Lake event data store is enabled."""
    stores = [
        s["name"]
        for s in ev.get("cloudtrail.event_data_stores")["stores"]
        if s.get("status") in (None, "ENABLED")
    ]
    if stores:
        return met(f"CloudTrail Lake event data store {names(stores)} is enabled.")
    return not_met("No CloudTrail Lake event data store is enabled.")
