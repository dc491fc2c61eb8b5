"""Each account archetype (tests/archetypes/*.yaml) through the real collectors and pipeline, item by item.

An expectation is the verdict a demanding auditor would give, with its reason. One that today's rules get
wrong is marked `known_wrong_today: true`: it must still come out wrong (strict), so that when a rule is
fixed this test says to remove the mark.
"""

from __future__ import annotations

import pytest

from tests.archetypes.runner import Account, account_files, load, run
from tests.fake_account.canned import ShapeMismatch
from tests.helpers import report_of

FILES = account_files()


def run_strict(account: Account):
    """run(account), failing loudly on an answer of the wrong shape.

    The account hook raises ShapeMismatch inside the collector's call, and the collectors keep a section that
    fails on an unexpected answer to itself (a SectionError of kind "error" naming the exception), so the
    mismatch would otherwise only show as unknown items."""
    snap = run(account)
    for name, err in sorted(snap.errors.items()):
        if err.kind == "error" and "ShapeMismatch" in err.message:
            raise ShapeMismatch(f"section {name}: {err.message}")
    return snap


def _explain(account: Account, item_id: str, want: dict, got) -> str:
    evidence = "; ".join(got.evidence) if got is not None else ""
    return (
        f"{account.name} {item_id}: expected {want['status']}, got {got.status.value if got else 'absent'}\n"
        f"  expected because: {want['why'].strip()}\n"
        f"  the item says: {got.reason if got else '-'}\n"
        f"  evidence: {evidence or '-'}"
    )


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 12, [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_archetype(path) -> None:
    account = load(path)
    snap = run_strict(account)
    report = report_of(snap)
    items = {i.id: i for i in report.items}
    wrong: list[str] = []  # unmarked expectations that failed
    fixed: list[str] = []  # known_wrong_today expectations that now hold
    for item_id, want in sorted(account.expect.items()):
        got = items.get(item_id)
        ok = got is not None and got.status.value == want["status"]
        if want.get("known_wrong_today"):
            if ok:
                fixed.append(
                    f"{account.name} {item_id}: now {want['status']} as expected; "
                    f"remove known_wrong_today ({want['why'].strip()})"
                )
        elif not ok:
            wrong.append(_explain(account, item_id, want, got))
    if account.level is not None:
        want_level = account.level
        ok = report.level == want_level["value"]
        if want_level.get("known_wrong_today") and ok:
            fixed.append(f"{account.name}: level now {report.level} as expected; remove known_wrong_today")
        elif not want_level.get("known_wrong_today") and not ok:
            wrong.append(
                f"{account.name}: expected level {want_level['value']}, got {report.level} "
                f"({want_level['why'].strip()})"
            )
    assert not wrong and not fixed, "\n".join(wrong + fixed)


def test_a_wrong_shape_fails_loudly(tmp_path) -> None:
    """A response that does not match botocore's output shape raises instead of being collected."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "description: a guardrail listed without its required members\n"
        "responses:\n  bedrock.ListGuardrails: {guardrails: [{name: incomplete}]}\n"
    )
    with pytest.raises(ShapeMismatch, match="ListGuardrails"):
        run_strict(load(bad))
