"""CloudTrail, compute, delivery, cost and governance probes on plain data: a True and a False case each."""

from __future__ import annotations

import pytest

from llmops_audit.probes import run_probe
from tests.helpers import snapshot
from tests.probes.test_cloudtrail import AGENTS_KB, data_selector, store

LAKE_WITH_BEDROCK_DATA_EVENTS = store([data_selector(AGENTS_KB)])

ACCOUNT = "123456789012"
LAMBDA = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
# The LLM workload's function (probes/workload.py): its execution role may invoke a model, its environment
# names a model id, and it runs the agent's action group (AGENTS below).
FN = {
    "name": "chat-bot",
    "arn": LAMBDA + "chat-bot",
    "runtime": "python3.12",
    "timeout": 30,
    "memorySize": 512,
    "tracing": "Active",
    "dlq": None,
    "role": f"arn:aws:iam::{ACCOUNT}:role/chat-bot",
    "envNames": ["BEDROCK_MODEL_ID", "TABLE_NAME"],
    "roleActions": ["bedrock:InvokeModel", "bedrock:Converse"],
    "llm": True,
    "actionGroupExecutor": True,
    "logGroup": "/aws/lambda/chat-bot",
    "retries": 1,
    "onFailure": f"arn:aws:sqs:us-east-1:{ACCOUNT}:chat-bot-failures",
    "aliases": ["dev", "prod"],
    "policy": [
        {
            "principal": "bedrock.amazonaws.com",
            "sourceArn": "arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345",
            "sourceAccount": None,
        }
    ],
}
BARE = {
    **FN,
    "timeout": 3,
    "tracing": "PassThrough",
    "retries": None,
    "onFailure": None,
    "aliases": ["live"],
    "policy": [{"principal": "bedrock.amazonaws.com", "sourceArn": None, "sourceAccount": None}],
}
AGENTS = {"agents": [{"name": "a", "action_groups": [{"executorLambda": FN["arn"], "functions": []}]}]}
# An evaluation runner: its role is granted bedrock:CreateEvaluationJob by name.
EVAL_RUNNER = {
    **FN,
    "name": "eval-runner",
    "arn": LAMBDA + "eval-runner",
    "envNames": [],
    "roleActions": ["bedrock:CreateEvaluationJob", "bedrock:InvokeModel"],
    "actionGroupExecutor": False,
    "logGroup": "/aws/lambda/eval-runner",
}
# A Lambda proxy integration calling the LLM function.
FN_INTEGRATION = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN['arn']}/invocations"
TRAIL = {
    "name": "audit",
    "logging": True,
    "multiRegion": True,
    "validation": True,
    "advancedSelectors": [
        {
            "name": "b",
            "fields": {
                "eventCategory": {"Equals": ["Data"]},
                "resources.type": {"Equals": ["AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase"]},
            },
        }
    ],
}
AGENT_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:agent/AGENT12345"
BUDGET = {
    "name": "llm-monthly",
    "type": "COST",
    "time_unit": "MONTHLY",
    "limit": "250",
    "unit": "USD",
    "cost_filters": {"Service": ["Amazon Bedrock"]},
    "filter_expression": None,
    "notifications": 1,
}
SERVICES_MONITOR = {
    "name": "Default-Services-Monitor",
    "arn": f"arn:aws:ce::{ACCOUNT}:anomalymonitor/m1",
    "type": "DIMENSIONAL",
    "dimension": "SERVICE",
    "specification": None,
    "subscribers": 1,
    "subscriptions": ["daily-summary"],
}
ADMIN_STATEMENT = {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}
SCOPED_STATEMENT = {"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": ["*"]}
# An LLM state machine: its task calls Bedrock (optimised integration).
SM = {
    "name": "flow",
    "arn": f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:flow",
    "tasks": [
        {
            "name": "Ask",
            "retry": True,
            "catch": True,
            "resource": "arn:aws:states:::bedrock:invokeModel",
            "function": None,
        }
    ],
    "tracing": True,
}
# An LLM API: its POST /chat integration targets the LLM function; prod traces and caches that method.
API = {
    "name": "api",
    "id": "a1b2c3",
    "stages": [
        {"name": "dev", "tracing": False, "cache": False, "cacheCluster": False, "metrics": False},
        {
            "name": "prod",
            "tracing": True,
            "cache": True,
            "cacheCluster": True,
            "caching": {"~1chat/POST": True},
            "metrics": True,
        },
    ],
    "integrations": [FN_INTEGRATION],
    "methods": {"/chat POST": FN_INTEGRATION},
}
API_BARE = {
    **API,
    "stages": [{"name": "v1", "tracing": False, "cache": False, "cacheCluster": False, "metrics": False}],
}


def fns(*f: dict) -> dict:
    """lambda.functions with every role and the agents read."""
    return {
        "functions": list(f),
        "total": len(f),
        "detailed": len(f),
        "agentsRead": True,
        "rolesRead": len(f),
        "roleErrors": [],
    }


LLM_FUNCTIONS = {"lambda.functions": fns(FN)}
NO_MACHINES = {"stepfunctions.state_machines": {"state_machines": []}}
NO_REST_APIS = {"apigateway.rest_apis": {"apis": []}}
NO_HTTP_APIS = {"apigateway.http_apis": {"apis": []}}


CASES = [
    ("trail_logging_validated", {"cloudtrail.trails": {"trails": [TRAIL]}}, {}, True),
    (
        "trail_logging_validated",
        {"cloudtrail.trails": {"trails": [{**TRAIL, "validation": False}]}},
        {},
        False,
    ),
    ("trail_bedrock_data_events_covered", {"cloudtrail.trails": {"trails": [TRAIL]}}, {}, True),
    (
        "trail_bedrock_data_events_covered",
        {"cloudtrail.trails": {"trails": [{**TRAIL, "advancedSelectors": []}]}},
        {},
        False,
    ),
    (
        "cloudtrail_lake_store_present",
        {"cloudtrail.event_data_stores": {"stores": [LAKE_WITH_BEDROCK_DATA_EVENTS], "errors": []}},
        {},
        True,
    ),
    ("cloudtrail_lake_store_present", {"cloudtrail.event_data_stores": {"stores": []}}, {}, False),
    (
        "api_front_door_present",
        {"apigateway.rest_apis": {"apis": [API]}, "apigateway.http_apis": {"apis": []}},
        {},
        True,
    ),
    (
        "api_front_door_present",
        {
            "apigateway.rest_apis": {"apis": []},
            "apigateway.http_apis": {"apis": []},
            "lambda.functions": fns({**FN, "urls": []}),
            "elbv2.lambda_target_groups": {"groups": []},
            "appsync.graphql_apis": {"apis": []},
            "agentcore.runtimes": {"runtimes": []},
        },
        {},
        False,
    ),
    ("lambda_timeouts_configured", {"lambda.functions": fns(FN)}, {}, True),
    ("lambda_timeouts_configured", {"lambda.functions": fns(BARE)}, {}, False),
    (
        "lambda_failure_handling_configured",
        # an action-group executor is invoked synchronously; the SNS subscription invokes it asynchronously
        {"lambda.functions": fns({**FN, "policy": [*FN["policy"], {"principal": "sns.amazonaws.com"}]})},
        {"require_destination": True},
        True,
    ),
    (
        "lambda_failure_handling_configured",
        {"lambda.functions": fns(FN)},  # only a Bedrock agent (synchronous) invokes it
        {"require_destination": True},
        False,
    ),
    (
        "lambda_failure_handling_configured",
        {"lambda.functions": fns({**FN, "onFailure": None})},
        {"require_destination": True},
        False,
    ),
    ("lambda_tracing_active", {"lambda.functions": fns(FN)}, {}, True),
    ("lambda_tracing_active", {"lambda.functions": fns(BARE)}, {}, False),
    ("lambda_agent_permissions_scoped", {"lambda.functions": fns(FN), "agents.agents": AGENTS}, {}, True),
    ("lambda_agent_permissions_scoped", {"lambda.functions": fns(BARE), "agents.agents": AGENTS}, {}, False),
    (
        "lambda_agent_permissions_scoped",
        {"lambda.functions": fns(FN), "agents.agents": {"agents": []}},
        {},
        None,
    ),
    (  # before: AWS:SourceAccount alone counted as scoped (any agent of the account may invoke the tool)
        "lambda_agent_permissions_scoped",
        {
            "lambda.functions": fns(
                {
                    **FN,
                    "policy": [
                        {"principal": "bedrock.amazonaws.com", "sourceArn": None, "sourceAccount": "1"}
                    ],
                }
            ),
            "agents.agents": AGENTS,
        },
        {},
        False,
    ),
    (  # an ArnLike pattern over every agent is not the agent's ARN
        "lambda_agent_permissions_scoped",
        {
            "lambda.functions": fns(
                {
                    **FN,
                    "policy": [
                        {
                            "principal": "bedrock.amazonaws.com",
                            "sourceArn": "arn:aws:bedrock:us-east-1:123456789012:agent/*",
                            "sourceAccount": "123456789012",
                        }
                    ],
                }
            ),
            "agents.agents": AGENTS,
        },
        {},
        False,
    ),
    (
        "bedrock_api_keys_not_long_term",
        {"iam.bedrock_api_keys": {"keys": [], "truncated": False}},
        {},
        True,
    ),
    (
        "bedrock_api_keys_not_long_term",
        {
            "iam.bedrock_api_keys": {
                "keys": [{"user": "u", "id": "k", "status": "Active", "created": None, "expires": None}],
                "truncated": False,
            }
        },
        {},
        False,
    ),
    (
        "state_machines_retry_catch",
        {"stepfunctions.state_machines": {"state_machines": [SM]}, **LLM_FUNCTIONS},
        {"require_catch": True},
        True,
    ),
    (
        "state_machines_retry_catch",
        {
            "stepfunctions.state_machines": {
                "state_machines": [{**SM, "tasks": [{**SM["tasks"][0], "catch": False}]}]
            },
            **LLM_FUNCTIONS,
        },
        {"require_catch": True},
        False,
    ),
    (
        "state_machines_tracing",
        {"stepfunctions.state_machines": {"state_machines": [SM]}, **LLM_FUNCTIONS},
        {},
        True,
    ),
    (
        "state_machines_tracing",
        {"stepfunctions.state_machines": {"state_machines": [{**SM, "tracing": False}]}, **LLM_FUNCTIONS},
        {},
        False,
    ),
    ("api_tracing_enabled", {"apigateway.rest_apis": {"apis": [API]}, **LLM_FUNCTIONS}, {}, True),
    ("api_tracing_enabled", {"apigateway.rest_apis": {"apis": [API_BARE]}, **LLM_FUNCTIONS}, {}, False),
    ("api_caching_enabled", {"apigateway.rest_apis": {"apis": [API]}, **LLM_FUNCTIONS}, {}, True),
    ("api_caching_enabled", {"apigateway.rest_apis": {"apis": [API_BARE]}, **LLM_FUNCTIONS}, {}, False),
    (
        "xray_traces_present",
        {
            "xray.traces": {
                "count": 2,
                "window": None,
                "traces": [
                    {
                        "id": "t",
                        "duration_ms": 5,
                        "spans": {"chat-bot": 5, "Bedrock Runtime": 4},
                        "bedrockCallers": ["chat-bot"],
                    }
                ],
            },
            **LLM_FUNCTIONS,
        },
        {},
        True,
    ),
    (
        "xray_traces_present",
        {"xray.traces": {"count": 0, "window": None, "traces": []}, **LLM_FUNCTIONS},
        {},
        False,
    ),
    (
        "api_stages_per_environment",
        {"apigateway.rest_apis": {"apis": [API]}, **NO_HTTP_APIS, **LLM_FUNCTIONS},
        {},
        True,
    ),
    (
        "api_stages_per_environment",
        {"apigateway.rest_apis": {"apis": [API_BARE]}, **NO_HTTP_APIS, **LLM_FUNCTIONS},
        {},
        False,
    ),
    ("lambda_aliases_per_environment", {"lambda.functions": fns(FN)}, {}, True),
    ("lambda_aliases_per_environment", {"lambda.functions": fns(BARE)}, {}, False),
    (
        "pipeline_manual_approval_present",
        {
            "codepipeline.pipelines": {
                "pipelines": [
                    {
                        "name": "p",
                        "stages": ["Source", "Review", "Deploy"],
                        "approvals": ["Review/Approve"],
                        "deploys": [{"provider": "Lambda", "function": "chat-bot"}],
                    }
                ]
            },
            **LLM_FUNCTIONS,
            **NO_MACHINES,
            **NO_REST_APIS,
        },
        {},
        True,
    ),
    (
        "pipeline_manual_approval_present",
        {
            "codepipeline.pipelines": {
                "pipelines": [
                    {
                        "name": "p",
                        "stages": ["Source", "Deploy"],
                        "approvals": [],
                        "deploys": [{"provider": "Lambda", "function": "chat-bot"}],
                    }
                ]
            },
            **LLM_FUNCTIONS,
            **NO_MACHINES,
            **NO_REST_APIS,
        },
        {},
        False,
    ),
    (
        "scheduled_evaluation_rules_present",
        {
            "events.rules": {
                "rules": [
                    {
                        "name": "nightly-eval",
                        "schedule": "rate(1 day)",
                        "state": "ENABLED",
                        "description": None,
                        "targets": [EVAL_RUNNER["arn"]],
                    }
                ]
            },
            "lambda.functions": fns(FN, EVAL_RUNNER),
            **NO_MACHINES,
        },
        {},
        True,
    ),
    (
        "scheduled_evaluation_rules_present",
        {
            "events.rules": {
                "rules": [
                    {
                        "name": "nightly-backup",
                        "schedule": "rate(1 day)",
                        "state": "ENABLED",
                        "description": None,
                        "targets": [f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:nightly"],
                    }
                ]
            },
            "scheduler.schedules": {"schedules": []},
            "lambda.functions": fns(FN, EVAL_RUNNER),
            **NO_MACHINES,
        },
        {},
        False,
    ),
    (
        "ssm_prompt_parameters_present",
        {
            "ssm.prompt_parameters": {"parameters": ["/prompts/a"]},
            "ssm.prompt_parameter_refs": {"refs": {"/prompts/a": ["chat-bot"]}},
            "iam.llm_lambda_roles": {"roles": []},
        },
        {},
        True,
    ),
    (
        "ssm_prompt_parameters_present",
        {
            "ssm.prompt_parameters": {"parameters": ["/prompts/a"]},
            "ssm.prompt_parameter_refs": {"refs": {}},
            "iam.llm_lambda_roles": {"roles": []},
        },
        {},
        False,
    ),
    ("ssm_prompt_parameters_present", {"ssm.prompt_parameters": {"parameters": []}}, {}, False),
    (
        "environments_tagged",
        {
            "tagging.environments": {
                "tag_values": {"env": ["Dev", "production"]},
                "resources": {FN["arn"]: {"env": "Dev"}, AGENT_ARN: {"env": "production"}},
                "capped": False,
            },
            **LLM_FUNCTIONS,
            **NO_REST_APIS,
            **NO_HTTP_APIS,
            **NO_MACHINES,
        },
        {},
        True,
    ),
    (
        "environments_tagged",
        {
            "tagging.environments": {
                "tag_values": {"env": ["prod", "production"]},
                "resources": {FN["arn"]: {"env": "prod"}, AGENT_ARN: {"env": "production"}},
                "capped": False,
            },
            **LLM_FUNCTIONS,
            **NO_REST_APIS,
            **NO_HTTP_APIS,
            **NO_MACHINES,
        },
        {},
        False,
    ),
    (
        "budgets_present",
        {"budgets.budgets": {"budgets": [BUDGET], "organization_role": "standalone", "errors": []}},
        {},
        True,
    ),
    (  # a standalone account that lists no budget (in a member account none visible would be unknown)
        "budgets_present",
        {"budgets.budgets": {"budgets": [], "organization_role": "standalone", "errors": []}},
        {},
        False,
    ),
    (  # the AWS services monitor covers Bedrock, and a subscription alerts someone
        "cost_anomaly_monitors_present",
        {"ce.anomaly_monitors": {"monitors": [SERVICES_MONITOR], "errors": []}},
        {},
        True,
    ),
    ("cost_anomaly_monitors_present", {"ce.anomaly_monitors": {"monitors": [], "errors": []}}, {}, False),
    (  # the active tag app carries Bedrock spend in Cost Explorer
        "cost_allocation_tags_active",
        {
            "ce.cost_allocation_tags": {"tags": ["app"], "types": {"app": "UserDefined"}},
            "ce.cost_by_tag": {
                "tag_keys": ["app"],
                "tags_not_grouped": [],
                "by_tag": {"app": {"support-bot": 12.0, "": 1.0}},
                "errors": [],
            },
            "bedrock.inference_profiles": {"profiles": [], "errors": []},
        },
        {},
        True,
    ),
    (
        "cost_allocation_tags_active",
        {"ce.cost_allocation_tags": {"tags": [], "types": {}}},
        {},
        False,
    ),
    (
        "agent_roles_least_privilege",
        {
            "iam.agent_roles": {
                "roles": [
                    {
                        "name": "r",
                        "boundary": "arn:b",
                        "boundary_policy": {"name": "b", "arn": "arn:b", "statements": [SCOPED_STATEMENT]},
                        "attached": [{"name": "Scoped", "arn": "arn:p", "statements": [SCOPED_STATEMENT]}],
                        "inline": [],
                    }
                ]
            }
        },
        {},
        True,
    ),
    (
        "agent_roles_least_privilege",
        {
            "iam.agent_roles": {
                "roles": [
                    {
                        "name": "r",
                        "boundary": None,
                        "attached": [{"name": "Admin", "arn": "arn:p", "statements": [ADMIN_STATEMENT]}],
                        "inline": [],
                    }
                ]
            }
        },
        {},
        False,
    ),
    (
        "llm_lambda_roles_least_privilege",
        {
            "iam.llm_lambda_roles": {
                "roles": [
                    {
                        "name": "r",
                        "functions": ["chat"],
                        "boundary": "arn:b",
                        "boundary_policy": {"name": "b", "arn": "arn:b", "statements": [SCOPED_STATEMENT]},
                        "attached": [],
                        "inline": [{"name": "i", "statements": [SCOPED_STATEMENT]}],
                    }
                ],
                "functions_without_role": [],
            }
        },
        {},
        True,
    ),
    (
        "llm_lambda_roles_least_privilege",
        {
            "iam.llm_lambda_roles": {
                "roles": [
                    {
                        "name": "r",
                        "functions": ["chat"],
                        "boundary": "arn:b",
                        "boundary_policy": {"name": "b", "arn": "arn:b", "statements": [SCOPED_STATEMENT]},
                        "attached": [
                            {
                                "name": "AmazonBedrockFullAccess",
                                "arn": "arn:aws:iam::aws:policy/AmazonBedrockFullAccess",
                                "statements": None,
                            }
                        ],
                        "inline": [],
                    }
                ],
                "functions_without_role": [],
            }
        },
        {},
        False,
    ),
    (
        "aiservices_opt_out_policy_present",
        {"organizations.policies": {"in_organization": True, "policies": ["optout"]}},
        {},
        True,
    ),
    (
        "aiservices_opt_out_policy_present",
        {"organizations.policies": {"in_organization": False, "policies": []}},
        {},
        False,
    ),
    (
        "environment_accounts_present",
        {"organizations.accounts": {"in_organization": True, "accounts": ["llm-dev", "llm-prod", "audit"]}},
        {},
        True,
    ),
    (
        "environment_accounts_present",
        {"organizations.accounts": {"in_organization": True, "accounts": ["llm-prod"]}},
        {},
        False,
    ),
    (
        "sagemaker_notebooks_present",
        {
            "sagemaker.notebooks": {
                "notebooks": ["nb"],
                "domains": [],
                "roles": [
                    {
                        "name": "sm",
                        "arn": "arn:aws:iam::1:role/sm",
                        "used_by": ["notebook instance nb"],
                        "boundary": None,
                        "attached": [],
                        "inline": [
                            {
                                "name": "bedrock",
                                "statements": [
                                    {"Effect": "Allow", "Action": ["bedrock:Invoke*"], "Resource": ["*"]}
                                ],
                            }
                        ],
                        "error": None,
                        "error_action": None,
                    }
                ],
            }
        },
        {},
        True,
    ),
    ("sagemaker_notebooks_present", {"sagemaker.notebooks": {"notebooks": ["nb"], "domains": []}}, {}, None),
    ("sagemaker_notebooks_present", {"sagemaker.notebooks": {"notebooks": [], "domains": []}}, {}, False),
    (
        "a2i_flow_definitions_present",
        {
            "sagemaker.flow_definitions": {
                "flow_definitions": [{"name": "review", "arn": "a", "conditional": True}]
            }
        },
        {},
        True,
    ),
    ("a2i_flow_definitions_present", {"sagemaker.flow_definitions": {"flow_definitions": []}}, {}, False),
    (
        "vector_collections_present",
        {
            "aoss.collections": {"collections": [{"name": "kb", "id": "kb", "type": "VECTORSEARCH"}]},
            "agents.knowledge_bases": {
                "knowledge_bases": [
                    {"name": "docs", "storage": {"collectionArn": "arn:aws:aoss:us-east-1:1:collection/kb"}}
                ]
            },
        },
        {},
        True,
    ),
    (
        "vector_collections_present",
        {
            "aoss.collections": {"collections": [{"name": "kb", "id": "kb", "type": "VECTORSEARCH"}]},
            "agents.knowledge_bases": {"knowledge_bases": []},
        },
        {},
        False,
    ),
    (
        "vector_collections_present",
        {
            "aoss.collections": {"collections": [{"name": "logs", "type": "SEARCH"}]},
            "agents.knowledge_bases": {"knowledge_bases": []},
        },
        {},
        False,
    ),
]


@pytest.mark.parametrize(
    ("probe_id", "sections", "params", "value"),
    CASES,
    ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)],
)
def test_probe(scope, probe_id: str, sections: dict, params: dict, value: bool | None) -> None:
    f = run_probe(probe_id, snapshot(scope, **{k.replace(".", "__"): v for k, v in sections.items()}), params)
    assert f.value is value, f.summary
    assert f.summary.endswith(".") and not f.error
