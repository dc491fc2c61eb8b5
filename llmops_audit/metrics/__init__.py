"""The metric-calculator registry, and the one function that runs a calculator safely."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from llmops_audit.evidence.snapshot import Evidence, EvidenceSnapshot, MissingEvidence
from llmops_audit.metrics import agentic, cost, genai, quality, runtime
from llmops_audit.metrics.base import Calculator
from llmops_audit.model import MetricValue


def _index(*modules: ModuleType) -> dict[str, Calculator]:
    found: dict[str, Calculator] = {}
    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, Calculator):
                if obj.id in found:
                    raise RuntimeError(f"metric calculator {obj.id} is registered twice")
                found[obj.id] = obj
    return found


CALCULATORS: dict[str, Calculator] = _index(runtime, quality, cost, agentic, genai)


def run_calculator(calc_id: str, snapshot: EvidenceSnapshot, params: dict[str, Any]) -> MetricValue:
    calc = CALCULATORS[calc_id]
    try:
        return calc.fn(Evidence(snapshot, calc.needs), params)
    except MissingEvidence as exc:
        return MetricValue(
            None, reason=f"Could not read {exc.section}: {exc.error.describe()}.", missing=(exc.error.action,)
        )
    except Exception as exc:  # a calculator bug leaves its row empty, with the reason
        return MetricValue(None, reason=f"The calculation failed: {type(exc).__name__}: {exc}.")
