"""Signs that evaluations may run outside AWS: custom CloudWatch metrics named like evaluation scores.

A CI job (GitHub Actions, Jenkins...) that evaluates the assistant and publishes its scores as custom metrics
leaves no Bedrock evaluation job behind. A metric's name never proves an evaluation (probes/delivery.py
only ever makes the item unknown from it, for a person to attest), but it does show that the absence of
Bedrock evaluation jobs does not prove that testing is manual.

Section shape (names only; no values are read here):
cloudwatch.evaluation_score_metrics: {"metrics": [{"namespace", "metric"}], "complete": bool (the listing was
    read to its end), "listed": int}
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from llmops_audit.collectors.cloudwatch import CUSTOM_PAGES, _list, _listing

if TYPE_CHECKING:
    from llmops_audit.collectors import CollectContext

# words (camelCase and separators split) that name an evaluation score
SCORE_WORDS = {
    "eval",
    "evals",
    "evaluation",
    "evaluations",
    "faithfulness",
    "groundedness",
    "hallucination",
    "hallucinations",
    "correctness",
    "relevance",
    "judge",
    "ragas",
}
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def words(name: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(name or "")}


def evaluation_score_metrics(ctx: CollectContext) -> dict[str, Any]:
    """Custom (non-AWS/) metrics whose name or namespace has an evaluation word. The same unfiltered listing
    as the metric catalogue's custom scan (answered once per collection)."""
    recent = {"RecentlyActive": "PT3H"} if _listing(ctx)["recently_active"] else {}
    rows, complete = _list(ctx, CUSTOM_PAGES, **recent)
    found = sorted(
        {
            (m["Namespace"], m["MetricName"])
            for m in rows
            if not m["Namespace"].startswith("AWS/")
            and (words(m["MetricName"]) | words(m["Namespace"])) & SCORE_WORDS
        }
    )
    return {
        "metrics": [{"namespace": n, "metric": m} for n, m in found],
        "complete": complete,
        "listed": len(rows),
    }


SECTIONS = {"cloudwatch.evaluation_score_metrics": evaluation_score_metrics}
