"""Probes over Bedrock control-plane evidence: invocation logging, guardrails, evaluations, routing, jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from llmops_audit.evidence import series as ms
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
        try:
            group, unread = ev.get("logs.invocation_log_group"), None
        except MissingEvidence as exc:  # kept: the report names the read that really failed
            group, unread = (
                None,
                (exc.error if ":" in exc.error.action else None),
            )  # an IAM action, not a section
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
            if "kmsKeyId" in group:  # security posture: prompts and responses at rest
                details.append(
                    f"It is encrypted with customer-managed KMS key {group['kmsKeyId']}."
                    if group.get("kmsKeyId")
                    else "It is not encrypted with a customer-managed KMS key (CloudWatch Logs' default "
                    "encryption only), so access to the logged prompts cannot be limited by a key policy."
                )
        elif not cfg.get("s3Bucket"):
            # The group's existence could not be read: logging to a group that does not exist delivers nothing.
            return cannot_tell(
                f"Model invocation logging in {region} points at log group {cfg['logGroupName']}, but whether "
                f"that group exists could not be read ({unread.describe() if unread else 'logs:DescribeLogGroups'}).",
                missing=(unread.action if unread else "logs:DescribeLogGroups",),
            )
        else:
            details.append(f"Whether log group {cfg['logGroupName']} exists could not be checked.")
    return met(f"Model invocation logging in {region} delivers text data to {' and '.join(dests)}.", *details)


# -- guardrails -----------------------------------------------------------------------------------
#
# A guardrail proves a practice only when its policy acts (BLOCK, or ANONYMIZE for sensitive information:
# NONE is detect mode, "take no action but return detection information in the trace response") and it
# is used: invoked (its own AWS/Bedrock/Guardrails Invocations series, which callers that pass a guardrail
# on InvokeModel/Converse or call ApplyGuardrail produce), attached to an agent, or enforced account-wide.

GR_NS = "AWS/Bedrock/Guardrails"
GUARDRAIL_DIMS = ("GuardrailArn", "GuardrailId")
# Dimensions that split one invocation over several series (an invocation several policies intervened on
# is counted once per policy): such series are used only when nothing else exists, as an upper bound.
SPLIT_DIMS = ("GuardrailPolicyType", "FindingType")
# Series of an Automated Reasoning policy rather than of a guardrail (PolicyArn + PolicyVersion).
POLICY_DIMS = ("PolicyArn", "PolicyVersion")


def guardrail_key(value: str | None) -> str | None:
    """The guardrail id from an id or an ARN (arn:aws:bedrock:region:account:guardrail/<id>)."""
    if not value:
        return None
    return str(value).rsplit("/", 1)[-1] if ":guardrail/" in str(value) else str(value)


@dataclass(frozen=True)
class GuardrailTotals:
    """One guardrail metric over the period, from the series ListMetrics discovered, counted once."""

    per_guardrail: dict[tuple[str, str | None], float]  # (guardrail id, version or None) -> value
    total: float | None  # None: no series with data
    dims: str  # the dimension sets used, for the derivation
    attributed: bool  # the total is the sum of per-guardrail series
    upper_bound: bool  # only series split by policy or finding type existed

    def for_guardrail(self, gid: str) -> dict[str | None, float]:
        return {v: x for (g, v), x in self.per_guardrail.items() if g == gid}


def _rank(dims: frozenset[str]) -> tuple[int, int, list[str]]:
    return (sum(1 for d in dims if d in SPLIT_DIMS), len(dims), sorted(dims))


def guardrail_totals(stats: dict[str, Any], metric: str, stat: str = "Sum") -> GuardrailTotals:
    """`metric` of AWS/Bedrock/Guardrails without double counting.

    CloudWatch publishes the same invocations under several dimension sets (per guardrail and version,
    per Operation, per content source, per policy type): each is a complete view, so only one is summed.
    Per guardrail, the coarsest set that names it is used (sets that split an invocation last); with no
    per-guardrail series, the coarsest account-wide set. The sets come from what ListMetrics returned.
    """
    by_set: dict[frozenset[str], list[tuple[dict[str, str], float]]] = {}
    for s in stats.get("series") or []:
        if s.get("namespace") != GR_NS or s.get("metric") != metric or s.get("stat") != stat:
            continue
        ms.require_read(s)  # an unread series is unknown, never zero (it would pass the safety gate)
        if not isinstance(s.get("value"), int | float) or not isinstance(s.get("dimensions"), dict):
            continue
        by_set.setdefault(frozenset(s["dimensions"]), []).append((s["dimensions"], float(s["value"])))
    per_set: dict[frozenset[str], dict[str, list[tuple[str | None, float]]]] = {}
    for dims, points in by_set.items():
        key_dim = next((d for d in GUARDRAIL_DIMS if d in dims), None)
        if key_dim is None:
            continue
        for d, v in points:
            gid = guardrail_key(d.get(key_dim))
            if gid:
                per_set.setdefault(dims, {}).setdefault(gid, []).append((d.get("GuardrailVersion"), v))
    per: dict[tuple[str, str | None], float] = {}
    used: set[frozenset[str]] = set()
    for gid in sorted({g for m in per_set.values() for g in m}):
        best = min((dims for dims, m in per_set.items() if gid in m), key=_rank)
        used.add(best)
        for version, v in per_set[best][gid]:
            per[(gid, version)] = per.get((gid, version), 0.0) + v
    if per:
        return GuardrailTotals(
            per,
            sum(per.values()),
            "; ".join(", ".join(sorted(d)) for d in sorted(used, key=_rank)),
            True,
            any(_rank(d)[0] for d in used),
        )
    account = [d for d in by_set if not any(x in d for x in POLICY_DIMS)] or list(by_set)
    if not account:
        return GuardrailTotals({}, None, "", False, False)
    best = min(account, key=_rank)
    return GuardrailTotals(
        {},
        sum(v for _, v in by_set[best]),
        ", ".join(sorted(best)) or "no dimensions",
        False,
        bool(_rank(best)[0]),
    )


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


# What a filter does on one side. AWS omits the action for guardrails made before detect mode existed:
# those block. A side whose evaluation is disabled (inputEnabled/outputEnabled false) does nothing.
def _acts(
    f: dict[str, Any], side: str, actions: tuple[str, ...] = ("BLOCK",), fallback: Any = "BLOCK"
) -> bool:
    if f.get(f"{side}Enabled") is False:
        return False
    action = f.get(f"{side}Action") or fallback
    return action in actions


def content_blocks(f: dict[str, Any], side: str) -> bool:
    """A content filter blocks on `side` ("input" or "output"): a strength above NONE and a BLOCK action."""
    return f.get(f"{side}Strength") not in (None, "NONE") and _acts(f, side)


def grounding_blocks(f: dict[str, Any]) -> bool:
    """A contextual-grounding filter (it checks model responses) blocks below its threshold."""
    return f.get("enabled") is not False and (f.get("action") or "BLOCK") == "BLOCK"


def pii_sides(f: dict[str, Any]) -> list[str]:
    """The sides on which a PII entity or regex blocks or masks (its own side action, else `action`)."""
    return [side for side in ("input", "output") if _acts(f, side, ACTIVE, f.get("action"))]


def pii_policy(p: dict[str, Any]) -> tuple[list[str], int]:
    """(PII entity types, regex count) that block or mask on some side in one guardrail policy."""
    entities = [e.get("type") or "?" for e in p.get("pii_entities") or [] if pii_sides(e)]
    regexes = p.get("regexes")
    if regexes is None:  # a snapshot from before per-side regex actions were kept
        regexes = [{"action": a} for a in p.get("regex_actions") or []]
    return entities, sum(1 for r in regexes if pii_sides(r))


def blocking_policies(p: dict[str, Any]) -> list[str]:
    """The policies of one guardrail version that act on content (block, or mask PII)."""
    out = []
    content = sorted(
        {
            f.get("type") or "?"
            for f in p.get("content_filters") or []
            if content_blocks(f, "input") or content_blocks(f, "output")
        }
    )
    if content:
        out.append("content filters " + ", ".join(content))
    topics = [t for t in p.get("topics") or [] if _acts(t, "input") or _acts(t, "output")]
    if topics:
        out.append(plural(len(topics), "denied topic"))
    words = [w for w in p.get("words") or [] if _acts(w, "input") or _acts(w, "output")]
    if words:
        out.append(plural(len(words), "word filter"))
    entities, regexes = pii_policy(p)
    if entities or regexes:
        out.append("sensitive information " + _pii_phrase(entities, regexes))
    grounding = [f.get("type") or "?" for f in p.get("grounding_filters") or [] if grounding_blocks(f)]
    if grounding:
        out.append("contextual grounding " + ", ".join(grounding))
    return out


def policy_of(g: dict[str, Any], version: str | None) -> dict[str, Any] | None:
    """The policy of guardrail `g` at `version` (None: the version is not known), if it was read."""
    details = g.get("version_details") or {}
    if version is None:
        if g.get("versions"):
            return None  # numbered versions exist: which one is meant is unknown
        version = "DRAFT"
    if version in details:
        return details[version]
    if version == g.get("detail_version"):
        return g
    return None


def _versions_read(g: dict[str, Any]) -> list[dict[str, Any]]:
    return list((g.get("version_details") or {}).values()) or ([g] if g.get("detail_version") else [])


@dataclass
class Usage:
    """Where guardrails are used, from the metric series, the agents and the enforced configurations."""

    uses: dict[str, list[tuple[str, str | None]]]  # guardrail id -> [(where, version or None)]
    foreign: list[str]  # enforced guardrails not in this account's list (their policy is unreadable)
    missing: tuple[str, ...]  # IAM actions of the usage evidence that could not be read
    unread: list[str]  # what could not be read, in words
    unattributed: float  # guardrail invocations in the period that no series names a guardrail for


def guardrail_usage(ev: Evidence, guardrails: list[dict[str, Any]]) -> Usage:
    ids = {g["id"] for g in guardrails}
    uses: dict[str, list[tuple[str, str | None]]] = {}
    missing: list[str] = []
    unread: list[str] = []
    unattributed = 0.0
    stats, miss = read(ev, "cloudwatch.metric_stats")
    if stats is None:
        missing += miss
        unread.append("the guardrail metrics")
    else:
        inv = guardrail_totals(stats, "Invocations")
        for (key, version), v in sorted(inv.per_guardrail.items(), key=lambda x: (x[0][0], str(x[0][1]))):
            if v > 0:
                uses.setdefault(key, []).append((f"invoked {v:,.0f} times in the period", version))
        if not inv.attributed and inv.total:
            unattributed = inv.total
    agents, miss = read(ev, "agents.agents")
    if agents is None:
        missing += miss
        unread.append("the agents")
    else:
        for a in agents.get("agents") or []:
            ref = a.get("guardrail") or {}
            gid = guardrail_key(ref.get("id"))
            if gid:
                uses.setdefault(gid, []).append((f"attached to agent {a.get('name')}", ref.get("version")))
            for av in a.get("versions") or []:
                vref = av.get("guardrail") or {}
                vgid = guardrail_key(vref.get("id"))
                if vgid:
                    where = f"attached to agent {a.get('name')} v{av.get('version')}"
                    uses.setdefault(vgid, []).append((where, vref.get("version")))
            if not gid and not a.get("detail"):
                missing += [
                    e["action"] for e in agents.get("errors") or [] if e["action"].endswith(":GetAgent")
                ]
                missing.append("bedrock:GetAgent")
                unread.append(f"agent {a.get('name')}'s settings")
    flows, miss = read(ev, "agents.flows")
    if flows is not None:  # a flow's Prompt or KnowledgeBase node that names a guardrail applies it
        for f in flows.get("flows") or []:
            for g in f.get("guardrails") or []:
                gid = guardrail_key(g.get("id"))
                if gid:
                    where = f"attached to flow {f.get('name')} (node {g.get('node')})"
                    uses.setdefault(gid, []).append((where, g.get("version")))
    enforced, miss = read(ev, "bedrock.enforced_guardrails")
    foreign = []
    if enforced is None:
        missing += miss
        unread.append("the account-level enforced guardrails")
    else:
        for c in enforced.get("configs") or []:
            gid = guardrail_key(c.get("guardrailId") or c.get("guardrailArn"))
            if gid and gid in ids:
                uses.setdefault(gid, []).append(
                    ("enforced on the account's model calls", c.get("guardrailVersion"))
                )
            elif gid:
                foreign.append(c.get("guardrailArn") or gid)
    return Usage(uses, foreign, tuple(sorted(set(missing))), list(dict.fromkeys(unread)), unattributed)


def used_with(
    ev: Evidence, what: str, test: Callable[[dict[str, Any]], str | None], absent_is_unknown: bool = False
) -> Verdict:
    """Met when a guardrail whose policy passes `test` (which describes it, or None) is used at that version.

    `what` completes "None of the guardrails ..." (e.g. "blocks ungrounded responses").
    """
    known, unknown, missing = _guardrails(ev)
    candidates = [g for g in known if any(test(p) for p in _versions_read(g))]
    if not candidates:
        return _none_found(ev, what, known, unknown, missing, absent_is_unknown)
    usage = guardrail_usage(ev, known)
    proofs: list[str] = []
    unclear: list[str] = []
    other: list[str] = []
    for g in candidates:
        for where, version in usage.uses.get(g["id"], []):
            p = policy_of(g, version)
            label = f"{g['name']} " + (
                f"v{version}"
                if version and version != "DRAFT"
                else "(DRAFT)"
                if version
                else "(version not named)"
            )
            if p is None:
                unclear.append(f"{label} is {where}, but the policy of that version was not read")
            elif (desc := test(p)) is not None:
                proofs.append(f"Guardrail {label} ({desc}) is {where}")
            else:
                other.append(f"{label} is {where}, but that version does not do this")
    if proofs:
        return met("; ".join(dict.fromkeys(proofs)) + ".")
    details = list(dict.fromkeys(unclear))
    if usage.foreign:
        details.append(
            f"Enforced guardrail {names(usage.foreign)} belongs to another account; its policy is not readable."
        )
    if usage.unattributed:
        details.append(
            f"Guardrails were invoked {usage.unattributed:,.0f} times, but no series names the guardrail."
        )
    cand = names([g["name"] for g in candidates])
    if unknown or usage.missing or details:
        parts = []
        if unknown:
            parts.append(f"the settings of {names([g['name'] for g in unknown])}")
        parts += usage.unread
        return cannot_tell(
            f"Guardrail {cand} {what}, but no use of it is proven"
            + (f", and {' and '.join(parts)} could not be read." if parts else "."),
            *details,
            missing=tuple(sorted(set(missing + usage.missing))),
        )
    return not_met(
        f"Guardrail {cand} {what}, but no version that does is invoked in the period, attached to an "
        "agent or enforced account-wide, so it protects nothing.",
        *dict.fromkeys(other),
    )


def _pii_phrase(entities: list[str], regexes: int) -> str:
    parts = []
    if entities:
        parts.append(f"{plural(len(entities), 'PII entity', 'PII entities')} ({names(entities, 4)})")
    if regexes:
        parts.append(plural(regexes, "regex", "regexes"))
    return " and ".join(parts)


def _pii_test(p: dict[str, Any]) -> str | None:
    entities, regexes = pii_policy(p)
    return f"blocks or masks {_pii_phrase(entities, regexes)}" if entities or regexes else None


def _grounding_test(p: dict[str, Any]) -> str | None:
    filters = [f for f in p.get("grounding_filters") or [] if grounding_blocks(f)]
    if not filters:
        return None
    return "blocks " + ", ".join(f"{f.get('type')} below {f.get('threshold')}" for f in filters)


@probe("guardrail_pii_policy_present", "bedrock.guardrails")
def guardrail_pii_policy_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail blocks or masks PII entities or regex patterns (detect-only entities do not count)."""
    known, unknown, missing = _guardrails(ev)
    hits = [(g, _pii_test(g)) for g in known]
    found = [f"Guardrail {_label(g)} {desc}" for g, desc in hits if desc]
    if found:
        return met("; ".join(found) + ".")
    return _none_found(ev, "blocks or masks PII", known, unknown, missing)


@probe(
    "guardrail_pii_enforced",
    "bedrock.guardrails",
    "cloudwatch.metric_stats",
    "agents.agents",
    "bedrock.enforced_guardrails",
    "agents.flows",
)
def guardrail_pii_enforced(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail that blocks or masks PII is used: invoked per request, attached to an agent or enforced."""
    return used_with(ev, "blocks or masks PII", _pii_test)


@probe(
    "guardrail_contextual_grounding_present",
    "bedrock.guardrails",
    "cloudwatch.metric_stats",
    "agents.agents",
    "bedrock.enforced_guardrails",
    "agents.flows",
    params={
        "absent_is_unknown": Param(
            bool, default=False, help="no such filter comes out unknown (not False), for an `any:` fallback"
        ),
    },
)
def guardrail_contextual_grounding_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A used guardrail blocks responses below a contextual-grounding (GROUNDING or RELEVANCE) threshold."""
    return used_with(
        ev,
        "blocks ungrounded or irrelevant responses",
        _grounding_test,
        absent_is_unknown=bool(params.get("absent_is_unknown", False)),
    )


@probe("guardrail_prompt_attack_filter_present", "bedrock.guardrails")
def guardrail_prompt_attack_filter_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A guardrail blocks prompt attacks: a PROMPT_ATTACK content filter that blocks on input."""
    known, unknown, missing = _guardrails(ev)
    hits = []
    for g in known:
        for f in g.get("content_filters") or []:
            if f.get("type") == "PROMPT_ATTACK" and content_blocks(f, "input"):
                hits.append(
                    f"Guardrail {_label(g)} blocks prompt attacks at {f['inputStrength']} input strength"
                )
    if hits:
        return met("; ".join(hits) + ".")
    return _none_found(ev, "blocks prompt attacks (PROMPT_ATTACK on input)", known, unknown, missing)


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


@probe(
    "guardrail_automated_reasoning_attached",
    "bedrock.guardrails",
    "bedrock.automated_reasoning_policies",
    "cloudwatch.metric_stats",
    "agents.agents",
    "bedrock.enforced_guardrails",
    "agents.flows",
)
def guardrail_automated_reasoning_attached(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A used guardrail (invoked, attached to an agent or enforced) has an Automated Reasoning policy."""
    policies = {
        p["arn"]: p["name"]
        for p in (ev.optional("bedrock.automated_reasoning_policies") or {}).get("policies", [])
        if p.get("arn")
    }

    def test(p: dict[str, Any]) -> str | None:
        arns = p.get("automated_reasoning_policies") or []
        if not arns:
            return None
        return "Automated Reasoning policy " + names([policies.get(a, a.split("/")[-1]) for a in arns])

    return used_with(ev, "has an Automated Reasoning policy attached", test)


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
    hits = [(j, metrics) for j, metrics in hits if metrics]
    if hits:
        return met(
            f"Evaluation job {names([j['name'] + ' (' + ', '.join(metrics) + ')' for j, metrics in hits])} "
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
