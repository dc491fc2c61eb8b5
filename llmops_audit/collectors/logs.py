"""CloudWatch Logs evidence. Prompt and response text is never kept: only names, counts and flags."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from llmops_audit.aws.access import AwsCallError
from llmops_audit.collectors.caps import limit, note

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

LOG_GROUPS_PER_PAGE = 50  # DescribeLogGroups' page size (its limit's default and maximum)


def _ms(dt: Any) -> int:
    return int(dt.timestamp() * 1000)


def _group(ctx: CollectContext, name: str) -> dict[str, Any] | None:
    for page in ctx.aws.paginate("logs", "describe_log_groups", logGroupNamePrefix=name, max_pages=2):
        for g in page.get("logGroups", []):
            if g["logGroupName"] == name:
                return {
                    "name": name,
                    "exists": True,
                    "retentionInDays": g.get("retentionInDays"),
                    "storedBytes": g.get("storedBytes"),
                    "dataProtection": g.get("dataProtectionStatus"),
                    # a customer-managed KMS key encrypts the group (None: CloudWatch Logs' own encryption)
                    "kmsKeyId": g.get("kmsKeyId"),
                }
    return None


def invocation_log_group(ctx: CollectContext) -> dict[str, Any]:
    """The log group Bedrock invocation logging writes to (there is no default name)."""
    name = ctx.section("bedrock.invocation_logging").get("logGroupName")
    if not name:
        return {"name": None, "exists": False, "configured": False}
    return _group(ctx, name) or {"name": name, "exists": False, "configured": True}


def metric_filters(ctx: CollectContext) -> dict[str, Any]:
    out = []
    for page in ctx.aws.paginate("logs", "describe_metric_filters", max_pages=20):
        for f in page.get("metricFilters", []):
            out.append(
                {
                    "name": f.get("filterName"),
                    "logGroup": f.get("logGroupName"),
                    "pattern": f.get("filterPattern", ""),
                    "metrics": [
                        f"{t.get('metricNamespace')}/{t.get('metricName')}"
                        for t in f.get("metricTransformations", [])
                    ],
                    "values": [t.get("metricValue", "") for t in f.get("metricTransformations", [])],
                }
            )
    return {"filters": out}


def lambda_log_groups(ctx: CollectContext) -> dict[str, Any]:
    functions = [f for f in ctx.section("lambda.functions")["functions"] if f.get("llm")]
    groups = []
    most = limit(ctx, "lambdas")
    for f in functions[:most]:
        name = f.get("logGroup") or f"/aws/lambda/{f['name']}"
        groups.append({"function": f["name"], **(_group(ctx, name) or {"name": name, "exists": False})})
    caps = [note("lambdas", most, len(functions), most, "their log groups")] if len(functions) > most else []
    return {"groups": groups, "caps": caps}


def masked_identifiers(document: Any) -> list[str] | None:
    """The data identifiers a data-protection policy document masks: those of a statement whose Operation is
    Deidentify with MaskConfig. An Audit statement only reports findings and masks nothing (CloudWatch Logs
    User Guide, "Understanding data protection policies"). None: the document is not readable JSON."""
    try:
        doc = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    statements = doc.get("Statement") or []
    out: set[str] = set()
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict):
            continue
        op = st.get("Operation") or {}
        deid = op.get("Deidentify") if isinstance(op, dict) else None
        if isinstance(deid, dict) and "MaskConfig" in deid:
            ids = st.get("DataIdentifier") or []
            for i in ids if isinstance(ids, list) else [ids]:
                out.add(str(i).rsplit("/", 1)[-1])  # arn:aws:dataprotection::aws:data-identifier/EmailAddress
    return sorted(out)


def data_protection(ctx: CollectContext) -> dict[str, Any]:
    """Data-protection policies on the invocation log group and the account, with what each masks."""
    group = ctx.section("logs.invocation_log_group")
    out: dict[str, Any] = {
        "group": group.get("name"),
        "group_policy": False,
        "group_masks": [],
        "account_policies": [],
        "account_masks": {},
    }
    if group.get("exists"):
        policy = ctx.aws.call("logs", "get_data_protection_policy", logGroupIdentifier=group["name"])
        out["group_policy"] = bool(policy.get("policyDocument"))
        out["group_masks"] = masked_identifiers(policy["policyDocument"]) if out["group_policy"] else []
    pols = ctx.aws.call("logs", "describe_account_policies", policyType="DATA_PROTECTION_POLICY")
    out["account_policies"] = [p.get("policyName") for p in pols.get("accountPolicies", [])]
    out["account_masks"] = {
        str(p.get("policyName")): masked_identifiers(p.get("policyDocument"))
        for p in pols.get("accountPolicies", [])
    }
    return out


def _count_events(ctx: CollectContext, group: str, pattern: str) -> tuple[list[str], bool]:
    """Messages of matching events (bounded); the caller must reduce them to counts."""
    messages: list[str] = []
    most = limit(ctx, "log_events")
    for page in ctx.aws.paginate(
        "logs",
        "filter_log_events",
        logGroupName=group,
        filterPattern=pattern,
        startTime=_ms(ctx.scope.start),
        endTime=_ms(ctx.scope.end),
        max_pages=10,
    ):
        # An event that is not an object, or whose message is not text (null), carries nothing to count.
        events = page.get("events") or []
        messages.extend(m for e in events if isinstance(e, dict) and isinstance(m := e.get("message"), str))
        if len(messages) >= most:
            return messages[:most], True
    return messages, False


def feedback_events(ctx: CollectContext) -> dict[str, Any]:
    """Counts of "UserFeedback" events (and thumbs up/down when the JSON says) in the app's log groups."""
    # The LLM functions' groups first; when they cannot be read the section fails (no wider search instead).
    candidates = [g["name"] for g in ctx.section("logs.lambda_log_groups")["groups"] if g.get("exists")]
    most = limit(ctx, "log_groups")
    pages = -(-most // LOG_GROUPS_PER_PAGE)
    listed, token, read = 0, None, 0
    for page in ctx.aws.paginate("logs", "describe_log_groups", max_pages=pages):
        read += 1
        token = page.get("nextToken")
        for g in page.get("logGroups", []):
            listed += 1
            n = g["logGroupName"]
            if ("app" in n.lower() or "feedback" in n.lower()) and n not in candidates:
                candidates.append(n)
    caps = (
        [note("log_groups", listed, None, most, "searched for feedback")] if read >= pages and token else []
    )
    total = up = down = unparsed = 0
    groups = []
    for name in candidates[:5]:
        try:
            messages, capped = _count_events(ctx, name, '"UserFeedback"')
        except AwsCallError:
            continue
        if capped:
            caps.append(note("log_events", len(messages), None, limit(ctx, "log_events"), name))
        messages = [m for m in messages if "UserFeedback" in m]
        if not messages:
            continue
        groups.append({"group": name, "events": len(messages), "capped": capped})
        total += len(messages)
        for m in messages:
            try:
                rec = json.loads(m)
            except ValueError:
                rec = None
            if not isinstance(rec, dict):
                unparsed += 1  # plain text, a JSON string, number, list or null: counted, not rated
                continue
            val = str(rec.get("rating", rec.get("thumbs", rec.get("feedback", "")))).lower()
            up += val in ("up", "1", "positive", "thumbs_up", "true")
            down += val in ("down", "-1", "0", "negative", "thumbs_down", "false")
    return {
        "events": total,
        "up": up,
        "down": down,
        "unparsed": unparsed,
        "groups": groups,
        "searched": candidates[:5],
        "caps": caps,
    }


def invocation_records(ctx: CollectContext) -> dict[str, Any]:
    """Token counts per invocation-log record; the record's prompt and response bodies are dropped unread."""
    group = ctx.section("logs.invocation_log_group")
    if not group.get("exists"):
        return {"group": group.get("name"), "records": [], "available": False}
    messages, capped = _count_events(ctx, group["name"], "")
    records = []
    unparsed = 0
    for m in messages:
        try:
            rec = json.loads(m)
        except ValueError:
            rec = None
        if not isinstance(rec, dict):
            unparsed += 1  # plain text, a JSON string, number, list or null: no record, counted
            continue
        records.append(
            {
                "modelId": _text(rec.get("modelId")),
                "operation": _text(rec.get("operation")),
                "errorCode": _text(rec.get("errorCode")),
                "inputTokens": _count(rec.get("input"), "inputTokenCount"),
                "outputTokens": _count(rec.get("output"), "outputTokenCount"),
            }
        )
    return {
        "group": group["name"],
        "records": records,
        "unparsed": unparsed,
        "capped": capped,
        "caps": [note("log_events", len(messages), None, limit(ctx, "log_events"), group["name"])]
        if capped
        else [],
        "available": True,
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _count(part: Any, key: str) -> int | None:
    """A token count of a record's input/output part: a non-negative whole number, else None (unread)."""
    value = part.get(key) if isinstance(part, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        return None
    return int(value) if float(value).is_integer() else None


SECTIONS = {
    "logs.invocation_log_group": invocation_log_group,
    "logs.metric_filters": metric_filters,
    "logs.lambda_log_groups": lambda_log_groups,
    "logs.data_protection": data_protection,
    "logs.feedback_events": feedback_events,
    "logs.invocation_records": invocation_records,
}
