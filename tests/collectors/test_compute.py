"""Compute collectors against moto (Lambda, Step Functions, API Gateway, X-Ray) and botocore's Stubber."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from datetime import timedelta

from botocore.stub import Stubber

from llmops_audit.collectors import CollectContext
from tests.conftest import ACCOUNT, REGION, seed_client

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def make_function(
    name: str,
    timeout: int = 3,
    tracing: str = "PassThrough",
    env: dict | None = None,
    llm: bool = False,
    **kw,
) -> str:
    """A function in moto; `llm`: its environment names a Bedrock model id (MODEL_ID), which ties it to the
    LLM workload (probes/workload.py)."""
    if llm:
        env = {**(env or {}), "MODEL_ID": "anthropic.claude-3-5-haiku-20241022-v1:0"}
    iam = seed_client("iam")
    role = kw.pop("Role", None)
    try:
        role = role or iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return 1\n")
    return seed_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
        Timeout=timeout,
        TracingConfig={"Mode": tracing},
        Environment={"Variables": env or {}},
        **kw,
    )["FunctionArn"]


def test_lambda_functions_flags_llm_functions_and_reads_their_failure_handling(moto_aws, scope) -> None:
    lam = seed_client("lambda")
    tool = make_function(
        "ticket-tool", timeout=15, tracing="Active"
    )  # an executor: LLM by the agents' action groups
    make_function(
        "orders-api", timeout=10, env={"MODEL_ID": "anthropic.claude-3-haiku"}
    )  # LLM by its environment
    make_function("thumbnailer", timeout=5)  # not LLM-related: no detail calls
    lam.put_function_event_invoke_config(
        FunctionName="orders-api",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )
    lam.add_permission(
        FunctionName="ticket-tool",
        StatementId="agent",
        Action="lambda:InvokeFunction",
        Principal="bedrock.amazonaws.com",
        SourceArn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/AG1",
        SourceAccount=ACCOUNT,
    )
    version = lam.publish_version(FunctionName="ticket-tool")["Version"]
    for alias in ("dev", "prod"):
        lam.create_alias(FunctionName="ticket-tool", Name=alias, FunctionVersion=version)
    ctx = CollectContext(moto_aws, scope)
    # agents.agents belongs to another collector; here it names the tool through an alias-qualified ARN.
    ctx.data["agents.agents"] = {
        "agents": [{"name": "bot", "action_groups": [{"executorLambda": tool + ":prod"}]}]
    }
    data = ctx.section("lambda.functions")
    by = {f["name"]: f for f in data["functions"]}
    assert data["total"] == 3 and data["detailed"] == 2
    assert by["ticket-tool"]["llm"] and by["ticket-tool"]["actionGroupExecutor"]
    assert by["ticket-tool"]["tracing"] == "Active" and by["ticket-tool"]["timeout"] == 15
    assert by["ticket-tool"]["policy"] == [
        {
            "effect": "Allow",
            "principal": "bedrock.amazonaws.com",
            "sourceArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/AG1",
            "sourceAccount": ACCOUNT,
        }
    ]
    assert sorted(by["ticket-tool"]["aliases"]) == ["dev", "prod"]
    assert by["orders-api"]["llm"] and by["orders-api"]["retries"] == 1
    assert by["orders-api"]["onFailure"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
    assert by["orders-api"]["policy"] == []  # no resource policy is an answer, not an error
    assert by["thumbnailer"]["llm"] is False and "policy" not in by["thumbnailer"]
    ops = [c.operation for c in moto_aws.calls]
    assert ops.count("GetPolicy") == 2


def test_lambda_functions_never_take_every_function_as_the_workloads(moto_aws, scope) -> None:
    """Before: when no function looked LLM-related, every function was detailed and judged as the workload's."""
    make_function("chat-assistant-bot", timeout=5, env={"PROMPT_STYLE": "short"})  # names prove nothing
    ctx = CollectContext(moto_aws, scope)
    ctx.data["agents.agents"] = {"agents": []}
    data = ctx.section("lambda.functions")
    (fn,) = data["functions"]
    assert fn["llm"] is False and "aliases" not in fn and "retries" not in fn
    assert fn["envNames"] == ["PROMPT_STYLE"] and fn["roleActions"] == []
    assert data["detailed"] == 0 and data["rolesRead"] == 1 and data["agentsRead"] is True


def test_lambda_functions_read_the_execution_roles_bedrock_actions(moto_aws, scope) -> None:
    iam = seed_client("iam")
    iam.create_role(RoleName="answer-role", AssumeRolePolicyDocument=TRUST)
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["bedrock:Converse*", "s3:GetObject"], "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="answer", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="answer-role", PolicyArn=arn)
    make_function("answer", Role=f"arn:aws:iam::{ACCOUNT}:role/answer-role")
    ctx = CollectContext(moto_aws, scope)
    ctx.data["agents.agents"] = {"agents": []}
    (fn,) = ctx.section("lambda.functions")["functions"]
    assert fn["roleActions"] == ["bedrock:Converse*"] and fn["llm"] is True and "retries" in fn


def test_lambda_functions_record_denied_role_reads_without_failing(moto_aws, scope, canned) -> None:
    make_function("answer")
    canned.deny("iam", "ListRolePolicies")
    ctx = CollectContext(moto_aws, scope)
    ctx.data["agents.agents"] = {"agents": []}
    data = ctx.section("lambda.functions")
    assert data["functions"][0]["roleActions"] is None and data["functions"][0]["llm"] is False
    assert data["roleErrors"] == ["iam:ListRolePolicies denied"]


def test_state_machines_find_retry_and_catch_in_nested_states(moto_aws, scope) -> None:
    sfn = seed_client("stepfunctions")
    role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
    nested = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "Ask",
                        "States": {
                            "Ask": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::bedrock:invokeModel",
                                "Retry": [{"ErrorEquals": ["States.ALL"]}],
                                "End": True,
                            }
                        },
                    }
                ],
            }
        },
    }
    sfn.create_state_machine(
        name="fan", definition=json.dumps(nested), roleArn=role, tracingConfiguration={"enabled": True}
    )
    sfn.create_state_machine(
        name="plain",
        roleArn=role,
        definition=json.dumps(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}},
            }
        ),
    )
    data = CollectContext(moto_aws, scope).section("stepfunctions.state_machines")
    by = {m["name"]: m for m in data["state_machines"]}
    assert (
        by["fan"]["tasks"]
        == [
            {
                "name": "Ask",
                "retry": True,
                "catch": False,
                "resource": "arn:aws:states:::bedrock:invokeModel",
                "function": None,
            }
        ]
        and by["fan"]["tracing"] is True
    )
    assert (
        by["plain"]["tasks"]
        == [
            {
                "name": "A",
                "retry": False,
                "catch": False,
                "resource": "arn:aws:states:::lambda:invoke",
                "function": None,
            }
        ]
        and by["plain"]["tracing"] is False
    )


def _event(i: int, kind: str, now, **details) -> dict:
    return {"timestamp": now, "id": i, "type": kind, **details}


def test_executions_count_failed_tasks_that_a_retry_recovered_with_stubber(moto_aws, scope, now) -> None:
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:flow"
    ex = [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:flow:{n}" for n in ("a", "b", "old")]
    ctx = CollectContext(moto_aws, scope)
    ctx.data["stepfunctions.state_machines"] = {
        "state_machines": [{"name": "flow", "arn": arn, "tasks": [], "tracing": False}]
    }
    entered = {"stateEnteredEventDetails": {"name": "Answer"}}
    fail = {"taskFailedEventDetails": {"resourceType": "lambda", "resource": "invoke", "error": "Timeout"}}
    ok = {"taskSucceededEventDetails": {"resourceType": "lambda", "resource": "invoke"}}
    stub = Stubber(moto_aws._client("stepfunctions"))
    stub.add_response(
        "list_executions",
        {
            "executions": [
                {
                    "executionArn": ex[0],
                    "stateMachineArn": arn,
                    "name": "a",
                    "status": "SUCCEEDED",
                    "startDate": now,
                },
                {
                    "executionArn": ex[1],
                    "stateMachineArn": arn,
                    "name": "b",
                    "status": "FAILED",
                    "startDate": now,
                },
                {
                    "executionArn": ex[2],
                    "stateMachineArn": arn,
                    "name": "old",
                    "status": "SUCCEEDED",
                    "startDate": scope.start - timedelta(days=3),
                },
            ]
        },
        {"stateMachineArn": arn, "maxResults": 20},
    )
    # a: failed, retried, succeeded. b: failed twice, then the execution failed.
    stub.add_response(
        "get_execution_history",
        {
            "events": [
                _event(1, "TaskStateEntered", now, **entered),
                _event(2, "TaskFailed", now, **fail),
                _event(3, "TaskSucceeded", now, **ok),
                _event(4, "ExecutionSucceeded", now),
            ]
        },
        {"executionArn": ex[0], "maxResults": 500},
    )
    stub.add_response(
        "get_execution_history",
        {
            "events": [
                _event(1, "TaskStateEntered", now, **entered),
                _event(2, "TaskFailed", now, **fail),
                _event(3, "TaskFailed", now, **fail),
                _event(4, "ExecutionFailed", now),
            ]
        },
        {"executionArn": ex[1], "maxResults": 500},
    )
    with stub:
        data = ctx.section("stepfunctions.executions")
        stub.assert_no_pending_responses()
    # The execution started before the period is not read.
    assert data == {"executions": 2, "tasks_failed": 2, "tasks_recovered": 1}


def test_rest_and_http_api_stages(moto_aws, scope) -> None:
    apigw = seed_client("apigateway")
    api = apigw.create_rest_api(name="support-api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    dep = apigw.create_deployment(restApiId=api)["id"]
    apigw.create_stage(restApiId=api, stageName="dev", deploymentId=dep)
    apigw.create_stage(
        restApiId=api,
        stageName="prod",
        deploymentId=dep,
        tracingEnabled=True,
        cacheClusterEnabled=True,
        cacheClusterSize="0.5",
    )
    http = seed_client("apigatewayv2").create_api(Name="chat-http", ProtocolType="HTTP")["ApiId"]
    seed_client("apigatewayv2").create_stage(ApiId=http, StageName="prod")
    ctx = CollectContext(moto_aws, scope)
    (rest,) = ctx.section("apigateway.rest_apis")["apis"]
    stages = {s["name"]: s for s in rest["stages"]}
    assert rest["name"] == "support-api"
    assert stages["prod"]["tracing"] and stages["prod"]["cache"]
    assert not stages["dev"]["tracing"] and not stages["dev"]["cache"]
    (h,) = ctx.section("apigateway.http_apis")["apis"]
    assert h["name"] == "chat-http" and [s["name"] for s in h["stages"]] == ["prod"]


def test_xray_traces_keep_span_names_and_durations_only(moto_aws, scope) -> None:
    start = time.time() - 120
    trace = f"1-{int(start):08x}-{uuid.uuid4().hex[:24]}"
    seed_client("xray").put_trace_segments(
        TraceSegmentDocuments=[
            json.dumps(
                {
                    "name": "rag-fn",
                    "id": uuid.uuid4().hex[:16],
                    "trace_id": trace,
                    "start_time": start,
                    "end_time": start + 2.0,
                    "annotations": {"user": "alice@example.com"},
                    "subsegments": [
                        {
                            "name": "Invocation",
                            "id": uuid.uuid4().hex[:16],
                            "start_time": start,
                            "end_time": start + 1.9,
                            "subsegments": [
                                {
                                    "name": "retrieval",
                                    "id": uuid.uuid4().hex[:16],
                                    "start_time": start + 0.1,
                                    "end_time": start + 0.4,
                                },
                                {
                                    "name": "bedrock",
                                    "id": uuid.uuid4().hex[:16],
                                    "start_time": start + 0.4,
                                    "end_time": start + 1.6,
                                },
                            ],
                        }
                    ],
                }
            )
        ]
    )
    data = CollectContext(moto_aws, scope).section("xray.traces")
    assert data["count"] == 1
    (t,) = data["traces"]
    assert abs(t["duration_ms"] - 2000) < 1
    assert (
        abs(t["spans"]["retrieval"] - 300) < 1 and abs(t["spans"]["bedrock"] - 1200) < 1
    )  # nested subsegments
    assert "alice" not in json.dumps(data)


def test_xray_traces_empty_account_searches_windows_and_finds_nothing(moto_aws, scope) -> None:
    data = CollectContext(moto_aws, scope).section("xray.traces")
    assert data["count"] == 0 and data["traces"] == []
    searched = [c for c in moto_aws.calls if c.operation == "GetTraceSummaries"]
    assert 1 < len(searched) <= 12  # bounded: 6-hour windows back from the end of the period
