"""Benchmark: recording the demo (seed + collect the fake account) and scoring a recorded snapshot, per stage.

    python benchmarks/bench_assess.py [--models 50] [--repeat 20]

Run it from the repository root with the test extra installed (the fake account needs moto). The recording
is the one `python -m tests.fake_account.record` makes, plus `--models` extra Bedrock model series to show
how collection and scoring scale; scoring is timed on the shipped llmops_audit/data/demo-evidence.json and
on the snapshot recorded here. Prints figures only.

Not a test: speed is reported here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `tests` is a package of the checkout

from llmops_audit.engine.gates import evaluate_gates  # noqa: E402
from llmops_audit.engine.maturity import achieved_level, summarise_levels  # noqa: E402
from llmops_audit.engine.scoring import measure_metrics, score_items  # noqa: E402
from llmops_audit.evidence.snapshot import EvidenceSnapshot  # noqa: E402
from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework  # noqa: E402
from llmops_audit.inputs.policy import load_policy  # noqa: E402
from llmops_audit.inputs.prices import load_prices  # noqa: E402
from tests.fake_account.record import (  # noqa: E402
    RECORDED_AT,
    SNAPSHOT_PATH,
    collect_account,
    recorded_sections,
    seeded_account,
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """fn's result and its mean wall time over `repeat` runs."""
    t0 = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    return out, (time.perf_counter() - t0) / repeat


def score(label: str, fw: Any, snap: EvidenceSnapshot, policy: dict, prices: dict, repeat: int) -> None:
    items, t_items = _timed(lambda: score_items(fw, snap), repeat)
    metrics, t_metrics = _timed(lambda: measure_metrics(fw, snap, {"prices": prices}), repeat)
    level, t_level = _timed(lambda: achieved_level(fw, summarise_levels(fw, items)), repeat)
    gates, t_gates = _timed(lambda: evaluate_gates(snap, policy, None, prices), repeat)
    series = len(snap.sections.get("cloudwatch.metric_stats", {}).get("series", []))
    print(f"scoring {label} ({series} metric series; mean of {repeat} runs)")
    print(f"  items                 {_ms(t_items)}  ({len(items)} items)")
    print(f"  metric rows           {_ms(t_metrics)}  ({len(metrics)} rows)")
    print(f"  level                 {_ms(t_level)}  (level {level})")
    print(f"  gates                 {_ms(t_gates)}  ({len(gates)} gates)")
    print(f"  total                 {_ms(t_items + t_metrics + t_level + t_gates)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=50, help="extra Bedrock model series to seed")
    ap.add_argument("--repeat", type=int, default=20, help="scoring repetitions")
    args = ap.parse_args()

    fw, t_defs = _timed(lambda: load_framework(builtin_levels_dir()))
    (policy, prices), t_inputs = _timed(lambda: (load_policy(None), load_prices(None)))
    sections, t_sections = _timed(recorded_sections)
    print("recording the fake account")
    print(f"  definitions load      {_ms(t_defs)}")
    print(f"  policy + prices load  {_ms(t_inputs)}")
    print(f"  sections to record    {_ms(t_sections)}  ({len(sections)} sections, every shipped framework)")

    t0 = time.perf_counter()
    with seeded_account(RECORDED_AT) as env:
        t_seed = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i in range(args.models):
            env.put_metric("AWS/Bedrock", "Invocations", {"ModelId": f"bench.model-{i}-v1:0"}, [1.0] * 5)
        t_extra = time.perf_counter() - t0
        recorded, t_collect = _timed(lambda: collect_account(env, RECORDED_AT))
    calls = recorded.calls
    gmd = sum(1 for c in calls if c["operation"] == "GetMetricData")
    print(f"  seed                  {_ms(t_seed)}")
    print(f"  seed {args.models:3} extra models  {_ms(t_extra)}")
    print(f"  collect               {_ms(t_collect)}  ({len(calls)} calls, {gmd} GetMetricData)")
    text, t_dump = _timed(recorded.to_json)
    print(f"  to JSON               {_ms(t_dump)}  ({len(text.encode('utf-8')):,} bytes)")

    shipped, t_load = _timed(lambda: EvidenceSnapshot.load(SNAPSHOT_PATH))
    print(f"load shipped snapshot   {_ms(t_load)}  ({SNAPSHOT_PATH.stat().st_size:,} bytes)")
    score("the shipped snapshot", fw, shipped, policy, prices, args.repeat)
    score(f"the snapshot recorded here (+{args.models} models)", fw, recorded, policy, prices, args.repeat)


if __name__ == "__main__":
    main()
