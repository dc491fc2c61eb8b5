"""CloudTrail evidence: trails with status and event selectors, Lake event data stores, Object Lock on
trail buckets, and a count of InvokeAgent data events from a trail's CloudWatch Logs group.

Trails come from DescribeTrails with shadow trails (its default): without them an organization trail seen from
a member account, and a multi-Region trail homed in another Region, are not returned. Each trail's status
and event selectors are read in its home Region by ARN (GetTrailStatus documents that a member account must
name an organization trail by ARN). A read that fails is kept in "errors" and leaves the field None.

Section shapes (TypedDicts in evidence/shapes.py):
cloudtrail.trails: {"trails": [{"name", "arn", "homeRegion", "organization", "logging": bool | None,
    "multiRegion", "validation", "bucket", "logGroupArn",
    "advancedSelectors": [{"name", "fields": {field: {"Equals": [...], "StartsWith": [...], ...}}}] | None,
    "basicDataResources": [type, ...] | None}], "errors": [...]}
cloudtrail.event_data_stores: {"stores": [{"name", "arn", "status", "multiRegion", "organization",
    "advancedSelectors"}], "errors": [...]} (ListEventDataStores no longer returns status or selectors:
    they come from GetEventDataStore)
cloudtrail.bucket_object_lock: {"buckets": {bucket: bool}}
cloudtrail.invoke_agent_events: {"log_group": str | None, "trail": str | None, "recorded": bool,
    "events": int | None, "capped": bool, "reason": str | None}
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.evidence.shapes import (
    AdvancedSelector,
    BucketObjectLock,
    EventDataStore,
    EventDataStores,
    InvokeAgentEvents,
    SubCallError,
    Trail,
    Trails,
    data_event_coverage,
)

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

AGENT_ALIAS = "AWS::Bedrock::AgentAlias"
MAX_EVENTS = 1000
MAX_TRAILS = 20
MAX_STORES = 20


def _gap(exc: AwsCallError, resource: str) -> SubCallError:
    return {"action": exc.action, "kind": exc.kind, "resource": resource, "message": str(exc)[:200]}


def _selectors(raw: list[dict[str, Any]] | None) -> list[AdvancedSelector]:
    return [
        {
            "name": s.get("Name", ""),
            "fields": {
                f["Field"]: {k: v for k, v in f.items() if k != "Field"} for f in s.get("FieldSelectors", [])
            },
        }
        for s in raw or []
    ]


def _arn_part(arn: str | None, index: int) -> str:
    parts = (arn or "").split(":")
    return parts[index] if len(parts) > index else ""


def trails(ctx: CollectContext) -> Trails:
    out: list[Trail] = []
    errors: list[SubCallError] = []
    listed = ctx.aws.call("cloudtrail", "describe_trails", includeShadowTrails=True).get("trailList", [])
    for t in listed[:MAX_TRAILS]:
        arn = t.get("TrailARN") or t["Name"]
        home = t.get("HomeRegion") or _arn_part(arn, 3) or ctx.aws.region
        logging: bool | None = None
        advanced: list[AdvancedSelector] | None = None
        basic: list[str | None] | None = None
        try:
            status = ctx.aws.call("cloudtrail", "get_trail_status", region=home, Name=arn)
            logging = bool(status.get("IsLogging"))
        except AwsCallError as exc:
            errors.append(_gap(exc, f"trail {arn}"))
        try:
            # moto keeps HasCustomEventSelectors false, so the selectors are always read.
            sel = ctx.aws.call("cloudtrail", "get_event_selectors", region=home, TrailName=arn)
            advanced = _selectors(sel.get("AdvancedEventSelectors"))
            basic = [
                r.get("Type") for s in sel.get("EventSelectors") or [] for r in s.get("DataResources") or []
            ]
        except AwsCallError as exc:
            errors.append(_gap(exc, f"trail {arn}"))
        out.append(
            {
                "name": t["Name"],
                "arn": arn,
                "homeRegion": home,
                "organization": bool(t.get("IsOrganizationTrail")),
                "logging": logging,
                "multiRegion": bool(t.get("IsMultiRegionTrail")),
                "validation": bool(t.get("LogFileValidationEnabled")),
                "bucket": t.get("S3BucketName"),
                "logGroupArn": t.get("CloudWatchLogsLogGroupArn"),
                "advancedSelectors": advanced,
                "basicDataResources": basic,
            }
        )
    return {"trails": out, "errors": errors}


def event_data_stores(ctx: CollectContext) -> EventDataStores:
    listed = ctx.aws.items("cloudtrail", "list_event_data_stores", "EventDataStores", max_pages=5)
    out: list[EventDataStore] = []
    errors: list[SubCallError] = []
    for s in listed[:MAX_STORES]:
        arn = s.get("EventDataStoreArn")
        store: EventDataStore = {
            "name": s.get("Name"),
            "arn": arn,
            "status": None,
            "multiRegion": None,
            "organization": None,
            "advancedSelectors": None,
        }
        try:
            d = ctx.aws.call("cloudtrail", "get_event_data_store", EventDataStore=arn or s.get("Name"))
            store.update(
                {
                    "status": d.get("Status"),
                    "multiRegion": d.get("MultiRegionEnabled"),
                    "organization": d.get("OrganizationEnabled"),
                    "advancedSelectors": _selectors(d.get("AdvancedEventSelectors")),
                }
            )
        except AwsCallError as exc:
            errors.append(_gap(exc, f"event data store {arn or s.get('Name')}"))
        out.append(store)
    return {"stores": out, "errors": errors}


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


def _records_agent_invocations(trail: Trail, region: str) -> bool:
    """The trail is logging and logs every AgentAlias data event (InvokeAgent) of the audited Region."""
    return (
        trail.get("logging") is True
        and (trail.get("multiRegion") or (trail.get("homeRegion") or region) == region)
        and data_event_coverage(trail.get("advancedSelectors")).get(AGENT_ALIAS) == []
    )


def _is_invoke_agent(message: str, region: str, account: str) -> bool:
    try:
        record = json.loads(message)
    except ValueError:
        return False
    return (
        isinstance(record, dict)
        and record.get("eventName") == "InvokeAgent"
        and record.get("eventSource") == "bedrock.amazonaws.com"
        and record.get("awsRegion", region) == region
        and record.get("recipientAccountId", account) == account
    )


def invoke_agent_events(ctx: CollectContext) -> InvokeAgentEvents:
    """InvokeAgent is a data event: absent from LookupEvents (management and Insights events only), so it
    is counted in the CloudWatch Logs group of a trail that logs AgentAlias data events. CloudTrail Lake could
    hold it too, but a Lake query (StartQuery) is not a read this audit makes."""
    region, account = ctx.scope.region, ctx.scope.account
    with_group = [t for t in ctx.section("cloudtrail.trails")["trails"] if t.get("logGroupArn")]
    if not with_group:
        return {
            "log_group": None,
            "trail": None,
            "recorded": False,
            "events": None,
            "capped": False,
            "reason": None,
        }
    # Prefer a logging trail that logs agent-alias data events for this Region, then one in this account.
    with_group.sort(
        key=lambda t: (
            not _records_agent_invocations(t, region),
            _arn_part(t["logGroupArn"], 4) != account,
            t.get("logging") is not True,
        )
    )
    trail = with_group[0]
    group_arn = trail["logGroupArn"] or ""
    group = group_arn.split(":log-group:")[-1].split(":")[0]
    base: InvokeAgentEvents = {
        "log_group": group,
        "trail": trail["name"],
        "recorded": _records_agent_invocations(trail, region),
        "events": None,
        "capped": False,
        "reason": None,
    }
    if not base["recorded"]:
        if trail.get("logging") is None or trail.get("advancedSelectors") is None:
            base["reason"] = f"the status or event selectors of trail {trail['name']} could not be read"
        return base
    group_account = _arn_part(group_arn, 4)
    if group_account and group_account != account:
        base["reason"] = (
            f"the trail's log group is in account {group_account} (an organization trail's account), "
            "which this audit does not read"
        )
        return base
    count = 0
    for page in ctx.aws.paginate(
        "logs",
        "filter_log_events",
        region=_arn_part(group_arn, 3) or region,
        logGroupName=group,
        filterPattern='{ ($.eventSource = "bedrock.amazonaws.com") && ($.eventName = "InvokeAgent") }',
        startTime=int(ctx.scope.start.timestamp() * 1000),
        endTime=int(ctx.scope.end.timestamp() * 1000),
        limit=MAX_EVENTS,
        max_pages=10,
    ):
        # Count only; the messages (which may carry request parameters) are not kept. The filter pattern is
        # checked again on each record: only the event name and source decide, never text in the record.
        count += sum(
            1 for e in page.get("events", []) if _is_invoke_agent(e.get("message") or "", region, account)
        )
        if count >= MAX_EVENTS:
            break
    base["events"] = min(count, MAX_EVENTS)
    base["capped"] = count >= MAX_EVENTS
    return base


SECTIONS = {
    "cloudtrail.trails": trails,
    "cloudtrail.event_data_stores": event_data_stores,
    "cloudtrail.bucket_object_lock": bucket_object_lock,
    "cloudtrail.invoke_agent_events": invoke_agent_events,
}
