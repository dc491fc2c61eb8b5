"""Plain, frozen data that flows between the stages: definitions, probe findings, results, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Status(str, Enum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    ATTESTED = "attested"
    WAIVED = "waived"
    ERROR = "error"

    @property
    def counts_for_level(self) -> bool:
        return self in (Status.MET, Status.ATTESTED, Status.WAIVED)

    @property
    def gate_label(self) -> str:
        """How a gate names this status: a gate passes or fails where an item is met or not."""
        return GATE_LABELS.get(self, self.value)


GATE_LABELS = {Status.MET: "pass", Status.NOT_MET: "fail"}


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class ProbeRef:
    probe: str
    params: dict[str, Any] = field(default_factory=dict)


# A decision rule: a probe reference, or {"all"|"any": [rule, ...]}, or {"not": rule}.
Rule = ProbeRef | dict[str, Any]


@dataclass(frozen=True)
class ItemDef:
    id: str
    level: int
    text: str
    met_when: str
    rule: Rule | None  # None: the item can only be attested by a person
    manual_reason: str | None = None
    attestable: bool = True
    remediation: str = ""


@dataclass(frozen=True)
class MetricDef:
    id: str
    level: int
    table: str  # "measure" (metric to measure) or "cloudwatch" (relevant CloudWatch metric / log)
    category: str
    name: str
    source: str
    purpose: str
    compute: str  # id of a registered metric calculator
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class LevelDef:
    number: int
    name: str
    motto: str
    core_question: str
    items: tuple[ItemDef, ...]
    metrics: tuple[MetricDef, ...]
    file: str = ""
    # The level describes where every workload starts (its items are signs of immature practice, e.g.
    # "Prompts are written inline in code"): a met item is a sign still present, never a goal reached.
    starting_state: bool = False


@dataclass(frozen=True)
class LevelRule:
    """A level is reached when more than `min_share` of its items count (met, attested or waived)."""

    min_share: float = 0.5
    cumulative: bool = False  # also require every lower level to be reached
    floor: int = 1  # every workload is at least at this level


@dataclass(frozen=True)
class Framework:
    name: str
    title: str
    description: str
    source: str
    levels: tuple[LevelDef, ...]
    rule: LevelRule
    directory: str = ""

    @property
    def items(self) -> tuple[ItemDef, ...]:
        return tuple(i for lv in self.levels for i in lv.items)

    @property
    def metrics(self) -> tuple[MetricDef, ...]:
        return tuple(m for lv in self.levels for m in lv.metrics)

    def level(self, number: int) -> LevelDef | None:
        return next((lv for lv in self.levels if lv.number == number), None)


# ---------------------------------------------------------------- evaluation results


@dataclass(frozen=True)
class Finding:
    """What one probe concluded: True, False, or None (could not tell), with the evidence behind it."""

    probe: str
    value: bool | None
    summary: str  # one sentence naming what was looked at and what was found
    details: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # IAM actions denied or data that was not there, when value is None
    error: str | None = None  # the probe itself failed (a bug or malformed data)


@dataclass(frozen=True)
class Attestation:
    item: str
    answer: bool
    by: str
    evidence: str
    expires: str  # ISO date
    expired: bool = False


@dataclass(frozen=True)
class Waiver:
    target: str  # item or gate id
    reason: str
    owner: str
    expires: str
    scope: dict[str, str] = field(default_factory=dict)
    expired: bool = False


@dataclass(frozen=True)
class ItemResult:
    id: str
    level: int
    text: str
    status: Status
    reason: str
    evidence: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    missing: tuple[str, ...] = ()
    attestation: Attestation | None = None
    waiver: Waiver | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricValue:
    """A calculator's answer. value None means not measurable, and `reason` says why."""

    value: float | None
    unit: str = ""
    derivation: str = ""
    reason: str = ""
    breakdown: dict[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricResult:
    id: str
    level: int
    table: str
    category: str
    name: str
    source: str
    purpose: str
    value: float | None
    unit: str
    derivation: str
    reason: str
    breakdown: dict[str, float]
    note: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class LevelSummary:
    number: int
    name: str
    motto: str
    core_question: str
    counted: int
    total: int
    reached: bool
    starting_state: bool = False  # counted = signs of the starting state still present (see LevelDef)


@dataclass(frozen=True)
class GateResult:
    """One go-live gate. `status` is MET (pass), NOT_MET (fail), UNKNOWN (no data) or WAIVED."""

    id: str
    name: str
    status: Status
    measured: float | None
    threshold: float | None
    unit: str
    reason: str
    data: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    waiver: Waiver | None = None
    at_least: bool = False  # the threshold is a minimum (quality) rather than a maximum

    @property
    def label(self) -> str:
        return self.status.gate_label

    @property
    def measured_text(self) -> str:
        return "n/a" if self.measured is None else f"{self.measured:,.4g} {self.unit}".strip()

    @property
    def threshold_text(self) -> str:
        if self.threshold is None:
            return "n/a"
        return f"{'≥' if self.at_least else '≤'} {self.threshold:,.4g} {self.unit}".strip()


@dataclass(frozen=True)
class Verdict:
    """Whether the finished report meets what the run asked for (--min-level, --fail-on-gates)."""

    outcome: str  # pass | fail
    reasons: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()


def scope_label(account: str, region: str, workload: str | None) -> str:
    """account/Region[/workload], the name of a scope in multi-scope reports, shards and history."""
    return f"{account}/{region}" + (f"/{workload}" if workload else "")


@dataclass(frozen=True)
class Scope:
    account: str
    region: str
    start: datetime
    end: datetime
    partition: str = "aws"
    profile: str | None = None
    endpoint_url: str | None = None
    demo: bool = False
    workload: str | None = None  # KEY=VALUE of --workload: evidence confined to that tag's resources
    role_arn: str | None = None  # the role assumed to read this account (--role-arn, --org-role)

    @property
    def label(self) -> str:
        return scope_label(self.account, self.region, self.workload)


@dataclass(frozen=True)
class AuditReport:
    tool_version: str
    schema_version: str
    generated_at: datetime
    framework: Framework
    scope: Scope
    level: int
    levels: tuple[LevelSummary, ...]
    items: tuple[ItemResult, ...]
    metrics: tuple[MetricResult, ...]
    next_improvements: tuple[str, ...]
    calls: dict[str, Any]
    notices: tuple[str, ...] = ()
    gates: tuple[GateResult, ...] = ()
    verdict: Verdict = Verdict("pass")
    gates_only: bool = False  # a `llmops-audit gates` report: the verdict and the gates, no items


@dataclass(frozen=True)
class ScopeFailure:
    """A scope that could not be audited (assume-role denied, Region disabled, throttled past the retry
    budget...): it is reported with its reason, and the other scopes complete."""

    account: str
    region: str
    workload: str | None
    kind: str  # denied | not_found | throttled | error | deadline
    reason: str

    @property
    def label(self) -> str:
        return scope_label(self.account, self.region, self.workload)


@dataclass(frozen=True)
class FleetReport:
    """Several scopes (accounts x Regions x workloads) audited in one run, or merged from shard reports."""

    tool_version: str
    schema_version: str
    generated_at: datetime
    framework: Framework
    reports: tuple[AuditReport, ...]
    failures: tuple[ScopeFailure, ...] = ()
    skipped: tuple[str, ...] = ()  # "123456789012/eu-west-3: no Bedrock or AgentCore use", ...
    shards: tuple[str, ...] = ()  # "0/3", ... when this report is one shard or a merge of shards
    notices: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.failures) or any(r.calls.get("not_read") for r in self.reports)
