"""Probes over agents evidence."""

from __future__ import annotations
