"""Probes over bedrock evidence."""

from __future__ import annotations
