"""The probe registry, and the one function that runs a probe safely."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from llmops_audit.evidence.snapshot import Evidence, EvidenceSnapshot, MissingEvidence
from llmops_audit.model import Finding
from llmops_audit.probes import (
    agentcore,
    agents,
    bedrock,
    cloudtrail,
    cloudwatch,
    compute,
    cost,
    delivery,
    genai_observability,
    governance,
    logs,
    workload,
)
from llmops_audit.probes.base import Probe


def _index(*modules: ModuleType) -> dict[str, Probe]:
    found: dict[str, Probe] = {}
    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, Probe):
                if obj.id in found:
                    raise RuntimeError(f"probe {obj.id} is registered twice")
                found[obj.id] = obj
    return found


PROBES: dict[str, Probe] = _index(
    cloudwatch,
    logs,
    bedrock,
    agents,
    cloudtrail,
    compute,
    delivery,
    cost,
    governance,
    workload,
    genai_observability,
    agentcore,
)


def run_probe(probe_id: str, snapshot: EvidenceSnapshot, params: dict[str, Any]) -> Finding:
    probe = PROBES[probe_id]
    evidence = Evidence(snapshot, probe.needs)
    try:
        verdict = probe.fn(evidence, params)
    except MissingEvidence as exc:
        return Finding(
            probe_id,
            None,
            f"Could not read {exc.section}: {exc.error.describe()}.",
            missing=(exc.error.action,),
        )
    except Exception as exc:  # a probe bug must not hide the other 29 items; it shows as `error`
        return Finding(probe_id, None, f"The probe failed: {type(exc).__name__}: {exc}.", error=str(exc))
    return Finding(probe_id, verdict.value, verdict.summary, verdict.details, verdict.missing)
