"""Metric calculators: runtime."""

from __future__ import annotations
