"""A pytest plugin that records which metric calculators each passing test really runs.

Used by tests/test_coverage_doc.py, which runs tests/metrics with it in a subprocess:
`python -m pytest tests/metrics -p tests.calculator_recorder` with LLMOPS_RECORD_CALCULATORS=FILE.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import pytest

_current: list[str] = []
_calls: dict[str, set[str]] = {}
_passed: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    from llmops_audit.metrics import CALCULATORS

    for cid, calc in list(CALCULATORS.items()):
        CALCULATORS[cid] = replace(calc, fn=_recording(cid, calc.fn))


def _recording(cid: str, fn: Any) -> Any:
    def run(ev: Any, params: dict[str, Any]) -> Any:
        if _current:
            _calls.setdefault(cid, set()).add(_current[-1])
        return fn(ev, params)

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    _current.append(item.nodeid)
    yield
    _current.pop()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        _passed.add(report.nodeid)


def pytest_unconfigure(config: pytest.Config) -> None:
    out = os.environ.get("LLMOPS_RECORD_CALCULATORS")
    if out:
        tested = {cid: sorted(t for t in tests if t in _passed) for cid, tests in _calls.items()}
        with open(out, "w", encoding="utf-8") as f:
            json.dump(tested, f, indent=1, sort_keys=True)
