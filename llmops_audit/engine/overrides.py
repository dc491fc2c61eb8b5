"""Pure: a person's word (attestation) and an accepted gap (waiver) applied to a decided status.

One path for checklist items and go-live gates alike, so a waiver means the same thing everywhere: while
it is active and applies to the audited scope it turns a result that does not count into `waived`; once
expired it is ignored and the result says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmops_audit.model import Attestation, Scope, Status, Waiver


@dataclass(frozen=True)
class Overridden:
    status: Status
    reason: str
    notes: tuple[str, ...]


def waiver_applies(waiver: Waiver, scope: Scope) -> bool:
    """A waiver scoped to an account and/or Region applies only there."""
    wanted = {"account": scope.account, "region": scope.region}
    return all(wanted.get(k, v) == v for k, v in waiver.scope.items())


def _active(waiver: Waiver, scope: Scope) -> bool:
    return not waiver.expired and waiver_applies(waiver, scope)


def pick_waivers(waivers: tuple[Waiver, ...] | dict[str, Waiver] | None, scope: Scope) -> dict[str, Waiver]:
    """Per target, the first active waiver that applies to `scope`; else the first one (for its notes)."""
    listed = list(waivers.values()) if isinstance(waivers, dict) else list(waivers or ())
    out: dict[str, Waiver] = {}
    for w in listed:
        current = out.get(w.target)
        if current is None or (not _active(current, scope) and _active(w, scope)):
            out[w.target] = w
    return out


def apply_overrides(
    status: Status,
    reason: str,
    scope: Scope,
    *,
    attestation: Attestation | None = None,
    waiver: Waiver | None = None,
    label: Callable[[Status], str] = lambda s: s.value,
) -> Overridden:
    """The status after the attestation (items only) and then the waiver. MET is never overridden."""
    notes: list[str] = []
    if attestation is not None and status is not Status.MET:
        if attestation.expired:
            notes.append(
                f"The attestation by {attestation.by} expired on {attestation.expires} and no longer counts."
            )
            if status is Status.UNKNOWN:
                reason = f"Attestation expired on {attestation.expires} ({attestation.by}); {reason}"
        elif attestation.answer:
            if status is Status.NOT_MET:
                notes.append(f"AWS evidence did not show it: {reason}")
            status = Status.ATTESTED
            reason = f"Attested by {attestation.by} until {attestation.expires}: {attestation.evidence}"
        else:
            status = Status.NOT_MET
            reason = f"Attested as not in place by {attestation.by}: {attestation.evidence}"

    if waiver is not None and status not in (Status.MET, Status.ATTESTED):
        if waiver.expired:
            notes.append(f"The waiver owned by {waiver.owner} expired on {waiver.expires} and is ignored.")
        elif waiver_applies(waiver, scope):
            notes.append(f"Before the waiver: {label(status)}. {reason}")
            status = Status.WAIVED
            reason = f"Waived until {waiver.expires} (owner {waiver.owner}): {waiver.reason}"
    return Overridden(status, reason, tuple(notes))
