"""The price table (shipped and --prices FILE) is schema-validated like every other input."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.files import load_yaml, schema
from llmops_audit.inputs.prices import load_prices

SHIPPED = Path(__file__).parent.parent / "llmops_audit" / "data" / "prices.yaml"


def test_schema_is_valid_and_the_shipped_table_follows_it() -> None:
    s = schema("prices")
    jsonschema.Draft202012Validator.check_schema(s)
    data, _ = load_yaml(SHIPPED, "price table")
    jsonschema.Draft202012Validator(s).validate(data)


def test_cost_module_still_offers_load_prices() -> None:
    from llmops_audit.metrics import cost

    assert cost.load_prices is load_prices


def test_override_replaces_and_extends(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "as_of: 2026-01-01\nmodels:\n  - {match: nova-pro, input: 0, output: 1, note: contract}\n"
        "  - {match: my-model, input: 1, output: 2, cache_read: 0.5}\n"
    )
    shipped = load_prices(None)
    prices = load_prices(f)
    by = {m["match"]: m for m in prices["models"]}
    assert by["nova-pro"] == {"match": "nova-pro", "input": 0, "output": 1, "note": "contract"}
    assert by["my-model"]["cache_read"] == 0.5
    assert len(prices["models"]) == len(shipped["models"]) + 1
    assert prices["sources"] == [shipped["sources"][0], str(f)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("models:\n  - {match: x, input: 1, output: -0.5}\n", ":2: models[0].output (x): -0.5 is less than"),
        (
            "models:\n  - {match: x, input: 1, output: .inf}\n",
            ":2: '.inf' is not a finite number",
        ),
        ("models:\n  - match: x\n    input: .nan\n    output: 1\n", ":3: '.nan' is not a finite number"),
        ("models:\n  - {match: x, input: '1', output: 1}\n", ":2: models[0].input (x): '1' is not of type"),
        ("models:\n  - {match: '', input: 1, output: 1}\n", ":2: models[0].match: '' does not match"),
        ("model: []\n", ":1: (top level): 'models' is a required property"),
    ],
)
def test_bad_entries_name_file_line_and_entry(tmp_path: Path, text: str, expected: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(DefinitionError) as exc:
        load_prices(f)
    assert str(exc.value).startswith(f"{f}{expected}"), str(exc.value)
    if "finite" in expected:  # refused by the loader, before the schema sees it
        assert exc.value.hint == "use a plain number"
    else:
        assert "(schema path " in str(exc.value)
        assert exc.value.hint == "fix the price table; its format is llmops_audit/schemas/prices.schema.json"


def test_cli_bad_prices_file_exits_2_with_one_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("models:\n  - {match: x, input: 1, output: -1}\n")
    result = CliRunner().invoke(app, ["assess", "--demo", "--prices", str(f)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    line = lines[0]
    assert f"{f}:2: models[0].output (x): -1 is less than the minimum of 0 (schema path " in line
    assert "; fix the price table" in line
