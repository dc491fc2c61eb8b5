"""A secret planted in free-text fields of an account appears in no output format and not in saved evidence."""

from __future__ import annotations

import io
import json
import zipfile

from llmops_audit.report import FORMATS, render
from tests.conftest import ACCOUNT, REGION, seed_client
from tests.helpers import assess, report_of

SECRET = "hunter2-PLANTED-SECRET"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return e\n")
    return buf.getvalue()


def _plant_secrets() -> None:
    iam = seed_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    lam = seed_client("lambda")
    lam.create_function(
        FunctionName="chat-bot",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Description=f"password is {SECRET}",
        Environment={"Variables": {"BEDROCK_MODEL_ID": "anthropic.claude-3-haiku", "DB_PASSWORD": SECRET}},
    )
    lam.add_permission(
        FunctionName="chat-bot",
        StatementId=f"{SECRET}-sid",
        Action="lambda:InvokeFunction",
        Principal="bedrock.amazonaws.com",
        SourceArn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/AG1",
    )
    events = seed_client("events")
    events.put_rule(Name="nightly-eval", ScheduleExpression="rate(1 day)", Description=f"token={SECRET}")
    seed_client("ssm").put_parameter(Name="/bot/prompt-template", Value=f"You are... {SECRET}", Type="String")
    seed_client("logs").create_log_group(logGroupName="/aws/lambda/chat-bot", tags={"note": SECRET})


def test_a_planted_secret_is_in_no_output_and_no_saved_evidence(moto_aws, scope, canned) -> None:
    _plant_secrets()
    _, _, snap = assess(moto_aws, scope)
    saved = snap.to_json()
    assert "chat-bot" in saved and "nightly-eval" in saved  # the resources were read
    assert SECRET not in saved
    report = report_of(snap)
    for fmt in FORMATS:
        assert SECRET not in render(report, fmt), fmt
