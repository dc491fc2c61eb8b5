"""AwsAccess: the one way the tool talks to AWS.

It builds every boto3 client (standard credential chain, `--profile`, `--region`, and the
`AWS_ENDPOINT_URL*` variables as boto3 honours them), retries adaptively, refuses any operation
that is not a read, and records every call: service, operation, region, duration and outcome.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import boto3
import botocore.exceptions as bce
from botocore.config import Config
from botocore.parsers import ResponseParserError

from llmops_audit.aws.iam_actions import iam_action
from llmops_audit.aws.operations import READ_PREFIXES
from llmops_audit.aws.shared import GLOBAL_SERVICES, SharedAnswers
from llmops_audit.errors import AuditError, AwsAccessError
from llmops_audit.evidence.snapshot import describe_failure

# Operation-name prefixes of read operations. Nothing else can be called through AwsAccess.


DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthorizationError",
    "AuthorizationErrorException",
    "Forbidden",
    "403",
}
THROTTLED_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ThrottledException",
    "RequestThrottled",
    "SlowDown",
    "LimitExceededException",
}
# "Nothing there" answers (no resource policy, not in an organization): evidence, not a failure of the audit.
NOT_FOUND_SUFFIXES = ("NotFoundException", "NotFound", "NotFoundError", "NotInUseException")


def _is_not_found(code: str, status: int | None) -> bool:
    return code.startswith("NoSuch") or code.endswith(NOT_FOUND_SUFFIXES) or status == 404


# Answers that will be the same however often the call is repeated: not retried, and an emulator's
# "not implemented" is recorded as unsupported (real AWS never says it of an API its model has).
NOT_IMPLEMENTED_CODES = {
    "NotImplemented",
    "NotImplementedException",
    "UnknownOperation",
    "UnknownOperationException",
}
PERMANENT_CODES = NOT_IMPLEMENTED_CODES | {
    "InvalidAction",
    "ValidationError",
    "ValidationException",
    "InvalidParameterValue",
    "InvalidParameterValueException",
    "InvalidParameterCombination",
    "MissingParameter",
    "SerializationException",
}
_NOT_IMPLEMENTED_TEXT = re.compile(r"not (yet )?implemented|has not been implemented|unknown operation", re.I)
# botocore's defaults for retries: total attempts (first request included), as AWS_MAX_ATTEMPTS means it.
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_MODE = "adaptive"


def _aws_host(host: str) -> bool:
    h = host.split("://")[-1].split("/")[0].split(":")[0].lower()
    return h.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov"))


def is_permanent(
    response: Any = None, caught_exception: BaseException | None = None, endpoint: Any = None, **_: Any
) -> bool:
    """Whether a failed attempt would fail the same way again: "not implemented" (HTTP 501, an emulator's
    NotImplemented or "not yet implemented", UnknownOperation), a validation error, or (at an endpoint that
    is not AWS) the HTML crash page an emulator serves for an API it lacks. Such an attempt is not retried."""
    if isinstance(caught_exception, NotImplementedError):
        return True
    if not response:
        return False
    http, parsed = response
    status = getattr(http, "status_code", 0) or 0
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    error = error if isinstance(error, dict) else {}
    code, message = str(error.get("Code") or ""), str(error.get("Message") or "")
    if status == 501 or code in PERMANENT_CODES or _NOT_IMPLEMENTED_TEXT.search(message[:500]):
        return True
    if status == 500 and endpoint is not None and not _aws_host(str(getattr(endpoint, "host", ""))):
        body = (getattr(http, "content", b"") or b"")[:200].lstrip().lower()
        return body.startswith((b"<!doctype html", b"<html"))
    return False


def _no_retry_of_permanent_failures(client: Any) -> None:
    """Wrap botocore's standard/adaptive retry handler of `client` so that a permanent answer (is_permanent)
    is not retried. Without that handler (legacy mode, or a botocore that names it otherwise) nothing changes."""
    name = client.meta.service_model.service_id.hyphenize()
    event, uid = f"needs-retry.{name}", f"retry-config-{name}"
    emitter = getattr(client.meta.events, "_emitter", None)
    entry = (getattr(emitter, "_unique_id_handlers", None) or {}).get(uid)
    if not entry or not callable(entry.get("handler")):
        return
    retry = entry["handler"]

    def needs_retry(**kwargs: Any) -> Any:
        return None if is_permanent(**kwargs) else retry(**kwargs)

    client.meta.events.unregister(event, unique_id=uid)
    client.meta.events.register(event, needs_retry, unique_id=uid)


# Requests per second allowed per account and Region where AWS's quota is tight and not adjustable:
# CloudTrail LookupEvents is limited to 2 per second (CloudTrail quotas, "Transactions per second").
RATE_LIMITS = {("cloudtrail", "lookup_events"): 2.0}
LISTING_WAIT_S = 10.0  # how long a thread waits for another thread's reading of the same listing

# Credentials that AWS refuses outright: nothing else will work either, so the run stops.
REJECTED_CREDENTIAL_CODES = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "InvalidToken",
}


class ReadOnlyViolation(AuditError):
    """An operation the collectors do not declare (llmops_audit/aws/operations.py) was asked for: a write, a
    credential or secret read, or any call outside the list. It stops the run (exit 2): it is a bug."""


class AwsCallError(Exception):
    """One call failed in a way that leaves only its evidence unknown; the run goes on."""

    def __init__(self, kind: str, service: str, operation: str, region: str, code: str, message: str) -> None:
        self.kind = kind  # denied | throttled | not_found | error | unsupported
        self.service = service
        self.operation = operation
        self.region = region
        self.code = code
        self.action = iam_action(service, operation, message)
        super().__init__(message)

    def describe(self) -> str:
        return describe_failure(self.kind, self.action, self.code)

    def __reduce__(self) -> tuple[Any, ...]:  # copy.copy(): the same failure, without traceback or context
        return (AwsCallError, (self.kind, self.service, self.operation, self.region, self.code, str(self)))


@dataclass(frozen=True)
class CallRecord:
    service: str
    operation: str
    region: str
    duration_ms: float
    outcome: str  # ok | denied | throttled | not_found | error | unsupported
    error_code: str = ""
    metrics: int = 0  # metrics requested by a GetMetricData request (what CloudWatch bills it by)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not self.metrics:
            out.pop("metrics")
        return out


def _metrics_requested(operation: str, params: dict[str, Any]) -> int:
    """Metrics a GetMetricData request asks for: its queries that return data (ReturnData, default true).
    An expression's inputs are billed too, but the audit sends none (each query is one MetricStat)."""
    if operation != "get_metric_data":
        return 0
    return sum(1 for q in params.get("MetricDataQueries") or [] if q.get("ReturnData", True))


def _answer_key(service: str, operation: str, region: str, params: dict[str, Any]) -> str:
    return json.dumps([service, operation, region, params], sort_keys=True, default=str)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class MalformedResponse(Exception):
    """A 2xx response whose body botocore could not parse, or that lacks a member its output shape requires.

    botocore answers a truncated JSON body with an empty (or `{'message': body}`) result instead of failing,
    which would read as "nothing there"; AwsAccess makes it an error of that call instead.
    """


def check_response(operation_model: Any, http_response: Any, parsed: dict[str, Any]) -> str:
    """Why a successful response is malformed ("" when it is not).

    A 2xx JSON-protocol body must be valid JSON (botocore turns an unparseable body into `{'message': body}`
    and then drops what its shape lacks, so a truncated body reads as an empty answer), must not be that
    `{'message': ...}` fallback, and must not lack every member while its output shape requires some.
    Streaming outputs and responses with no raw body (test stubs) skip the body check.
    """
    status = getattr(http_response, "status_code", 200) or 200
    if status >= 300 or "Error" in parsed:
        return ""
    shape = operation_model.output_shape
    if shape is None:
        return ""
    if not operation_model.has_streaming_output and getattr(http_response, "raw", None) is not None:
        body = http_response.content or b""
        if body.strip() and body.lstrip()[:1] in (b"{", b"["):
            try:
                doc = json.loads(body)
            except ValueError:
                return f"the response body is not valid JSON ({len(body)} bytes)"
            # A JSON object none of whose keys the output shape knows ({"message": "..."} from a proxy or
            # an error page with status 200) is not this operation's answer; botocore would drop it all.
            if (
                isinstance(doc, dict)
                and doc
                and shape.members
                and not shape.serialization.get("payload")
                and not any(k in _wire_names(shape) for k in doc)
            ):
                return f"the response body holds none of the output's members ({', '.join(sorted(doc))[:80]})"
    for key in ("message", "Message"):
        if key in parsed and key not in shape.members and len(parsed) <= 2:
            return f"the response body could not be parsed: {str(parsed[key])[:80]!r}"
    # A response with none of its shape's members while the shape requires some is no answer at all
    # (an empty or unparseable body). One that has some members but omits a required one is kept:
    # emulators (moto's GetModelCustomizationJob without validationDataConfig) and services do that.
    missing = [m for m in shape.required_members if m not in parsed]
    if missing and not any(m in parsed for m in shape.members):
        return f"the response lacks the required member(s) {', '.join(sorted(missing))}"
    return ""


def _wire_names(shape: Any) -> set[str]:
    """The names an output shape's members carry in a body (locationName where the model sets one)."""
    return {name for key, m in shape.members.items() for name in (key, m.serialization.get("name", key))}


def _reject_malformed(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `after-call` handler: raise MalformedResponse for a malformed successful response."""
    reason = check_response(model, http_response, parsed)
    if reason:
        raise MalformedResponse(reason)


# The failures of one request that AwsAccess turns into a recorded outcome (see AwsAccess._failure).
_HANDLED_ERRORS = (
    MalformedResponse,
    ResponseParserError,
    UnicodeDecodeError,  # botocore decodes a JSON-protocol error body as UTF-8 before parsing it
    bce.ClientError,
    bce.NoCredentialsError,
    bce.PartialCredentialsError,
    bce.NoAuthTokenError,
    bce.ProfileNotFound,
    bce.EndpointConnectionError,
    bce.ConnectTimeoutError,
    bce.ConnectionClosedError,
    bce.ReadTimeoutError,
    bce.ParamValidationError,
    NotImplementedError,
)

_CREDENTIAL_ERRORS = (
    bce.NoCredentialsError,
    bce.PartialCredentialsError,
    bce.NoAuthTokenError,
    bce.ProfileNotFound,
)


def _credentials_error(exc: Exception) -> AwsAccessError:
    """The run-stopping error for missing, incomplete or unknown credentials. It names the missing
    variable or the profile, never a key id or secret (botocore's messages carry neither, but it is not
    relied on: only the named fields are used)."""
    kwargs = getattr(exc, "kwargs", {}) or {}
    if isinstance(exc, bce.ProfileNotFound):
        return AwsAccessError(
            f"AWS profile not found: {kwargs.get('profile')}",
            hint="list profiles with `aws configure list-profiles`",
        )
    if isinstance(exc, bce.PartialCredentialsError):
        provider = str(kwargs.get("provider", "the environment"))
        missing = str(kwargs.get("cred_var", "a credential"))
        return AwsAccessError(
            f"incomplete AWS credentials in {provider[:40]}: {missing[:60]} is missing",
            hint="set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or neither), or pass --profile NAME",
        )
    return AwsAccessError(
        "no AWS credentials found in the environment, shared config or instance metadata",
        hint="pass --profile NAME, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run with --demo",
    )


@dataclass(frozen=True)
class Superset:
    """A filtered listing that the unfiltered listing of the same operation contains (AwsAccess._derived)."""

    filter: str  # the filtering parameter
    key: str  # the member holding the entries
    matches: Callable[[dict[str, Any], Any], bool]
    pages: int  # the page budget of the unfiltered listing (the collectors' own, so it is read once)
    passed_on: frozenset[str] = frozenset()  # other parameters the unfiltered listing is asked with


SUPERSETS = {
    # ListMetrics without a filter lists every namespace's series (cloudwatch.CUSTOM_PAGES pages)
    ("cloudwatch", "list_metrics"): Superset(
        "Namespace", "Metrics", lambda e, v: e.get("Namespace") == v, 40, frozenset({"RecentlyActive"})
    ),
    # DescribeLogGroups without a prefix lists every group (logs.LOG_GROUP_PAGES pages)
    ("logs", "describe_log_groups"): Superset(
        "logGroupNamePrefix", "logGroups", lambda e, v: str(e.get("logGroupName", "")).startswith(str(v)), 5
    ),
}


# Next-page token members, most common first (for operations botocore has no paginator for).
_TOKEN_MEMBERS = ("NextToken", "nextToken", "NextPageToken", "nextPageToken", "PaginationToken", "NextMarker")


def _shape_tokens(client: Any, operation: str) -> tuple[str, str]:
    """(input, output) token members of an operation, from its shapes in the client's service model.

    ("", "") when its output has no next-page token: then it has one page.
    """
    api_name = client.meta.method_to_api_mapping.get(operation, _camel(operation))
    model = client.meta.service_model.operation_model(api_name)
    outs = set(model.output_shape.members) if model.output_shape is not None else set()
    ins = set(model.input_shape.members) if model.input_shape is not None else set()
    for out in (*_TOKEN_MEMBERS, "Marker"):
        if out in outs:
            for inp in (out, out.removeprefix("Next")):  # NextMarker in the output, Marker in the input
                if inp in ins:
                    return inp, out
    return "", ""


class AwsAccess:
    def __init__(
        self,
        session: boto3.Session,
        region: str,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        client_hook: Callable[[Any], None] | None = None,
        shared: SharedAnswers | None = None,
    ) -> None:
        self.session = session
        # The account's answers to account-global reads, shared with its other scopes (multi-Region runs).
        self._shared = shared
        # Sections are read on several threads: one lock makes clients, one per read makes it once.
        self._client_lock = threading.Lock()
        self._reading = SharedAnswers()
        self._listing: dict[str, threading.Event] = {}  # listings being read, by answer key
        self._next_slot: dict[tuple[str, str], float] = {}  # rate-limited operations: next allowed start
        self.region = region
        self.calls: list[CallRecord] = []
        self._clients: dict[tuple[str, str], Any] = {}
        # Answers of this collection's reads by (service, operation, Region, parameters): a read asked twice
        # (by two sections that need the same fact) is answered from here, with no second request and no
        # record. Each collection (collectors.CollectContext) starts with forget().
        self._answers: dict[str, dict[str, Any] | AwsCallError] = {}
        self._pages: dict[str, tuple[list[dict[str, Any]], bool]] = {}  # (pages, the listing ended)
        # `max_attempts` is the total number of requests per call, the first included (botocore's
        # total_max_attempts, what AWS_MAX_ATTEMPTS means); at least 1. AWS_MAX_ATTEMPTS / AWS_RETRY_MODE,
        # when set, win over our defaults, as everywhere in boto3.
        retries: dict[str, Any] = {"mode": os.environ.get("AWS_RETRY_MODE", DEFAULT_RETRY_MODE)}
        if not os.environ.get("AWS_MAX_ATTEMPTS"):
            retries["total_max_attempts"] = max(1, int(max_attempts))
        self._config = Config(
            retries=retries,
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra="llmops-audit",
        )
        self._client_hook = client_hook

    # -- clients ------------------------------------------------------------------------------

    def _client(self, service: str, region: str | None = None) -> Any:
        """A cached client. It never leaves the access layer: collectors use call(), paginate() and items();
        tests reach it only to attach stubs."""
        key = (service, region or self.region)
        with self._client_lock:  # sessions are not thread-safe: clients are made one at a time
            return self._client_locked(key)

    def _client_locked(self, key: tuple[str, str]) -> Any:
        service = key[0]
        if key not in self._clients:
            try:
                # botocore resolves the credentials here, before any request: a key id without its secret
                # (PartialCredentialsError) or an unknown profile fails now, not inside call()'s guard.
                client = self.session.client(service, region_name=key[1], config=self._config)
            except _CREDENTIAL_ERRORS as exc:
                raise _credentials_error(exc) from None
            client.meta.events.register("after-call", _reject_malformed, unique_id="llmops-audit-malformed")
            _no_retry_of_permanent_failures(client)
            if self._client_hook:
                self._client_hook(client)
            self._clients[key] = client
        return self._clients[key]

    def supports(self, service: str, operation: str) -> bool:
        """Whether the installed botocore knows `operation` (snake_case), e.g. an API newer than some SDKs."""
        return hasattr(self._client(service), operation)

    @staticmethod
    def is_read_operation(operation: str) -> bool:
        return operation.startswith(READ_PREFIXES)

    @staticmethod
    def is_declared(service: str, operation: str) -> bool:
        """Only the operations the collectors declare, never one that returns credentials or secrets."""
        from llmops_audit.aws.operations import declared_for, is_sensitive

        return operation in declared_for(service) and not is_sensitive(service, operation)

    # -- calls --------------------------------------------------------------------------------

    def call(self, service: str, operation: str, region: str | None = None, **params: Any) -> dict[str, Any]:
        """Call one read operation, named in boto3's snake_case (`list_metrics`)."""
        region = region or self.region
        self._read_only(service, operation)
        if self._shared is not None and service in GLOBAL_SERVICES:
            return self._shared.get(
                _answer_key(service, operation, "*", params),
                lambda: self._call(service, operation, region, params),
            )
        return self._call(service, operation, region, params)

    def _call(self, service: str, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        # A read asked on two threads at once is made once: the second waits for the first's answer.
        return self._reading.serialize(
            _answer_key(service, operation, region, params),
            lambda: self._call_once(service, operation, region, params),
        )

    def _call_once(self, service: str, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        op_name = self._read_only(service, operation)
        key = _answer_key(service, operation, region, params)
        if key in self._answers:
            known = self._answers[key]
            if isinstance(known, AwsCallError):
                raise copy.copy(known)  # the kept one is never raised, so it holds no traceback
            return copy.deepcopy(known)
        client = self._client(service, region)
        self._pace(service, operation)
        started = time.perf_counter()
        try:
            response = getattr(client, operation)(**params)
        except _HANDLED_ERRORS as exc:
            failure = self._failure(exc, client, service, op_name, region, started)
            if isinstance(failure, AwsCallError):
                # kept without its traceback: a kept traceback would hold this scope's frames (and so its
                # session and clients) alive for the whole run
                self._answers[key] = copy.copy(failure)
            raise failure from None
        self._record(service, op_name, region, started, "ok", "", _metrics_requested(operation, params))
        response.pop("ResponseMetadata", None)
        self._answers[key] = copy.deepcopy(response)
        return response

    def paginate(
        self,
        service: str,
        operation: str,
        region: str | None = None,
        *,
        token_in: str = "",
        token_out: str = "",
        max_pages: int = 100,
        **params: Any,
    ) -> Iterator[dict[str, Any]]:
        """Pages of a read operation, at most `max_pages` of them (so at most that many requests).

        When botocore has a paginator for the operation, its page iterator does the paging (it knows the
        token names, `IsTruncated`-style flags and repeated tokens); each page it fetches is one request,
        timed and recorded as one CallRecord, and a failed page is classified exactly as in call().
        Otherwise each page is one call(), following `token_in`/`token_out` (by default the token member
        of the operation's input and output shapes). The read-only check happens here, before any request.
        """
        region = region or self.region
        op_name = self._read_only(service, operation)
        key = _answer_key(service, operation, region, params)
        mine = self._claim_listing(key)
        known = self._pages.get(key)
        if known is not None and (known[1] or max_pages <= len(known[0])):
            # the same listing was read to its end, or at least as far as asked now: no request
            self._release_listing(key, mine)
            return iter(copy.deepcopy(known[0][:max_pages]))
        derived = self._derived(service, operation, region, params)
        if derived is not None:
            self._release_listing(key, mine)
            return iter(derived)
        if self._client(service, region).can_paginate(operation):
            pages = self._paginator_pages(service, operation, op_name, region, max_pages, params)
        else:
            pages = self._token_pages(service, operation, region, token_in, token_out, max_pages, params)
        if self._shared is not None and service in GLOBAL_SERVICES:
            # read to the end once for the whole account; a failed page fails every scope's listing alike
            shared_key = _answer_key(service, operation, "*", {**params, "max_pages": max_pages})
            try:
                return iter(self._shared.get(shared_key, lambda: list(self._remember(key, pages, max_pages))))
            finally:
                self._release_listing(key, mine)  # answered (from the account's answer or this read)
        return self._listed(key, mine, self._remember(key, pages, max_pages))

    def _claim_listing(self, key: str) -> bool:
        """True when this thread is to read the listing; when another thread is reading it, wait for that
        first (bounded, so callers waiting on each other can never deadlock; then read it again if need be)."""
        with self._client_lock:
            running = self._listing.get(key)
            if running is None:
                self._listing[key] = threading.Event()
                return True
        running.wait(LISTING_WAIT_S)
        return False

    def _release_listing(self, key: str, mine: bool) -> None:
        if mine:
            with self._client_lock:
                done = self._listing.pop(key, None)
            if done is not None:
                done.set()

    def _listed(self, key: str, mine: bool, pages: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        try:
            yield from pages
        finally:
            self._release_listing(key, mine)

    def _pace(self, service: str, operation: str) -> None:
        """Wait as long as the operation's rate limit asks (RATE_LIMITS: per account and Region, which is
        this AwsAccess), so a tight quota is kept instead of answered with throttling and back-off."""
        rate = RATE_LIMITS.get((service, operation))
        if not rate:
            return
        with self._client_lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get((service, operation), now))
            self._next_slot[(service, operation)] = slot + 1.0 / rate
        if slot > now:
            time.sleep(slot - now)

    def _derived(
        self, service: str, operation: str, region: str, params: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """A filtered listing answered from the whole listing (read once, to its end), or None.

        ListMetrics of one namespace and DescribeLogGroups of one name prefix hold nothing the unfiltered
        listing does not: when that listing (SUPERSETS: at most its page budget) reads to its end, the
        filtered one is cut from it, one page, no request. When it does not end (a very large account) or
        fails, the filtered listing is made as asked.
        """
        spec = SUPERSETS.get((service, operation))
        if spec is None or spec.filter not in params or set(params) - {spec.filter} - spec.passed_on:
            return None
        rest = {k: v for k, v in params.items() if k != spec.filter}
        try:
            whole = list(self.paginate(service, operation, region, max_pages=spec.pages, **rest))
        except AwsCallError:
            return None
        known = self._pages.get(_answer_key(service, operation, region, rest))
        if known is None or not known[1]:
            return None
        value = params[spec.filter]
        entries = [e for page in whole for e in page.get(spec.key) or [] if spec.matches(e, value)]
        return [{spec.key: entries}]

    def forget(self) -> None:
        """Start a new collection: answers kept from an earlier one (the account may have changed) go."""
        self._answers.clear()
        self._pages.clear()

    def _remember(
        self, key: str, pages: Iterator[dict[str, Any]], max_pages: int
    ) -> Iterator[dict[str, Any]]:
        """Yield the pages, and keep them once they were all read: with whether the listing ended (fewer
        pages than the budget), so a later ask for as many pages or fewer, or for any number of an ended
        listing, is answered from them. A failed or abandoned listing is not kept."""
        seen: list[dict[str, Any]] = []
        for page in pages:
            seen.append(copy.deepcopy(page))
            yield page
        self._pages[key] = (seen, len(seen) < max_pages)

    def items(
        self, service: str, operation: str, key: str, region: str | None = None, **kwargs: Any
    ) -> list[Any]:
        """Every entry under `key` across the pages of a read operation (`paginate`'s options apply)."""
        return [
            x for page in self.paginate(service, operation, region, **kwargs) for x in page.get(key) or []
        ]

    def _paginator_pages(
        self, service: str, operation: str, op_name: str, region: str, max_pages: int, params: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        client = self._client(service, region)
        pages = iter(client.get_paginator(operation).paginate(**params))
        for _ in range(max_pages):
            # One next() is one request (with its retries): the page iterator sends the next request only
            # when asked for the next page, and asks nothing after the last one.
            self._pace(service, operation)
            started = time.perf_counter()
            try:
                page = next(pages)
            except StopIteration:
                return
            except bce.PaginationError:
                return  # the same token came back twice: botocore stops before asking for that page again
            except _HANDLED_ERRORS as exc:
                raise self._failure(exc, client, service, op_name, region, started) from None
            self._record(service, op_name, region, started, "ok", "", _metrics_requested(operation, params))
            yield {k: v for k, v in page.items() if k != "ResponseMetadata"}

    def _token_pages(
        self,
        service: str,
        operation: str,
        region: str,
        token_in: str,
        token_out: str,
        max_pages: int,
        params: dict[str, Any],
    ) -> Iterator[dict[str, Any]]:
        """Pages of an operation botocore has no paginator for: one call() per page."""
        if not token_in:
            token_in, token_out = _shape_tokens(self._client(service, region), operation)
        for _ in range(max_pages):
            page = self.call(service, operation, region, **params)
            yield page
            token = page.get(token_out) if token_in else None
            if not token or token == params.get(token_in):
                return
            params = {**params, token_in: token}

    def _read_only(self, service: str, operation: str) -> str:
        """The API name of `operation` (snake_case); ReadOnlyViolation unless it is a read."""
        op_name = _camel(operation)
        if not self.is_read_operation(op_name) or not self.is_declared(service, op_name):
            raise ReadOnlyViolation(
                f"the audit refused to call {service}:{op_name}: it is not one of the read operations the "
                "collectors declare",
                hint="this is a bug in llmops-audit; please report it",
            )
        return op_name

    # -- record -------------------------------------------------------------------------------

    def _failure(
        self, exc: Exception, client: Any, service: str, op_name: str, region: str, started: float
    ) -> Exception:
        """Record one failed request and return the error to raise instead (for call() and every page).

        Rejected or missing credentials, an unknown profile and an unreachable endpoint stop the run
        (AwsAccessError); anything else only leaves this call's evidence unknown (AwsCallError).
        """
        if isinstance(exc, bce.ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", "Unknown"))
            message = str(err.get("Message", "")) or str(exc)
            kind = self._classify(code, exc)
            self._record(service, op_name, region, started, kind, code)
            if code in REJECTED_CREDENTIAL_CODES:
                return AwsAccessError(
                    f"AWS rejected the credentials ({code}) when calling {service}.{op_name} in {region}",
                    hint="check the profile or keys in use (`aws sts get-caller-identity`), or try --demo",
                )
            return AwsCallError(kind, service, op_name, region, code, message)
        if isinstance(exc, _CREDENTIAL_ERRORS):
            if not isinstance(exc, bce.ProfileNotFound):
                self._record(service, op_name, region, started, "error", "NoCredentials")
            return _credentials_error(exc)
        if isinstance(exc, bce.EndpointConnectionError | bce.ConnectTimeoutError | bce.ConnectionClosedError):
            self._record(service, op_name, region, started, "error", "EndpointUnreachable")
            endpoint = getattr(exc, "kwargs", {}).get("endpoint_url") or client.meta.endpoint_url
            return AwsAccessError(
                f"cannot reach the AWS endpoint {endpoint} ({service} in {region})",
                hint="check the network, proxy, --region and AWS_ENDPOINT_URL",
            )
        if isinstance(exc, MalformedResponse | ResponseParserError | UnicodeDecodeError):
            self._record(service, op_name, region, started, "error", "MalformedResponse")
            # The message never carries the body: botocore puts it after the first line, and a decode
            # error is summarised by its position only.
            detail = (
                f"the response body is not UTF-8 text (byte {exc.start})"
                if isinstance(exc, UnicodeDecodeError)
                else str(exc).split("\n")[0]
            )
            return AwsCallError("error", service, op_name, region, "MalformedResponse", detail)
        if isinstance(exc, bce.ReadTimeoutError | bce.ParamValidationError):
            self._record(service, op_name, region, started, "error", type(exc).__name__)
            return AwsCallError("error", service, op_name, region, type(exc).__name__, str(exc))
        if isinstance(exc, NotImplementedError):
            # Emulators (moto, LocalStack) raise this for APIs they lack; real AWS never does.
            self._record(service, op_name, region, started, "unsupported", "NotImplemented")
            return AwsCallError("unsupported", service, op_name, region, "NotImplemented", str(exc))
        raise TypeError(f"not an AWS call failure: {exc!r}") from exc

    @staticmethod
    def _classify(code: str, exc: bce.ClientError) -> str:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in DENIED_CODES or (status == 403 and code not in REJECTED_CREDENTIAL_CODES):
            return "denied"
        if code in THROTTLED_CODES or status == 429:
            return "throttled"
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if code in NOT_IMPLEMENTED_CODES or status == 501 or _NOT_IMPLEMENTED_TEXT.search(message[:500]):
            return "unsupported"  # an emulator's (or an old endpoint's) answer for an API it does not serve
        if _is_not_found(code, status):
            return "not_found"
        if code == "ValidationError" and "does not exist" in message:
            return "not_found"  # CloudFormation's answer for a stack that is not there (e.g. deleted)
        return "error"

    def _record(
        self, service: str, op: str, region: str, started: float, outcome: str, code: str, metrics: int = 0
    ) -> None:
        ms = round((time.perf_counter() - started) * 1000, 2)
        self.calls.append(CallRecord(service, op, region, ms, outcome, code, metrics))
