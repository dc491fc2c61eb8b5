"""Issue 10 (false not-met findings): Lambda workload tags, function URLs, ALB / AppSync / AgentCore front
doors, EventBridge Scheduler schedules, and IAM-enforced guardrails."""

from __future__ import annotations

from llmops_audit.collectors import CollectContext
from llmops_audit.probes import run_probe
from tests.collectors.test_compute import make_function
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.helpers import snapshot

FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
PROFILE = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/abc123"


def _ctx(moto_aws, scope) -> CollectContext:
    ctx = CollectContext(moto_aws, scope)
    ctx.data["agents.agents"] = {"agents": []}
    return ctx


def _tagging(canned, mapping: dict[str, dict[str, str]]) -> None:
    canned.add(
        "resourcegroupstaggingapi",
        "GetResources",
        lambda params: {
            "ResourceTagMappingList": [
                {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
                for arn, tags in mapping.items()
                if any(arn.split(":")[2].startswith(t.split(":")[0]) for t in params["ResourceTypeFilters"])
            ]
        },
    )


def test_a_function_sharing_a_bedrock_resources_tag_is_the_workloads(moto_aws, scope, canned) -> None:
    """Before: workloadTagged had no collector, so a function tied only by the workload tag was not the LLM
    workload's. After: a tag pair shared with an application inference profile ties it; an environment tag
    shared with it, or a tag no Bedrock resource carries, does not."""
    make_function("answer")
    make_function("thumbnailer")
    make_function("resizer")
    _tagging(
        canned,
        {
            PROFILE: {"app": "support-assistant", "env": "prod"},
            FN + "answer": {"app": "support-assistant"},
            FN + "thumbnailer": {"env": "prod"},  # environments tag half the account: never a tie
            FN + "resizer": {"app": "website"},
        },
    )
    data = _ctx(moto_aws, scope).section("lambda.functions")
    by = {f["name"]: f for f in data["functions"]}
    assert by["answer"]["workloadTagged"] is True and by["answer"]["workloadTags"] == [
        "app=support-assistant"
    ]
    assert by["answer"]["llm"] is True and "retries" in by["answer"]  # its detail is read as an LLM function
    assert by["thumbnailer"]["workloadTagged"] is False and by["resizer"]["workloadTagged"] is False
    assert data["tagsRead"] is True and data["workloadTagPairs"] == 1
    verdict = run_probe("llm_workload_found", snapshot(scope, lambda__functions=data), {})
    assert (
        verdict.value is True and "answer" in verdict.summary and "app=support-assistant" in verdict.summary
    )


def test_denied_tag_read_leaves_untied_functions_unknown(moto_aws, scope, canned) -> None:
    """tag:GetResources denied: the functions are still read, and 'no LLM function' becomes unknown."""
    make_function("thumbnailer")
    canned.deny("resourcegroupstaggingapi", "GetResources")
    data = _ctx(moto_aws, scope).section("lambda.functions")
    assert data["tagsRead"] is False and "workloadTagged" not in data["functions"][0]
    verdict = run_probe("lambda_timeouts_configured", snapshot(scope, lambda__functions=data), {})
    assert verdict.value is None and "tags of thumbnailer could not be read" in verdict.summary


def test_function_urls_of_llm_functions_are_read(moto_aws, scope) -> None:
    make_function("answer", llm=True)
    seed_client("lambda").create_function_url_config(FunctionName="answer", AuthType="AWS_IAM")
    make_function("other", llm=True)
    data = _ctx(moto_aws, scope).section("lambda.functions")
    by = {f["name"]: f for f in data["functions"]}
    assert by["answer"]["urls"] == [{"authType": "AWS_IAM", "alias": None}]
    assert by["other"]["urls"] == []


# -- L1.1 front doors beyond API Gateway -------------------------------------------------------------------

LLM_FN = {
    "name": "answer",
    "arn": FN + "answer",
    "roleActions": ["bedrock:InvokeModel"],
    "envNames": [],
    "retries": None,
    "urls": [],
}
OTHER_FN = {"name": "thumbnailer", "arn": FN + "thumbnailer", "roleActions": [], "envNames": []}
ALB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/chat/1"
NONE_ELSEWHERE = {
    "apigateway__rest_apis": {"apis": []},
    "apigateway__http_apis": {"apis": []},
    "elbv2__lambda_target_groups": {"groups": []},
    "appsync__graphql_apis": {"apis": []},
    "agentcore__runtimes": {"runtimes": []},
}


def _front(scope, functions=(LLM_FN, OTHER_FN), **sections):
    merged = {**NONE_ELSEWHERE, **sections}
    snap = snapshot(scope, lambda__functions={"functions": list(functions), "total": 2}, **merged)
    return run_probe("api_front_door_present", snap, {})


def test_no_front_door_at_all_is_not_met(scope) -> None:
    assert _front(scope).value is False


def test_alb_with_an_llm_function_target_is_a_front_door(scope) -> None:
    """Before: only API Gateway counted, so an ALB -> Lambda chat service read 'accessed directly'."""
    group = {"name": "chat-tg", "arn": "tg", "loadBalancers": [ALB], "targets": [FN + "answer"]}
    v = _front(scope, elbv2__lambda_target_groups={"groups": [group]})
    assert v.value is True and "chat-tg -> answer" in v.summary
    # a target group of a function not tied to the workload, or not behind any load balancer, proves nothing
    other = {**group, "targets": [FN + "thumbnailer"]}
    assert _front(scope, elbv2__lambda_target_groups={"groups": [other]}).value is False
    loose = {**group, "loadBalancers": []}
    assert _front(scope, elbv2__lambda_target_groups={"groups": [loose]}).value is False


def test_function_url_of_an_llm_function_is_a_front_door(scope) -> None:
    with_url = {**LLM_FN, "urls": [{"authType": "AWS_IAM", "alias": "live"}]}
    v = _front(scope, functions=(with_url, OTHER_FN))
    assert v.value is True and "function URL of LLM function answer" in v.summary
    # a URL on a function nothing ties to the workload is not the workload's front door
    url_other = {**OTHER_FN, "urls": [{"authType": "NONE", "alias": None}]}
    assert _front(scope, functions=(LLM_FN, url_other)).value is False
    # the URLs of an LLM function could not be read: unknown
    assert _front(scope, functions=({**LLM_FN, "urls": None}, OTHER_FN)).value is None


def test_appsync_with_a_bedrock_runtime_or_llm_lambda_data_source_is_a_front_door(scope) -> None:
    bedrock = {
        "name": "chat-gql",
        "id": "a1",
        "arn": "x",
        "dataSources": [{"name": "claude", "type": "AMAZON_BEDROCK_RUNTIME", "function": None}],
    }
    v = _front(scope, appsync__graphql_apis={"apis": [bedrock]})
    assert v.value is True and "chat-gql (data source claude)" in v.summary
    lam = {**bedrock, "dataSources": [{"name": "fn", "type": "AWS_LAMBDA", "function": FN + "answer"}]}
    assert _front(scope, appsync__graphql_apis={"apis": [lam]}).value is True
    shop = {
        **bedrock,
        "dataSources": [
            {"name": "db", "type": "AMAZON_DYNAMODB", "function": None},
            {"name": "fn", "type": "AWS_LAMBDA", "function": FN + "thumbnailer"},
        ],
    }
    assert _front(scope, appsync__graphql_apis={"apis": [shop]}).value is False
    assert _front(scope, appsync__graphql_apis={"apis": [{**bedrock, "dataSources": None}]}).value is None


def test_ready_agentcore_runtime_endpoint_is_a_front_door(scope) -> None:
    runtime = {"name": "support", "endpoints": [{"name": "prod", "status": "READY"}]}
    v = _front(scope, agentcore__runtimes={"runtimes": [runtime]})
    assert v.value is True and "support/prod" in v.summary
    failed = {"name": "support", "endpoints": [{"name": "prod", "status": "CREATE_FAILED"}]}
    assert _front(scope, agentcore__runtimes={"runtimes": [failed]}).value is False


def test_an_unread_front_door_source_is_unknown_never_not_met(scope) -> None:
    snap = snapshot(
        scope,
        lambda__functions={"functions": [LLM_FN], "total": 1},
        apigateway__rest_apis={"apis": []},
        apigateway__http_apis={"apis": []},
        appsync__graphql_apis={"apis": []},
        agentcore__runtimes={"runtimes": []},
    )  # elbv2 not collected
    v = run_probe("api_front_door_present", snap, {})
    assert v.value is None and "load balancer target groups" in v.summary


def test_lambda_target_groups_collected_from_moto(moto_aws, scope) -> None:
    ec2 = seed_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in ((1, "a"), (2, "b"))
    ]
    arn = make_function("answer", llm=True)
    elb = seed_client("elbv2")
    lb = elb.create_load_balancer(Name="chat", Subnets=subnets, Type="application")["LoadBalancers"][0]
    tg = elb.create_target_group(Name="chat-tg", TargetType="lambda")["TargetGroups"][0]
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": arn}])
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance")
    ctx = _ctx(moto_aws, scope)
    (group,) = ctx.section("elbv2.lambda_target_groups")["groups"]
    assert group["name"] == "chat-tg" and group["targets"] == [arn]
    assert group["loadBalancers"] == [lb["LoadBalancerArn"]]


def test_graphql_apis_keep_data_source_types_and_functions(moto_aws, scope, canned) -> None:
    """moto lists GraphQL APIs; ListDataSources (which it lacks) is a botocore-validated canned answer."""
    api = seed_client("appsync").create_graphql_api(name="chat-gql", authenticationType="API_KEY")
    api_id = api["graphqlApi"]["apiId"]
    canned.add(
        "appsync",
        "ListDataSources",
        lambda params: (
            {
                "dataSources": [
                    {
                        "name": "claude",
                        "type": "AMAZON_BEDROCK_RUNTIME",
                        "serviceRoleArn": "arn:aws:iam::1:role/r",
                    },
                    {
                        "name": "fn",
                        "type": "AWS_LAMBDA",
                        "lambdaConfig": {"lambdaFunctionArn": FN + "answer"},
                    },
                ]
            }
            if params["apiId"] == api_id
            else {"dataSources": []}
        ),
    )
    (got,) = _ctx(moto_aws, scope).section("appsync.graphql_apis")["apis"]
    assert got["name"] == "chat-gql" and got["dataSources"] == [
        {"name": "claude", "type": "AMAZON_BEDROCK_RUNTIME", "function": None},
        {"name": "fn", "type": "AWS_LAMBDA", "function": FN + "answer"},
    ]


def test_graphql_data_sources_denied_leave_that_api_unread(moto_aws, scope, canned) -> None:
    seed_client("appsync").create_graphql_api(name="chat-gql", authenticationType="API_KEY")
    canned.deny("appsync", "ListDataSources")
    (got,) = _ctx(moto_aws, scope).section("appsync.graphql_apis")["apis"]
    assert got["dataSources"] is None


# -- EventBridge Scheduler (L3.2, L4.1) --------------------------------------------------------------------

SFN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"
EVAL_FN = {"name": "eval-runner", "arn": FN + "eval-runner", "roleActions": ["bedrock:CreateEvaluationJob"]}
CHAT_FN = {"name": "chat", "arn": FN + "chat", "roleActions": ["bedrock:*"]}


def _scheduled(scope, schedules, rules=(), **extra):
    sections = {
        "events__rules": {"rules": list(rules)},
        "scheduler__schedules": {"schedules": schedules},
        "lambda__functions": {"functions": [EVAL_FN, CHAT_FN], "total": 2},
        "stepfunctions__state_machines": {"state_machines": []},
        **extra,
    }
    return run_probe("scheduled_evaluation_rules_present", snapshot(scope, **sections), {})


def _sch(target: str, state: str = "ENABLED") -> dict:
    return {
        "name": "nightly",
        "group": "evals",
        "state": state,
        "schedule": "cron(0 3 * * ? *)",
        "targets": [target],
    }


def test_a_scheduler_schedule_of_an_evaluation_runner_counts(scope) -> None:
    """Before: Scheduler was not read, so scheduled evaluations set up with it were not met."""
    v = _scheduled(scope, [_sch(FN + "eval-runner")])
    assert v.value is True and "evals/nightly" in v.summary and "eval-runner" in v.summary
    # the universal target that calls CreateEvaluationJob itself
    v = _scheduled(scope, [_sch("arn:aws:scheduler:::aws-sdk:bedrock:createEvaluationJob")])
    assert v.value is True and "bedrock:CreateEvaluationJob" in v.summary


def test_scheduler_schedules_that_prove_nothing(scope) -> None:
    # a disabled schedule, a function allowed only bedrock:* (not an evaluation runner), a name alone
    assert _scheduled(scope, [_sch(FN + "eval-runner", state="DISABLED")]).value is False
    assert _scheduled(scope, [_sch(FN + "chat")]).value is False
    named = {**_sch(f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"), "name": "llm-eval-nightly"}
    assert _scheduled(scope, [named]).value is False


def test_unread_scheduler_is_unknown_not_not_met(scope) -> None:
    snap = snapshot(
        scope,
        events__rules={"rules": []},
        lambda__functions={"functions": [EVAL_FN], "total": 1},
        stepfunctions__state_machines={"state_machines": []},
    )
    v = run_probe("scheduled_evaluation_rules_present", snap, {})
    assert v.value is None and "Scheduler" in v.summary


def test_scheduler_collector_reads_targets_and_expressions_from_moto(moto_aws, scope) -> None:
    sch = seed_client("scheduler")
    sch.create_schedule_group(Name="evals")
    role = f"arn:aws:iam::{ACCOUNT}:role/scheduler"
    sch.create_schedule(
        Name="nightly",
        GroupName="evals",
        ScheduleExpression="cron(0 3 * * ? *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": FN + "eval-runner", "RoleArn": role, "Input": '{"prompt": "secret text"}'},
    )
    sch.create_schedule(
        Name="backup",
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", "RoleArn": role},
    )
    data = _ctx(moto_aws, scope).section("scheduler.schedules")
    by = {s["name"]: s for s in data["schedules"]}
    assert by["nightly"]["schedule"] == "cron(0 3 * * ? *)" and by["nightly"]["targets"] == [
        FN + "eval-runner"
    ]
    assert by["nightly"]["group"] == "evals" and by["nightly"]["detail"] is True
    assert by["backup"]["detail"] is False  # an SQS target cannot start an evaluation: no GetSchedule
    assert "secret text" not in str(data)


# -- guardrails enforced by IAM: bedrock:GuardrailIdentifier (L1.6, L3.4, L4.4) ---------------------------

GR = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/gr1"
MODEL = f"arn:aws:bedrock:{REGION}::foundation-model/*"


def _allow(
    condition: dict | None = None, action=("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
):
    st = {"Effect": "Allow", "Action": list(action), "Resource": MODEL}
    return {**st, "Condition": condition} if condition else st


def test_guardrails_required_reads_the_documented_patterns() -> None:
    from llmops_audit.collectors.compute import guardrails_required

    equals = {"StringEquals": {"bedrock:GuardrailIdentifier": f"{GR}:1"}}
    # the Bedrock user guide's pattern: Allow with StringEquals, Deny with StringNotEquals
    deny = {
        "Effect": "Deny",
        "Action": ["bedrock:InvokeModel"],
        "Resource": MODEL,
        "Condition": {"StringNotEquals": {"bedrock:GuardrailIdentifier": f"{GR}:1"}},
    }
    assert guardrails_required([{"Statement": [_allow(equals), deny]}]) == [f"{GR}:1"]
    assert guardrails_required([{"Statement": [_allow(), deny]}]) == [f"{GR}:1"]  # the Deny wins
    assert guardrails_required([{"Statement": [_allow(equals)]}]) == [f"{GR}:1"]  # every Allow conditioned
    # a second, unconditioned Allow (in another policy) lets calls through without the guardrail
    assert (
        guardrails_required([{"Statement": [_allow(equals)]}, {"Statement": [_allow(action=["bedrock:*"])]}])
        == []
    )
    # a negative operator on an Allow, or a Null condition, names no guardrail that must be used
    assert (
        guardrails_required(
            [{"Statement": [_allow({"StringNotEquals": {"bedrock:GuardrailIdentifier": GR}})]}]
        )
        == []
    )
    null = {**deny, "Condition": {"Null": {"bedrock:GuardrailIdentifier": "true"}}}
    assert guardrails_required([{"Statement": [_allow(), null]}]) == []
    assert guardrails_required([{"Statement": [_allow()]}]) == []


def _guardrail(action: str = "BLOCK", pii: bool = False) -> dict:
    policy = {
        "grounding_filters": [{"type": "GROUNDING", "threshold": 0.8, "action": action, "enabled": True}],
        "pii_entities": [{"type": "EMAIL", "action": "ANONYMIZE"}] if pii else [],
    }
    return {
        "id": "gr1",
        "name": "support-gr",
        "arn": GR,
        "status": "READY",
        "versions": ["1"],
        "detail_version": "1",
        **policy,
        "version_details": {"1": {"status": "READY", **policy}},
    }


def _iam(scope, required, guardrail=None, policy="grounding"):
    fn = {
        "name": "answer",
        "arn": FN + "answer",
        "roleActions": ["bedrock:InvokeModel"],
        "roleGuardrails": required,
    }
    snap = snapshot(
        scope,
        lambda__functions={"functions": [fn], "total": 1},
        bedrock__guardrails={"guardrails": [guardrail or _guardrail()], "errors": []},
    )
    return run_probe("guardrail_required_by_iam", snap, {"policy": policy})


def test_a_guardrail_required_by_iam_counts_when_it_blocks(scope) -> None:
    """Before: a guardrail enforced through bedrock:GuardrailIdentifier was never seen (L1.6 met, L4.4 not)."""
    v = _iam(scope, [f"{GR}:1"])
    assert v.value is True and "support-gr v1" in v.summary and "answer" in v.summary
    assert _iam(scope, [f"{GR}:1"], _guardrail(pii=True), policy="pii").value is True


def test_a_guardrail_required_by_iam_that_proves_nothing(scope) -> None:
    assert _iam(scope, [f"{GR}:1"], _guardrail(action="NONE")).value is False  # detect mode only
    assert _iam(scope, [f"{GR}:1"], policy="pii").value is False  # no PII policy
    assert _iam(scope, []).value is False  # no condition: calls without a guardrail are allowed
    assert _iam(scope, None).value is None  # the role was not read
    assert _iam(scope, [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/*"]).value is None  # a pattern
    assert _iam(scope, [f"arn:aws:bedrock:{REGION}:999999999999:guardrail/other:1"]).value is None


def test_level_rules_accept_the_iam_enforced_guardrail(scope) -> None:
    from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework

    items = {i.id: i for i in load_framework(builtin_levels_dir()).items}
    for item, policy in (("L1.6", "grounding"), ("L4.4", "grounding"), ("L3.4", "pii")):
        rule = repr(items[item].rule)
        assert "guardrail_required_by_iam" in rule and f"'{policy}'" in rule, (item, rule)


def test_collector_keeps_the_required_guardrail_of_a_role(moto_aws, scope) -> None:
    import json

    iam = seed_client("iam")
    from tests.collectors.test_compute import TRUST

    iam.create_role(RoleName="answer-role", AssumeRolePolicyDocument=TRUST)
    doc = {
        "Version": "2012-10-17",
        "Statement": [_allow({"StringEquals": {"bedrock:GuardrailIdentifier": f"{GR}:1"}})],
    }
    iam.put_role_policy(RoleName="answer-role", PolicyName="invoke", PolicyDocument=json.dumps(doc))
    make_function("answer", Role=f"arn:aws:iam::{ACCOUNT}:role/answer-role")
    (fn,) = _ctx(moto_aws, scope).section("lambda.functions")["functions"]
    assert fn["roleGuardrails"] == [f"{GR}:1"] and fn["llm"] is True


# -- evaluations outside AWS (L1.3, L3.2) and the account without LLM use (L4.3, L4.4) -------------------


def test_evaluation_score_metric_names_make_l1_3_and_l3_2_unknown_never_met(scope) -> None:
    """Before: no Bedrock evaluation job made L1.3 met and L3.2 not met even when a CI job publishes scores."""
    from llmops_audit.collectors.evaluation_signals import SCORE_WORDS, words

    assert words("FaithfulnessScore") & SCORE_WORDS and words("Assistant/Evals") & SCORE_WORDS
    # look-alikes: "retrieval" contains the letters eval, a geocoding confidence is not a score of model output
    assert (
        not words("kb-retrieval-refresh") & SCORE_WORDS and not words("LowConfidenceGeocodes") & SCORE_WORDS
    )

    def probe(metrics, complete=True):
        data = {"metrics": metrics, "complete": complete, "listed": 10}
        snap = snapshot(scope, cloudwatch__evaluation_score_metrics=data)
        return run_probe("evaluation_score_metrics_published", snap, {})

    v = probe([{"namespace": "Assistant/Evals", "metric": "FaithfulnessScore"}])
    assert v.value is None and "attest" in v.summary
    assert probe([]).value is False
    assert probe([], complete=False).value is None


def test_evaluation_score_metrics_collected_from_moto(moto_aws, scope) -> None:
    cw = seed_client("cloudwatch")
    cw.put_metric_data(Namespace="Assistant/Evals", MetricData=[{"MetricName": "EvalPassRate", "Value": 0.9}])
    cw.put_metric_data(Namespace="Shop/Geo", MetricData=[{"MetricName": "LowConfidenceGeocodes", "Value": 1}])
    data = _ctx(moto_aws, scope).section("cloudwatch.evaluation_score_metrics")
    assert data["metrics"] == [{"namespace": "Assistant/Evals", "metric": "EvalPassRate"}]
