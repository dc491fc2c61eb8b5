"""Each input YAML file is parsed once (one composed node tree, data built from it); errors keep their lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmops_audit.errors import DefinitionError
from llmops_audit.inputs import files
from llmops_audit.inputs.files import _line_of, load_yaml, validate


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every parse: loader instances made by load_yaml, and any yaml.compose/load/safe_load call."""
    seen: list[str] = []
    real = files.SAFE_LOADER

    def loader(text: str):
        seen.append("loader")
        return real(text)

    monkeypatch.setattr(files, "SAFE_LOADER", loader)
    for name in ("compose", "load", "safe_load", "compose_all", "load_all", "safe_load_all"):
        fn = getattr(yaml, name)
        monkeypatch.setattr(yaml, name, lambda *a, _n=name, _f=fn, **k: (seen.append(_n), _f(*a, **k))[1])
    return seen


def test_one_parse_per_file(tmp_path: Path, parses: list[str]) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("a: 1\nb:\n  - x\n  - {c: 2027-01-31}\n")
    data, node = load_yaml(f, "test file")
    assert parses == ["loader"]
    assert data == {"a": 1, "b": ["x", {"c": __import__("datetime").date(2027, 1, 31)}]}
    assert _line_of(node, ["b", 1, "c"]) == 4


def test_the_fast_loader_is_used_when_libyaml_is_there() -> None:
    expected = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    assert files.SAFE_LOADER is expected


def test_empty_file_is_none(tmp_path: Path, parses: list[str]) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("# nothing\n")
    assert load_yaml(f, "test file") == (None, None)
    assert parses == ["loader"]


def test_schema_errors_name_the_right_line(tmp_path: Path, parses: list[str]) -> None:
    f = tmp_path / "prices.yaml"
    f.write_text("models:\n  - {match: a, input: 1, output: 2}\n  - match: b\n    input: 1\n    output: -2\n")
    data, node = load_yaml(f, "price table")
    with pytest.raises(DefinitionError) as exc:
        validate(data, node, f, "prices", "price table")
    assert str(exc.value).startswith(f"{f}:5: models[1].output: -2 is less than the minimum of 0")
    assert parses == ["loader"]


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("a: 1\nb: 2\nc: [1\nd: 4\n")
    with pytest.raises(DefinitionError) as exc:
        load_yaml(f, "test file")
    assert str(exc.value).startswith(f"{f}:4: invalid YAML in the test file: ")
    assert "fix the syntax" in (exc.value.hint or "")


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("a: !!python/object/apply:os.system [echo hi]\n")
    with pytest.raises(DefinitionError, match=r"bad\.yaml:1: invalid YAML in the test file: could not"):
        load_yaml(f, "test file")


def test_a_repeated_key_points_at_the_value_kept(tmp_path: Path) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text("base: &b {x: 1}\nitem:\n  <<: *b\n  x: bad\n")
    data, node = load_yaml(f, "test file")
    assert data["item"]["x"] == "bad"
    assert _line_of(node, ["item", "x"]) == 4
