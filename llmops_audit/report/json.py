"""The JSON report: deterministic (sorted keys, one generated_at), described by schemas/report.schema.json."""

from __future__ import annotations

import json
from typing import Any

from llmops_audit.model import AuditReport, ItemResult, MetricResult
from llmops_audit.report.common import level_name


def _item(r: ItemResult) -> dict[str, Any]:
    out: dict[str, Any] = {
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


def to_dict(report: AuditReport) -> dict[str, Any]:
    s = report.scope
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
        },
        "level": report.level,
        "level_name": level_name(report),
        "core_question": top.core_question if top else "",
        "verdict": dict(report.verdict),
        "levels": [
            {
                "level": lv.number,
                "name": lv.name,
                "motto": lv.motto,
                "core_question": lv.core_question,
                "counted": lv.counted,
                "total": lv.total,
                "reached": lv.reached,
            }
            for lv in report.levels
        ],
        "next_improvements": list(report.next_improvements),
        "items": [_item(r) for r in report.items],
        "metrics": [_metric(m) for m in report.metrics],
        "gates": [g.to_dict() for g in report.gates],
        "calls": report.calls,
        "notices": list(report.notices),
    }


def render(report: AuditReport) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=True) + "\n"
