"""Probes over cloudtrail evidence."""

from __future__ import annotations
