"""Metric calculators: quality."""

from __future__ import annotations
