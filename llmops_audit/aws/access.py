"""AwsAccess: the one way the tool talks to AWS.

It builds every boto3 client (standard credential chain, `--profile`, `--region`, and the
`AWS_ENDPOINT_URL*` variables as boto3 honours them), retries adaptively, refuses any operation
that is not a read, and records every call: service, operation, region, duration and outcome.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import boto3
import botocore.exceptions as bce
from botocore.config import Config

from llmops_audit.aws.iam_actions import iam_action
from llmops_audit.errors import AwsAccessError
from llmops_audit.evidence.snapshot import describe_failure

# Operation-name prefixes of read operations. Nothing else can be called through AwsAccess.
READ_PREFIXES = ("Describe", "Get", "List", "Lookup", "BatchGet", "Filter", "Search")

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


class ReadOnlyViolation(RuntimeError):
    """A probe asked for an operation that could change something. This is a bug, never user error."""


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


@dataclass(frozen=True)
class CallRecord:
    service: str
    operation: str
    region: str
    duration_ms: float
    outcome: str  # ok | denied | throttled | not_found | error | unsupported
    error_code: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class AwsAccess:
    def __init__(
        self,
        session: boto3.Session,
        region: str,
        *,
        max_attempts: int = 5,
        client_hook: Callable[[Any], None] | None = None,
    ) -> None:
        self.session = session
        self.region = region
        self.calls: list[CallRecord] = []
        self._clients: dict[tuple[str, str], Any] = {}
        # AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, when set, win over our defaults, as everywhere in boto3.
        retries: dict[str, Any] = {"mode": os.environ.get("AWS_RETRY_MODE", "adaptive")}
        if not os.environ.get("AWS_MAX_ATTEMPTS"):
            retries["max_attempts"] = max_attempts
        self._config = Config(
            retries=retries,
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra="llmops-audit",
        )
        self._client_hook = client_hook

    # -- clients ------------------------------------------------------------------------------

    def client(self, service: str, region: str | None = None) -> Any:
        """A cached client. Only for attaching test stubs: collectors use call() and paginate()."""
        key = (service, region or self.region)
        if key not in self._clients:
            client = self.session.client(service, region_name=key[1], config=self._config)
            if self._client_hook:
                self._client_hook(client)
            self._clients[key] = client
        return self._clients[key]

    @staticmethod
    def is_read_operation(operation: str) -> bool:
        return operation.startswith(READ_PREFIXES)

    # -- calls --------------------------------------------------------------------------------

    def call(self, service: str, operation: str, region: str | None = None, **params: Any) -> dict[str, Any]:
        """Call one read operation, named in boto3's snake_case (`list_metrics`)."""
        region = region or self.region
        op_name = _camel(operation)
        if not self.is_read_operation(op_name):
            raise ReadOnlyViolation(f"{service}.{op_name} is not a read operation")
        client = self.client(service, region)
        started = time.perf_counter()
        try:
            response = getattr(client, operation)(**params)
        except bce.ClientError as exc:
            err = exc.response.get("Error", {})
            code = str(err.get("Code", "Unknown"))
            message = str(err.get("Message", "")) or str(exc)
            kind = self._classify(code, exc)
            self._record(service, op_name, region, started, kind, code)
            if code in REJECTED_CREDENTIAL_CODES:
                raise AwsAccessError(
                    f"AWS rejected the credentials ({code}) when calling {service}.{op_name} in {region}",
                    hint="check the profile or keys in use (`aws sts get-caller-identity`), or try --demo",
                ) from None
            raise AwsCallError(kind, service, op_name, region, code, message) from None
        except (bce.NoCredentialsError, bce.PartialCredentialsError, bce.NoAuthTokenError):
            self._record(service, op_name, region, started, "error", "NoCredentials")
            raise AwsAccessError(
                "no AWS credentials found in the environment, shared config or instance metadata",
                hint="pass --profile NAME, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run with --demo",
            ) from None
        except bce.ProfileNotFound as exc:
            raise AwsAccessError(
                f"AWS profile not found: {exc.kwargs.get('profile')}",
                hint="list profiles with `aws configure list-profiles`",
            ) from None
        except (bce.EndpointConnectionError, bce.ConnectTimeoutError, bce.ConnectionClosedError) as exc:
            self._record(service, op_name, region, started, "error", "EndpointUnreachable")
            endpoint = getattr(exc, "kwargs", {}).get("endpoint_url") or client.meta.endpoint_url
            raise AwsAccessError(
                f"cannot reach the AWS endpoint {endpoint} ({service} in {region})",
                hint="check the network, proxy, --region and AWS_ENDPOINT_URL",
            ) from None
        except (bce.ReadTimeoutError, bce.ParamValidationError) as exc:
            self._record(service, op_name, region, started, "error", type(exc).__name__)
            raise AwsCallError("error", service, op_name, region, type(exc).__name__, str(exc)) from None
        except NotImplementedError as exc:
            # Emulators (moto, LocalStack) raise this for APIs they lack; real AWS never does.
            self._record(service, op_name, region, started, "unsupported", "NotImplemented")
            raise AwsCallError("unsupported", service, op_name, region, "NotImplemented", str(exc)) from None
        self._record(service, op_name, region, started, "ok", "")
        response.pop("ResponseMetadata", None)
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
        """Yield pages of a read operation, following its next-token.

        Each page is a separate recorded call, so the call record shows the real number of requests.
        The token names come from botocore's paginator model when there is one.
        """
        region = region or self.region
        if not token_in:
            token_in, token_out = self._page_tokens(service, operation)
        for _ in range(max_pages):
            page = self.call(service, operation, region, **params)
            yield page
            token = page.get(token_out)
            if not token:
                return
            params = {**params, token_in: token}

    def items(
        self, service: str, operation: str, key: str, region: str | None = None, **kwargs: Any
    ) -> list[Any]:
        """Every entry under `key` across the pages of a read operation (`paginate`'s options apply)."""
        return [
            x for page in self.paginate(service, operation, region, **kwargs) for x in page.get(key) or []
        ]

    def _page_tokens(self, service: str, operation: str) -> tuple[str, str]:
        """Input and output token names from botocore's paginator model (NextToken when it has none)."""
        client = self.client(service)
        api_name = client.meta.method_to_api_mapping.get(operation, _camel(operation))
        try:
            config = self.session._session.get_paginator_model(service).get_paginator(api_name)
        except Exception:  # no paginator model: use the token member the operation's output shape has
            out = client.meta.service_model.operation_model(api_name).output_shape
            members = set(out.members) if out is not None else set()
            token = next(
                (t for t in ("NextToken", "nextToken", "NextMarker", "Marker") if t in members), "NextToken"
            )
            return ("Marker" if token == "NextMarker" else token), token
        token_in, token_out = config.get("input_token", "NextToken"), config.get("output_token", "NextToken")
        if isinstance(token_in, list):  # a few APIs page on several keys; the first is enough here
            token_in, token_out = token_in[0], token_out[0]
        return token_in, token_out

    # -- record -------------------------------------------------------------------------------

    @staticmethod
    def _classify(code: str, exc: bce.ClientError) -> str:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in DENIED_CODES or (status == 403 and code not in REJECTED_CREDENTIAL_CODES):
            return "denied"
        if code in THROTTLED_CODES or status == 429:
            return "throttled"
        if _is_not_found(code, status):
            return "not_found"
        return "error"

    def _record(self, service: str, op: str, region: str, started: float, outcome: str, code: str) -> None:
        self.calls.append(
            CallRecord(service, op, region, round((time.perf_counter() - started) * 1000, 2), outcome, code)
        )
