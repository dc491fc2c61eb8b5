"""Every error the CLI reports, and every exit code, is defined here.

cli.py catches only AuditError: it prints one line, `error: <message>; <hint>` (the hint says what to do),
on stderr and exits with `exit_code`. Anything else escaping is a bug.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # the audit ran and nothing requested fell short
    SHORT = 1  # the audit ran and the workload fell short (--min-level, --fail-on-gates)
    CANNOT_RUN = 2  # the audit could not run (usage, definitions, credentials, endpoint, region, output)
    PARTIAL = 3  # partial: the --deadline passed first, or some scopes failed; the report holds what was read


class AuditError(Exception):
    """An error that stops the run, with a one-line message and an optional hint."""

    exit_code: ExitCode = ExitCode.CANNOT_RUN

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class DefinitionError(AuditError):
    """A level, framework, attestation, policy or waiver file is unreadable or invalid."""


class AwsAccessError(AuditError):
    """AWS cannot be used at all: no credentials, rejected credentials, unreachable endpoint, bad region."""


class OutputError(AuditError):
    """The report cannot be written."""


class UsageError(AuditError):
    """Options that do not fit together, or an option value that cannot be used."""
