"""Every item of every shipped framework can come out met and not met, and is never met on unknowns.

The probes themselves are tested on evidence elsewhere (tests/probes, tests/test_items_*); here each
item's rule is driven through every True/False assignment of its probes.
"""

from __future__ import annotations

import itertools

import pytest

from llmops_audit.engine import scoring
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.definitions import builtin_frameworks, load_framework
from llmops_audit.model import Finding, ItemDef, Status

ITEMS = [(name, item) for name, path in builtin_frameworks().items() for item in load_framework(path).items]


def _outcomes(item: ItemDef, scope, monkeypatch: pytest.MonkeyPatch) -> set[Status]:
    refs = sorted({r.probe for r in scoring.rule_probes(item.rule)})
    seen: set[Status] = set()
    for values in itertools.product((True, False), repeat=len(refs)):
        truth = dict(zip(refs, values, strict=True))
        monkeypatch.setattr(
            scoring,
            "run_probe",
            lambda pid, snap, params, t=truth: Finding(pid, t[pid], f"{pid} is {t[pid]}."),
        )
        seen.add(scoring.score_item(item, scoring.RuleEvaluator(EvidenceSnapshot(scope))).status)
    return seen


@pytest.mark.parametrize(("framework", "item"), ITEMS, ids=[f"{n}:{i.id}" for n, i in ITEMS])
def test_item_can_be_met_and_not_met(framework: str, item: ItemDef, scope, monkeypatch) -> None:
    assert _outcomes(item, scope, monkeypatch) == {Status.MET, Status.NOT_MET}


@pytest.mark.parametrize(("framework", "item"), ITEMS, ids=[f"{n}:{i.id}" for n, i in ITEMS])
def test_item_is_never_met_when_every_probe_is_unknown(
    framework: str, item: ItemDef, scope, monkeypatch
) -> None:
    monkeypatch.setattr(
        scoring, "run_probe", lambda pid, snap, params: Finding(pid, None, "unknown.", missing=("x:Denied",))
    )
    result = scoring.score_item(item, scoring.RuleEvaluator(EvidenceSnapshot(scope)))
    assert result.status is Status.UNKNOWN
    assert result.missing == ("x:Denied",)
