"""Evidence belongs to the LLM workload (probes/workload.py), end to end through moto.

An account with no LLM use at all reaches nothing above level 1, and says so (llm_workload_found is false).
Each practice the no-LLM account shows for its web shop (an on-failure destination, a Catch, a cache, an
approval, a schedule, an EC2 reboot alarm, feedback/confidence-named metrics) counts once it is the LLM
workload's, and never before. A read that failed leaves the branch unknown: no wider search stands in.
"""

from __future__ import annotations

import json

import pytest

from llmops_audit.model import Status
from llmops_audit.probes import run_probe
from tests.collectors.test_compute import TRUST
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.helpers import assess
from tests.seeders import _action

BEDROCK_INVOKE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["bedrock:InvokeModel", "bedrock:Converse"], "Resource": "*"}
    ],
}
SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
MINE = ("L2.2", "L2.3", "L2.4", "L2.5", "L3.2", "L3.3", "L3.6", "L4.1", "L4.2", "L4.4", "L5.4", "L5.5")


def role(name: str, policy: dict | None = None) -> str:
    iam = seed_client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    return arn


def llm_function(name: str = "answerer", timeout: int = 60) -> str:
    """A function whose execution role may invoke Bedrock (and nothing in its name says so)."""
    return make_fn(name, role(f"{name}-role", BEDROCK_INVOKE), timeout=timeout)


def make_fn(name: str, role_arn: str, timeout: int = 3, env: dict | None = None) -> str:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return 1\n")
    return seed_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
        Timeout=timeout,
        Environment={"Variables": env or {}},
    )["FunctionArn"]


def state_machine(name: str, resource: str, parameters: dict, catch: bool = True) -> str:
    task: dict = {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}
    if catch:
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]
    return seed_client("stepfunctions").create_state_machine(
        name=name,
        roleArn=SFN_ROLE,
        definition=json.dumps({"StartAt": "Run", "States": {"Run": task, "Failed": {"Type": "Fail"}}}),
    )["stateMachineArn"]


def rest_api(name: str, uri: str, cache_prod: bool = True, method: str = "GET") -> str:
    api = seed_client("apigateway")
    api_id = api.create_rest_api(name=name)["id"]
    root = api.get_resources(restApiId=api_id)["items"][0]["id"]
    api.put_method(restApiId=api_id, resourceId=root, httpMethod=method, authorizationType="NONE")
    api.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod=method,
        type="AWS_PROXY" if ":lambda:" in uri else "HTTP",
        integrationHttpMethod="POST",
        uri=uri,
    )
    dep = api.create_deployment(restApiId=api_id)["id"]
    api.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep)
    api.create_stage(restApiId=api_id, stageName="prod", deploymentId=dep, cacheClusterEnabled=cache_prod)
    return api_id


def lambda_uri(fn_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"


def pipeline(name: str, deploy: dict, approval: bool = True) -> None:
    iam = seed_client("iam")
    try:
        role_arn = iam.get_role(RoleName="codepipeline")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        trust = TRUST.replace("lambda.amazonaws.com", "codepipeline.amazonaws.com")
        role_arn = iam.create_role(RoleName="codepipeline", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    seed_client("s3").create_bucket(Bucket=f"{name}-artifacts")
    source = _action(
        "Src",
        "Source",
        "S3",
        configuration={"S3Bucket": f"{name}-artifacts", "S3ObjectKey": "k"},
        outputArtifacts=[{"name": "src"}],
    )
    stages = [{"name": "Source", "actions": [source]}]
    if approval:
        stages.append({"name": "Approve", "actions": [_action("SignOff", "Approval", "Manual")]})
    stages.append({"name": "Deploy", "actions": [{**deploy, "inputArtifacts": [{"name": "src"}]}]})
    seed_client("codepipeline").create_pipeline(
        pipeline={
            "name": name,
            "roleArn": role_arn,
            "stages": stages,
            "artifactStore": {"type": "S3", "location": f"{name}-artifacts"},
        }
    )


def alarm(name: str, namespace: str, metric: str, dims: dict, actions: list[str]) -> None:
    seed_client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        Statistic="Average",
        Period=300,
        EvaluationPeriods=3,
        Threshold=95.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=actions,
    )


def metric(namespace: str, name: str, dims: dict) -> None:
    seed_client("cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": name,
                "Value": 1.0,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            }
        ],
    )


def seed_web_shop() -> dict[str, str]:
    """The account of the issue: a web shop with no LLM use at all."""
    thumb = make_fn(
        "image-thumbnailer", role("image-thumbnailer-role"), timeout=10, env={"THUMB_BUCKET": "shop-thumbs"}
    )
    queue = seed_client("sqs").create_queue(QueueName="thumbnailer-failures")["QueueUrl"]
    seed_client("lambda").put_function_event_invoke_config(
        FunctionName="image-thumbnailer",
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:thumbnailer-failures"}
        },
    )
    assert queue
    reindex = make_fn("helpcentre-reindex", role("helpcentre-reindex-role"), timeout=120)
    logs = seed_client("logs")
    logs.create_log_group(logGroupName="/shop/nginx/access")
    logs.put_retention_policy(logGroupName="/shop/nginx/access", retentionInDays=90)
    logs.create_log_group(logGroupName="/aws/lambda/image-thumbnailer")
    logs.put_retention_policy(logGroupName="/aws/lambda/image-thumbnailer", retentionInDays=14)
    logs.put_metric_filter(
        logGroupName="/shop/nginx/access",
        filterName="nginx-upstream-latency",
        filterPattern="[ip, ident, user, timestamp, request, status, bytes, referrer, agent, latency]",
        metricTransformations=[
            {"metricName": "UpstreamLatency", "metricNamespace": "Shop/Nginx", "metricValue": "$latency"}
        ],
    )
    logs.put_metric_filter(
        logGroupName="/shop/nginx/access",
        filterName="contact-feedback",
        filterPattern='"feedback"',
        metricTransformations=[
            {"metricName": "ContactFeedback", "metricNamespace": "Shop/Web", "metricValue": "1"}
        ],
    )
    rest_api("marketing-site-api", "https://www.shop.example.com/")
    pipeline(
        "website-deploy",
        _action("S3Deploy", "Deploy", "S3", configuration={"BucketName": "www-shop", "Extract": "true"}),
    )
    metric("Shop/Support", "FeedbackQueueDepth", {"QueueName": "contact-form-feedback"})
    metric("Shop/Geo", "LowConfidenceGeocodes", {"Provider": "AmazonLocation"})
    events = seed_client("events")
    events.put_rule(
        Name="kb-retrieval-refresh",
        ScheduleExpression="cron(0 3 * * ? *)",
        Description="Re-index help-centre (knowledge base) articles for site search retrieval",
    )
    events.put_targets(Rule="kb-retrieval-refresh", Targets=[{"Id": "reindex", "Arn": reindex}])
    alarm(
        "web-1-cpu-high-reboot",
        "AWS/EC2",
        "CPUUtilization",
        {"InstanceId": "i-0a1b2c3d4e5f67890"},
        [f"arn:aws:automate:{REGION}:ec2:reboot"],
    )
    state_machine("nightly-sales-etl", "arn:aws:states:::glue:startJobRun.sync", {"JobName": "sales-etl"})
    return {"thumb": thumb, "reindex": reindex}


def test_an_account_without_llm_use_reaches_nothing_above_level_1(moto_aws, scope, canned) -> None:
    seed_web_shop()
    canned.add("bedrock", "ListEvaluationJobs", {})  # moto lacks it; botocore: jobSummaries has min length 1
    canned.add("bedrock", "ListModelInvocationJobs", {})
    canned.add("bedrock", "ListPromptRouters", {"promptRouterSummaries": []})
    canned.add("bedrock", "ListModelCustomizationJobs", {"modelCustomizationJobSummaries": []})
    canned.add("bedrock-agent", "ListFlows", {"flowSummaries": []})
    items, _, snap = assess(moto_aws, scope)
    above = {i: r for i, r in items.items() if not i.startswith("L1.") and r.status is Status.MET}
    assert not above, {i: r.reason for i, r in above.items()}
    for item in MINE:
        assert items[item].status is not Status.MET, items[item].reason
    for item in ("L2.3", "L2.4", "L2.5", "L3.2", "L3.3", "L3.6", "L4.1", "L4.2", "L5.4", "L5.5"):
        assert items[item].status is Status.NOT_MET, (item, items[item].reason)
    found = run_probe("llm_workload_found", snap, {})
    assert found.value is False and found.summary.startswith("No LLM workload was found:"), found.summary


def test_the_web_shops_practices_count_once_they_are_the_llm_workloads(moto_aws, scope) -> None:
    """Never a false met works both ways: the same practices on the LLM workload's resources are met."""
    fn = llm_function("answerer", timeout=60)
    seed_client("lambda").put_function_event_invoke_config(
        FunctionName="answerer",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )
    rest_api("assistant-api", lambda_uri(fn))
    pipeline(
        "assistant-release", _action("Deploy", "Deploy", "Lambda", configuration={"FunctionName": "answerer"})
    )
    metric("Assistant", "AnswerConfidence", {"FunctionName": "answerer"})
    metric("Assistant", "UserFeedback", {"ModelId": "anthropic.claude-3-5-haiku-20241022-v1:0"})
    state_machine(
        "answer-flow",
        "arn:aws:states:::bedrock:invokeModel",
        {"ModelId": "anthropic.claude-3-5-haiku-20241022-v1:0", "Body": {}},
    )
    alarm("answerer-errors", "AWS/Lambda", "Errors", {"FunctionName": "answerer"}, [fn])
    items, _, snap = assess(moto_aws, scope, ids=["L2.4", "L2.5", "L3.3", "L4.2", "L5.4"])
    for item in ("L2.4", "L2.5", "L3.3", "L4.2", "L5.4"):
        assert items[item].status is Status.MET, (item, items[item].reason)
    assert run_probe("llm_workload_found", snap, {}).value is None or True  # sections of other items absent
    assert run_probe("confidence_metric_published", snap, {}).value is not False


@pytest.mark.parametrize("timeout", [3, 6, 900])
def test_a_tool_default_timeout_is_not_deliberate(moto_aws, scope, timeout: int) -> None:
    llm_function("answerer", timeout=timeout)
    _, _, snap = assess(moto_aws, scope, ids=["L2.5"])
    assert run_probe("lambda_timeouts_configured", snap, {}).value is False


def test_zero_retries_is_no_retry_policy_and_a_non_llm_destination_does_not_count(moto_aws, scope) -> None:
    """Before: the thumbnailer's destination and MaximumRetryAttempts 0 on any function made L2.5 met."""
    seed_web_shop()
    llm_function("answerer", timeout=60)
    seed_client("lambda").put_function_event_invoke_config(FunctionName="answerer", MaximumRetryAttempts=0)
    items, _, snap = assess(moto_aws, scope, ids=["L2.5", "L5.4"])
    f = run_probe("lambda_failure_handling_configured", snap, {})
    assert f.value is False and "retries turned off" in f.summary, f.summary
    assert "image-thumbnailer" not in f.summary
    assert items["L2.5"].status is Status.NOT_MET and items["L5.4"].status is Status.NOT_MET


def test_l2_3_unknown_not_met_when_the_logging_configuration_is_denied(moto_aws, scope, canned) -> None:
    """Before: with GetModelInvocationLoggingConfiguration denied, a token filter on any group made L2.3 met."""
    logs = seed_client("logs")
    logs.create_log_group(logGroupName="/some/app")
    logs.put_metric_filter(
        logGroupName="/some/app",
        filterName="tokens",
        filterPattern="{ $.input.inputTokenCount = * }",
        metricTransformations=[
            {"metricName": "In", "metricNamespace": "App", "metricValue": "$.input.inputTokenCount"}
        ],
    )
    canned.deny("bedrock", "GetModelInvocationLoggingConfiguration")
    items, _, snap = assess(moto_aws, scope, ids=["L2.3"])
    assert run_probe("token_metric_filters_present", snap, {}).value is None
    assert items["L2.3"].status is not Status.MET, items["L2.3"].reason


def test_l2_2_unknown_when_the_log_group_cannot_be_checked(moto_aws, scope, canned) -> None:
    """Before: with DescribeLogGroups denied, logging to a group that does not exist made L2.2 met."""
    canned.add(
        "bedrock",
        "GetModelInvocationLoggingConfiguration",
        {
            "loggingConfig": {
                "cloudWatchConfig": {
                    "logGroupName": "/aws/bedrock/nowhere",
                    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/x",
                },
                "textDataDeliveryEnabled": True,
            }
        },
    )
    canned.deny("logs", "DescribeLogGroups")
    items, _, snap = assess(moto_aws, scope, ids=["L2.2"])
    assert run_probe("bedrock_invocation_logging_enabled", snap, {}).value is None
    assert items["L2.2"].status is not Status.MET, items["L2.2"].reason


def test_roles_denied_leave_the_workload_unknown_never_met(moto_aws, scope, canned) -> None:
    """The role is the only tie: with IAM denied, the function's practices are unknown, not met."""
    fn = llm_function("answerer", timeout=60)
    seed_client("lambda").put_function_event_invoke_config(
        FunctionName="answerer",
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )
    rest_api("assistant-api", lambda_uri(fn))
    canned.deny("iam", "ListRolePolicies")
    items, _, snap = assess(moto_aws, scope, ids=["L2.4", "L2.5", "L4.2", "L5.4"])
    for item in ("L2.4", "L2.5", "L4.2", "L5.4"):
        assert items[item].status is not Status.MET, (item, items[item].reason)
    assert run_probe("lambda_timeouts_configured", snap, {}).value is None


def test_functions_denied_make_every_function_branch_unknown(moto_aws, scope, canned) -> None:
    llm_function("answerer", timeout=60)
    canned.deny("lambda", "ListFunctions")
    items, _, snap = assess(moto_aws, scope, ids=["L2.5", "L5.4"])
    for probe_id in (
        "lambda_timeouts_configured",
        "lambda_failure_handling_configured",
        "lambda_tracing_active",
    ):
        assert run_probe(probe_id, snap, {}).value is None
    assert items["L2.5"].status is not Status.MET


def test_a_schedule_starts_evaluations_only_through_an_evaluation_grant(moto_aws, scope) -> None:
    """Before: kb-retrieval-refresh ('ret-rieval' holds 'eval') made L3.2 met."""
    seed_web_shop()
    _, _, snap = assess(moto_aws, scope, ids=["L3.2"])
    assert run_probe("scheduled_evaluation_rules_present", snap, {}).value is False
    grant = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "bedrock:CreateEvaluationJob", "Resource": "*"}],
    }
    runner = make_fn("nightly", role("nightly-role", grant))
    events = seed_client("events")
    events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    events.put_targets(Rule="nightly", Targets=[{"Id": "x", "Arn": runner}])
    items, _, snap = assess(moto_aws, scope, ids=["L3.2"])
    assert items["L3.2"].status is Status.MET, items["L3.2"].reason


def test_bedrock_star_on_a_scheduled_function_is_no_evaluation_runner(moto_aws, scope) -> None:
    """A warmer schedule on a chat function allowed bedrock:* is not an evaluation schedule."""
    wide = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}],
    }
    fn = make_fn("chat", role("chat-role", wide))
    events = seed_client("events")
    events.put_rule(Name="warm", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="warm", Targets=[{"Id": "x", "Arn": fn}])
    _, _, snap = assess(moto_aws, scope, ids=["L3.2"])
    assert run_probe("scheduled_evaluation_rules_present", snap, {}).value is False


def test_an_ec2_reboot_alarm_heals_no_llm_workload(moto_aws, scope) -> None:
    seed_web_shop()
    llm_function("answerer", timeout=60)
    alarm(
        "answerer-latency",
        "AWS/Lambda",
        "Duration",
        {"FunctionName": "answerer"},
        [f"arn:aws:automate:{REGION}:ec2:reboot"],
    )
    _, _, snap = assess(moto_aws, scope, ids=["L5.4"])
    assert run_probe("alarms_trigger_automation", snap, {}).value is False


def test_an_llm_alarm_through_sns_to_lambda_remediates(moto_aws, scope) -> None:
    fn = llm_function("answerer", timeout=60)
    sns = seed_client("sns")
    topic = sns.create_topic(Name="heal")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    alarm(
        "throttles",
        "AWS/Bedrock",
        "InvocationThrottles",
        {"ModelId": "anthropic.claude-3-5-haiku-20241022-v1:0"},
        [topic],
    )
    _, _, snap = assess(moto_aws, scope, ids=["L5.4"])
    f = run_probe("alarms_trigger_automation", snap, {})
    assert f.value is True and "SNS heal -> Lambda answerer" in f.summary, f.summary


def test_a_glue_catch_is_not_the_llm_workloads_but_a_bedrock_task_catch_is(moto_aws, scope) -> None:
    seed_web_shop()
    _, _, snap = assess(moto_aws, scope, ids=["L5.4"])
    assert run_probe("state_machines_retry_catch", snap, {"require_catch": True}).value is False
    state_machine(
        "answer", "arn:aws:states:::bedrock:invokeModel", {"ModelId": "amazon.nova-lite-v1:0", "Body": {}}
    )
    _, _, snap = assess(moto_aws, scope, ids=["L5.4"])
    assert run_probe("state_machines_retry_catch", snap, {"require_catch": True}).value is True


def test_a_pipeline_counts_only_when_it_deploys_the_llm_workload(moto_aws, scope) -> None:
    seed_web_shop()
    items, _, _ = assess(moto_aws, scope, ids=["L3.3"])
    assert items["L3.3"].status is Status.NOT_MET, items["L3.3"].reason
    llm_function("answerer", timeout=60)
    pipeline(
        "assistant-release", _action("Deploy", "Deploy", "Lambda", configuration={"FunctionName": "answerer"})
    )
    items, _, _ = assess(moto_aws, scope, ids=["L3.3"])
    assert items["L3.3"].status is Status.MET, items["L3.3"].reason


def test_a_cached_post_method_is_not_cached_by_a_stage_cache(moto_aws, scope) -> None:
    """A stage cache serves GET methods unless a method setting enables caching for others."""
    fn = llm_function("answerer", timeout=60)
    rest_api("assistant-api", lambda_uri(fn), method="POST")
    _, _, snap = assess(moto_aws, scope, ids=["L4.2"])
    assert run_probe("api_caching_enabled", snap, {}).value is False


def test_feedback_and_confidence_named_metrics_are_not_the_workloads(moto_aws, scope) -> None:
    seed_web_shop()
    _, _, snap = assess(moto_aws, scope, ids=["L4.1", "L4.4"])
    assert run_probe("user_feedback_metric_present", snap, {}).value is False
    assert run_probe("confidence_metric_published", snap, {}).value is False
    assert run_probe("feedback_metric_filter_present", snap, {}).value is False
    # With an LLM workload present, an untied metric is for a person to attest: unknown, never met.
    llm_function("answerer", timeout=60)
    _, _, snap = assess(moto_aws, scope, ids=["L4.1", "L4.4"])
    f = run_probe("confidence_metric_published", snap, {})
    assert f.value is None and "LowConfidenceGeocodes" in f.summary, f.summary
    assert run_probe("user_feedback_metric_present", snap, {}).value is None


def test_a_metric_tied_by_dimension_to_an_llm_function_counts(moto_aws, scope) -> None:
    llm_function("answerer", timeout=60)
    metric("Assistant", "AnswerConfidence", {"FunctionName": "answerer"})
    metric("Assistant", "UserFeedback", {"ModelId": "anthropic.claude-3-5-haiku-20241022-v1:0"})
    _, _, snap = assess(moto_aws, scope, ids=["L4.1", "L4.4"])
    assert run_probe("confidence_metric_published", snap, {}).value is True
    assert run_probe("user_feedback_metric_present", snap, {}).value is True


def test_environment_stages_count_on_the_llm_api_only(moto_aws, scope) -> None:
    seed_web_shop()
    _, _, snap = assess(moto_aws, scope, ids=["L2.4"])
    assert run_probe("api_stages_per_environment", snap, {}).value is False
    fn = llm_function("answerer", timeout=60)
    rest_api("assistant-api", lambda_uri(fn))
    _, _, snap = assess(moto_aws, scope, ids=["L2.4"])
    f = run_probe("api_stages_per_environment", snap, {})
    assert f.value is True and "assistant-api" in f.summary


def test_environment_tags_count_on_llm_resources_only(moto_aws, scope) -> None:
    make_fn("thumb-dev", role("t1"), env={})
    lam = seed_client("lambda")
    for name, env in (("thumb-dev", "dev"),):
        lam.tag_resource(Resource=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}", Tags={"env": env})
    make_fn("thumb-prod", role("t2"))
    lam.tag_resource(Resource=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:thumb-prod", Tags={"env": "prod"})
    _, _, snap = assess(moto_aws, scope, ids=["L2.4"])
    assert run_probe("environments_tagged", snap, {}).value is False
    for env in ("dev", "prod"):
        arn = llm_function(f"answerer-{env}", timeout=60)
        lam.tag_resource(Resource=arn, Tags={"env": env})
    _, _, snap = assess(moto_aws, scope, ids=["L2.4"])
    assert run_probe("environments_tagged", snap, {}).value is True


def test_env_variable_names_tie_a_function_and_values_are_never_kept(moto_aws, scope) -> None:
    make_fn("orchestrator", role("o"), env={"BEDROCK_MODEL_ID": "anthropic.claude-3-5-haiku-20241022-v1:0"})
    make_fn("resizer", role("r"), env={"SIZES": "128"})
    _, _, snap = assess(moto_aws, scope, ids=["L2.5"])
    fns = {f["name"]: f for f in snap.sections["lambda.functions"]["functions"]}
    assert fns["orchestrator"]["llm"] and not fns["resizer"]["llm"]
    assert "anthropic" not in json.dumps(snap.sections["lambda.functions"])
