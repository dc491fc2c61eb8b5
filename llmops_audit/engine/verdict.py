"""Pure: does the finished report meet what the run asked for (--min-level, --fail-on-gates)?"""

from __future__ import annotations

from collections.abc import Iterable

from llmops_audit.model import GateResult, Status, Verdict


def decide_verdict(
    level: int,
    gates: Iterable[GateResult],
    *,
    min_level: int | None = None,
    fail_on_gates: bool = False,
    fail_on_unknown: bool = False,
) -> Verdict:
    reasons: list[str] = []
    checked: list[str] = []
    if min_level is not None:
        checked.append(f"minimum level {min_level}")
        if level < min_level:
            reasons.append(f"level {level} is below the required level {min_level}")
    if fail_on_gates:
        checked.append("go-live gates")
        for g in gates:
            if g.status is Status.NOT_MET:
                reasons.append(f"{g.name.lower()} failed")
            elif g.status is Status.UNKNOWN and fail_on_unknown:
                reasons.append(f"{g.name.lower()} has no data (--fail-on-unknown)")
    return Verdict("fail" if reasons else "pass", tuple(reasons), tuple(checked))
