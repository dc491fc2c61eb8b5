"""Metric calculators: cost."""

from __future__ import annotations
