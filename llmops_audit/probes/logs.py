"""Probes over logs evidence."""

from __future__ import annotations
