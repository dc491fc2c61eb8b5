"""The one write the tool can make to AWS: a report (or a history entry) put into S3.

It is kept apart from the audit's read-only access layer (llmops_audit/aws/access.py, which refuses every
write, `s3:PutObject` included): its own boto3 client, made only when a report goes to an `s3://` target,
with the run's own credentials (`--profile`, else the standard chain; never a role assumed for auditing),
that can send nothing but `PutObject` (a `before-call` handler refuses any other operation), and its own
record of each call (service, operation, bucket, key, outcome). `llmops-audit permissions --report-bucket
BUCKET[/PREFIX]` prints the one permission it needs, `s3:PutObject` on that bucket and prefix, as a
statement of its own (`ReportWriter`).

- `--output s3://bucket/key` puts the report at that key (a later run replaces it, as a file would be).
- `--history s3://bucket/prefix/` puts each scope's JSON report under the prefix with `IfNoneMatch: *`, a
  conditional write S3 refuses (412 PreconditionFailed) when the key exists: the next free name is taken,
  so a stored report is never replaced.

URLs are checked before any AWS call (`parse`): S3's naming rules for general purpose buckets and object
keys. A write that fails (denied, no such bucket, no credentials, an endpoint that cannot be reached) is an
`S3WriteError` naming the code and the IAM action; report/files.py then prints the report on stdout first,
so nothing is lost.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path, PosixPath
from typing import Any

from llmops_audit.errors import OutputError, UsageError

SCHEME = "s3://"
ACTION = "s3:PutObject"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Reserved by S3 for other kinds of buckets and aliases (Bucket naming rules, general purpose buckets)
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
MAX_KEY_BYTES = 1024
_CONTENT_TYPES = {
    ".json": "application/json",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
}


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str  # an object key, or (a history prefix) "" or a key ending in "/"

    def __str__(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.key}"

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"


class S3Path(PosixPath):
    """An `s3://` target where the CLI takes a path (`--output`, `--history`): it prints as its URL, and any
    attempt to use it as a local path fails loudly (TypeError) instead of creating a directory `s3:`."""

    location: S3Location

    def __str__(self) -> str:
        return str(self.location)

    def __repr__(self) -> str:
        return f"S3Path({str(self.location)!r})"

    def __fspath__(self) -> str:
        raise TypeError(f"{self.location} is an S3 target, not a local path")


def is_s3(target: object) -> bool:
    return isinstance(target, S3Path) or (isinstance(target, str) and target[:5].lower() == SCHEME)


def s3_path(location: S3Location) -> S3Path:
    path = S3Path(f"/{location.bucket}/{location.key}")
    path.location = location
    return path


def target(value: str | Path, *, prefix: bool = False, what: str = "--output") -> Path:
    """The CLI's parser of a path option: an `s3://` URL (checked) becomes an S3Path, anything else a Path."""
    if isinstance(value, Path):
        return value
    if not is_s3(value):
        return Path(value)
    return s3_path(parse(value, prefix=prefix, what=what))


def parse(url: str, *, prefix: bool = False, what: str = "--output") -> S3Location:
    """`s3://bucket/key` (or, with `prefix`, `s3://bucket[/prefix/]`) checked against S3's rules; a one-line
    UsageError naming what is wrong otherwise."""
    label = f"{what} {url[:80]}".strip()
    if url[:5].lower() != SCHEME:
        raise UsageError(f"{label} is not an s3:// URL")
    rest = url[5:]
    bucket, _, key = rest.partition("/")
    problem = bucket_problem(bucket)
    if problem:
        raise UsageError(
            f"{label}: {problem}",
            hint=f"give s3://BUCKET/{'PREFIX/' if prefix else 'KEY'} with an existing bucket's name",
        )
    if prefix:
        key = key if not key or key.endswith("/") else key + "/"
    elif not key or key.endswith("/"):
        raise UsageError(
            f"{label} names no object (the key is empty or ends with /)",
            hint=f"give the report's name, e.g. s3://{bucket}/{key or ''}audit.json",
        )
    if len(key.encode("utf-8")) > MAX_KEY_BYTES - (40 if prefix else 0):
        raise UsageError(f"{label}: the S3 key is longer than S3 allows ({MAX_KEY_BYTES} bytes)")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise UsageError(f"{label}: the S3 key holds a control character", hint="use printable characters")
    if key.startswith("/") or "//" in key or any(part in (".", "..") for part in key.split("/")):
        raise UsageError(
            f"{label}: the key has an empty, '.' or '..' segment",
            hint="S3 keeps such keys literally, and most tools then show them elsewhere",
        )
    return S3Location(bucket, key)


def bucket_problem(bucket: str) -> str:
    """Why `bucket` cannot be a general purpose bucket's name ("" when it can)."""
    if not bucket:
        return "no bucket name"
    if not _BUCKET.match(bucket):
        return (
            f"'{bucket[:70]}' is not a bucket name (3 to 63 lowercase letters, digits, '.' and '-', "
            "starting and ending with a letter or digit)"
        )
    if ".." in bucket:
        return f"'{bucket}' is not a bucket name (two adjacent periods)"
    try:
        ipaddress.IPv4Address(bucket)
        return f"'{bucket}' is not a bucket name (formatted as an IP address)"
    except ValueError:
        pass
    if bucket.startswith(_RESERVED_PREFIXES) or bucket.endswith(_RESERVED_SUFFIXES):
        return f"'{bucket}' is not a general purpose bucket's name (S3 reserves its prefix or suffix)"
    return ""


@dataclass(frozen=True)
class WriteRecord:
    service: str
    operation: str
    bucket: str
    key: str
    outcome: str  # ok | exists (a conditional write refused: the name is taken) | denied | error
    error_code: str = ""
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class S3WriteError(OutputError):
    """A write to S3 failed: the one line names the URL, the error code and the IAM action."""

    def __init__(self, message: str, hint: str | None = None, *, location: S3Location | None = None) -> None:
        super().__init__(message, hint)
        self.location = location


_DENIED = {"AccessDenied", "AccessDeniedException", "AllAccessDisabled", "Forbidden", "403"}
_TAKEN = {"PreconditionFailed", "412"}
_CONFLICT = {"ConditionalRequestConflict", "409"}
MAX_CONFLICT_RETRIES = 3


def content_type(key: str) -> str:
    suffix = key[key.rfind(".") :].lower() if "." in key.rsplit("/", 1)[-1] else ""
    return f"{_CONTENT_TYPES.get(suffix, 'text/plain')}; charset=utf-8"


class ReportWriter:
    """Puts reports into S3 (see the module docstring); `calls` records every request it made."""

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        *,
        client_hook: Callable[[Any], None] | None = None,
    ) -> None:
        self.profile = profile
        self.region = region
        self._client_hook = client_hook  # tests attach canned answers, as AwsAccess's client_hook
        self.calls: list[WriteRecord] = []
        self._client: Any = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:
        if self._client is None:
            import os

            import boto3
            from botocore.config import Config

            session = boto3.Session(profile_name=self.profile)
            region = self.region or os.environ.get("AWS_REGION") or session.region_name or "us-east-1"
            client = session.client(
                "s3",
                region_name=region,
                config=Config(
                    retries={"mode": "standard", "total_max_attempts": 3},
                    connect_timeout=5,
                    read_timeout=30,
                    user_agent_extra="llmops-audit-report-writer",
                ),
            )
            if self._client_hook:
                self._client_hook(client)
            client.meta.events.register_first("before-call.s3", _only_put_object)  # before any hook's
            self._client = client
        return self._client

    def put(self, location: S3Location, text: str, what: str = "report") -> S3Location:
        """Put `text` at `location` (replacing what is there, as writing a file does)."""
        outcome = self._put(location, text.encode("utf-8"), what, conditional=False)
        assert outcome == "ok"
        return location

    def put_new(self, keys: Iterable[S3Location], text: str, what: str = "report") -> S3Location:
        """Put `text` at the first of `keys` that does not exist yet (IfNoneMatch: *), never replacing one."""
        data = text.encode("utf-8")
        last: S3Location | None = None
        for location in keys:
            last = location
            if self._put(location, data, what, conditional=True) == "ok":
                return location
        raise S3WriteError(f"cannot write the {what} under {last}: every name is taken", location=last)

    def _put(self, location: S3Location, data: bytes, what: str, *, conditional: bool) -> str:
        import botocore.exceptions as bce

        extra = {"IfNoneMatch": "*"} if conditional else {}
        for attempt in range(1, MAX_CONFLICT_RETRIES + 1):
            started = time.perf_counter()
            try:
                self._s3().put_object(
                    Bucket=location.bucket,
                    Key=location.key,
                    Body=data,
                    ContentType=content_type(location.key),
                    **extra,
                )
            except bce.ClientError as exc:
                err = exc.response.get("Error", {})
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                code = str(err.get("Code") or status or "error")
                if conditional and (code in _TAKEN or status == 412):
                    self._record(location, "exists", code, started)
                    return "exists"
                if conditional and (code in _CONFLICT or status == 409) and attempt < MAX_CONFLICT_RETRIES:
                    self._record(location, "error", code, started)
                    continue  # a concurrent write to the same key: S3 asks to retry
                denied = code in _DENIED or status == 403
                self._record(location, "denied" if denied else "error", code, started)
                raise self._error(location, what, code, denied) from None
            except (bce.BotoCoreError, OSError) as exc:
                code = type(exc).__name__
                self._record(location, "error", code, started)
                raise self._error(location, what, _describe(exc), False) from None
            self._record(location, "ok", "", started)
            return "ok"
        raise AssertionError("unreachable")  # pragma: no cover

    def _record(self, location: S3Location, outcome: str, code: str, started: float) -> None:
        with self._lock:
            self.calls.append(
                WriteRecord(
                    "s3",
                    "PutObject",
                    location.bucket,
                    location.key,
                    outcome,
                    code,
                    round((time.perf_counter() - started) * 1000, 1),
                )
            )

    @staticmethod
    def _error(location: S3Location, what: str, code: str, denied: bool) -> S3WriteError:
        if denied:
            hint = (
                f"the credentials in use need {ACTION} on {location.arn}"
                f" (`llmops-audit permissions --report-bucket {location.bucket}`)"
            )
        elif code == "NoSuchBucket":
            hint = f"create the bucket {location.bucket} or name an existing one"
        else:
            hint = "check the bucket, the credentials and the network, then run again"
        return S3WriteError(
            f"cannot write the {what} to {location}: {code} ({ACTION})", hint, location=location
        )


def _describe(exc: Exception) -> str:
    import botocore.exceptions as bce

    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return "no AWS credentials"
    if isinstance(exc, bce.ProfileNotFound):
        return "AWS profile not found"
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return "S3 endpoint unreachable"
    return type(exc).__name__


def _only_put_object(model: Any, **_: Any) -> None:
    """`before-call` handler of the writer's client: nothing but PutObject is ever sent."""
    if model.name != "PutObject":
        raise OutputError(f"the report writer refused to call s3:{model.name}: it only puts reports")


_writer: ReportWriter | None = None
_writer_lock = threading.Lock()


def configure(profile: str | None = None, region: str | None = None) -> ReportWriter:
    """A new writer for this run (called once the options are checked); its record starts empty."""
    global _writer
    with _writer_lock:
        _writer = ReportWriter(profile, region)
        return _writer


def writer() -> ReportWriter:
    """This run's writer (one with the standard credential chain if none was configured)."""
    global _writer
    with _writer_lock:
        if _writer is None:
            _writer = ReportWriter()
        return _writer
