"""Confining evidence to one workload (`--workload KEY=VALUE`): pure, over a collected snapshot.

A resource belongs to the workload when it carries the tag (tagging.workload lists those ARNs), or is wired
to one that does: the log group and the role of a kept function, the role of a kept agent, an EventBridge
rule that targets a kept resource, an alarm or metric series on a kept function, API or state machine.
Bedrock traffic belongs to it when it goes through an application inference profile tagged for it; without
such a profile the Bedrock series are the account's, shown as shared. Every other section cannot be split
(invocation logging, trails, budgets, IAM keys, ...) and is labelled account-wide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from llmops_audit.evidence.snapshot import EvidenceSnapshot

WORKLOAD_SECTION = "tagging.workload"


@dataclass(frozen=True)
class Listing:
    """A list of resources in a section: where it is, what it is called in a report, how to name its ARN."""

    section: str
    key: str
    label: str
    arn: Callable[[dict[str, Any], dict[str, str]], str]


def _own(entry: dict[str, Any], _: dict[str, str]) -> str:
    return str(entry.get("arn") or "")


def _built(template: str, field: str) -> Callable[[dict[str, Any], dict[str, str]], str]:
    def arn(entry: dict[str, Any], where: dict[str, str]) -> str:
        return str(entry.get("arn") or template.format(**where, v=entry.get(field, "")))

    return arn


# Resources whose own tag decides (directly tagged, ARN from the entry or built the way AWS names it).
TAGGED = (
    Listing("lambda.functions", "functions", "Lambda functions", _own),
    Listing("agents.agents", "agents", "Bedrock agents", _own),
    Listing("agents.flows", "flows", "Bedrock flows", _own),
    Listing("agents.prompts", "prompts", "Bedrock prompts", _own),
    Listing(
        "agents.knowledge_bases",
        "knowledge_bases",
        "knowledge bases",
        _built("arn:{p}:bedrock:{r}:{a}:knowledge-base/{v}", "id"),
    ),
    Listing("agentcore.runtimes", "runtimes", "AgentCore runtimes", _own),
    Listing("agentcore.gateways", "gateways", "AgentCore gateways", _own),
    Listing("bedrock.guardrails", "guardrails", "guardrails", _own),
    Listing("bedrock.evaluation_jobs", "jobs", "evaluation jobs", _own),
    Listing("bedrock.inference_profiles", "profiles", "application inference profiles", _own),
    Listing(
        "apigateway.rest_apis", "apis", "REST APIs", _built("arn:{p}:apigateway:{r}::/restapis/{v}", "id")
    ),
    Listing("apigateway.http_apis", "apis", "HTTP APIs", _built("arn:{p}:apigateway:{r}::/apis/{v}", "id")),
    Listing("stepfunctions.state_machines", "state_machines", "state machines", _own),
    Listing(
        "codepipeline.pipelines", "pipelines", "pipelines", _built("arn:{p}:codepipeline:{r}:{a}:{v}", "name")
    ),
    Listing(
        "cloudwatch.dashboards",
        "dashboards",
        "dashboards",
        _built("arn:{p}:cloudwatch::{a}:dashboard/{v}", "name"),
    ),
)
# Dimensions that name a resource, and the section field that holds its name.
RESOURCE_DIMENSIONS = {"FunctionName": "functions", "ApiName": "apis", "StateMachineArn": "state_machines"}


def _tagged_test(
    listing: Listing, where: dict[str, str], tagged: set[str]
) -> Callable[[dict[str, Any]], bool]:
    return lambda entry: listing.arn(entry, where) in tagged


def confine(snapshot: EvidenceSnapshot) -> EvidenceSnapshot:
    """The snapshot with every splittable resource list cut to the workload's; the scoping is recorded
    in tagging.workload["scoping"] (what was kept of what) and ["shared"] (sections left account-wide)."""
    tagged_section = snapshot.sections.get(WORKLOAD_SECTION)
    if not isinstance(tagged_section, dict):
        return snapshot  # the tag read failed: its error makes the report say so; nothing is confined
    tagged = set(tagged_section.get("arns") or [])
    s = snapshot.scope
    where = {"p": s.partition, "r": s.region, "a": s.account}
    sections = dict(snapshot.sections)
    scoping: dict[str, dict[str, Any]] = {}

    def cut(
        section: str, key: str, label: str, keep: Callable[[dict[str, Any]], bool]
    ) -> list[dict[str, Any]]:
        data = sections.get(section)
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            return []
        entries = [e for e in data[key] if isinstance(e, dict)]
        kept = [e for e in entries if keep(e)]
        sections[section] = {**data, key: kept}
        scoping[section] = {"label": label, "kept": len(kept), "of": len(entries)}
        return kept

    kept_arns: set[str] = set()
    names: dict[str, set[str]] = {"functions": set(), "apis": set(), "state_machines": set()}
    for listing in TAGGED:
        kept = cut(listing.section, listing.key, listing.label, _tagged_test(listing, where, tagged))
        kept_arns |= {listing.arn(e, where) for e in kept}
        if listing.key == "functions":
            names["functions"] |= {str(e.get("name")) for e in kept}
        elif listing.key == "apis":
            names["apis"] |= {str(e.get("name")) for e in kept}
        elif listing.key == "state_machines":
            names["state_machines"] |= {str(e.get("arn")) for e in kept}
    functions = names["functions"]
    refs = sections.get("ssm.prompt_parameter_refs")
    if isinstance(refs, dict) and isinstance(refs.get("refs"), dict):
        # SSM prompt parameters tie to the workload through its functions' environments
        kept_refs = {
            p: [f for f in fns if f in functions] for p, fns in refs["refs"].items() if isinstance(fns, list)
        }
        kept_refs = {p: fns for p, fns in kept_refs.items() if fns}
        sections["ssm.prompt_parameter_refs"] = {**refs, "refs": kept_refs}
        scoping["ssm.prompt_parameter_refs"] = {
            "label": "SSM prompt parameters referenced",
            "kept": len(kept_refs),
            "of": len(refs["refs"]),
        }
    cut(
        "logs.lambda_log_groups", "groups", "Lambda log groups", lambda g: str(g.get("function")) in functions
    )
    cut(
        "iam.llm_lambda_roles",
        "roles",
        "Lambda roles",
        lambda r: r.get("arn") in tagged or bool(set(map(str, r.get("functions") or [])) & functions),
    )
    agents = {str(a.get("id")) for a in sections.get("agents.agents", {}).get("agents", []) or []} | {
        str(a.get("name")) for a in sections.get("agents.agents", {}).get("agents", []) or []
    }
    cut(
        "iam.agent_roles",
        "roles",
        "agent roles",
        lambda r: r.get("arn") in tagged or bool(set(map(str, r.get("agents") or [])) & agents),
    )
    cut(
        "events.rules",
        "rules",
        "EventBridge rules",
        lambda r: (
            f"arn:{where['p']}:events:{where['r']}:{where['a']}:rule/{r.get('name')}" in tagged
            or bool(set(map(str, r.get("targets") or [])) & (kept_arns | tagged))
        ),
    )
    traces = cut(
        "xray.traces",
        "traces",
        "X-Ray traces",
        lambda t: bool(
            set(map(str, [*(t.get("spans") or []), *(t.get("bedrockCallers") or [])])) & functions
        ),
    )
    if isinstance(sections.get("xray.traces"), dict) and "count" in sections["xray.traces"]:
        sections["xray.traces"] = {**sections["xray.traces"], "count": len(traces)}  # of the workload's
    profiles = {
        str(p.get("arn")) for p in sections.get("bedrock.inference_profiles", {}).get("profiles", []) or []
    }
    profiles |= {
        str(p.get("id")) for p in sections.get("bedrock.inference_profiles", {}).get("profiles", []) or []
    }

    def on_workload(dims: dict[str, Any]) -> bool | None:
        """True/False when the dimensions name a resource (or profile); None when they are account-wide."""
        for dim, kind in RESOURCE_DIMENSIONS.items():
            if dim in dims:
                return str(dims[dim]) in names[kind]
        if "ModelId" in dims and profiles:
            return str(dims["ModelId"]) in profiles
        return None

    cut(
        "cloudwatch.alarms",
        "alarms",
        "alarms",
        lambda a: (
            f"arn:{where['p']}:cloudwatch:{where['r']}:{where['a']}:alarm:{a.get('name')}" in tagged
            or any(
                on_workload(m.get("dimensions") or {}) for m in a.get("metrics") or [] if isinstance(m, dict)
            )
        ),
    )
    cut(
        "cloudwatch.metric_stats",
        "series",
        "metric series" + (" (Bedrock traffic via its inference profiles)" if profiles else ""),
        lambda x: on_workload(x.get("dimensions") or {}) is not False,
    )
    shared = sorted(n for n in sections if n not in scoping and n != WORKLOAD_SECTION)
    sections[WORKLOAD_SECTION] = {**tagged_section, "scoping": scoping, "shared": shared}
    return replace(snapshot, sections=sections)


def scoping_notice(snapshot: EvidenceSnapshot) -> str | None:
    """One line for the report: which evidence was the workload's and which was the account's."""
    data = snapshot.sections.get(WORKLOAD_SECTION)
    if not isinstance(data, dict) or "scoping" not in data:
        err = snapshot.errors.get(WORKLOAD_SECTION)
        return (
            f"Workload {snapshot.scope.workload}: its tagged resources could not be read ({err.describe()}); no evidence was confined to it."
            if err
            else None
        )
    parts = [f"{v['label']} {v['kept']} of {v['of']}" for v in data["scoping"].values() if v["of"]]
    return (
        f"Workload {data['key']}={data['value']} ({len(data.get('arns') or [])} tagged resources). "
        f"Workload-scoped: {', '.join(parts) or 'no resource lists'}. "
        "Account-wide (shared with other workloads): everything else, such as invocation logging, trails, "
        "budgets, IAM keys and Organization policies."
    )
