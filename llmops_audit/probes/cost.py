"""Probes over cost evidence."""

from __future__ import annotations
