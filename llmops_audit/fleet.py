"""Many scopes in one run: accounts (an Organization, or one role) x Regions x workloads.

    ScopeOptions (inputs/scopes.py)  -> plan_scopes: which accounts, Regions and workloads  -> ScopeTargets
    each ScopeTarget                  -> pipeline.run (one account, one Region, one workload) -> AuditReport
    all of them                       -> FleetReport (with the scopes that failed, and why)

Accounts are read on a bounded thread pool; each scope has its own boto3 session (sessions are not shared
across threads) and its own AwsAccess, and the scopes of one account share that account's answers to
account-global reads (IAM, Organizations, Budgets, Cost Explorer), so those are made once per account.
A scope that fails is reported with its reason; the others complete.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

from llmops_audit import __version__
from llmops_audit.aws.access import AwsAccess, AwsCallError
from llmops_audit.aws.assume import AssumeRoleFailed, RoleCredentials, assume_role
from llmops_audit.aws.session import caller_account, check_region, make_session, scope_session
from llmops_audit.aws.shared import SharedAnswers
from llmops_audit.collectors import discovery
from llmops_audit.errors import AuditError, AwsAccessError
from llmops_audit.evidence.sources import LiveAwsSource
from llmops_audit.inputs.scopes import ALL, AccountFilter, ScopeOptions, Shard, Workload
from llmops_audit.model import AuditReport, FleetReport, ScopeFailure, scope_label
from llmops_audit.pipeline import AuditRequest, run

FLEET_SCHEMA_VERSION = "2.0"
Session = Any  # a boto3 Session; only llmops_audit/aws/ builds them


@dataclass(frozen=True)
class Account:
    """An account to audit and how to sign its reads: the base credentials, or an assumed role."""

    id: str  # "" until STS names it (the base credentials' own account)
    role_arn: str | None = None


@dataclass(frozen=True)
class ScopeTarget:
    account: str
    region: str
    credentials: RoleCredentials | None
    workload: Workload | None = None

    @property
    def key(self) -> str:
        return scope_label(self.account, self.region, self.workload.label if self.workload else None)


class FleetProgress(Protocol):
    """Callbacks a multi-scope run reports through (the CLI draws a progress bar; tests count)."""

    def planned(self, total: int) -> None: ...
    def section(self, scope: str, name: str) -> None: ...
    def finished(self, scope: str, ok: bool) -> None: ...


class _Silent:
    def planned(self, total: int) -> None:
        pass

    def section(self, scope: str, name: str) -> None:
        pass

    def finished(self, scope: str, ok: bool) -> None:
        pass


def in_shard(key: str, shard: Shard | None) -> bool:
    """A stable slice: the same key always lands in the same shard, whatever else is audited."""
    if shard is None:
        return True
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return digest % shard.count == shard.index


class Fleet:
    """One multi-scope run. Built from checked options; `run(request)` makes every AWS call."""

    def __init__(
        self,
        options: ScopeOptions,
        progress: FleetProgress | None = None,
        *,
        session_factory: Callable[[RoleCredentials | None, str], Session] | None = None,
    ) -> None:
        options.check()
        # how a scope's session is made (tests wrap it to attach canned answers for APIs moto lacks)
        self._make_session = session_factory or self.default_session
        self.options = options
        self.progress: FleetProgress = progress or _Silent()
        first = options.region or (
            options.regions[0] if options.regions and options.regions != (ALL,) else None
        )
        self.base, self.home_region = make_session(options.profile, first)
        for name in options.regions or ():
            if name != ALL:
                check_region(self.base, name)
        self._shared: dict[str, SharedAnswers] = {}
        self._lock = threading.Lock()
        self.failures: list[ScopeFailure] = []
        self.skipped: list[str] = []

    # -- planning ------------------------------------------------------------------------------

    def _session(self, credentials: RoleCredentials | None, region: str) -> Session:
        return self._make_session(credentials, region)

    def default_session(self, credentials: RoleCredentials | None, region: str) -> Session:
        return scope_session(self.options.profile, credentials, region)

    def accounts(self) -> list[Account]:
        """The accounts to audit: the Organization's (--org-role), one role's (--role-arn), or the caller's."""
        opts = self.options
        if opts.role_arn:
            return [Account(opts.role_arn.split(":")[4], opts.role_arn)]
        if not opts.org_role:
            return [Account("")]
        aws = AwsAccess(self._session(None, self.home_region), self.home_region)
        _, partition = caller_account(aws)
        try:
            listed = [a for a in discovery.org_accounts(aws) if a.status.upper() in ("ACTIVE", "")]
            keep = _filtered(
                {a.id for a in listed}, opts.accounts, lambda unit: discovery.accounts_under(aws, unit)
            )
        except AwsCallError as exc:
            raise AwsAccessError(
                f"cannot list the Organization's accounts for --org-role: {exc.describe()}",
                hint="run from the management account or a delegated administrator, with organizations:ListAccounts",
            ) from None
        return [
            Account(a, f"arn:{partition}:iam::{a}:role/{opts.org_role}")
            for a in sorted(keep)
            if in_shard(a, opts.shard if opts.org_role else None)
        ]

    def _targets_of(self, account: Account) -> list[ScopeTarget]:
        """The scopes of one account: its Regions (and, with --workloads-by, its workloads in each)."""
        opts = self.options
        credentials = None
        if account.role_arn:
            try:
                credentials = assume_role(self.base, account.role_arn, self.home_region, opts.external_id)
            except AssumeRoleFailed as exc:
                self._failed(account.id, self.home_region, None, exc.kind, exc.describe())
                return []
        account_id = account.id
        regions: list[str]
        if opts.regions is None:
            regions = [self.home_region]
        elif opts.regions == (ALL,):
            aws = AwsAccess(self._session(credentials, self.home_region), self.home_region)
            try:
                account_id = account_id or caller_account(aws)[0]
                enabled = discovery.enabled_regions(aws)
            except AwsCallError as exc:
                self._failed(
                    account_id or "?",
                    self.home_region,
                    None,
                    exc.kind,
                    f"cannot list its Regions: {exc.describe()}",
                )
                return []
            regions = []
            for name in enabled:
                used = "yes" if opts.include_unused else discovery.region_usage(aws, name)
                if used:
                    regions.append(name)
                else:
                    self.skipped.append(f"{account_id}/{name}: no Bedrock or AgentCore use found")
        else:
            regions = list(opts.regions)
        targets = []
        for region in regions:
            if opts.workloads_by:
                aws = AwsAccess(self._session(credentials, region), region)
                try:
                    values = discovery.tag_values(aws, opts.workloads_by)
                    account_id = account_id or caller_account(aws)[0]
                except AwsCallError as exc:
                    self._failed(
                        account_id or "?",
                        region,
                        None,
                        exc.kind,
                        f"cannot list the values of tag {opts.workloads_by}: {exc.describe()}",
                    )
                    continue
                if not values:
                    self.skipped.append(
                        f"{account_id or '?'}/{region}: no resource carries tag {opts.workloads_by}"
                    )
                targets += [
                    ScopeTarget(account_id, region, credentials, Workload(opts.workloads_by, v))
                    for v in values
                ]
            else:
                targets.append(ScopeTarget(account_id, region, credentials, opts.workload))
        if not opts.org_role:  # a shard of one account's scopes (with --org-role, accounts were sharded)
            targets = [t for t in targets if in_shard(t.key, opts.shard)]
        return targets

    # -- running -------------------------------------------------------------------------------

    def _failed(self, account: str, region: str, workload: str | None, kind: str, reason: str) -> None:
        with self._lock:
            self.failures.append(ScopeFailure(account, region, workload, kind, reason))

    def _shared_for(self, account: str) -> SharedAnswers:
        with self._lock:
            return self._shared.setdefault(account, SharedAnswers())

    def _audit(
        self, request: AuditRequest, target: ScopeTarget, deadline: float | None
    ) -> AuditReport | None:
        label = target.key
        remaining = None if deadline is None else deadline - time.monotonic()
        workload = target.workload.label if target.workload else None
        if remaining is not None and remaining <= 0:
            self._failed(target.account, target.region, workload, "deadline", "not read: the deadline passed")
            self.progress.finished(label, False)
            return None
        source = LiveAwsSource(
            self.options.profile,
            target.region,
            session=self._session(target.credentials, target.region),
            role_arn=target.credentials.role_arn if target.credentials else None,
            workload=workload,
            shared=self._shared_for(target.account or "base"),
        )
        scoped = replace(request, deadline_s=remaining, workload=target.workload)
        try:
            report = run(scoped, source, on_section=lambda name: self.progress.section(label, name))
        except AuditError as exc:
            self._failed(target.account, target.region, workload, "error", exc.message)
            self.progress.finished(label, False)
            return None
        self.progress.finished(label, True)
        return report

    def run(self, request: AuditRequest) -> FleetReport:
        deadline = time.monotonic() + request.deadline_s if request.deadline_s else None
        workers = self.options.max_workers
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llmops-audit-scope") as pool:
            per_account = list(pool.map(self._targets_of, self.accounts()))
            targets = sorted((t for ts in per_account for t in ts), key=lambda t: t.key)
            self.progress.planned(len(targets))
            reports = list(pool.map(lambda t: self._audit(request, t, deadline), targets))
        done = tuple(sorted((r for r in reports if r is not None), key=lambda r: r.scope.label))
        return FleetReport(
            tool_version=__version__,
            schema_version=FLEET_SCHEMA_VERSION,
            generated_at=request.generated_at.replace(microsecond=0),
            framework=done[0].framework if done else request.framework,
            reports=done,
            failures=tuple(sorted(self.failures, key=lambda f: f.label)),
            skipped=tuple(sorted(self.skipped)),
            shards=(self.options.shard.label,) if self.options.shard else (),
        )


def _filtered(ids: set[str], filt: AccountFilter, members: Callable[[str], set[str]]) -> set[str]:
    """Accounts kept by --accounts (ids or OUs, any depth) and not dropped by --exclude-accounts."""
    units = {u: members(u) for u in filt.units()}

    def expand(entries: tuple[str, ...]) -> set[str]:
        return {a for e in entries for a in units.get(e, {e})}

    keep = expand(filt.include) & ids if filt.include else set(ids)
    return keep - expand(filt.exclude)
