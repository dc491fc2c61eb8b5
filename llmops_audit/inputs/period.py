"""Parse the audit period: --period 7d (default) or --since/--until."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from llmops_audit.errors import UsageError

_SPAN = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_span(text: str) -> timedelta:
    m = _SPAN.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise UsageError(f"--period '{text}' is not a duration", hint="use e.g. 24h, 7d, 2w or 30d")
    too_long = UsageError(f"--period '{text}' is longer than CloudWatch keeps data (455 days)")
    if len(m.group(1)) > 7:
        raise too_long
    span = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    if span > timedelta(days=455):
        raise UsageError(f"--period '{text}' is longer than CloudWatch keeps data (455 days)")
    return span


def parse_instant(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} '{text}' is not a date or time",
            hint="use ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def resolve_period(
    period: str, since: str | None, until: str | None, now: datetime
) -> tuple[datetime, datetime]:
    end = parse_instant(until, "--until") if until else now
    span = parse_span(period) if not since else None
    try:
        start = parse_instant(since, "--since") if since else end - (span or timedelta(0))
    except OverflowError:
        raise UsageError(
            f"--until {end:%Y-%m-%d} minus --period {period} is before the year 1",
            hint="pass a later --until or a shorter --period",
        ) from None
    if start >= end:
        raise UsageError(
            f"the period is empty: --since {start:%Y-%m-%d %H:%M} is not before the end {end:%Y-%m-%d %H:%M}"
        )
    if end > now + timedelta(days=1):
        raise UsageError(f"--until {end:%Y-%m-%d} is in the future")
    return start, end


_DEADLINE = re.compile(r"^\s*(\d{1,6})\s*([smh])\s*$")


def parse_deadline(text: str) -> float:
    """--deadline 90s / 20m / 1h -> seconds."""
    m = _DEADLINE.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise UsageError(f"--deadline '{text}' is not a duration", hint="use e.g. 90s, 20m or 1h")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
