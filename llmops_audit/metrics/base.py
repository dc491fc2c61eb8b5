"""What a metric calculator is: a pure function from collected evidence to one measured value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.model import MetricValue

CalcFn = Callable[[Evidence, dict[str, Any]], MetricValue]


@dataclass(frozen=True)
class Calculator:
    id: str
    needs: tuple[str, ...]
    fn: CalcFn = field(repr=False)


def calculator(calc_id: str, *needs: str) -> Callable[[CalcFn], Calculator]:
    def wrap(fn: CalcFn) -> Calculator:
        return Calculator(calc_id, tuple(needs), fn)

    return wrap


def no_value(reason: str, *, derivation: str = "", unit: str = "") -> MetricValue:
    return MetricValue(None, unit=unit, derivation=derivation, reason=reason)
