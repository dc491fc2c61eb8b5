"""CloudTrail collectors against moto, with canned responses and Stubber for what moto lacks."""

from __future__ import annotations

import json
import time

import boto3
from botocore.stub import Stubber

from llmops_audit.collectors import CollectContext, SectionFailed
from tests.conftest import ACCOUNT, REGION

BEDROCK = [
    {
        "Name": "agents",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias"]},
        ],
    }
]
KB_DATA = [
    {
        "Name": "kb",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Bedrock::KnowledgeBase"]},
        ],
    }
]
MANAGEMENT = [{"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]
# A Control Tower member account: the organization trail lives in the management account, homed elsewhere.
MGMT_ACCOUNT = "999988887777"
ORG_TRAIL_ARN = f"arn:aws:cloudtrail:eu-west-1:{MGMT_ACCOUNT}:trail/aws-controltower-BaselineCloudTrail"
ORG_TRAIL = {
    "Name": "aws-controltower-BaselineCloudTrail",
    "S3BucketName": "aws-controltower-logs-999988887777-eu-west-1",
    "IncludeGlobalServiceEvents": True,
    "IsMultiRegionTrail": True,
    "HomeRegion": "eu-west-1",
    "TrailARN": ORG_TRAIL_ARN,
    "LogFileValidationEnabled": True,
    "CloudWatchLogsLogGroupArn": f"arn:aws:logs:eu-west-1:{MGMT_ACCOUNT}:log-group:aws-controltower/CloudTrailLogs:*",
    "HasCustomEventSelectors": True,
    "HasInsightSelectors": False,
    "IsOrganizationTrail": True,
}


def make_trail(
    name: str = "audit",
    bucket: str = "trail-bucket",
    selectors: list | None = None,
    group: str | None = None,
    lock: bool = False,
    start: bool = True,
    region: str = REGION,
    multi: bool = True,
    validation: bool = True,
) -> None:
    s3 = boto3.client("s3", region_name=region)
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=lock, **where)
    kw = {}
    if group:
        boto3.client("logs", region_name=region).create_log_group(logGroupName=group)
        kw = {
            "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}:*",
            "CloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/trail-logs",
        }
    ct = boto3.client("cloudtrail", region_name=region)
    ct.create_trail(
        Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi, EnableLogFileValidation=validation, **kw
    )
    if start:
        ct.start_logging(Name=name)
    if selectors:
        ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=selectors)


def member_account(canned, *, logging: bool | None = True, selectors: list | None = None) -> None:
    """DescribeTrails in a member account: the organization trail is a shadow trail (absent without them)."""
    canned.add(
        "cloudtrail",
        "DescribeTrails",
        lambda p: {"trailList": [ORG_TRAIL] if p.get("includeShadowTrails", True) else []},
    )
    if logging is None:
        canned.fail(
            "cloudtrail", "GetTrailStatus", "TrailNotFoundException", f"Unknown trail: {ORG_TRAIL_ARN}"
        )
    else:
        canned.add("cloudtrail", "GetTrailStatus", {"IsLogging": logging})
    if selectors is None:
        canned.fail(
            "cloudtrail",
            "GetEventSelectors",
            "CloudTrailARNInvalidException",
            f"AccountID in ARN is wrong, you can only access resources with AccountID {ACCOUNT}.",
        )
    else:
        canned.add(
            "cloudtrail",
            "GetEventSelectors",
            {"TrailARN": ORG_TRAIL_ARN, "AdvancedEventSelectors": selectors},
        )


def test_trails_keep_status_and_advanced_selectors(moto_aws, scope) -> None:
    make_trail(selectors=BEDROCK)
    make_trail("quiet", bucket="quiet-bucket", start=False)
    data = CollectContext(moto_aws, scope).section("cloudtrail.trails")
    by = {t["name"]: t for t in data["trails"]}
    assert by["audit"]["logging"] and by["audit"]["multiRegion"] and by["audit"]["validation"]
    assert by["audit"]["bucket"] == "trail-bucket"
    assert by["audit"]["homeRegion"] == REGION and by["audit"]["organization"] is False
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
    assert data["errors"] == []


def test_multi_region_trail_homed_in_another_region_is_read_in_its_home_region(moto_aws, scope) -> None:
    # Failed before the fix: DescribeTrails(includeShadowTrails=False) in us-east-1 hid the us-west-2 trail.
    make_trail("west", bucket="west-trail-bucket", selectors=BEDROCK, region="us-west-2")
    data = CollectContext(moto_aws, scope).section("cloudtrail.trails")
    [west] = data["trails"]
    assert west["homeRegion"] == "us-west-2" and west["multiRegion"] and west["logging"] is True
    assert west["advancedSelectors"] and west["advancedSelectors"][0]["name"] == "agents"
    reads = {(c.operation, c.region) for c in moto_aws.calls if c.service == "cloudtrail"}
    assert {("GetTrailStatus", "us-west-2"), ("GetEventSelectors", "us-west-2")} <= reads


def test_control_tower_member_sees_the_organization_trail_and_keeps_failed_reads(
    moto_aws, scope, canned
) -> None:
    # Failed before the fix: the organization trail is a shadow trail in a member account.
    member_account(canned, logging=True, selectors=None)
    ctx = CollectContext(moto_aws, scope)
    data = ctx.section("cloudtrail.trails")
    [org] = data["trails"]
    assert org["organization"] is True and org["arn"] == ORG_TRAIL_ARN and org["homeRegion"] == "eu-west-1"
    assert org["logging"] is True and org["validation"] is True
    assert org["advancedSelectors"] is None and org["basicDataResources"] is None
    assert [(e["action"], e["resource"]) for e in data["errors"]] == [
        ("cloudtrail:GetEventSelectors", f"trail {ORG_TRAIL_ARN}")
    ]
    # Named by ARN (GetTrailStatus: a member account must give an organization trail's full ARN).
    assert any(c.operation == "GetTrailStatus" and c.region == "eu-west-1" for c in moto_aws.calls)


def test_bucket_object_lock_missing_configuration_is_not_locked(moto_aws, scope) -> None:
    make_trail(lock=False)
    make_trail("locked", bucket="locked-bucket", lock=True)
    data = CollectContext(moto_aws, scope).section("cloudtrail.bucket_object_lock")
    assert data == {"buckets": {"trail-bucket": False, "locked-bucket": True}}


EDS_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:eventdatastore/eds1"


def lake(canned, selectors: list, status: str = "ENABLED", **extra) -> None:
    # ListEventDataStores no longer returns Status or selectors (botocore marks them deprecated).
    canned.add(
        "cloudtrail",
        "ListEventDataStores",
        {"EventDataStores": [{"EventDataStoreArn": EDS_ARN, "Name": "lake"}]},
    )
    canned.add(
        "cloudtrail",
        "GetEventDataStore",
        {
            "EventDataStoreArn": EDS_ARN,
            "Name": "lake",
            "Status": status,
            "AdvancedEventSelectors": selectors,
            "MultiRegionEnabled": True,
            "OrganizationEnabled": False,
            **extra,
        },
    )


def test_event_data_stores_read_status_and_selectors_from_get_event_data_store(
    moto_aws, scope, canned
) -> None:
    lake(canned, BEDROCK)
    data = CollectContext(moto_aws, scope).section("cloudtrail.event_data_stores")
    assert data["stores"] == [
        {
            "name": "lake",
            "arn": EDS_ARN,
            "status": "ENABLED",
            "multiRegion": True,
            "organization": False,
            "advancedSelectors": [
                {
                    "name": "agents",
                    "fields": {
                        "eventCategory": {"Equals": ["Data"]},
                        "resources.type": {"Equals": ["AWS::Bedrock::AgentAlias"]},
                    },
                }
            ],
        }
    ]
    assert data["errors"] == []


def test_event_data_store_denied_detail_is_kept_as_unknown(moto_aws, scope, canned) -> None:
    canned.add(
        "cloudtrail",
        "ListEventDataStores",
        {"EventDataStores": [{"EventDataStoreArn": EDS_ARN, "Name": "lake"}]},
    )
    canned.deny("cloudtrail", "GetEventDataStore")
    data = CollectContext(moto_aws, scope).section("cloudtrail.event_data_stores")
    assert data["stores"][0]["status"] is None and data["stores"][0]["advancedSelectors"] is None
    assert data["errors"][0]["action"] == "cloudtrail:GetEventDataStore"
    assert data["errors"][0]["kind"] == "denied"


def test_event_data_stores_unsupported_by_moto_fails_only_that_section(moto_aws, scope) -> None:
    ctx = CollectContext(moto_aws, scope)
    try:
        ctx.section("cloudtrail.event_data_stores")
        raise AssertionError("moto has no ListEventDataStores")
    except SectionFailed as exc:
        assert exc.error.kind == "unsupported" and exc.error.action == "cloudtrail:ListEventDataStores"


def test_trails_denied_with_stubber_names_the_action(moto_aws, scope) -> None:
    stub = Stubber(moto_aws._client("cloudtrail"))
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


def put_records(group: str, records: list[dict], region: str = REGION) -> None:
    logs = boto3.client("logs", region_name=region)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now - 1000 + i, "message": json.dumps(e)} for i, e in enumerate(records)],
    )


INVOKE = {"eventSource": "bedrock.amazonaws.com", "eventName": "InvokeAgent", "awsRegion": REGION}
# A management event whose text names InvokeAgent: an IAM policy granting bedrock:InvokeAgent.
POLICY_CHANGE = {
    "eventSource": "iam.amazonaws.com",
    "eventName": "PutRolePolicy",
    "awsRegion": REGION,
    "requestParameters": {
        "policyDocument": json.dumps({"Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeAgent"}]})
    },
}


def test_invoke_agent_events_counted_in_the_trail_log_group_without_keeping_messages(moto_aws, scope) -> None:
    group = "/aws/cloudtrail/audit"
    make_trail(selectors=BEDROCK, group=group)
    secret = {**INVOKE, "requestParameters": {"inputText": "secret question"}}
    put_records(group, [secret] * 3 + [{**INVOKE, "eventName": "Retrieve"}])
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data == {
        "log_group": group,
        "trail": "audit",
        "recorded": True,
        "events": 3,
        "capped": False,
        "reason": None,
    }
    assert "secret" not in json.dumps(data)


def test_invoke_agent_text_in_other_events_is_not_counted(moto_aws, scope) -> None:
    # Failed before the fix: any record whose text contained "InvokeAgent" was counted (here 4, not 1).
    group = "/aws/cloudtrail/audit"
    make_trail(selectors=BEDROCK, group=group)
    other_region = {**INVOKE, "awsRegion": "eu-west-1"}
    put_records(group, [INVOKE, POLICY_CHANGE, POLICY_CHANGE, other_region, {"message": "InvokeAgent"}])
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data["events"] == 1 and data["recorded"] is True


def test_invoke_agent_events_not_counted_when_the_trail_does_not_log_agent_aliases(moto_aws, scope) -> None:
    group = "/aws/cloudtrail/audit"
    make_trail(selectors=MANAGEMENT, group=group)
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data["recorded"] is False and data["events"] is None
    assert not [c for c in moto_aws.calls if c.operation == "FilterLogEvents"]


def test_invoke_agent_events_organization_log_group_in_another_account_is_not_read(
    moto_aws, scope, canned
) -> None:
    member_account(canned, logging=True, selectors=BEDROCK)
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data["recorded"] is True and data["events"] is None
    assert MGMT_ACCOUNT in (data["reason"] or "")
    assert not [c for c in moto_aws.calls if c.operation == "FilterLogEvents"]


def test_invoke_agent_events_without_a_trail_log_group(moto_aws, scope) -> None:
    make_trail()
    data = CollectContext(moto_aws, scope).section("cloudtrail.invoke_agent_events")
    assert data["log_group"] is None and data["events"] is None
    assert not [c for c in moto_aws.calls if c.operation == "FilterLogEvents"]
