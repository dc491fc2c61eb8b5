"""docs/item-review.md is generated from the level files and docs/review/items.yaml, and the review covers
exactly the items of the default framework."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework
from tools.review_doc import COMMAND, REVIEW, generate, load_review, render

DOC = Path(__file__).resolve().parent.parent / "docs" / "item-review.md"
REQUIRED = ("proves", "met_in", "not_met_in")


@pytest.fixture(scope="module")
def framework():
    return load_framework(builtin_levels_dir())


@pytest.fixture(scope="module")
def review():
    return load_review()


def test_item_review_doc_is_generated_from_the_level_files_and_the_review() -> None:
    assert DOC.read_text(encoding="utf-8") == generate(), f"docs/item-review.md is stale: {COMMAND}"


def test_every_item_of_the_default_framework_has_a_review_entry(framework, review) -> None:
    missing = [i.id for i in framework.items if i.id not in review["items"]]
    assert not missing, f"no entry in {REVIEW.name} for {', '.join(missing)}"


def test_no_review_entry_names_an_item_that_no_longer_exists(framework, review) -> None:
    ids = {i.id for i in framework.items}
    stale = sorted(set(review["items"]) - ids)
    assert not stale, f"{REVIEW.name} reviews items that no longer exist: {', '.join(stale)}"


def test_every_entry_has_proof_setups_and_a_source(review) -> None:
    for item_id, entry in review["items"].items():
        for field in REQUIRED:
            value = entry.get(field)
            assert value and all(str(v).strip() for v in ([value] if isinstance(value, str) else value)), (
                f"{item_id}: {field} is empty"
            )
        sources = entry.get("sources") or []
        assert any(str(s).startswith("https://") for s in sources), f"{item_id}: no source URL"
        for c in entry.get("concerns") or []:
            assert c.get("probe") and c.get("why"), f"{item_id}: a concern lacks its probe or why"


def test_framework_notes_name_items_of_the_other_frameworks(review) -> None:
    from llmops_audit.inputs.definitions import builtin_frameworks

    ids = {i.id for d in builtin_frameworks().values() for i in load_framework(d).items}
    unknown = sorted(set(review["frameworks"]) - ids)
    assert not unknown, f"framework notes for unknown items: {', '.join(unknown)}"


def test_the_doc_shows_the_current_rule_so_a_rule_change_makes_it_stale(framework, review) -> None:
    """Changing an item's rule changes the rendered document (the staleness test then fails)."""
    from dataclasses import replace

    from llmops_audit.model import ProbeRef

    before = render(framework, review)
    level = framework.levels[0]
    item = replace(level.items[0], rule=ProbeRef("bedrock_model_traffic_present"))
    changed = replace(
        framework, levels=(replace(level, items=(item, *level.items[1:])), *framework.levels[1:])
    )
    after = render(changed, review)
    assert before != after
    assert "**Current rule:** `bedrock_model_traffic_present`" in after


def test_a_missing_entry_is_visible_in_the_doc(framework, review) -> None:
    trimmed = {"items": {k: v for k, v in review["items"].items() if k != "L1.1"}, "frameworks": {}}
    assert "_No review entry in docs/review/items.yaml._" in render(framework, trimmed)
