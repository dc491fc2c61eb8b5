"""Reading the `cloudwatch.metric_stats` section: one value per (series, statistic) over the audit period.

Section shape (written by collectors/cloudwatch.py):
    {"period_seconds": int,
     "series": [{"namespace": str, "metric": str, "dimensions": {name: value}, "stat": str,
                 "value": float | None}, ...]}
`value` is None when CloudWatch returned no data point for the period.

Series are selected by their exact dimension-name set, because CloudWatch keeps e.g. the per-ModelId
series and the dimensionless aggregate apart: summing both would count twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Point:
    dimensions: dict[str, str]
    value: float

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
    """Points of `namespace`/`metric` for `stat` whose dimension names are exactly `dims`, with data."""
    names = {metric} if isinstance(metric, str) else set(metric)
    want = set(dims)
    out = []
    for s in stats.get("series", []):
        if s["namespace"] != namespace or s["metric"] not in names or s["stat"] != stat:
            continue
        if set(s["dimensions"]) != want or s["value"] is None:
            continue
        if match and any(s["dimensions"].get(k) != v for k, v in match.items()):
            continue
        out.append(Point(dict(s["dimensions"]), float(s["value"])))
    return out


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
