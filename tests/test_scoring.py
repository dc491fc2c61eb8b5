"""Pure scoring: three-valued rule logic, item statuses, attestations, waivers and the level rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from llmops_audit.engine import scoring
from llmops_audit.engine.maturity import achieved_level, next_improvements, summarise_levels
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.model import (
    Attestation,
    Finding,
    Framework,
    ItemDef,
    ItemResult,
    LevelDef,
    LevelRule,
    ProbeRef,
    Scope,
    Status,
    Waiver,
)

SCOPE = Scope(
    "123456789012", "us-east-1", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool | None]:
    """Probe id -> the value the fake probe returns."""
    values: dict[str, bool | None] = {}

    def fake(probe_id: str, snapshot: EvidenceSnapshot, params: dict) -> Finding:
        v = values[probe_id]
        missing = ("bedrock:ListGuardrails",) if v is None else ()
        return Finding(probe_id, v, f"{probe_id} is {v}.", missing=missing)

    monkeypatch.setattr(scoring, "run_probe", fake)
    return values


def _item(rule, item_id: str = "L2.1", level: int = 2) -> ItemDef:
    return ItemDef(item_id, level, "An item", "when", rule)


def _score(rule, **kw) -> ItemResult:
    return scoring.score_item(_item(rule), scoring.RuleEvaluator(EvidenceSnapshot(SCOPE)), **kw)


@pytest.mark.parametrize(
    ("a", "b", "all_", "any_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (False, False, False, False),
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
    ],
)
def test_three_valued_all_and_any(answers, a, b, all_, any_) -> None:
    answers.update(a=a, b=b)
    ev = scoring.RuleEvaluator(EvidenceSnapshot(SCOPE))
    assert ev.evaluate({"all": [ProbeRef("a"), ProbeRef("b")]})[0] is all_
    assert ev.evaluate({"any": [ProbeRef("a"), ProbeRef("b")]})[0] is any_


def test_not_keeps_unknown_unknown(answers) -> None:
    answers.update(a=None, b=True)
    ev = scoring.RuleEvaluator(EvidenceSnapshot(SCOPE))
    assert ev.evaluate({"not": ProbeRef("a")})[0] is None
    assert ev.evaluate({"not": ProbeRef("b")})[0] is False


def test_statuses_and_reasons(answers) -> None:
    answers.update(a=True, b=False, c=None)
    assert _score(ProbeRef("a")).status is Status.MET
    nm = _score(ProbeRef("b"))
    assert nm.status is Status.NOT_MET and nm.reason == "b is False."
    unk = _score(ProbeRef("c"))
    assert unk.status is Status.UNKNOWN
    assert unk.missing == ("bedrock:ListGuardrails",)


def test_unknown_never_becomes_met_through_any(answers) -> None:
    answers.update(a=None, b=False)
    assert _score({"any": [ProbeRef("a"), ProbeRef("b")]}).status is Status.UNKNOWN


def test_manual_item_needs_attestation() -> None:
    item = ItemDef("L4.3", 4, "Prompts adapt", "when", None, manual_reason="Not visible in AWS.")
    r = scoring.score_item(item, scoring.RuleEvaluator(EvidenceSnapshot(SCOPE)))
    assert r.status is Status.UNKNOWN and "attestation" in r.reason


def test_attestation_valid_expired_and_negative(answers) -> None:
    answers.update(c=None, a=True)
    good = Attestation("L2.1", True, "Jane", "https://wiki/x", "2099-01-01")
    expired = Attestation("L2.1", True, "Jane", "https://wiki/x", "2020-01-01", expired=True)
    negative = Attestation("L2.1", False, "Jane", "not yet", "2099-01-01")
    assert _score(ProbeRef("c"), attestation=good).status is Status.ATTESTED
    r = _score(ProbeRef("c"), attestation=expired)
    assert r.status is Status.UNKNOWN and "expired" in r.reason
    assert _score(ProbeRef("c"), attestation=negative).status is Status.NOT_MET
    # evidence that it is met wins; an attestation is never needed then
    assert _score(ProbeRef("a"), attestation=good).status is Status.MET


def test_waiver_active_expired_and_out_of_scope(answers) -> None:
    answers.update(b=False)
    active = Waiver("L2.1", "accepted until Q2", "sre-team", "2099-01-01")
    expired = Waiver("L2.1", "old", "sre-team", "2020-01-01", expired=True)
    elsewhere = Waiver("L2.1", "other account", "sre-team", "2099-01-01", {"account": "999999999999"})
    w = _score(ProbeRef("b"), waiver=active)
    assert w.status is Status.WAIVED and "sre-team" in w.reason
    assert any("Before the waiver: not_met" in n for n in w.notes)
    e = _score(ProbeRef("b"), waiver=expired)
    assert e.status is Status.NOT_MET and any("expired" in n for n in e.notes)
    assert _score(ProbeRef("b"), waiver=elsewhere).status is Status.NOT_MET


def _framework(rule: LevelRule | None = None) -> Framework:
    levels = tuple(
        LevelDef(n, f"L{n}", "", "", tuple(ItemDef(f"L{n}.{i}", n, "x", "x", None) for i in range(1, 7)), ())
        for n in range(1, 4)
    )
    return Framework("t", "t", "", "", levels, rule or LevelRule())


def _results(fw: Framework, met: dict[int, int]) -> tuple[ItemResult, ...]:
    out = []
    for lv in fw.levels:
        for i, item in enumerate(lv.items):
            st = Status.MET if i < met.get(lv.number, 0) else Status.NOT_MET
            out.append(ItemResult(item.id, lv.number, item.text, st, "r", ()))
    return tuple(out)


@pytest.mark.parametrize(
    ("met", "level"),
    [
        ({1: 6, 2: 4, 3: 3}, 2),  # 3 of 6 is not "most"
        ({1: 6, 2: 4, 3: 4}, 3),
        ({1: 0, 2: 0, 3: 0}, 1),  # every workload is at least at level 1
        ({1: 6, 2: 2, 3: 5}, 3),  # the seed's rule: the highest level where most items are checked
    ],
)
def test_level_is_highest_level_with_most_items(met, level) -> None:
    fw = _framework()
    results = _results(fw, met)
    assert achieved_level(fw, summarise_levels(fw, results)) == level


def test_cumulative_rule_stops_at_first_gap() -> None:
    fw = _framework(LevelRule(cumulative=True))
    results = _results(fw, {1: 6, 2: 2, 3: 5})
    assert achieved_level(fw, summarise_levels(fw, results)) == 1


def test_next_improvements_are_the_next_levels_gaps() -> None:
    fw = _framework()
    results = _results(fw, {1: 6, 2: 4, 3: 1})
    assert next_improvements(fw, results, 2) == ("L3.2", "L3.3", "L3.4", "L3.5", "L3.6")


def test_waived_and_attested_count_unknown_does_not() -> None:
    assert Status.WAIVED.counts_for_level and Status.ATTESTED.counts_for_level and Status.MET.counts_for_level
    assert not Status.UNKNOWN.counts_for_level and not Status.ERROR.counts_for_level


def test_without_an_llm_workload_nothing_above_the_first_level_is_met() -> None:
    from llmops_audit.engine.scoring import confine_to_workload
    from llmops_audit.model import Finding

    fw = _framework()
    items = tuple(
        ItemResult(i.id, i.level, "x", Status.MET, "a web shop's pipeline has an approval", ())
        for i in fw.items
    )
    none = Finding("llm_workload_found", False, "No LLM workload was found: no Bedrock traffic.")
    out = confine_to_workload(fw, items, none)
    assert {r.status for r in out if r.level == 1} == {Status.MET}
    assert {r.status for r in out if r.level > 1} == {Status.NOT_MET}
    assert all("No LLM workload" in r.reason and r.notes for r in out if r.level > 1)
    for value in (True, None):  # a workload, or one that could not be told: the results stand
        assert confine_to_workload(fw, items, Finding("llm_workload_found", value, "")) == items
