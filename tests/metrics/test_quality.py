"""Quality calculators over evaluation-job evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from llmops_audit.metrics import run_calculator
from tests.helpers import snapshot


def job(scope, name, days_ago, metrics, record_scores=None, status="Completed"):
    return {
        "arn": f"arn:{name}",
        "name": name,
        "status": status,
        "jobType": "Automated",
        "detail": True,
        "creationTime": (scope.end - timedelta(days=days_ago)).isoformat(),
        "metricNames": list(metrics),
        "scores": {"records": 4, "metrics": metrics, "record_scores": record_scores or {}},
    }


def snap(scope, *jobs):
    return snapshot(scope, bedrock__evaluation_jobs={"jobs": list(jobs), "errors": []})


def test_eval_score_weighted_mean_over_jobs_in_period(scope):
    s = snap(
        scope,
        job(scope, "a", 1, {"Builtin.ContextRelevance": {"mean": 0.9, "count": 10}}),
        job(scope, "b", 2, {"Builtin.ContextRelevance": {"mean": 0.6, "count": 30}}),
        job(scope, "old", 60, {"Builtin.ContextRelevance": {"mean": 0.0, "count": 100}}),
        job(scope, "failed", 1, {"Builtin.ContextRelevance": {"mean": 0.0, "count": 100}}, status="Failed"),
    )
    v = run_calculator("eval_score", s, {"metric": "Builtin.ContextRelevance"})
    assert v.value == pytest.approx(0.675)
    assert v.unit == "score (0-1)"
    assert len(v.breakdown) == 2 and "Builtin.ContextRelevance" in v.derivation


def test_eval_score_as_percent(scope):
    s = snap(scope, job(scope, "a", 1, {"Builtin.Refusal": {"mean": 0.8, "count": 5}}))
    v = run_calculator("eval_score", s, {"metric": "Builtin.Refusal", "as_percent": True})
    assert v.value == pytest.approx(80.0) and v.unit == "%"


def test_eval_score_no_value_without_jobs_using_the_metric(scope):
    s = snap(scope, job(scope, "a", 1, {"Builtin.Faithfulness": {"mean": 0.8, "count": 5}}))
    v = run_calculator("eval_score", s, {"metric": "Builtin.Refusal"})
    assert v.value is None and "Builtin.Refusal" in v.reason
    assert run_calculator("eval_score", snap(scope), {"metric": "Builtin.Refusal"}).value is None


def test_eval_score_no_value_when_scores_unreadable(scope):
    j = job(scope, "a", 1, {})
    j["metricNames"], j["scores"] = ["Builtin.Faithfulness"], None
    v = run_calculator("eval_score", snap(scope, j), {"metric": "Builtin.Faithfulness"})
    assert v.value is None and "no scores could be read" in v.reason


def test_hallucination_rate_uses_faithfulness_then_correctness(scope):
    s = snap(scope, job(scope, "a", 1, {}, {"Builtin.Faithfulness": [0.2, 0.4, 0.6, 0.9]}))
    v = run_calculator("hallucination_rate", s, {"threshold": 0.5})
    assert v.value == pytest.approx(50.0) and v.unit == "%"
    v = run_calculator("hallucination_rate", s, {"threshold": 0.3})
    assert v.value == pytest.approx(25.0)
    s = snap(scope, job(scope, "a", 1, {}, {"Builtin.Correctness": [0.1, 0.9]}))
    v = run_calculator("hallucination_rate", s, {"threshold": 0.5})
    assert v.value == pytest.approx(50.0) and "Builtin.Correctness" in v.derivation


def test_hallucination_rate_judges_saved_record_scores_and_ignores_other_metrics(scope):
    """The collector keeps every metric's record scores unjudged; the threshold is applied here."""
    scores = {"Builtin.Helpfulness": [0.0, 0.0, 0.0], "Builtin.Faithfulness": [0.2, 0.9]}
    s = snap(scope, job(scope, "a", 1, {}, scores))
    assert run_calculator("hallucination_rate", s, {"threshold": 0.5}).value == pytest.approx(50.0)
    scores["Builtin.Faithfulness"] = [0.6, 0.9]  # the saved snapshot changed: the rate follows
    s = snap(scope, job(scope, "a", 1, {}, scores))
    assert run_calculator("hallucination_rate", s, {"threshold": 0.5}).value == pytest.approx(0.0)
    s = snap(scope, job(scope, "a", 1, {}, {"Builtin.Helpfulness": [0.0, 0.0]}))
    assert run_calculator("hallucination_rate", s, {"threshold": 0.5}).value is None


def test_hallucination_rate_no_value_without_scores(scope):
    assert run_calculator("hallucination_rate", snap(scope), {"threshold": 0.5}).value is None
    j = job(scope, "a", 1, {})
    j["metricNames"], j["scores"] = ["Builtin.Faithfulness"], None
    v = run_calculator("hallucination_rate", snap(scope, j), {"threshold": 0.5})
    assert v.value is None and "per-record scores" in v.reason
