"""CloudTrail collectors against moto, with canned responses and Stubber for what moto lacks."""

from __future__ import annotations

import json
import time

from botocore.stub import Stubber

from llmops_audit.collectors import CollectContext, SectionFailed
from tests.conftest import ACCOUNT, REGION, seed_client

BEDROCK = [
    {
        "Name": "agents",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias"]},
        ],
    }
]


def make_trail(
    name: str = "audit",
    bucket: str = "trail-bucket",
    selectors: list | None = None,
    group: str | None = None,
    lock: bool = False,
    start: bool = True,
) -> None:
    s3 = seed_client("s3")
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=lock)
    kw = {}
    if group:
        seed_client("logs").create_log_group(logGroupName=group)
        kw = {
            "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*",
            "CloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/trail-logs",
        }
    ct = seed_client("cloudtrail")
    ct.create_trail(
        Name=name, S3BucketName=bucket, IsMultiRegionTrail=True, EnableLogFileValidation=True, **kw
    )
    if start:
        ct.start_logging(Name=name)
    if selectors:
        ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=selectors)


def test_trails_keep_status_and_advanced_selectors(moto_aws, scope) -> None:
    make_trail(selectors=BEDROCK)
    make_trail("quiet", bucket="quiet-bucket", start=False)
    data = CollectContext(moto_aws, scope).section("cloudtrail.trails")
    by = {t["name"]: t for t in data["trails"]}
    assert by["audit"]["logging"] and by["audit"]["multiRegion"] and by["audit"]["validation"]
    assert by["audit"]["bucket"] == "trail-bucket"
    assert by["audit"]["advancedSelectors"] == [
        {
            "name": "agents",
            "fields": {
                "eventCategory": {"Equals": ["Data"]},
                "resources.type": {"Equals": ["AWS::Bedrock::AgentAlias"]},
            },
        }
    ]
    assert by["quiet"]["logging"] is False and by["quiet"]["advancedSelectors"] == []


def test_bucket_object_lock_missing_configuration_is_not_locked(moto_aws, scope) -> None:
    make_trail(lock=False)
    make_trail("locked", bucket="locked-bucket", lock=True)
    data = CollectContext(moto_aws, scope).section("cloudtrail.bucket_object_lock")
    assert data == {"buckets": {"trail-bucket": False, "locked-bucket": True}}


def test_event_data_stores_from_canned_response(moto_aws, scope, canned) -> None:
    canned.add(
        "cloudtrail",
        "ListEventDataStores",
        {
            "EventDataStores": [
                {
                    "EventDataStoreArn": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:eventdatastore/eds1",
                    "Name": "lake",
                    "Status": "ENABLED",
                }
            ]
        },
    )
    data = CollectContext(moto_aws, scope).section("cloudtrail.event_data_stores")
    assert data["stores"] == [
        {
            "name": "lake",
            "arn": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:eventdatastore/eds1",
            "status": "ENABLED",
        }
    ]


def test_event_data_stores_unsupported_by_moto_fails_only_that_section(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("cloudtrail.event_data_stores")
        raise AssertionError("moto has no ListEventDataStores")
    except SectionFailed as exc:
        assert exc.error.kind == "unsupported" and exc.error.action == "cloudtrail:ListEventDataStores"


def test_trails_denied_with_stubber_names_the_action(moto_aws, scope) -> None:
    stub = Stubber(moto_aws.client("cloudtrail"))
    stub.add_client_error("describe_trails", "AccessDeniedException", "not authorized", 403)
    ctx = CollectContext(moto_aws, scope)
    with stub:
        try:
            ctx.section("cloudtrail.invoke_agent_events")
            raise AssertionError("expected the section to fail")
        except SectionFailed:
            pass
    assert ctx.errors["cloudtrail.trails"].kind == "denied"
    assert ctx.errors["cloudtrail.trails"].action == "cloudtrail:DescribeTrails"
    assert ctx.errors["cloudtrail.invoke_agent_events"].kind == "dependency"


def test_invoke_agent_events_counted_in_the_trail_log_group_without_keeping_messages(moto_aws, scope) -> None:
    group = "/aws/cloudtrail/audit"
    make_trail(selectors=BEDROCK, group=group)
    logs = seed_client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    events = [{"eventName": "InvokeAgent", "requestParameters": {"inputText": "secret question"}}] * 3 + [
        {"eventName": "Retrieve"}
    ]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now - 1000 + i, "message": json.dumps(e)} for i, e in enumerate(events)],
    )
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data == {"log_group": group, "trail": "audit", "recorded": True, "events": 3, "capped": False}
    assert "secret" not in json.dumps(data)


def test_invoke_agent_events_without_a_trail_log_group(moto_aws, scope) -> None:
    make_trail()
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data["log_group"] is None and data["events"] is None
    assert not [c for c in moto_aws.calls if c.operation == "FilterLogEvents"]
