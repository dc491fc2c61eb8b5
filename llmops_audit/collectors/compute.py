"""compute evidence (see ../../shared/aws-evidence.md)."""

from __future__ import annotations

SECTIONS: dict = {}
