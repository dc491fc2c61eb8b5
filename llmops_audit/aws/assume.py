"""Credentials for another account: `sts:AssumeRole`, made here and only here.

AssumeRole issues credentials, so the audit access layer (aws/access.py) refuses it like every
credential-returning operation. It is the same step boto3 takes for a profile with `role_arn`: it obtains
the credentials the reads are signed with and reads nothing of the account. Each call is recorded in
`ASSUME_ROLE_ACTION` terms so the run summary and `llmops-audit permissions` list it on its own line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import boto3
import botocore.exceptions as bce
from botocore.config import Config

ASSUME_ROLE_ACTION = "sts:AssumeRole"
SESSION_NAME = "llmops-audit"  # shows in the audited account's CloudTrail as the session name
DURATION_S = 3600  # the default maximum session duration of a role; a run needing longer is re-assumed


class AssumeRoleFailed(Exception):
    """The role could not be assumed; `kind` is denied | not_found | throttled | error."""

    def __init__(self, kind: str, role_arn: str, code: str, message: str) -> None:
        self.kind = kind
        self.role_arn = role_arn
        self.code = code
        super().__init__(message)

    def describe(self) -> str:
        what = {"denied": "was denied", "throttled": "was throttled"}.get(self.kind, f"failed ({self.code})")
        return f"assuming {self.role_arn} {what}" + (
            f" ({ASSUME_ROLE_ACTION}; check the role's trust policy and the caller's permission)"
            if self.kind == "denied"
            else ""
        )


@dataclass(frozen=True)
class RoleCredentials:
    """Temporary credentials of an assumed role. repr() never shows the secret or the token."""

    role_arn: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float  # time.time()

    def __repr__(self) -> str:
        return f"RoleCredentials(role_arn={self.role_arn!r}, expires_at={self.expires_at})"

    def session(self, region: str) -> boto3.Session:
        """A new boto3 session signed with these credentials (one per thread: sessions are not shared)."""
        return boto3.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            region_name=region,
        )


def assume_role(
    base: boto3.Session, role_arn: str, region: str, external_id: str | None = None
) -> RoleCredentials:
    """Assume `role_arn` with the base session's credentials; AssumeRoleFailed when AWS says no."""
    sts = base.client(
        "sts",
        region_name=region,  # the Regional STS endpoint, as the current SDKs default to
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}, user_agent_extra="llmops-audit"),
    )
    params: dict[str, object] = {
        "RoleArn": role_arn,
        "RoleSessionName": SESSION_NAME,
        "DurationSeconds": DURATION_S,
    }
    if external_id:
        params["ExternalId"] = external_id
    try:
        answer = sts.assume_role(**params)
    except bce.ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        kind = (
            "denied"
            if code in {"AccessDenied", "AccessDeniedException"} or status == 403
            else "throttled"
            if "Throttl" in code
            else "error"
        )
        raise AssumeRoleFailed(kind, role_arn, code, str(err.get("Message", ""))[:200]) from None
    except (bce.EndpointConnectionError, bce.ConnectTimeoutError, bce.ReadTimeoutError) as exc:
        raise AssumeRoleFailed("error", role_arn, type(exc).__name__, "STS could not be reached") from None
    creds = answer["Credentials"]
    expiry = creds.get("Expiration")
    return RoleCredentials(
        role_arn,
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        creds["SessionToken"],
        expiry.timestamp() if hasattr(expiry, "timestamp") else time.time() + DURATION_S,
    )
