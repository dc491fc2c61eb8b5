"""Pure scoring: item definitions x collected evidence (+ attestations, waivers) -> ItemResults.

No AWS here. A rule combines probe findings with three-valued logic (True, False, None = cannot tell):
`all` is False as soon as one part is False, `any` is True as soon as one part is True, and `not`
keeps None. So a denied permission can only make an item unknown, never met.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from llmops_audit.engine.overrides import apply_overrides, pick_waivers
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.metrics import run_calculator
from llmops_audit.model import (
    Attestation,
    Finding,
    Framework,
    ItemDef,
    ItemResult,
    MetricResult,
    ProbeRef,
    Rule,
    Status,
    Waiver,
)
from llmops_audit.probes import run_probe


class RuleEvaluator:
    """Evaluates rules over one snapshot, running each (probe, params) once."""

    def __init__(self, snapshot: EvidenceSnapshot) -> None:
        self.snapshot = snapshot
        self._cache: dict[str, Finding] = {}

    def finding(self, ref: ProbeRef) -> Finding:
        key = ref.probe + json.dumps(ref.params, sort_keys=True)
        if key not in self._cache:
            self._cache[key] = run_probe(ref.probe, self.snapshot, ref.params)
        return self._cache[key]

    def evaluate(self, rule: Rule) -> tuple[bool | None, list[Finding], list[Finding]]:
        """(value, the findings that decided it, every finding looked at)."""
        if isinstance(rule, ProbeRef):
            f = self.finding(rule)
            return f.value, [f], [f]
        if "not" in rule:
            value, deciding, seen = self.evaluate(rule["not"])
            return (None if value is None else not value), deciding, seen
        op = "all" if "all" in rule else "any"
        parts = [self.evaluate(r) for r in rule[op]]
        seen = [f for _, _, s in parts for f in s]
        decisive = False if op == "all" else True
        hits = [d for v, d, _ in parts if v is decisive]
        if hits:
            return decisive, [f for d in hits for f in d], seen
        unknown = [d for v, d, _ in parts if v is None]
        if unknown:
            return None, [f for d in unknown for f in d], seen
        return (not decisive), [f for _, d, _ in parts for f in d], seen


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    out: list[Finding] = []
    for f in findings:
        if f not in out:
            out.append(f)
    return out


def score_item(
    item: ItemDef,
    evaluator: RuleEvaluator,
    attestation: Attestation | None = None,
    waiver: Waiver | None = None,
) -> ItemResult:
    scope = evaluator.snapshot.scope
    notes: list[str] = []
    if item.rule is None:
        value: bool | None = None
        deciding: list[Finding] = []
        seen: list[Finding] = []
        reason = f"Needs a person's attestation: {item.manual_reason or 'AWS cannot show this.'}"
    else:
        value, deciding, seen = evaluator.evaluate(item.rule)
        deciding, seen = _dedupe(deciding), _dedupe(seen)
        reason = " ".join(f.summary for f in deciding)
    missing = tuple(sorted({m for f in deciding for m in f.missing}))

    if value is True:
        status = Status.MET
    elif value is False:
        status = Status.NOT_MET
    elif any(f.error for f in deciding):
        status = Status.ERROR
    else:
        status = Status.UNKNOWN

    after = apply_overrides(status, reason, scope, attestation=attestation, waiver=waiver)
    status, reason = after.status, after.reason
    notes.extend(after.notes)

    evidence = tuple(f.summary for f in seen) + tuple(d for f in seen for d in f.details)
    return ItemResult(
        id=item.id,
        level=item.level,
        text=item.text,
        status=status,
        reason=reason,
        evidence=evidence,
        findings=tuple(seen),
        missing=missing,
        attestation=attestation,
        waiver=waiver,
        notes=tuple(notes),
    )


def score_items(
    framework: Framework,
    snapshot: EvidenceSnapshot,
    attestations: dict[str, Attestation] | None = None,
    waivers: tuple[Waiver, ...] | dict[str, Waiver] | None = None,
) -> tuple[ItemResult, ...]:
    evaluator = RuleEvaluator(snapshot)
    attestations = attestations or {}
    chosen = pick_waivers(waivers, snapshot.scope)
    return tuple(score_item(i, evaluator, attestations.get(i.id), chosen.get(i.id)) for i in framework.items)


def measure_metrics(
    framework: Framework,
    snapshot: EvidenceSnapshot,
    common_params: dict[str, Any] | None = None,
) -> tuple[MetricResult, ...]:
    """Fill every metric row. `common_params` (e.g. the price table) go to every calculator under the row's own."""
    results = []
    for m in framework.metrics:
        v = run_calculator(m.compute, snapshot, {**(common_params or {}), **m.params})
        results.append(
            MetricResult(
                id=m.id,
                level=m.level,
                table=m.table,
                category=m.category,
                name=m.name,
                source=m.source,
                purpose=m.purpose,
                value=v.value,
                unit=v.unit,
                derivation=v.derivation,
                reason=v.reason,
                breakdown=dict(v.breakdown),
                note=m.note,
                missing=v.missing,
            )
        )
    return tuple(results)


def rule_probes(rule: Rule | None) -> list[ProbeRef]:
    """Every probe reference in a rule, in order."""
    if rule is None:
        return []
    if isinstance(rule, ProbeRef):
        return [rule]
    if "not" in rule:
        return rule_probes(rule["not"])
    parts: list[Rule] = rule.get("all") or rule.get("any") or []
    return [r for part in parts for r in rule_probes(part)]


def needed_sections(framework: Framework, extra: Iterable[str] = ()) -> set[str]:
    from llmops_audit.metrics import CALCULATORS
    from llmops_audit.probes import PROBES

    needs: set[str] = set(extra)
    for item in framework.items:
        for ref in rule_probes(item.rule):
            needs.update(PROBES[ref.probe].needs)
    for m in framework.metrics:
        needs.update(CALCULATORS[m.compute].needs)
    return needs


def describe_rule(rule: Rule | None, _top: bool = True) -> str:
    """A readable rendering of a rule: `a and (b or not c)`."""
    if rule is None:
        return "attestation"
    if isinstance(rule, ProbeRef):
        return rule.probe
    if "not" in rule:
        return f"not {describe_rule(rule['not'], False)}"
    op = "all" if "all" in rule else "any"
    text = f" {'and' if op == 'all' else 'or'} ".join(describe_rule(r, False) for r in rule[op])
    return text if _top or len(rule[op]) == 1 else f"({text})"


def confine_to_workload(
    framework: Framework, items: tuple[ItemResult, ...], workload: Finding
) -> tuple[ItemResult, ...]:
    """With no LLM workload in the account, no practice above the first level can be the workload's: an item
    that came out met there (from resources the probes could not tie to LLM use) is not met, and says why."""
    if workload.value is not False or not framework.levels:
        return items
    first = min(lv.number for lv in framework.levels)
    out = []
    for r in items:
        if r.status is Status.MET and r.level > first:
            r = replace(
                r,
                status=Status.NOT_MET,
                reason=f"{workload.summary} So this cannot be the LLM workload's practice.",
                notes=(*r.notes, f"Before the no-workload rule: met. {r.reason}"),
            )
        out.append(r)
    return tuple(out)
