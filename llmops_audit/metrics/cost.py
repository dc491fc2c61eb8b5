"""Cost: the model price table (data), token-based cost estimates, and the cost metric rows."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from llmops_audit import metric_series as ms
from llmops_audit.errors import DefinitionError
from llmops_audit.evidence import Evidence
from llmops_audit.metrics.base import calculator, no_value
from llmops_audit.model import MetricValue

_PREFIX = re.compile(r"^(us|eu|apac|global|jp|au|ca|us-gov)\.")
_FIELDS = ("input", "output", "cache_read", "cache_write")


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read the price table ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}: invalid YAML in the price table: {str(exc).splitlines()[0]}") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise DefinitionError(f"{path}: the price table needs a `models:` list",
                              hint="see llmops_audit/data/prices.yaml for the format")
    for i, m in enumerate(models):
        if not isinstance(m, dict) or not isinstance(m.get("match"), str):
            raise DefinitionError(f"{path}: models[{i}]: each entry needs `match: <model id substring>`")
        for f in _FIELDS:
            if f in m and (not isinstance(m[f], int | float) or m[f] < 0):
                raise DefinitionError(f"{path}: models[{i}] ({m['match']}): `{f}` must be a non-negative number "
                                      f"(USD per 1,000 tokens), not {m[f]!r}")
        if "input" not in m or "output" not in m:
            raise DefinitionError(f"{path}: models[{i}] ({m['match']}): `input` and `output` prices are required")
    return models


def load_prices(path: Path | None) -> dict[str, Any]:
    """The shipped price table, with the user's entries (same `match`) replacing or extending it."""
    shipped = Path(str(resources.files("llmops_audit.data").joinpath("prices.yaml")))
    table = {m["match"]: m for m in _read(shipped)}
    if path is not None:
        table.update({m["match"]: m for m in _read(path)})
    return {"models": list(table.values())}


def price_for(model_id: str, prices: dict[str, Any]) -> dict[str, Any] | None:
    bare = _PREFIX.sub("", model_id.split("/")[-1])
    hits = [m for m in prices.get("models", []) if m["match"] in bare]
    return max(hits, key=lambda m: len(m["match"])) if hits else None


def estimate_cost(
    stats: dict[str, Any], prices: dict[str, Any]
) -> tuple[float | None, float, dict[str, float], list[str]]:
    """(total USD, requests, USD per model, unpriced model ids) from AWS/Bedrock token Sums per ModelId."""
    invocations = ms.by_dimension(stats, "AWS/Bedrock", "Invocations", "Sum", "ModelId")
    tokens = {f: ms.by_dimension(stats, "AWS/Bedrock", names, "Sum", "ModelId") for f, names in (
        ("input", "InputTokenCount"), ("output", "OutputTokenCount"),
        ("cache_read", ("CacheReadInputTokenCount", "CacheReadInputTokens")),
        ("cache_write", ("CacheWriteInputTokenCount", "CacheWriteInputTokens")))}
    per_model: dict[str, float] = {}
    unpriced: list[str] = []
    requests = 0.0
    for model, n in invocations.items():
        price = price_for(model, prices)
        if price is None:
            unpriced.append(model)
            continue
        requests += n
        per_model[model] = sum(tokens[f].get(model, 0.0) / 1000 * float(price.get(f, price["input"]))
                               for f in _FIELDS)
    total = sum(per_model.values()) if per_model else None
    return total, requests, per_model, sorted(unpriced)


@calculator("cost_per_1000_requests", "cloudwatch.metric_stats", "ce.cost_by_tag")
def cost_per_1000_requests(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    prices = params.get("prices") or load_prices(None)
    total, requests, per_model, unpriced = estimate_cost(ev.get("cloudwatch.metric_stats"), prices)
    if total is None or not requests:
        why = "no Bedrock invocations with token counts in the period"
        if unpriced:
            why = f"no price for {', '.join(unpriced)} (add them with --prices)"
        return no_value(f"Cannot estimate cost: {why}.", unit="USD")
    breakdown = {f"{m} (USD per 1,000 requests)": 1000 * v / max(requests, 1) for m, v in per_model.items()}
    breakdown["estimated total for the period (USD)"] = total
    ce = ev.optional("ce.cost_by_tag")
    if ce and ce.get("total") is not None:
        breakdown["Cost Explorer, Bedrock (USD)"] = float(ce["total"])
    derivation = (f"Token Sums per ModelId (AWS/Bedrock InputTokenCount, OutputTokenCount, cache tokens) x the "
                  f"price table, over {requests:,.0f} invocations")
    if unpriced:
        derivation += f"; unpriced and left out: {', '.join(unpriced)}"
    return MetricValue(1000 * total / requests, unit="USD", derivation=derivation, breakdown=breakdown)
