"""Probes over CloudWatch Logs: metric filters, retention, data protection.

Metric filters count only on the LLM workload's log groups (the invocation-logging group and the LLM
functions' groups, probes/workload.py): an nginx access log's latency field is not model latency. When the
invocation logging configuration cannot be read, the group it names is unknown and no other group stands in.
"""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes import workload
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe

# Token counts as the invocation log writes them (input.inputTokenCount, output.outputTokenCount) and as
# Converse responses report them (usage.inputTokens / outputTokens / totalTokens).
TOKEN_FIELDS = re.compile(
    r"inputTokenCount|outputTokenCount|TokenCount|inputTokens|outputTokens|totalTokens", re.I
)
FEEDBACK = re.compile(r"feedback|thumbs", re.I)


def _llm_groups(ev: Evidence) -> tuple[set[str], list[str]]:
    """(the LLM workload's log groups, why the set may be incomplete). Raises MissingEvidence when the
    invocation logging configuration could not be read."""
    group = ev.get("bedrock.invocation_logging").get("logGroupName")
    try:
        w = workload.functions(ev)
    except MissingEvidence as exc:
        return workload.log_groups(workload.Workload(), group), [
            f"the Lambda functions could not be read ({exc.error.describe()})"
        ]
    return workload.log_groups(w, group), w.gaps


@probe(
    "token_metric_filters_present",
    "logs.metric_filters",
    "bedrock.invocation_logging",
    "lambda.functions",
    "xray.traces",
)
def token_metric_filters_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Metric filters on the LLM workload's log groups (the invocation log, LLM functions' logs) extract token
    counts."""
    filters = ev.get("logs.metric_filters")["filters"]
    tokens = [
        f
        for f in filters
        if TOKEN_FIELDS.search(f["pattern"])
        or any(TOKEN_FIELDS.search(v or "") for v in f["values"])
        or any(TOKEN_FIELDS.search(m.split("/")[-1]) for m in f["metrics"])
    ]
    if not tokens:  # DescribeMetricFilters lists every group's filters: none extracts token counts anywhere
        return not_met(
            f"None of the {plural(len(filters), 'metric filter')} in the account extracts token counts."
        )
    groups, gaps = _llm_groups(ev)
    hits = [f"{f['name']} on {f['logGroup']}" for f in tokens if f["logGroup"] in groups]
    if hits:
        return met(f"Metric filter {names(hits)} extracts token counts from the LLM workload's logs.")
    if gaps and filters:
        return cannot_tell(
            f"No metric filter on a known LLM log group extracts token counts, and {'; '.join(gaps)}."
        )
    return not_met(
        "No metric filter extracts token counts from the LLM workload's log groups"
        + (f" ({names(sorted(groups))})" if groups else " (there is none)")
        + f"; {plural(len(filters), 'filter')} in the account in total."
    )


@probe(
    "feedback_metric_filter_present",
    "logs.metric_filters",
    "bedrock.invocation_logging",
    "lambda.functions",
    "xray.traces",
)
def feedback_metric_filter_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A metric filter on an LLM workload's log group turns user-feedback events into a metric."""
    filters = ev.get("logs.metric_filters")["filters"]
    if not any(
        FEEDBACK.search(f["pattern"]) or any(FEEDBACK.search(m) for m in f["metrics"]) for f in filters
    ):
        return not_met(f"None of the {plural(len(filters), 'metric filter')} extracts user feedback.")
    groups, gaps = _llm_groups(ev)
    candidates = [
        f for f in filters if FEEDBACK.search(f["pattern"]) or any(FEEDBACK.search(m) for m in f["metrics"])
    ]
    hits = [f"{f['name']} on {f['logGroup']}" for f in candidates if f["logGroup"] in groups]
    if hits:
        return met(
            f"Metric filter {names(hits)} turns user feedback in the LLM workload's logs into a metric."
        )
    if gaps and candidates:
        return cannot_tell(
            f"Feedback filter {names([f['name'] + ' on ' + str(f['logGroup']) for f in candidates])} is not on a "
            f"known LLM log group, and {'; '.join(gaps)}."
        )
    return not_met(
        f"None of the {plural(len(filters), 'metric filter')} extracts user feedback from the LLM workload's "
        "log groups"
        + (
            f" (feedback-named filters on other groups: {names([str(f['logGroup']) for f in candidates])})."
            if candidates
            else "."
        )
    )


@probe("llm_lambda_log_retention_set", "logs.lambda_log_groups", "lambda.functions", "xray.traces")
def llm_lambda_log_retention_set(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every LLM Lambda function logs to a group with a retention period."""
    groups = ev.get("logs.lambda_log_groups")["groups"]
    if not groups:
        return workload.no_functions(workload.functions(ev), "application logging of model calls")
    bad = [g["function"] for g in groups if not g.get("exists") or not g.get("retentionInDays")]
    if bad:
        return not_met(
            f"{plural(len(bad), 'LLM function')} log without a retention period or log group: {names(bad)}."
        )
    kept = [f"{g['name']} {g['retentionInDays']}d" for g in groups]
    return met(f"All {plural(len(groups), 'LLM function')} log to groups with retention ({names(kept)}).")


@probe("invocation_logs_data_protection", "logs.data_protection")
def invocation_logs_data_protection(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """The invocation log group (or the account) has a CloudWatch Logs data-protection policy that masks
    sensitive data (a Deidentify statement with MaskConfig; an Audit-only policy only reports findings)."""
    dp = ev.get("logs.data_protection")
    group = dp["group"] or "the invocation log group"
    if "group_masks" not in dp and "account_masks" not in dp:
        if dp["group_policy"] or dp["account_policies"]:  # a snapshot from before the documents were read
            return cannot_tell(
                "A data-protection policy exists, but what it does was not recorded: an Audit-only policy "
                "masks nothing, so whether it protects PII is unknown."
            )
        return not_met(f"No data-protection policy on {group} or the account.")
    masking: list[str] = []
    audit_only: list[str] = []
    unreadable: list[str] = []
    policies = []
    if dp["group_policy"]:
        policies.append((f"the policy on log group {group}", dp.get("group_masks")))
    for name in dp["account_policies"]:
        policies.append((f"account-level policy {name}", (dp.get("account_masks") or {}).get(str(name))))
    for label, masks in policies:
        if masks is None:
            unreadable.append(label)
        elif masks:
            masking.append(f"{label} masks {names(masks, 4)}")
        else:
            audit_only.append(label)
    if masking:
        return met(
            f"Data protection masks sensitive data in the invocation logs: {'; '.join(masking)}.",
            *(
                [f"{names(audit_only)} only audit{'s' if len(audit_only) == 1 else ''} (masks nothing)."]
                if audit_only
                else []
            ),
        )
    if unreadable:
        return cannot_tell(
            f"The document of {names(unreadable)} could not be read, so what it masks is unknown."
        )
    if audit_only:
        return not_met(
            f"{names(audit_only)} only audit{'s' if len(audit_only) == 1 else ''} sensitive data (no Deidentify "
            "statement with MaskConfig), so nothing is masked in the invocation logs."
        )
    return not_met(f"No data-protection policy on {group} or the account.")
