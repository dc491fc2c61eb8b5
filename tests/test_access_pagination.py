"""AwsAccess.paginate: botocore's paginators do the paging; every request is one recorded, classified call."""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from llmops_audit.aws import access as access_module
from llmops_audit.aws.access import AwsAccess, AwsCallError, ReadOnlyViolation
from llmops_audit.errors import AwsAccessError
from tests.conftest import REGION, seed_client

GROUPS = 60
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
)
LIMIT = 7


@pytest.fixture
def log_groups(moto_aws: AwsAccess) -> list[str]:
    logs = seed_client("logs")
    names = [f"/llm/app-{i:03d}" for i in range(GROUPS)]
    for name in names:
        logs.create_log_group(logGroupName=name)
    return names


def _count(aws: AwsAccess, service: str, event: str) -> list[dict[str, Any]]:
    """Every `event` (before-send: an HTTP request; after-call: an API call) the client emits."""
    seen: list[dict[str, Any]] = []
    client = aws._client(service)
    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"{event}.{service_id}", lambda **kw: seen.append(kw))
    return seen


def _records(aws: AwsAccess, operation: str) -> list[Any]:
    return [c for c in aws.calls if c.operation == operation]


def test_one_record_per_page_and_every_item(moto_aws: AwsAccess, log_groups: list[str]) -> None:
    requests = _count(moto_aws, "logs", "before-send")
    pages = list(moto_aws.paginate("logs", "describe_log_groups", limit=LIMIT))
    assert len(pages) == math.ceil(GROUPS / LIMIT) > 1
    assert sorted(g["logGroupName"] for p in pages for g in p["logGroups"]) == log_groups
    records = _records(moto_aws, "DescribeLogGroups")
    assert len(records) == len(pages) == len(requests) == len(moto_aws.calls)
    for r in records:
        assert (r.service, r.region, r.outcome, r.error_code) == ("logs", REGION, "ok", "")
        assert r.duration_ms >= 0
    assert all("ResponseMetadata" not in p for p in pages)


def test_items_follows_the_pages(moto_aws: AwsAccess, log_groups: list[str]) -> None:
    found = moto_aws.items("logs", "describe_log_groups", "logGroups", limit=LIMIT)
    assert [g["logGroupName"] for g in found] == log_groups
    assert len(moto_aws.calls) == math.ceil(GROUPS / LIMIT)


def test_max_pages_bounds_the_requests(moto_aws: AwsAccess, log_groups: list[str]) -> None:
    requests = _count(moto_aws, "logs", "before-send")
    found = moto_aws.items("logs", "describe_log_groups", "logGroups", limit=LIMIT, max_pages=3)
    assert len(found) == 3 * LIMIT
    assert len(moto_aws.calls) == len(requests) == 3


def test_stopping_early_sends_no_more_requests(moto_aws: AwsAccess, log_groups: list[str]) -> None:
    requests = _count(moto_aws, "logs", "before-send")
    pages = moto_aws.paginate("logs", "describe_log_groups", limit=LIMIT)
    assert next(pages)["logGroups"]
    pages.close()
    assert len(moto_aws.calls) == len(requests) == 1


def _deny_after_first_page(aws: AwsAccess) -> None:
    """Answer AccessDenied (403) to any DescribeLogGroups request that carries a next token."""
    client = aws._client("logs")
    op = "cloudwatch-logs.DescribeLogGroups"

    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["test_params"] = dict(params)

    def deny(context: dict[str, Any], **_: Any) -> Any:
        if context.get("test_params", {}).get("nextToken"):
            body = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized to perform it"}}
            return AWSResponse(None, 403, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 403}}
        return None

    client.meta.events.register_first(f"before-parameter-build.{op}", keep)
    client.meta.events.register_first(f"before-call.{op}", deny)


def test_a_denied_page_is_classified_as_denied(moto_aws: AwsAccess, log_groups: list[str]) -> None:
    _deny_after_first_page(moto_aws)
    pages = moto_aws.paginate("logs", "describe_log_groups", limit=LIMIT)
    assert len(next(pages)["logGroups"]) == LIMIT
    with pytest.raises(AwsCallError) as exc:
        next(pages)
    assert (exc.value.kind, exc.value.code, exc.value.operation) == (
        "denied",
        "AccessDeniedException",
        "DescribeLogGroups",
    )
    assert exc.value.action == "logs:DescribeLogGroups"
    assert [(c.outcome, c.error_code) for c in moto_aws.calls] == [
        ("ok", ""),
        ("denied", "AccessDeniedException"),
    ]


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("AccessDeniedException", 403, "denied"),
        ("ThrottlingException", 400, "throttled"),
        ("ResourceNotFoundException", 400, "not_found"),
        ("InternalFailure", 500, "error"),
    ],
)
def test_paginate_and_call_classify_alike(
    moto_aws: AwsAccess, canned, code: str, status: int, kind: str
) -> None:
    canned.fail("logs", "DescribeLogGroups", code, "no", status)
    with pytest.raises(AwsCallError) as by_call:
        moto_aws.call("logs", "describe_log_groups")
    with pytest.raises(AwsCallError) as by_page:
        list(moto_aws.paginate("logs", "describe_log_groups"))
    assert by_call.value.kind == by_page.value.kind == kind
    assert by_call.value.code == by_page.value.code == code
    assert [(c.outcome, c.error_code) for c in moto_aws.calls] == [(kind, code)] * 2


def test_rejected_credentials_on_a_page_stop_the_run(moto_aws: AwsAccess, canned) -> None:
    canned.fail("logs", "DescribeLogGroups", "ExpiredTokenException", "expired", 400)
    with pytest.raises(AwsAccessError, match="rejected the credentials"):
        list(moto_aws.paginate("logs", "describe_log_groups"))
    assert [(c.outcome, c.error_code) for c in moto_aws.calls] == [("error", "ExpiredTokenException")]


def test_bad_parameters_on_a_page_are_an_error(moto_aws: AwsAccess) -> None:
    with pytest.raises(AwsCallError) as exc:
        list(moto_aws.paginate("logs", "describe_log_groups", limit="many"))
    assert (exc.value.kind, exc.value.code) == ("error", "ParamValidationError")
    assert [c.outcome for c in moto_aws.calls] == ["error"]


def test_writes_are_refused_before_any_request(moto_aws: AwsAccess) -> None:
    with pytest.raises(ReadOnlyViolation):
        moto_aws.paginate("logs", "delete_log_group", logGroupName="x")
    with pytest.raises(ReadOnlyViolation):
        moto_aws.items("iam", "create_role", "Role")
    assert moto_aws.calls == []


def test_explicit_tokens_still_page(moto_aws: AwsAccess) -> None:
    """Collectors name the tokens of a few operations; with a botocore paginator they agree with it."""
    iam = seed_client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    for i in range(5):
        arn = iam.create_policy(PolicyName=f"p{i}", PolicyDocument=POLICY)
        iam.attach_role_policy(RoleName="r", PolicyArn=arn["Policy"]["Arn"])
    requests = _count(moto_aws, "iam", "before-send")
    found = moto_aws.items(
        "iam",
        "list_attached_role_policies",
        "AttachedPolicies",
        RoleName="r",
        MaxItems=2,
        token_in="Marker",
        token_out="Marker",
        max_pages=5,
    )
    assert sorted(p["PolicyName"] for p in found) == [f"p{i}" for i in range(5)]
    assert len(moto_aws.calls) == len(requests) == 3


def test_operations_without_a_paginator_follow_their_token(moto_aws: AwsAccess, canned) -> None:
    """cloudwatch DescribeInsightRules has a NextToken but no botocore paginator: one call() per page."""
    assert not moto_aws._client("cloudwatch").can_paginate("describe_insight_rules")
    pages = {None: ("a", "t1"), "t1": ("b", "t2"), "t2": ("c", None)}

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        name, token = pages[params.get("NextToken")]
        rule = {"Name": name, "State": "ENABLED", "Schema": "s", "Definition": "{}"}
        return {"InsightRules": [rule], **({"NextToken": token} if token else {})}

    canned.add("cloudwatch", "DescribeInsightRules", answer)
    api_calls = _count(moto_aws, "cloudwatch", "after-call")
    found = moto_aws.items("cloudwatch", "describe_insight_rules", "InsightRules")
    assert [r["Name"] for r in found] == ["a", "b", "c"]
    assert [c.operation for c in moto_aws.calls] == ["DescribeInsightRules"] * 3
    assert len(api_calls) == 3
    assert len(moto_aws.items("cloudwatch", "describe_insight_rules", "InsightRules", max_pages=2)) == 2


def test_a_repeated_token_ends_the_pages(moto_aws: AwsAccess, canned) -> None:
    rule = {"Name": "a", "State": "ENABLED", "Schema": "s", "Definition": "{}"}
    canned.add("cloudwatch", "DescribeInsightRules", {"InsightRules": [rule], "NextToken": "same"})
    assert len(moto_aws.items("cloudwatch", "describe_insight_rules", "InsightRules")) == 2
    canned.add("logs", "DescribeLogGroups", {"logGroups": [{"logGroupName": "g"}], "nextToken": "same"})
    assert len(moto_aws.items("logs", "describe_log_groups", "logGroups")) == 2
    assert len(moto_aws.calls) == 4


def test_no_private_botocore_api() -> None:
    source = inspect.getsource(access_module)
    assert "._session" not in source
    assert "get_paginator_model" not in source
    assert "_make_api_call" not in source and "_endpoint" not in source


def test_a_read_asked_twice_in_one_collection_is_one_request(moto_aws, scope, canned) -> None:
    from llmops_audit.collectors import CollectContext

    seed_client("logs").create_log_group(logGroupName="/aws/bedrock/one")
    first = moto_aws.items("logs", "describe_log_groups", "logGroups", logGroupNamePrefix="/aws/bedrock/")
    first[0]["logGroupName"] = "mutated by a collector"  # a caller's change never reaches the next answer
    again = moto_aws.items("logs", "describe_log_groups", "logGroups", logGroupNamePrefix="/aws/bedrock/")
    assert [g["logGroupName"] for g in again] == ["/aws/bedrock/one"]
    canned.deny("organizations", "DescribeOrganization")
    for _ in range(3):
        with pytest.raises(AwsCallError):
            moto_aws.call("organizations", "describe_organization")
    ops = [c.operation for c in moto_aws.calls]
    assert ops.count("DescribeLogGroups") == 1 and ops.count("DescribeOrganization") == 1
    CollectContext(moto_aws, scope)  # a new collection asks AWS again: the account may have changed
    moto_aws.items("logs", "describe_log_groups", "logGroups", logGroupNamePrefix="/aws/bedrock/")
    assert [c.operation for c in moto_aws.calls].count("DescribeLogGroups") == 2


def test_rate_limited_operations_are_paced(monkeypatch) -> None:
    """An operation with a tight quota (RATE_LIMITS: CloudTrail LookupEvents, 2 per second per account and
    Region) is spaced by the access layer instead of being throttled; shown here on a declared read."""
    import time

    import boto3
    from botocore.stub import Stubber

    from llmops_audit.aws import access
    from llmops_audit.aws.access import AwsAccess

    assert access.RATE_LIMITS[("cloudtrail", "lookup_events")] == 2.0
    monkeypatch.setattr(access, "RATE_LIMITS", {("cloudtrail", "describe_trails"): 2.0})
    aws = AwsAccess(boto3.Session(region_name="us-east-1"), "us-east-1", max_attempts=1)
    client = aws._client("cloudtrail")
    stub = Stubber(client)
    for _ in range(3):
        stub.add_response("describe_trails", {"trailList": []})
    stub.activate()
    started = time.monotonic()
    for i in range(3):
        aws.call("cloudtrail", "describe_trails", trailNameList=[f"t{i}"])  # three different reads
    took = time.monotonic() - started
    assert 0.95 <= took < 3, took  # the 2nd and 3rd wait for their slot (0.5 s apart)
    stub.assert_no_pending_responses()


def test_sections_read_concurrently_make_each_read_once(moto_aws) -> None:
    """Eight threads asking the same reads at once: each (operation, parameters) is requested once."""
    import threading
    from collections import Counter

    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()
        moto_aws.call("lambda", "list_functions")
        list(moto_aws.paginate("logs", "describe_log_groups", max_pages=2))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter((c.service, c.operation) for c in moto_aws.calls)
    assert counts[("lambda", "ListFunctions")] == 1 and counts[("logs", "DescribeLogGroups")] == 1, counts
