"""The least-privilege IAM policy the audit needs, derived from the collectors' own read calls.

Each collector module names its services and operations as string literals (directly or through small
helpers); an operation literal counts for every service named in that module whose botocore model has it.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

from llmops_audit.aws.access import READ_PREFIXES
from llmops_audit.aws.iam_actions import iam_action

COLLECTORS = Path(__file__).resolve().parents[1] / "collectors"
ALWAYS = {("sts", "GetCallerIdentity")}  # the caller-identity check before any collector runs
_OP = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def _camel(op: str) -> str:
    return "".join(p.capitalize() for p in op.split("_"))


@cache
def _service_ops() -> dict[str, set[str]]:
    import botocore.session

    session = botocore.session.get_session()
    out: dict[str, set[str]] = {}
    for name in session.get_available_services():
        try:
            out[name] = set(session.get_service_model(name).operation_names)
        except Exception:  # noqa: BLE001 - a model that will not load is simply not ours
            continue
    return out


def operations() -> set[tuple[str, str]]:
    """(service, Operation) pairs that the collectors can call."""
    models = _service_ops()
    found = set(ALWAYS)
    for path in sorted(COLLECTORS.glob("*.py")):
        literals = {
            n.value
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        services = {s for s in literals if s in models}
        for op in (_camel(x) for x in literals if _OP.match(x)):
            if op.startswith(READ_PREFIXES):
                found |= {(s, op) for s in services if op in models[s]}
    return found


def actions() -> list[str]:
    return sorted({iam_action(s, op) for s, op in operations()})


def policy_json() -> str:
    return (
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "LlmopsAuditReadOnly", "Effect": "Allow", "Action": actions(), "Resource": "*"}
                ],
            },
            indent=2,
        )
        + "\n"
    )
