"""The price table, estimate_cost and the cost_per_1000_requests calculator."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmops_audit.errors import DefinitionError
from llmops_audit.metrics import run_calculator
from llmops_audit.metrics.cost import attribution_keys, bare_model_id, estimate_cost, load_prices, price_for
from tests.helpers import snapshot

BR = "AWS/Bedrock"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
PRICES = {
    "models": [
        {"match": "claude-3-5-haiku", "input": 0.001, "output": 0.005, "cache_read": 0.0001},
        {"match": "claude-3-5-sonnet", "input": 0.003, "output": 0.015},
    ]
}


def series(metric: str, value: float | None, model: str | None, stat: str = "Sum") -> dict:
    return {
        "namespace": BR,
        "metric": metric,
        "dimensions": {"ModelId": model} if model else {},
        "stat": stat,
        "value": value,
    }


def stats(*s: dict) -> dict:
    return {"period_seconds": 3600, "series": list(s)}


TRAFFIC = stats(
    series("Invocations", 100, HAIKU),
    series("InputTokenCount", 100_000, HAIKU),
    series("OutputTokenCount", 20_000, HAIKU),
    series("CacheReadInputTokenCount", 50_000, HAIKU),
    series("Invocations", 10, SONNET),
    series("InputTokenCount", 10_000, SONNET),
    series("OutputTokenCount", 2_000, SONNET),
    series("Invocations", 110, None),  # the dimensionless aggregate must not be counted twice
    series("Invocations", 5, "cohere.command-r-v1:0"),
    series("InputTokenCount", 500, "cohere.command-r-v1:0"),
    series(
        "Invocations", 7, "anthropic.claude-3-haiku-20240307-v1:0"
    ),  # priced in the shipped table, no tokens
)


def test_estimate_cost_per_model_and_left_out() -> None:
    total, requests, per_model, left_out = estimate_cost(TRAFFIC, PRICES)
    # haiku: 100*0.001 + 20*0.005 + 50*0.0001 = 0.205; sonnet: 10*0.003 + 2*0.015 = 0.06
    assert per_model == pytest.approx({HAIKU: 0.205, SONNET: 0.06})
    assert total == pytest.approx(0.265) and requests == 110
    assert left_out == ["anthropic.claude-3-haiku-20240307-v1:0", "cohere.command-r-v1:0"]
    _, _, _, with_shipped = estimate_cost(TRAFFIC, load_prices(None))
    assert "anthropic.claude-3-haiku-20240307-v1:0 (no token counts)" in with_shipped


def test_cost_per_1000_requests_value_and_breakdown(scope) -> None:
    ce = {
        "total": 42.5,
        "currency": "USD",
        "services": ["Amazon Bedrock"],
        "tag_keys": ["team"],
        "by_tag": {"team": {"support": 40.0, "": 2.5}},
        "errors": [],
    }
    v = run_calculator(
        "cost_per_1000_requests",
        snapshot(scope, cloudwatch__metric_stats=TRAFFIC, ce__cost_by_tag=ce),
        {"prices": PRICES},
    )
    assert v.unit == "USD" and v.value == pytest.approx(1000 * 0.265 / 110)
    assert v.breakdown[f"{HAIKU}: USD per 1,000 requests"] == pytest.approx(2.05)  # that model's own requests
    assert v.breakdown[f"{SONNET}: USD per 1,000 requests"] == pytest.approx(6.0)
    assert v.breakdown["estimated total USD in the period"] == pytest.approx(0.265)
    assert v.breakdown["Cost Explorer: Bedrock UnblendedCost in the period"] == 42.5
    assert v.breakdown["Cost Explorer by tag team=support"] == 40.0
    assert v.breakdown["Cost Explorer by tag team=(untagged)"] == 2.5
    assert "cohere.command-r-v1:0" in v.derivation and "InputTokenCount" in v.derivation


def test_attribution_tags_are_chosen_by_the_metric_from_all_tags_kept(scope) -> None:
    """The collector keeps every active tag's spend; the metric ranks them, so a saved snapshot re-decides."""
    ce = {
        "total": 42.5,
        "currency": "USD",
        "services": ["Amazon Bedrock"],
        "tag_keys": ["Name", "project", "team", "user:CostCenter"],
        "tags_not_grouped": [],
        "by_tag": {
            "Name": {"bot": 42.5},
            "project": {"chat": 42.5},
            "team": {"support": 40.0, "": 2.5},
            "user:CostCenter": {"cc-1": 42.5},
        },
        "errors": [],
    }

    def tag_rows(section: dict) -> set[str]:
        snap = snapshot(scope, cloudwatch__metric_stats=TRAFFIC, ce__cost_by_tag=section)
        v = run_calculator("cost_per_1000_requests", snap, {"prices": PRICES})
        return {k for k in v.breakdown if k.startswith("Cost Explorer by tag")}

    # team, then project, ahead of the cost centre; "Name" attributes nothing
    assert tag_rows(ce) == {
        "Cost Explorer by tag team=support",
        "Cost Explorer by tag team=(untagged)",
        "Cost Explorer by tag project=chat",
    }
    without_team = {**ce, "by_tag": {k: v for k, v in ce["by_tag"].items() if k != "team"}}
    assert tag_rows(without_team) == {
        "Cost Explorer by tag project=chat",
        "Cost Explorer by tag user:CostCenter=cc-1",
    }
    assert tag_rows({**ce, "by_tag": {"Name": {"bot": 42.5}}}) == set()


def test_attribution_keys_rank() -> None:
    assert attribution_keys(["Name", "app", "user:Team", "owner", "UserId"]) == ["UserId", "user:Team"]
    assert attribution_keys(["Name", "owner"]) == []


def test_cost_explorer_section_is_optional(scope) -> None:
    v = run_calculator(
        "cost_per_1000_requests", snapshot(scope, cloudwatch__metric_stats=TRAFFIC), {"prices": PRICES}
    )
    assert v.value == pytest.approx(1000 * 0.265 / 110)
    assert not any(k.startswith("Cost Explorer") for k in v.breakdown)


def test_shipped_prices_are_used_without_params(scope) -> None:
    v = run_calculator(
        "cost_per_1000_requests",
        snapshot(
            scope,
            cloudwatch__metric_stats=stats(
                series("Invocations", 1000, HAIKU),
                series("InputTokenCount", 1_000_000, HAIKU),
                series("OutputTokenCount", 100_000, HAIKU),
            ),
        ),
        {},
    )
    assert v.value == pytest.approx(0.8 + 0.4)  # 1,000 * 0.0008 + 100 * 0.004 per 1,000 requests


def test_no_traffic_is_no_value_never_zero(scope) -> None:
    v = run_calculator(
        "cost_per_1000_requests",
        snapshot(scope, cloudwatch__metric_stats=stats(series("Invocations", None, HAIKU))),
        {"prices": PRICES},
    )
    assert v.value is None and "no Bedrock invocations" in v.reason


def test_only_unpriced_models_is_no_value_naming_them(scope) -> None:
    v = run_calculator(
        "cost_per_1000_requests",
        snapshot(
            scope,
            cloudwatch__metric_stats=stats(
                series("Invocations", 5, "cohere.command-r-v1:0"),
                series("InputTokenCount", 50, "cohere.command-r-v1:0"),
            ),
            ce__cost_by_tag={"total": 3.0, "currency": "USD"},
        ),
        {"prices": PRICES},
    )
    assert v.value is None and "cohere.command-r-v1:0" in v.reason and "--prices" in v.reason
    assert "Cost Explorer shows 3.00 USD" in v.reason


def test_missing_metric_stats_is_no_value(scope) -> None:
    v = run_calculator("cost_per_1000_requests", snapshot(scope), {"prices": PRICES})
    assert v.value is None and v.missing


@pytest.mark.parametrize(
    ("model_id", "match"),
    [
        (SONNET, "claude-3-5-sonnet"),
        ("arn:aws:bedrock:us-east-1:1:inference-profile/eu.amazon.nova-pro-v1:0", "nova-pro"),
        ("global.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5"),
        ("anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4"),
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", "claude-3-haiku"),
        ("meta.llama3-1-70b-instruct-v1:0", "llama3-1-70b"),
        ("mistral.mistral-large-2402-v1:0", "mistral-large-2402"),
        ("amazon.titan-text-express-v1", "titan-text-express"),
    ],
)
def test_shipped_table_matches_common_model_ids(model_id, match) -> None:
    assert price_for(model_id, load_prices(None))["match"] == match


def test_unknown_and_application_profile_ids_have_no_price() -> None:
    prices = load_prices(None)
    assert price_for("cohere.command-r-v1:0", prices) is None
    assert price_for("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc123", prices) is None
    assert (
        bare_model_id("us.anthropic.claude-3-5-haiku-20241022-v1:0") == "anthropic.claude-3-5-haiku-20241022"
    )


def test_user_prices_replace_and_extend(tmp_path: Path) -> None:
    f = tmp_path / "prices.yaml"
    f.write_text(
        "models:\n  - {match: claude-3-5-haiku, input: 0.0005, output: 0.002}\n"
        "  - {match: command-r, input: 0.0005, output: 0.0015}\n"
    )
    prices = load_prices(f)
    assert price_for(HAIKU, prices)["input"] == 0.0005
    assert price_for("cohere.command-r-v1:0", prices)["output"] == 0.0015
    assert price_for(SONNET, prices)["input"] == 0.003  # shipped entries stay
    assert str(f) in prices["sources"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: {a: 1}\n", ":1: models: {'a': 1} is not of type 'array'"),
        ("models:\n  - {input: 1, output: 2}\n", ":2: models[0]: 'match' is a required property"),
        ("models:\n  - {match: x, input: -1, output: 2}\n", ":2: models[0].input (x): -1 is less than"),
        ("models:\n  - {match: x, input: cheap, output: 2}\n", "models[0].input (x): 'cheap' is not of type"),
        ("models:\n  - {match: x, input: 1}\n", "models[0] (x): 'output' is a required property"),
        ("models:\n  - {match: x, input: 1, output: 2, cache: 1}\n", "('cache' was unexpected)"),
        ("models:\n  - {match: x, input: 1, output: .inf}\n", ":2: '.inf' is not a finite number"),
        ("models:\n  - {match: x, input: .nan, output: 1}\n", "'.nan' is not a finite number"),
        ("models: [\n", "invalid YAML"),
    ],
)
def test_bad_price_files_name_the_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(DefinitionError) as exc:
        load_prices(f)
    assert str(f) in str(exc.value) and message in str(exc.value)


def test_missing_price_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="the price table does not exist"):
        load_prices(tmp_path / "nope.yaml")
