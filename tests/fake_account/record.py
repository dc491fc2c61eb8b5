"""Record the demo: seed the fake account, run the real collectors, write the evidence snapshot we ship.

`llmops-audit assess --demo` scores `llmops_audit/data/demo-evidence.json`; this module is how that file is
made. It collects every section that any shipped framework or the release gates needs, so the demo works
for every framework. Refresh the file after changing a seeder or a collector:

    python -m tests.fake_account.record

The recording is deterministic (tests/test_demo_snapshot.py fails when the shipped file is stale):
  - the clock is frozen at RECORDED_AT while seeding and collecting (time-machine), so every timestamp moto
    stamps on a resource and every period boundary is the same;
  - moto's random ids (agent ids, ARNs with random parts...) are made repeatable with moto's documented
    `POST /moto-api/seed?a=N` (answered in-process under mock_aws), before anything is seeded; the
    seeders' own `uuid.uuid4()` ids (X-Ray traces) come from a seeded generator;
  - call durations are zeroed; retries use the `standard` mode with one attempt, so nothing waits.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

from llmops_audit.evidence.snapshot import EvidenceSnapshot

if TYPE_CHECKING:
    from tests.fake_account.env import DemoEnv

RECORDED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PERIOD = timedelta(days=7)
SEED = 42
SNAPSHOT_PATH = Path(__file__).resolve().parents[2] / "llmops_audit" / "data" / "demo-evidence.json"
REFRESH = "python -m tests.fake_account.record"


def recorded_sections() -> set[str]:
    """Every section any shipped framework needs, plus those of the release gates."""
    from llmops_audit.engine.gates import GATE_SECTIONS
    from llmops_audit.engine.scoring import needed_sections
    from llmops_audit.inputs.definitions import builtin_frameworks, load_framework

    needs: set[str] = set(GATE_SECTIONS)
    for path in builtin_frameworks().values():
        needs |= needed_sections(load_framework(path))
    return needs


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def _seeded_uuid4(seed: int) -> Iterator[None]:
    """The seeders' `uuid.uuid4()` ids (X-Ray trace and segment ids) from a seeded generator."""
    rng = random.Random(seed)
    with mock.patch.object(uuid, "uuid4", lambda: uuid.UUID(int=rng.getrandbits(128), version=4)):
        yield


@contextmanager
def seeded_account(now: datetime = RECORDED_AT) -> Iterator[DemoEnv]:
    """The fake account seeded as of `now`, with the clock frozen at `now` and moto's ids seeded."""
    import requests
    import time_machine

    from tests.fake_account import seed_all
    from tests.fake_account.env import demo_account

    with (
        time_machine.travel(now, tick=False),
        # standard retries, one attempt: nothing waits (and this wins over the caller's environment)
        _env(AWS_RETRY_MODE="standard", AWS_MAX_ATTEMPTS="1"),
        demo_account(now=now, seed=False) as env,
        _seeded_uuid4(SEED),
    ):
        # moto's documented way to make its random ids repeatable (works in decorator mode too)
        requests.post(f"http://motoapi.amazonaws.com/moto-api/seed?a={SEED}", timeout=5).raise_for_status()
        seed_all.seed(env)
        yield env


def collect_account(env: DemoEnv, now: datetime = RECORDED_AT) -> EvidenceSnapshot:
    """Run the real collectors over the account for the 7 days before `now`, as the old live demo did."""
    from llmops_audit.aws.access import AwsAccess
    from llmops_audit.collectors import collect
    from llmops_audit.inputs.prices import load_prices
    from llmops_audit.model import Scope

    aws = AwsAccess(env.session, env.region, client_hook=env.canned.attach, max_attempts=1)
    scope = Scope(env.account, env.region, now - PERIOD, now, demo=True)
    options = {"gate_custom_metrics": [], "prices": load_prices(None)}
    return collect(aws, scope, recorded_sections(), None, options)


def record(now: datetime = RECORDED_AT) -> EvidenceSnapshot:
    """Seed the fake account as of `now` and collect the demo's evidence; call durations are zeroed."""
    with seeded_account(now) as env:
        snapshot = collect_account(env, now)
    snapshot.calls = [{**c, "duration_ms": 0.0} for c in snapshot.calls]
    return snapshot


def render(snapshot: EvidenceSnapshot) -> str:
    """The snapshot's file text: exactly what is shipped."""
    return snapshot.to_json() + "\n"


def main() -> None:
    text = render(record(RECORDED_AT))
    SNAPSHOT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SNAPSHOT_PATH} ({len(text.encode('utf-8'))} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
