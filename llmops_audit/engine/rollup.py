"""The roll-up of a multi-scope report: pure, over finished per-scope reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from llmops_audit.model import AuditReport, FleetReport, Status


@dataclass(frozen=True)
class ScopeRow:
    """One line of the overview table."""

    label: str
    account: str
    region: str
    workload: str | None
    level: int
    level_name: str
    verdict: str
    gates: dict[str, int]  # pass / fail / unknown / waived -> count
    items_met: dict[int, tuple[int, int]]  # level -> (counted, total)


@dataclass(frozen=True)
class Gap:
    id: str
    text: str
    scopes: int  # in how many scopes the item is not met


@dataclass(frozen=True)
class Rollup:
    scopes: int
    failed: int
    levels: dict[int, int]  # level -> number of scopes at it
    common_gaps: tuple[Gap, ...]
    gate_failures: dict[str, int]  # gate id -> scopes where it fails


def scope_row(report: AuditReport) -> ScopeRow:
    lv = report.framework.level(report.level)
    gates = Counter(g.label for g in report.gates)
    return ScopeRow(
        label=report.scope.label,
        account=report.scope.account,
        region=report.scope.region,
        workload=report.scope.workload,
        level=report.level,
        level_name=lv.name if lv else "",
        verdict=report.verdict.outcome,
        gates=dict(sorted(gates.items())),
        items_met={s.number: (s.counted, s.total) for s in report.levels},
    )


def rollup(fleet: FleetReport, top_gaps: int = 5) -> Rollup:
    gaps: Counter[str] = Counter()
    texts: dict[str, str] = {}
    gate_failures: Counter[str] = Counter()
    for r in fleet.reports:
        for item in r.items:
            if item.status == Status.NOT_MET and item.level > 1:  # level 1 is the starting state, not a goal
                gaps[item.id] += 1
                texts[item.id] = item.text
        for g in r.gates:
            if g.status == Status.NOT_MET:
                gate_failures[g.id] += 1
    ranked = sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0]))[:top_gaps]
    return Rollup(
        scopes=len(fleet.reports),
        failed=len(fleet.failures),
        levels=dict(sorted(Counter(r.level for r in fleet.reports).items())),
        common_gaps=tuple(Gap(i, texts[i], n) for i, n in ranked),
        gate_failures=dict(sorted(gate_failures.items())),
    )
