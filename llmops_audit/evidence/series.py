"""Reading the `cloudwatch.metric_stats` section: one value per (series, statistic) over the audit period.

Section shape (written by collectors/cloudwatch.py):
    {"period_seconds": int, "queries": int, "requests": int, "failed": int, "partial": int,
     "messages": [{"code", "value"}],          # top-level GetMetricData messages
     "inferred": {"queried": int, "found": int},
     "series": [{"namespace": str, "metric": str, "dimensions": {name: value}, "stat": str,
                 "value": float | None,
                 "error"?: str,                # the query could not be read (value None)
                 "partial"?: True,             # CloudWatch returned PartialData
                 "messages"?: [{"code", "value"}],
                 "inferred"?: True}, ...]}     # not listed; named from a listed sibling
`value` is None when CloudWatch returned no data point for the period. A series with `error` is not
"no data": selecting it raises MissingEvidence, so whatever reads it is unknown (a failed read of
InvocationClientErrors must never count as zero errors). `Point.partial` marks PartialData values.

Series are selected by their exact dimension-name set, because CloudWatch keeps e.g. the per-ModelId
series and the dimensionless aggregate apart: summing both would count twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from llmops_audit.evidence.snapshot import MissingEvidence, SectionError

STATS_SECTION = "cloudwatch.metric_stats"


@dataclass(frozen=True)
class Point:
    dimensions: dict[str, str]
    value: float
    partial: bool = False  # CloudWatch answered PartialData for this series

    def label(self) -> str:
        return ", ".join(self.dimensions.values()) or "(all)"


def select(
    stats: dict[str, Any],
    namespace: str,
    metric: str | Iterable[str],
    stat: str,
    dims: Iterable[str] = (),
    match: dict[str, str] | None = None,
) -> list[Point]:
    """Points of `namespace`/`metric` for `stat` whose dimension names are exactly `dims`, with data.

    MissingEvidence when one of the selected series could not be read (its value is unknown, not absent).
    """
    names = {metric} if isinstance(metric, str) else set(metric)
    want = set(dims)
    out = []
    for s in stats.get("series", []):
        if s["namespace"] != namespace or s["metric"] not in names or s["stat"] != stat:
            continue
        if set(s["dimensions"]) != want:
            continue
        if match and any(s["dimensions"].get(k) != v for k, v in match.items()):
            continue
        require_read(s)
        if s["value"] is None:
            continue
        out.append(Point(dict(s["dimensions"]), float(s["value"]), bool(s.get("partial"))))
    return out


def require_read(s: dict[str, Any]) -> None:
    """MissingEvidence when the series' query could not be read: its value is unknown, never zero."""
    if s.get("error"):
        raise MissingEvidence(STATS_SECTION, SectionError("error", "cloudwatch:GetMetricData", _unread(s)))


def _unread(s: dict[str, Any]) -> str:
    dims = ", ".join(f"{k}={v}" for k, v in s["dimensions"].items()) or "no dimensions"
    return f"{s['namespace']} {s['metric']} {s['stat']} ({dims}) could not be read: {s['error']}"


def unread(stats: dict[str, Any]) -> list[str]:
    """Every series of the section whose query could not be read, described (for reasons and notes)."""
    return [_unread(s) for s in stats.get("series", []) if s.get("error")]


def partial(points: Iterable[Point]) -> bool:
    """Whether any of `points` is a PartialData value (a sum over them may be short)."""
    return any(p.partial for p in points)


def total(
    stats: dict[str, Any],
    namespace: str,
    metric: str | Iterable[str],
    stat: str = "Sum",
    dims: Iterable[str] = (),
    match: dict[str, str] | None = None,
) -> float | None:
    """Sum over the selected points; None when no series had data (no data is not zero)."""
    pts = select(stats, namespace, metric, stat, dims, match)
    return sum(p.value for p in pts) if pts else None


def by_dimension(
    stats: dict[str, Any],
    namespace: str,
    metric: str | Iterable[str],
    stat: str,
    dim: str,
) -> dict[str, float]:
    """{dimension value: value} for the series that have exactly the one dimension `dim`."""
    out: dict[str, float] = {}
    for p in select(stats, namespace, metric, stat, (dim,)):
        out[p.dimensions[dim]] = out.get(p.dimensions[dim], 0.0) + p.value
    return out


def discovered(catalog: dict[str, Any], namespace: str, candidates: Iterable[str]) -> list[str]:
    """Which of `candidates` (alternative spellings) exist in the `cloudwatch.metric_catalog` section."""
    names = {m["metric"] for m in catalog.get("metrics", []) if m["namespace"] == namespace}
    return [c for c in candidates if c in names]
