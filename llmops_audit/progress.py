"""Progress on stderr: a rich bar on a terminal (scopes done/total and the section being read); without a
terminal nothing while the run goes, then one summary line; with --quiet nothing at all."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO


class RunProgress:
    """Used as the FleetProgress of a run (llmops_audit/fleet.py) and as a single scope's on_section."""

    def __init__(self, quiet: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = not quiet and self.stream.isatty()
        self.started = time.monotonic()
        self.total = 0
        self.done = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("[bold]Auditing[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}", style="dim"),
                console=Console(file=self.stream, stderr=self.stream is sys.stderr),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting…", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    # -- FleetProgress -------------------------------------------------------------------------

    def planned(self, total: int) -> None:
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def section(self, scope: str, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"{scope}: {name}"[:70])

    def finished(self, scope: str, ok: bool) -> None:
        with self._lock:
            self.done += 1
            self.failed += 0 if ok else 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)

    # -- one scope -----------------------------------------------------------------------------

    def one(self, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"reading {name}"[:70])

    def summary(self, line: str) -> None:
        """The final line (on a terminal too, after the bar is gone), unless --quiet."""
        if not self.quiet:
            took = time.monotonic() - self.started
            print(f"llmops-audit: {line} ({took:.1f} s)", file=self.stream)
