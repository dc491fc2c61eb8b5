"""Probes over compute evidence."""

from __future__ import annotations
