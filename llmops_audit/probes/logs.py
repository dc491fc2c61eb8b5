"""Probes over CloudWatch Logs: metric filters, retention, data protection."""

from __future__ import annotations

import re
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.base import Verdict, met, names, not_met, plural, probe

TOKEN_FIELDS = re.compile(r"inputTokenCount|outputTokenCount|TokenCount|latency", re.I)
FEEDBACK = re.compile(r"feedback|thumbs", re.I)


@probe("token_metric_filters_present", "logs.metric_filters", "bedrock.invocation_logging")
def token_metric_filters_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Metric filters on the invocation log group extract token counts or latency."""
    group = (ev.optional("bedrock.invocation_logging") or {}).get("logGroupName")
    filters = ev.get("logs.metric_filters")["filters"]
    hits = [
        f["name"]
        for f in filters
        if (not group or f["logGroup"] == group)
        and (
            TOKEN_FIELDS.search(f["pattern"])
            or any(TOKEN_FIELDS.search(v or "") for v in f["values"])
            or any(TOKEN_FIELDS.search(m) for m in f["metrics"])
        )
    ]
    if hits:
        return met(
            f"Metric filter {names(hits)} extracts token counts or latency from {group or 'the logs'}."
        )
    return not_met(
        "No metric filter extracts token counts or latency"
        + (f" from {group}" if group else "")
        + f" ({plural(len(filters), 'filter')} in total)."
    )


@probe("feedback_metric_filter_present", "logs.metric_filters")
def feedback_metric_filter_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A metric filter turns user-feedback log events into a metric."""
    filters = ev.get("logs.metric_filters")["filters"]
    hits = [
        f"{f['name']} on {f['logGroup']}"
        for f in filters
        if FEEDBACK.search(f["pattern"]) or any(FEEDBACK.search(m) for m in f["metrics"])
    ]
    if hits:
        return met(f"Metric filter {names(hits)} turns user feedback into a metric.")
    return not_met(f"None of the {plural(len(filters), 'metric filter')} extracts user feedback.")


@probe("llm_lambda_log_retention_set", "logs.lambda_log_groups")
def llm_lambda_log_retention_set(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """Every LLM Lambda function logs to a group with a retention period."""
    groups = ev.get("logs.lambda_log_groups")["groups"]
    if not groups:
        return not_met("No LLM Lambda functions were found, so no application logs of model calls.")
    bad = [g["function"] for g in groups if not g.get("exists") or not g.get("retentionInDays")]
    if bad:
        return not_met(
            f"{plural(len(bad), 'LLM function')} log without a retention period or log group: {names(bad)}."
        )
    kept = [f"{g['name']} {g['retentionInDays']}d" for g in groups]
    return met(f"All {plural(len(groups), 'LLM function')} log to groups with retention ({names(kept)}).")


@probe("invocation_logs_data_protection", "logs.data_protection")
def invocation_logs_data_protection(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """The invocation log group (or the account) has a CloudWatch Logs data-protection policy masking PII."""
    dp = ev.get("logs.data_protection")
    if dp["group_policy"]:
        return met(f"Log group {dp['group']} has a data-protection policy that masks sensitive data.")
    if dp["account_policies"]:
        return met(
            f"Account-level data-protection policy {names(dp['account_policies'])} covers the log groups."
        )
    return not_met(
        f"No data-protection policy on {dp['group'] or 'the invocation log group'} or the account."
    )
