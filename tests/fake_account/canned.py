"""Canned responses for operations an emulator lacks, validated against botocore's own service model.

This is the mechanism botocore's Stubber uses (a `before-call` handler that returns the parsed response),
without Stubber's strict call order: a response is chosen by operation, optionally from the request
parameters. The demo account uses it beside moto for Bedrock APIs moto does not implement
(guardrails, evaluation jobs, prompts...), and tests use it to fake whole accounts the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

Responder = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


class ShapeMismatch(AssertionError):
    """A canned response does not match botocore's output shape for its operation."""


class CannedResponses:
    def __init__(self) -> None:
        self._by_op: dict[tuple[str, str], Responder] = {}
        self._errors: dict[tuple[str, str], tuple[str, str, int]] = {}

    def add(self, service: str, operation: str, response: Responder) -> None:
        """Answer `service`.`operation` (PascalCase API name) with `response` (a dict, or f(params) -> dict)."""
        self._by_op[(service, operation)] = response

    def deny(self, service: str, operation: str, message: str = "") -> None:
        self.fail(
            service,
            operation,
            "AccessDeniedException",
            message
            or f"User: arn:aws:iam::123456789012:user/audit is not authorized to perform: "
            f"{'bedrock' if service.startswith('bedrock') else service}:{operation}",
            403,
        )

    def fail(self, service: str, operation: str, code: str, message: str, status: int = 400) -> None:
        self._errors[(service, operation)] = (code, message, status)

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        service_id = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"before-parameter-build.{service_id}", _keep_params)
        client.meta.events.register_first(
            f"before-call.{service_id}", lambda **kw: self._answer(service, **kw)
        )

    def _answer(self, service: str, model: Any, context: dict[str, Any], **_: Any) -> Any:
        key = (service, model.name)
        if key in self._errors:
            code, message, status = self._errors[key]
            return AWSResponse(None, status, {}, None), {
                "Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": status},
            }
        if key not in self._by_op:
            return None  # fall through to moto (or the network)
        responder = self._by_op[key]
        body = responder(context.get("canned_params", {})) if callable(responder) else responder
        if model.output_shape is not None:
            report = ParamValidator().validate(body, model.output_shape)
            if report.has_errors():
                raise ShapeMismatch(f"canned {service}.{model.name} response: {report.generate_report()}")
        return AWSResponse(None, 200, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """Remember the caller's parameters: before-call only sees the serialised request."""
    context["canned_params"] = dict(params)
