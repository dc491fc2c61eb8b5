"""What a metric calculator is: a pure function from collected evidence to one measured value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.model import MetricValue
from llmops_audit.probes.params import Param

CalcFn = Callable[[Evidence, dict[str, Any]], MetricValue]


@dataclass(frozen=True)
class Calculator:
    id: str
    needs: tuple[str, ...]
    fn: CalcFn = field(repr=False)
    params: dict[str, Param] = field(default_factory=dict, hash=False)  # what a level file may set


def calculator(
    calc_id: str, *needs: str, params: dict[str, Param] | None = None
) -> Callable[[CalcFn], Calculator]:
    """Register `fn` as calculator `calc_id`, reading `needs`, taking `params` (besides the engine's `prices`)."""

    def wrap(fn: CalcFn) -> Calculator:
        return Calculator(calc_id, tuple(needs), fn, dict(params or {}))

    return wrap


def no_value(reason: str, *, derivation: str = "", unit: str = "") -> MetricValue:
    return MetricValue(None, unit=unit, derivation=derivation, reason=reason)
