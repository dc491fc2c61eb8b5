"""EvidenceSnapshot: everything the collectors read, as plain JSON-able data, plus the call record.

Probes and metric calculators see evidence only through `Evidence`, which turns a section that could
not be collected into MissingEvidence, so that a denied permission makes exactly the dependent results unknown.
A snapshot can be saved (`--save-evidence`) and scored again offline (`--from-evidence`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from llmops_audit.errors import DefinitionError
from llmops_audit.model import Scope

SNAPSHOT_VERSION = "1"


def describe_failure(kind: str, action: str, detail: str) -> str:
    """How a failed AWS read reads in a report: 'permission bedrock:ListGuardrails was denied'."""
    if kind == "denied":
        return f"permission {action} was denied"
    if kind == "throttled":
        return f"{action} was throttled after retries"
    if kind == "unsupported":
        return f"{action} is not supported by the endpoint"
    if kind == "not_found":
        return f"{action} found nothing: {detail}"
    if kind == "deadline":
        return f"{action} was not read: the deadline passed"
    return f"{action} failed: {detail}"


@dataclass(frozen=True)
class SectionError:
    kind: str  # denied | throttled | not_found | error | unsupported | dependency | deadline
    action: str  # the IAM action (or the section it depended on)
    message: str

    def describe(self) -> str:
        return (
            self.message
            if self.kind == "dependency"
            else describe_failure(self.kind, self.action, self.message)
        )


@dataclass
class EvidenceSnapshot:
    scope: Scope
    sections: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, SectionError] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "snapshot_version": SNAPSHOT_VERSION,
                "scope": _scope_to_dict(self.scope),
                "sections": self.sections,
                "errors": {k: vars(v) for k, v in self.errors.items()},
                "calls": self.calls,
            },
            indent=1,
            sort_keys=True,
            default=_json_default,
        )

    @classmethod
    def load(cls, path: Path) -> EvidenceSnapshot:
        """A snapshot saved by --save-evidence, checked against schemas/evidence.schema.json."""
        from llmops_audit.inputs.files import load_json

        raw = load_json(path, "evidence file", "evidence")
        scope = raw["scope"]
        try:
            start, end = (_instant(scope[k]) for k in ("start", "end"))
        except ValueError as exc:
            raise DefinitionError(
                f"{path}: scope: {exc}", hint="pass a file written by --save-evidence, unchanged"
            ) from None
        return cls(
            scope=Scope(
                account=scope["account"],
                region=scope["region"],
                start=start,
                end=end,
                partition=scope.get("partition", "aws"),
                profile=scope.get("profile"),
                endpoint_url=scope.get("endpoint_url"),
                demo=scope.get("demo", False),
                workload=scope.get("workload"),
                role_arn=scope.get("role_arn"),
            ),
            sections=raw["sections"],
            errors={k: SectionError(**v) for k, v in raw["errors"].items()},
            calls=raw["calls"],
        )


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"'{text}' has no time zone")
    return value


def _scope_to_dict(scope: Scope) -> dict[str, Any]:
    return {
        "account": scope.account,
        "region": scope.region,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "partition": scope.partition,
        "profile": scope.profile,
        "endpoint_url": scope.endpoint_url,
        "demo": scope.demo,
        **({"workload": scope.workload} if scope.workload else {}),
        **({"role_arn": scope.role_arn} if scope.role_arn else {}),
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def plain(value: Any) -> Any:
    """A deep copy of an AWS response as JSON types only (datetimes become ISO strings)."""
    return json.loads(json.dumps(value, default=_json_default))


class MissingEvidence(Exception):
    """A probe or calculator read a section that could not be collected."""

    def __init__(self, section: str, error: SectionError) -> None:
        self.section = section
        self.error = error
        super().__init__(f"{section}: {error.describe()}")


class UndeclaredSection(RuntimeError):
    """A probe read a section it did not declare in `needs`: a bug in that probe."""


class Evidence:
    """Read-only view of a snapshot for one probe or calculator: only the sections it declared."""

    def __init__(self, snapshot: EvidenceSnapshot, allowed: tuple[str, ...]) -> None:
        self._snapshot = snapshot
        self._allowed = allowed
        self.used: list[str] = []

    @property
    def scope(self) -> Scope:
        return self._snapshot.scope

    def get(self, section: str) -> Any:
        if section not in self._allowed:
            raise UndeclaredSection(f"section {section!r} was read but not declared")
        self.used.append(section)
        if section in self._snapshot.errors:
            raise MissingEvidence(section, self._snapshot.errors[section])
        if section not in self._snapshot.sections:
            raise MissingEvidence(section, SectionError("error", section, "it was not collected"))
        return self._snapshot.sections[section]

    def optional(self, section: str) -> Any | None:
        """The section's data, or None when it could not be collected (for fallbacks and extra detail)."""
        try:
            return self.get(section)
        except MissingEvidence:
            return None
