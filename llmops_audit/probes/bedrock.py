"""Probes over the Bedrock control plane: logging, guardrails, evaluations, profiles, routers, jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from llmops_audit.evidence import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe

HALLUCINATION_METRICS = {"Builtin.Faithfulness", "Builtin.Correctness"}
REFUSAL_METRICS = {"Builtin.Refusal", "Builtin.Harmfulness"}


@probe("bedrock_invocation_logging_enabled", "bedrock.invocation_logging", "logs.invocation_log_group")
def bedrock_invocation_logging_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Model invocation logging has a destination with text delivery on (and its log group exists)."""
    cfg = ev.get("bedrock.invocation_logging")
    if not cfg["enabled"]:
        return not_met("Bedrock model invocation logging is off (no CloudWatch Logs or S3 destination).")
    dest = " and ".join(x for x in (cfg["logGroupName"] and f"log group {cfg['logGroupName']}",
                                     cfg["s3Bucket"] and f"bucket {cfg['s3Bucket']}") if x)
    if not cfg["textDataDeliveryEnabled"]:
        return not_met(f"Invocation logging goes to {dest} but text delivery is off, so inputs and outputs are not logged.")
    if cfg["logGroupName"]:
        group = ev.optional("logs.invocation_log_group")
        if group is not None and not group.get("exists"):
            return not_met(f"Invocation logging points at log group {cfg['logGroupName']}, which does not exist.")
        if group and group.get("exists"):
            retention = group.get("retentionInDays")
            return met(f"Invocation logging delivers text to {dest} (group exists, retention "
                       f"{str(retention) + ' days' if retention else 'never expires'}).")
    return met(f"Invocation logging delivers text to {dest}.")


def _guardrails(ev: Evidence) -> list[dict[str, Any]]:
    return ev.get("bedrock.guardrails")["guardrails"]


@probe("guardrail_pii_policy_present", "bedrock.guardrails")
def guardrail_pii_policy_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has a sensitive-information policy (PII entities or regexes)."""
    hits = [g for g in _guardrails(ev) if g["piiEntities"] or g["regexes"]]
    if hits:
        return met(f"Guardrail {names([_pii_text(g) for g in hits])}.")
    return not_met(f"None of the {plural(len(_guardrails(ev)), 'guardrail')} has PII entities or regexes.")


def _pii_text(g: dict[str, Any]) -> str:
    return f"{g['name']} v{g['detailVersion']} filters {plural(len(g['piiEntities']), 'PII entity', 'PII entities')}" + (
        f" and {plural(g['regexes'], 'regex', 'regexes')}" if g["regexes"] else "")


@probe("guardrail_pii_enforced", "bedrock.guardrails", "agents.agents", "bedrock.enforced_guardrails")
def guardrail_pii_enforced(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail with a PII policy is attached to an agent or enforced account-wide."""
    pii = {g["id"]: g for g in _guardrails(ev) if g["piiEntities"] or g["regexes"]}
    if not pii:
        return not_met(f"None of the {plural(len(_guardrails(ev)), 'guardrail')} has PII entities or regexes.")
    enforced = ev.optional("bedrock.enforced_guardrails") or {"configs": []}
    for c in enforced["configs"]:
        if c["guardrailId"] in pii:
            return met(f"Guardrail {_pii_text(pii[c['guardrailId']])} and is enforced for the account.")
    agents = ev.get("agents.agents")["agents"]
    attached = [(a["name"], pii[_gid(a)]) for a in agents if a.get("guardrail") and _gid(a) in pii]
    if attached:
        return met(f"Guardrail {_pii_text(attached[0][1])}, attached to agent {names([a for a, _ in attached])}.")
    return not_met(f"Guardrail {names([g['name'] for g in pii.values()])} has a PII policy but is attached to no agent "
                   "and not enforced.")


def _gid(agent: dict[str, Any]) -> str:
    gid = (agent.get("guardrail") or {}).get("id") or ""
    return gid.split("/")[-1]


@probe("guardrail_contextual_grounding_present", "bedrock.guardrails")
def guardrail_contextual_grounding_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has a contextual-grounding filter (grounding/relevance scores against the source)."""
    hits = [g for g in _guardrails(ev) if g["groundingFilters"]]
    if hits:
        g = hits[0]
        filters = ", ".join(f"{f['type']} ≥ {f['threshold']}" for f in g["groundingFilters"])
        return met(f"Guardrail {g['name']} v{g['detailVersion']} scores responses with contextual grounding ({filters}).")
    text = f"None of the {plural(len(_guardrails(ev)), 'guardrail')} has a contextual-grounding filter"
    if params.get("absent_is_unknown"):
        return cannot_tell(text + "; otherwise this is not visible in AWS, so a person must attest it.",
                           missing=("attestation",))
    return not_met(text + ".")


@probe("guardrail_prompt_attack_filter_present", "bedrock.guardrails")
def guardrail_prompt_attack_filter_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has a PROMPT_ATTACK content filter."""
    hits = [g["name"] for g in _guardrails(ev) if "PROMPT_ATTACK" in g["contentFilters"]]
    if hits:
        return met(f"Guardrail {names(hits)} blocks prompt attacks (PROMPT_ATTACK filter).")
    return not_met("No guardrail has a PROMPT_ATTACK content filter.")


@probe("guardrail_versions_published", "bedrock.guardrails")
def guardrail_versions_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has published (numbered) versions."""
    hits = [f"{g['name']} ({', '.join(v for v in g['versions'] if v != 'DRAFT')})" for g in _guardrails(ev)
            if any(v != "DRAFT" for v in g["versions"])]
    if hits:
        return met(f"Guardrail {names(hits)} has published versions.")
    return not_met(f"None of the {plural(len(_guardrails(ev)), 'guardrail')} has a published version (DRAFT only).")


@probe("guardrail_automated_reasoning_attached", "bedrock.guardrails")
def guardrail_automated_reasoning_attached(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has an automated-reasoning policy attached."""
    hits = [g["name"] for g in _guardrails(ev) if g["automatedReasoningPolicies"]]
    if hits:
        return met(f"Guardrail {names(hits)} checks responses against an automated-reasoning policy.")
    return not_met("No guardrail has an automated-reasoning policy attached.")


def _jobs(ev: Evidence, days: int, now: datetime) -> list[dict[str, Any]]:
    since = now - timedelta(days=days)
    out = []
    for j in ev.get("bedrock.evaluation_jobs")["jobs"]:
        try:
            created = datetime.fromisoformat(j["created"])
        except ValueError:
            continue
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if created >= since:
            out.append(j)
    return out


def _completed_automated(ev: Evidence, days: int) -> list[dict[str, Any]]:
    return [j for j in _jobs(ev, days, ev.scope.end) if j["status"] == "Completed" and j["jobType"] == "Automated"]


@probe("automated_evaluation_jobs_completed", "bedrock.evaluation_jobs")
def automated_evaluation_jobs_completed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An automated Bedrock evaluation job completed within the last `days` days."""
    days = int(params.get("days", 90))
    jobs = _completed_automated(ev, days)
    if jobs:
        return met(f"{plural(len(jobs), 'automated evaluation job')} completed in the last {days} days: "
                   f"{names([j['name'] + ' (' + ', '.join(j['metrics'][:3]) + ')' for j in jobs])}.")
    total = len(ev.get("bedrock.evaluation_jobs")["jobs"])
    return not_met(f"No automated evaluation job completed in the last {days} days ({plural(total, 'job')} listed).")


@probe("evaluation_hallucination_metrics_used", "bedrock.evaluation_jobs")
def evaluation_hallucination_metrics_used(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A completed evaluation job measures faithfulness or correctness (hallucination metrics)."""
    hits = [j for j in ev.get("bedrock.evaluation_jobs")["jobs"]
            if j["status"] == "Completed" and HALLUCINATION_METRICS & (set(j["metrics"]) | set(j["scores"]))]
    if hits:
        used = sorted(HALLUCINATION_METRICS & {m for j in hits for m in set(j["metrics"]) | set(j["scores"])})
        return met(f"Evaluation job {names([j['name'] for j in hits])} measures {', '.join(used)}.")
    return not_met("No completed evaluation job measures Builtin.Faithfulness or Builtin.Correctness.")


@probe("evaluations_recurring", "bedrock.evaluation_jobs")
def evaluations_recurring(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """At least `min_jobs` automated evaluation jobs completed within the last `days` days."""
    days, need = int(params.get("days", 30)), int(params.get("min_jobs", 2))
    jobs = _completed_automated(ev, days)
    if len(jobs) >= need:
        return met(f"{len(jobs)} automated evaluation jobs completed in the last {days} days: {names([j['name'] for j in jobs])}.")
    return not_met(f"Only {plural(len(jobs), 'automated evaluation job')} completed in the last {days} days; "
                   f"continuous evaluation needs at least {need}.")


@probe("evaluation_refusal_metrics_used", "bedrock.evaluation_jobs")
def evaluation_refusal_metrics_used(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A completed evaluation job scores refusal or harmfulness."""
    hits = [j["name"] for j in ev.get("bedrock.evaluation_jobs")["jobs"]
            if j["status"] == "Completed" and REFUSAL_METRICS & (set(j["metrics"]) | set(j["scores"]))]
    if hits:
        return met(f"Evaluation job {names(hits)} scores Builtin.Refusal or Builtin.Harmfulness.")
    return not_met("No completed evaluation job scores Builtin.Refusal or Builtin.Harmfulness.")


@probe("human_evaluation_jobs_present", "bedrock.evaluation_jobs")
def human_evaluation_jobs_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A human (jobType Human) evaluation job exists."""
    hits = [j["name"] for j in ev.get("bedrock.evaluation_jobs")["jobs"] if j["jobType"] == "Human"]
    if hits:
        return met(f"Human evaluation job {names(hits)} exists.")
    return not_met("No human evaluation job exists.")


@probe("application_inference_profiles_present", "bedrock.inference_profiles")
def application_inference_profiles_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Application inference profiles pin the models the workload calls."""
    profiles = ev.get("bedrock.inference_profiles")["profiles"]
    if profiles:
        return met(f"Application inference profile {names([p['name'] for p in profiles])} pins the models.")
    return not_met("No application inference profile exists.")


@probe("application_inference_profiles_tagged", "bedrock.inference_profiles")
def application_inference_profiles_tagged(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Application inference profiles carry tags for cost attribution."""
    profiles = ev.get("bedrock.inference_profiles")["profiles"]
    tagged = [f"{p['name']} ({', '.join(p['tags'])})" for p in profiles if p["tags"]]
    if tagged:
        return met(f"Application inference profile {names(tagged)} is tagged for cost attribution.")
    return not_met(f"None of the {plural(len(profiles), 'application inference profile')} carries tags.")


@probe("prompt_router_configured", "bedrock.prompt_routers")
def prompt_router_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A custom Bedrock prompt router routes between models."""
    routers = ev.get("bedrock.prompt_routers")["routers"]
    if routers:
        return met(f"Prompt router {names([r['name'] for r in routers])} routes between "
                   f"{plural(len(routers[0]['models']), 'model')}.")
    return not_met("No custom prompt router exists.")


@probe("prompt_router_fallback_configured", "bedrock.prompt_routers")
def prompt_router_fallback_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A prompt router has a fallback model."""
    hits = [f"{r['name']} (fallback {r['fallback'].split('/')[-1]})" for r in ev.get("bedrock.prompt_routers")["routers"]
            if r.get("fallback")]
    if hits:
        return met(f"Prompt router {names(hits)} falls back to another model.")
    return not_met("No prompt router with a fallback model exists.")


@probe("batch_inference_jobs_present", "bedrock.invocation_jobs")
def batch_inference_jobs_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Batch inference (model invocation) jobs are used."""
    jobs = ev.get("bedrock.invocation_jobs")["jobs"]
    if jobs:
        return met(f"{plural(len(jobs), 'batch inference job')} exist: {names([j['name'] for j in jobs])}.")
    return not_met("No batch inference job exists.")


@probe("customization_uses_invocation_logs", "bedrock.customization_jobs")
def customization_uses_invocation_logs(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A model customization job trained on invocation logs (learning from usage)."""
    jobs = ev.get("bedrock.customization_jobs")["jobs"]
    hits = [j["name"] for j in jobs if j["fromInvocationLogs"]]
    if hits:
        return met(f"Customization job {names(hits)} trained on model invocation logs.")
    return not_met(f"None of the {plural(len(jobs), 'model customization job')} trained on invocation logs.")


@probe("prompt_optimization_jobs_present", "bedrock.prompt_optimization_jobs")
def prompt_optimization_jobs_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Prompt optimization jobs adapt prompts (a weak sign; absence needs a person's attestation)."""
    data = ev.get("bedrock.prompt_optimization_jobs")
    if data["jobs"]:
        return met(f"Prompt optimization job {names([j['name'] for j in data['jobs']])} adapts prompts.")
    return cannot_tell("No prompt optimization job exists; whether prompts adapt to usage is otherwise not visible "
                       "in AWS, so a person must attest it.", missing=("attestation",))
