"""Parse the options that choose what a run audits: Regions, accounts, roles, workloads and a shard.

Pure: every value is checked here, before any AWS call, and a bad one is a one-line UsageError naming the
option, the value and what to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llmops_audit.errors import UsageError

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$")
_ROOT = re.compile(r"^r-[0-9a-z]{4,32}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$", re.UNICODE)
_TAG_VALUE = re.compile(r"^[\w .:/=+@-]{0,256}$", re.UNICODE)
ALL = "all"


@dataclass(frozen=True)
class Workload:
    """A workload inside an account: the resources carrying tag `key` with `value`."""

    key: str
    value: str

    @property
    def label(self) -> str:
        return f"{self.key}={self.value}"


@dataclass(frozen=True)
class Shard:
    """This run's slice of the scopes: index `index` (0-based) of `count`."""

    index: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class AccountFilter:
    """Accounts (12-digit ids) and organizational units (ou-… ids, or the root r-…) to keep or drop."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def units(self) -> set[str]:
        return {x for x in (*self.include, *self.exclude) if not _ACCOUNT.match(x)}


@dataclass(frozen=True)
class ScopeOptions:
    """What to audit, already parsed (inputs/scopes.py)."""

    profile: str | None = None
    region: str | None = None
    regions: tuple[str, ...] | None = None  # None: --region (or the profile's); ("all",): every enabled one
    role_arn: str | None = None
    external_id: str | None = None
    org_role: str | None = None
    accounts: AccountFilter = field(default_factory=AccountFilter)
    workload: Workload | None = None
    workloads_by: str | None = None
    include_unused: bool = False
    shard: Shard | None = None
    max_workers: int = 4

    @property
    def many(self) -> bool:
        """Whether the run can have several scopes: then it writes a multi-scope report, even of one scope."""
        return bool(self.regions is not None or self.org_role or self.workloads_by or self.shard is not None)

    def check(self) -> None:
        """Options that do not fit together, refused before any AWS call."""
        if self.role_arn and self.org_role:
            raise UsageError(
                "--role-arn and --org-role cannot be used together",
                hint="--role-arn audits one account; --org-role NAME assumes NAME in every account",
            )
        if (self.accounts.include or self.accounts.exclude) and not self.org_role:
            raise UsageError(
                "--accounts/--exclude-accounts need --org-role",
                hint="they filter the Organization's accounts, which --org-role NAME lists",
            )
        if self.external_id and not (self.role_arn or self.org_role):
            raise UsageError("--external-id needs --role-arn or --org-role")
        if self.workload and self.workloads_by:
            raise UsageError(
                "--workload and --workloads-by cannot be used together",
                hint="--workload KEY=VALUE audits one workload; --workloads-by KEY audits one per value",
            )
        if self.region and self.regions is not None:
            raise UsageError("--region and --regions cannot be used together", hint="pick one")
        if self.include_unused and self.regions != (ALL,):
            raise UsageError("--include-unused only applies with --regions all")


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]


def parse_regions(text: str | None) -> tuple[str, ...] | None:
    """`--regions us-east-1,eu-west-1` or `--regions all` (returned as ("all",)); None when not given."""
    if text is None:
        return None
    names = _split(text)
    if not names:
        raise UsageError(
            "--regions is empty", hint="pass e.g. --regions us-east-1,eu-west-1 or --regions all"
        )
    if ALL in names:
        if len(names) > 1:
            raise UsageError(
                "--regions all cannot be combined with named Regions", hint="pass one or the other"
            )
        return (ALL,)
    bad = [n for n in names if not _REGION.match(n)]
    if bad:
        raise UsageError(
            f"--regions: '{bad[0][:40]}' is not an AWS Region name",
            hint="use names like us-east-1, eu-west-1 (comma-separated), or all",
        )
    return tuple(dict.fromkeys(names))


def parse_accounts(option: str, text: str | None) -> tuple[str, ...]:
    """Account ids, OU ids or the root id, comma-separated."""
    if text is None:
        return ()
    ids = _split(text)
    bad = [i for i in ids if not (_ACCOUNT.match(i) or _OU.match(i) or _ROOT.match(i))]
    if bad or not ids:
        shown = bad[0][:40] if bad else ""
        raise UsageError(
            f"{option}: '{shown}' is not an account id, OU id or root id",
            hint="use 12-digit account ids (123456789012), OU ids (ou-ab12-cd34ef56) or the root (r-ab12)",
        )
    return tuple(dict.fromkeys(ids))


def parse_role_arn(text: str | None) -> str | None:
    if text is None:
        return None
    if not _ROLE_ARN.match(text.strip()):
        raise UsageError(
            f"--role-arn '{text[:80]}' is not an IAM role ARN",
            hint="use arn:aws:iam::123456789012:role/NAME",
        )
    return text.strip()


def parse_role_name(text: str | None) -> str | None:
    if text is None:
        return None
    if not _ROLE_NAME.match(text.strip()):
        raise UsageError(
            f"--org-role '{text[:80]}' is not an IAM role name",
            hint="pass the role's name (e.g. llmops-audit-readonly), not its ARN; the account comes from the Organization",
        )
    return text.strip()


def parse_external_id(text: str | None) -> str | None:
    if text is None:
        return None
    if not _EXTERNAL_ID.match(text):
        raise UsageError(
            "--external-id must be 2 to 1,224 characters of letters, digits and +=,.@:/-",
            hint="use the external id the role's trust policy names",
        )
    return text


def parse_workload(text: str | None) -> Workload | None:
    """`--workload KEY=VALUE`, e.g. app=support-bot or awsApplication=arn:aws:resource-groups:…"""
    if text is None:
        return None
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise UsageError(
            f"--workload '{text[:80]}' is not KEY=VALUE", hint="pass a tag, e.g. --workload app=support-bot"
        )
    if not _TAG_KEY.match(key) or key.lower().startswith("aws:") or not _TAG_VALUE.match(value):
        raise UsageError(
            f"--workload '{text[:80]}' is not a valid tag",
            hint="tag keys are up to 128 and values up to 256 letters, digits, spaces and _.:/=+-@",
        )
    return Workload(key, value)


def parse_tag_key(text: str | None) -> str | None:
    if text is None:
        return None
    if not _TAG_KEY.match(text.strip()):
        raise UsageError(
            f"--workloads-by '{text[:80]}' is not a tag key", hint="pass a tag key, e.g. --workloads-by app"
        )
    return text.strip()


def parse_shard(text: str | None) -> Shard | None:
    """`--shard I/N`: slice I (0 ≤ I < N) of N."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    if not m or int(m.group(2)) == 0 or int(m.group(1)) >= int(m.group(2)):
        raise UsageError(
            f"--shard '{text[:40]}' is not I/N with 0 <= I < N",
            hint="e.g. --shard 0/4 ... --shard 3/4 audit the four quarters of the scopes",
        )
    return Shard(int(m.group(1)), int(m.group(2)))


def parse_max_workers(value: int | None) -> int:
    if value is None:
        return 4
    if not 1 <= value <= 64:
        raise UsageError(f"--max-workers {value} is out of range", hint="pass 1 to 64")
    return value
