"""CloudWatch and Logs probes on plain snapshot data: each has a True and a False (or None) case."""

from __future__ import annotations

import pytest

from llmops_audit.probes import run_probe
from tests.helpers import snapshot

BR = "AWS/Bedrock"


def s(ns: str, metric: str, stat: str, value: float | None, **dims: str) -> dict:
    return {"namespace": ns, "metric": metric, "stat": stat, "dimensions": dims, "value": value}


def stats(*series: dict) -> dict:
    return {"period_seconds": 3600, "series": list(series)}


HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
ALARM_LAT = {
    "name": "lat",
    "metrics": [{"namespace": BR, "metric": "InvocationLatency"}],
    "actions": ["arn:aws:sns:us-east-1:1:t"],
}
ALARM_TOK = {
    "name": "tok",
    "metrics": [{"namespace": BR, "metric": "InputTokenCount"}],
    "actions": ["arn:aws:lambda:us-east-1:1:function:fix"],
}
NO_DASH = {"dashboards": [], "total": 0}
LLM_FUNCTIONS = {
    "functions": [
        {"name": "answerer", "arn": "arn:aws:lambda:us-east-1:1:function:answerer", "envNames": ["MODEL_ID"]}
    ],
    "total": 1,
}


CASES = [
    (
        "bedrock_model_traffic_present",
        {"cloudwatch.metric_stats": stats(s(BR, "Invocations", "Sum", 5, ModelId=HAIKU))},
        True,
        "1 model had traffic",
    ),
    (
        "bedrock_model_traffic_present",
        {"cloudwatch.metric_stats": stats(s(BR, "Invocations", "Sum", 0, ModelId=HAIKU))},
        False,
        "No AWS/Bedrock Invocations",
    ),
    (
        "bedrock_model_traffic_present",
        {
            "cloudwatch.metric_stats": stats(
                s("AWS/BedrockMantle", "Inferences", "Sum", 3, ModelId="openai.gpt-oss-120b")
            )
        },
        True,
        "bedrock-mantle",
    ),
    (
        "bedrock_alarms_present",
        {"cloudwatch.alarms": {"alarms": [ALARM_LAT]}},
        True,
        "lat (InvocationLatency)",
    ),
    (
        "bedrock_alarms_present",
        {
            "cloudwatch.alarms": {
                "alarms": [
                    {
                        "name": "cpu",
                        "metrics": [{"namespace": "AWS/EC2", "metric": "CPUUtilization"}],
                        "actions": [],
                    }
                ]
            }
        },
        False,
        "None of the 1 CloudWatch alarm",
    ),
    (
        "bedrock_dashboard_present",
        {
            "cloudwatch.dashboards": {
                "dashboards": [{"name": "llm", "metrics": [], "mentions_bedrock": True}],
                "total": 1,
            }
        },
        True,
        "Dashboard llm",
    ),
    ("bedrock_dashboard_present", {"cloudwatch.dashboards": NO_DASH}, False, "None of the 0"),
    (
        "token_and_latency_tracked",
        {"cloudwatch.alarms": {"alarms": [ALARM_LAT, ALARM_TOK]}, "cloudwatch.dashboards": NO_DASH},
        True,
        "alarm tok",
    ),
    (
        "token_and_latency_tracked",
        {"cloudwatch.alarms": {"alarms": [ALARM_LAT]}, "cloudwatch.dashboards": NO_DASH},
        False,
        "token counts",
    ),
    (
        "multiple_model_families_in_use",
        {
            "cloudwatch.metric_stats": stats(
                s(BR, "Invocations", "Sum", 5, ModelId=HAIKU), s(BR, "Invocations", "Sum", 2, ModelId=SONNET)
            )
        },
        True,
        "anthropic.claude-haiku, anthropic.claude-sonnet",
    ),
    (
        "multiple_model_families_in_use",
        {
            "cloudwatch.metric_stats": stats(
                s(BR, "Invocations", "Sum", 5, ModelId=HAIKU),
                s(BR, "Invocations", "Sum", 2, ModelId="eu." + HAIKU),
            )
        },
        False,
        "Only 1 text-generation model tier",
    ),
    (
        "cross_region_inference_in_use",
        {"cloudwatch.metric_stats": stats(s(BR, "Invocations", "Sum", 2, ModelId=SONNET))},
        True,
        "us.anthropic",
    ),
    (
        "cross_region_inference_in_use",
        {"cloudwatch.metric_stats": stats(s(BR, "Invocations", "Sum", 2, ModelId=HAIKU))},
        False,
        "No traffic used",
    ),
    (
        "routed_model_ids_in_use",
        {
            "cloudwatch.metric_stats": stats(
                s(
                    BR,
                    "Invocations",
                    "Sum",
                    2,
                    ModelId="arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
                )
            )
        },
        False,
        "None of the 1",
    ),
    (
        "routed_model_ids_in_use",
        {
            "cloudwatch.metric_stats": stats(
                s(BR, "Invocations", "Sum", 2, ModelId="arn:aws:bedrock:us-east-1:1:prompt-router/abc")
            )
        },
        True,
        "prompt-router/abc",
    ),
    (
        "prompt_cache_reads_present",
        {
            "cloudwatch.metric_catalog": {
                "metrics": [
                    {"namespace": BR, "metric": "CacheReadInputTokens", "dimensions": {"ModelId": HAIKU}}
                ]
            },
            "cloudwatch.metric_stats": stats(s(BR, "CacheReadInputTokens", "Sum", 900, ModelId=HAIKU)),
        },
        True,
        "900 tokens",
    ),
    (
        "prompt_cache_reads_present",
        {"cloudwatch.metric_catalog": {"metrics": []}, "cloudwatch.metric_stats": stats()},
        False,
        "No Bedrock cache-token metric",
    ),
    (
        "confidence_metric_published",
        {
            "cloudwatch.metric_catalog": {
                "metrics": [
                    {
                        "namespace": "App",
                        "metric": "AnswerConfidence",
                        "dimensions": {"FunctionName": "answerer"},
                        "custom": True,
                    }
                ]
            },
            "lambda.functions": LLM_FUNCTIONS,
        },
        True,
        "App/AnswerConfidence (FunctionName=answerer)",
    ),
    (
        "confidence_metric_published",
        {
            "cloudwatch.metric_catalog": {
                "metrics": [
                    {"namespace": "App", "metric": "AnswerConfidence", "dimensions": {}, "custom": True}
                ]
            },
            "lambda.functions": LLM_FUNCTIONS,
        },
        None,
        "nothing ties it to the LLM workload",
    ),
    ("confidence_metric_published", {"cloudwatch.metric_catalog": {"metrics": []}}, None, "attest"),
    (
        "user_feedback_metric_present",
        {
            "cloudwatch.metric_catalog": {
                "metrics": [
                    {
                        "namespace": "App",
                        "metric": "ThumbsUp",
                        "dimensions": {"ModelId": HAIKU},
                        "custom": True,
                    }
                ]
            }
        },
        True,
        "App/ThumbsUp",
    ),
    ("user_feedback_metric_present", {"cloudwatch.metric_catalog": {"metrics": []}}, False, "No custom"),
    (
        "guardrail_interventions_observed",
        {
            "cloudwatch.metric_stats": stats(
                s(
                    "AWS/Bedrock/Guardrails",
                    "InvocationsIntervened",
                    "Sum",
                    3,
                    GuardrailArn="arn:aws:bedrock:us-east-1:1:guardrail/g1",
                    GuardrailVersion="1",
                )
            ),
            "bedrock.guardrails": {"guardrails": [{"id": "g1", "name": "g1"}]},
            "agents.agents": {"agents": []},
            "bedrock.enforced_guardrails": {"configs": [{"guardrailId": "g1", "guardrailVersion": "1"}]},
        },
        True,
        "intervened 3 times",
    ),
    (
        "guardrail_interventions_observed",
        {"cloudwatch.metric_stats": stats()},
        False,
        "No guardrail intervention",
    ),
    ("alarms_trigger_automation", {"cloudwatch.alarms": {"alarms": [ALARM_TOK]}}, True, "tok -> lambda"),
    (
        "alarms_trigger_automation",
        {"cloudwatch.alarms": {"alarms": [ALARM_LAT], "topics": {"arn:aws:sns:us-east-1:1:t": []}}},
        False,
        "None of the 1 LLM workload alarm",
    ),
    (
        "alarms_trigger_automation",
        {"cloudwatch.alarms": {"alarms": [ALARM_LAT], "topics": {"arn:aws:sns:us-east-1:1:t": None}}},
        None,
        "could not be read",
    ),
    (
        "alarms_trigger_automation",
        {
            "cloudwatch.alarms": {
                "alarms": [
                    {
                        "name": "cpu",
                        "metrics": [{"namespace": "AWS/EC2", "metric": "CPUUtilization", "dimensions": {}}],
                        "actions": ["arn:aws:automate:us-east-1:ec2:reboot"],
                    }
                ]
            },
            "lambda.functions": LLM_FUNCTIONS,
            "apigateway.rest_apis": {"apis": []},
            "apigateway.http_apis": {"apis": []},
        },
        False,
        "watches the LLM workload",
    ),
    (
        "model_usage_insight_rule_present",
        {
            "cloudwatch.insight_rules": {
                "rules": [
                    {
                        "name": "by-model",
                        "keys": ["$.modelId"],
                        "log_groups": ["/g"],
                        "value_of": "$.input.inputTokenCount",
                    }
                ]
            },
            "bedrock.invocation_logging": {"logGroupName": "/g"},
        },
        True,
        "by-model",
    ),
    (
        "model_usage_insight_rule_present",
        {
            "cloudwatch.insight_rules": {
                "rules": [{"name": "calls-by-model", "keys": ["$.modelId"], "log_groups": ["/g"]}]
            },
            "bedrock.invocation_logging": {"logGroupName": "/g"},
            "lambda.functions": {"functions": [], "total": 0},
        },
        False,
        "sums token counts",
    ),
    (
        "bedrock_alarms_present",
        {
            "cloudwatch.alarms": {
                "alarms": [
                    {
                        "name": "search",
                        "metrics": [
                            {
                                "namespace": "",
                                "metric": "",
                                "expression": "SEARCH('{AWS/Bedrock,ModelId} InvocationThrottles', 'Sum')",
                            }
                        ],
                        "actions": [],
                    }
                ]
            }
        },
        True,
        "search (SEARCH(",
    ),
    (
        "model_usage_insight_rule_present",
        {
            "cloudwatch.insight_rules": {
                "rules": [
                    {
                        "name": "by-model",
                        "keys": ["$.modelId"],
                        "log_groups": ["/other"],
                        "value_of": "$.output.outputTokenCount",
                    }
                ]
            },
            "bedrock.invocation_logging": {"logGroupName": "/g"},
            "lambda.functions": {"functions": [], "total": 0},
        },
        False,
        "(/g)",
    ),
    (
        "token_metric_filters_present",
        {
            "logs.metric_filters": {
                "filters": [
                    {
                        "name": "tok",
                        "logGroup": "/g",
                        "pattern": "{ $.input.inputTokenCount > 0 }",
                        "metrics": ["A/B"],
                        "values": ["$.input.inputTokenCount"],
                    }
                ]
            },
            "bedrock.invocation_logging": {"logGroupName": "/g"},
        },
        True,
        "tok",
    ),
    (
        "token_metric_filters_present",
        {"logs.metric_filters": {"filters": []}, "bedrock.invocation_logging": {"logGroupName": "/g"}},
        False,
        "None of the 0 metric filters",
    ),
    (
        "feedback_metric_filter_present",
        {
            "logs.metric_filters": {
                "filters": [
                    {
                        "name": "fb",
                        "logGroup": "/app",
                        "pattern": '"UserFeedback"',
                        "metrics": ["A/F"],
                        "values": ["1"],
                    }
                ]
            },
            "bedrock.invocation_logging": {"logGroupName": "/app"},
        },
        True,
        "fb on /app",
    ),
    (
        "feedback_metric_filter_present",
        {"logs.metric_filters": {"filters": []}, "bedrock.invocation_logging": {"logGroupName": None}},
        False,
        "None of the 0",
    ),
    (
        "llm_lambda_log_retention_set",
        {
            "logs.lambda_log_groups": {
                "groups": [
                    {"function": "bot", "name": "/aws/lambda/bot", "exists": True, "retentionInDays": 30}
                ]
            }
        },
        True,
        "/aws/lambda/bot 30d",
    ),
    (
        "llm_lambda_log_retention_set",
        {
            "logs.lambda_log_groups": {
                "groups": [
                    {"function": "bot", "name": "/aws/lambda/bot", "exists": True, "retentionInDays": None}
                ]
            }
        },
        False,
        "bot",
    ),
    (
        "invocation_logs_data_protection",
        {
            "logs.data_protection": {
                "group": "/g",
                "group_policy": True,
                "group_masks": ["EmailAddress"],
                "account_policies": [],
                "account_masks": {},
            }
        },
        True,
        "log group /g masks EmailAddress",
    ),
    (
        "invocation_logs_data_protection",
        {
            "logs.data_protection": {
                "group": "/g",
                "group_policy": True,
                "group_masks": [],
                "account_policies": [],
                "account_masks": {},
            }
        },
        False,
        "only audits",
    ),
    (
        "invocation_logs_data_protection",
        {"logs.data_protection": {"group": "/g", "group_policy": False, "account_policies": []}},
        False,
        "No data-protection",
    ),
]


@pytest.mark.parametrize(
    ("probe_id", "sections", "value", "says"), CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_probe(scope, probe_id: str, sections: dict, value: bool | None, says: str) -> None:
    f = run_probe(probe_id, snapshot(scope, **{k.replace(".", "__"): v for k, v in sections.items()}), {})
    assert f.value is value, f.summary
    assert says in f.summary
    assert f.summary.endswith(".")


def test_denied_section_makes_the_probe_unknown_naming_the_action(scope) -> None:
    from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError

    snap = EvidenceSnapshot(
        scope, errors={"cloudwatch.alarms": SectionError("denied", "cloudwatch:DescribeAlarms", "x")}
    )
    f = run_probe("bedrock_alarms_present", snap, {})
    assert f.value is None and f.missing == ("cloudwatch:DescribeAlarms",)
    assert "cloudwatch:DescribeAlarms was denied" in f.summary
