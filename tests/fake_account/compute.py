"""Demo workload: Lambdas, the REST API, a state machine, X-Ray traces, the trail, the pipeline, SSM, tags."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from tests.fake_account import workload as w
from tests.fake_account.env import DemoEnv


def _role(env: DemoEnv, name: str, service: str) -> str:
    iam = env.client("iam")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def _lambdas(env: DemoEnv) -> None:
    lam = env.client("lambda")
    role = _role(env, "support-bot-lambda-role", "lambda.amazonaws.com")
    queue = env.client("sqs").create_queue(QueueName="support-bot-failures")["QueueUrl"]
    queue_arn = env.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    code = _zip()
    for name, timeout in ((w.FN_ORCHESTRATOR, 60), (w.FN_RETRIEVER, 30), (w.FN_TICKET_TOOL, 15)):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": code},
            Timeout=timeout,
            MemorySize=512,
            TracingConfig={"Mode": "Active"},
            Tags={"env": "prod", "app": "support-bot"},
            Environment={
                "Variables": {
                    "MODEL_ID": w.HAIKU,
                    # the orchestrator reads its system prompt from SSM Parameter Store (by name)
                    **(
                        {"PROMPT_PARAMETER": "/prompts/support-answer/system"}
                        if name == w.FN_ORCHESTRATOR
                        else {}
                    ),
                }
            },
        )
        version = lam.publish_version(FunctionName=name)["Version"]
        for alias in ("dev", "prod"):
            lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    lam.put_function_event_invoke_config(
        FunctionName=w.FN_ORCHESTRATOR,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    # Only Bedrock agents of this account may call the tool, and only through the support-bot agent.
    lam.add_permission(
        FunctionName=w.FN_TICKET_TOOL,
        StatementId="bedrock-agent",
        Action="lambda:InvokeFunction",
        Principal="bedrock.amazonaws.com",
        SourceArn=env.arn("bedrock", "agent/*"),
        SourceAccount=env.account,
    )
    env.client("sqs").tag_queue(QueueUrl=queue, Tags={"env": "dev"})


def _api(env: DemoEnv) -> None:
    apigw = env.client("apigateway")
    api = apigw.create_rest_api(name=w.REST_API)
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="POST", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api["id"])["id"]
    for stage in w.API_STAGES:
        apigw.create_stage(
            restApiId=api["id"],
            stageName=stage,
            deploymentId=deployment,
            tracingEnabled=stage == "prod",
            tags={"env": stage},
        )


def _workflow(env: DemoEnv) -> None:
    sfn = env.client("stepfunctions")
    definition = {
        "StartAt": "Answer",
        "States": {
            "Answer": {
                "Type": "Task",
                "Resource": env.arn("lambda", f"function:{w.FN_ORCHESTRATOR}"),
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandOver"}],
                "End": True,
            },
            "HandOver": {"Type": "Pass", "End": True},
        },
    }
    arn = sfn.create_state_machine(
        name=w.STATE_MACHINE,
        definition=json.dumps(definition),
        roleArn=_role(env, "support-escalation-role", "states.amazonaws.com"),
        tracingConfiguration={"enabled": True},
    )["stateMachineArn"]
    for _ in range(3):
        sfn.start_execution(stateMachineArn=arn)
    # moto's execution histories are canned; this one shows a Bedrock timeout that the Retry recovered.
    t = env.now
    env.canned.add(
        "stepfunctions",
        "GetExecutionHistory",
        {
            "events": [
                {"timestamp": t, "id": 1, "type": "ExecutionStarted"},
                {
                    "timestamp": t,
                    "id": 2,
                    "type": "TaskStateEntered",
                    "stateEnteredEventDetails": {"name": "Answer"},
                },
                {
                    "timestamp": t,
                    "id": 3,
                    "type": "TaskFailed",
                    "taskFailedEventDetails": {
                        "resourceType": "lambda",
                        "resource": "invoke",
                        "error": "Timeout",
                    },
                },
                {
                    "timestamp": t,
                    "id": 4,
                    "type": "TaskSucceeded",
                    "taskSucceededEventDetails": {"resourceType": "lambda", "resource": "invoke"},
                },
                {"timestamp": t, "id": 5, "type": "ExecutionSucceeded"},
            ]
        },
    )


def _traces(env: DemoEnv) -> None:
    now = env.now.timestamp() - 600  # inside any audit period that ends at the demo's `now`
    docs = []
    for i in range(4):
        trace = f"1-{int(now):08x}-{uuid.uuid4().hex[:24]}"
        start = now + i * 30
        docs.append(
            json.dumps(
                {
                    "name": w.FN_ORCHESTRATOR,
                    "id": uuid.uuid4().hex[:16],
                    "trace_id": trace,
                    "start_time": start,
                    "end_time": start + 2.1,
                    "subsegments": [
                        {
                            "name": "retrieval",
                            "id": uuid.uuid4().hex[:16],
                            "start_time": start + 0.1,
                            "end_time": start + 0.5,
                        },
                        {
                            "name": "bedrock",
                            "id": uuid.uuid4().hex[:16],
                            "start_time": start + 0.5,
                            "end_time": start + 2.0,
                        },
                    ],
                }
            )
        )
    env.client("xray").put_trace_segments(TraceSegmentDocuments=docs)


def _trail(env: DemoEnv) -> None:
    env.client("s3").create_bucket(Bucket=w.TRAIL_BUCKET)
    logs = env.client("logs")
    logs.create_log_group(logGroupName="/aws/cloudtrail/audit-trail")
    group_arn = env.arn("logs", "log-group:/aws/cloudtrail/audit-trail:*")
    ct = env.client("cloudtrail")
    ct.create_trail(
        Name=w.TRAIL,
        S3BucketName=w.TRAIL_BUCKET,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=_role(env, "cloudtrail-logs-role", "cloudtrail.amazonaws.com"),
    )
    ct.start_logging(Name=w.TRAIL)
    # Management events only: InvokeAgent and Retrieve (data events) are not recorded, a gap for L5.6.
    ct.put_event_selectors(
        TrailName=w.TRAIL,
        AdvancedEventSelectors=[
            {
                "Name": "Management events",
                "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
            }
        ],
    )
    env.canned.add("cloudtrail", "ListEventDataStores", {"EventDataStores": []})


def _pipeline(env: DemoEnv) -> None:
    env.client("s3").create_bucket(Bucket="support-bot-artifacts-123456789012")
    env.client("codepipeline").create_pipeline(
        pipeline={
            "name": w.PIPELINE,
            "roleArn": _role(env, "support-bot-pipeline-role", "codepipeline.amazonaws.com"),
            "artifactStore": {"type": "S3", "location": "support-bot-artifacts-123456789012"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "Source",
                            "actionTypeId": {
                                "category": "Source",
                                "owner": "AWS",
                                "provider": "S3",
                                "version": "1",
                            },
                            "configuration": {
                                "S3Bucket": "support-bot-artifacts-123456789012",
                                "S3ObjectKey": "src.zip",
                            },
                            "outputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
                {
                    "name": "Deploy",
                    "actions": [
                        {
                            "name": "Deploy",
                            "actionTypeId": {
                                "category": "Deploy",
                                "owner": "AWS",
                                "provider": "CloudFormation",
                                "version": "1",
                            },
                            "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "support-bot"},
                            "inputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
            ],
        }
    )


def seed(env: DemoEnv) -> None:
    _lambdas(env)
    _api(env)
    _workflow(env)
    _traces(env)
    _trail(env)
    _pipeline(env)
    env.client("ssm").put_parameter(
        Name="/prompts/support-answer/system",
        Type="String",
        Value="(demo) system prompt kept in SSM",
        Tags=[{"Key": "env", "Value": "prod"}],
    )
