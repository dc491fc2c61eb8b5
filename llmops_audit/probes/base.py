"""What a probe is: a named, pure claim over collected evidence that comes out True, False or None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.probes.params import Param


@dataclass(frozen=True)
class Verdict:
    """A probe's answer. `summary` is one sentence naming what was looked at and what was found."""

    value: bool | None
    summary: str
    details: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def met(summary: str, *details: str) -> Verdict:
    return Verdict(True, summary, tuple(details))


def not_met(summary: str, *details: str) -> Verdict:
    return Verdict(False, summary, tuple(details))


def cannot_tell(summary: str, *details: str, missing: tuple[str, ...] = ()) -> Verdict:
    return Verdict(None, summary, tuple(details), missing)


ProbeFn = Callable[[Evidence, dict[str, Any]], Verdict]


@dataclass(frozen=True)
class Probe:
    id: str
    needs: tuple[str, ...]  # evidence sections read
    fn: ProbeFn = field(repr=False)
    claim: str = ""  # what True means, in one line (from the docstring)
    params: dict[str, Param] = field(default_factory=dict, hash=False)  # what a level file may set


def probe(probe_id: str, *needs: str, params: dict[str, Param] | None = None) -> Callable[[ProbeFn], Probe]:
    """Register `fn` as probe `probe_id`, reading the evidence sections `needs`, taking `params`."""

    def wrap(fn: ProbeFn) -> Probe:
        return Probe(
            probe_id,
            tuple(needs),
            fn,
            (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "",
            dict(params or {}),
        )

    return wrap


def names(items: list[str], limit: int = 5) -> str:
    """'a, b, c and 2 more' for evidence sentences."""
    items = [str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


# Environment names (stage names, aliases, tag values, words in account names) and the environment each is.
ENVIRONMENTS = {
    "dev": "dev",
    "develop": "dev",
    "development": "dev",
    "test": "test",
    "testing": "test",
    "qa": "test",
    "uat": "test",
    "stage": "stage",
    "staging": "stage",
    "stg": "stage",
    "preprod": "stage",
    "prod": "prod",
    "prd": "prod",
    "production": "prod",
    "live": "prod",
}


def environment_of(name: str | None) -> str | None:
    """dev, test, stage or prod when `name` (a stage, alias or tag value) names an environment."""
    return ENVIRONMENTS.get((name or "").lower())
