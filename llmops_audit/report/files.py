"""Where reports and saved evidence are written: checked before the run, written so nothing is lost.

- `-` is standard output.
- A new path or an existing regular file is written atomically: a temporary file beside it, renamed over it,
  so a reader never sees half a report and a failed write leaves the old file as it was.
- An existing FIFO or character device (`/dev/stdout`, a named pipe a consumer reads) is written in place:
  pointing the tool at one is a clear intent, and renaming over it would replace it with a regular file.
- A symbolic link, a directory, a block device or a socket is refused: replacing a link would silently
  write somewhere else, and nothing good comes of writing a report onto a disk.
- An `s3://bucket/key` target (an S3Path, made by the CLI's `target` parser) is checked without any AWS call
  and written by the separate report writer, llmops_audit/aws/s3_writer.py (the tool's one write to AWS).
  When that write fails, the text goes to standard output first and then S3WriteError is raised (one line,
  exit 2): nothing is lost.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from llmops_audit.aws.s3_writer import S3Path, S3WriteError, writer
from llmops_audit.errors import OutputError, UsageError

STDOUT = "-"


def is_s3(path: Path | None) -> bool:
    """An S3 target (or a Path some caller made from an `s3:/...` string, which check_target refuses)."""
    return isinstance(path, S3Path) or (path is not None and str(path)[:4].lower() == "s3:/")


def _put_s3(path: S3Path, text: str, what: str) -> None:
    try:
        writer().put(path.location, text, what)
    except S3WriteError as err:
        sys.stdout.write(text)  # nothing lost: the report is on stdout before the one-line error
        sys.stdout.flush()
        s3_failed(err)


class S3Failures:
    """S3 writes that failed while this is active (`defer_s3_failures`): each one's text already went to
    stdout, the run's other outputs are still written, and `raise_first` ends the run with one line (exit 2)."""

    def __init__(self) -> None:
        self.errors: list[S3WriteError] = []

    def written(self, path: Path | None) -> bool:
        """Whether `path` was not a target whose write failed."""
        return not any(str(e.location) == str(path) for e in self.errors if e.location is not None)

    def raise_first(self) -> None:
        global _deferred
        if _deferred is self:
            _deferred = None
        if self.errors:
            first = self.errors[0]
            more = f" ({len(self.errors) - 1} more S3 write(s) failed)" if len(self.errors) > 1 else ""
            raise S3WriteError(first.message + more, first.hint, location=first.location)


_deferred: S3Failures | None = None


def defer_s3_failures() -> S3Failures:
    """From now on a failed S3 write is collected instead of raised (see S3Failures)."""
    global _deferred
    _deferred = S3Failures()
    return _deferred


def reset_s3_failures() -> None:
    """Failures are raised again as they happen (each command starts so: cli._check_outputs)."""
    global _deferred
    _deferred = None


def s3_failed(err: S3WriteError) -> None:
    """A failed S3 write whose text is already on stdout: collected when deferred, else raised."""
    if _deferred is None:
        raise err
    _deferred.errors.append(err)


def is_stdout(path: Path | None) -> bool:
    return path is None or str(path) == STDOUT


def target(value: str | Path) -> Path:
    """The CLI's parser of an output path: `s3://bucket/key` (checked) becomes an S3Path, else a Path."""
    from llmops_audit.aws.s3_writer import target as parse_target

    return parse_target(value)


def check_target(path: Path, what: str) -> None:
    """Refuse, before any AWS call, a target that cannot or must not be written."""
    if is_stdout(path):
        return
    if is_s3(path):
        if not isinstance(path, S3Path):  # a Path made from "s3://..." lost its "//": not a usable URL
            raise UsageError(
                f"the {what} is written to a local file or stdout only, not to S3 ({path})",
                hint="write it to a file and copy that (aws s3 cp)",
            )
        return  # checked when parsed (aws/s3_writer.parse); written by the report writer
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(
            f"cannot write the {what} to {path} ({exc.strerror or exc})",
            hint="check that the directory exists and is writable",
        ) from None
    if st is not None:
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            raise OutputError(
                f"{path} is a symbolic link; the {what} is not written through links",
                hint=f"pass the link's target ({os.path.realpath(path)}) instead",
            )
        if stat.S_ISDIR(mode):
            raise OutputError(f"{path} is a directory", hint=f"pass a file name for the {what}")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            raise OutputError(
                f"{path} is not a regular file, pipe or character device",
                hint=f"pass a file name for the {what}",
            )
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path} is not writable", hint="check its permissions")
        return
    parent = path.parent if str(path.parent) else Path(".")
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise OutputError(
            f"cannot write the {what} to {path} ({existing} is not a writable directory)",
            hint="check that the directory exists and is writable",
        )


def check_distinct(targets: dict[str, Path | None]) -> None:
    """Two outputs on one path would overwrite each other: refuse before the run."""
    seen: dict[str, str] = {}
    for what, path in targets.items():
        if path is None or is_stdout(path):
            continue
        key = str(path) if is_s3(path) else os.path.realpath(path)
        if key in seen:
            raise UsageError(
                f"{seen[key]} and {what} both name {path}; one would overwrite the other",
                hint="give each output its own file",
            )
        seen[key] = what


def write_text(path: Path | None, text: str, what: str) -> None:
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    assert path is not None
    check_target(path, what)
    if isinstance(path, S3Path):
        _put_s3(path, text, what)
        return
    try:
        if path.exists() and not path.is_file():  # a FIFO or character device: in place
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"cannot write the {what} to {path} ({exc.strerror or exc})",
            hint="check that the directory exists and is writable",
        ) from None
