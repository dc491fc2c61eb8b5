"""--workload: one account, two tagged applications, two different levels, each citing only its own
resources; evidence that cannot be split is labelled as shared."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import boto3
import pytest

from llmops_audit.fleet import Fleet, ScopeOptions
from llmops_audit.inputs.scopes import Workload
from llmops_audit.model import AuditReport, Status
from llmops_audit.report import render
from tests.fake_account import workload as w
from tests.fake_account.env import DemoEnv, demo_account
from tests.helpers import framework, request_for

OTHER_APP_FUNCTION = "invoice-summarizer"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def _second_app(env: DemoEnv) -> None:
    """A second LLM application in the same account: one Lambda (tagged app=invoices) whose role invokes a
    Bedrock model, no tracing, no alias, no alarm, no API."""
    iam = env.client("iam")
    role = iam.create_role(
        RoleName="invoices-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="invoices-role",
        PolicyName="bedrock",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}],
            }
        ),
    )
    env.client("lambda").create_function(
        FunctionName=OTHER_APP_FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Timeout=3,
        Tags={"app": "invoices"},
        Environment={"Variables": {"MODEL_ID": w.HAIKU}},
    )


class _Hooked:
    """Sessions whose clients answer from the demo's canned responses (Bedrock APIs moto lacks)."""

    def __init__(self, env: DemoEnv) -> None:
        self.env = env

    def __call__(self, credentials: Any, region: str) -> Any:
        env = self.env

        class Session(boto3.Session):
            def client(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
                c = super().client(*args, **kwargs)
                env.canned.attach(c)
                return c

        return Session(region_name=region)


def _nightly_batch(env: DemoEnv) -> None:
    """The support bot's orchestrator is also invoked asynchronously (a nightly EventBridge rule), so its
    retry limit and on-failure destination are a failure path (L2.5)."""
    events = env.client("events")
    events.put_rule(Name="support-bot-nightly-digest", ScheduleExpression="cron(0 2 * * ? *)")
    events.put_targets(
        Rule="support-bot-nightly-digest",
        Targets=[{"Id": "orchestrator", "Arn": env.arn("lambda", f"function:{w.FN_ORCHESTRATOR}")}],
    )


@pytest.fixture(scope="module")
def two_apps() -> dict[str, AuditReport]:
    with demo_account() as env:
        _second_app(env)
        _nightly_batch(env)
        now = env.now.replace(microsecond=0)
        request = request_for(framework(), start=now - timedelta(days=7), end=now + timedelta(minutes=5))
        out = {}
        for app in ("support-bot", "invoices"):
            opts = ScopeOptions(region=w.REGION, workload=Workload("app", app))
            fleet = Fleet(opts, session_factory=_Hooked(env)).run(request)
            assert not fleet.failures, fleet.failures
            out[app] = fleet.reports[0]
        return out


def _text(report: AuditReport) -> str:
    return json.dumps([[r.id, r.evidence, [f.summary for f in r.findings]] for r in report.items])


def test_two_tagged_applications_get_different_levels(two_apps: dict[str, AuditReport]) -> None:
    support, invoices = two_apps["support-bot"], two_apps["invoices"]
    assert support.scope.workload == "app=support-bot" and invoices.scope.workload == "app=invoices"
    assert support.level > invoices.level, (support.level, invoices.level)
    met = {r.id for r in support.items if r.status == Status.MET}
    assert met - {r.id for r in invoices.items if r.status == Status.MET}  # items only the first has


def test_each_workload_cites_only_its_own_resources(two_apps: dict[str, AuditReport]) -> None:
    support, invoices = _text(two_apps["support-bot"]), _text(two_apps["invoices"])
    assert w.FN_ORCHESTRATOR in support and OTHER_APP_FUNCTION not in support
    assert OTHER_APP_FUNCTION in invoices
    for fn in (w.FN_ORCHESTRATOR, w.FN_RETRIEVER, w.FN_TICKET_TOOL):
        assert fn not in invoices


def test_shared_evidence_is_labelled(two_apps: dict[str, AuditReport]) -> None:
    for app, report in two_apps.items():
        [notice] = [n for n in report.notices if n.startswith("Workload ")]
        assert f"app={app}" in notice
        assert "Lambda functions 1 of 4" in notice or "Lambda functions 3 of 4" in notice
        assert "Account-wide (shared with other workloads)" in notice
        md = render(report, "markdown")
        assert "Account-wide (shared with other workloads)" in md
        doc = json.loads(render(report, "json"))
        assert doc["scope"]["workload"] == f"app={app}"
