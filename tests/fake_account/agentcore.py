"""The demo's small AgentCore agent beside the classic Bedrock agent: a `ticket-triage` runtime with two
published versions, a `prod` endpoint pinned to version 1 and a `dev` endpoint on version 2, behind a gateway
with a JWT authorizer. moto serves runtimes, endpoints and gateways; the APIs it lacks (policy engines,
online evaluations, credential providers) and IAM's service-specific credentials are answered as an account
without them, with responses validated against botocore's shapes. No policy engine and no online evaluation: a newcomer sees
both forms of evidence, and what the AgentCore half still lacks."""

from __future__ import annotations

import json

from tests.fake_account.env import DemoEnv

SERVICE = "bedrock-agentcore-control"


def seed(env: DemoEnv) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = env.client("iam").create_role(
        RoleName="ticket-triage-runtime", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    ac = env.client(SERVICE)
    runtime = ac.create_agent_runtime(
        agentRuntimeName="ticket_triage",
        agentRuntimeArtifact={
            "containerConfiguration": {
                "containerUri": f"{env.account}.dkr.ecr.{env.region}.amazonaws.com/ticket-triage:1"
            }
        },
        roleArn=role,
        networkConfiguration={"networkMode": "PUBLIC"},
        tags={"env": "prod", "app": "support-bot"},
    )
    ac.update_agent_runtime(
        agentRuntimeId=runtime["agentRuntimeId"],
        agentRuntimeArtifact={
            "containerConfiguration": {
                "containerUri": f"{env.account}.dkr.ecr.{env.region}.amazonaws.com/ticket-triage:2"
            }
        },
        roleArn=role,
        networkConfiguration={"networkMode": "PUBLIC"},
    )
    ac.create_agent_runtime_endpoint(
        agentRuntimeId=runtime["agentRuntimeId"], name="prod", agentRuntimeVersion="1"
    )
    ac.create_agent_runtime_endpoint(
        agentRuntimeId=runtime["agentRuntimeId"], name="dev", agentRuntimeVersion="2"
    )
    env.canned.add(SERVICE, "ListPolicyEngines", {"policyEngines": []})
    env.canned.add(SERVICE, "ListOnlineEvaluationConfigs", {"onlineEvaluationConfigs": []})
    env.canned.add(SERVICE, "ListApiKeyCredentialProviders", {"credentialProviders": []})
    env.canned.add(SERVICE, "ListOauth2CredentialProviders", {"credentialProviders": []})
    env.canned.add("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": []})
