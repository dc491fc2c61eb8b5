"""Limits on how much a collector reads, and how a section says it hit one (no silent caps).

A collector asks `limit(ctx, name)` for a limit (the default below, or the value `assess --max-…` passed in
`ctx.options["caps"]`), and when the limit stopped it from reading everything it adds `note(...)` to its
section's "caps" list: {"cap", "what", "read", "of" (None: more exist, how many is unknown), "limit",
"option"}. The report turns each into a notice (pipeline._cap_notices), so a large account is never truncated
silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext


@dataclass(frozen=True)
class Cap:
    default: int
    option: str  # the `assess` option that raises it
    what: str  # what is counted, plural


CAPS = {
    "lambdas": Cap(50, "--max-lambdas", "LLM Lambda functions read in detail"),
    "log_groups": Cap(250, "--max-log-groups", "log groups listed"),
    "metric_series": Cap(5000, "--max-metric-series", "CloudWatch metric series queried"),
    "log_events": Cap(1000, "--max-log-events", "log events read per log group"),
}


def limit(ctx: CollectContext, name: str) -> int:
    """The limit `name` for this collection: `ctx.options["caps"][name]` when given (>= 1), else its default."""
    given = (ctx.options.get("caps") or {}).get(name)
    return max(1, int(given)) if given else CAPS[name].default


def note(name: str, read: int, of: int | None, used: int, where: str = "") -> dict[str, Any]:
    """The record of a limit that bounded a read: `read` of `of` (None: more exist) under limit `used`."""
    cap = CAPS[name]
    return {
        "cap": name,
        "what": cap.what + (f" ({where})" if where else ""),
        "read": read,
        "of": of,
        "limit": used,
        "option": cap.option,
    }
