"""Account archetypes: whole AWS accounts described as AWS API responses, run through the real collectors.

An account file (tests/archetypes/<name>.yaml) holds:

description: what the account is, in a few lines.
account: the 12-digit account id (default 111122223333); the Region is always us-east-1.
responses:
    "service.Operation":  # botocore service name and PascalCase API name, e.g. bedrock.ListGuardrails
        <response body>   # answers every call of the operation
      or
        - when: {param: value, ...}   # chosen when every named request parameter equals value
          body: <response body>       # (value null: the parameter is absent from the request)
        - body: <response body>       # an entry without `when` answers every other call
        - when: {...}
          error: {code: AccessDeniedException, message: "...", status: 403}
      or
        error: {code: ..., message: ..., status: ...}
metrics:   # the CloudWatch series that exist, with their values over the audit period
    - {namespace: AWS/Bedrock, metric: Invocations, dimensions: {ModelId: ...}, values: {Sum: 1234.0}}
    # ListMetrics and GetMetricData are answered from this list as CloudWatch would (ListMetrics filtered
    # by Namespace/MetricName/Dimensions, GetMetricData one value per query whose metric and statistic
    # match; none otherwise), unless `responses` answers them itself.
expect:
    L2.2: {status: met|not_met|unknown, why: "the AWS behaviour that makes this the right verdict",
           known_wrong_today: true}   # optional: today's rules get this one wrong
level: {value: 1, why: "...", known_wrong_today: true}   # optional: the level the report should reach

Every operation the collectors call that the file does not answer gets the minimal valid answer
generated from botocore's output shape (required members only, lists and maps empty), except a few
operations whose "nothing there" answer is an error in AWS (DEFAULT_ERRORS). Every answer, given or
generated, is validated against the operation's output shape: a wrong shape fails the test loudly.
Requests never leave the process: before-call answers them and a before-send handler raises.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import yaml
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody
from botocore.validate import ParamValidator

from llmops_audit.aws.access import AwsAccess
from llmops_audit.collectors import collect
from llmops_audit.engine.scoring import needed_sections
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.model import Scope
from tests.fake_account.canned import ShapeMismatch
from tests.helpers import framework

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
START = datetime(2026, 11, 24, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
STATUSES = ("met", "not_met", "unknown")
_BOTOCORE: list[Any] = []  # one botocore session for every account: its loader caches the service models

# Operations whose "nothing there" answer in AWS is an error, not an empty body.
DEFAULT_ERRORS: dict[str, tuple[str, str, int]] = {
    "organizations.DescribeOrganization": (
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
        400,
    ),
    "lambda.GetPolicy": ("ResourceNotFoundException", "The resource you requested does not exist.", 404),
    "s3.GetObjectLockConfiguration": (
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket",
        404,
    ),
}


class NetworkUsed(AssertionError):
    """A request got past before-call: it would have been sent."""


class AccountFileError(AssertionError):
    """An account file is malformed."""


@dataclass
class Account:
    name: str
    path: Path
    description: str
    account: str
    responses: dict[str, Any]
    metrics: list[dict[str, Any]]
    expect: dict[str, dict[str, Any]]
    level: dict[str, Any] | None = None  # {value: n, why: ..., known_wrong_today: bool}
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (service.Operation, params)
    defaulted: set[str] = field(default_factory=set)  # operations answered with the generated default


def account_files() -> list[Path]:
    return sorted(HERE.glob("*.yaml"))


def load(path: Path) -> Account:
    doc = yaml.safe_load(path.read_text())
    known = {"description", "account", "responses", "metrics", "expect", "level"}
    if not isinstance(doc, dict) or set(doc) - known:
        raise AccountFileError(f"{path.name}: unknown top-level keys {sorted(set(doc or {}) - known)}")
    if not (doc.get("description") or "").strip():
        raise AccountFileError(f"{path.name}: no description")
    for op in doc.get("responses") or {}:
        if op.count(".") != 1:
            raise AccountFileError(f"{path.name}: response key {op!r} is not service.Operation")
    expect = doc.get("expect") or {}
    for item, e in expect.items():
        if not isinstance(e, dict) or e.get("status") not in STATUSES or not (e.get("why") or "").strip():
            raise AccountFileError(f"{path.name}: expectation {item} needs a status in {STATUSES} and a why")
        if set(e) - {"status", "why", "known_wrong_today"}:
            raise AccountFileError(f"{path.name}: expectation {item} has unknown keys {sorted(set(e))}")
    level = doc.get("level")
    if level is not None and (
        not isinstance(level, dict) or not isinstance(level.get("value"), int) or not level.get("why")
    ):
        raise AccountFileError(f"{path.name}: level needs a value (an int) and a why")
    account = Account(
        name=path.stem,
        path=path,
        description=doc["description"].strip(),
        account=str(doc.get("account") or "111122223333"),
        responses=doc.get("responses") or {},
        metrics=doc.get("metrics") or [],
        expect=expect,
        level=level,
    )
    default_identity(account)
    return account


# -- shapes ---------------------------------------------------------------------------------------


def minimal(shape: Any) -> Any:
    """The minimal valid value of `shape`: required members only, lists and maps empty."""
    kind = shape.type_name
    if kind == "structure":
        return {name: minimal(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return []
    if kind == "map":
        return {}
    if kind == "string":
        enum = shape.metadata.get("enum")
        return enum[0] if enum else "x" * int(shape.metadata.get("min", 0))
    if kind in ("integer", "long"):
        return int(shape.metadata.get("min", 0))
    if kind in ("float", "double"):
        return float(shape.metadata.get("min", 0))
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return END
    if kind == "blob":
        return b""
    raise AccountFileError(f"cannot generate a default for shape type {kind}")


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def typed(value: Any, shape: Any) -> Any:
    """`value` as botocore's parser would return it: timestamps as aware datetimes, blobs as bytes and
    streaming bodies with read(). Members the shape does not know are left for the validator to reject."""
    if value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: typed(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [typed(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: typed(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return _timestamp(value)
    if kind == "blob" and isinstance(value, str):
        data = value.encode()
        if shape.serialization.get("streaming") or shape.metadata.get("streaming"):
            return StreamingBody(io.BytesIO(data), len(data))
        return data
    return value


# -- answering --------------------------------------------------------------------------------------


def _matches(when: dict[str, Any], params: dict[str, Any]) -> bool:
    for key, want in when.items():
        if want is None:
            if params.get(key) is not None:
                return False
        elif params.get(key) != want:
            return False
    return True


def _series_matches(series: dict[str, Any], namespace: Any, metric: Any, dims: list[dict[str, Any]]) -> bool:
    if namespace and series["namespace"] != namespace:
        return False
    if metric and series["metric"] != metric:
        return False
    have = series.get("dimensions") or {}
    return all(d["Name"] in have and d.get("Value") in (None, have[d["Name"]]) for d in dims or [])


class AccountHook:
    """Answers every request of an AwsAccess client from an account file (botocore before-call)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        sid = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"before-parameter-build.{sid}", _keep_params)
        client.meta.events.register_first(f"before-call.{sid}", lambda **kw: self._answer(service, **kw))
        client.meta.events.register(f"before-send.{sid}", _refuse_send)

    def _answer(self, service: str, model: Any, context: dict[str, Any], **_: Any) -> Any:
        op = f"{service}.{model.name}"
        params = context.get("archetype_params", {})
        self.account.calls.append((op, params))
        body, error = self._chosen(op, model, params)
        if error is not None:
            code, message, status = error
            return AWSResponse(None, status, {}, None), {
                "Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": status},
            }
        if model.output_shape is not None:
            body = typed(body, model.output_shape)
            report = ParamValidator().validate(body, model.output_shape)
            if report.has_errors():
                raise ShapeMismatch(f"{self.account.name}: {op} response: {report.generate_report()}")
        return AWSResponse(None, 200, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

    def _chosen(
        self, op: str, model: Any, params: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[str, str, int] | None]:
        given = self.account.responses.get(op)
        if given is not None:
            entries = given if isinstance(given, list) else [{"body": given}]
            if isinstance(given, dict) and set(given) == {"error"}:
                entries = [given]
            chosen = next((e for e in entries if "when" in e and _matches(e["when"], params)), None)
            chosen = chosen or next((e for e in entries if "when" not in e), None)
            if chosen is not None:
                if "error" in chosen:
                    err = chosen["error"]
                    return {}, (err["code"], err.get("message", ""), int(err.get("status", 400)))
                return dict(chosen.get("body") or {}), None
        if op == "cloudwatch.ListMetrics" and self.account.metrics:
            return self._list_metrics(params), None
        if op == "cloudwatch.GetMetricData" and self.account.metrics:
            return self._metric_data(params), None
        self.account.defaulted.add(op)
        if op in DEFAULT_ERRORS:
            return {}, DEFAULT_ERRORS[op]
        return (minimal(model.output_shape) if model.output_shape is not None else {}), None

    def _list_metrics(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [
            s
            for s in self.account.metrics
            if _series_matches(s, params.get("Namespace"), params.get("MetricName"), params.get("Dimensions"))
        ]
        return {
            "Metrics": [
                {
                    "Namespace": s["namespace"],
                    "MetricName": s["metric"],
                    "Dimensions": [{"Name": k, "Value": v} for k, v in (s.get("dimensions") or {}).items()],
                }
                for s in found
            ]
        }

    def _metric_data(self, params: dict[str, Any]) -> dict[str, Any]:
        results = []
        for q in params.get("MetricDataQueries") or []:
            stat = q.get("MetricStat") or {}
            m = stat.get("Metric") or {}
            dims = {d["Name"]: d["Value"] for d in m.get("Dimensions") or []}
            value = next(
                (
                    (s.get("values") or {}).get(stat.get("Stat"))
                    for s in self.account.metrics
                    if s["namespace"] == m.get("Namespace")
                    and s["metric"] == m.get("MetricName")
                    and (s.get("dimensions") or {}) == dims
                ),
                None,
            )
            results.append(
                {
                    "Id": q["Id"],
                    "Label": m.get("MetricName", q["Id"]),
                    "StatusCode": "Complete",
                    "Timestamps": [START] if value is not None else [],
                    "Values": [float(value)] if value is not None else [],
                }
            )
        return {"MetricDataResults": results, "Messages": []}


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["archetype_params"] = dict(params)


def _refuse_send(request: Any, **_: Any) -> None:
    raise NetworkUsed(f"a request reached before-send: {getattr(request, 'url', request)}")


# -- running ----------------------------------------------------------------------------------------


def scope_of(account: Account) -> Scope:
    return Scope(account=account.account, region=REGION, start=START, end=END)


def run(account: Account) -> EvidenceSnapshot:
    """Collect everything the five-level model needs from `account` through the real collectors."""
    if not _BOTOCORE:
        _BOTOCORE.append(botocore.session.get_session())
    session = boto3.Session(
        botocore_session=_BOTOCORE[0],
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region_name=REGION,
    )
    hook = AccountHook(account)
    aws = AwsAccess(session, REGION, max_attempts=1, client_hook=hook.attach)
    identity = aws._client("sts").get_caller_identity()
    if identity.get("Account") != account.account:
        raise AccountFileError(f"{account.name}: sts GetCallerIdentity says {identity.get('Account')}")
    return collect(aws, scope_of(account), needed_sections(framework()))


def default_identity(account: Account) -> None:
    """Answer sts GetCallerIdentity for the account unless the file does."""
    account.responses.setdefault(
        "sts.GetCallerIdentity",
        {
            "UserId": "AROAEXAMPLEAUDITROLE1:llmops-audit",
            "Account": account.account,
            "Arn": f"arn:aws:sts::{account.account}:assumed-role/LLMOpsAuditReadOnly/llmops-audit",
        },
    )
