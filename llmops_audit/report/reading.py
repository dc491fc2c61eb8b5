"""How every format reads an item, a level and the verdict: one place, so terminal, Markdown, Confluence and
HTML say the same thing.

A starting-state level (LevelDef.starting_state, e.g. level 1 "Initial") describes where every workload
begins; its items are signs of that stage ("Prompts are written inline in code"). A met item there is a
sign still present (a warning, never a green tick or a completed task), a not-met item is a sign left
behind (good), and the level itself is never "not reached": it is the starting state, with N of M signs
still present.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmops_audit.model import AuditReport, ItemResult, LevelSummary, Status

# tone: good | bad | unknown | neutral (what colour/icon a format gives it)


@dataclass(frozen=True)
class Reading:
    label: str  # "met", "not met", "sign present", "sign left behind", ...
    tone: str  # good | bad | unknown | neutral
    done: bool  # a completed task / checked box (never for a sign that is still present)


def is_starting_state(report: AuditReport, level: int) -> bool:
    lv = report.framework.level(level)
    return bool(lv and lv.starting_state) or any(
        s.number == level and s.starting_state for s in report.levels
    )


def item_reading(report: AuditReport, item: ItemResult) -> Reading:
    starting = is_starting_state(report, item.level)
    s = item.status
    if starting:
        if s in (Status.MET, Status.ATTESTED):
            return Reading("sign present" if s == Status.MET else "sign present (attested)", "bad", False)
        if s == Status.NOT_MET:
            return Reading("sign left behind", "good", True)
        if s == Status.WAIVED:
            return Reading("waived", "neutral", False)
        return Reading("unknown" if s == Status.UNKNOWN else "error", "unknown", False)
    return {
        Status.MET: Reading("met", "good", True),
        Status.ATTESTED: Reading("attested", "good", True),
        Status.WAIVED: Reading("waived", "neutral", True),
        Status.NOT_MET: Reading("not met", "bad", False),
        Status.UNKNOWN: Reading("unknown", "unknown", False),
        Status.ERROR: Reading("error", "unknown", False),
    }[s]


def level_state(summary: LevelSummary) -> str:
    """'starting state: 2 of 6 signs still present' or '4/6, reached' / '1/6, not reached'."""
    if summary.starting_state:
        return f"starting state: {summary.counted} of {summary.total} signs still present"
    return f"{summary.counted}/{summary.total}, {'reached' if summary.reached else 'not reached'}"


def remediation(report: AuditReport, item: ItemResult) -> str:
    """The item's remediation text from the definitions ("" when the level files give none). For a sign
    of the starting state, the remediation is how to leave it behind: shown while the sign is present."""
    for i in report.framework.items:
        if i.id == item.id:
            return i.remediation
    return ""


def needs_remediation(report: AuditReport, item: ItemResult) -> bool:
    """Whether a format should show this item's remediation: not met or unknown (a sign still present or
    unknown, for a starting-state level)."""
    reading = item_reading(report, item)
    return reading.tone in ("bad", "unknown") and bool(remediation(report, item))
