"""Metric rows measured from CloudWatch runtime metrics (Bedrock, API Gateway, Lambda, guardrails, agents)."""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence import series as ms
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.metrics import genai
from llmops_audit.metrics.base import calculator, no_value
from llmops_audit.model import MetricValue
from llmops_audit.probes.params import Param

BR = "AWS/Bedrock"
GR = "AWS/Bedrock/Guardrails"
CACHE_READ = ("CacheReadInputTokenCount", "CacheReadInputTokens")
CACHE_WRITE = ("CacheWriteInputTokenCount", "CacheWriteInputTokens")
STATS = "cloudwatch.metric_stats"


def _per_model(ev: Evidence, metric: str | tuple[str, ...], stat: str = "Sum") -> dict[str, float]:
    return ms.by_dimension(ev.get(STATS), BR, metric, stat, "ModelId")


def _sum(ev: Evidence, metric: str | tuple[str, ...]) -> float | None:
    per = _per_model(ev, metric)
    return sum(per.values()) if per else None


def _pct(a: float, b: float) -> float:
    return 100.0 * a / b if b else 0.0


def _model_sum(ev: Evidence, metric: str, note: str = "") -> MetricValue:
    """The Sum of one AWS/Bedrock metric over every ModelId, with the per-model figures as breakdown."""
    per = _per_model(ev, metric)
    if not per:
        return no_value(f"No AWS/Bedrock {metric} series in the period.")
    return MetricValue(
        sum(per.values()), derivation=f"Sum of AWS/Bedrock {metric} per ModelId{note}", breakdown=per
    )


@calculator("bedrock_invocations", STATS)
def bedrock_invocations(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return _model_sum(
        ev, "Invocations", " (requests accepted for processing; throttled requests are not counted)"
    )


@calculator("bedrock_client_errors", STATS)
def bedrock_client_errors(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return _model_sum(ev, "InvocationClientErrors")


@calculator("bedrock_throttles", STATS)
def bedrock_throttles(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    return _model_sum(ev, "InvocationThrottles")


@calculator("bedrock_success_vs_failed", STATS)
def bedrock_success_vs_failed(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    inv = _sum(ev, "Invocations")
    if inv is None:
        return no_value("No AWS/Bedrock Invocations series in the period.")
    failed = (_sum(ev, "InvocationClientErrors") or 0) + (_sum(ev, "InvocationServerErrors") or 0)
    return MetricValue(
        max(inv - failed, 0),
        derivation="Successful = Invocations - InvocationClientErrors - "
        "InvocationServerErrors (Invocations counts accepted requests, including ones that later failed)",
        breakdown={
            "successful": max(inv - failed, 0),
            "failed": failed,
            "throttled": _sum(ev, "InvocationThrottles") or 0,
        },
    )


@calculator("bedrock_token_counts", STATS)
def bedrock_token_counts(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    inp, out = _sum(ev, "InputTokenCount"), _sum(ev, "OutputTokenCount")
    if inp is None and out is None:
        return no_value("No AWS/Bedrock InputTokenCount or OutputTokenCount series in the period.")
    breakdown = {"input tokens": inp or 0, "output tokens": out or 0}
    for label, names in (("cache read tokens", CACHE_READ), ("cache write tokens", CACHE_WRITE)):
        v = _sum(ev, names)
        if v is not None:
            breakdown[label] = v
    return MetricValue(
        (inp or 0) + (out or 0),
        unit="tokens",
        breakdown=breakdown,
        derivation="Sum of AWS/Bedrock InputTokenCount + OutputTokenCount over all ModelIds",
    )


@calculator("tokens_per_request", STATS, genai.SPANS)
def tokens_per_request(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    inv = _sum(ev, "Invocations")
    inp, out = _sum(ev, "InputTokenCount"), _sum(ev, "OutputTokenCount")
    if not inv or inp is None:
        return genai.span_fallback(
            ev,
            "AWS/Bedrock Invocations and InputTokenCount have no data in the period",
            genai.tokens_from_spans,
            unit="tokens",
        )
    return MetricValue(
        (inp + (out or 0)) / inv,
        unit="tokens",
        derivation="(InputTokenCount + OutputTokenCount) / Invocations, summed over ModelIds",
        breakdown={"input per request": inp / inv, "output per request": (out or 0) / inv},
    )


@calculator("bedrock_latency_average", STATS)
def bedrock_latency_average(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    avg = _per_model(ev, "InvocationLatency", "Average")
    if not avg:
        return no_value("No AWS/Bedrock InvocationLatency data in the period.")
    weights = _per_model(ev, "Invocations")
    total = sum(weights.get(m, 0) for m in avg)
    value = (
        sum(v * weights.get(m, 0) for m, v in avg.items()) / total if total else sum(avg.values()) / len(avg)
    )
    return MetricValue(
        value,
        unit="ms",
        breakdown=avg,
        derivation="AWS/Bedrock InvocationLatency Average per ModelId, weighted by Invocations",
    )


def _percentiles(ev: Evidence, ns: str, metric: str, dim: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for p in ("p50", "p90", "p99"):
        for k, v in ms.by_dimension(ev.get(STATS), ns, metric, p, dim).items():
            out.setdefault(k, {})[p] = v
    return out


@calculator("response_time_percentiles", STATS, genai.SPANS)
def response_time_percentiles(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    models = _percentiles(ev, BR, "InvocationLatency", "ModelId")
    apis = _percentiles(ev, "AWS/ApiGateway", "Latency", "ApiName")
    if not models and not apis:
        return genai.span_fallback(
            ev,
            "AWS/Bedrock InvocationLatency and AWS/ApiGateway Latency have no percentile data",
            genai.latency_percentiles_from_spans,
            unit="ms",
        )
    breakdown = {
        f"{name} {p}": v for src in (models, apis) for name, ps in src.items() for p, v in ps.items()
    }
    p90 = [ps["p90"] for ps in models.values() if "p90" in ps] or [
        ps["p90"] for ps in apis.values() if "p90" in ps
    ]
    return MetricValue(
        max(p90) if p90 else None,
        unit="ms",
        breakdown=breakdown,
        derivation="Worst p90 of AWS/Bedrock InvocationLatency per ModelId (GetMetricData stat p90); "
        "p50/p90/p99 per model and per API in the breakdown",
    )


@calculator("time_to_first_token", STATS)
def time_to_first_token(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    avg = _per_model(ev, "TimeToFirstToken", "Average")
    if not avg:
        return no_value(
            "No AWS/Bedrock TimeToFirstToken data: it exists only for streaming calls "
            "(ConverseStream, InvokeModelWithResponseStream).",
            unit="ms",
        )
    breakdown = {
        f"{m} {p}": v
        for m, ps in _percentiles(ev, BR, "TimeToFirstToken", "ModelId").items()
        for p, v in ps.items()
    }
    return MetricValue(
        max(avg.values()),
        unit="ms",
        breakdown=breakdown or avg,
        derivation="Highest per-model Average of AWS/Bedrock TimeToFirstToken (streaming calls)",
    )


@calculator("latency_p99_p50_ratio", STATS)
def latency_p99_p50_ratio(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    ps = _percentiles(ev, BR, "InvocationLatency", "ModelId")
    ratios = {m: v["p99"] / v["p50"] for m, v in ps.items() if v.get("p50") and "p99" in v}
    if not ratios:
        return no_value("No p50 and p99 of AWS/Bedrock InvocationLatency in the period.")
    return MetricValue(
        max(ratios.values()),
        unit="x",
        breakdown=ratios,
        derivation="InvocationLatency p99 / p50 per ModelId (computed client-side); the worst is shown",
    )


def _cache(ev: Evidence) -> tuple[float, float, float] | None:
    read, write, inp = _sum(ev, CACHE_READ), _sum(ev, CACHE_WRITE), _sum(ev, "InputTokenCount")
    if read is None and write is None:
        return None
    return read or 0.0, write or 0.0, inp or 0.0


@calculator("cache_hit_ratio", STATS)
def cache_hit_ratio(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    c = _cache(ev)
    if c is None:
        return no_value(
            "No Bedrock cache-token metric (CacheReadInputTokenCount/CacheReadInputTokens) was "
            "published: prompt caching is not in use.",
            unit="%",
        )
    read, write, inp = c
    return MetricValue(
        _pct(read, read + write + inp),
        unit="%",
        breakdown={"cache read tokens": read, "cache write tokens": write, "input tokens": inp},
        derivation="CacheRead / (CacheRead + CacheWrite + InputTokenCount), summed over ModelIds",
    )


@calculator("prompt_cache_hit_ratio", STATS)
def prompt_cache_hit_ratio(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    custom = [
        s
        for s in stats.get("series", [])
        if s["metric"] == "PromptCacheHitRatio" and s["stat"] == "Average" and s["value"] is not None
    ]
    if custom:
        return MetricValue(
            custom[0]["value"],
            unit="%",
            derivation=f"Custom metric {custom[0]['namespace']}/PromptCacheHitRatio (Average)",
        )
    value = cache_hit_ratio.fn(ev, params)
    if value.value is None:
        return no_value("No custom PromptCacheHitRatio metric and no Bedrock cache-token metrics.", unit="%")
    return MetricValue(
        value.value,
        unit="%",
        breakdown=value.breakdown,
        derivation="No custom PromptCacheHitRatio metric exists; computed from the cache-token "
        "metrics instead: " + value.derivation,
    )


@calculator("apigw_status_counts", STATS)
def apigw_status_counts(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    count = ms.total(stats, "AWS/ApiGateway", "Count", "Sum", ("ApiName",))
    c4 = ms.total(stats, "AWS/ApiGateway", "4XXError", "Sum", ("ApiName",)) or 0
    c5 = ms.total(stats, "AWS/ApiGateway", "5XXError", "Sum", ("ApiName",)) or 0
    http = ms.total(stats, "AWS/ApiGateway", "Count", "Sum", ("ApiId",))
    if http is not None:
        count = (count or 0) + http
        c4 += ms.total(stats, "AWS/ApiGateway", "4xx", "Sum", ("ApiId",)) or 0
        c5 += ms.total(stats, "AWS/ApiGateway", "5xx", "Sum", ("ApiId",)) or 0
    if count is None:
        return no_value("No AWS/ApiGateway Count series in the period (no API, or no traffic).")
    return MetricValue(
        count,
        breakdown={"2xx": max(count - c4 - c5, 0), "4xx": c4, "5xx": c5},
        derivation="AWS/ApiGateway Count, 4XXError, 5XXError (Sum per API); 2xx = Count - 4XX - 5XX",
    )


@calculator("apigw_5xx_rate", STATS)
def apigw_5xx_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    count = ms.total(stats, "AWS/ApiGateway", "Count", "Sum", ("ApiName",))
    if not count:
        return no_value("No AWS/ApiGateway Count data in the period.", unit="%")
    c5 = ms.total(stats, "AWS/ApiGateway", "5XXError", "Sum", ("ApiName",)) or 0
    return MetricValue(
        _pct(c5, count),
        unit="%",
        breakdown={"requests": count, "5xx": c5},
        derivation="AWS/ApiGateway 5XXError / Count (Sum per ApiName)",
    )


@calculator("lambda_error_rate", STATS)
def lambda_error_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    inv = ms.by_dimension(stats, "AWS/Lambda", "Invocations", "Sum", "FunctionName")
    err = ms.by_dimension(stats, "AWS/Lambda", "Errors", "Sum", "FunctionName")
    total = sum(inv.values())
    if not total:
        return no_value("No AWS/Lambda Invocations in the period.", unit="%")
    return MetricValue(
        _pct(sum(err.values()), total),
        unit="%",
        breakdown={f"{f} errors": err.get(f, 0) for f in inv} | {"invocations": total},
        derivation="AWS/Lambda Errors / Invocations (Sum per FunctionName)",
    )


@calculator("lambda_duration_memory", STATS, "lambda.functions")
def lambda_duration_memory(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    avg = ms.by_dimension(stats, "AWS/Lambda", "Duration", "Average", "FunctionName")
    if not avg:
        return no_value("No AWS/Lambda Duration data in the period.", unit="ms")
    breakdown = {
        f"{f} p90": v
        for f, v in ms.by_dimension(stats, "AWS/Lambda", "Duration", "p90", "FunctionName").items()
    }
    mem = ms.by_dimension(stats, "LambdaInsights", "used_memory_max", "Maximum", "function_name")
    if mem:
        breakdown |= {f"{f} memory used (MB)": v for f, v in mem.items()}
        how = "memory used from Lambda Insights used_memory_max"
    else:
        fns = {
            f["name"]: f.get("memorySize")
            for f in (ev.optional("lambda.functions") or {"functions": []})["functions"]
        }
        breakdown |= {f"{f} memory configured (MB)": fns[f] for f in avg if fns.get(f)}
        how = "memory use needs Lambda Insights; the configured MemorySize is shown"
    return MetricValue(
        max(avg.values()),
        unit="ms",
        breakdown=breakdown,
        derivation=f"Highest per-function Average of AWS/Lambda Duration; {how}",
    )


@calculator("guardrail_interventions", STATS)
def guardrail_interventions(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    from llmops_audit.probes.bedrock import guardrail_totals

    stats = ev.get(STATS)
    iv = guardrail_totals(stats, "InvocationsIntervened")
    if iv.total is None:
        return no_value("No AWS/Bedrock/Guardrails InvocationsIntervened data in the period.")
    inv = guardrail_totals(stats, "Invocations")
    breakdown: dict[str, float] = {"guardrail invocations": inv.total or 0}
    if inv.total:
        breakdown["intervention rate (%)"] = _pct(iv.total, inv.total)
    for (gid, version), v in sorted(iv.per_guardrail.items(), key=str):
        breakdown[f"{gid}{' v' + version if version else ''} interventions"] = v
    return MetricValue(
        iv.total,
        breakdown=breakdown,
        derivation=f"Sum of AWS/Bedrock/Guardrails InvocationsIntervened (series by {iv.dims})"
        + ("; only per-policy series exist, so an upper bound" if iv.upper_bound else ""),
    )


@calculator(
    "guardrail_policy_interventions",
    STATS,
    params={
        "policy": Param(str, default="SensitiveInformationPolicy", help="the GuardrailPolicyType dimension")
    },
)
def guardrail_policy_interventions(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    policy = params.get("policy", "SensitiveInformationPolicy")
    # Interventions with GuardrailPolicyType=policy, from one dimension set only (the coarsest that
    # ListMetrics returned: account-wide, or per guardrail and policy type), so nothing counts twice.
    by_set: dict[frozenset[str], float] = {}
    for s in ev.get(STATS).get("series") or []:
        dims = s.get("dimensions") or {}
        if (
            s.get("namespace") == GR
            and s.get("metric") == "InvocationsIntervened"
            and s.get("stat") == "Sum"
            and dims.get("GuardrailPolicyType") == policy
            and isinstance(s.get("value"), int | float)
        ):
            key = frozenset(dims)
            by_set[key] = by_set.get(key, 0.0) + float(s["value"])
    if not by_set:
        return no_value(
            f"No AWS/Bedrock/Guardrails InvocationsIntervened series for GuardrailPolicyType={policy}."
        )
    best = min(by_set, key=lambda d: (len(d), sorted(d)))
    return MetricValue(
        by_set[best],
        derivation=f"Sum of AWS/Bedrock/Guardrails InvocationsIntervened with "
        f"GuardrailPolicyType={policy} (series by {', '.join(sorted(best))})",
    )


@calculator("automated_reasoning_findings", STATS)
def automated_reasoning_findings(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    from llmops_audit.probes.bedrock import guardrail_totals

    t = guardrail_totals(ev.get(STATS), "TotalFindings")
    if t.total is None:
        return no_value("No AWS/Bedrock/Guardrails TotalFindings data: no automated-reasoning checks ran.")
    return MetricValue(
        t.total, derivation=f"Sum of AWS/Bedrock/Guardrails TotalFindings (series by {t.dims})"
    )


@calculator("audit_trail_coverage", STATS)
def audit_trail_coverage(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    delivered = [
        ms.total(stats, BR, m, "Sum")
        for m in ("ModelInvocationLogsCloudWatchDeliverySuccess", "ModelInvocationLogsS3DeliverySuccess")
    ]
    inv = _sum(ev, "Invocations")
    if not inv:
        return no_value("No Bedrock invocations in the period, so coverage cannot be computed.", unit="%")
    known = [d for d in delivered if d is not None]
    if not known:
        return no_value(
            "No invocation-log delivery metrics (ModelInvocationLogs*DeliverySuccess): "
            "invocation logging is off or has not delivered.",
            unit="%",
        )
    return MetricValue(
        min(100.0, _pct(max(known), inv)),
        unit="%",
        breakdown={"log deliveries": max(known), "invocations": inv},
        derivation="ModelInvocationLogs*DeliverySuccess (no dimensions) / AWS/Bedrock Invocations",
    )


@calculator("invocation_log_deliveries", STATS, "bedrock.invocation_logging")
def invocation_log_deliveries(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    cfg = ev.optional("bedrock.invocation_logging") or {}
    ok = ms.total(stats, BR, "ModelInvocationLogsCloudWatchDeliverySuccess", "Sum")
    bad = ms.total(stats, BR, "ModelInvocationLogsCloudWatchDeliveryFailure", "Sum")
    where = cfg.get("logGroupName") or "no CloudWatch Logs group configured"
    if ok is None:
        return no_value(f"No ModelInvocationLogsCloudWatchDeliverySuccess data ({where}).")
    return MetricValue(
        ok,
        breakdown={"delivery failures": bad or 0},
        derivation=f"Sum of ModelInvocationLogsCloudWatchDeliverySuccess into {where}",
    )


@calculator("agent_error_rate", STATS, genai.AGENTCORE)
def agent_error_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    stats = ev.get(STATS)
    inv = ms.total(stats, "AWS/Bedrock/Agents", "InvocationCount", "Sum", ("Operation",))
    if inv:
        errs = sum(
            ms.total(stats, "AWS/Bedrock/Agents", m, "Sum", ("Operation",)) or 0
            for m in ("InvocationClientErrors", "InvocationServerErrors")
        )
        return MetricValue(
            _pct(errs, inv),
            unit="%",
            breakdown={"errors": errs, "invocations": inv},
            derivation="(AWS/Bedrock/Agents InvocationClientErrors + InvocationServerErrors) / "
            "InvocationCount, computed client-side",
        )
    runtimes = genai.runtime_errors_from_agentcore(ev.optional(genai.AGENTCORE))
    if runtimes is not None:
        return genai.from_source(
            genai.AGENTCORE_SOURCE, "AWS/Bedrock/Agents has no InvocationCount in the period", runtimes
        )
    lam = lambda_error_rate.fn(ev, params)
    if lam.value is None:
        return no_value(
            "No AWS/Bedrock/Agents, AgentCore runtime or AWS/Lambda invocations in the period.", unit="%"
        )
    return MetricValue(
        lam.value,
        unit="%",
        breakdown=lam.breakdown,
        derivation="No agent metrics; AWS/Lambda Errors / Invocations instead",
    )


@calculator("model_usage_share", STATS, "cloudwatch.insight_rules")
def model_usage_share(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    per = {m: v for m, v in _per_model(ev, "Invocations").items() if v > 0}
    if not per:
        return no_value("No Bedrock invocations in the period.", unit="%")
    top = max(per, key=per.__getitem__)
    rules = [
        r["name"]
        for r in (ev.optional("cloudwatch.insight_rules") or {"rules": []})["rules"]
        if any("modelId" in k for k in r["keys"])
    ]
    src = (
        f"Contributor Insights rule {rules[0]} exists; shares"
        if rules
        else "No Contributor Insights rule on $.modelId; shares"
    )
    return MetricValue(
        _pct(per[top], sum(per.values())),
        unit="%",
        breakdown={f"{m} (%)": _pct(v, sum(per.values())) for m, v in per.items()},
        derivation=f"{src} from AWS/Bedrock Invocations per ModelId; the most-used model is {top}",
    )


@calculator("confidence_score", STATS)
def confidence_score(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    series = [
        s
        for s in ev.get(STATS).get("series", [])
        if "confidence" in s["metric"].lower() and s["stat"] == "Average" and s["value"] is not None
    ]
    if not series:
        return no_value(
            "AWS publishes no confidence metric and no custom metric named like 'confidence' exists."
        )
    return MetricValue(
        series[0]["value"],
        derivation=f"Custom metric {series[0]['namespace']}/{series[0]['metric']} (Average)",
    )


@calculator("user_feedback_events", "logs.feedback_events")
def user_feedback_events(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    data = ev.get("logs.feedback_events")
    if not data["events"]:
        return no_value(
            f'No "UserFeedback" events in {", ".join(data["searched"]) or "the application log groups"}.'
        )
    return MetricValue(
        data["events"],
        breakdown={"thumbs up": data["up"], "thumbs down": data["down"]},
        derivation="FilterLogEvents for the term UserFeedback in "
        + ", ".join(g["group"] for g in data["groups"]),
    )


@calculator("empty_response_share", "logs.invocation_records")
def empty_response_share(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    data = ev.get("logs.invocation_records")
    recs = [r for r in data["records"] if r.get("outputTokens") is not None]
    if not recs:
        return no_value("No invocation-log records with output token counts in the period.", unit="%")
    empty = sum(1 for r in recs if not r["outputTokens"])
    return MetricValue(
        _pct(empty, len(recs)),
        unit="%",
        breakdown={"records": len(recs), "empty responses": empty},
        derivation=f"Share of invocation-log records in {data['group']} with outputTokenCount = 0 "
        "(only counts are read, never the text)",
    )
