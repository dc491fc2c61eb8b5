"""Cost: the model price table (data), token-based cost estimates, and the cost metric rows.

The price table (llmops_audit/data/prices.yaml, overridable with --prices FILE) lists USD per 1,000 tokens:
    models:
      - {match: claude-3-5-haiku, input: 0.0008, output: 0.004, cache_read: 0.00008, cache_write: 0.001}
A model id is matched after dropping any ARN prefix, cross-Region prefix (us., eu., apac., global. ...) and
version suffix (-v1:0); the longest `match` contained in it wins. Missing cache prices fall back to the input
price. A model without a price is reported as unpriced, never priced at 0.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from llmops_audit.evidence import series as ms
from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.inputs.prices import load_prices
from llmops_audit.metrics import genai
from llmops_audit.metrics.base import calculator
from llmops_audit.model import MetricValue

_PREFIX = re.compile(r"^(us|eu|apac|global|jp|au|ca|us-gov)\.")
_SUFFIX = re.compile(r"(-v\d+)?(:\d+)?(:\d+k)?$")
_FIELDS = ("input", "output", "cache_read", "cache_write")
BR = "AWS/Bedrock"
TOKEN_METRICS = {
    "input": ("InputTokenCount",),
    "output": ("OutputTokenCount",),
    "cache_read": ("CacheReadInputTokenCount", "CacheReadInputTokens"),
    "cache_write": ("CacheWriteInputTokenCount", "CacheWriteInputTokens"),
}
# Tag keys that attribute Bedrock spend (per user / team / application), in order of preference.
ATTRIBUTION_KEYS = (
    "user",
    "userid",
    "user-id",
    "team",
    "tenant",
    "customer",
    "application",
    "app",
    "project",
    "costcenter",
    "cost-center",
    "cost_center",
)
SHOWN_TAG_KEYS = 2


def attribution_keys(tags: list[str]) -> list[str]:
    """The tag keys that look like per-user/team/application attribution, best first (at most two)."""

    def rank(key: str) -> int:
        bare = key.lower().split(":")[-1]
        return ATTRIBUTION_KEYS.index(bare) if bare in ATTRIBUTION_KEYS else len(ATTRIBUTION_KEYS)

    return sorted((k for k in tags if rank(k) < len(ATTRIBUTION_KEYS)), key=rank)[:SHOWN_TAG_KEYS]


def bare_model_id(model_id: str) -> str:
    """`arn:...:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0`
    -> `anthropic.claude-3-5-haiku-20241022`."""
    return _SUFFIX.sub("", _PREFIX.sub("", model_id.split("/")[-1]))


def price_for(model_id: str, prices: dict[str, Any]) -> dict[str, Any] | None:
    bare = bare_model_id(model_id)
    hits = [m for m in prices.get("models", []) if m["match"] in bare]
    return max(hits, key=lambda m: len(m["match"])) if hits else None


def estimate_cost(
    stats: dict[str, Any], prices: dict[str, Any]
) -> tuple[float | None, float, dict[str, float], list[str]]:
    """(total USD, requests, USD per model, models left out) from AWS/Bedrock Sums per ModelId.

    Left out (never counted as 0): models without a price, and models with invocations but no token counts.
    `requests` counts the invocations of the priced models only, so total / requests is a fair average.
    """
    invocations = ms.by_dimension(stats, BR, "Invocations", "Sum", "ModelId")
    tokens = {f: ms.by_dimension(stats, BR, names, "Sum", "ModelId") for f, names in TOKEN_METRICS.items()}
    per_model: dict[str, float] = {}
    left_out: list[str] = []
    requests = 0.0
    for model, n in sorted(invocations.items()):
        if not n:
            continue
        price = price_for(model, prices)
        if price is None:
            left_out.append(model)
            continue
        if model not in tokens["input"] and model not in tokens["output"]:
            left_out.append(f"{model} (no token counts)")
            continue
        requests += n
        per_model[model] = sum(
            tokens[f].get(model, 0.0) / 1000 * float(price.get(f, price["input"])) for f in _FIELDS
        )
    total = sum(per_model.values()) if per_model else None
    return total, requests, per_model, left_out


@calculator("cost_per_1000_requests", "cloudwatch.metric_stats", "ce.cost_by_tag", genai.SPANS)
def cost_per_1000_requests(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    prices = params.get("prices") or load_prices(None)
    stats = ev.get("cloudwatch.metric_stats")
    total, requests, per_model, left_out = estimate_cost(stats, prices)
    invocations = ms.by_dimension(stats, BR, "Invocations", "Sum", "ModelId")
    ce = ev.optional("ce.cost_by_tag")
    if total is None or not requests:
        why = "no Bedrock invocations per ModelId (AWS/Bedrock Invocations Sum) in the period"
        if left_out:
            why = f"no price or no token counts for {', '.join(left_out)} (add prices with --prices FILE)"
        spent = ""
        if ce and ce.get("total") is not None:
            spent = f"; Cost Explorer shows {ce['total']:,.2f} {ce.get('currency') or 'USD'} of Bedrock spend"
        got = genai.span_fallback(
            ev,
            f"the AWS/Bedrock metrics give no estimate ({why})",
            lambda d: _per_1000(d, prices),
            unit="USD",
        )
        if got.value is None:
            why = got.reason.rstrip(".")
            return replace(got, reason=f"Cannot estimate cost: {why[:1].lower()}{why[1:]}{spent}.")
        return replace(got, derivation=got.derivation + spent)
    breakdown: dict[str, float] = {}
    for model, usd in sorted(per_model.items()):
        breakdown[f"{model}: USD per 1,000 requests"] = round(1000 * usd / invocations[model], 6)
        breakdown[f"{model}: estimated USD in the period"] = round(usd, 6)
    breakdown["estimated total USD in the period"] = round(total, 6)
    breakdown["requests (priced models)"] = requests
    derivation = (
        f"AWS/Bedrock token Sums per ModelId (InputTokenCount, OutputTokenCount and the cache-token "
        f"metrics) x the price table (USD per 1,000 tokens), divided by the Invocations Sum "
        f"({requests:,.0f} requests), x 1,000"
    )
    if left_out:
        derivation += f"; left out (unpriced or without token counts): {', '.join(left_out)}"
    if ce and ce.get("total") is not None:
        breakdown["Cost Explorer: Bedrock UnblendedCost in the period"] = round(float(ce["total"]), 6)
        by_tag = ce.get("by_tag") or {}
        for key in sorted(attribution_keys(list(by_tag))):
            for value, amount in sorted(by_tag[key].items(), key=lambda kv: -kv[1])[:10]:
                breakdown[f"Cost Explorer by tag {key}={value or '(untagged)'}"] = round(float(amount), 6)
        derivation += (
            "; Cost Explorer totals (SERVICE "
            + ", ".join(ce.get("services") or ["Amazon Bedrock"])
            + ") shown beside the estimate, not mixed into it"
        )
    return MetricValue(1000 * total / requests, unit="USD", derivation=derivation, breakdown=breakdown)


def _per_1000(spans: dict[str, Any], prices: dict[str, Any]) -> MetricValue:
    """The span sample's cost per request (model-call tokens x the price table), x 1,000."""
    per_request = genai.cost_from_spans(spans, prices)
    if per_request.value is None:
        return per_request
    return replace(
        per_request,
        value=1000 * per_request.value,
        derivation="1,000 x the average cost per request. " + per_request.derivation,
    )
