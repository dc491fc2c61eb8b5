"""llmops-audit: evidence-based LLMOps maturity auditor for LLM workloads on AWS."""

__version__ = "0.1.0"
