"""Benchmark: how long the demo assessment takes per stage, and how scoring scales. Prints figures only.

    python benchmarks/bench_assess.py [--models 50]

Not a test: speed is reported here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from llmops_audit.aws.access import AwsAccess
from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework
from llmops_audit.model import Scope
from llmops_audit.pipeline import build_report, collect_evidence
from llmops_audit.report import FORMATS
from tests.fake_account.env import demo_account


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=50, help="extra Bedrock model series to seed")
    ap.add_argument("--repeat", type=int, default=20, help="scoring repetitions")
    args = ap.parse_args()

    t0 = time.perf_counter()
    fw = load_framework(builtin_levels_dir())
    t_defs = time.perf_counter() - t0
    with demo_account() as env:
        for i in range(args.models):
            env.put_metric("AWS/Bedrock", "Invocations", {"ModelId": f"bench.model-{i}-v1:0"}, [1.0] * 5)
        now = datetime.now(UTC)
        aws = AwsAccess(env.session, env.region, client_hook=env.canned.attach)
        t0 = time.perf_counter()
        snap = collect_evidence(
            fw, aws, Scope(env.account, env.region, now - timedelta(days=7), now, demo=True)
        )
        t_collect = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        report = build_report(fw, snap)
    t_score = (time.perf_counter() - t0) / args.repeat
    timings = {}
    for name, fn in FORMATS.items():
        t0 = time.perf_counter()
        fn(report)
        timings[name] = time.perf_counter() - t0
    calls = snap.calls
    gmd = sum(1 for c in calls if c["operation"] == "GetMetricData")
    series = len(snap.sections.get("cloudwatch.metric_stats", {}).get("series", []))
    print(f"definitions load      {t_defs * 1000:8.1f} ms")
    print(
        f"evidence collection   {t_collect * 1000:8.1f} ms  ({len(calls)} calls, {gmd} GetMetricData for {series} series)"
    )
    print(
        f"scoring (per run)     {t_score * 1000:8.1f} ms  ({len(report.items)} items, {len(report.metrics)} metric rows)"
    )
    for name, t in timings.items():
        print(f"render {name:14} {t * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
