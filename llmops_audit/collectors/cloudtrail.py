"""CloudTrail evidence: trails with status and event selectors, Lake event data stores, Object Lock on trail
buckets, and a count of InvokeAgent data events from the trail's CloudWatch Logs group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


def trails(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for t in ctx.aws.call("cloudtrail", "describe_trails", includeShadowTrails=False).get("trailList", []):
        arn = t.get("TrailARN") or t["Name"]
        status = ctx.aws.call("cloudtrail", "get_trail_status", Name=arn)
        # moto keeps HasCustomEventSelectors false, so the selectors are always read.
        sel = ctx.aws.call("cloudtrail", "get_event_selectors", TrailName=arn)
        out.append({
            "name": t["Name"], "arn": arn, "logging": bool(status.get("IsLogging")),
            "multiRegion": bool(t.get("IsMultiRegionTrail")), "validation": bool(t.get("LogFileValidationEnabled")),
            "bucket": t.get("S3BucketName"), "logGroupArn": t.get("CloudWatchLogsLogGroupArn"),
            "advancedSelectors": [
                {"name": s.get("Name", ""), "fields": {f["Field"]: {k: v for k, v in f.items() if k != "Field"}
                                                        for f in s.get("FieldSelectors", [])}}
                for s in sel.get("AdvancedEventSelectors", []) or []],
            "basicDataResources": [r.get("Type") for s in sel.get("EventSelectors", []) or []
                                   for r in s.get("DataResources", [])],
        })
    return {"trails": out}


def event_data_stores(ctx: CollectContext) -> dict[str, Any]:
    stores = [s for page in ctx.aws.paginate("cloudtrail", "list_event_data_stores", max_pages=5)
              for s in page.get("EventDataStores", [])]
    return {"stores": [{"name": s.get("Name"), "arn": s.get("EventDataStoreArn"), "status": s.get("Status")}
                       for s in stores]}


def bucket_object_lock(ctx: CollectContext) -> dict[str, Any]:
    out = {}
    for t in ctx.section("cloudtrail.trails")["trails"]:
        if not t["bucket"] or t["bucket"] in out:
            continue
        try:
            cfg = ctx.aws.call("s3", "get_object_lock_configuration", Bucket=t["bucket"])
            out[t["bucket"]] = (cfg.get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled") == "Enabled"
        except AwsCallError as exc:
            if exc.code not in ("ObjectLockConfigurationNotFoundError", "NoSuchBucket"):
                raise
            out[t["bucket"]] = False
    return {"buckets": out}


def invoke_agent_events(ctx: CollectContext) -> dict[str, Any]:
    groups = [t["logGroupArn"].split(":log-group:")[-1].split(":")[0]
              for t in ctx.section("cloudtrail.trails")["trails"] if t.get("logGroupArn")]
    if not groups:
        return {"log_group": None, "events": None}
    count = 0
    for page in ctx.aws.paginate("logs", "filter_log_events", logGroupName=groups[0], filterPattern='"InvokeAgent"',
                                 startTime=int(ctx.scope.start.timestamp() * 1000),
                                 endTime=int(ctx.scope.end.timestamp() * 1000), max_pages=10):
        count += sum(1 for e in page.get("events", []) if "InvokeAgent" in e.get("message", ""))
    return {"log_group": groups[0], "events": count}


SECTIONS = {
    "cloudtrail.trails": trails,
    "cloudtrail.event_data_stores": event_data_stores,
    "cloudtrail.bucket_object_lock": bucket_object_lock,
    "cloudtrail.invoke_agent_events": invoke_agent_events,
}
