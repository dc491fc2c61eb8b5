"""Benchmark a multi-scope assessment against a seeded moto server (issue 13, point 8). Not a test.

    python -m benchmarks.run [--accounts 1] [--regions 1] [--workers 4] [--latency-ms 0] [--json]

Run it from the repository root with the test extra installed (`pip install -e '.[test]'`: moto[server]).

1. Starts moto's ThreadedMotoServer on 127.0.0.1 (a free port) in a child process (benchmarks/server.py),
   behind a front that can add a fixed latency per request and records every request of the measured run.
2. Seeds an Organization of N accounts and, in each account x Region, the workload of benchmarks/seed.py.
3. After an unmeasured warm-up audit of an empty Region (one-time imports in the tool and in moto fall
   outside the figures), audits every scope in-process, as `llmops-audit assess --org-role OrganizationAccountAccessRole
   --regions R1,R2.. --max-workers W` does (llmops_audit.fleet.Fleet; the full five-level framework, the
   shipped policy and prices, the last 7 days), with AWS_ENDPOINT_URL pointing at the server and the
   tool's own retry defaults (AWS_RETRY_MODE / AWS_MAX_ATTEMPTS are cleared).
4. Prints wall time, peak memory, calls per service, metric queries, and calls made / the lower bound:
      lower bound = distinct requests other than GetMetricData (same signing key, Region, method, path,
                    query, X-Amz-Target and body: a repeat is a call whose answer the run already had)
                  + sum over scopes of ceil(metric queries of the scope / 500)
   Requests are counted at the server (retries included); the tool's own call records (the snapshots'
   `calls`) give calls per service and the metric queries of each scope.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "sa-east-1",
)
METRIC_QUERIES_PER_REQUEST = 500  # GetMetricData's limit of queries per request


@contextmanager
def moto_server(latency_ms: float) -> Iterator[str]:
    """The endpoint URL of a fresh moto server (benchmarks/server.py) in a child process."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--latency-ms", str(latency_ms)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(
                f"error: the moto server did not start (got {line!r}); is moto[server] installed?"
            )
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _control(endpoint: str, what: str) -> Any:
    method = "POST" if what == "arm" else "GET"
    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/__bench/{what}", method=method)) as r:
        return json.loads(r.read())


def _aws_environment(endpoint: str) -> None:
    """Fake credentials of the management account, the server as every service's endpoint, nothing from
    the caller's own AWS configuration, and the tool's own retry defaults."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "benchmark-not-a-key",
            "AWS_SECRET_ACCESS_KEY": "benchmark-not-a-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )


class RssSampler:
    """Resident memory of this process, sampled every 20 ms while the audit runs (Linux /proc)."""

    def __init__(self) -> None:
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @staticmethod
    def _rss() -> int:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            return pages * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB

    def _loop(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


WARM_UP_REGION = "eu-north-1"  # not in REGIONS: nothing is seeded there


def audit(regions: list[str], workers: int, org_role: str | None) -> tuple[Any, list[Any], float, RssSampler]:
    """The Organization's scopes audited as `assess --org-role ... --regions ...` does (without org_role:
    the base credentials' account); with the evidence snapshot of each scope (its `calls` records), the
    wall time and the memory figures."""
    from llmops_audit import fleet as fleet_mod
    from llmops_audit.fleet import Fleet, ScopeOptions
    from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework
    from llmops_audit.inputs.policy import load_policy
    from llmops_audit.inputs.prices import load_prices
    from llmops_audit.pipeline import AuditRequest

    now = datetime.now(UTC).replace(microsecond=0)
    request = AuditRequest(
        framework=load_framework(builtin_levels_dir()),
        policy=load_policy(None),
        prices=load_prices(None),
        start=now - timedelta(days=7),
        end=now,
        generated_at=now,
        deadline_s=1800,
    )
    snapshots: list[Any] = []
    lock = threading.Lock()
    real_run = fleet_mod.run

    def keep_evidence(req: Any, source: Any, **kw: Any) -> Any:
        def on_evidence(snapshot: Any) -> None:
            with lock:
                snapshots.append(snapshot)

        return real_run(req, source, on_evidence=on_evidence, **kw)

    fleet_mod.run = keep_evidence  # type: ignore[assignment]  # the same pipeline, evidence kept
    try:
        options = ScopeOptions(org_role=org_role, regions=tuple(regions), max_workers=workers)
        with RssSampler() as memory:
            started = time.perf_counter()
            report = Fleet(options).run(request)
            wall = time.perf_counter() - started
    finally:
        fleet_mod.run = real_run
    return report, snapshots, wall, memory


def figures(
    report: Any,
    snapshots: list[Any],
    wire: list[dict[str, str]],
    wall: float,
    memory: RssSampler,
    latency_ms: float,
) -> dict[str, Any]:
    calls = [c for s in snapshots for c in s.calls]
    per_service = Counter(c["service"] for c in calls)
    outcomes = Counter(c["outcome"] for c in calls)
    queries_per_scope = [sum(c.get("metrics", 0) for c in s.calls) for s in snapshots]
    metric_requests = sum(1 for c in calls if c["operation"] == "GetMetricData")

    def is_metric_data(r: dict[str, str]) -> bool:
        return r["service"] == "monitoring" and r["operation"] == "GetMetricData"

    keyed = [(r["key_id"], r["region"], r["request"]) for r in wire if not is_metric_data(r)]
    distinct = len(set(keyed))
    bound = distinct + sum(math.ceil(q / METRIC_QUERIES_PER_REQUEST) for q in queries_per_scope)
    repeats = Counter((r["service"], r["operation"]) for r in wire if not is_metric_data(r))
    first = Counter(
        (r["service"], r["operation"])
        for r in {(r["key_id"], r["region"], r["request"]): r for r in wire if not is_metric_data(r)}.values()
    )
    repeated = {f"{s}:{o}": n - first[(s, o)] for (s, o), n in repeats.items() if n > first[(s, o)]}
    scopes = len(report.reports)
    return {
        "scopes": scopes,
        "failed_scopes": [f"{f.label}: {f.reason}" for f in report.failures],
        "wall_s": round(wall, 3),
        "wall_per_scope_s": round(wall / scopes, 3) if scopes else None,
        "peak_rss_mib": round(memory.peak / 2**20, 1),
        "rss_growth_mib": round((memory.peak - memory.start) / 2**20, 1),
        "rss_growth_per_scope_mib": round((memory.peak - memory.start) / 2**20 / scopes, 2)
        if scopes
        else None,
        "calls_recorded": len(calls),
        "calls_per_service": dict(sorted(per_service.items())),
        "outcomes": dict(sorted(outcomes.items())),
        "http_requests": len(wire),
        "http_requests_per_service": dict(sorted(Counter(r["service"] for r in wire).items())),
        "metric_queries": sum(queries_per_scope),
        "get_metric_data_requests": metric_requests,
        "distinct_requests_excluding_get_metric_data": distinct,
        "lower_bound": bound,
        "requests_over_lower_bound": round(len(wire) / bound, 3) if bound else None,
        "repeated_requests": dict(sorted(repeated.items(), key=lambda kv: -kv[1])),
        "latency_ms": latency_ms,
        "serial_latency_s": round(len(wire) * latency_ms / 1000, 3),
        "levels": dict(sorted(Counter(f"L{r.level}" for r in report.reports).items())),
    }


def _print(fig: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"benchmark: {args.accounts} account(s) x {args.regions} Region(s), --max-workers {args.workers}, "
        f"{args.latency_ms:g} ms per request"
    )
    print(f"  scopes audited        {fig['scopes']}  (failed: {len(fig['failed_scopes'])})")
    for line in fig["failed_scopes"]:
        print(f"    failed: {line}")
    print(f"  levels                {fig['levels']}")
    print(f"  wall time             {fig['wall_s']:.2f} s  ({fig['wall_per_scope_s']} s per scope)")
    print(
        f"  peak memory (RSS)     {fig['peak_rss_mib']} MiB; growth during the run {fig['rss_growth_mib']} MiB"
        f" ({fig['rss_growth_per_scope_mib']} MiB per scope)"
    )
    print(f"  calls recorded        {fig['calls_recorded']}  outcomes {fig['outcomes']}")
    print("  calls per service     " + ", ".join(f"{k} {v}" for k, v in fig["calls_per_service"].items()))
    print(
        f"  HTTP requests         {fig['http_requests']} at the server (retries and scope planning included)"
    )
    print(
        f"  metric queries        {fig['metric_queries']} in {fig['get_metric_data_requests']} GetMetricData request(s)"
    )
    print(
        f"  lower bound           {fig['lower_bound']} = {fig['distinct_requests_excluding_get_metric_data']} "
        f"distinct requests + ceil(metric queries / 500) per scope"
    )
    print(f"  requests / bound      {fig['requests_over_lower_bound']}")
    if fig["repeated_requests"]:
        print(
            "  repeated requests     " + ", ".join(f"{k} +{v}" for k, v in fig["repeated_requests"].items())
        )
    if args.latency_ms:
        print(
            f"  latency               {fig['http_requests']} requests x {args.latency_ms:g} ms = "
            f"{fig['serial_latency_s']:.2f} s if made one after another; wall {fig['wall_s']:.2f} s"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="Benchmark a multi-scope assessment on a moto server."
    )
    parser.add_argument("--accounts", type=int, default=1, help="accounts in the Organization (default 1)")
    parser.add_argument(
        "--regions", type=int, default=1, help=f"Regions per account, 1-{len(REGIONS)} (default 1)"
    )
    parser.add_argument("--workers", type=int, default=4, help="--max-workers of the audit (default 4)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="fixed delay per request (default 0)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if (
        not (1 <= args.regions <= len(REGIONS))
        or args.accounts < 1
        or args.workers < 1
        or args.latency_ms < 0
    ):
        parser.error(
            f"need --accounts >= 1, 1 <= --regions <= {len(REGIONS)}, --workers >= 1, --latency-ms >= 0"
        )
    sys.path.insert(0, str(ROOT))
    from benchmarks import seed

    regions = list(REGIONS[: args.regions])
    with moto_server(args.latency_ms) as endpoint:
        _aws_environment(endpoint)
        started = time.perf_counter()
        now = datetime.now(UTC)
        accounts = seed.organization(args.accounts)
        for account in accounts:
            seed.seed_account(seed.account_session(account), account, regions, now)
        seeding = time.perf_counter() - started
        # unmeasured: one audit of an empty Region, so that one-time costs (imports, moto's per-service
        # apps) fall outside the figures
        audit([WARM_UP_REGION], 1, None)
        _control(endpoint, "arm")
        report, snapshots, wall, memory = audit(regions, args.workers, seed.SEED_ROLE)
        wire = _control(endpoint, "requests")
    fig = figures(report, snapshots, wire, wall, memory, args.latency_ms)
    fig["seed_s"] = round(seeding, 2)
    if args.json:
        print(
            json.dumps({"accounts": args.accounts, "regions": args.regions, "workers": args.workers, **fig})
        )
    else:
        _print(fig, args)
        print(f"  (seeding took {seeding:.1f} s, not included)")


if __name__ == "__main__":
    main()
