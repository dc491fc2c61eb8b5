"""The shipped levels/ against the seed and the schema; broken level files give one-line errors."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.definitions import builtin_frameworks, load_framework
from llmops_audit.inputs.files import schema, validate
from tests.helpers import LEVELS

# A copy of ../shared/seeds/000_120cfb6a29babe76.repaired.txt, so the check runs on any clone.
SEED = Path(__file__).parent / "fixtures" / "seed-000-maturity-model.txt"
SHARED_SEED = LEVELS.parent.parent / "shared" / "seeds" / "000_120cfb6a29babe76.repaired.txt"


def _seed_levels() -> dict[int, dict]:
    """Per level of the seed: its checklist items and both metric tables' (category, metric) rows."""
    text = SEED.read_text(encoding="utf-8")
    out: dict[int, dict] = {}
    for m in re.finditer(r"Level (\d) — (.+?)\n(.*?)(?=\n⸻)", text, re.S):
        body = m.group(3)
        if "Core question" not in body:
            continue
        items = re.findall(r"^\t•\t(.+)$", body.split("Core question")[0], re.M)
        tables = body.split("Core question")[1]
        rows = [r for r in csv.reader(line for line in tables.splitlines() if line.count(",") >= 2)]
        rows = [(r[0], r[1]) for r in rows if r[0] != "Metric Category"]
        out[int(m.group(1))] = {"name": m.group(2).strip(), "items": items, "rows": rows}
    return out


# sha256 of the shared seed the copy was taken from: the copy is checked on every clone, and against the
# shared seed itself where ../shared is beside the checkout (as in CI).
SEED_SHA256 = "57265b26efd5f248d8621affdb2a04a6dc3a3c2fc087df1b9223d15370554487"


def test_seed_copy_is_the_seed() -> None:
    import hashlib

    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256
    if SHARED_SEED.exists():
        assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_levels_hold_every_item_and_metric_row_of_the_seed() -> None:
    fw = load_framework(LEVELS)
    seed = _seed_levels()
    assert [lv.number for lv in fw.levels] == [1, 2, 3, 4, 5]
    for lv in fw.levels:
        s = seed[lv.number]
        assert lv.name == s["name"]
        assert [i.text for i in lv.items] == s["items"], f"level {lv.number} items differ from the seed"
        assert [(m.category, m.name) for m in lv.metrics] == s["rows"], (
            f"level {lv.number} metric rows differ"
        )


def test_thirty_items_with_stable_ids_in_order() -> None:
    fw = load_framework(LEVELS)
    assert [i.id for i in fw.items] == [f"L{lv}.{n}" for lv in range(1, 6) for n in range(1, 7)]
    assert [lv.name for lv in fw.levels] == [
        "Initial",
        "Managed",
        "Governed",
        "Optimized",
        "Agentic & Responsible",
    ]
    assert len(fw.metrics) == 40
    assert fw.levels[0].motto == "We are exploring LLM capabilities."
    assert fw.levels[2].core_question == "Can we rely on this?"


@pytest.mark.parametrize("path", sorted(LEVELS.glob("level-*.yaml")), ids=lambda p: p.name)
def test_each_level_file_validates_against_the_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    validate(data, None, path, "level", "level file")  # raises on any schema error
    assert schema("level")["$defs"]["item"]["required"] == ["id", "text", "met_when"]


def test_every_shipped_framework_loads() -> None:
    shipped = builtin_frameworks()
    assert set(shipped) == {"llmops-maturity", "operating-model", "practical-ladder"}
    for path in shipped.values():
        assert load_framework(path).items


def _broken(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "levels"
    d.mkdir()
    (d / "level-1.yaml").write_text(text)
    return d


GOOD = """level: 1
name: Initial
motto: m
core_question: q
items:
  - id: X1
    text: t
    met_when: w
    decide: bedrock_model_traffic_present
"""


def test_a_valid_minimal_file_loads(tmp_path: Path) -> None:
    fw = load_framework(_broken(tmp_path, GOOD))
    assert [i.id for i in fw.items] == ["X1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("    met_when: w\n", ""),
            r"level-1\.yaml:6: items\[0\] \(item X1\): 'met_when' is a required "
            r"property \(schema path .*required\)",
        ),
        (
            GOOD.replace("decide: bedrock_model_traffic_present", "decide: {every: [a]}"),
            r"level-1\.yaml:9: items\[0\]\.decide \(item X1\): .*schema path",
        ),
        (
            GOOD.replace("bedrock_model_traffic_present", "bedrock_model_trafic_present"),
            r"level-1\.yaml:9: item X1: 'bedrock_model_trafic_present' is not a known probe",
        ),
        (GOOD.replace("level: 1", "level: one"), r"level-1\.yaml:1: level: 'one' is not of type 'integer'"),
        (GOOD + "  - id: [\n", r"level-1\.yaml:\d+: invalid YAML"),
    ],
)
def test_broken_level_files_give_one_line_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(DefinitionError) as err:
        load_framework(_broken(tmp_path, text))
    assert re.search(expected, err.value.message), err.value.message
    assert "\n" not in err.value.message


def test_duplicate_item_ids_rejected(tmp_path: Path) -> None:
    d = _broken(tmp_path, GOOD)
    (d / "level-2.yaml").write_text(GOOD.replace("level: 1", "level: 2"))
    with pytest.raises(DefinitionError, match="item id X1 is also used"):
        load_framework(d)


def test_unknown_metric_calculator_rejected(tmp_path: Path) -> None:
    text = GOOD + "metrics:\n  - {table: measure, category: c, metric: m, compute: no_such_calc}\n"
    with pytest.raises(DefinitionError, match=r"level-1\.yaml:11: metrics\[0\] \(m\): 'no_such_calc' is not"):
        load_framework(_broken(tmp_path, text))
