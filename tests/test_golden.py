"""Golden reports of the recorded demo: any change to what a user sees shows up as a diff here.

Update them, after checking the diff is intended, with:

    UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from llmops_audit.report import render
from tests.helpers import demo_snapshot, report_of

GOLDEN = Path(__file__).parent / "golden"
GENERATED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("fmt", "name"), [("markdown", "demo.md"), ("json", "demo.json")])
def test_demo_report_matches_the_golden_file(fmt: str, name: str) -> None:
    text = render(report_of(demo_snapshot(), generated_at=GENERATED_AT), fmt)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{path} is out of date; if the change is intended: UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py"
    )
