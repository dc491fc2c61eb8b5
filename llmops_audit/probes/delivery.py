"""Probes over CodePipeline, EventBridge, SSM parameters and environment tags.

Pipelines, schedules and environment tags count only when they belong to the LLM workload
(probes/workload.py): a website deploy's approval, a re-indexing schedule or a web shop's dev/prod tags say
nothing about it, whatever their names.
"""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes import workload
from llmops_audit.probes.base import (
    Verdict,
    cannot_tell,
    environment_of,
    met,
    names,
    not_met,
    plural,
    probe,
)


def _workload(ev: Evidence) -> workload.Workload:
    try:
        return workload.functions(ev)
    except MissingEvidence:
        return workload.Workload(gaps=["the Lambda functions could not be read"])


@probe(
    "pipeline_manual_approval_present",
    "codepipeline.pipelines",
    "lambda.functions",
    "xray.traces",
    "stepfunctions.state_machines",
    "apigateway.rest_apis",
)
def pipeline_manual_approval_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A CodePipeline pipeline that deploys the LLM workload has a manual approval action."""
    pipes = ev.get("codepipeline.pipelines")["pipelines"]
    w = _workload(ev)
    sm = ev.optional("stepfunctions.state_machines")
    llm_machines = {m["arn"] for m in workload.machines(ev, w)[0]} if sm is not None else set()
    rest = ev.optional("apigateway.rest_apis")
    llm_apis = {a["id"] for a in rest["apis"] if workload.api_targets(a, w)} if rest is not None else set()
    tied = [(p, why) for p in pipes if (why := workload.deploy_ties(p, w, llm_machines, llm_apis))]
    ok = [f"{p['name']} ({', '.join(p['approvals'])}; {why[0]})" for p, why in tied if p["approvals"]]
    if ok:
        return met(f"Pipeline {names(ok)} deploys the LLM workload and requires a manual approval.")
    if tied:
        return not_met(
            f"Pipeline {names([p['name'] for p, _ in tied])} deploys the LLM workload without a manual "
            "approval action."
        )
    unread = [
        p["name"]
        for p in pipes
        if any(d.get("stack") and d.get("stackResources") is None for d in p.get("deploys") or [])
    ]
    gaps = ([f"the stacks deployed by {names(unread)} could not be listed"] if unread else []) + (
        w.gaps if pipes else []
    )
    if gaps and any(p["approvals"] for p in pipes):
        return cannot_tell(
            f"Whether an approval-gated pipeline deploys the LLM workload is unknown: {'; '.join(gaps)}."
        )
    if pipes:
        return not_met(
            f"None of the {plural(len(pipes), 'pipeline')} ({names([p['name'] for p in pipes])}) deploys an LLM "
            "function, LLM state machine or Bedrock resource, so no approval gates LLM changes."
        )
    return not_met("No CodePipeline pipeline exists, so no approval step is visible in AWS.")


EVALUATION_TARGET = re.compile(r":aws-sdk:bedrock:createEvaluationJob$", re.I)


@probe(
    "scheduled_evaluation_rules_present",
    "events.rules",
    "scheduler.schedules",
    "lambda.functions",
    "stepfunctions.state_machines",
)
def scheduled_evaluation_rules_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An enabled EventBridge rule schedule or EventBridge Scheduler schedule starts Bedrock evaluation jobs:
    its target is a function whose role is granted bedrock:CreateEvaluationJob, a state machine whose task
    starts one, or Scheduler's universal target for bedrock:CreateEvaluationJob."""
    rules_data = ev.optional("events.rules")
    sched_data = ev.optional("scheduler.schedules")
    if rules_data is None and sched_data is None:
        return cannot_tell(
            "Neither the EventBridge rules nor the EventBridge Scheduler schedules could be read."
        )
    all_rules = (rules_data or {"rules": []})["rules"]
    all_sched = (sched_data or {"schedules": []})["schedules"]
    schedules = [
        (r["name"], r["schedule"], r["targets"])
        for r in all_rules
        if r["schedule"] and r.get("state") != "DISABLED"
    ] + [
        (f"{s.get('group') or 'default'}/{s['name']}", s.get("schedule") or "schedule", s["targets"])
        for s in all_sched
        if s.get("state") != "DISABLED"
    ]
    unread = [
        w
        for w, d in (("EventBridge rules", rules_data), ("EventBridge Scheduler schedules", sched_data))
        if d is None
    ]
    fns_data = ev.optional("lambda.functions")
    sm_data = ev.optional("stepfunctions.state_machines")
    fns: dict[str, dict[str, Any]] = {}
    for f in (fns_data or {}).get("functions", []):
        fns[workload.function_arn(f["arn"])] = f
        fns[f["name"]] = f
    machines = {m["arn"]: m for m in (sm_data or {}).get("state_machines", [])}
    hits, unknown = [], []
    for name, expr, targets in schedules:
        for t in targets:
            t = str(t or "")
            if EVALUATION_TARGET.search(t):
                hits.append(f"{name} ({expr}) -> bedrock:CreateEvaluationJob")
            elif ":lambda:" in t:
                f = fns.get(workload.function_arn(t))
                if fns_data is None or (f is not None and f.get("roleActions") is None):
                    unknown.append(f"{name} -> {t.split(':')[-1]}")
                elif f is not None and workload.evaluation_grant(f.get("roleActions")):
                    hits.append(f"{name} ({expr}) -> function {f['name']}")
            elif ":states:" in t and ":stateMachine:" in t:
                m = machines.get(t)
                if sm_data is None or (m is not None and m.get("definitionRead") is False):
                    unknown.append(f"{name} -> {t.split(':')[-1]}")
                elif m is not None and workload.machine_starts_evaluations(m, fns):
                    hits.append(f"{name} ({expr}) -> state machine {m['name']}")
    if hits:
        return met(f"Schedule {names(hits)} starts Bedrock evaluation jobs (CreateEvaluationJob).")
    if unknown:
        return cannot_tell(
            f"Whether schedule target {names(unknown)} starts evaluation jobs could not be read (its "
            "function's role or its state machine's definition)."
        )
    if unread:
        return cannot_tell(
            f"No schedule read starts evaluation jobs, but the {' and the '.join(unread)} could not be read."
        )
    if not schedules:
        if not all_rules and not all_sched:
            return not_met(
                "No EventBridge rule or Scheduler schedule exists, so no schedule starts evaluation runs."
            )
        return not_met(
            f"None of the {plural(len(all_rules), 'EventBridge rule')} and "
            f"{plural(len(all_sched), 'Scheduler schedule')} is an enabled schedule, so none starts evaluation runs."
        )
    return not_met(
        f"None of the {plural(len(schedules), 'enabled schedule')} (EventBridge rules and Scheduler) targets a "
        "function allowed bedrock:CreateEvaluationJob, a state machine that starts evaluation jobs or "
        "bedrock:CreateEvaluationJob itself (a schedule's name or description proves nothing)."
    )


@probe("evaluation_score_metrics_published", "cloudwatch.evaluation_score_metrics")
def evaluation_score_metrics_published(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Custom metrics named like evaluation scores exist, so evaluations may run outside AWS (never met: only
    a person can say what they measure; unknown when found, not met when none)."""
    data = ev.get("cloudwatch.evaluation_score_metrics")
    found = [f"{m['namespace']}/{m['metric']}" for m in data["metrics"]]
    if found:
        return cannot_tell(
            f"Custom metric {names(found)} looks like evaluation scores published from outside Bedrock (a CI "
            "job, for instance); a name proves nothing, so a person must attest whether automated evaluations run."
        )
    if not data.get("complete", True):
        return cannot_tell(
            f"No custom metric named like an evaluation score among the first {data.get('listed', 0):,} series "
            "listed; the rest of the account's metrics were not read."
        )
    return not_met("No custom CloudWatch metric is named like an evaluation score.")


SSM_READS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath")


def _parameter_grants(
    roles: dict[str, Any], name: str, region: str, account: str
) -> tuple[list[str], list[str]]:
    """(LLM function roles allowed ssm:GetParameter* on parameter `name` by a resource naming it or its path,
    roles whose policies could not be read). A grant on every parameter (`*`, `parameter/*`) ties nothing."""
    import fnmatch

    arn = f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
    hits, unread = [], []
    for r in roles.get("roles") or []:
        if r.get("attached") is None or r.get("inline") is None:
            unread.append(str(r.get("name")))
            continue
        statements = [
            st
            for pol in [*(r.get("attached") or []), *(r.get("inline") or [])]
            for st in (pol.get("statements") or [])
        ]
        for st in statements:
            if st.get("Effect") != "Allow":
                continue
            acts = [str(a).lower() for a in st.get("Action") or []]
            if not any(fnmatch.fnmatchcase(x.lower(), a) for a in acts for x in SSM_READS):
                continue
            for res in st.get("Resource") or []:
                res = str(res)
                if res == "*" or res.endswith((":parameter/*", ":*")):
                    continue
                path = arn.rsplit("/", 1)[0]
                if fnmatch.fnmatchcase(arn, res) or fnmatch.fnmatchcase(path, res):
                    hits.append(f"{r.get('name')} ({', '.join(r.get('functions') or [])})")
    return sorted(set(hits)), unread


def _read(ev: Evidence, section: str) -> tuple[Any, tuple[str, ...]]:
    """(data, ()) or (None, (the IAM action whose read failed,)) for a section read as one fact of several."""
    try:
        return ev.get(section), ()
    except MissingEvidence as exc:
        return None, (exc.error.action,)


@probe(
    "ssm_prompt_parameters_present",
    "ssm.prompt_parameters",
    "ssm.prompt_parameter_refs",
    "iam.llm_lambda_roles",
)
def ssm_prompt_parameters_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Prompt templates are stored as SSM parameters the LLM workload uses: an LLM function's environment
    names the parameter, or its role may read it (ssm:GetParameter* on the parameter's ARN or path). A
    parameter's name alone ("prompt") proves nothing."""
    found = ev.get("ssm.prompt_parameters")["parameters"]
    if not found:
        return not_met("No SSM parameter is named like a prompt.")
    refs, refs_missing = _read(ev, "ssm.prompt_parameter_refs")
    roles, roles_missing = _read(ev, "iam.llm_lambda_roles")
    tied, gaps = [], []
    if refs is None:
        gaps.append("the LLM functions' environments could not be compared")
    if roles is None:
        gaps.append("the LLM functions' roles could not be read")
    unread_roles: set[str] = set()
    for name in found:
        why = []
        if refs is not None and refs["refs"].get(name):
            why.append(f"named in the environment of {names(refs['refs'][name])}")
        if roles is not None:
            grants, unread = _parameter_grants(roles, name, ev.scope.region, ev.scope.account)
            unread_roles |= set(unread)
            if grants:
                why.append(f"readable by role {names(grants)}")
        if why:
            tied.append(f"{name} ({'; '.join(why)})")
    if tied:
        return met(f"SSM parameter {names(tied)} holds prompts of the LLM workload.")
    if unread_roles:
        gaps.append(f"the policies of role {names(sorted(unread_roles))} could not be read")
    if gaps:
        return cannot_tell(
            f"SSM parameter {names(found)} is named like a prompt, but whether the LLM workload uses it is "
            f"unknown: {'; '.join(gaps)}.",
            missing=(*refs_missing, *roles_missing),
        )
    return not_met(
        f"SSM parameter {names(found)} is named like a prompt, but no LLM function names it in its environment "
        "or may read it (ssm:GetParameter* on its ARN or path), so it is not proof of centralized prompts."
    )


def _llm_arn(arn: str, w: workload.Workload, api_ids: set[str], machine_arns: set[str]) -> bool:
    parts = arn.split(":")
    service = parts[2] if len(parts) > 2 else ""
    if service.startswith("bedrock"):
        return True
    if service == "lambda":
        return w.has(arn)
    if service == "apigateway":
        return arn.rsplit("/", 1)[-1] in api_ids and ("/restapis/" in arn or "/apis/" in arn)
    return arn in machine_arns


@probe(
    "environments_tagged",
    "tagging.environments",
    "lambda.functions",
    "xray.traces",
    "apigateway.rest_apis",
    "apigateway.http_apis",
    "stepfunctions.state_machines",
)
def environments_tagged(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """LLM workload resources (Bedrock resources, LLM functions, APIs, state machines) carry at least two
    environment tag values (dev, test, stage, prod)."""
    data = ev.get("tagging.environments")
    if "resources" not in data:
        return cannot_tell(
            "The tagged resources were not recorded, so their environments cannot be tied to the LLM workload."
        )
    w = _workload(ev)
    api_ids: set[str] = set()
    for section in ("apigateway.rest_apis", "apigateway.http_apis"):
        got = ev.optional(section)
        api_ids |= {a["id"] for a in (got or {"apis": []})["apis"] if workload.api_targets(a, w)}
    sm = ev.optional("stepfunctions.state_machines")
    machine_arns = {m["arn"] for m in workload.machines(ev, w)[0]} if sm is not None else set()
    envs: dict[str, list[str]] = {}
    for arn, tags in data["resources"].items():
        if not _llm_arn(arn, w, api_ids, machine_arns):
            continue
        for value in tags.values():
            if e := environment_of(value):
                envs.setdefault(e, []).append(arn.split(":")[-1].split("/")[-1])
    if len(envs) >= 2:
        return met(
            f"LLM workload resources are tagged for {len(envs)} environments: "
            + "; ".join(f"{e} ({names(sorted(set(r)), 3)})" for e, r in sorted(envs.items()))
            + "."
        )
    all_envs = sorted({e for vs in data["tag_values"].values() for v in vs if (e := environment_of(v))})
    if w.gaps and len(all_envs) >= 2:
        return cannot_tell(
            f"Resources are tagged for {', '.join(all_envs)}, but which are the LLM workload's is unknown: "
            f"{'; '.join(w.gaps)}."
        )
    return not_met(
        f"Environment tags on LLM workload resources show {plural(len(envs), 'environment')}"
        + (f" ({', '.join(sorted(envs))})" if envs else "")
        + "; separation needs at least two"
        + (f" (the account's other resources are tagged {', '.join(all_envs)})." if all_envs else ".")
    )
