"""Where reports and saved evidence are written: checked before the run, written so nothing is lost.

- `-` is standard output.
- A new path or an existing regular file is written atomically: a temporary file beside it, renamed over it,
  so a reader never sees half a report and a failed write leaves the old file as it was.
- An existing FIFO or character device (`/dev/stdout`, a named pipe a consumer reads) is written in place:
  pointing the tool at one is a clear intent, and renaming over it would replace it with a regular file.
- A symbolic link, a directory, a block device or a socket is refused: replacing a link would silently
  write somewhere else, and nothing good comes of writing a report onto a disk.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from llmops_audit.errors import OutputError, UsageError

STDOUT = "-"


def is_stdout(path: Path | None) -> bool:
    return path is None or str(path) == STDOUT


def check_target(path: Path, what: str) -> None:
    """Refuse, before any AWS call, a target that cannot or must not be written."""
    if is_stdout(path):
        return
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
        key = os.path.realpath(path)
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
