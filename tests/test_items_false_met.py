"""Issue 10, the remaining false-met rules: evidence that exists but does not prove the practice.

Each test builds the account through moto (plus canned answers for what moto lacks, checked against botocore's
shapes) and runs the real pipeline; each names the evidence that used to make the item met.
"""

from __future__ import annotations

import json

import pytest

from llmops_audit.model import Status
from tests.collectors.test_bedrock import GARN, GID, _canned_guardrail
from tests.collectors.test_compute import make_function
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.helpers import assess
from tests.test_items_bedrock import NOW, _agents, decided_neighbours, empty_account

GROUP = "/aws/bedrock/modelinvocations"
EMAIL = "arn:aws:dataprotection::aws:data-identifier/EmailAddress"


@pytest.fixture
def account(moto_aws, canned):
    empty_account(canned)
    decided_neighbours(canned)
    return moto_aws


def invocation_logging(kms_key: str | None = None, bucket: str | None = None) -> None:
    """Bedrock invocation logging with text delivery to GROUP (and an S3 bucket, if given)."""
    logs = seed_client("logs")
    logs.create_log_group(logGroupName=GROUP, **({"kmsKeyId": kms_key} if kms_key else {}))
    cfg: dict = {
        "cloudWatchConfig": {"logGroupName": GROUP, "roleArn": "arn:aws:iam::123456789012:role/log"},
        "textDataDeliveryEnabled": True,
    }
    if bucket:
        cfg["s3Config"] = {"bucketName": bucket}
    seed_client("bedrock").put_model_invocation_logging_configuration(loggingConfig=cfg)


def dp_document(*operations: dict) -> str:
    return json.dumps(
        {
            "Name": "pii",
            "Version": "2021-06-01",
            "Statement": [
                {"Sid": f"s{i}", "DataIdentifier": [EMAIL], "Operation": op}
                for i, op in enumerate(operations)
            ],
        }
    )


AUDIT = {"Audit": {"FindingsDestination": {}}}
MASK = {"Deidentify": {"MaskConfig": {}}}


# -- 3. invocation_logs_data_protection (L3.4): an Audit-only policy masks nothing -------------------------


def test_l3_4_audit_only_group_policy_is_not_pii_protection(account, scope, canned) -> None:
    """Before: any policy document on the invocation log group made L3.4 met."""
    invocation_logging()
    canned.add(
        "logs", "GetDataProtectionPolicy", {"logGroupIdentifier": GROUP, "policyDocument": dp_document(AUDIT)}
    )
    items, _, _ = assess(account, scope, ids=["L3.4"])
    assert items["L3.4"].status is Status.NOT_MET, items["L3.4"].reason
    assert "only audits" in items["L3.4"].reason


def test_l3_4_met_when_the_group_policy_masks(account, scope, canned) -> None:
    invocation_logging()
    canned.add(
        "logs",
        "GetDataProtectionPolicy",
        {"logGroupIdentifier": GROUP, "policyDocument": dp_document(AUDIT, MASK)},
    )
    items, _, _ = assess(account, scope, ids=["L3.4"])
    assert items["L3.4"].status is Status.MET, items["L3.4"].reason
    assert "masks EmailAddress" in items["L3.4"].reason


def test_l3_4_audit_only_account_policy_is_not_pii_protection(account, scope, canned) -> None:
    """Before: any account-level DATA_PROTECTION_POLICY made L3.4 met."""
    invocation_logging()
    canned.add("logs", "GetDataProtectionPolicy", {"logGroupIdentifier": GROUP})
    canned.add(
        "logs",
        "DescribeAccountPolicies",
        {
            "accountPolicies": [
                {
                    "policyName": "org-audit",
                    "policyDocument": dp_document(AUDIT),
                    "policyType": "DATA_PROTECTION_POLICY",
                    "scope": "ALL",
                    "accountId": "123456789012",
                }
            ]
        },
    )
    items, _, _ = assess(account, scope, ids=["L3.4"])
    assert items["L3.4"].status is Status.NOT_MET, items["L3.4"].reason
    assert "org-audit" in items["L3.4"].reason


# -- 4. guardrail_interventions_observed (L5.2): only the interventions of guardrails the workload uses -----


def blocking_guardrail(canned) -> None:
    """Guardrail g1 (gr1abc; versions DRAFT, 1, 2) whose content filters block; no Automated Reasoning policy,
    so L5.2's second condition rests on interventions alone (no refusal evaluation in this account)."""
    _canned_guardrail(canned)
    canned.add(
        "bedrock",
        "GetGuardrail",
        lambda p: {
            "name": "g1",
            "guardrailId": GID,
            "guardrailArn": GARN,
            "version": p.get("guardrailVersion", "DRAFT"),
            "status": "READY",
            "createdAt": NOW,
            "updatedAt": NOW,
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "contentPolicy": {
                "filters": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]
            },
        },
    )


def intervened(value: float, **dims: str) -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace="AWS/Bedrock/Guardrails",
        MetricData=[
            {
                "MetricName": "InvocationsIntervened",
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Value": value,
            }
        ],
    )


OTHER_ARN = "arn:aws:bedrock:us-east-1:123456789012:guardrail/zz9other"


def test_l5_2_interventions_of_a_guardrail_the_workload_does_not_use_do_not_count(
    account, scope, canned
) -> None:
    """Before: interventions were read account-wide, so a guardrail nothing here uses (not in this account's
    list: deleted, or another team's in a shared metric namespace) made L5.2 met."""
    blocking_guardrail(canned)
    _agents(canned)  # both agents carry g1 v1
    intervened(40, GuardrailArn=OTHER_ARN, GuardrailVersion="3")
    items, _, _ = assess(account, scope, ids=["L5.2"])
    assert items["L5.2"].status is Status.NOT_MET, items["L5.2"].reason
    assert "zz9other" in items["L5.2"].reason


def test_l5_2_account_wide_intervention_series_are_unknown(account, scope, canned) -> None:
    """Before: a series naming no guardrail (by Operation only) made L5.2 met."""
    blocking_guardrail(canned)
    _agents(canned)
    intervened(40, Operation="ApplyGuardrail")
    items, _, _ = assess(account, scope, ids=["L5.2"])
    assert items["L5.2"].status is Status.UNKNOWN, items["L5.2"].reason
    assert "no series names the guardrail" in items["L5.2"].reason


def test_l5_2_met_by_interventions_of_the_agents_guardrail_naming_it(account, scope, canned) -> None:
    blocking_guardrail(canned)
    _agents(canned)
    intervened(7, GuardrailArn=GARN, GuardrailVersion="1")
    intervened(40, GuardrailArn=OTHER_ARN, GuardrailVersion="3")
    items, _, _ = assess(account, scope, ids=["L5.2"])
    assert items["L5.2"].status is Status.MET, items["L5.2"].reason
    reason = items["L5.2"].reason
    assert "g1 v1: 7 (attached to agent" in reason and "intervened 7 times" in reason


# -- 2. L2.5: asynchronous-invocation settings count only where something invokes the function asynchronously


def chat_function(principal: str) -> None:
    """LLM function chat-bot (30 s timeout) with MaximumRetryAttempts 2 and an on-failure destination, which
    `principal` may invoke."""
    make_function("chat-bot", timeout=30, llm=True)
    lam = seed_client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName="chat-bot",
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )
    lam.add_permission(
        FunctionName="chat-bot",
        StatementId="caller",
        Action="lambda:InvokeFunction",
        Principal=principal,
        SourceArn=(
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*/POST/chat"
            if principal.startswith("apigateway")
            else f"arn:aws:sns:{REGION}:{ACCOUNT}:chat-requests"
        ),
    )


def test_l2_5_async_settings_of_an_api_gateway_function_prove_no_error_handling(moto_aws, scope) -> None:
    """Before: retries and an on-failure destination on a function only API Gateway invokes (synchronously,
    where neither applies) made L2.5 met."""
    chat_function("apigateway.amazonaws.com")
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.NOT_MET, items["L2.5"].reason
    assert "invoked synchronously by API Gateway" in items["L2.5"].reason


def test_l2_5_met_when_an_sns_subscription_invokes_the_function(moto_aws, scope) -> None:
    chat_function("sns.amazonaws.com")
    items, _, _ = assess(moto_aws, scope, ids=["L2.5"])
    assert items["L2.5"].status is Status.MET, items["L2.5"].reason
    assert "invoked asynchronously by sns.amazonaws.com" in items["L2.5"].reason


# -- 1. ssm_prompt_parameters_present (L1.2, L2.1): a parameter named "prompt" is not proof ---------------


def prompt_parameter() -> None:
    seed_client("ssm").put_parameter(Name="/prompts/support", Value="You are a helpful agent.", Type="String")


def test_l2_1_a_parameter_named_like_a_prompt_is_not_proof(account, scope) -> None:
    """Before: any SSM parameter whose name contains "prompt" made L2.1 met."""
    prompt_parameter()
    make_function("chat-bot", timeout=30, llm=True)  # an LLM function that never names the parameter
    items, _, _ = assess(account, scope, ids=["L2.1"])
    assert items["L2.1"].status is Status.NOT_MET, items["L2.1"].reason
    assert "/prompts/support is named like a prompt" in items["L2.1"].reason


def test_l2_1_met_when_an_llm_function_names_the_parameter_in_its_environment(account, scope) -> None:
    prompt_parameter()
    make_function("chat-bot", timeout=30, llm=True, env={"PROMPT_PARAM": "/prompts/support"})
    items, _, snap = assess(account, scope, ids=["L2.1"])
    assert items["L2.1"].status is Status.MET, items["L2.1"].reason
    assert "named in the environment of chat-bot" in items["L2.1"].reason
    assert "You are a helpful" not in json.dumps(snap.sections, default=str)  # the value is never kept


def test_l2_1_met_when_an_llm_role_may_read_the_parameter_path(account, scope) -> None:
    prompt_parameter()
    make_function("chat-bot", timeout=30, llm=True)
    seed_client("iam").put_role_policy(
        RoleName="fn-role",
        PolicyName="prompts",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ssm:GetParameter"],
                        "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/prompts/*",
                    },
                    # a read of every parameter ties none of them
                    {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"},
                ],
            }
        ),
    )
    items, _, _ = assess(account, scope, ids=["L2.1"])
    assert items["L2.1"].status is Status.MET, items["L2.1"].reason
    assert "readable by role fn-role (chat-bot)" in items["L2.1"].reason


def test_l2_1_a_grant_on_every_parameter_ties_none(account, scope) -> None:
    prompt_parameter()
    make_function("chat-bot", timeout=30, llm=True)
    seed_client("iam").put_role_policy(
        RoleName="fn-role",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter*", "Resource": "*"}],
            }
        ),
    )
    items, _, _ = assess(account, scope, ids=["L2.1"])
    assert items["L2.1"].status is Status.NOT_MET, items["L2.1"].reason


# -- 5. security posture: the invocation log group's customer-managed KMS key (L2.2 evidence) -------------


def test_l2_2_names_the_customer_managed_key_of_the_invocation_log_group(account, scope) -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    invocation_logging(kms_key=key)
    items, _, _ = assess(account, scope, ids=["L2.2"])
    assert items["L2.2"].status is Status.MET
    assert f"customer-managed KMS key {key}" in " ".join(d for f in items["L2.2"].findings for d in f.details)


def test_l2_2_says_when_the_invocation_log_group_has_no_customer_key(account, scope) -> None:
    invocation_logging()
    items, _, _ = assess(account, scope, ids=["L2.2"])
    assert "not encrypted with a customer-managed KMS key" in " ".join(
        d for f in items["L2.2"].findings for d in f.details
    )
