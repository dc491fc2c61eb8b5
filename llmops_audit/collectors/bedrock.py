"""Amazon Bedrock control-plane evidence (see ../../shared/aws-evidence.md §2, §4).

Section shapes (all ids/names/flags/counts only: no prompt, response or template text is kept):

bedrock.invocation_logging
    {"enabled": bool (a CloudWatch or S3 destination is set), "logGroupName": str|None, "roleArn": str|None,
     "s3Bucket": str|None, "s3KeyPrefix": str|None, "largeDataS3Bucket": str|None,
     "textDataDeliveryEnabled": bool, "imageDataDeliveryEnabled": bool, "embeddingDataDeliveryEnabled": bool,
     "videoDataDeliveryEnabled": bool, "audioDataDeliveryEnabled": bool}
    A missing loggingConfig, None or {} all mean disabled.

bedrock.guardrails
    {"guardrails": [{"id", "name", "arn", "status", "versions": [numbered versions, e.g. "1", "2"],
                     "detail_version": "2"|"DRAFT"|None (version get_guardrail read; None = not read),
                     <the policy of detail_version, as below>,
                     "version_details": {version: {"status", <policy>}} (every version read: detail_version,
                                        up to MAX_VERSION_DETAILS - 1 older numbered versions and DRAFT)}],
     "errors": [{"action", "kind", "resource", "message"}]}   # sub-calls that failed (details unknown)
    <policy> (GetGuardrail, no text: no topic definition, word, regex pattern or blocked message):
        "content_filters": [{"type", "inputStrength", "outputStrength", "inputAction", "outputAction",
                             "inputEnabled", "outputEnabled"}],
        "pii_entities": [{"type", "action", "inputAction", "outputAction", "inputEnabled", "outputEnabled"}],
        "regexes": [{"action", "inputAction", "outputAction", "inputEnabled", "outputEnabled"}],
        "regex_count": int, "regex_actions": [action, ...],
        "grounding_filters": [{"type", "threshold", "action", "enabled"}],
        "topics": [{"type", "inputAction", "outputAction", "inputEnabled", "outputEnabled"}],
        "words": [{"managed": PROFANITY|None, "inputAction", "outputAction", "inputEnabled", "outputEnabled"}],
        "automated_reasoning_policies": [policy ARN, ...], "topic_count": int, "word_count": int
    An action or enabled flag AWS leaves out is None (guardrails made before detect mode carry no
    inputAction/outputAction: they block); NONE is detect mode, which blocks nothing.

bedrock.enforced_guardrails
    {"configs": [{"configId", "guardrailId", "guardrailArn", "guardrailVersion", "owner",
                  "includedModels": [...], "excludedModels": [...]}]}

bedrock.evaluation_jobs
    {"since": iso (creationTimeAfter used, 365 days before the period end),
     "jobs": [{"arn", "name", "status", "jobType", "applicationType", "creationTime", "taskTypes": [...],
               "detail": bool (get_evaluation_job read), "metricNames": [...], "customMetricNames": [...],
               "judge": bool (evaluatorModelConfig present), "judgeModels": [...], "outputS3Uri": str|None,
               "scores": None | {"files": int, "records": int, "truncated": bool,
                                 "metrics": {metricName: {"mean": float, "count": int}},
                                 "record_scores": {metricName: [float...] (every record's score)}},
               "score_error": str|None}],
     "truncated": bool, "errors": [...]}
    Scores are read only for Completed jobs (the 20 most recent), from their S3 output *_output.jsonl files.
    No threshold is applied here: the metrics and gates judge the record scores (metrics/quality.py,
    engine/gates.py).

bedrock.inference_profiles
    {"profiles": [{"id", "name", "arn", "status", "type", "models": [model ARN...], "tags": {k: v}|None}],
     "errors": [...]}   # APPLICATION profiles only; tags read for at most 20

bedrock.prompt_routers
    {"routers": [{"name", "arn", "status", "type", "models": [model ARN...], "fallbackModel": ARN|None}]}

bedrock.invocation_jobs
    {"since": iso, "jobs": [{"arn", "name", "status", "modelId", "submitTime", "endTime"}], "truncated": bool}

bedrock.customization_jobs
    {"jobs": [{"arn", "name", "status", "customizationType", "creationTime", "baseModelArn", "detail": bool,
               "usesInvocationLogs": bool|None, "usePromptResponse": bool|None}], "errors": [...]}

bedrock.prompt_optimization_jobs
    {"supported": false} when the installed botocore lacks the API, else
    {"supported": true, "jobs": [{"arn", "name", "status", "creationTime"}]}

bedrock.automated_reasoning_policies
    {"policies": [{"arn", "id", "name", "version", "updatedAt"}]}
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from llmops_audit.aws.access import AwsCallError
from llmops_audit.evidence.shapes import (
    AutomatedReasoningPolicies,
    CustomizationJob,
    CustomizationJobs,
    EnforcedGuardrails,
    EvaluationJob,
    EvaluationJobs,
    EvaluationScores,
    InferenceProfile,
    InferenceProfiles,
    InvocationJobs,
    PromptOptimizationJobs,
    PromptRouters,
    SubCallError,
)

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

MAX_GUARDRAILS = 50
MAX_VERSION_DETAILS = 3  # numbered guardrail versions whose policy is read (newest first), plus DRAFT
MAX_EVAL_DETAILS = 20
MAX_EVAL_FILES = 10
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_RECORDS = 5000
MAX_PROFILE_TAGS = 20
MAX_CUSTOMIZATION_DETAILS = 20
EVAL_LOOKBACK = timedelta(days=365)


def gap(exc: AwsCallError, resource: str) -> SubCallError:
    """A sub-call that failed, kept in the section's data so probes can say which action was missing."""
    return {"action": exc.action, "kind": exc.kind, "resource": resource, "message": str(exc)[:200]}


# -- invocation logging ---------------------------------------------------------------------------


def invocation_logging(ctx: CollectContext) -> dict[str, Any]:  # InvocationLogging
    resp = ctx.aws.call("bedrock", "get_model_invocation_logging_configuration")
    cfg = resp.get("loggingConfig") or {}
    cw = cfg.get("cloudWatchConfig") or {}
    s3 = cfg.get("s3Config") or {}
    large = cw.get("largeDataDeliveryS3Config") or {}
    group = cw.get("logGroupName") or None
    bucket = s3.get("bucketName") or None
    return {
        "enabled": bool(group or bucket),
        "logGroupName": group,
        "roleArn": cw.get("roleArn") or None,
        "s3Bucket": bucket,
        "s3KeyPrefix": s3.get("keyPrefix") or None,
        "largeDataS3Bucket": large.get("bucketName") or None,
        **{
            f"{kind}DataDeliveryEnabled": bool(cfg.get(f"{kind}DataDeliveryEnabled"))
            for kind in ("text", "image", "embedding", "video", "audio")
        },
    }


# -- guardrails -----------------------------------------------------------------------------------


def _version_key(v: str) -> int:
    return int(v) if str(v).isdigit() else -1


SIDES = ("inputAction", "outputAction", "inputEnabled", "outputEnabled")


def _guardrail_detail(g: dict[str, Any]) -> dict[str, Any]:
    content = (g.get("contentPolicy") or {}).get("filters") or []
    sens = g.get("sensitiveInformationPolicy") or {}
    grounding = (g.get("contextualGroundingPolicy") or {}).get("filters") or []
    words = g.get("wordPolicy") or {}
    regexes = sens.get("regexes") or []
    return {
        "status": g.get("status"),
        "content_filters": [
            {k: f.get(k) for k in ("type", "inputStrength", "outputStrength", *SIDES)} for f in content
        ],
        "pii_entities": [
            {k: e.get(k) for k in ("type", "action", *SIDES)} for e in sens.get("piiEntities") or []
        ],
        "regexes": [{k: r.get(k) for k in ("action", *SIDES)} for r in regexes],
        "regex_count": len(regexes),
        "regex_actions": [r.get("action") for r in regexes],
        "grounding_filters": [
            {k: f.get(k) for k in ("type", "threshold", "action", "enabled")} for f in grounding
        ],
        "topics": [
            {k: t.get(k) for k in ("type", *SIDES)} for t in (g.get("topicPolicy") or {}).get("topics") or []
        ],
        "words": [{"managed": None, **{k: w.get(k) for k in SIDES}} for w in words.get("words") or []]
        + [
            {"managed": w.get("type"), **{k: w.get(k) for k in SIDES}}
            for w in words.get("managedWordLists") or []
        ],
        "automated_reasoning_policies": list((g.get("automatedReasoningPolicy") or {}).get("policies") or []),
        "topic_count": len((g.get("topicPolicy") or {}).get("topics") or []),
        "word_count": len(words.get("words") or []) + len(words.get("managedWordLists") or []),
    }


def guardrails(ctx: CollectContext) -> dict[str, Any]:  # Guardrails
    listed = ctx.aws.items("bedrock", "list_guardrails", "guardrails", max_pages=20)
    out: list[dict[str, Any]] = []
    errors: list[SubCallError] = []
    seen: set[str] = set()
    for summary in listed:
        gid = summary.get("id")
        if not gid or gid in seen:
            continue
        seen.add(gid)
        entry: dict[str, Any] = {
            "id": gid,
            "name": summary.get("name"),
            "arn": summary.get("arn"),
            "status": summary.get("status"),
            "versions": [],
            "detail_version": None,
            "version_details": {},
        }
        out.append(entry)
        if len(out) > MAX_GUARDRAILS:
            continue
        try:
            versions = ctx.aws.items(
                "bedrock", "list_guardrails", "guardrails", max_pages=5, guardrailIdentifier=gid
            )
            entry["versions"] = sorted(
                {str(v.get("version")) for v in versions if str(v.get("version")).isdigit()}, key=_version_key
            )
        except AwsCallError as exc:
            errors.append(gap(exc, f"guardrail {entry['name']}"))
        # The newest version first (its policy is also kept at the top level), then older numbered
        # versions and DRAFT: agents, enforced configurations and callers may use any of them.
        wanted = (entry["versions"][::-1] or ["DRAFT"])[:MAX_VERSION_DETAILS]
        if "DRAFT" not in wanted:
            wanted.append("DRAFT")
        for version in wanted:
            try:
                params = {"guardrailIdentifier": gid}
                if version != "DRAFT":
                    params["guardrailVersion"] = version
                detail = _guardrail_detail(ctx.aws.call("bedrock", "get_guardrail", **params))
            except AwsCallError as exc:
                errors.append(
                    gap(exc, f"guardrail {entry['name']}" + ("" if version == wanted[0] else f" v{version}"))
                )
                continue
            entry["version_details"][version] = detail
            if version == wanted[0]:
                entry.update(detail)
                entry["detail_version"] = version
    return {"guardrails": out, "errors": errors}


def enforced_guardrails(ctx: CollectContext) -> EnforcedGuardrails:
    configs = ctx.aws.items(
        "bedrock", "list_enforced_guardrails_configuration", "guardrailsConfig", max_pages=20
    )
    return {
        "configs": [
            {
                "configId": c.get("configId"),
                "guardrailId": c.get("guardrailId"),
                "guardrailArn": c.get("guardrailArn"),
                "guardrailVersion": c.get("guardrailVersion"),
                "owner": c.get("owner"),
                "includedModels": list((c.get("modelEnforcement") or {}).get("includedModels") or []),
                "excludedModels": list((c.get("modelEnforcement") or {}).get("excludedModels") or []),
            }
            for c in configs
        ]
    }


# -- evaluation jobs ------------------------------------------------------------------------------


def _s3_location(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def _read_scores(ctx: CollectContext, job: EvaluationJob) -> EvaluationScores:
    """Scores from the job's *_output.jsonl files: per-metric means and counts, no record text."""
    bucket, prefix = _s3_location(job["outputS3Uri"] or "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    job_prefix = f"{prefix}{job['name']}/"
    keys: list[str] = []
    for page in ctx.aws.paginate("s3", "list_objects_v2", max_pages=5, Bucket=bucket, Prefix=job_prefix):
        keys.extend(o["Key"] for o in page.get("Contents") or [] if o["Key"].endswith("_output.jsonl"))
        if len(keys) >= MAX_EVAL_FILES:
            break
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    record_scores: dict[str, list[float]] = {}
    records = 0
    truncated = len(keys) > MAX_EVAL_FILES
    for key in sorted(keys)[:MAX_EVAL_FILES]:
        obj = ctx.aws.call("s3", "get_object", Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_FILE_BYTES - 1}")
        raw = obj["Body"].read(MAX_FILE_BYTES)
        lines = raw.decode("utf-8", "replace").splitlines()
        if len(raw) >= MAX_FILE_BYTES and lines:
            lines, truncated = lines[:-1], True  # the last line may be cut
        for line in lines:
            if records >= MAX_RECORDS:
                truncated = True
                break
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            scores = (record.get("automatedEvaluationResult") or {}).get("scores") or []
            if not isinstance(scores, list):
                continue
            records += 1
            for s in scores:
                name, result = s.get("metricName"), s.get("result")
                if (
                    not isinstance(name, str)
                    or isinstance(result, bool)
                    or not isinstance(result, int | float)
                ):
                    continue
                sums[name] = sums.get(name, 0.0) + float(result)
                counts[name] = counts.get(name, 0) + 1
                record_scores.setdefault(name, []).append(round(float(result), 4))
        del raw, lines
    return {
        "files": min(len(keys), MAX_EVAL_FILES),
        "records": records,
        "truncated": truncated,
        "metrics": {m: {"mean": sums[m] / counts[m], "count": counts[m]} for m in counts},
        "record_scores": record_scores,
    }


def evaluation_jobs(ctx: CollectContext) -> EvaluationJobs:
    since = ctx.scope.end - EVAL_LOOKBACK
    summaries: list[dict] = []
    truncated = False
    pages = 0
    for page in ctx.aws.paginate(
        "bedrock",
        "list_evaluation_jobs",
        max_pages=10,
        creationTimeAfter=since,
        sortBy="CreationTime",
        sortOrder="Descending",
        maxResults=100,
    ):
        summaries.extend(page.get("jobSummaries") or [])
        pages += 1
        truncated = pages >= 10 and bool(page.get("nextToken"))
    jobs: list[EvaluationJob] = []
    for s in summaries:
        jobs.append(
            {
                "arn": s.get("jobArn"),
                "name": s.get("jobName"),
                "status": s.get("status"),
                "jobType": s.get("jobType"),
                "applicationType": s.get("applicationType"),
                "creationTime": s.get("creationTime"),
                "taskTypes": list(s.get("evaluationTaskTypes") or []),
                "detail": False,
                "metricNames": [],
                "customMetricNames": [],
                "judge": bool(s.get("evaluatorModelIdentifiers")),
                "judgeModels": list(s.get("evaluatorModelIdentifiers") or []),
                "outputS3Uri": None,
                "scores": None,
                "score_error": None,
            }
        )
    errors: list[SubCallError] = []
    completed = sorted(
        (j for j in jobs if j["status"] == "Completed"), key=lambda j: str(j["creationTime"]), reverse=True
    )[:MAX_EVAL_DETAILS]
    for job in completed:
        try:
            d = ctx.aws.call("bedrock", "get_evaluation_job", jobIdentifier=job["arn"])
        except AwsCallError as exc:
            errors.append(gap(exc, f"evaluation job {job['name']}"))
            continue
        cfg = d.get("evaluationConfig") or {}
        auto, human = cfg.get("automated") or {}, cfg.get("human") or {}
        metric_names: list[str] = []
        for dmc in (auto.get("datasetMetricConfigs") or []) + (human.get("datasetMetricConfigs") or []):
            metric_names.extend(m for m in dmc.get("metricNames") or [] if m not in metric_names)
        judge_models = [
            m.get("modelIdentifier")
            for m in ((auto.get("evaluatorModelConfig") or {}).get("bedrockEvaluatorModels") or [])
        ]
        custom = (auto.get("customMetricConfig") or {}).get("customMetrics") or []
        job.update(
            {
                "detail": True,
                "jobType": d.get("jobType") or job["jobType"],
                "applicationType": d.get("applicationType") or job["applicationType"],
                "metricNames": metric_names,
                "customMetricNames": [
                    ((c.get("customMetricDefinition") or {}).get("name"))
                    for c in custom
                    if (c.get("customMetricDefinition") or {}).get("name")
                ]
                + [c.get("name") for c in human.get("customMetrics") or [] if c.get("name")],
                "judge": bool(auto.get("evaluatorModelConfig")),
                "judgeModels": [m for m in judge_models if m],
                "outputS3Uri": (d.get("outputDataConfig") or {}).get("s3Uri"),
            }
        )
        if job["jobType"] == "Automated" and job["outputS3Uri"]:
            try:
                job["scores"] = _read_scores(ctx, job)
            except AwsCallError as exc:
                job["score_error"] = exc.describe()
                errors.append(gap(exc, f"evaluation job {job['name']} output {job['outputS3Uri']}"))
    return {"since": since, "jobs": jobs, "truncated": truncated, "errors": errors}


# -- profiles, routers, jobs ----------------------------------------------------------------------


def inference_profiles(ctx: CollectContext) -> InferenceProfiles:
    listed = ctx.aws.items(
        "bedrock",
        "list_inference_profiles",
        "inferenceProfileSummaries",
        typeEquals="APPLICATION",
        max_pages=20,
    )
    profiles: list[InferenceProfile] = []
    errors: list[SubCallError] = []
    for i, p in enumerate(listed):
        entry: InferenceProfile = {
            "id": p.get("inferenceProfileId"),
            "name": p.get("inferenceProfileName"),
            "arn": p.get("inferenceProfileArn"),
            "status": p.get("status"),
            "type": p.get("type"),
            "models": [m.get("modelArn") for m in p.get("models") or [] if m.get("modelArn")],
            "tags": None,
        }
        if i < MAX_PROFILE_TAGS and entry["arn"]:
            try:
                tags = (
                    ctx.aws.call("bedrock", "list_tags_for_resource", resourceARN=entry["arn"]).get("tags")
                    or []
                )
                entry["tags"] = {t["key"]: t["value"] for t in tags}
            except AwsCallError as exc:
                errors.append(gap(exc, f"inference profile {entry['name']}"))
        profiles.append(entry)
    return {"profiles": profiles, "errors": errors}


def prompt_routers(ctx: CollectContext) -> PromptRouters:
    listed = ctx.aws.items(
        "bedrock", "list_prompt_routers", "promptRouterSummaries", type="custom", max_pages=20
    )
    return {
        "routers": [
            {
                "name": r.get("promptRouterName"),
                "arn": r.get("promptRouterArn"),
                "status": r.get("status"),
                "type": r.get("type"),
                "models": [m.get("modelArn") for m in r.get("models") or [] if m.get("modelArn")],
                "fallbackModel": (r.get("fallbackModel") or {}).get("modelArn"),
            }
            for r in listed
        ]
    }


def invocation_jobs(ctx: CollectContext) -> InvocationJobs:
    since = ctx.scope.end - EVAL_LOOKBACK
    jobs: list[dict] = []
    truncated = False
    for n, page in enumerate(
        ctx.aws.paginate(
            "bedrock", "list_model_invocation_jobs", max_pages=5, submitTimeAfter=since, maxResults=100
        ),
        start=1,
    ):
        jobs.extend(page.get("invocationJobSummaries") or [])
        truncated = n >= 5 and bool(page.get("nextToken"))
    return {
        "since": since,
        "truncated": truncated,
        "jobs": [
            {
                "arn": j.get("jobArn"),
                "name": j.get("jobName"),
                "status": j.get("status"),
                "modelId": j.get("modelId"),
                "submitTime": j.get("submitTime"),
                "endTime": j.get("endTime"),
            }
            for j in jobs
        ],
    }


def customization_jobs(ctx: CollectContext) -> CustomizationJobs:
    listed = ctx.aws.items(
        "bedrock", "list_model_customization_jobs", "modelCustomizationJobSummaries", max_pages=5
    )
    jobs: list[CustomizationJob] = []
    errors: list[SubCallError] = []
    for i, j in enumerate(listed):
        entry: CustomizationJob = {
            "arn": j.get("jobArn"),
            "name": j.get("jobName"),
            "status": j.get("status"),
            "customizationType": j.get("customizationType"),
            "creationTime": j.get("creationTime"),
            "baseModelArn": j.get("baseModelArn"),
            "detail": False,
            "usesInvocationLogs": None,
            "usePromptResponse": None,
        }
        if i < MAX_CUSTOMIZATION_DETAILS:
            try:
                # the name works in AWS and in moto (which cannot look jobs up by URL-encoded ARN)
                d = ctx.aws.call(
                    "bedrock", "get_model_customization_job", jobIdentifier=entry["name"] or entry["arn"]
                )
                logs_cfg = (d.get("trainingDataConfig") or {}).get("invocationLogsConfig")
                entry.update(
                    {
                        "detail": True,
                        "usesInvocationLogs": bool(logs_cfg),
                        "usePromptResponse": (logs_cfg or {}).get("usePromptResponse"),
                    }
                )
                entry["customizationType"] = entry["customizationType"] or d.get("customizationType")
            except AwsCallError as exc:
                errors.append(gap(exc, f"customization job {entry['name']}"))
        jobs.append(entry)
    return {"jobs": jobs, "errors": errors}


def prompt_optimization_jobs(ctx: CollectContext) -> PromptOptimizationJobs:
    if not ctx.aws.supports("bedrock", "list_advanced_prompt_optimization_jobs"):
        return {"supported": False, "jobs": []}
    listed = ctx.aws.items("bedrock", "list_advanced_prompt_optimization_jobs", "jobSummaries", max_pages=5)
    return {
        "supported": True,
        "jobs": [
            {
                "arn": j.get("jobArn"),
                "name": j.get("jobName"),
                "status": j.get("jobStatus"),
                "creationTime": j.get("creationTime"),
            }
            for j in listed
        ],
    }


def automated_reasoning_policies(ctx: CollectContext) -> AutomatedReasoningPolicies:
    listed = ctx.aws.items(
        "bedrock", "list_automated_reasoning_policies", "automatedReasoningPolicySummaries", max_pages=5
    )
    return {
        "policies": [
            {
                "arn": p.get("policyArn"),
                "id": p.get("policyId"),
                "name": p.get("name"),
                "version": p.get("version"),
                "updatedAt": p.get("updatedAt"),
            }
            for p in listed
        ]
    }


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
