"""Probes over governance evidence."""

from __future__ import annotations
