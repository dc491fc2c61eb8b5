"""`--history DIR`: each run's JSON report kept, one file per scope, never overwritten.

Layout: `DIR/<account>/<region>[/<workload>]/<YYYYMMDDTHHMMSSZ>[-N].json`, the time being the report's
`generated_at` in UTC. A name that is already taken (two runs in the same second, a file put there by hand)
gets a counter (`-2`, `-3`...): a stored report is never replaced. Each file is written beside its final
name and then hard-linked to it, which fails rather than replace an existing file, so a reader never sees
half a report; where the file system has no hard links, the file is created with O_EXCL instead.

A directory name keeps the characters `A-Z a-z 0-9 . _ = -` of the account, Region or workload; any other
character (the `:` and `/` of `awsApplication=arn:...`) becomes `_` and the name gets a short hash of the
original, so two workloads never share a directory. The report file itself names its scope, and every
reader here matches scopes by the label inside the file (account/Region[/workload]), not by the path.

`--history s3://bucket/prefix/` stores the same layout under the prefix, through the report writer
(llmops_audit/aws/s3_writer.py): each object is put with `IfNoneMatch: *`, which S3 refuses when the key
exists, so the counter is taken there too and nothing stored is replaced. Nothing is read back from S3 (the
writer can only put): the "Since last run" notice, diff and trend read a local history directory.

Pure-ish helpers: where a scope's reports go, which past reports a scope has, the latest one before this
run (of the same framework), and storing a run. `assess` calls `annotate` (the "Since last run" notice)
before rendering and `store` after.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from llmops_audit.aws.s3_writer import S3Location, S3Path, S3WriteError, s3_path, writer
from llmops_audit.errors import AuditError, OutputError, UsageError
from llmops_audit.model import AuditReport, FleetReport, Scope
from llmops_audit.report.files import is_s3, s3_failed

NAME = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?\.json$")
_SAFE = re.compile(r"[^A-Za-z0-9._=-]")
MAX_COUNTER = 10_000


def check_dir(path: Path) -> None:
    """Refuse, before any AWS call, a history directory that cannot be used: an existing path that is not
    a directory, or not writable, or a new path whose nearest existing parent is not a writable directory
    (the directory is created when the first report is stored). An S3 prefix was checked when parsed."""
    if isinstance(path, S3Path):
        return
    if is_s3(path):
        raise UsageError(f"--history {path} is not a usable s3:// URL", hint="give s3://BUCKET/PREFIX/")
    if path.exists():
        if not path.is_dir():
            raise UsageError(f"--history {path} is not a directory", hint="pass a directory for past reports")
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputError(f"--history {path} is not writable", hint="check its permissions")
        return
    existing = next((p for p in path.absolute().parents if p.exists()), Path("/"))
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot create the history directory {path} ({existing} is not a writable directory)",
            hint="pass a directory you can write",
        )


def safe_part(text: str) -> str:
    """One path component for an account, Region or workload (see the module docstring)."""
    clean = _SAFE.sub("_", text)
    if clean == text and text not in ("", ".", "..") and not text.startswith("."):
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{clean.lstrip('.') or 'scope'}-{digest}"


def scope_dir(root: Path, scope: Scope) -> Path:
    parts = [scope.account, scope.region] + ([scope.workload] if scope.workload else [])
    return root.joinpath(*(safe_part(p) for p in parts))


def _utc(at: datetime) -> datetime:
    """A naive time (an older report) is taken as UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def stamp(at: datetime) -> str:
    """20261202T044023Z: generated_at in UTC, to the second."""
    return _utc(at).strftime("%Y%m%dT%H%M%SZ")


def _order(path: Path) -> tuple[str, int]:
    m = NAME.match(path.name)
    assert m
    return (m.group(1), int(m.group(2) or 1))


def report_files(directory: Path, recursive: bool = False) -> list[Path]:
    """The stored report files (names as `store` writes them) in `directory`, oldest first; other files are
    not reports of the history and are left alone."""
    if not directory.is_dir():
        return []
    found = directory.rglob("*.json") if recursive else directory.glob("*.json")
    files = [p for p in found if NAME.match(p.name) and p.is_file()]
    return sorted(files, key=lambda p: (_order(p), str(p.parent)))


def past_reports(root: Path, scope: Scope) -> list[Path]:
    """A scope's stored reports, oldest first (none for an S3 history: it is never read back)."""
    if isinstance(root, S3Path):
        return []
    return report_files(scope_dir(root, scope))


@dataclass(frozen=True)
class Previous:
    report: AuditReport | None
    path: Path | None
    unreadable: tuple[str, ...] = ()  # files that could not be read back, one line each


def previous(root: Path, report: AuditReport) -> Previous:
    """The latest stored report of the same scope and framework generated no later than `report` (the run
    about to be stored). A stored file that cannot be read back is skipped and named, never fatal: the run
    has been made, and its report must still come out."""
    from llmops_audit.report.load import load_report

    unreadable: list[str] = []
    for path in reversed(past_reports(root, report.scope)):
        try:
            loaded = load_report(path)
        except AuditError as err:
            unreadable.append(err.message)
            continue
        for old in loaded.reports if isinstance(loaded, FleetReport) else (loaded,):
            if (
                old.scope.label == report.scope.label
                and old.framework.name == report.framework.name
                and not old.gates_only
                and _utc(old.generated_at) <= _utc(report.generated_at)
            ):
                return Previous(old, path, tuple(unreadable))
    return Previous(None, None, tuple(unreadable))


def _scopes(report: AuditReport | FleetReport) -> tuple[AuditReport, ...]:
    return report.reports if isinstance(report, FleetReport) else (report,)


def annotate(root: Path, report: AuditReport | FleetReport) -> AuditReport | FleetReport:
    """Each scope's report with a "Since last run ..." notice (from its latest stored report), or a notice
    that this is the scope's first stored run."""
    from llmops_audit.report.diff import since_last_run

    def one(r: AuditReport) -> AuditReport:
        if isinstance(root, S3Path):
            notice = (
                f"History: stored in {root} (not read back from S3; for 'since last run', diff and trend, "
                "keep a local --history directory or copy the stored reports to one)."
            )
            return replace(r, notices=(*r.notices, notice))
        prev = previous(root, r)
        if prev.report is None:
            notice = f"History: first stored run of {r.scope.label} in {root}."
        else:
            notice = since_last_run(prev.report, r)
        if prev.unreadable:
            notice += f" Skipped {len(prev.unreadable)} unreadable stored report(s): {prev.unreadable[0]}"
        return replace(r, notices=(*r.notices, notice))

    if isinstance(report, FleetReport):
        return replace(report, reports=tuple(one(r) for r in report.reports))
    return one(report)


def _candidates(directory: Path, base: str) -> Iterator[Path]:
    yield directory / f"{base}.json"
    for n in range(2, MAX_COUNTER):
        yield directory / f"{base}-{n}.json"


def _write_new(directory: Path, base: str, text: str) -> Path:
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        for target in _candidates(directory, base):
            try:
                os.link(tmp, target)  # fails if target exists: never replaces a stored report
                return target
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                return _write_excl(directory, base, data)  # a file system without hard links
    finally:
        Path(tmp).unlink(missing_ok=True)
    raise OutputError(f"{directory} holds {MAX_COUNTER} reports named {base}", hint="clean up the history")


def _write_excl(directory: Path, base: str, data: bytes) -> Path:
    for target in _candidates(directory, base):
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target
    raise OutputError(f"{directory} holds {MAX_COUNTER} reports named {base}", hint="clean up the history")


def store(root: Path, report: AuditReport | FleetReport) -> list[Path]:
    """Write each scope's JSON report under `root` (new files only); the paths written, in scope order."""
    from llmops_audit.report.json import render

    if isinstance(root, S3Path):
        return _store_s3(root, report)
    written: list[Path] = []
    for r in _scopes(report):
        directory = scope_dir(root, r.scope)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            written.append(_write_new(directory, stamp(r.generated_at), render(r)))
        except OSError as exc:
            raise OutputError(
                f"cannot store the report of {r.scope.label} in {directory} ({exc.strerror or exc})",
                hint="check that the history directory is writable",
            ) from None
    return written


def _store_s3(root: S3Path, report: AuditReport | FleetReport) -> list[Path]:
    """Each scope's JSON report put under the S3 prefix with IfNoneMatch (never replacing an object). A scope
    that cannot be stored does not stop the others; its report goes to stdout (nothing lost) and the first
    failure is raised once all were tried."""
    from llmops_audit.report.json import render

    written: list[Path] = []
    failed: list[S3WriteError] = []
    for r in _scopes(report):
        base = root.location.key + "/".join(
            safe_part(p)
            for p in [r.scope.account, r.scope.region] + ([r.scope.workload] if r.scope.workload else [])
        )
        name = stamp(r.generated_at)
        keys = (
            S3Location(root.location.bucket, f"{base}/{name}{'' if n == 1 else f'-{n}'}.json")
            for n in range(1, MAX_COUNTER)
        )
        text = render(r)
        try:
            written.append(s3_path(writer().put_new(keys, text, f"report of {r.scope.label}")))
        except S3WriteError as err:
            sys.stdout.write(text)  # nothing lost: the scope's report is on stdout
            sys.stdout.flush()
            failed.append(err)
    for failure in failed:
        s3_failed(failure)  # raised now, or (assess) once every output was written
    return written
