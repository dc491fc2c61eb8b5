"""Faults in every service the collectors read, over the seeded fake account (tests/fake_account).

A baseline collection (no faults) learns which sections read which service (directly or through a section
they depend on). Then, per service, that service's every request is answered by the fault layer of
tests/test_faults.py (a throttle, a 500, a truncated body, a non-UTF-8 error body or a read that times
out; the faults rotate over the services so each kind meets several protocols), the sections reading it
are collected again, and the test asserts: every call to it was recorded with that fault's outcome and
code, it was attempted exactly as often as the retry budget says (transient faults `ATTEMPTS` times,
malformed answers once), the sections reading it failed with a reason, nothing raised, and the items
needing those sections are never met (unknown wherever the failed sections alone decide them).

Speed: retries use `standard` mode with a 1 ms backoff (adaptive mode's client-side rate limiter would
sleep after throttles; it is covered in tests/test_faults.py), and the account is seeded once per module.
"""

from __future__ import annotations

import contextvars
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from llmops_audit.aws.access import AwsAccess
from llmops_audit.collectors import CollectContext, collect
from llmops_audit.engine.scoring import needed_sections
from llmops_audit.inputs.policy import load_policy
from llmops_audit.inputs.prices import load_prices
from llmops_audit.model import Scope
from llmops_audit.pipeline import AuditRequest, assemble
from tests.helpers import framework, only
from tests.test_faults import Faults

ATTEMPTS = 2
FAULTS = [
    ("throttle", "throttled", "ThrottlingException", ATTEMPTS),
    ("500", "error", "InternalFailure", ATTEMPTS),
    ("truncated", "error", "MalformedResponse", 1),
    ("garbled", "error", "MalformedResponse", 1),
    ("sleep", "error", "ReadTimeoutError", ATTEMPTS),
]
# Every service the collectors read in the fake account (tests/test_faults_services.py fails when a new one
# appears without being listed here, so no service goes untested).
SERVICES = [
    "apigateway",
    "apigatewayv2",
    "appsync",
    "bedrock",
    "bedrock-agent",
    "bedrock-agentcore-control",
    "budgets",
    "ce",
    "cloudformation",
    "cloudtrail",
    "cloudwatch",
    "codepipeline",
    "elbv2",
    "events",
    "iam",
    "lambda",
    "logs",
    "organizations",
    "resourcegroupstaggingapi",
    "s3",
    "sagemaker",
    "scheduler",
    "sns",
    "ssm",
    "stepfunctions",
    "xray",
]
# "sleep" costs its delay per attempt: give it the services with few calls.
_SLEEPERS = {"organizations", "codepipeline", "sns", "ssm", "events"}


def _fault_of(service: str) -> tuple[str, str, str, int]:
    if service in _SLEEPERS:
        return FAULTS[4]
    fault = FAULTS[SERVICES.index(service) % 4]
    if fault[0] == "garbled" and _protocol(service) in ("query", "rest-xml", "ec2"):
        # botocore's XML error parser falls back to the HTTP status for a body it cannot read: a 502 error
        # (transient, so retried), not a malformed answer.
        return ("garbled", "error", "502", ATTEMPTS)
    return fault


def _protocol(service: str) -> str:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return str(getattr(model, "resolved_protocol", "") or model.protocol)


class _Baseline:
    def __init__(self, env: Any, scope: Scope, sections: set[str]) -> None:
        self.env, self.scope, self.sections = env, scope, sections
        self.uses: dict[str, set[str]] = defaultdict(set)  # section -> services it reads (transitively)
        self.items: dict[str, str] = {}
        self.item_needs: dict[str, set[str]] = {}


def _options() -> dict[str, Any]:
    return {"gate_custom_metrics": [], "prices": load_prices(None)}


def _score(snap: Any, scope: Scope) -> dict[str, str]:
    fw = framework()
    request = AuditRequest(
        framework=fw,
        policy=load_policy(None),
        prices=load_prices(None),
        start=scope.start,
        end=scope.end,
        generated_at=scope.end,
        attestations={},
    )
    return {i.id: i.status for i in assemble(request, snap).items}


@pytest.fixture(scope="module")
def baseline() -> Iterator[_Baseline]:
    from tests.fake_account.env import enable_moto_percentiles
    from tests.fake_account.record import PERIOD, RECORDED_AT, recorded_sections, seeded_account

    enable_moto_percentiles()
    with seeded_account() as env:
        scope = Scope(env.account, env.region, RECORDED_AT - PERIOD, RECORDED_AT, demo=True)
        base = _Baseline(env, scope, recorded_sections())
        # Attribute every request to the sections being collected when it is sent, and every dependency
        # (a section asking for another, even one already collected) to its asker.
        # A context variable, not a thread-local: sections are read on several threads, and a section's own
        # detail reads (CollectContext.each) run on helper threads in a copy of the section's context.
        current: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("sections", default=())
        edges: dict[str, set[str]] = defaultdict(set)
        real_section = CollectContext.section

        def stack() -> tuple[str, ...]:
            return current.get()

        def section(self: CollectContext, name: str) -> Any:
            if stack():
                edges[stack()[-1]].add(name)
            token = current.set((*stack(), name))
            try:
                return real_section(self, name)
            finally:
                current.reset(token)

        def hook(client: Any) -> None:
            env.canned.attach(client)
            service = client.meta.service_model.service_name
            client.meta.events.register_first(
                "before-send", lambda **_: [base.uses[s].add(service) for s in stack()] and None
            )

        aws = AwsAccess(env.session, env.region, client_hook=hook, max_attempts=1)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(CollectContext, "section", section)
            snap = collect(aws, scope, base.sections, None, _options())
        changed = True
        while changed:  # a section depends on what its dependencies read
            changed = False
            for name, deps in edges.items():
                for d in deps:
                    if not base.uses[d] <= base.uses[name]:
                        base.uses[name] |= base.uses[d]
                        changed = True
        base.items = _score(snap, scope)
        fw = framework()
        base.item_needs = {i.id: needed_sections(only(fw, [i.id])) for i in fw.items}
        base.called = {c["service"] for c in snap.calls}  # type: ignore[attr-defined]
        yield base


# A service whose failure a section absorbs (it keeps "not read" in its data instead of failing), where that
# cannot change a verdict in the fake account: why, and the marker the data must then hold.
ABSORBED = {
    # delivery.pipelines keeps stackResources None for a stack it could not list; L3.3 stays not met because
    # no pipeline of the fake account has an approval action, whatever its stacks hold.
    "cloudformation": ("codepipeline.pipelines", '"stackResources": null'),
}


def test_every_service_the_collectors_read_is_fault_tested(baseline: _Baseline) -> None:
    called: set[str] = baseline.called  # type: ignore[attr-defined]
    assert not called - set(SERVICES), f"add to SERVICES: {sorted(called - set(SERVICES))}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_fault_in_one_service_is_recorded_retried_as_budgeted_and_leaves_its_items_unknown(
    baseline: _Baseline, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.retries import standard

    if service not in baseline.called:  # type: ignore[attr-defined]
        pytest.skip(f"the fake account makes no {service} call")
    fault, outcome, code, attempts = _fault_of(service)
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    sections = {s for s in baseline.sections if service in baseline.uses[s]}
    assert sections, f"no section reads {service}"
    faults = Faults({service: fault}, delay=0.05)

    def hook(client: Any) -> None:
        # The faulted service's every request reaches the fault layer (canned answers, for APIs moto lacks,
        # are given before a request is sent, so they stay off for it).
        if client.meta.service_model.service_name != service:
            baseline.env.canned.attach(client)
        faults.attach(client)

    env = baseline.env
    aws = AwsAccess(env.session, env.region, client_hook=hook, max_attempts=ATTEMPTS)
    snap = collect(aws, baseline.scope, sections, None, _options())  # nothing raises
    mine = [c for c in aws.calls if c.service == service]
    assert mine and all((c.outcome, c.error_code) == (outcome, code) for c in mine), mine
    assert faults.injected[service] == faults.requests[service] == attempts * len(mine), (
        dict(faults.injected),
        len(mine),
    )
    failed = set(snap.errors)
    for name in failed:
        assert snap.errors[name].describe(), name  # each failure says why
    statuses = _score(snap, baseline.scope)
    # The items needing a section that reads this service (directly or through a dependency).
    touched = {i for i, needs in baseline.item_needs.items() if needs & sections}
    assert touched, f"no item needs a section of {service}"
    lost = {i for i in touched if baseline.items[i] != "unknown" and statuses[i] == "unknown"}
    # A section failed with its reason, or (where a section absorbs the failure and says "not read" in its
    # data) some item decided without the fault cannot be decided with it.
    if service in ABSORBED:
        section, marker = ABSORBED[service]
        assert marker in json.dumps(snap.sections[section]), snap.sections[section]
    else:
        assert lost or failed, (
            service,
            sorted(failed),
            {i: (baseline.items[i], statuses[i]) for i in sorted(touched)},
        )
    for item in touched:
        # A fault never makes an item met, unless one of its "any" branches is met on evidence read in full.
        if statuses[item] == "met":
            assert baseline.items[item] == "met", item
            assert _met_without(item, failed), (item, sorted(failed))
        if baseline.item_needs[item] <= failed:
            assert statuses[item] == "unknown", (item, statuses[item], baseline.item_needs[item])


def _met_without(item_id: str, failed: set[str]) -> bool:
    """Whether the item's rule is an `any` with a branch that needs none of the failed sections."""
    from llmops_audit.engine.scoring import rule_probes
    from llmops_audit.probes import PROBES

    item = next(i for i in framework().items if i.id == item_id)
    rule = item.rule
    if not isinstance(rule, dict) or "any" not in rule:
        return False
    return any(
        not any(set(PROBES[ref.probe].needs) & failed for ref in rule_probes(branch))
        for branch in rule["any"]
    )
