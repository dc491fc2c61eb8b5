"""The parameters a probe or metric calculator takes, declared where it is registered.

`@probe("id", *needs, params={"days": Param(int, default=30, min=1, help="...")})`, and the same keyword on
`@calculator`. A level file may set only declared parameters, each of its declared type and range; the
loader (inputs/definitions.py) rejects anything else with one line naming the file and line.

This module imports nothing from the project, so both registries (and the loader) can share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Passed by the engine to every calculator (see engine/scoring.py `measure_metrics`, `common_params`); not
# declared by any calculator and never rejected.
ENGINE_PARAMS = frozenset({"prices"})

_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


@dataclass(frozen=True)
class Param:
    """One parameter: its type (int, float, str, bool or list[str]), the default the code uses, a range."""

    type: Any
    default: Any = None
    min: float | None = None
    max: float | None = None
    help: str = ""

    @property
    def type_name(self) -> str:
        return "list[str]" if self.type == list[str] else self.type.__name__

    def problem(self, value: Any) -> str | None:
        """Why `value` is not acceptable, as the end of a sentence ('must be ...'), or None."""
        if self.type == list[str]:
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                return f"must be a list of strings, not {value!r}"
            return None
        ok = isinstance(value, self.type) and not (isinstance(value, bool) and self.type is not bool)
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True  # YAML writes 1 for 1.0
        if not ok:
            return f"must be {_TYPE_NAMES.get(self.type, self.type_name)}, not {value!r} ({type(value).__name__})"
        if self.min is not None and value < self.min:
            return f"must be at least {self.min}, not {value!r}"
        if self.max is not None and value > self.max:
            return f"must be at most {self.max}, not {value!r}"
        return None

    def describe(self) -> str:
        """'int, at least 1' for listings."""
        out = self.type_name
        if self.min is not None:
            out += f", at least {self.min}"
        if self.max is not None:
            out += f", at most {self.max}"
        return out


def check_params(
    kind: str, owner: str, declared: Mapping[str, Param], given: Mapping[str, Any]
) -> tuple[str, str] | None:
    """The first parameter in `given` that `declared` does not allow, as (name, message), or None.

    `kind` is 'probe' or 'metric calculator', `owner` its id; the message names both and the parameter.
    """
    for name, value in given.items():
        if name in ENGINE_PARAMS:
            continue
        spec = declared.get(name)
        if spec is None:
            takes = f"it takes: {', '.join(declared)}" if declared else "it takes no parameters"
            return name, f"'{name}' is not a parameter of {kind} {owner}; {takes}"
        why = spec.problem(value)
        if why:
            return name, f"parameter '{name}' of {kind} {owner} {why}"
    return None


def signature(declared: Mapping[str, Param]) -> str:
    """'days=30 (int, at least 1), min_jobs=2 (int, at least 1)' for `llmops-audit probes`."""
    out = []
    for name, spec in declared.items():
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        out.append(f"{name}={default!r} ({spec.describe()})")
    return ", ".join(out)
