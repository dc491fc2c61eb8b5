"""Names shared by every part of the demo workload, so the domains seed one coherent account.

The workload: a customer-support assistant. Two Claude models (Haiku for routine answers, Sonnet for
hard ones) behind an API Gateway REST API and a Bedrock supervisor agent with one collaborator,
a knowledge base over support docs, three Lambdas, invocation logging, alarms, a dashboard and a trail.
Intended outcome: level 3 (Governed). L2 all met; L3 all but L3.3 (no approval step in the pipeline);
L4 only L4.2, L4.4, L4.5 (L4.3 needs an attestation); L5 only L5.1, L5.2, L5.4.
"""

ACCOUNT = "123456789012"
REGION = "us-east-1"

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"  # through a cross-Region inference profile

INVOCATION_LOG_GROUP = "/aws/bedrock/modelinvocations"
APP_LOG_GROUP = "/support-bot/app"

FN_ORCHESTRATOR = "support-bot-orchestrator"
FN_RETRIEVER = "support-bot-retriever"
FN_TICKET_TOOL = "support-bot-ticket-tool"  # the agent's action-group executor
FUNCTIONS = (FN_ORCHESTRATOR, FN_RETRIEVER, FN_TICKET_TOOL)

REST_API = "support-api"
API_STAGES = ("dev", "prod")
ENVIRONMENTS = ("dev", "prod")

AGENT_SUPERVISOR = "support-bot"
AGENT_COLLABORATOR = "billing-helper"
KNOWLEDGE_BASE = "support-docs"
GUARDRAIL = "support-guardrail"
PROMPT = "support-answer"
STATE_MACHINE = "support-escalation"
TRAIL = "audit-trail"
TRAIL_BUCKET = "audit-trail-logs-123456789012"
PIPELINE = "support-bot-release"
