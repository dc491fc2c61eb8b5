"""Claims over the Amazon Bedrock AgentCore control plane (collectors/agentcore.py): versioned runtime
endpoints, Cedar policies enforced on gateways, authorized gateway targets, per-agent identity, online
evaluation and memory.

Every AgentCore runtime and gateway is agent infrastructure by construction (it exists only to host an agent
or the tools an agent calls), so no workload attribution narrows them. Each probe is unknown when its section
could not be read, and not met, saying so, when the Region has no AgentCore resource of the kind it judges.
A per-resource detail that could not be read (the section's "errors") leaves a claim about every resource
unknown, never met.
"""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, cannot_tell, environment_of, met, names, not_met, plural, probe
from llmops_audit.probes.params import Param

DEFAULT_ENDPOINT = "DEFAULT"
GONE = ("DELETING", "DELETE_FAILED", "CREATE_FAILED", "FAILED")
# Inbound authorizers that identify and authorize the caller: NONE lets anyone call; AUTHENTICATE_ONLY checks
# a token but authorizes nothing by it.
INBOUND_AUTHORIZED = ("CUSTOM_JWT", "AWS_IAM")
# Outbound credentials a target may use: the gateway's IAM role (SigV4, Lambda and AWS targets), an OAuth or
# API-key credential provider of the token vault, or the caller's own identity passed through.
OUTBOUND_TYPES = ("GATEWAY_IAM_ROLE", "OAUTH", "API_KEY", "CALLER_IAM_CREDENTIALS", "JWT_PASSTHROUGH")


def _missing(data: dict[str, Any], labels: list[str], prefix: str) -> tuple[str, ...]:
    """The failed actions recorded for these resources (their section's "errors")."""
    wanted = {f"{prefix} {n}" for n in labels}
    found = {
        e["action"]
        for e in data.get("errors") or []
        if any(e.get("resource", "") == w or e.get("resource", "").startswith(w + " ") for w in wanted)
    }
    return tuple(sorted(found))


def _live(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for x in items if x.get("status") not in GONE]


# -- runtimes: versions and endpoints ---------------------------------------------------------------


@probe("agentcore_runtimes_present", "agentcore.runtimes")
def agentcore_runtimes_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """At least one AgentCore Runtime hosts an agent in the Region (not being deleted or failed)."""
    data = ev.get("agentcore.runtimes")
    live = _live(data.get("runtimes") or [])
    if live:
        return met(
            f"{plural(len(live), 'AgentCore runtime')} in {ev.scope.region}: {names([r['name'] for r in live])}."
        )
    return not_met(f"No AgentCore runtime exists in {ev.scope.region}: AgentCore Runtime is not used here.")


ANY_RUNTIME = Param(
    bool,
    default=False,
    help="met as soon as one runtime serves a pinned version (for a negated 'no versioning'); default: every one",
)


def _pinned_endpoints(rt: dict[str, Any]) -> list[str]:
    """'prod -> v3' for the runtime's non-DEFAULT endpoints that serve a version (DEFAULT follows the latest)."""
    out = []
    for e in rt.get("endpoints") or []:
        if e.get("name") == DEFAULT_ENDPOINT or e.get("status") in GONE:
            continue
        version = e.get("liveVersion") or e.get("targetVersion")
        if version:
            out.append(f"{e['name']} -> v{version}")
    return out


@probe("agentcore_runtimes_versioned", "agentcore.runtimes", params={"any_runtime": ANY_RUNTIME})
def agentcore_runtimes_versioned(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every AgentCore runtime is served through an endpoint pinned to a published version, not DEFAULT only.

    The DEFAULT endpoint follows the latest version on every update; any other endpoint serves the version it
    was created with or last updated to, so a release is a deliberate endpoint update. With any_runtime, one
    runtime with a pinned endpoint is enough (a negated 'no versioning exists' must not be met by it)."""
    data = ev.get("agentcore.runtimes")
    runtimes = _live(data.get("runtimes") or [])
    if not runtimes:
        return not_met(
            f"No AgentCore runtime exists in {ev.scope.region}, so no runtime endpoint pins a version."
        )
    pinned, latest_only, unread = [], [], []
    for rt in runtimes:
        if rt.get("endpoints") is None:
            unread.append(rt["name"])
            continue
        ends = _pinned_endpoints(rt)
        if ends:
            pinned.append(f"{rt['name']} ({', '.join(ends)})")
        else:
            latest_only.append(rt["name"])
    missing = _missing(data, unread, "runtime") or ("bedrock-agentcore:ListAgentRuntimeEndpoints",)
    if params.get("any_runtime"):
        if pinned:
            return met(f"AgentCore runtime {names(pinned)} serves a pinned version through a named endpoint.")
        if unread:
            return cannot_tell(
                f"No readable AgentCore runtime has an endpoint pinned to a version, and the endpoints of "
                f"{names(unread)} could not be listed.",
                missing=missing,
            )
    if latest_only:
        return not_met(
            f"AgentCore runtime {names(latest_only)} is served only through the DEFAULT endpoint (the latest "
            "version, moved by every update), not an endpoint pinned to a version"
            + (f"; pinned: {names(pinned)}." if pinned else ".")
        )
    if unread:
        return cannot_tell(
            f"The endpoints of AgentCore runtime {names(unread)} could not be listed"
            + (f" (pinned so far: {names(pinned)})." if pinned else "."),
            missing=missing,
        )
    if data.get("truncated"):
        return cannot_tell(
            f"Every AgentCore runtime read serves a pinned version ({names(pinned)}), but only the first "
            f"{len(data.get('runtimes') or [])} runtimes were read."
        )
    return met(f"Every AgentCore runtime serves a version pinned by a named endpoint: {names(pinned)}.")


@probe("agentcore_endpoints_per_environment", "agentcore.runtimes")
def agentcore_endpoints_per_environment(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AgentCore runtime has endpoints named for at least two environments (dev, test, stage, prod)."""
    data = ev.get("agentcore.runtimes")
    runtimes = _live(data.get("runtimes") or [])
    if not runtimes:
        return not_met(
            f"No AgentCore runtime exists in {ev.scope.region}, so no endpoint names an environment."
        )
    found, unread = [], []
    for rt in runtimes:
        if rt.get("endpoints") is None:
            unread.append(rt["name"])
            continue
        envs = sorted(
            {
                env
                for e in rt["endpoints"]
                if e.get("status") not in GONE
                if (env := environment_of(e.get("name")))
            }
        )
        if len(envs) >= 2:
            found.append(f"{rt['name']} ({', '.join(envs)})")
    if found:
        return met(f"AgentCore runtime {names(found)} has an endpoint per environment.")
    if unread:
        return cannot_tell(
            f"No readable AgentCore runtime has endpoints for two environments, and the endpoints of "
            f"{names(unread)} could not be listed.",
            missing=_missing(data, unread, "runtime") or ("bedrock-agentcore:ListAgentRuntimeEndpoints",),
        )
    return not_met(
        f"None of the {plural(len(runtimes), 'AgentCore runtime')} has endpoints named for two environments."
    )


# -- gateways: Cedar policy and authorization --------------------------------------------------------


EVERY_GATEWAY = Param(bool, default=False, help="every gateway must enforce a policy engine; default: one")


def _engine_enforces(engine: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(policies that take effect and constrain something, other policies as 'name (why)')."""
    effective, other = [], []
    for p in engine.get("policies") or []:
        label = p.get("name") or p.get("id")
        if p.get("status") != "ACTIVE":
            other.append(f"{label} ({str(p.get('status')).lower()})")
        elif p.get("enforcementMode") == "LOG_ONLY":
            other.append(f"{label} (log only)")
        elif p.get("effect") == "permit" and p.get("constrained") is False:
            other.append(f"{label} (permits every call)")
        else:
            effective.append(label)
    return effective, other


@probe(
    "agentcore_gateway_policy_enforced",
    "agentcore.gateways",
    "agentcore.policy_engines",
    params={"every_gateway": EVERY_GATEWAY},
)
def agentcore_gateway_policy_enforced(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AgentCore gateway enforces a policy engine (ENFORCE mode) holding an active Cedar policy that
    constrains tool calls.

    Cedar denies by default once the engine enforces, so one active policy that is not a bare
    `permit(principal, action, resource)` decides which tool calls pass. LOG_ONLY (on the gateway or on the
    policy) evaluates and logs without blocking anything. With every_gateway, each gateway must."""
    gw_data = ev.get("agentcore.gateways")
    pe_data = ev.get("agentcore.policy_engines")
    gateways = _live(gw_data.get("gateways") or [])
    if not gateways:
        return not_met(
            f"No AgentCore gateway exists in {ev.scope.region}: no tool call passes a Cedar policy."
        )
    engines = {e.get("arn"): e for e in pe_data.get("engines") or []}
    enforced: list[str] = []
    not_enforced: list[str] = []
    unknown: list[str] = []
    missing: set[str] = set()
    for gw in gateways:
        label = gw["name"]
        if not gw.get("detail"):
            unknown.append(label)
            missing.update(_missing(gw_data, [label], "gateway") or ("bedrock-agentcore:GetGateway",))
            continue
        pe = gw.get("policyEngine")
        if not pe:
            not_enforced.append(f"{label} (no policy engine)")
            continue
        if pe.get("mode") != "ENFORCE":
            not_enforced.append(f"{label} (policy engine in {str(pe.get('mode')).lower()} mode)")
            continue
        engine = engines.get(pe.get("arn"))
        if engine is None:
            unknown.append(f"{label} (its policy engine was not among those listed)")
            missing.add("bedrock-agentcore:ListPolicyEngines")
            continue
        if engine.get("status") != "ACTIVE":
            not_enforced.append(
                f"{label} (policy engine {engine['name']} is {str(engine.get('status')).lower()})"
            )
            continue
        if engine.get("policies") is None:
            unknown.append(f"{label} (the policies of {engine['name']} could not be listed)")
            missing.update(
                _missing(pe_data, [engine["name"]], "policy engine") or ("bedrock-agentcore:ListPolicies",)
            )
            continue
        effective, other = _engine_enforces(engine)
        if effective:
            enforced.append(
                f"{label} ({engine['name']}: {plural(len(effective), 'active policy', 'active policies')})"
            )
        else:
            not_enforced.append(
                f"{label} (engine {engine['name']} has no active constraining policy"
                + (f": {names(other)})" if other else ")")
            )
    detail = tuple(enforced + not_enforced + unknown)
    if params.get("every_gateway"):
        if not_enforced:
            return not_met(
                f"AgentCore gateway {names(not_enforced)} does not enforce a Cedar policy.", *detail
            )
        if unknown or gw_data.get("truncated"):
            return cannot_tell(
                f"Whether every AgentCore gateway enforces a Cedar policy is unknown: {names(unknown) or 'not every gateway was read'}.",
                *detail,
                missing=tuple(sorted(missing)),
            )
        return met(f"Every AgentCore gateway enforces Cedar policies: {names(enforced)}.", *detail)
    if enforced:
        return met(f"AgentCore gateway {names(enforced)} enforces Cedar policies on tool calls.", *detail)
    if unknown:
        return cannot_tell(
            f"No readable AgentCore gateway enforces a Cedar policy, and {names(unknown)} could not be judged.",
            *detail,
            missing=tuple(sorted(missing)),
        )
    return not_met(f"No AgentCore gateway enforces a Cedar policy: {names(not_enforced)}.", *detail)


@probe("agentcore_gateway_targets_authorized", "agentcore.gateways")
def agentcore_gateway_targets_authorized(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every AgentCore gateway authorizes its callers (IAM or a JWT authorizer, not NONE or authenticate-only)
    and every one of its targets calls its tool with configured outbound credentials (the gateway's IAM
    role, an OAuth or API-key credential provider, or the caller's identity), none without."""
    data = ev.get("agentcore.gateways")
    gateways = _live(data.get("gateways") or [])
    if not gateways:
        return not_met(
            f"No AgentCore gateway exists in {ev.scope.region}: no agent tool is behind a gateway."
        )
    bad: list[str] = []
    unknown: list[str] = []
    ok: list[str] = []
    missing: set[str] = set()
    for gw in gateways:
        label = gw["name"]
        auth = gw.get("authorizerType")
        if auth is None:
            unknown.append(f"{label} (authorizer)")
        elif auth not in INBOUND_AUTHORIZED:
            bad.append(f"{label} (inbound authorizer {auth})")
        if gw.get("targets") is None:
            unknown.append(f"{label} (targets)")
            missing.update(_missing(data, [label], "gateway") or ("bedrock-agentcore:ListGatewayTargets",))
            continue
        for t in _live(gw["targets"]):
            tl = f"{label}/{t.get('name') or t.get('id')}"
            providers = t.get("credentialProviders")
            if providers is None:
                unknown.append(tl)
                missing.update(_missing(data, [label], "gateway") or ("bedrock-agentcore:GetGatewayTarget",))
                continue
            types = sorted({p.get("type") for p in providers if p.get("type") in OUTBOUND_TYPES})
            if not types:
                bad.append(f"{tl} (no outbound credentials)")
            else:
                ok.append(f"{tl} ({', '.join(types)})")
    detail = tuple(ok + bad + unknown)
    if bad:
        return not_met(f"AgentCore gateway access is not authorized end to end: {names(bad)}.", *detail)
    if unknown:
        return cannot_tell(
            f"The authorization of AgentCore gateway {names(unknown)} could not be read.",
            *detail,
            missing=tuple(sorted(missing)),
        )
    if data.get("truncated"):
        return cannot_tell(
            "Every AgentCore gateway read is authorized, but not every gateway was read.", *detail
        )
    return met(
        "Every AgentCore gateway authorizes its callers and every target uses configured credentials"
        + (f": {names(ok)}." if ok else " (no target yet)."),
        *detail,
    )


@probe("agentcore_api_keys_not_shared", "agentcore.gateways", "agentcore.credential_providers")
def agentcore_api_keys_not_shared(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """No API-key credential provider (one static key in the token vault) is used by the targets of more than
    one AgentCore gateway: each agent's tools call out under their own credentials, not a shared key."""
    data = ev.get("agentcore.gateways")
    gateways = _live(data.get("gateways") or [])
    if not gateways:
        return not_met(
            f"No AgentCore gateway exists in {ev.scope.region}: no agent tool is behind a gateway."
        )
    users: dict[str, set[str]] = {}
    unknown: list[str] = []
    for gw in gateways:
        targets = gw.get("targets")
        if targets is None:
            unknown.append(f"{gw['name']} (targets)")
            continue
        for t in _live(targets):
            providers = t.get("credentialProviders")
            if providers is None:
                unknown.append(f"{gw['name']}/{t.get('name') or t.get('id')}")
                continue
            for p in providers:
                if p.get("type") == "API_KEY":
                    users.setdefault(p.get("providerArn") or "(unnamed API-key provider)", set()).add(
                        gw["name"]
                    )
    vault = ev.optional("agentcore.credential_providers")
    detail: tuple[str, ...] = ()
    if vault is not None:
        vendors = sorted({str(p.get("vendor")) for p in vault.get("oauth2") or []})
        detail = (
            f"Token vault: {plural(len(vault.get('api_key') or []), 'API-key credential provider')}, "
            f"{plural(len(vault.get('oauth2') or []), 'OAuth2 credential provider')}"
            + (f" ({', '.join(vendors)})" if vendors else "")
            + ("; more were listed than read" if vault.get("truncated") else "")
            + ".",
        )
    shared = {arn: gws for arn, gws in users.items() if len(gws) > 1}
    if shared:
        return not_met(
            "An API-key credential provider is shared between AgentCore gateways (one static key acts for "
            "several agents' tools): "
            + names(
                [f"{arn.rsplit('/', 1)[-1]} by {', '.join(sorted(g))}" for arn, g in sorted(shared.items())]
            )
            + ".",
            *detail,
        )
    if unknown:
        return cannot_tell(
            f"The outbound credentials of AgentCore gateway target {names(unknown)} could not be read.",
            *detail,
            missing=_missing(data, [g["name"] for g in gateways], "gateway")
            or ("bedrock-agentcore:GetGatewayTarget",),
        )
    if data.get("truncated"):
        return cannot_tell("No gateway read shares an API key, but not every gateway was read.", *detail)
    used = (
        f"{plural(len(users), 'API-key credential provider')}, each used by one gateway"
        if users
        else ("no API-key credential provider")
    )
    return met(f"No AgentCore gateway shares an API key with another: the targets use {used}.", *detail)


# -- identity -------------------------------------------------------------------------------------


ALLOW_SHARED_ROLE = Param(
    bool, default=False, help="runtimes may share an execution role (only workload identities must differ)"
)


MIN_RUNTIMES = Param(
    int, default=1, min=1, help="how many live runtimes there must be (2 for a multi-agent system)"
)


@probe(
    "agentcore_identities_distinct",
    "agentcore.runtimes",
    params={"allow_shared_role": ALLOW_SHARED_ROLE, "min_runtimes": MIN_RUNTIMES},
)
def agentcore_identities_distinct(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Each AgentCore runtime acts under its own workload identity and its own execution role, none shared
    with another runtime (per-agent identity instead of one shared credential)."""
    data = ev.get("agentcore.runtimes")
    runtimes = _live(data.get("runtimes") or [])
    if not runtimes:
        return not_met(
            f"No AgentCore runtime exists in {ev.scope.region}, so no agent has a workload identity."
        )
    wanted = int(params.get("min_runtimes", 1))
    if len(runtimes) < wanted and not data.get("truncated"):
        return not_met(
            f"{len(runtimes)} AgentCore runtime(s) in {ev.scope.region}; a multi-agent system needs at least {wanted}."
        )
    unread = [r["name"] for r in runtimes if not r.get("detail")]
    by_identity: dict[str, list[str]] = {}
    by_role: dict[str, list[str]] = {}
    without = []
    for r in runtimes:
        if not r.get("detail"):
            continue
        if r.get("workloadIdentityArn"):
            by_identity.setdefault(r["workloadIdentityArn"], []).append(r["name"])
        else:
            without.append(r["name"])
        if r.get("roleArn"):
            by_role.setdefault(r["roleArn"], []).append(r["name"])
    shared_ids = [
        f"{', '.join(v)} share {k.rsplit('/', 1)[-1]}" for k, v in by_identity.items() if len(v) > 1
    ]
    shared_roles = [
        f"{', '.join(v)} share role {k.rsplit('/', 1)[-1]}" for k, v in by_role.items() if len(v) > 1
    ]
    problems = shared_ids + [f"{n} has no workload identity" for n in without]
    if not params.get("allow_shared_role"):
        problems += shared_roles
    if problems:
        return not_met(f"AgentCore runtimes do not each have their own identity: {names(problems)}.")
    if unread:
        return cannot_tell(
            f"The identity of AgentCore runtime {names(unread)} could not be read.",
            missing=_missing(data, unread, "runtime") or ("bedrock-agentcore:GetAgentRuntime",),
        )
    if data.get("truncated"):
        return cannot_tell(
            "Every AgentCore runtime read has its own identity, but not every runtime was read."
        )
    return met(
        f"Each of the {plural(len(runtimes), 'AgentCore runtime')} has its own workload identity"
        + (" and execution role." if not params.get("allow_shared_role") else ".")
    )


@probe("agentcore_roles_least_privilege", "iam.agentcore_roles")
def agentcore_roles_least_privilege(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every AgentCore runtime execution role and gateway service role is least-privilege, judged as agent roles
    are (probes/governance.py): a permissions boundary, no AWS managed administrator or *FullAccess policy, no
    service wildcard or NotAction on every resource, no iam:PassRole on every role or other escalation."""
    from llmops_audit.probes.governance import _judge_roles

    data = ev.get("iam.agentcore_roles")
    roles = data["roles"]
    without = data.get("resources_without_role") or []
    if not roles and not without:
        return met(
            f"No AgentCore runtime or gateway with an IAM role exists in {ev.scope.region}, so no AgentCore "
            "role can be over-broad."
        )
    return _judge_roles(roles, "AgentCore role", "resource", without, bool(data.get("truncated")))


# -- evaluations and memory -----------------------------------------------------------------------


MIN_SAMPLING = Param(
    float, default=0.0, min=0.0, max=100.0, help="the sampled share of sessions must exceed this percentage"
)


@probe(
    "agentcore_online_evaluation_enabled",
    "agentcore.online_evaluations",
    params={"min_sampling": MIN_SAMPLING},
)
def agentcore_online_evaluation_enabled(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AgentCore online evaluation configuration is active and enabled, with at least one evaluator and a
    sampling rate above zero (live agent traffic is scored continuously)."""
    data = ev.get("agentcore.online_evaluations")
    configs = data.get("configs") or []
    floor = float(params.get("min_sampling") or 0.0)
    if not configs:
        return not_met(f"No AgentCore online evaluation configuration exists in {ev.scope.region}.")
    good, off, unread = [], [], []
    for c in configs:
        label = c.get("name") or c.get("id")
        if c.get("status") != "ACTIVE" or c.get("executionStatus") != "ENABLED":
            off.append(f"{label} ({str(c.get('status')).lower()}, {str(c.get('executionStatus')).lower()})")
            continue
        if not c.get("detail"):
            unread.append(label)
            continue
        rate = c.get("samplingPercentage")
        if not c.get("evaluators"):
            off.append(f"{label} (no evaluator)")
        elif rate is None or rate <= floor:
            off.append(f"{label} (samples {rate}% of sessions)")
        else:
            good.append(f"{label} ({plural(len(c['evaluators']), 'evaluator')}, {rate:g}% sampled)")
    if good:
        return met(f"Online evaluation {names(good)} scores live agent sessions.", *off)
    if unread:
        return cannot_tell(
            f"Enabled online evaluation {names(unread)} could not be read (evaluators, sampling).",
            missing=_missing(data, unread, "online evaluation")
            or ("bedrock-agentcore:GetOnlineEvaluationConfig",),
        )
    return not_met(f"No enabled AgentCore online evaluation scores live sessions: {names(off)}.")


LONG_TERM = Param(
    bool, default=False, help="require a long-term memory strategy (not only short-term events)"
)


@probe("agentcore_memory_configured", "agentcore.memories", params={"long_term": LONG_TERM})
def agentcore_memory_configured(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AgentCore memory is active with an event expiry set (agent context is kept deliberately, for a bounded
    time); with long_term, it also has an active extraction strategy (semantic, summary, preferences...)."""
    data = ev.get("agentcore.memories")
    memories = data.get("memories") or []
    if not memories:
        return not_met(f"No AgentCore memory exists in {ev.scope.region}.")
    good, other, unread = [], [], []
    for m in memories:
        label = m.get("name") or m.get("id")
        if m.get("status") != "ACTIVE":
            other.append(f"{label} ({str(m.get('status')).lower()})")
            continue
        if not m.get("detail"):
            unread.append(label)
            continue
        strategies = sorted(
            {s.get("type") for s in m.get("strategies") or [] if s.get("status") in (None, "ACTIVE")}
        )
        if not m.get("eventExpiryDays"):
            other.append(f"{label} (no event expiry)")
        elif params.get("long_term") and not strategies:
            other.append(f"{label} (short-term events only)")
        else:
            good.append(
                f"{label} (events kept {m['eventExpiryDays']} days"
                + (f"; {', '.join(str(s) for s in strategies)})" if strategies else ")")
            )
    if good:
        return met(f"AgentCore memory {names(good)} is configured.", *other)
    if unread:
        return cannot_tell(
            f"AgentCore memory {names(unread)} could not be read.",
            missing=_missing(data, unread, "memory") or ("bedrock-agentcore:GetMemory",),
        )
    return not_met(f"No AgentCore memory is configured as required: {names(other)}.")
