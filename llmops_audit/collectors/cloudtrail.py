"""CloudTrail evidence: trails with status and event selectors, Lake event data stores, Object Lock on
trail buckets, and a count of InvokeAgent data events from a trail's CloudWatch Logs group.

Section shapes:
cloudtrail.trails: {"trails": [{"name", "arn", "logging", "multiRegion", "validation", "bucket",
    "logGroupArn",
    "advancedSelectors": [{"name", "fields": {field: {"Equals": [...], "StartsWith": [...], ...}}}],
    "basicDataResources": [type, ...]}]}
cloudtrail.event_data_stores: {"stores": [{"name", "arn", "status"}]}
cloudtrail.bucket_object_lock: {"buckets": {bucket: bool}}
cloudtrail.invoke_agent_events: {"log_group": str | None, "trail": str | None,
    "recorded": bool (the trail selects AgentAlias data events), "events": int | None, "capped": bool}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.evidence.shapes import BucketObjectLock, EventDataStores, InvokeAgentEvents, Trail, Trails

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

AGENT_ALIAS = "AWS::Bedrock::AgentAlias"
MAX_EVENTS = 1000


def trails(ctx: CollectContext) -> Trails:
    out: list[Trail] = []
    for t in ctx.aws.call("cloudtrail", "describe_trails", includeShadowTrails=False).get("trailList", [])[
        :20
    ]:
        arn = t.get("TrailARN") or t["Name"]
        status = ctx.aws.call("cloudtrail", "get_trail_status", Name=arn)
        # moto keeps HasCustomEventSelectors false, so the selectors are always read.
        sel = ctx.aws.call("cloudtrail", "get_event_selectors", TrailName=arn)
        out.append(
            {
                "name": t["Name"],
                "arn": arn,
                "logging": bool(status.get("IsLogging")),
                "multiRegion": bool(t.get("IsMultiRegionTrail")),
                "validation": bool(t.get("LogFileValidationEnabled")),
                "bucket": t.get("S3BucketName"),
                "logGroupArn": t.get("CloudWatchLogsLogGroupArn"),
                "advancedSelectors": [
                    {
                        "name": s.get("Name", ""),
                        "fields": {
                            f["Field"]: {k: v for k, v in f.items() if k != "Field"}
                            for f in s.get("FieldSelectors", [])
                        },
                    }
                    for s in sel.get("AdvancedEventSelectors", []) or []
                ],
                "basicDataResources": [
                    r.get("Type")
                    for s in sel.get("EventSelectors", []) or []
                    for r in s.get("DataResources", []) or []
                ],
            }
        )
    return {"trails": out}


def data_types(trail: dict[str, Any]) -> tuple[set[str], bool]:
    """(resources.type values recorded as data events, whether a selector narrows by ARN or event name)."""
    covered: set[str] = set()
    narrowed = False
    for s in trail.get("advancedSelectors") or []:
        f = s["fields"]
        if (f.get("eventCategory") or {}).get("Equals") != ["Data"]:
            continue
        covered |= set((f.get("resources.type") or {}).get("Equals", []))
        narrowed |= any(k in f for k in ("resources.ARN", "eventName", "readOnly", "userIdentity.arn"))
    return covered, narrowed


def event_data_stores(ctx: CollectContext) -> EventDataStores:
    stores = ctx.aws.items("cloudtrail", "list_event_data_stores", "EventDataStores", max_pages=5)
    return {
        "stores": [
            {"name": s.get("Name"), "arn": s.get("EventDataStoreArn"), "status": s.get("Status")}
            for s in stores
        ]
    }


def bucket_object_lock(ctx: CollectContext) -> BucketObjectLock:
    out: dict[str, bool] = {}
    for t in ctx.section("cloudtrail.trails")["trails"]:
        if not t["bucket"] or t["bucket"] in out:
            continue
        try:
            cfg = ctx.aws.call("s3", "get_object_lock_configuration", Bucket=t["bucket"])
            out[t["bucket"]] = (cfg.get("ObjectLockConfiguration") or {}).get(
                "ObjectLockEnabled"
            ) == "Enabled"
        except AwsCallError as exc:
            # No lock configuration means not locked (an answer, not a failure); so does a foreign bucket.
            if exc.code not in ("ObjectLockConfigurationNotFoundError", "NoSuchBucket"):
                raise
            out[t["bucket"]] = False
    return {"buckets": out}


def invoke_agent_events(ctx: CollectContext) -> InvokeAgentEvents:
    """InvokeAgent is a data event: absent from LookupEvents, so it is counted in the trail's log group."""
    with_group = [t for t in ctx.section("cloudtrail.trails")["trails"] if t.get("logGroupArn")]
    if not with_group:
        return {"log_group": None, "trail": None, "recorded": False, "events": None, "capped": False}
    # Prefer a logging trail that selects agent-alias data events.
    with_group.sort(key=lambda t: (AGENT_ALIAS not in data_types(t)[0], not t.get("logging")))
    trail = with_group[0]
    group = trail["logGroupArn"].split(":log-group:")[-1].split(":")[0]
    count = 0
    for page in ctx.aws.paginate(
        "logs",
        "filter_log_events",
        logGroupName=group,
        filterPattern='"InvokeAgent"',
        startTime=int(ctx.scope.start.timestamp() * 1000),
        endTime=int(ctx.scope.end.timestamp() * 1000),
        limit=MAX_EVENTS,
        max_pages=10,
    ):
        # Count only; the messages (which may carry request parameters) are not kept.
        count += sum(1 for e in page.get("events", []) if "InvokeAgent" in (e.get("message") or ""))
        if count >= MAX_EVENTS:
            break
    return {
        "log_group": group,
        "trail": trail["name"],
        "recorded": AGENT_ALIAS in data_types(trail)[0],
        "events": min(count, MAX_EVENTS),
        "capped": count >= MAX_EVENTS,
    }


SECTIONS = {
    "cloudtrail.trails": trails,
    "cloudtrail.event_data_stores": event_data_stores,
    "cloudtrail.bucket_object_lock": bucket_object_lock,
    "cloudtrail.invoke_agent_events": invoke_agent_events,
}
