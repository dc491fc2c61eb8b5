"""A compact LLM workload per account x Region, written through the benchmark's moto server.

Each account (an Organization member, reached by assuming OrganizationAccountAccessRole through STS on the
server, which maps the assumed credentials to the role's account) gets, once, the IAM roles of its
workload; each of its Regions gets:
  - three Lambda functions whose role may invoke two Bedrock models (the audit ties them to the workload),
    a published version and prod/dev aliases, and their log groups with a retention;
  - Bedrock model-invocation logging to CloudWatch Logs, with the log group, a metric filter on it;
  - a Bedrock agent (with its own role) and an API Gateway REST API with a prod stage (tracing on);
  - alarms on Bedrock server errors and latency, on each function's errors, and on the API's 5XX, to an
    SNS topic; a dashboard;
  - 24 hours of AWS/Bedrock metric data per model (invocations, latency, input/output tokens, client
    errors) and AWS/Lambda invocations/errors per function.
No prompt or response text is written anywhere.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

import boto3

MODELS = ("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-sonnet-20241022-v2:0")
FUNCTIONS = ("support-bot-orchestrator", "support-bot-retriever", "support-bot-ticket-tool")
SEED_ROLE = "OrganizationAccountAccessRole"
INVOCATION_LOG_GROUP = "/aws/bedrock/modelinvocations"


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def organization(accounts: int) -> list[str]:
    """An Organization of `accounts` accounts: the management account (moto's default) and members."""
    orgs = boto3.client("organizations", region_name="us-east-1")
    orgs.create_organization(FeatureSet="ALL")
    ids = [orgs.describe_organization()["Organization"]["MasterAccountId"]]
    for i in range(accounts - 1):
        status = orgs.create_account(AccountName=f"llm-team-{i}", Email=f"llm-team-{i}@example.com")
        ids.append(status["CreateAccountStatus"]["AccountId"])
    return ids


def account_session(account: str) -> boto3.Session:
    """A session in `account`: STS on the server answers AssumeRole with credentials moto maps to it."""
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{SEED_ROLE}", RoleSessionName="benchmark-seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def seed_account(session: boto3.Session, account: str, regions: list[str], now: datetime) -> None:
    iam = session.client("iam", region_name="us-east-1")
    model_arns = [f"arn:aws:bedrock:*::foundation-model/{m}" for m in MODELS]
    roles: dict[str, str] = {}
    for name, service in (
        ("support-bot-fn-role", "lambda.amazonaws.com"),
        ("support-bot-agent-role", "bedrock.amazonaws.com"),
        ("bedrock-invocation-logging", "bedrock.amazonaws.com"),
    ):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(service))["Role"]["Arn"]
    invoke = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": model_arns,
            }
        ],
    }
    for role in ("support-bot-fn-role", "support-bot-agent-role"):
        iam.put_role_policy(RoleName=role, PolicyName="invoke-models", PolicyDocument=json.dumps(invoke))
    for region in regions:
        _seed_region(session, account, region, roles, now)


def _seed_region(
    session: boto3.Session, account: str, region: str, roles: dict[str, str], now: datetime
) -> None:
    def client(name: str) -> Any:
        return session.client(name, region_name=region)

    lam, logs, cw = client("lambda"), client("logs"), client("cloudwatch")
    code = _zip()
    for name in FUNCTIONS:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=roles["support-bot-fn-role"],
            Handler="index.handler",
            Code={"ZipFile": code},
            Timeout=30,
            MemorySize=512,
            TracingConfig={"Mode": "Active"},
            Tags={"app": "support-bot", "env": "prod"},
            Environment={"Variables": {"MODEL_ID": MODELS[0]}},
        )
        version = lam.publish_version(FunctionName=name)["Version"]
        for alias in ("dev", "prod"):
            lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
        logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
        logs.put_retention_policy(logGroupName=f"/aws/lambda/{name}", retentionInDays=30)

    logs.create_log_group(logGroupName=INVOCATION_LOG_GROUP)
    logs.put_retention_policy(logGroupName=INVOCATION_LOG_GROUP, retentionInDays=90)
    logs.put_metric_filter(
        logGroupName=INVOCATION_LOG_GROUP,
        filterName="throttled-invocations",
        filterPattern='{ $.errorCode = "ThrottlingException" }',
        metricTransformations=[
            {"metricName": "Throttled", "metricNamespace": "SupportBot", "metricValue": "1"}
        ],
    )
    client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": INVOCATION_LOG_GROUP,
                "roleArn": roles["bedrock-invocation-logging"],
            },
            "textDataDeliveryEnabled": True,
            "imageDataDeliveryEnabled": False,
            "embeddingDataDeliveryEnabled": False,
        }
    )
    client("bedrock-agent").create_agent(
        agentName="support-bot",
        agentResourceRoleArn=roles["support-bot-agent-role"],
        foundationModel=MODELS[1],
        instruction="Answer customer support questions from the support documentation.",
        tags={"app": "support-bot"},
    )

    apigw = client("apigateway")
    api = apigw.create_rest_api(name="support-api", tags={"app": "support-bot"})
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="AWS_IAM")
    apigw.put_integration(
        restApiId=api["id"],
        resourceId=root,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{region}:{account}:function:{FUNCTIONS[0]}/invocations",
    )
    deployment = apigw.create_deployment(restApiId=api["id"])["id"]
    apigw.create_stage(restApiId=api["id"], stageName="prod", deploymentId=deployment, tracingEnabled=True)

    topic = client("sns").create_topic(Name="support-bot-oncall")["TopicArn"]
    alarms: list[tuple[str, str, str, dict[str, str], str, float]] = [
        (
            f"bedrock-server-errors-{m.split('.')[1][:20]}",
            "AWS/Bedrock",
            "InvocationServerErrors",
            {"ModelId": m},
            "Sum",
            5,
        )
        for m in MODELS
    ]
    alarms += [
        (
            f"bedrock-latency-{m.split('.')[1][:20]}",
            "AWS/Bedrock",
            "InvocationLatency",
            {"ModelId": m},
            "Average",
            5000,
        )
        for m in MODELS
    ]
    alarms += [(f"{f}-errors", "AWS/Lambda", "Errors", {"FunctionName": f}, "Sum", 1) for f in FUNCTIONS]
    alarms.append(("support-api-5xx", "AWS/ApiGateway", "5XXError", {"ApiName": "support-api"}, "Sum", 5))
    for name, namespace, metric, dims, stat, threshold in alarms:
        cw.put_metric_alarm(
            AlarmName=name,
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
            Statistic=stat,
            Period=300,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[topic],
        )
    cw.put_dashboard(
        DashboardName="support-bot",
        DashboardBody=json.dumps(
            {
                "widgets": [
                    {
                        "type": "metric",
                        "properties": {
                            "metrics": [["AWS/Bedrock", "Invocations", "ModelId", m] for m in MODELS],
                            "region": region,
                        },
                    }
                ]
            }
        ),
    )
    hours = 24
    series: list[tuple[str, str, dict[str, str], list[float], str]] = []
    for i, m in enumerate(MODELS):
        series += [
            ("AWS/Bedrock", "Invocations", {"ModelId": m}, [40.0 + 10 * i] * hours, "Count"),
            (
                "AWS/Bedrock",
                "InvocationLatency",
                {"ModelId": m},
                [900.0 + 50 * (h % 7) for h in range(hours)],
                "Milliseconds",
            ),
            ("AWS/Bedrock", "InputTokenCount", {"ModelId": m}, [32000.0] * hours, "Count"),
            ("AWS/Bedrock", "OutputTokenCount", {"ModelId": m}, [9000.0] * hours, "Count"),
            (
                "AWS/Bedrock",
                "InvocationClientErrors",
                {"ModelId": m},
                [float(h % 3 == 0) for h in range(hours)],
                "Count",
            ),
        ]
    for f in FUNCTIONS:
        series += [
            ("AWS/Lambda", "Invocations", {"FunctionName": f}, [50.0] * hours, "Count"),
            (
                "AWS/Lambda",
                "Errors",
                {"FunctionName": f},
                [float(h % 11 == 0) for h in range(hours)],
                "Count",
            ),
        ]
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for namespace, metric, dims, values, unit in series:
        by_namespace.setdefault(namespace, []).extend(
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Value": v,
                "Unit": unit,
                "Timestamp": now - timedelta(hours=hours - h),
            }
            for h, v in enumerate(values)
        )
    for namespace, data in by_namespace.items():
        for i in range(0, len(data), 1000):
            cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])
