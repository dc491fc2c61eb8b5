"""Reading a JSON report back (`llmops-audit merge`, and anything that compares stored reports).

A report file is checked against schemas/report.schema.json first, so a file that is not one of ours is a
one-line error naming it. The definitions (level files) are not in a report: the framework read back holds
what the report shows of it (levels, items and metric rows as reported), which is all the renderers use.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from llmops_audit.errors import DefinitionError
from llmops_audit.model import (
    AuditReport,
    Finding,
    FleetReport,
    Framework,
    GateResult,
    ItemDef,
    ItemResult,
    LevelDef,
    LevelRule,
    LevelSummary,
    MetricResult,
    Scope,
    ScopeFailure,
    Status,
    Verdict,
    Waiver,
)

_GATE_STATUS = {
    "pass": Status.MET,
    "fail": Status.NOT_MET,
    "unknown": Status.UNKNOWN,
    "waived": Status.WAIVED,
}


def load_report(path: Path) -> AuditReport | FleetReport:
    """A report written by `assess --format json` (one scope, or several)."""
    from llmops_audit.inputs.files import load_json

    doc = load_json(path, "report file", "report")
    try:
        return from_dict(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(
            f"{path}: not a complete llmops-audit JSON report ({type(exc).__name__}: {str(exc)[:80]})",
            hint="pass files written by `llmops-audit assess --format json`",
        ) from None


def from_dict(doc: dict[str, Any]) -> AuditReport | FleetReport:
    if "scopes" in doc:
        return _fleet(doc)
    return _single(doc)


def _fleet(doc: dict[str, Any]) -> FleetReport:
    reports = tuple(_single(s) for s in doc["scopes"])
    fw = reports[0].framework if reports else _framework(doc, [], [])
    return FleetReport(
        tool_version=doc["tool"]["version"],
        schema_version=doc["schema_version"],
        generated_at=datetime.fromisoformat(doc["generated_at"]),
        framework=fw,
        reports=reports,
        failures=tuple(
            ScopeFailure(f["account"], f["region"], f.get("workload"), f["kind"], f["reason"])
            for f in doc.get("failed_scopes", [])
        ),
        skipped=tuple(doc.get("skipped", [])),
        shards=tuple(doc.get("shards", [])),
        notices=tuple(doc.get("notices", [])),
    )


def _framework(doc: dict[str, Any], items: list[ItemResult], metrics: list[MetricResult]) -> Framework:
    remedies = {r["id"]: r.get("remediation", "") for r in doc.get("items", [])}
    levels = tuple(
        LevelDef(
            number=lv["level"],
            name=lv["name"],
            motto=lv.get("motto", ""),
            core_question=lv.get("core_question", ""),
            items=tuple(
                ItemDef(i.id, i.level, i.text, "", None, remediation=remedies.get(i.id, ""))
                for i in items
                if i.level == lv["level"]
            ),
            metrics=(),
            starting_state=lv.get("starting_state", False),
        )
        for lv in doc.get("levels", [])
    )
    fw = doc.get("framework", {})
    return Framework(fw.get("name", ""), fw.get("title", ""), "", "", levels, LevelRule())


def _scope(s: dict[str, Any]) -> Scope:
    period = s["period"]
    return Scope(
        account=s["account"],
        region=s["region"],
        start=datetime.fromisoformat(period["start"]),
        end=datetime.fromisoformat(period["end"]),
        partition=s.get("partition", "aws"),
        demo=s.get("demo", False),
        workload=s.get("workload"),
        role_arn=s.get("role_arn"),
    )


def _waiver(w: dict[str, Any] | None, target: str) -> Waiver | None:
    if not w:
        return None
    return Waiver(
        target, w["reason"], w["owner"], w["expires"], dict(w.get("scope", {})), w.get("expired", False)
    )


def _item(r: dict[str, Any]) -> ItemResult:
    from llmops_audit.model import Attestation

    a = r.get("attestation")
    return ItemResult(
        id=r["id"],
        level=r["level"],
        text=r["text"],
        status=Status(r["status"]),
        reason=r["reason"],
        evidence=tuple(r["evidence"]),
        findings=tuple(
            Finding(f["probe"], f["value"], f["summary"], missing=tuple(f.get("missing", [])))
            for f in r.get("probes", [])
        ),
        missing=tuple(r.get("missing_permissions", [])),
        attestation=Attestation(
            r["id"], a["answer"], a["by"], a["evidence"], a["expires"], a.get("expired", False)
        )
        if a
        else None,
        waiver=_waiver(r.get("waiver"), r["id"]),
        notes=tuple(r.get("notes", [])),
    )


def _metric(m: dict[str, Any]) -> MetricResult:
    return MetricResult(
        id=m["id"],
        level=m["level"],
        table=m["table"],
        category=m["category"],
        name=m["name"],
        source=m.get("source", ""),
        purpose=m.get("purpose", ""),
        value=m["value"],
        unit=m.get("unit", ""),
        derivation=m.get("derivation", ""),
        reason=m.get("reason", ""),
        breakdown=dict(m.get("breakdown", {})),
        note=m.get("note", ""),
        missing=tuple(m.get("missing_permissions", [])),
    )


def _gate(g: dict[str, Any]) -> GateResult:
    return GateResult(
        id=g["id"],
        name=g["name"],
        status=_GATE_STATUS[g["status"]],
        measured=g["measured"],
        threshold=g["threshold"],
        unit=g["unit"],
        reason=g["reason"],
        data=tuple(g.get("data", [])),
        notes=tuple(g.get("notes", [])),
        waiver=_waiver(g.get("waiver"), g["id"]),
        at_least=g["id"] == "quality",
    )


def _single(doc: dict[str, Any]) -> AuditReport:
    items = [_item(r) for r in doc.get("items", [])]
    metrics = [_metric(m) for m in doc.get("metrics", [])]
    v = doc["verdict"]
    return AuditReport(
        tool_version=doc.get("tool", {}).get("version", ""),
        schema_version=doc["schema_version"],
        generated_at=datetime.fromisoformat(doc["generated_at"]),
        framework=_framework(doc, items, metrics),
        scope=_scope(doc["scope"]),
        level=doc.get("level", 0),
        levels=tuple(
            LevelSummary(
                lv["level"],
                lv["name"],
                lv.get("motto", ""),
                lv.get("core_question", ""),
                lv["counted"],
                lv["total"],
                lv["reached"],
                lv.get("starting_state", False),
            )
            for lv in doc.get("levels", [])
        ),
        items=tuple(items),
        metrics=tuple(metrics),
        next_improvements=tuple(doc.get("next_improvements", [])),
        calls=dict(doc.get("calls", {})),
        notices=tuple(doc.get("notices", [])),
        gates=tuple(_gate(g) for g in doc.get("gates", [])),
        verdict=Verdict(v["outcome"], tuple(v.get("reasons", [])), tuple(v.get("checked", []))),
        gates_only="items" not in doc,
    )
