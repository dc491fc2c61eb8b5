"""Probes over Bedrock control-plane evidence: invocation logging, guardrails, evaluations, routing, jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe
from llmops_audit.probes.params import Param

HALLUCINATION_METRICS = ("Builtin.Faithfulness", "Builtin.Correctness")
REFUSAL_METRICS = ("Builtin.Refusal", "Builtin.Harmfulness")
ACTIVE = ("BLOCK", "ANONYMIZE")


def gaps(data: dict[str, Any], resource_prefix: str = "") -> tuple[str, ...]:
    """IAM actions of the sub-calls that failed while collecting `data` (optionally one resource kind)."""
    return tuple(
        sorted(
            {
                e["action"]
                for e in data.get("errors") or []
                if e.get("resource", "").startswith(resource_prefix)
            }
        )
    )


def read(ev: Evidence, section: str) -> tuple[Any, tuple[str, ...]]:
    """(data, ()) or (None, (the missing IAM action,)) for a section that is only supporting evidence."""
    try:
        return ev.get(section), ()
    except MissingEvidence as exc:
        return None, (exc.error.action,)


def when(value: Any) -> datetime | None:
    """A timestamp from the snapshot (ISO string or datetime), as an aware datetime (naive = UTC)."""
    if isinstance(value, datetime):
        t = value
    else:
        try:
            t = datetime.fromisoformat(str(value))
        except (TypeError, ValueError):
            return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def within(value: Any, end: datetime, days: float) -> bool:
    t = when(value)
    return t is not None and end - timedelta(days=days) <= t <= end + timedelta(days=1)


# -- invocation logging ---------------------------------------------------------------------------


@probe("bedrock_invocation_logging_enabled", "bedrock.invocation_logging", "logs.invocation_log_group")
def bedrock_invocation_logging_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock model invocation logging delivers text to CloudWatch Logs or S3 (and the log group exists)."""
    cfg = ev.get("bedrock.invocation_logging")
    region = ev.scope.region
    if not cfg.get("enabled"):
        return not_met(
            f"Model invocation logging in {region} has no CloudWatch Logs or S3 destination configured."
        )
    dests = []
    if cfg.get("logGroupName"):
        dests.append(f"log group {cfg['logGroupName']}")
    if cfg.get("s3Bucket"):
        dests.append(f"S3 bucket {cfg['s3Bucket']}")
    if not cfg.get("textDataDeliveryEnabled"):
        return not_met(
            f"Model invocation logging in {region} goes to {' and '.join(dests)} but text data delivery "
            "is off, so prompts and responses are not logged."
        )
    details = []
    if cfg.get("logGroupName"):
        group = ev.optional("logs.invocation_log_group")
        if group is not None and group.get("exists") is False:
            if not cfg.get("s3Bucket"):
                return not_met(
                    f"Model invocation logging in {region} points at log group {cfg['logGroupName']}, "
                    "which does not exist, so nothing is delivered."
                )
            details.append(f"The log group {cfg['logGroupName']} does not exist; only S3 delivery can work.")
        elif group is not None and group.get("exists"):
            retention = group.get("retentionInDays")
            details.append(
                f"Log group {cfg['logGroupName']} exists"
                + (f" with {retention}-day retention." if retention else " with no retention limit.")
            )
        elif not cfg.get("s3Bucket"):
            # The group's existence could not be read: logging to a group that does not exist delivers nothing.
            return cannot_tell(
                f"Model invocation logging in {region} points at log group {cfg['logGroupName']}, but whether "
                "that group exists could not be read (logs:DescribeLogGroups).",
                missing=("logs:DescribeLogGroups",),
            )
        else:
            details.append(f"Whether log group {cfg['logGroupName']} exists could not be checked.")
    return met(f"Model invocation logging in {region} delivers text data to {' and '.join(dests)}.", *details)


# -- guardrails -----------------------------------------------------------------------------------


def _guardrails(ev: Evidence) -> tuple[list[dict[str, Any]], list[dict[str, Any]], tuple[str, ...]]:
    """(guardrails with details, guardrails whose details are unknown, actions missing for them)."""
    data = ev.get("bedrock.guardrails")
    known = [g for g in data["guardrails"] if g.get("detail_version")]
    unknown = [g for g in data["guardrails"] if not g.get("detail_version")]
    return known, unknown, gaps(data, "guardrail")


def _label(g: dict[str, Any]) -> str:
    v = g.get("detail_version")
    return f"{g['name']} {'v' + v if v and v != 'DRAFT' else '(DRAFT)'}"


def _none_found(
    ev: Evidence,
    what: str,
    known: list,
    unknown: list,
    missing: tuple[str, ...],
    absent_is_unknown: bool = False,
) -> Verdict:
    if unknown:
        return cannot_tell(
            f"None of the {plural(len(known), 'readable guardrail')} {what}, and the settings of "
            f"{names([g['name'] for g in unknown])} could not be read.",
            missing=missing,
        )
    if not known:
        msg = f"No Bedrock guardrails exist in {ev.scope.region}, so none {what}."
    else:
        msg = f"None of the {plural(len(known), 'guardrail')} ({names([_label(g) for g in known])}) {what}."
    if absent_is_unknown:
        return cannot_tell(msg + " AWS cannot show other sources of this, so a person must attest it.")
    return not_met(msg)


def pii_guardrails(known: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str], int]]:
    """Guardrails with active PII entities or regexes: (guardrail, entity types, regex count)."""
    out = []
    for g in known:
        entities = [
            e["type"]
            for e in g.get("pii_entities") or []
            if any(e.get(k) in ACTIVE for k in ("action", "inputAction", "outputAction"))
        ]
        regexes = sum(1 for a in g.get("regex_actions") or [] if a in ACTIVE)
        if entities or regexes:
            out.append((g, entities, regexes))
    return out


def _pii_phrase(entities: list[str], regexes: int) -> str:
    parts = []
    if entities:
        parts.append(f"{plural(len(entities), 'PII entity', 'PII entities')} ({names(entities, 4)})")
    if regexes:
        parts.append(plural(regexes, "regex", "regexes"))
    return " and ".join(parts)


@probe("guardrail_pii_policy_present", "bedrock.guardrails")
def guardrail_pii_policy_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail blocks or masks PII entities or regex patterns."""
    known, unknown, missing = _guardrails(ev)
    hits = pii_guardrails(known)
    if hits:
        return met(
            "; ".join(
                f"Guardrail {_label(g)} has a sensitive-information policy with {_pii_phrase(e, r)}"
                for g, e, r in hits
            )
            + "."
        )
    return _none_found(ev, "has a sensitive-information (PII) policy", known, unknown, missing)


@probe("guardrail_pii_enforced", "bedrock.guardrails", "agents.agents", "bedrock.enforced_guardrails")
def guardrail_pii_enforced(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail with a PII policy is attached to an agent or enforced account-wide."""
    known, unknown, missing = _guardrails(ev)
    hits = pii_guardrails(known)
    if not hits:
        return _none_found(ev, "has a sensitive-information (PII) policy", known, unknown, missing)
    keys = {}
    for g, e, r in hits:
        for k in (g.get("id"), g.get("arn")):
            if k:
                keys[k] = (g, e, r)
    agents, agents_missing = read(ev, "agents.agents")
    enforced, enforced_missing = read(ev, "bedrock.enforced_guardrails")
    attached: dict[str, list[str]] = {}
    for a in (agents or {}).get("agents", []):
        gr = a.get("guardrail") or {}
        if gr.get("id") in keys:
            attached.setdefault(keys[gr["id"]][0]["id"], []).append(
                f"{a['name']} (v{gr.get('version') or 'DRAFT'})"
            )
    enforced_on: dict[str, str] = {}
    for c in (enforced or {}).get("configs", []):
        for k in (c.get("guardrailId"), c.get("guardrailArn")):
            if k in keys:
                enforced_on[keys[k][0]["id"]] = c.get("guardrailVersion") or "?"
    found = []
    for g, e, r in hits:
        where = []
        if g["id"] in attached:
            where.append(f"attached to agent {names(attached[g['id']])}")
        if g["id"] in enforced_on:
            where.append(f"enforced on all model calls of the account (v{enforced_on[g['id']]})")
        if where:
            found.append(f"Guardrail {g['name']} ({_pii_phrase(e, r)}) is {' and '.join(where)}")
    if found:
        return met("; ".join(found) + ".")
    pii_names = names([g["name"] for g, _, _ in hits])
    absent = agents_missing + enforced_missing
    agent_missing: tuple[str, ...] = ()
    if agents and any(not a.get("detail") and not a.get("guardrail") for a in agents.get("agents", [])):
        agent_missing = tuple(
            sorted({e["action"] for e in agents.get("errors") or [] if e["action"].endswith(":GetAgent")})
        ) or ("bedrock:GetAgent",)
    if absent or agent_missing:
        unread = [
            w
            for w, bad in (
                ("the agents' guardrail settings", agents is None or agent_missing),
                ("the account-level enforced guardrails", enforced is None),
            )
            if bad
        ]
        return cannot_tell(
            f"PII guardrail {pii_names} is not attached to any readable agent or enforcement, and "
            + " and ".join(unread)
            + " could not be read.",
            missing=tuple(sorted(set(absent + agent_missing))),
        )
    n_agents = len(agents.get("agents", []))
    return not_met(
        f"PII guardrail {pii_names} is neither attached to any of the {plural(n_agents, 'agent')} "
        "nor enforced account-wide."
    )


@probe(
    "guardrail_contextual_grounding_present",
    "bedrock.guardrails",
    params={
        "absent_is_unknown": Param(
            bool, default=False, help="no such filter comes out unknown (not False), for an `any:` fallback"
        ),
    },
)
def guardrail_contextual_grounding_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has a contextual-grounding (GROUNDING or RELEVANCE) filter."""
    known, unknown, missing = _guardrails(ev)
    hits = []
    for g in known:
        filters = [f for f in g.get("grounding_filters") or [] if f.get("enabled") is not False]
        if filters:
            hits.append(
                f"Guardrail {_label(g)} has contextual-grounding filters "
                + ", ".join(f"{f['type']} (threshold {f.get('threshold')})" for f in filters)
            )
    if hits:
        return met("; ".join(hits) + ".")
    return _none_found(
        ev,
        "has a contextual-grounding filter",
        known,
        unknown,
        missing,
        absent_is_unknown=bool(params.get("absent_is_unknown", False)),
    )


@probe("guardrail_prompt_attack_filter_present", "bedrock.guardrails")
def guardrail_prompt_attack_filter_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has a PROMPT_ATTACK content filter on input."""
    known, unknown, missing = _guardrails(ev)
    hits = []
    for g in known:
        for f in g.get("content_filters") or []:
            if (
                f.get("type") == "PROMPT_ATTACK"
                and f.get("inputStrength") not in (None, "NONE")
                and f.get("inputEnabled") is not False
            ):
                hits.append(
                    f"Guardrail {_label(g)} has a PROMPT_ATTACK filter at {f['inputStrength']} input strength"
                )
    if hits:
        return met("; ".join(hits) + ".")
    return _none_found(ev, "has a PROMPT_ATTACK (prompt-injection) filter", known, unknown, missing)


@probe("guardrail_versions_published", "bedrock.guardrails")
def guardrail_versions_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has at least one numbered (published) version."""
    data = ev.get("bedrock.guardrails")
    hits = [
        f"{g['name']} (versions {', '.join(g['versions'])})" for g in data["guardrails"] if g.get("versions")
    ]
    if hits:
        return met(f"Guardrail {names(hits)} has published versions.")
    missing = gaps(data, "guardrail")
    if missing:
        return cannot_tell(
            "No guardrail shows a published version, but some guardrails' versions could not be listed.",
            missing=missing,
        )
    if not data["guardrails"]:
        return not_met(f"No Bedrock guardrails exist in {ev.scope.region}, so none has a published version.")
    return not_met(f"Guardrail {names([g['name'] for g in data['guardrails']])} has only a DRAFT version.")


@probe("guardrail_automated_reasoning_attached", "bedrock.guardrails", "bedrock.automated_reasoning_policies")
def guardrail_automated_reasoning_attached(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail has an Automated Reasoning policy attached."""
    known, unknown, missing = _guardrails(ev)
    policies = {
        p["arn"]: p["name"]
        for p in (ev.optional("bedrock.automated_reasoning_policies") or {}).get("policies", [])
        if p.get("arn")
    }
    hits = []
    for g in known:
        arns = g.get("automated_reasoning_policies") or []
        if arns:
            hits.append(
                f"Guardrail {_label(g)} uses Automated Reasoning policy "
                + names([policies.get(a, a.split("/")[-1]) for a in arns])
            )
    if hits:
        return met("; ".join(hits) + ".")
    return _none_found(ev, "has an Automated Reasoning policy attached", known, unknown, missing)


# -- evaluation jobs ------------------------------------------------------------------------------


def _completed(
    ev: Evidence, days: float | None = None, job_type: str | None = "Automated"
) -> list[dict[str, Any]]:
    jobs = ev.get("bedrock.evaluation_jobs")["jobs"]
    return [
        j
        for j in jobs
        if j["status"] == "Completed"
        and (job_type is None or j["jobType"] == job_type)
        and (days is None or within(j["creationTime"], ev.scope.end, days))
    ]


def _day(value: Any) -> str:
    t = when(value)
    return t.date().isoformat() if t else str(value)


@probe(
    "automated_evaluation_jobs_completed",
    "bedrock.evaluation_jobs",
    params={
        "days": Param(int, default=90, min=1, help="look back this many days (at most 365 are collected)")
    },
)
def automated_evaluation_jobs_completed(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An automated Bedrock evaluation job completed within the last `days` days."""
    days = int(params.get("days", 90))
    if days > 365:
        days = 365  # the collector looks back one year
    jobs = _completed(ev, days)
    if jobs:
        latest = max(jobs, key=lambda j: str(j["creationTime"]))
        return met(
            f"{plural(len(jobs), 'automated evaluation job')} completed in the last {days} days, the latest "
            f"{latest['name']} ({latest.get('applicationType') or 'ModelEvaluation'}, created "
            f"{_day(latest['creationTime'])})."
        )
    all_jobs = ev.get("bedrock.evaluation_jobs")["jobs"]
    others = [j for j in all_jobs if within(j["creationTime"], ev.scope.end, days)]
    return not_met(
        f"No automated Bedrock evaluation job completed in the last {days} days"
        + (
            f" ({plural(len(others), 'other job')}: "
            f"{names([j['name'] + ' ' + j['jobType'] + '/' + j['status'] for j in others])})."
            if others
            else " (no evaluation jobs were found)."
        )
    )


def _metric_jobs(ev: Evidence, wanted: tuple[str, ...], what: str) -> Verdict:
    data = ev.get("bedrock.evaluation_jobs")
    jobs = [j for j in data["jobs"] if j["status"] == "Completed"]
    hits = [(j, [m for m in j.get("metricNames") or [] if m in wanted]) for j in jobs]
    hits = [(j, ms) for j, ms in hits if ms]
    if hits:
        return met(
            f"Evaluation job {names([j['name'] + ' (' + ', '.join(ms) + ')' for j, ms in hits])} "
            f"measured {what}."
        )
    unread = [j["name"] for j in jobs if not j.get("detail")]
    if unread:
        return cannot_tell(
            f"No readable completed evaluation job uses {' or '.join(wanted)}, and the configuration "
            f"of {names(unread)} could not be read.",
            missing=gaps(data, "evaluation job") or ("bedrock:GetEvaluationJob",),
        )
    return not_met(
        f"None of the {plural(len(jobs), 'completed evaluation job')} of the last year uses "
        f"{' or '.join(wanted)}."
    )


@probe("evaluation_hallucination_metrics_used", "bedrock.evaluation_jobs")
def evaluation_hallucination_metrics_used(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A completed evaluation job measured Builtin.Faithfulness or Builtin.Correctness."""
    return _metric_jobs(ev, HALLUCINATION_METRICS, "hallucination (faithfulness/correctness)")


@probe("evaluation_refusal_metrics_used", "bedrock.evaluation_jobs")
def evaluation_refusal_metrics_used(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A completed evaluation job measured Builtin.Refusal or Builtin.Harmfulness."""
    return _metric_jobs(ev, REFUSAL_METRICS, "refusal or harmfulness")


@probe(
    "evaluations_recurring",
    "bedrock.evaluation_jobs",
    params={
        "days": Param(int, default=30, min=1, help="count evaluation jobs from the last this many days"),
        "min_jobs": Param(int, default=2, min=1, help="completed automated evaluation jobs needed"),
    },
)
def evaluations_recurring(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """At least `min_jobs` automated evaluation jobs completed within the last `days` days."""
    days, need = int(params.get("days", 30)), int(params.get("min_jobs", 2))
    jobs = _completed(ev, days)
    listing = names([f"{j['name']} ({_day(j['creationTime'])})" for j in jobs])
    if len(jobs) >= need:
        return met(
            f"{plural(len(jobs), 'automated evaluation job')} completed in the last {days} days "
            f"(at least {need} needed): {listing}."
        )
    return not_met(
        f"Only {plural(len(jobs), 'automated evaluation job')} completed in the last {days} days"
        + (f" ({listing})" if jobs else "")
        + f"; at least {need} are needed to show recurrence."
    )


@probe("human_evaluation_jobs_present", "bedrock.evaluation_jobs")
def human_evaluation_jobs_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A human-based Bedrock evaluation job was run in the last year."""
    jobs = [j for j in ev.get("bedrock.evaluation_jobs")["jobs"] if j["jobType"] == "Human"]
    if jobs:
        return met(
            f"{plural(len(jobs), 'human evaluation job')} found: "
            f"{names([j['name'] + ' (' + j['status'] + ')' for j in jobs])}."
        )
    total = len(ev.get("bedrock.evaluation_jobs")["jobs"])
    return not_met(
        f"None of the {plural(total, 'Bedrock evaluation job')} of the last year uses human workers."
    )


# -- inference profiles and routers ---------------------------------------------------------------


@probe("application_inference_profiles_present", "bedrock.inference_profiles")
def application_inference_profiles_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Application inference profiles exist (they pin models per application)."""
    profiles = ev.get("bedrock.inference_profiles")["profiles"]
    if profiles:
        return met(
            f"{plural(len(profiles), 'application inference profile')} exist: "
            f"{names([p['name'] for p in profiles])}."
        )
    return not_met(f"No application inference profiles exist in {ev.scope.region}.")


@probe("application_inference_profiles_tagged", "bedrock.inference_profiles", "ce.cost_allocation_tags")
def application_inference_profiles_tagged(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An application inference profile carries a tag whose key is an active cost-allocation tag."""
    # A resource tag shows in billing (Cost Explorer, budgets, CUR) only once its key is activated as a
    # cost-allocation tag (AWS Billing User Guide, activating-tags.html), so an unactivated tag attributes no cost.
    data = ev.get("bedrock.inference_profiles")
    profiles = data["profiles"]
    tagged = [p for p in profiles if {k for k in (p.get("tags") or {}) if not k.startswith("aws:")}]
    unread = [p["name"] for p in profiles if p.get("tags") is None]
    if not profiles:
        return not_met(f"No application inference profiles exist in {ev.scope.region}, so none is tagged.")
    if not tagged:
        if unread:
            return cannot_tell(
                f"No readable application inference profile is tagged, and the tags of {names(unread)} "
                "could not be read.",
                missing=gaps(data) or ("bedrock:ListTagsForResource",),
            )
        return not_met(
            f"None of the {plural(len(profiles), 'application inference profile')} "
            f"({names([p['name'] for p in profiles])}) has tags."
        )
    try:
        active = set(ev.get("ce.cost_allocation_tags")["tags"])
    except MissingEvidence as exc:
        return cannot_tell(
            f"Application inference profile {names([p['name'] for p in tagged])} carries tags, but whether "
            "they are activated cost-allocation tags (so that they show in billing) could not be read.",
            missing=(exc.error.action,),
        )

    def billed(p: dict[str, Any]) -> list[str]:
        return sorted(k for k in p.get("tags") or {} if k in active and not k.startswith("aws:"))

    attributed = [p for p in tagged if billed(p)]
    if attributed:
        return met(
            "Application inference profile "
            f"{names([p['name'] + ' (' + ', '.join(billed(p)) + ')' for p in attributed])} "
            "carries activated cost-allocation tags."
        )
    keys = sorted({k for p in tagged for k in p["tags"] if not k.startswith("aws:")})
    if unread:
        return cannot_tell(
            f"The tags on {names([p['name'] for p in tagged])} ({names(keys)}) are not activated "
            f"cost-allocation tags, and the tags of {names(unread)} could not be read.",
            missing=gaps(data) or ("bedrock:ListTagsForResource",),
        )
    return not_met(
        f"Application inference profile {names([p['name'] for p in tagged])} carries tags ({names(keys)}), "
        "but none is an activated cost-allocation tag, so they do not attribute cost in billing."
    )


def _router_models(router: dict[str, Any]) -> list[str]:
    """The distinct models a router chooses between (its models and its fallback model)."""
    arns = [*(router.get("models") or []), router.get("fallbackModel")]
    return sorted({str(a).split("/")[-1] for a in arns if a})


@probe("prompt_router_configured", "bedrock.prompt_routers")
def prompt_router_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A custom Bedrock prompt router (ListPromptRouters type custom) routes between at least two models."""
    routers = ev.get("bedrock.prompt_routers")["routers"]
    # The section lists type=custom only; a default router (one per model family, in every account) proves
    # nothing unless traffic goes through it (routed_model_ids_in_use).
    custom = [r for r in routers if r.get("type") == "custom"]
    routing = [r for r in custom if len(_router_models(r)) >= 2]
    if routing:
        return met(
            "Custom prompt router "
            + names([f"{r['name']} ({', '.join(_router_models(r))})" for r in routing])
            + " routes requests between models."
        )
    if custom:
        return not_met(
            f"Custom prompt router {names([r['name'] for r in custom])} has only one model to route to."
        )
    return not_met(f"No custom Bedrock prompt router exists in {ev.scope.region}.")


@probe("prompt_router_fallback_configured", "bedrock.prompt_routers")
def prompt_router_fallback_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Never met: a prompt router's fallbackModel is not a failure fallback.

    CreatePromptRouter requires fallbackModel on every router and documents it as "the default model to use
    when the routing criteria is not met": the router sends a request there when no other model is predicted
    to be good enough, not when a model fails. It is therefore no evidence of self-healing."""
    routers = [r for r in ev.get("bedrock.prompt_routers")["routers"] if r.get("type") == "custom"]
    if routers:
        return not_met(
            f"Custom prompt router {names([r['name'] for r in routers])} has a fallback model, but that is "
            "the router's default model when its routing criteria are not met (required on every router), "
            "not a fallback on failure."
        )
    return not_met(
        f"No custom Bedrock prompt router exists in {ev.scope.region}; a router is no failure fallback."
    )


# -- jobs -----------------------------------------------------------------------------------------


@probe(
    "batch_inference_jobs_present",
    "bedrock.invocation_jobs",
    params={"days": Param(int, default=365, min=1, help="look back this many days")},
)
def batch_inference_jobs_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Bedrock batch inference jobs were submitted in the last `days` days (default 365)."""
    days = int(params.get("days", 365))
    jobs = [
        j for j in ev.get("bedrock.invocation_jobs")["jobs"] if within(j["submitTime"], ev.scope.end, days)
    ]
    if jobs:
        return met(
            f"{plural(len(jobs), 'batch inference job')} were submitted in the last {days} days: "
            f"{names([j['name'] + ' (' + str(j['status']) + ')' for j in jobs])}."
        )
    return not_met(f"No Bedrock batch inference job was submitted in the last {days} days.")


@probe("customization_uses_invocation_logs", "bedrock.customization_jobs")
def customization_uses_invocation_logs(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A model customization job trained on the model invocation logs."""
    data = ev.get("bedrock.customization_jobs")
    jobs = data["jobs"]
    hits = [j for j in jobs if j.get("usesInvocationLogs")]
    if hits:
        return met(
            f"Model customization job {names([j['name'] + ' (' + str(j['status']) + ')' for j in hits])} "
            "trained on model invocation logs."
        )
    if not jobs:
        return not_met(f"No model customization jobs exist in {ev.scope.region}.")
    unread = [j["name"] for j in jobs if not j.get("detail")]
    if unread:
        return cannot_tell(
            f"No readable customization job uses invocation logs, and the training data of "
            f"{names(unread)} could not be read.",
            missing=gaps(data) or ("bedrock:GetModelCustomizationJob",),
        )
    return not_met(f"None of the {plural(len(jobs), 'model customization job')} trained on invocation logs.")


@probe("prompt_optimization_jobs_present", "bedrock.prompt_optimization_jobs")
def prompt_optimization_jobs_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Never met from AWS alone: prompt optimization jobs are listed as supporting evidence for an attestation.

    Advanced Prompt Optimization rewrites prompt templates against an evaluation dataset and criteria that the
    user supplies (CreateAdvancedPromptOptimizationJob inputConfig); AWS does not show whether the samples came
    from usage or whether the optimized prompts were put into use, so a job is no proof that prompts adapt to
    usage patterns."""
    data = ev.get("bedrock.prompt_optimization_jobs")
    if not data.get("supported"):
        return cannot_tell(
            "The installed AWS SDK cannot list Bedrock prompt optimization jobs; a person must attest "
            "whether prompts are adapted to usage."
        )
    jobs = data["jobs"]
    if jobs:
        return cannot_tell(
            f"{plural(len(jobs), 'prompt optimization job')} "
            f"({names([j['name'] + ' (' + str(j['status']) + ')' for j in jobs])}) optimized prompts against "
            "a supplied evaluation dataset; AWS does not show whether the samples came from usage or the "
            "optimized prompts were adopted, so a person must attest it."
        )
    return cannot_tell(
        "No Bedrock prompt optimization jobs were found; prompts may still be adapted by other means, "
        "so a person must attest it."
    )
