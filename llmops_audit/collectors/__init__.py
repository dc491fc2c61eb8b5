"""Collectors read AWS through AwsAccess and return plain data, one named section each.

A section is collected only when some probe or metric needs it, after the sections it reads
itself (`ctx.section(...)`). A failed call fails its section, and that failure is recorded with
the IAM action it needed; sections that depend on it fail with a note saying so.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from llmops_audit.aws.access import AwsAccess, AwsCallError
from llmops_audit.collectors import (
    agentcore,
    agents,
    bedrock,
    cloudtrail,
    cloudwatch,
    compute,
    cost,
    delivery,
    discovery,
    evaluation_signals,
    frontdoors,
    gate_metrics,
    genai_observability,
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
    **agentcore.SECTIONS,
    **cloudtrail.SECTIONS,
    **compute.SECTIONS,
    **delivery.SECTIONS,
    **evaluation_signals.SECTIONS,
    **discovery.SECTIONS,
    **frontdoors.SECTIONS,
    **cost.SECTIONS,
    **governance.SECTIONS,
    **gate_metrics.SECTIONS,
    **genai_observability.SECTIONS,
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
        aws.forget()  # one collection, one set of answers: a read two sections need is made once
        self.scope = scope
        self.options = options or {}  # run settings a collector may need, e.g. the policy's custom metrics
        self.data: dict[str, Any] = {}
        self.errors: dict[str, SectionError] = {}
        self._on_section = on_section
        self.lock = threading.Lock()  # data/errors are copied by another thread when a deadline passes
        self.stopped = False  # set when the deadline passed: no further section is started
        self._running: dict[str, threading.Event] = {}  # sections being read, set when read (or failed)
        # The sections this collection was asked for (collect() sets it), so a collector can do one read for
        # several of them (CloudWatch metric queries of every metric section in the same GetMetricData
        # batches), and working state collectors share within the collection (never part of the evidence).
        self.wanted: frozenset[str] = frozenset()
        self.scratch: dict[str, Any] = {}
        self.scratch_lock = (
            threading.RLock()
        )  # sections on several threads share scratch (pooled metric reads)
        self.fatal: list[BaseException] = []  # an AuditError raised on a section thread, re-raised by collect

    def section(self, name: str) -> Any:
        """The data of section `name`, collecting it first if needed; SectionFailed if it could not be.

        Thread-safe: sections are read on several threads (collect's `workers`). A section asked for while
        another thread reads it waits for that reading; one not started yet is read by the thread asking."""
        with self.lock:
            if name in self.errors:
                raise SectionFailed(name, self.errors[name])
            if name in self.data:
                return self.data[name]
            running = self._running.get(name)
            if running is None:
                self._running[name] = threading.Event()
        if running is not None:
            running.wait()
            with self.lock:
                if name in self.data:
                    return self.data[name]
                raise SectionFailed(name, self.errors.get(name) or SectionError("error", name, "not read"))
        try:
            return self._read(name)
        finally:
            self._running[name].set()

    def each(self, work: Callable[[Any], Any], items: Iterable[Any], workers: int = 4) -> list[Any]:
        """work(item) for each item, on up to `workers` daemon threads (per-resource detail reads are
        latency-bound and independent); results in the items' order; the first exception is re-raised
        once all are done, as the same loop run one item after another would have raised it."""
        todo = list(items)
        if len(todo) <= 1 or workers <= 1:
            return [work(x) for x in todo]
        results: list[Any] = [None] * len(todo)
        # each item runs in a copy of the caller's context (made here, in the caller's thread)
        contexts = [contextvars.copy_context() for _ in todo]
        errors: list[tuple[int, BaseException]] = []
        lock = threading.Lock()
        queue = list(range(len(todo)))

        def run() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    i = queue.pop(0)
                try:
                    results[i] = contexts[i].run(work, todo[i])
                except BaseException as exc:  # re-raised in the caller's thread
                    with lock:
                        errors.append((i, exc))

        threads = [threading.Thread(target=run, daemon=True) for _ in range(min(workers, len(todo)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise min(errors, key=lambda e: e[0])[1]
        return results

    def _read(self, name: str) -> Any:
        if name not in SECTIONS:
            self._fail(name, SectionError("unsupported", name, f"no collector reads {name} yet"))
        if self.stopped:
            self._fail(name, DEADLINE_PASSED(name))
        if self._on_section:
            self._on_section(name)
        try:
            value = plain(SECTIONS[name](self))
        except AwsCallError as exc:
            self._fail(name, SectionError(exc.kind, exc.action, str(exc)[:300]))
        except SectionFailed as dep:
            self._fail(
                name,
                SectionError("dependency", dep.error.action, f"needs {dep.name}, and {dep.error.describe()}"),
            )
        except AuditError:
            raise  # the run cannot go on (credentials rejected, endpoint unreachable)
        except (
            Exception
        ) as exc:  # a collector bug or an answer of a shape it did not expect: this section only
            why = f"the collector failed on an unexpected answer ({type(exc).__name__}: {str(exc)[:200]})"
            self._fail(name, SectionError("error", name, why))
        with self.lock:
            self.data[name] = value
        return value

    def _fail(self, name: str, error: SectionError) -> NoReturn:
        with self.lock:
            self.errors[name] = error
        raise SectionFailed(name, error)


def DEADLINE_PASSED(name: str) -> SectionError:  # noqa: N802 - reads as a constant at the call sites
    return SectionError("deadline", name, "not read: the deadline passed")


# Sections read at the same time within one scope: AWS calls are latency-bound, and each section mostly
# waits on its own requests. Threads are daemons so that a call hanging past --deadline cannot keep the
# process alive.
SECTION_WORKERS = 8


def _collect_all(ctx: CollectContext, names: list[str], workers: int = SECTION_WORKERS) -> None:
    todo = list(names)
    take = threading.Lock()

    def work() -> None:
        while True:
            with take:
                if not todo or ctx.stopped:
                    return
                name = todo.pop(0)
            try:
                ctx.section(name)
            except SectionFailed:
                pass  # recorded in ctx.errors; the probes that need it will say unknown
            except BaseException as exc:  # the run cannot go on: stop the others, re-raise in the caller
                with take:
                    ctx.fatal.append(exc)
                    ctx.stopped = True
                return

    threads = [
        threading.Thread(target=work, name=f"llmops-audit-section-{i}", daemon=True)
        for i in range(max(1, min(workers, len(todo))))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if ctx.fatal:
        raise ctx.fatal[0]


def collect(
    aws: AwsAccess,
    scope: Scope,
    names: Iterable[str],
    on_section: Callable[[str], None] | None = None,
    options: dict[str, Any] | None = None,
    deadline: float | None = None,
) -> EvidenceSnapshot:
    """Collect `names`. With a `deadline` (time.monotonic()), reading stops there: what was read is kept,
    every section not read by then is failed as "not read: the deadline passed", even one whose call hangs."""
    ctx = CollectContext(aws, scope, on_section, options)
    wanted = sorted(set(names))
    ctx.wanted = frozenset(wanted)
    if deadline is None:
        _collect_all(ctx, wanted)
        return _snapshot(ctx, scope, wanted)
    done = threading.Event()
    failure: list[BaseException] = []

    def work() -> None:
        try:
            _collect_all(ctx, wanted)
        except BaseException as exc:  # re-raised in the caller's thread below
            failure.append(exc)
        finally:
            done.set()

    # A daemon thread: a call that hangs past the deadline is abandoned, and cannot keep the process alive.
    threading.Thread(target=work, name="llmops-audit-collect", daemon=True).start()
    finished = done.wait(max(0.0, deadline - time.monotonic()))
    if failure:
        raise failure[0]
    if not finished:
        ctx.stopped = True
    return _snapshot(ctx, scope, wanted)


def _snapshot(ctx: CollectContext, scope: Scope, wanted: list[str]) -> EvidenceSnapshot:
    with ctx.lock:
        data, errors = dict(ctx.data), dict(ctx.errors)
    for name in wanted:
        if name not in data and name not in errors:
            errors[name] = DEADLINE_PASSED(name)
    return EvidenceSnapshot(scope=scope, sections=data, errors=errors, calls=_in_order(ctx.aws.calls))


def _in_order(calls: list[Any]) -> list[dict[str, Any]]:
    """The call records in a stable order: sections are read on several threads, so the order the calls
    were made in varies from run to run; the record is of what was called, and how it went."""
    records = [c.to_dict() for c in list(calls)]
    return sorted(
        records, key=lambda c: (c["service"], c["operation"], c["region"], c["outcome"], c["error_code"])
    )
