"""Probes over delivery evidence."""

from __future__ import annotations
