"""Demo workload: CloudWatch metrics, alarms, a dashboard, log groups, invocation records, feedback events."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from tests.fake_account import workload as w
from tests.fake_account.bedrock import GUARDRAIL_ID
from tests.fake_account.env import DemoEnv


def _logs(env: DemoEnv, group: str, retention: int | None = None) -> None:
    logs = env.client("logs")
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    if retention:
        logs.put_retention_policy(logGroupName=group, retentionInDays=retention)


def _events(env: DemoEnv, group: str, messages: list[str]) -> None:
    logs = env.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName="demo")
    base = int((env.now - timedelta(hours=3)).timestamp() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="demo",
        logEvents=[{"timestamp": base + i * 60_000, "message": m} for i, m in enumerate(messages)],
    )


def seed(env: DemoEnv) -> None:
    rng = random.Random(7)  # the demo is the same every run
    # Model traffic: Haiku takes routine questions, Sonnet (cross-Region profile) the hard ones.
    for model, calls, lat, tin, tout in ((w.HAIKU, 60, 700, 900, 180), (w.SONNET, 25, 2400, 2600, 520)):
        dims = {"ModelId": model}
        env.put_metric("AWS/Bedrock", "Invocations", dims, [1.0] * calls)
        env.put_metric("AWS/Bedrock", "InvocationClientErrors", dims, [1.0, 0.0])
        env.put_metric("AWS/Bedrock", "InvocationServerErrors", dims, [0.0])
        env.put_metric("AWS/Bedrock", "InvocationThrottles", dims, [1.0] if model == w.SONNET else [0.0])
        env.put_metric(
            "AWS/Bedrock", "InputTokenCount", dims, [tin + rng.randint(-200, 200) for _ in range(calls)]
        )
        env.put_metric(
            "AWS/Bedrock", "OutputTokenCount", dims, [tout + rng.randint(-60, 60) for _ in range(calls)]
        )
        env.put_metric("AWS/Bedrock", "CacheReadInputTokenCount", dims, [600.0] * (calls // 2))
        env.put_metric("AWS/Bedrock", "CacheWriteInputTokenCount", dims, [600.0] * 3)
        env.put_metric(
            "AWS/Bedrock",
            "InvocationLatency",
            dims,
            [lat * rng.uniform(0.6, 1.8) for _ in range(calls)],
            unit="Milliseconds",
        )
        env.put_metric(
            "AWS/Bedrock",
            "TimeToFirstToken",
            dims,
            [lat * rng.uniform(0.15, 0.3) for _ in range(calls)],
            unit="Milliseconds",
        )
    env.put_metric("AWS/Bedrock", "ModelInvocationLogsCloudWatchDeliverySuccess", {}, [1.0] * 85)
    env.put_metric("AWS/Bedrock", "ModelInvocationLogsCloudWatchDeliveryFailure", {}, [0.0])
    # Guardrails: 2 interventions (PII masking) in 85 calls.
    # AWS names the guardrail by its id in the ARN (arn:aws:bedrock:region:account:guardrail/<id>)
    garn = {"GuardrailArn": env.arn("bedrock", f"guardrail/{GUARDRAIL_ID}"), "GuardrailVersion": "1"}
    env.put_metric("AWS/Bedrock/Guardrails", "Invocations", garn, [1.0] * 85)
    env.put_metric("AWS/Bedrock/Guardrails", "InvocationsIntervened", garn, [1.0, 1.0])
    env.put_metric(
        "AWS/Bedrock/Guardrails",
        "InvocationsIntervened",
        {"GuardrailPolicyType": "SensitiveInformationPolicy"},
        [1.0, 1.0],
    )
    env.put_metric(
        "AWS/Bedrock/Guardrails", "InvocationsIntervened", {"GuardrailPolicyType": "ContentPolicy"}, [0.0]
    )
    # Agents: the supervisor's invocations.
    env.put_metric("AWS/Bedrock/Agents", "InvocationCount", {"Operation": "InvokeAgent"}, [1.0] * 30)
    env.put_metric("AWS/Bedrock/Agents", "InvocationClientErrors", {"Operation": "InvokeAgent"}, [1.0])
    env.put_metric("AWS/Bedrock/Agents", "InvocationServerErrors", {"Operation": "InvokeAgent"}, [0.0])
    # The front door and the Lambdas.
    api = {"ApiName": w.REST_API}
    env.put_metric("AWS/ApiGateway", "Count", api, [1.0] * 90)
    env.put_metric("AWS/ApiGateway", "4XXError", api, [1.0] * 3)
    env.put_metric("AWS/ApiGateway", "5XXError", api, [1.0])
    env.put_metric(
        "AWS/ApiGateway",
        "Latency",
        api,
        [1500 * rng.uniform(0.6, 1.8) for _ in range(90)],
        unit="Milliseconds",
    )
    for fn, calls, errors, dur in (
        (w.FN_ORCHESTRATOR, 90, 1, 1800),
        (w.FN_RETRIEVER, 70, 0, 350),
        (w.FN_TICKET_TOOL, 20, 1, 220),
    ):
        dims = {"FunctionName": fn}
        env.put_metric("AWS/Lambda", "Invocations", dims, [1.0] * calls)
        env.put_metric("AWS/Lambda", "Errors", dims, [1.0] * errors + [0.0])
        env.put_metric(
            "AWS/Lambda",
            "Duration",
            dims,
            [dur * rng.uniform(0.5, 1.6) for _ in range(calls)],
            unit="Milliseconds",
        )

    # Alarms on latency and errors (SNS), on tokens, and one whose action runs a remediation Lambda.
    cw = env.client("cloudwatch")
    topic = env.arn("sns", "support-bot-oncall")
    for name, metric, dims, threshold, actions in (
        ("support-bot-haiku-latency-p90", "InvocationLatency", {"ModelId": w.HAIKU}, 3000, [topic]),
        ("support-bot-sonnet-server-errors", "InvocationServerErrors", {"ModelId": w.SONNET}, 5, [topic]),
        (
            "support-bot-input-tokens-spike",
            "InputTokenCount",
            {"ModelId": w.SONNET},
            500000,
            [topic, env.arn("lambda", f"function:{w.FN_ORCHESTRATOR}-throttle-guard")],
        ),
    ):
        cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/Bedrock",
            MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=actions,
        )
    cw.put_dashboard(
        DashboardName="support-bot-llm",
        DashboardBody=json.dumps(
            {
                "widgets": [
                    {
                        "type": "metric",
                        "properties": {
                            "title": "Tokens",
                            "metrics": [
                                ["AWS/Bedrock", "InputTokenCount", "ModelId", w.HAIKU],
                                [".", "OutputTokenCount", ".", "."],
                            ],
                        },
                    },
                    {
                        "type": "metric",
                        "properties": {
                            "title": "Latency",
                            "metrics": [
                                ["AWS/Bedrock", "InvocationLatency", "ModelId", w.HAIKU],
                                ["...", w.SONNET],
                            ],
                        },
                    },
                ]
            }
        ),
    )

    # Log groups: Bedrock invocation logs (records carry text, which the audit must never copy), the app's
    # feedback events, and the Lambdas' groups with retention.
    _logs(env, w.INVOCATION_LOG_GROUP, 90)
    _events(
        env,
        w.INVOCATION_LOG_GROUP,
        [
            json.dumps(
                {
                    "schemaType": "ModelInvocationLog",
                    "modelId": model,
                    "operation": "Converse",
                    "input": {
                        "inputTokenCount": 900,
                        "inputBodyJson": {"messages": [{"content": "DEMO PROMPT TEXT"}]},
                    },
                    "output": {
                        "outputTokenCount": 0 if i == 7 else 180,
                        "outputBodyJson": {"text": "DEMO PROMPT TEXT reply"},
                    },
                }
            )
            for i, model in enumerate([w.HAIKU] * 6 + [w.SONNET] * 4)
        ],
    )
    _logs(env, w.APP_LOG_GROUP, 30)
    _events(
        env,
        w.APP_LOG_GROUP,
        [
            json.dumps({"event": "UserFeedback", "rating": r})
            for r in ("up", "up", "down", "up", "up", "down", "up")
        ],
    )
    # No metric filter turns this feedback into a metric yet: that gap keeps L4.1 and L5.5 open in the demo.
    for fn in w.FUNCTIONS:
        _logs(env, f"/aws/lambda/{fn}", 30)
    # moto lacks the Logs data-protection APIs: no masking policy on the invocation logs yet.
    env.canned.add("logs", "GetDataProtectionPolicy", {"logGroupIdentifier": w.INVOCATION_LOG_GROUP})
    env.canned.add("logs", "DescribeAccountPolicies", {"accountPolicies": []})
