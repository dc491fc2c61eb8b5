"""Amazon Bedrock control-plane evidence: invocation logging, guardrails, evaluation jobs and their scores,
inference profiles, prompt routers, batch and customization jobs. No prompt or response text is kept.

bedrock.evaluation_jobs: {"jobs": [{"name", "arn", "status", "jobType", "applicationType", "created",
    "metrics": [...], "judge": bool, "scores": {metricName: {"mean", "records", "values": [...]}}}]}
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_DETAIL = 20
MAX_RECORDS = 5000
MAX_BYTES = 20 * 1024 * 1024


def _ts(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def invocation_logging(ctx: CollectContext) -> dict[str, Any]:
    cfg = ctx.aws.call("bedrock", "get_model_invocation_logging_configuration").get("loggingConfig") or {}
    cw = cfg.get("cloudWatchConfig") or {}
    s3 = cfg.get("s3Config") or {}
    group, bucket = cw.get("logGroupName") or None, s3.get("bucketName") or None
    return {
        "enabled": bool(group or bucket), "logGroupName": group, "s3Bucket": bucket,
        "textDataDeliveryEnabled": bool(cfg.get("textDataDeliveryEnabled")),
        "largeDataBucket": (cw.get("largeDataDeliveryS3Config") or {}).get("bucketName"),
    }


def _guardrail_detail(g: dict[str, Any]) -> dict[str, Any]:
    content = g.get("contentPolicy") or {}
    pii = g.get("sensitiveInformationPolicy") or {}
    grounding = g.get("contextualGroundingPolicy") or {}
    ar = g.get("automatedReasoningPolicy") or {}
    return {
        "contentFilters": [f.get("type") for f in content.get("filters", [])],
        "piiEntities": [{"type": e.get("type"), "action": e.get("action")} for e in pii.get("piiEntities", [])],
        "regexes": len(pii.get("regexes", [])),
        "groundingFilters": [{"type": f.get("type"), "threshold": f.get("threshold")}
                             for f in grounding.get("filters", []) if f.get("enabled", True)],
        "automatedReasoningPolicies": list(ar.get("policies", [])),
        "topics": len((g.get("topicPolicy") or {}).get("topics", [])),
    }


def guardrails(ctx: CollectContext) -> dict[str, Any]:
    out = []
    listed = [g for page in ctx.aws.paginate("bedrock", "list_guardrails", max_pages=10)
              for g in page.get("guardrails", [])]
    for g in listed[:MAX_DETAIL]:
        versions = sorted({v.get("version") for page in ctx.aws.paginate(
            "bedrock", "list_guardrails", guardrailIdentifier=g["id"], max_pages=5) for v in page.get("guardrails", [])})
        numbered = [v for v in versions if v and v != "DRAFT"]
        latest = max(numbered, key=lambda v: int(v) if v.isdigit() else 0) if numbered else "DRAFT"
        detail = ctx.aws.call("bedrock", "get_guardrail", guardrailIdentifier=g["id"], guardrailVersion=latest)
        out.append({"id": g["id"], "arn": g.get("arn"), "name": g.get("name"), "status": g.get("status"),
                    "versions": versions, "detailVersion": latest, **_guardrail_detail(detail)})
    return {"guardrails": out, "total": len(listed)}


def enforced_guardrails(ctx: CollectContext) -> dict[str, Any]:
    resp = ctx.aws.call("bedrock", "list_enforced_guardrails_configuration")
    return {"configs": [{"guardrailId": c.get("guardrailId"), "version": c.get("guardrailVersion")}
                        for c in resp.get("guardrailsConfig", [])]}


def _scores(ctx: CollectContext, s3_uri: str, job_name: str) -> dict[str, Any]:
    """Mean score per metric from the job's *_output.jsonl files in S3 (input and output text are skipped)."""
    if not s3_uri.startswith("s3://"):
        return {}
    bucket, _, prefix = s3_uri[5:].partition("/")
    prefix = prefix.rstrip("/") + "/" + job_name if prefix else job_name
    keys = [o["Key"] for page in ctx.aws.paginate("s3", "list_objects_v2", Bucket=bucket, Prefix=prefix,
                                                   token_in="ContinuationToken", token_out="NextContinuationToken",
                                                   max_pages=10)
            for o in page.get("Contents", []) if o["Key"].endswith("_output.jsonl")]
    values: dict[str, list[float]] = {}
    read = records = 0
    for key in keys[:20]:
        body = ctx.aws.call("s3", "get_object", Bucket=bucket, Key=key)["Body"].read(MAX_BYTES - read)
        read += len(body)
        for line in body.decode("utf-8", "replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            records += 1
            for s in (rec.get("automatedEvaluationResult") or {}).get("scores", []):
                if isinstance(s.get("result"), int | float):
                    values.setdefault(s["metricName"], []).append(float(s["result"]))
            if records >= MAX_RECORDS or read >= MAX_BYTES:
                break
    return {m: {"mean": sum(v) / len(v), "records": len(v), "values": v} for m, v in values.items()}


def evaluation_jobs(ctx: CollectContext) -> dict[str, Any]:
    since = min(ctx.scope.start, datetime.now(UTC) - timedelta(days=365))
    summaries = [j for page in ctx.aws.paginate("bedrock", "list_evaluation_jobs", creationTimeAfter=since,
                                                 max_pages=10) for j in page.get("jobSummaries", [])]
    jobs, errors = [], []
    for j in summaries:
        job: dict[str, Any] = {"name": j.get("jobName"), "arn": j.get("jobArn"), "status": j.get("status"),
                               "jobType": j.get("jobType"), "applicationType": j.get("applicationType"),
                               "created": _ts(j.get("creationTime")), "metrics": [], "judge": False, "scores": {}}
        if j.get("status") == "Completed" and len([x for x in jobs if x["scores"] or x["metrics"]]) < MAX_DETAIL:
            try:
                d = ctx.aws.call("bedrock", "get_evaluation_job", jobIdentifier=j["jobArn"])
                auto = (d.get("evaluationConfig") or {}).get("automated") or {}
                job["metrics"] = sorted({m for c in auto.get("datasetMetricConfigs", []) for m in c.get("metricNames", [])})
                job["judge"] = bool((auto.get("evaluatorModelConfig") or {}).get("bedrockEvaluatorModels"))
                job["scores"] = _scores(ctx, (d.get("outputDataConfig") or {}).get("s3Uri", ""), j["jobName"])
            except AwsCallError as exc:
                errors.append(f"{exc.describe()} for job {j.get('jobName')}")
        jobs.append(job)
    return {"jobs": jobs, "errors": errors}


def inference_profiles(ctx: CollectContext) -> dict[str, Any]:
    profiles = [p for page in ctx.aws.paginate("bedrock", "list_inference_profiles", typeEquals="APPLICATION",
                                                max_pages=10) for p in page.get("inferenceProfileSummaries", [])]
    out = []
    for p in profiles[:MAX_DETAIL]:
        tags = ctx.aws.call("bedrock", "list_tags_for_resource", resourceARN=p["inferenceProfileArn"]).get("tags", [])
        out.append({"name": p.get("inferenceProfileName"), "arn": p.get("inferenceProfileArn"),
                    "models": [m.get("modelArn") for m in p.get("models", [])],
                    "tags": {t["key"]: t["value"] for t in tags}})
    return {"profiles": out, "total": len(profiles)}


def prompt_routers(ctx: CollectContext) -> dict[str, Any]:
    routers = [r for page in ctx.aws.paginate("bedrock", "list_prompt_routers", type="custom", max_pages=5)
               for r in page.get("promptRouterSummaries", [])]
    return {"routers": [{"name": r.get("promptRouterName"), "arn": r.get("promptRouterArn"),
                         "models": [m.get("modelArn") for m in r.get("models", [])],
                         "fallback": (r.get("fallbackModel") or {}).get("modelArn")} for r in routers]}


def invocation_jobs(ctx: CollectContext) -> dict[str, Any]:
    jobs = [j for page in ctx.aws.paginate("bedrock", "list_model_invocation_jobs", max_pages=5)
            for j in page.get("invocationJobSummaries", [])]
    return {"jobs": [{"name": j.get("jobName"), "status": j.get("status"), "model": j.get("modelId"),
                      "submitted": _ts(j.get("submitTime"))} for j in jobs]}


def customization_jobs(ctx: CollectContext) -> dict[str, Any]:
    jobs = [j for page in ctx.aws.paginate("bedrock", "list_model_customization_jobs", max_pages=5)
            for j in page.get("modelCustomizationJobSummaries", [])]
    out = []
    for j in jobs[:MAX_DETAIL]:
        d = ctx.aws.call("bedrock", "get_model_customization_job", jobIdentifier=j["jobArn"])
        out.append({"name": j.get("jobName"), "status": j.get("status"),
                    "fromInvocationLogs": bool((d.get("trainingDataConfig") or {}).get("invocationLogsConfig"))})
    return {"jobs": out}


def prompt_optimization_jobs(ctx: CollectContext) -> dict[str, Any]:
    if not hasattr(ctx.aws.client("bedrock"), "list_advanced_prompt_optimization_jobs"):
        return {"supported": False, "jobs": []}
    resp = ctx.aws.call("bedrock", "list_advanced_prompt_optimization_jobs")
    jobs = next((v for k, v in resp.items() if isinstance(v, list)), [])
    return {"supported": True, "jobs": [{"name": j.get("jobName") or j.get("name")} for j in jobs]}


def automated_reasoning_policies(ctx: CollectContext) -> dict[str, Any]:
    resp = ctx.aws.call("bedrock", "list_automated_reasoning_policies")
    return {"policies": [p.get("name") for p in resp.get("automatedReasoningPolicySummaries", [])]}


SECTIONS = {
    "bedrock.invocation_logging": invocation_logging,
    "bedrock.guardrails": guardrails,
    "bedrock.enforced_guardrails": enforced_guardrails,
    "bedrock.evaluation_jobs": evaluation_jobs,
    "bedrock.inference_profiles": inference_profiles,
    "bedrock.prompt_routers": prompt_routers,
    "bedrock.invocation_jobs": invocation_jobs,
    "bedrock.customization_jobs": customization_jobs,
    "bedrock.prompt_optimization_jobs": prompt_optimization_jobs,
    "bedrock.automated_reasoning_policies": automated_reasoning_policies,
}
