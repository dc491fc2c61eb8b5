"""Building the boto3 session for a live run, and checking the region before any call."""

from __future__ import annotations

import os
import re
import threading
from typing import Any

import boto3
import botocore.exceptions as bce

from llmops_audit.aws.access import AwsAccess, AwsCallError
from llmops_audit.aws.assume import RoleCredentials
from llmops_audit.errors import AwsAccessError

_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def make_session(profile: str | None, region: str | None) -> tuple[boto3.Session, str]:
    """The session for --profile (else AWS_PROFILE) and the Region: --region, else AWS_REGION (what the
    newer SDKs and Lambda set), else AWS_DEFAULT_REGION or the profile's, as boto3 reads them."""
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except bce.ProfileNotFound:
        name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        where = "--profile" if profile else "AWS_PROFILE"
        raise AwsAccessError(
            f"AWS profile '{name}' (from {where}) not found in the shared config or credentials files",
            hint="list profiles with `aws configure list-profiles`, or run with --demo",
        ) from None
    chosen = region or os.environ.get("AWS_REGION") or session.region_name
    if not chosen:
        raise AwsAccessError(
            "no AWS region given and none is configured",
            hint="pass --region (e.g. --region us-east-1) or set AWS_REGION",
        )
    check_region(session, chosen)
    return session, chosen


def check_region(session: boto3.Session, region: str) -> None:
    known: set[str] = set()
    for partition in session.get_available_partitions():
        known.update(session.get_available_regions("sts", partition_name=partition))
        known.update(session.get_available_regions("cloudwatch", partition_name=partition))
    if region in known:
        return
    if os.environ.get("AWS_ENDPOINT_URL") and _REGION_SHAPE.match(region):
        return  # a custom endpoint (an emulator) may serve any well-formed region name
    close = sorted(r for r in known if r.split("-")[0] == region.split("-")[0])[:4]
    raise AwsAccessError(
        f"unknown AWS region '{region}'",
        hint=f"pass --region with a valid region{' such as ' + ', '.join(close) if close else ''}"
        " (or upgrade botocore if the region is new)",
    )


def caller_account(aws: AwsAccess) -> tuple[str, str]:
    """(account id, partition) of the credentials in use; also proves the credentials and endpoint work."""
    try:
        ident = aws.call("sts", "get_caller_identity")
    except AwsCallError as exc:
        raise AwsAccessError(
            f"cannot identify the AWS account: {exc.describe()}",
            hint="the audit needs sts:GetCallerIdentity; check the credentials in use",
        ) from None
    arn = ident.get("Arn", "")
    return ident.get("Account", "unknown"), (arn.split(":")[1] if arn.count(":") > 2 else "aws")


_LOADER_LOCK = threading.Lock()
_SHARED_LOADER: list[Any] = []


def _botocore_session() -> Any:
    """A new botocore session whose service models come from one loader for the whole run: each scope's
    session would otherwise parse the same JSON models again (about a second of CPU per scope). The loader
    only reads and caches model files; sessions themselves are still one per scope and thread."""
    import botocore.session

    session = botocore.session.Session()
    with _LOADER_LOCK:
        if not _SHARED_LOADER:
            _SHARED_LOADER.append(session.get_component("data_loader"))
        session.register_component("data_loader", _SHARED_LOADER[0])
    return session


def scope_session(profile: str | None, credentials: RoleCredentials | None, region: str) -> boto3.Session:
    """A new session for one scope of a multi-scope run (one per thread: sessions are not thread-safe):
    the assumed role's credentials, else the profile's, else the standard credential chain."""
    core = _botocore_session()
    if credentials is not None:
        return boto3.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            region_name=region,
            botocore_session=core,
        )
    if profile:
        return boto3.Session(profile_name=profile, region_name=region, botocore_session=core)
    return boto3.Session(region_name=region, botocore_session=core)
