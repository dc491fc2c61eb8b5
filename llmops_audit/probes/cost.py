"""Probes over Budgets and Cost Explorer (sections documented in collectors/cost.py).

What counts as watching the LLM workload's spend (AWS Billing and Cost Management User Guide):
- a budget (COST or USAGE) whose filter selects Amazon Bedrock spend: the SERVICE dimension on a Bedrock
  service ("Amazon Bedrock", or a Marketplace model's "... (Amazon Bedrock Edition)"), or a tag whose values
  carry the workload's Bedrock spend, and that notifies someone; an account-wide budget does not single out
  the workload (budgets-managing-costs.html, API_budgets_Expression);
- a Cost Anomaly Detection monitor that covers Bedrock (the AWS managed services monitor, DIMENSIONAL on
  SERVICE, evaluates every service independently, Bedrock included; a monitor on the workload's tag), with an
  alert subscription whose subscriber did not decline (getting-started-ad.html, API_AnomalyMonitor,
  API_AnomalySubscription);
- a cost-allocation tag attributes spend only once it is activated, and attributes the workload's spend only
  when Bedrock spend is grouped under one of its values or it is on an application inference profile
  (cost-alloc-tags.html, activating-tags.html).

"Workload tags" are the (key, value) pairs that carry Bedrock spend in Cost Explorer (ce.cost_by_tag) or that
are on an application inference profile under a key activated for cost allocation. A budget or monitor on
any other tag, a linked account or a cost category the audit does not read is not proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmops_audit.evidence.shapes import Budget
from llmops_audit.evidence.snapshot import Evidence, MissingEvidence
from llmops_audit.probes.base import Verdict, cannot_tell, met, names, not_met, plural, probe

BUDGET_TYPES = ("COST", "USAGE")  # RI/Savings Plans utilization and coverage budgets watch no Bedrock spend
SERVICE_KEYS = ("SERVICE", "SERVICE_CODE")
WORKLOAD_SECTIONS = ("ce.cost_by_tag", "ce.cost_allocation_tags", "bedrock.inference_profiles")


def _bedrock_service(value: object) -> bool:
    """A SERVICE / SERVICE_CODE value of Bedrock (AWS's own names: Amazon Bedrock, AmazonBedrock, or a
    Marketplace model billed as "... (Amazon Bedrock Edition)")."""
    return "bedrock" in str(value or "").lower()


def _read(ev: Evidence, section: str, missing: list[str]) -> Any | None:
    try:
        return ev.get(section)
    except MissingEvidence as exc:
        missing.append(exc.error.action)
        return None


@dataclass
class Workload:
    """The tag (key, value) pairs that belong to the LLM workload, and whether every source was read."""

    tags: dict[str, set[str]] = field(default_factory=dict)
    complete: bool = True
    missing: list[str] = field(default_factory=list)

    def add(self, key: str, value: str) -> None:
        self.tags.setdefault(key, set()).add(value)


def workload(ev: Evidence) -> Workload:
    """Tags that carry Bedrock spend (ce.cost_by_tag) or sit on an application inference profile under an
    active cost-allocation key."""
    wl = Workload()
    spend = _read(ev, "ce.cost_by_tag", wl.missing)
    if spend is None:
        wl.complete = False
    else:
        by_tag = spend.get("by_tag") or {}
        for key, groups in by_tag.items():
            for value, amount in (groups or {}).items():
                if value and isinstance(amount, int | float) and amount > 0:
                    wl.add(key, value)
        if spend.get("tags_not_grouped") or any(k not in by_tag for k in spend.get("tag_keys") or []):
            wl.complete = False
    active = _read(ev, "ce.cost_allocation_tags", wl.missing)
    profiles = _read(ev, "bedrock.inference_profiles", wl.missing)
    if active is None or profiles is None:
        wl.complete = False
        return wl
    keys = set(active.get("tags") or [])
    for p in profiles.get("profiles") or []:
        if p.get("tags") is None:
            wl.complete = False
            continue
        for k, v in p["tags"].items():
            if k in keys and not k.startswith("aws:"):
                wl.add(k, str(v))
    return wl


def _matches(candidates: set[str], values: list[str], options: list[str]) -> bool | None:
    """Whether any candidate tag value is selected by (values, match options); None: options not understood."""
    if not values:
        return bool(candidates)
    fold = "CASE_INSENSITIVE" in options

    def norm(s: str) -> str:
        return s.lower() if fold else s

    ops = [o for o in options if o not in ("CASE_SENSITIVE", "CASE_INSENSITIVE")] or ["EQUALS"]
    tests = {
        "EQUALS": lambda c, v: c == v,
        "STARTS_WITH": lambda c, v: c.startswith(v),
        "ENDS_WITH": lambda c, v: c.endswith(v),
        "CONTAINS": lambda c, v: v in c,
    }
    if any(o not in tests for o in ops):
        return None
    return any(tests[o](norm(c), norm(v)) for o in ops for c in candidates for v in values if v)


def _tag_focus(key: str, values: list[str], options: list[str], wl: Workload | None) -> bool | None:
    """A tag filter selects the workload's spend when it names one of the workload's tag pairs."""
    if "ABSENT" in options or wl is None:
        return False if "ABSENT" in options else None
    key = key.removeprefix("user:")
    hit = _matches(wl.tags.get(key, set()), values, options)
    if hit:
        return True
    return None if (hit is None or not wl.complete) else False


def focus(expr: Any, wl: Workload | None) -> bool | None:
    """Whether a Budgets / Cost Explorer Expression selects Bedrock (or workload-tagged) spend: True, False,
    or None when it cannot be told from what was read (a cost category, an unread tag source)."""
    if not isinstance(expr, dict) or not expr:
        return False
    if "Not" in expr:
        return False  # everything but something: not scoped to the workload
    if "And" in expr:
        parts = list(expr["And"] or [])
        if any(isinstance(p, dict) and "Not" in p and focus(p["Not"], wl) is not False for p in parts):
            return False  # Bedrock (or possibly Bedrock) excluded
        found = [focus(p, wl) for p in parts]
        return True if True in found else (None if None in found else False)
    if "Or" in expr:
        found = [focus(p, wl) for p in expr["Or"] or []]
        return True if True in found else (None if None in found else False)
    if "Dimensions" in expr:
        d = expr["Dimensions"] or {}
        if d.get("Key") in SERVICE_KEYS and "ABSENT" not in (d.get("MatchOptions") or []):
            return any(_bedrock_service(v) for v in d.get("Values") or [])
        return False
    if "Tags" in expr:
        t = expr["Tags"] or {}
        return _tag_focus(
            str(t.get("Key") or ""), list(t.get("Values") or []), list(t.get("MatchOptions") or []), wl
        )
    if "CostCategories" in expr:
        return None  # cost category rules are not read by the audit
    return False


def _legacy_focus(filters: dict[str, list[str]], wl: Workload | None) -> bool | None:
    """CostFilters: keys are AND-ed, values of a key OR-ed ("Service": [...], "TagKeyValue": ["user:k$v"])."""
    found: list[bool | None] = []
    for key, values in filters.items():
        if key in ("Service", "ServiceCode"):
            found.append(any(_bedrock_service(v) for v in values))
        elif key == "TagKeyValue":
            hits: list[bool | None] = []
            for kv in values:
                k, _, v = str(kv).removeprefix("user:").partition("$")
                hits.append(_tag_focus(k, [v], [], wl) if v else False)
            found.append(True if True in hits else (None if None in hits else False))
        elif key == "CostCategory":
            found.append(None)
    return True if True in found else (None if None in found else False)


def _has_tags(expr: Any) -> bool:
    if not isinstance(expr, dict):
        return False
    return (
        "Tags" in expr
        or any(_has_tags(e) for k in ("And", "Or") for e in expr.get(k) or [])
        or _has_tags(expr.get("Not"))
    )


def _uses_tags(b: Budget) -> bool:
    return "TagKeyValue" in (b.get("cost_filters") or {}) or _has_tags(b.get("filter_expression"))


def budget_focus(b: Budget, wl: Workload | None) -> bool | None:
    """The budget's FilterExpression when AWS returned one, else its CostFilters."""
    if b.get("filter_expression"):
        return focus(b["filter_expression"], wl)
    return _legacy_focus(b.get("cost_filters") or {}, wl)


def bedrock_scoped(b: Budget) -> bool:
    """A budget whose filter selects the Amazon Bedrock service (tag filters need the workload's tags)."""
    return budget_focus(b, None) is True


def _budget_label(b: dict[str, Any]) -> str:
    label = str(b.get("name"))
    if b.get("limit"):
        period = f" {b['time_unit'].lower()}" if b.get("time_unit") else ""
        label += f" ({b['limit']} {b.get('unit') or 'USD'}{period})"
    return label


def _unseen_budgets(data: dict[str, Any], what: str) -> Verdict | None:
    """No budget of `what` visible: unknown in a member account (budgets usually live in the management account
    and are not listed to members) or when the organization could not be read; None otherwise."""
    role = data.get("organization_role")
    if role == "member":
        return cannot_tell(
            f"No {what} is visible in this account, a member of an AWS Organization: budgets usually live in "
            "the management (payer) account, which a member account cannot list.",
        )
    if role not in ("standalone", "management"):
        return cannot_tell(
            f"No {what} is visible, and whether the account is an organization member (whose budgets live in "
            "the management account) is unknown.",
            missing=("organizations:DescribeOrganization",),
        )
    return None


@probe("budgets_present", "budgets.budgets")
def budgets_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An AWS Budget exists (unknown in an organization member account that sees none)."""
    data = ev.get("budgets.budgets")
    found = data["budgets"]
    if not found:
        return _unseen_budgets(data, "AWS Budget") or not_met(
            "No AWS Budget exists in the account (budgets:DescribeBudgets returned none)."
        )
    details = []
    scoped = [b["name"] for b in found if bedrock_scoped(b)]
    if scoped:
        details.append(f"Scoped to Bedrock by a cost filter: {names(scoped)}.")
    silent = [b["name"] for b in found if b.get("notifications") == 0]
    if silent:
        details.append(f"No notification configured on: {names(silent)}.")
    alerting = [b for b in found if b.get("notifications")]
    note = f", {plural(len(alerting), 'budget')} with notifications" if alerting else ""
    return met(
        f"{plural(len(found), 'AWS Budget')} exist{'s' if len(found) == 1 else ''}: "
        f"{names([_budget_label(b) for b in found])}{note}.",
        *details,
    )


@probe("bedrock_budget_present", "budgets.budgets", *WORKLOAD_SECTIONS)
def bedrock_budget_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A cost or usage budget filtered to Bedrock spend (the Bedrock service, or the workload's tag) notifies someone."""
    data = ev.get("budgets.budgets")
    found = [b for b in data["budgets"] if b.get("type") in BUDGET_TYPES]
    wl = workload(ev) if any(_uses_tags(b) for b in found) else None
    alerting, silent, unsure = [], [], []
    unscoped = [b["name"] for b in data["budgets"] if b.get("type") not in BUDGET_TYPES]
    missing: list[str] = list(wl.missing) if wl else []
    for b in found:
        scoped = budget_focus(b, wl)
        if scoped is False:
            unscoped.append(b["name"])
            continue
        if scoped is None:
            unsure.append(f"{b['name']} (its filter could not be matched to the workload's spend)")
        elif b.get("notifications"):
            alerting.append(b)
        elif b.get("notifications") == 0:
            silent.append(b["name"])
        else:
            unsure.append(f"{b['name']} (its notifications could not be read)")
            missing.append("budgets:ViewBudget")
    if alerting:
        return met(
            f"Budget {names([_budget_label(b) for b in alerting])} is filtered to Bedrock spend and notifies "
            "someone.",
            *([f"Scoped to Bedrock but without notification: {names(silent)}."] if silent else []),
        )
    details = [f"Scoped to Bedrock but without notification: {names(silent)}."] if silent else []
    if unscoped:
        details.append(f"Not filtered to Bedrock spend (account-wide or another scope): {names(unscoped)}.")
    if unsure:
        return cannot_tell(
            f"No budget is known to watch Bedrock spend with alerts; undecided: {names(unsure)}.",
            *details,
            missing=tuple(sorted(set(missing))),
        )
    unseen = _unseen_budgets(data, "budget filtered to Bedrock spend with notifications")
    if unseen:
        return cannot_tell(unseen.summary, *details, missing=unseen.missing)
    if not data["budgets"]:
        return not_met("No AWS Budget exists in the account (budgets:DescribeBudgets returned none).")
    seen = [f"{names(silent)} (no notification)"] if silent else []
    if unscoped:
        seen.append(f"{names(unscoped)} (account-wide or another scope)")
    return not_met(
        "No budget is filtered to Bedrock spend (the Amazon Bedrock service or the workload's cost-allocation "
        f"tag) with a notification: {'; '.join(seen)}."
    )


def _monitor_label(m: dict[str, Any]) -> str:
    return f"{m.get('name')} ({m.get('dimension') or m.get('type') or 'custom'})"


def monitor_focus(m: dict[str, Any], wl: Workload | None) -> bool | None:
    """The AWS services monitor covers Bedrock; a TAG or custom monitor covers it when its specification names
    the workload's spend; linked-account monitors track account totals; cost categories are not read."""
    if m.get("type") == "DIMENSIONAL":
        dim = m.get("dimension")
        if dim == "SERVICE":
            return True
        if dim == "TAG":
            return focus(m.get("specification"), wl) if m.get("specification") else None
        if dim == "COST_CATEGORY":
            return None
        return False
    if m.get("type") == "CUSTOM":
        return focus(m.get("specification"), wl)
    return None


@probe("cost_anomaly_monitors_present", "ce.anomaly_monitors", *WORKLOAD_SECTIONS)
def cost_anomaly_monitors_present(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """A Cost Anomaly Detection monitor covering Bedrock spend alerts someone (an alert subscription)."""
    data = ev.get("ce.anomaly_monitors")
    found = data["monitors"]
    if not found:
        return not_met("No Cost Explorer anomaly monitor exists (ce:GetAnomalyMonitors returned none).")
    needs_tags = any(m.get("type") == "CUSTOM" or m.get("dimension") == "TAG" for m in found)
    wl = workload(ev) if needs_tags else None
    missing: list[str] = list(wl.missing) if wl else []
    alerting, silent, unsure, other = [], [], [], []
    for m in found:
        covers = monitor_focus(m, wl)
        if covers is False:
            other.append(_monitor_label(m))
        elif covers is None:
            unsure.append(f"{_monitor_label(m)} (whether it covers Bedrock spend is unknown)")
        elif m.get("subscribers"):
            alerting.append(m)
        elif m.get("subscribers") == 0:
            silent.append(_monitor_label(m))
        else:
            unsure.append(f"{_monitor_label(m)} (its alert subscriptions could not be read)")
            missing.append("ce:GetAnomalySubscriptions")
    details = [f"Covers Bedrock but alerts nobody (no subscription): {names(silent)}."] if silent else []
    if other:
        details.append(f"Not covering Bedrock spend specifically: {names(other)}.")
    if alerting:
        labels = [
            f"{_monitor_label(m)}, alerting via {names(m.get('subscriptions') or ['a subscription'])}"
            for m in alerting
        ]
        return met(f"Cost anomaly monitor {names(labels)} covers Bedrock spend.", *details)
    if unsure:
        return cannot_tell(
            f"No anomaly monitor is known to cover Bedrock spend with alerts; undecided: {names(unsure)}.",
            *details,
            missing=tuple(sorted(set(missing))),
        )
    return not_met(
        f"None of the {plural(len(found), 'cost anomaly monitor')} covers Bedrock spend with an alert "
        "subscription.",
        *details,
    )


@probe(
    "cost_allocation_tags_active", "ce.cost_allocation_tags", "ce.cost_by_tag", "bedrock.inference_profiles"
)
def cost_allocation_tags_active(ev: Evidence, params: dict[str, Any]) -> Verdict:
    """An active user-defined cost-allocation tag is applied to Bedrock spend or to an application inference profile."""
    data = ev.get("ce.cost_allocation_tags")
    tags = data["tags"]
    user_defined = [t for t in tags if (data.get("types") or {}).get(t, "UserDefined") == "UserDefined"]
    if not user_defined:
        if tags:
            return not_met(
                f"Only AWS-generated cost-allocation tags are active ({names(tags)}); "
                f"no user-defined tag attributes spend to an application or team."
            )
        return not_met(
            "No cost-allocation tag is active (ce:ListCostAllocationTags with Status Active returned none)."
        )
    missing: list[str] = []
    spend = _read(ev, "ce.cost_by_tag", missing)
    profiles = _read(ev, "bedrock.inference_profiles", missing)
    on_spend: list[str] = []
    on_profiles: list[str] = []
    unknown = spend is None or profiles is None
    if spend is not None:
        by_tag = spend.get("by_tag") or {}
        for key in user_defined:
            if key not in by_tag:
                unknown = True  # not grouped (past the bound) or the grouping call failed
                continue
            carried = {
                v: a for v, a in (by_tag[key] or {}).items() if v and isinstance(a, int | float) and a > 0
            }
            if carried:
                on_spend.append(f"{key} ({names(sorted(carried))})")
    if profiles is not None:
        for key in user_defined:
            holders = [
                str(p.get("name")) for p in profiles.get("profiles") or [] if key in (p.get("tags") or {})
            ]
            if holders:
                on_profiles.append(f"{key} (on {names(holders)})")
        unknown = unknown or any(p.get("tags") is None for p in profiles.get("profiles") or [])
    if on_spend or on_profiles:
        parts = []
        if on_spend:
            parts.append(f"Bedrock spend is grouped under {names(on_spend)}")
        if on_profiles:
            parts.append(f"application inference profiles carry {names(on_profiles)}")
        return met(f"Active cost-allocation tags attribute the workload's spend: {'; '.join(parts)}.")
    if unknown:
        return cannot_tell(
            f"{plural(len(user_defined), 'user-defined cost-allocation tag')} "
            f"{'is' if len(user_defined) == 1 else 'are'} active ({names(user_defined)}), but whether any is "
            "applied to Bedrock spend could not be read.",
            missing=tuple(sorted(set(missing))),
        )
    return not_met(
        f"Active cost-allocation tags ({names(user_defined)}) are applied neither to Bedrock spend in the period "
        "nor to an application inference profile."
    )
