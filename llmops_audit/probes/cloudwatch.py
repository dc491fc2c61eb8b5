"""Probes over CloudWatch metrics, alarms, dashboards and Contributor Insights rules."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence import series as ms
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes import workload
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
    """Refs to AWS/Bedrock* metrics, and metric-math or SEARCH expressions that name an AWS/Bedrock namespace."""
    return [
        r
        for r in refs
        if r.get("namespace", "").startswith("AWS/Bedrock") or "AWS/Bedrock" in str(r.get("expression") or "")
    ]


def _alarm_label(alarm: dict[str, Any]) -> str:
    refs = _bedrock_refs(alarm["metrics"])
    return f"{alarm['name']} ({', '.join(r['metric'] or str(r.get('expression')) for r in refs)})"


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


@probe(
    "model_usage_insight_rule_present",
    "cloudwatch.insight_rules",
    "bedrock.invocation_logging",
    "lambda.functions",
    "xray.traces",
)
def model_usage_insight_rule_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Contributor Insights rule over the LLM workload's logs (the invocation log, LLM functions' logs)
    sums token counts (ValueOf) by $.modelId."""
    rules = ev.get("cloudwatch.insight_rules")["rules"]
    # Counting calls per model tracks neither tokens nor latency: the rule must sum a token field (ValueOf).
    keyed = [
        r
        for r in rules
        if any("modelId" in k for k in r["keys"]) and "token" in str(r.get("value_of") or "").lower()
    ]
    if not keyed:  # no rule anywhere sums tokens by model: the log groups do not matter
        return not_met(
            f"None of the {plural(len(rules), 'Contributor Insights rule')} sums token counts by $.modelId."
        )
    group = ev.get("bedrock.invocation_logging").get("logGroupName")
    try:
        w = workload.functions(ev)
    except MissingEvidence:
        w = workload.Workload(gaps=["the Lambda functions could not be read"])
    groups = workload.log_groups(w, group)
    hits = [r["name"] for r in keyed if groups & set(r["log_groups"])]
    if hits:
        return met(
            f"Contributor Insights rule {names(hits)} sums the LLM workload's token counts by $.modelId."
        )
    if keyed and w.gaps:
        return cannot_tell(
            f"Rule {names([r['name'] for r in keyed])} is keyed on $.modelId but not over a known LLM log group, "
            f"and {'; '.join(w.gaps)}."
        )
    return not_met(
        f"None of the {plural(len(rules), 'Contributor Insights rule')} sums token counts by $.modelId over the LLM "
        "workload's log groups" + (f" ({names(sorted(groups))})." if groups else " (there is none).")
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


def _custom(ev: Evidence, pattern: str) -> tuple[list[str], list[str], Verdict | None]:
    """(custom metrics named like `pattern` tied to the LLM workload, those not tied, the verdict when the
    workload is absent). A tie is a dimension naming an LLM function or a Bedrock model, or a metric filter on
    an LLM log group producing the metric (probes/workload.py); the name alone is none."""
    catalog = ev.get("cloudwatch.metric_catalog")
    rx = re.compile(pattern, re.I)
    candidates = [m for m in catalog["metrics"] if m.get("custom") and rx.search(m["metric"])]
    if not candidates:
        return [], [], None
    try:
        w = workload.functions(ev)
    except MissingEvidence:
        w = workload.Workload(gaps=["the Lambda functions could not be read"])
    group = (ev.optional("bedrock.invocation_logging") or {}).get("logGroupName")
    filters = (ev.optional("logs.metric_filters") or {"filters": []})["filters"]
    produced = workload.filter_metrics(filters, workload.log_groups(w, group))
    tied, untied = set(), set()
    for m in candidates:
        why = workload.metric_ties(m, w, produced)
        label = f"{m['namespace']}/{m['metric']}"
        if why:
            tied.add(f"{label} ({why[0]})")
        else:
            untied.add(label)
    absent = None
    stats = ev.optional("cloudwatch.metric_stats")
    traffic = model_traffic(stats) if stats is not None else None
    if not tied and not w.functions and not w.gaps and not group and traffic == {}:
        absent = not_met(
            f"Custom metric {names(sorted(untied))} cannot measure model outputs: no LLM workload was found "
            "(no Bedrock traffic, no invocation logging, no LLM function)."
        )
    return sorted(tied), sorted(untied), absent


CUSTOM_SECTIONS = (
    "cloudwatch.metric_catalog",
    "cloudwatch.metric_stats",
    "lambda.functions",
    "xray.traces",
    "logs.metric_filters",
    "bedrock.invocation_logging",
)


@probe("confidence_metric_published", *CUSTOM_SECTIONS)
def confidence_metric_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A custom CloudWatch metric tied to the LLM workload publishes confidence scores for outputs."""
    tied, untied, absent = _custom(ev, "confidence")
    if tied:
        return met(f"Custom metric {names(tied)} publishes confidence scores of the LLM workload.")
    if absent:
        return absent
    if untied:
        return cannot_tell(
            f"Custom metric {names(untied)} is named like confidence, but nothing ties it to the LLM workload "
            "(no dimension naming an LLM function or model, no metric filter on an LLM log group): a person "
            "must attest what it measures.",
            missing=("attestation",),
        )
    return cannot_tell(
        "No custom metric named like 'confidence' exists; confidence scores are not visible in "
        "AWS otherwise, so a person must attest this.",
        missing=("attestation",),
    )


@probe("user_feedback_metric_present", *CUSTOM_SECTIONS)
def user_feedback_metric_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A custom CloudWatch metric tied to the LLM workload carries user feedback (thumbs up/down)."""
    tied, untied, absent = _custom(ev, "feedback|thumbs")
    if tied:
        return met(f"Custom metric {names(tied)} carries user feedback on the LLM workload.")
    if absent:
        return absent
    if untied:
        return cannot_tell(
            f"Custom metric {names(untied)} is named like feedback, but nothing ties it to the LLM workload "
            "(no dimension naming an LLM function or model, no metric filter on an LLM log group): a person "
            "must attest what it measures.",
            missing=("attestation",),
        )
    return not_met(
        "No custom CloudWatch metric carries user feedback (no metric named like feedback or thumbs)."
    )


@probe(
    "guardrail_interventions_observed",
    "cloudwatch.metric_stats",
    "bedrock.guardrails",
    "agents.agents",
    "bedrock.enforced_guardrails",
    "agents.flows",
)
def guardrail_interventions_observed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Guardrails the workload uses intervened at least once in the period (their own InvocationsIntervened
    series > 0). A guardrail is used as the guardrail rules say: invoked per request, attached to an agent or
    enforced account-wide. Series that name no guardrail are account-wide and prove nothing."""
    from llmops_audit.probes.bedrock import guardrail_totals, guardrail_usage

    t = guardrail_totals(ev.get("cloudwatch.metric_stats"), "InvocationsIntervened")
    if not t.total:
        return not_met(
            "No guardrail intervention (AWS/Bedrock/Guardrails InvocationsIntervened) was recorded in the period."
        )
    if not t.attributed:
        return cannot_tell(
            f"Guardrails intervened {t.total:,.0f} times in the account (series by {t.dims}), but no series names "
            "the guardrail, so whether a guardrail the workload uses intervened is unknown."
        )
    listed = ev.get("bedrock.guardrails")["guardrails"]
    names_by_id = {g["id"]: g.get("name") or g["id"] for g in listed}
    usage = guardrail_usage(ev, listed)
    used, other = [], []
    for (gid, version), x in sorted(t.per_guardrail.items(), key=str):
        if not x:
            continue
        label = f"{names_by_id.get(gid, gid)}{' v' + version if version else ''}: {x:,.0f}"
        wheres = [w for w, _ in usage.uses.get(gid, [])] if gid in names_by_id else []
        if wheres:
            used.append((label, x, wheres))
        else:
            other.append(label)
    if used:
        total = sum(x for _, x, _ in used)
        return met(
            f"Guardrails the workload uses intervened {total:,.0f} times in the period (series by {t.dims}; "
            + names([f"{label} ({'; '.join(dict.fromkeys(w))})" for label, _, w in used])
            + ")."
            + (
                " Only series split by policy type exist, so this is an upper bound." if t.upper_bound else ""
            ),
            *(
                [f"Interventions of {names(other)} are not counted: nothing shows the workload uses them."]
                if other
                else []
            ),
        )
    if usage.unread:
        return cannot_tell(
            f"Guardrail {names(other)} intervened, but whether the workload uses it is unknown: "
            f"{names(usage.unread)} could not be read.",
            missing=usage.missing,
        )
    return not_met(
        f"Guardrail {names(other)} intervened, but it is not one this account's guardrails list shows in use "
        "(invoked, attached to an agent, or enforced), so it proves nothing about the workload."
    )


# Alarm actions that remediate by themselves: a Lambda function, an SSM Automation runbook, an Auto Scaling
# policy (CloudWatch User Guide, "Alarm actions"). EC2 actions (arn:aws:automate:...:ec2:reboot) act on an
# instance's own metrics, never on the LLM workload's; OpsItems and Incident Manager incidents page people.
AUTOMATION = re.compile(r"^arn:aws[\w-]*:(lambda:|ssm:[^:]*:[^:]*:automation-definition/|autoscaling:)")


def _llm_alarms(ev: Evidence) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """(the LLM workload's alarms, all alarms, why the set may be incomplete)."""
    alarms = ev.get("cloudwatch.alarms")["alarms"]
    try:
        w = workload.functions(ev)
    except MissingEvidence:
        w = workload.Workload(gaps=["the Lambda functions could not be read"])
    api_names: set[str] = set()
    for section in ("apigateway.rest_apis", "apigateway.http_apis"):
        got = ev.optional(section)
        if got is None:
            w.gaps.append(f"{section} could not be read")
            continue
        for a in got["apis"]:
            if workload.api_targets(a, w):
                api_names |= {str(a.get("name")), str(a.get("id"))}
    machine_arns: set[str] = set()
    if ev.optional("stepfunctions.state_machines") is not None:
        machine_arns = {m["arn"] for m in workload.machines(ev, w)[0]}
    group = (ev.optional("bedrock.invocation_logging") or {}).get("logGroupName")
    filters = (ev.optional("logs.metric_filters") or {"filters": []})["filters"]
    produced = workload.filter_metrics(filters, workload.log_groups(w, group))
    llm = [
        a
        for a in alarms
        if any(workload.metric_ties(r, w, produced, api_names, machine_arns) for r in a["metrics"])
    ]
    llm_names = {a["name"] for a in llm}
    llm += [
        a
        for a in alarms
        if a.get("type") == "composite"
        and any(f'"{n}"' in a.get("rule", "") or f"({n})" in a.get("rule", "") for n in llm_names)
    ]
    return llm, alarms, w.gaps


@probe(
    "alarms_trigger_automation",
    "cloudwatch.alarms",
    "lambda.functions",
    "xray.traces",
    "apigateway.rest_apis",
    "apigateway.http_apis",
    "stepfunctions.state_machines",
    "logs.metric_filters",
    "bedrock.invocation_logging",
)
def alarms_trigger_automation(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An alarm on the LLM workload's metrics starts remediation (a Lambda function directly or through SNS,
    SSM Automation, Auto Scaling), not only a notice."""
    llm, alarms, gaps = _llm_alarms(ev)
    topics = ev.get("cloudwatch.alarms").get("topics") or {}
    hits, unread = [], []
    for a in llm:
        for act in a["actions"]:
            if AUTOMATION.match(act):
                hits.append(f"{a['name']} -> {act.split(':')[2]} {act.split(':')[-1].split('/')[-1]}")
            elif ":sns:" in act:
                subs = topics.get(act)
                fns = [s for s in subs or [] if ":lambda:" in s]
                if fns:
                    hits.append(
                        f"{a['name']} -> SNS {act.split(':')[-1]} -> Lambda {names([s.split(':')[-1] for s in fns])}"
                    )
                elif subs is None:
                    unread.append(f"{a['name']} -> SNS {act.split(':')[-1]}")
    if hits:
        return met(f"Alarm {names(hits)} on the LLM workload triggers automated remediation.")
    if unread:
        return cannot_tell(
            f"The subscribers of {names(unread)} could not be read, so whether they remediate is unknown."
        )
    if llm:
        return not_met(
            f"None of the {plural(len(llm), 'LLM workload alarm')} ({names([a['name'] for a in llm])}) triggers "
            "automation (actions are notifications or none)."
        )
    if gaps and alarms:
        return cannot_tell(f"No alarm is known to watch the LLM workload: {'; '.join(gaps)}.")
    return not_met(
        f"None of the {plural(len(alarms), 'alarm')} watches the LLM workload (AWS/Bedrock metrics, LLM "
        "functions, APIs or state machines), so none heals it."
    )
