"""Collectors read AWS through AwsAccess and return plain data, one named section each.

A section is collected only when some probe or metric needs it, after the sections it reads
itself (`ctx.section(...)`). A failed call fails its section, and that failure is recorded with
the IAM action it needed; sections that depend on it fail with a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from llmops_audit.aws.access import AwsAccess, AwsCallError
from llmops_audit.collectors import (
    agents,
    bedrock,
    cloudtrail,
    cloudwatch,
    compute,
    cost,
    delivery,
    gate_metrics,
    governance,
    logs,
)
from llmops_audit.errors import AuditError
from llmops_audit.evidence.snapshot import EvidenceSnapshot, SectionError, plain
from llmops_audit.model import Scope

Collector = Callable[["CollectContext"], Any]

SECTIONS: dict[str, Collector] = {
    **cloudwatch.SECTIONS,
    **logs.SECTIONS,
    **bedrock.SECTIONS,
    **agents.SECTIONS,
    **cloudtrail.SECTIONS,
    **compute.SECTIONS,
    **delivery.SECTIONS,
    **cost.SECTIONS,
    **governance.SECTIONS,
    **gate_metrics.SECTIONS,
}


class SectionFailed(Exception):
    def __init__(self, name: str, error: SectionError) -> None:
        self.name = name
        self.error = error
        super().__init__(error.describe())


class CollectContext:
    def __init__(
        self,
        aws: AwsAccess,
        scope: Scope,
        on_section: Callable[[str], None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.aws = aws
        self.scope = scope
        self.options = options or {}  # run settings a collector may need, e.g. the policy's custom metrics
        self.data: dict[str, Any] = {}
        self.errors: dict[str, SectionError] = {}
        self._on_section = on_section

    def section(self, name: str) -> Any:
        """The data of section `name`, collecting it first if needed; SectionFailed if it could not be."""
        if name in self.errors:
            raise SectionFailed(name, self.errors[name])
        if name in self.data:
            return self.data[name]
        if name not in SECTIONS:
            self.errors[name] = SectionError("unsupported", name, f"no collector reads {name} yet")
            raise SectionFailed(name, self.errors[name])
        if self._on_section:
            self._on_section(name)
        try:
            self.data[name] = plain(SECTIONS[name](self))
        except AwsCallError as exc:
            self.errors[name] = SectionError(exc.kind, exc.action, str(exc)[:300])
            raise SectionFailed(name, self.errors[name]) from None
        except SectionFailed as dep:
            self.errors[name] = SectionError(
                "dependency", dep.error.action, f"needs {dep.name}, and {dep.error.describe()}"
            )
            raise SectionFailed(name, self.errors[name]) from None
        except AuditError:
            raise  # the run cannot go on (credentials rejected, endpoint unreachable)
        except (
            Exception
        ) as exc:  # a collector bug or an answer of a shape it did not expect: this section only
            self.errors[name] = SectionError(
                "error",
                name,
                f"the collector failed on an unexpected answer ({type(exc).__name__}: {str(exc)[:200]})",
            )
            raise SectionFailed(name, self.errors[name]) from None
        return self.data[name]


def collect(
    aws: AwsAccess,
    scope: Scope,
    names: Iterable[str],
    on_section: Callable[[str], None] | None = None,
    options: dict[str, Any] | None = None,
) -> EvidenceSnapshot:
    ctx = CollectContext(aws, scope, on_section, options)
    for name in sorted(set(names)):
        try:
            ctx.section(name)
        except SectionFailed:
            pass  # recorded in ctx.errors; the probes that need it will say unknown
    return EvidenceSnapshot(
        scope=scope, sections=ctx.data, errors=ctx.errors, calls=[c.to_dict() for c in aws.calls]
    )
