"""Metric calculators: agentic."""

from __future__ import annotations
