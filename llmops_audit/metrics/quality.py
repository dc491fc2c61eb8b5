"""Metric calculators: quality scores from Bedrock evaluation jobs (scores read from their S3 output)."""

from __future__ import annotations

from typing import Any

from llmops_audit.evidence.snapshot import Evidence
from llmops_audit.metrics.base import calculator, no_value
from llmops_audit.model import MetricValue
from llmops_audit.probes.bedrock import when
from llmops_audit.probes.params import Param

FALLBACK_METRICS = ("Builtin.Faithfulness", "Builtin.Correctness")


def _in_period(ev: Evidence, job: dict[str, Any]) -> bool:
    t = when(job.get("creationTime"))
    return t is not None and ev.scope.start <= t <= ev.scope.end


def _period_jobs(ev: Evidence) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(completed jobs created in the audit period, the same for the errors list), newest first."""
    data = ev.get("bedrock.evaluation_jobs")
    jobs = [j for j in data["jobs"] if j["status"] == "Completed" and _in_period(ev, j)]
    return sorted(jobs, key=lambda j: str(j["creationTime"]), reverse=True), data.get("errors") or []


def _missing(errors: list[dict[str, Any]], jobs: list[dict[str, Any]]) -> tuple[str, ...]:
    wanted = {j["name"] for j in jobs}
    return tuple(
        sorted(
            {
                e["action"]
                for e in errors
                if any(f"evaluation job {n}" in e.get("resource", "") for n in wanted)
            }
        )
    )


def _label(job: dict[str, Any]) -> str:
    return f"{job['name']} ({str(job['creationTime'])[:10]})"


@calculator(
    "eval_score",
    "bedrock.evaluation_jobs",
    params={
        "metric": Param(str, default="Builtin.Faithfulness", help="the evaluation metric to average"),
        "as_percent": Param(bool, default=False, help="report 0-100 % instead of a 0-1 score"),
    },
)
def eval_score(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    metric = str(params.get("metric", "Builtin.Faithfulness"))
    as_percent = bool(params.get("as_percent", False))
    unit = "%" if as_percent else "score (0-1)"
    jobs, errors = _period_jobs(ev)
    used = [
        j
        for j in jobs
        if metric in (j.get("metricNames") or []) or metric in ((j.get("scores") or {}).get("metrics") or {})
    ]
    if not used:
        unread = [j for j in jobs if not j.get("detail")]
        if unread:
            return MetricValue(
                None,
                unit=unit,
                reason=(
                    f"No readable completed evaluation job in the period used {metric}; the configuration of "
                    f"{', '.join(j['name'] for j in unread)} could not be read."
                ),
                missing=_missing(errors, unread),
            )
        return no_value(f"No completed Bedrock evaluation job in the period used {metric}.", unit=unit)
    total = count = 0.0
    breakdown: dict[str, float] = {}
    for j in used:
        m = ((j.get("scores") or {}).get("metrics") or {}).get(metric)
        if not m or not m.get("count"):
            continue
        total += m["mean"] * m["count"]
        count += m["count"]
        breakdown[_label(j)] = round(m["mean"] * (100 if as_percent else 1), 4)
    if not count:
        return MetricValue(
            None,
            unit=unit,
            reason=(
                f"Evaluation job {', '.join(j['name'] for j in used)} used {metric}, but no scores could be "
                f"read from "
                "its S3 output (*_output.jsonl)."
            ),
            missing=_missing(errors, used),
        )
    mean = total / count
    return MetricValue(
        round(mean * (100 if as_percent else 1), 4),
        unit=unit,
        derivation=(
            f"Mean {metric} score over {int(count)} evaluated records of {len(breakdown)} completed Bedrock "
            "evaluation job(s) created in the period, read from automatedEvaluationResult.scores in "
            "the jobs' "
            "S3 output files" + (" (x100)." if as_percent else ".")
        ),
        breakdown=breakdown,
    )


@calculator(
    "hallucination_rate",
    "bedrock.evaluation_jobs",
    params={"threshold": Param(float, default=0.5, min=0, max=1, help="a record scoring below this counts")},
)
def hallucination_rate(ev: Evidence, params: dict[str, Any]) -> MetricValue:
    threshold = float(params.get("threshold", 0.5))
    jobs, errors = _period_jobs(ev)
    for metric in FALLBACK_METRICS:
        below = n = 0
        breakdown: dict[str, float] = {}
        for j in jobs:
            scores = ((j.get("scores") or {}).get("record_scores") or {}).get(metric) or []
            if not scores:
                continue
            low = sum(1 for s in scores if s < threshold)
            below += low
            n += len(scores)
            breakdown[_label(j)] = round(100.0 * low / len(scores), 2)
        if n:
            return MetricValue(
                round(100.0 * below / n, 2),
                unit="%",
                derivation=(
                    f"Share of {n} records scored by an LLM judge with {metric} below {threshold} "
                    f"({below} records), over {len(breakdown)} completed Bedrock evaluation job(s) created "
                    "in the period; scores read from the jobs' S3 output files."
                ),
                breakdown=breakdown,
            )
    candidates = [j for j in jobs if set(j.get("metricNames") or []) & set(FALLBACK_METRICS)]
    if candidates:
        return MetricValue(
            None,
            unit="%",
            reason=(
                f"Evaluation job {', '.join(j['name'] for j in candidates)} measured faithfulness or "
                "correctness, but no "
                "per-record scores could be read from its S3 output."
            ),
            missing=_missing(errors, candidates),
        )
    return no_value(
        "No completed Bedrock evaluation job in the period scored Builtin.Faithfulness or "
        "Builtin.Correctness, so there is no hallucination rate.",
        unit="%",
    )
