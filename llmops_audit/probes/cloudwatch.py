"""Probes over CloudWatch metrics, alarms, dashboards and Contributor Insights rules."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence import series as ms
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.probes.params import Param

TOKEN_METRICS = {"InputTokenCount", "OutputTokenCount"}
CROSS_REGION = re.compile(r"^(us|eu|apac|global|jp|au|ca)\.")


def model_traffic(stats: dict[str, Any]) -> dict[str, float]:
    """Invocations per ModelId with traffic (AWS/Bedrock), plus the OpenAI-compatible endpoint's."""
    traffic = {
        m: v
        for m, v in ms.by_dimension(stats, "AWS/Bedrock", "Invocations", "Sum", "ModelId").items()
        if v > 0
    }
    for m, v in ms.by_dimension(stats, "AWS/BedrockMantle", "Inferences", "Sum", "ModelId").items():
        if v > 0:
            traffic[f"{m} (bedrock-mantle)"] = traffic.get(m, 0) + v
    return traffic


@probe("bedrock_model_traffic_present", "cloudwatch.metric_stats")
def bedrock_model_traffic_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock models were invoked in the period (AWS/Bedrock Invocations or AWS/BedrockMantle Inferences)."""
    traffic = model_traffic(ev.get("cloudwatch.metric_stats"))
    if traffic:
        return met(
            f"{plural(len(traffic), 'model')} had traffic in the period: "
            f"{names([f'{m} ({v:,.0f} calls)' for m, v in sorted(traffic.items())])}."
        )
    return not_met("No AWS/Bedrock Invocations or AWS/BedrockMantle Inferences were recorded in the period.")


def _bedrock_refs(refs: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in refs if r.get("namespace", "").startswith("AWS/Bedrock")]


def _alarm_label(alarm: dict[str, Any]) -> str:
    return f"{alarm['name']} ({', '.join(r['metric'] for r in _bedrock_refs(alarm['metrics']))})"


@probe("bedrock_alarms_present", "cloudwatch.alarms")
def bedrock_alarms_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A CloudWatch alarm watches an AWS/Bedrock metric."""
    alarms = [a for a in ev.get("cloudwatch.alarms")["alarms"] if _bedrock_refs(a["metrics"])]
    if alarms:
        return met(
            f"{plural(len(alarms), 'alarm')} watch Bedrock metrics: "
            f"{names([_alarm_label(a) for a in alarms])}."
        )
    total = len(ev.get("cloudwatch.alarms")["alarms"])
    return not_met(f"None of the {plural(total, 'CloudWatch alarm')} watches an AWS/Bedrock metric.")


@probe("bedrock_dashboard_present", "cloudwatch.dashboards")
def bedrock_dashboard_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A CloudWatch dashboard shows AWS/Bedrock metrics."""
    data = ev.get("cloudwatch.dashboards")
    hits = [d["name"] for d in data["dashboards"] if d["mentions_bedrock"] or _bedrock_refs(d["metrics"])]
    if hits:
        return met(f"Dashboard {names(hits)} shows AWS/Bedrock metrics.")
    return not_met(f"None of the {plural(data['total'], 'CloudWatch dashboard')} shows AWS/Bedrock metrics.")


@probe("token_and_latency_tracked", "cloudwatch.alarms", "cloudwatch.dashboards")
def token_and_latency_tracked(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Alarms or dashboards cover both token counts and InvocationLatency."""
    where: dict[str, list[str]] = {"tokens": [], "latency": []}
    watchers = [("alarm", a) for a in ev.get("cloudwatch.alarms")["alarms"]]
    watchers += [("dashboard", d) for d in ev.get("cloudwatch.dashboards")["dashboards"]]
    for kind, w in watchers:
        for r in _bedrock_refs(w["metrics"]):
            if r["metric"] in TOKEN_METRICS:
                where["tokens"].append(f"{kind} {w['name']}")
            elif r["metric"] == "InvocationLatency":
                where["latency"].append(f"{kind} {w['name']}")
    tokens, latency = sorted(set(where["tokens"])), sorted(set(where["latency"]))
    if tokens and latency:
        return met(f"Token counts are tracked by {names(tokens)} and InvocationLatency by {names(latency)}.")
    lacking = [w for w, found in (("token counts", tokens), ("InvocationLatency", latency)) if not found]
    return not_met(
        f"No alarm or dashboard covers {' or '.join(lacking)}"
        + (f" (found only: {names(tokens + latency)})." if tokens or latency else ".")
    )


@probe("model_usage_insight_rule_present", "cloudwatch.insight_rules", "bedrock.invocation_logging")
def model_usage_insight_rule_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Contributor Insights rule breaks usage down by $.modelId."""
    rules = ev.get("cloudwatch.insight_rules")["rules"]
    logging = ev.optional("bedrock.invocation_logging") or {}
    group = logging.get("logGroupName")
    hits = [
        r["name"]
        for r in rules
        if any("modelId" in k for k in r["keys"]) and (not group or group in r["log_groups"])
    ]
    if hits:
        return met(f"Contributor Insights rule {names(hits)} ranks invocations by $.modelId.")
    return not_met(
        f"None of the {plural(len(rules), 'Contributor Insights rule')} is keyed on $.modelId"
        + (f" over {group}." if group else ".")
    )


# Model ids that do not generate text (Bedrock model cards: output modality embedding, image, video, speech,
# or a reranker). Traffic to them is no "cheap vs strong" routing of text generation.
NOT_TEXT_GENERATION = re.compile(
    r"embed|rerank|image|canvas|reel|sonic|^stability\.|^luma\.|^twelvelabs\.|stable-|sd3|marengo", re.I
)
# Routers and application inference profiles are named by ARN, not by model: their model is not in the id.
ROUTER_ID = re.compile(r":(default-)?prompt-router/")
UNNAMED_MODEL_ID = re.compile(
    r":(application-inference-profile|provisioned-model|custom-model|imported-model)/"
)


def model_family(model_id: str) -> str | None:
    """The text-generation model line and tier a ModelId names, or None (not a text-generation foundation
    model, or an ARN that does not name its model).

    anthropic.claude-3-5-haiku-20241022-v1:0 and us.anthropic.claude-haiku-4-5-20251001-v1:0 are both
    anthropic.claude-haiku (Region prefix, dates, versions and version numbers dropped): a newer version of
    the same tier is not routing. amazon.nova-lite-v1:0 -> amazon.nova-lite; meta.llama3-1-8b-instruct-v1:0
    -> meta.llama3-8b-instruct."""
    if ROUTER_ID.search(model_id) or UNNAMED_MODEL_ID.search(model_id):
        return None
    bare = CROSS_REGION.sub("", model_id.split("/")[-1]).removesuffix(" (bedrock-mantle)")
    if "." not in bare or NOT_TEXT_GENERATION.search(bare):
        return None
    provider, name = bare.split(".", 1)
    name = re.sub(r"-v\d+(:\d+)?$|:\d+$", "", name)
    name = re.sub(r"-\d{8}|-\d{4}$", "", name)  # release dates (20241022) and Mistral's 2402/2407
    name = re.sub(r"-v\d+$", "", name)
    tokens = [t for t in name.split("-") if t and not t.isdigit()]
    return f"{provider}.{'-'.join(tokens)}" if tokens else None


@probe(
    "multiple_model_families_in_use",
    "cloudwatch.metric_stats",
    params={
        "min_families": Param(
            int, default=2, min=2, help="text-generation model tiers that must carry traffic"
        )
    },
)
def multiple_model_families_in_use(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """At least `min_families` text-generation model tiers (e.g. Claude Haiku and Sonnet) carry traffic.

    Embedding, image, video, speech and rerank models do not count, nor do newer versions of the same tier
    (claude-3-sonnet and claude-sonnet-4 are one tier)."""
    need = int(params.get("min_families", 2))
    traffic = model_traffic(ev.get("cloudwatch.metric_stats"))
    by_family: dict[str, list[str]] = {}
    for m in sorted(traffic):
        fam = model_family(m)
        if fam:
            by_family.setdefault(fam, []).append(m)
    families = sorted(by_family)
    ignored = sorted(m for m in traffic if not model_family(m))
    tail = (
        f" (not counted: {names(ignored)}, which are not text-generation models or do not name their model)"
        if ignored
        else ""
    )
    if len(families) >= need:
        return met(
            f"{len(families)} text-generation model tiers carry traffic in {ev.scope.region}: "
            f"{names(families)}{tail}."
        )
    return not_met(
        f"Only {plural(len(families), 'text-generation model tier')} carried traffic"
        + (f" ({names(families)})" if families else "")
        + tail
        + f"; routing needs at least {need}."
    )


@probe("routed_model_ids_in_use", "cloudwatch.metric_stats")
def routed_model_ids_in_use(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Traffic goes through a prompt router's ARN (a custom router or a default one) as the ModelId.

    An application inference profile does not route: it tracks one model (or one system-defined
    cross-Region profile) for cost and usage (CreateInferenceProfile modelSource copyFrom)."""
    traffic = model_traffic(ev.get("cloudwatch.metric_stats"))
    routed = [m for m in sorted(traffic) if ROUTER_ID.search(m)]
    if routed:
        return met(
            f"Traffic goes through prompt router {names([f'{m} ({traffic[m]:,.0f} calls)' for m in routed])}."
        )
    return not_met(f"None of the {plural(len(traffic), 'ModelId')} with traffic is a prompt router ARN.")


@probe("cross_region_inference_in_use", "cloudwatch.metric_stats")
def cross_region_inference_in_use(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Traffic uses cross-Region inference profiles (us./eu./apac./global. model ids).

    A fact about capacity: cross-Region inference spreads requests over Regions for throughput. It is not a
    failure path, so no rule counts it as self-healing."""
    traffic = model_traffic(ev.get("cloudwatch.metric_stats"))
    profiles = [m for m in traffic if CROSS_REGION.match(m.split("/")[-1])]
    if profiles:
        return met(f"Cross-Region inference profile {names(profiles)} carries traffic.")
    return not_met("No traffic used a cross-Region inference profile (no us./eu./apac./global. ModelId).")


@probe("prompt_cache_reads_present", "cloudwatch.metric_stats", "cloudwatch.metric_catalog")
def prompt_cache_reads_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock prompt-cache reads happened (CacheReadInputTokenCount or CacheReadInputTokens > 0)."""
    catalog = ev.get("cloudwatch.metric_catalog")
    spellings = ms.discovered(catalog, "AWS/Bedrock", ("CacheReadInputTokenCount", "CacheReadInputTokens"))
    if not spellings:
        return not_met(
            "No Bedrock cache-token metric was published (neither CacheReadInputTokenCount nor "
            "CacheReadInputTokens): prompt caching is not in use."
        )
    reads = ms.by_dimension(ev.get("cloudwatch.metric_stats"), "AWS/Bedrock", spellings, "Sum", "ModelId")
    hits = {m: v for m, v in reads.items() if v > 0}
    if hits:
        return met(
            f"Prompt-cache reads of {sum(hits.values()):,.0f} tokens ({spellings[0]}) "
            f"on {names(sorted(hits))}."
        )
    return not_met(f"{spellings[0]} is published but recorded no cache reads in the period.")


def _custom(ev: Evidence, pattern: str) -> list[str]:
    catalog = ev.get("cloudwatch.metric_catalog")
    rx = re.compile(pattern, re.I)
    return sorted(
        {
            f"{m['namespace']}/{m['metric']}"
            for m in catalog["metrics"]
            if m.get("custom") and rx.search(m["metric"])
        }
    )


@probe("confidence_metric_published", "cloudwatch.metric_catalog")
def confidence_metric_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A custom CloudWatch metric publishes confidence scores for outputs."""
    found = _custom(ev, "confidence")
    if found:
        return met(f"Custom metric {names(found)} publishes confidence scores.")
    return cannot_tell(
        "No custom metric named like 'confidence' exists; confidence scores are not visible in "
        "AWS otherwise, so a person must attest this.",
        missing=("attestation",),
    )


@probe("user_feedback_metric_present", "cloudwatch.metric_catalog")
def user_feedback_metric_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A custom CloudWatch metric carries user feedback (thumbs up/down)."""
    found = _custom(ev, "feedback|thumbs")
    if found:
        return met(f"Custom metric {names(found)} carries user feedback.")
    return not_met(
        "No custom CloudWatch metric carries user feedback (no metric named like feedback or thumbs)."
    )


@probe("guardrail_interventions_observed", "cloudwatch.metric_stats")
def guardrail_interventions_observed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Guardrails intervened at least once in the period (Guardrails InvocationsIntervened > 0)."""
    stats = ev.get("cloudwatch.metric_stats")
    pts = [
        p
        for p in ms.select(
            stats,
            "AWS/Bedrock/Guardrails",
            "InvocationsIntervened",
            "Sum",
            ("GuardrailArn", "GuardrailVersion"),
        )
        if p.value > 0
    ]
    pts = pts or [
        p
        for dims in ((), ("Operation",))
        for p in ms.select(stats, "AWS/Bedrock/Guardrails", "InvocationsIntervened", "Sum", dims)
        if p.value > 0
    ]
    if pts:
        return met(
            f"Guardrails intervened {sum(p.value for p in pts):,.0f} times in the period "
            f"({names([p.label() for p in pts])})."
        )
    return not_met(
        "No guardrail intervention (AWS/Bedrock/Guardrails InvocationsIntervened) was recorded in the period."
    )


AUTOMATION = re.compile(
    r"^arn:aws[\w-]*:(lambda:|ssm:.*automation-definition|automate:|ssm-incidents:|"
    r"autoscaling:|swf:|states:)"
)


@probe("alarms_trigger_automation", "cloudwatch.alarms")
def alarms_trigger_automation(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An alarm action starts automation (Lambda, SSM Automation, Incident Manager), not only a notice."""
    alarms = ev.get("cloudwatch.alarms")["alarms"]
    hits = [
        f"{a['name']} -> {act.split(':')[2]}" for a in alarms for act in a["actions"] if AUTOMATION.match(act)
    ]
    if hits:
        return met(f"Alarm {names(hits)} triggers automated remediation.")
    return not_met(
        f"None of the {plural(len(alarms), 'alarm')} triggers automation (actions are notifications or none)."
    )
