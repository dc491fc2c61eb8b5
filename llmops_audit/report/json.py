"""The JSON report: deterministic (sorted keys, one generated_at), described by schemas/report.schema.json."""

from __future__ import annotations

import json
import math
from typing import Any

from llmops_audit.engine.rollup import rollup, scope_row
from llmops_audit.model import AuditReport, FleetReport, GateResult, ItemResult, MetricResult, Verdict
from llmops_audit.report.common import RenderOptions, level_name


def _item(r: ItemResult, remediation: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "remediation": remediation,
        "id": r.id,
        "level": r.level,
        "text": r.text,
        "status": r.status.value,
        "reason": r.reason,
        "evidence": list(r.evidence),
        "probes": [
            {"probe": f.probe, "value": f.value, "summary": f.summary, "missing": list(f.missing)}
            for f in r.findings
        ],
        "missing_permissions": list(r.missing),
        "notes": list(r.notes),
    }
    if r.attestation:
        a = r.attestation
        out["attestation"] = {
            "by": a.by,
            "answer": a.answer,
            "evidence": a.evidence,
            "expires": a.expires,
            "expired": a.expired,
        }
    if r.waiver:
        w = r.waiver
        out["waiver"] = {
            "owner": w.owner,
            "reason": w.reason,
            "expires": w.expires,
            "expired": w.expired,
            "scope": dict(w.scope),
        }
    return out


def _metric(m: MetricResult) -> dict[str, Any]:
    return {
        "id": m.id,
        "level": m.level,
        "table": m.table,
        "category": m.category,
        "name": m.name,
        "source": m.source or m.purpose,
        "purpose": m.purpose,
        "value": m.value,
        "unit": m.unit,
        "derivation": m.derivation,
        "reason": m.reason,
        "breakdown": dict(m.breakdown),
        "note": m.note,
        "missing_permissions": list(m.missing),
    }


def _gate(g: GateResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": g.id,
        "name": g.name,
        "status": g.label,
        "measured": g.measured,
        "threshold": g.threshold,
        "unit": g.unit,
        "reason": g.reason,
        "data": list(g.data),
        "notes": list(g.notes),
    }
    if g.waiver:
        out["waiver"] = {"owner": g.waiver.owner, "reason": g.waiver.reason, "expires": g.waiver.expires}
    return out


def _verdict(v: Verdict) -> dict[str, Any]:
    return {"outcome": v.outcome, "reasons": list(v.reasons), "checked": list(v.checked)}


def gates_to_dict(report: AuditReport) -> dict[str, Any]:
    """The `llmops-audit gates` document (schemas/gates.schema.json)."""
    s = report.scope
    return {
        "schema_version": report.schema_version,
        "generated_at": report.generated_at.isoformat(),
        "scope": {
            "account": s.account,
            "region": s.region,
            "period": {"start": s.start.isoformat(), "end": s.end.isoformat()},
            "demo": s.demo,
        },
        "verdict": _verdict(report.verdict),
        "gates": [_gate(g) for g in report.gates],
    }


def to_dict(report: AuditReport) -> dict[str, Any]:
    s = report.scope
    remediations = {i.id: i.remediation for i in report.framework.items}
    top = report.framework.level(report.level)
    return {
        "schema_version": report.schema_version,
        "tool": {"name": "llmops-audit", "version": report.tool_version},
        "generated_at": report.generated_at.isoformat(),
        "framework": {"name": report.framework.name, "title": report.framework.title},
        "scope": {
            "account": s.account,
            "region": s.region,
            "partition": s.partition,
            "period": {"start": s.start.isoformat(), "end": s.end.isoformat()},
            "demo": s.demo,
            **({"workload": s.workload} if s.workload else {}),
            **({"role_arn": s.role_arn} if s.role_arn else {}),
        },
        "level": report.level,
        "level_name": level_name(report),
        "core_question": top.core_question if top else "",
        "verdict": _verdict(report.verdict),
        "levels": [
            {
                "level": lv.number,
                "name": lv.name,
                "motto": lv.motto,
                "core_question": lv.core_question,
                "counted": lv.counted,
                "total": lv.total,
                "reached": lv.reached,
                "starting_state": lv.starting_state,
            }
            for lv in report.levels
        ],
        "next_improvements": list(report.next_improvements),
        "items": [_item(r, remediations.get(r.id, "")) for r in report.items],
        "metrics": [_metric(m) for m in report.metrics],
        "gates": [_gate(g) for g in report.gates],
        "calls": report.calls,
        "notices": list(report.notices),
    }


def render(report: AuditReport, options: RenderOptions | None = None) -> str:
    doc = gates_to_dict(report) if report.gates_only else to_dict(report)
    return _dump(doc)


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(_finite(doc), indent=2, sort_keys=True, allow_nan=False) + "\n"


def fleet_to_dict(fleet: FleetReport) -> dict[str, Any]:
    """The multi-scope document (schemas/report.schema.json, $defs/multiScopeReport)."""
    up = rollup(fleet)
    return {
        "schema_version": fleet.schema_version,
        "kind": "multi-scope",
        "tool": {"name": "llmops-audit", "version": fleet.tool_version},
        "generated_at": fleet.generated_at.isoformat(),
        "framework": {"name": fleet.framework.name, "title": fleet.framework.title},
        "overview": {
            "scopes": [
                {
                    "scope": row.label,
                    "account": row.account,
                    "region": row.region,
                    "workload": row.workload,
                    "level": row.level,
                    "level_name": row.level_name,
                    "verdict": row.verdict,
                    "gates": row.gates,
                    "items_met": {str(n): {"counted": c, "total": t} for n, (c, t) in row.items_met.items()},
                }
                for row in map(scope_row, fleet.reports)
            ],
            "rollup": {
                "scopes": up.scopes,
                "failed": up.failed,
                "levels": {str(k): v for k, v in up.levels.items()},
                "common_gaps": [{"id": g.id, "text": g.text, "scopes": g.scopes} for g in up.common_gaps],
                "gate_failures": up.gate_failures,
            },
        },
        "scopes": [to_dict(r) for r in fleet.reports],
        "failed_scopes": [
            {
                "account": f.account,
                "region": f.region,
                "workload": f.workload,
                "kind": f.kind,
                "reason": f.reason,
            }
            for f in fleet.failures
        ],
        "skipped": list(fleet.skipped),
        "shards": list(fleet.shards),
        "notices": list(fleet.notices),
    }


def render_fleet(fleet: FleetReport, options: RenderOptions | None = None) -> str:
    return _dump(fleet_to_dict(fleet))


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: a value that is not a finite number is reported as no value (null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
