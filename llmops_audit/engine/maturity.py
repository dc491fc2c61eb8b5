"""Pure: item results -> the level reached, per the framework's level rule.

The seed's rule: "the highest level where most items are checked". An item counts when it is
met, attested, or waived (while the waiver is active); unknown and error never count.
"""

from __future__ import annotations

from llmops_audit.model import Framework, ItemResult, LevelSummary


def summarise_levels(framework: Framework, results: tuple[ItemResult, ...]) -> tuple[LevelSummary, ...]:
    out = []
    for lv in framework.levels:
        mine = [r for r in results if r.level == lv.number]
        counted = sum(1 for r in mine if r.status.counts_for_level)
        # A starting-state level is where every workload begins: always "reached"; its count is the signs
        # of that stage still present.
        reached = lv.starting_state or (bool(mine) and counted > framework.rule.min_share * len(mine))
        out.append(
            LevelSummary(
                lv.number, lv.name, lv.motto, lv.core_question, counted, len(mine), reached, lv.starting_state
            )
        )
    return tuple(out)


def achieved_level(framework: Framework, summaries: tuple[LevelSummary, ...]) -> int:
    level = framework.rule.floor
    for s in sorted(summaries, key=lambda s: s.number):
        if s.reached:
            level = max(level, s.number)
        elif framework.rule.cumulative and s.number > framework.rule.floor:
            break
    return level


def next_improvements(framework: Framework, results: tuple[ItemResult, ...], level: int) -> tuple[str, ...]:
    """The items of the next level up that do not count yet."""
    numbers = sorted(lv.number for lv in framework.levels)
    higher = [n for n in numbers if n > level]
    if not higher:
        return ()
    return tuple(r.id for r in results if r.level == higher[0] and not r.status.counts_for_level)
