from datetime import UTC, datetime, timedelta

import pytest

from llmops_audit.errors import UsageError
from llmops_audit.inputs.period import parse_span, resolve_period

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("7d", timedelta(days=7)),
        ("24h", timedelta(hours=24)),
        ("2w", timedelta(weeks=2)),
        ("90m", timedelta(minutes=90)),
    ],
)
def test_spans(text, span) -> None:
    assert parse_span(text) == span


@pytest.mark.parametrize("bad", ["", "7", "d7", "0d", "7y", "600d"])
def test_bad_spans_are_usage_errors(bad) -> None:
    with pytest.raises(UsageError):
        parse_span(bad)


def test_since_until_override_period() -> None:
    start, end = resolve_period("7d", "2026-11-01", "2026-11-10T06:00:00Z", NOW)
    assert start == datetime(2026, 11, 1, tzinfo=UTC)
    assert end == datetime(2026, 11, 10, 6, tzinfo=UTC)


def test_empty_period_rejected() -> None:
    with pytest.raises(UsageError, match="empty"):
        resolve_period("7d", "2026-11-10", "2026-11-01", NOW)
