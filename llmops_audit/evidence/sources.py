"""Where evidence comes from: live AWS, a saved snapshot, or the recorded demo account.

The pipeline sees only `EvidenceSource.collect(plan)`; it never knows which one it was given. Another
source (another account or Region, a non-AWS system) is one more class with that method.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from llmops_audit.evidence.snapshot import EvidenceSnapshot

OnSection = Callable[[str], None]
DEMO_EVIDENCE = "demo-evidence.json"


@dataclass(frozen=True)
class CollectionPlan:
    """What a run needs read: the evidence sections, the audit period, and settings collectors use."""

    sections: frozenset[str]
    start: datetime
    end: datetime
    options: dict[str, Any] = field(default_factory=dict)  # e.g. the policy's custom gate metrics
    deadline_s: float | None = None  # stop reading this many seconds after collection starts


class EvidenceSource(Protocol):
    def collect(self, plan: CollectionPlan, on_section: OnSection | None = None) -> EvidenceSnapshot:
        """The evidence for `plan`, with a record of every call made to get it."""
        ...


class LiveAwsSource:
    """One AWS account and Region, through the recorded read-only access layer.

    The session and Region are checked when the source is made (no AWS call yet); the first call is
    sts:GetCallerIdentity, which names the account and proves the credentials work. A multi-scope run
    (llmops_audit/fleet.py) passes each scope's own `session` (sessions are not shared across threads),
    the role it assumed, its workload, and the account's `shared` answers of account-global reads.
    """

    def __init__(
        self,
        profile: str | None,
        region: str | None,
        *,
        session: Any = None,
        role_arn: str | None = None,
        workload: str | None = None,
        shared: Any = None,
    ) -> None:
        from llmops_audit.aws.session import make_session

        self.profile = profile
        if session is not None and region:
            self.session, self.region = session, region
        else:
            self.session, self.region = make_session(profile, region)
        self.role_arn = role_arn
        self.workload = workload
        self.shared = shared

    def collect(self, plan: CollectionPlan, on_section: OnSection | None = None) -> EvidenceSnapshot:
        from llmops_audit.aws.access import AwsAccess
        from llmops_audit.aws.session import caller_account
        from llmops_audit.collectors import collect
        from llmops_audit.model import Scope

        deadline = time.monotonic() + plan.deadline_s if plan.deadline_s else None
        aws = AwsAccess(self.session, self.region, **({"shared": self.shared} if self.shared else {}))
        if on_section:
            on_section("the caller identity")
        account, partition = caller_account(aws)
        scope = Scope(
            account,
            self.region,
            plan.start,
            plan.end,
            partition=partition,
            profile=self.profile,
            endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
            workload=self.workload,
            role_arn=self.role_arn,
        )
        return collect(aws, scope, plan.sections, on_section, plan.options, deadline)


class SavedSnapshotSource:
    """Evidence saved by --save-evidence, scored again offline. It is read when the source is made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.snapshot = EvidenceSnapshot.load(path)

    def collect(self, plan: CollectionPlan, on_section: OnSection | None = None) -> EvidenceSnapshot:
        # Sections the plan needs but the file lacks make their items unknown ("it was not collected").
        return self.snapshot


class DemoSource(SavedSnapshotSource):
    """The recorded demo account: evidence collected once from a seeded mock account (see
    tests/fake_account), shipped as package data, so the demo needs no AWS and no emulator."""

    def __init__(self) -> None:
        super().__init__(Path(str(resources.files("llmops_audit.data").joinpath(DEMO_EVIDENCE))))
