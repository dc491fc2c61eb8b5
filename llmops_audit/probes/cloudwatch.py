"""Probes over cloudwatch evidence."""

from __future__ import annotations
