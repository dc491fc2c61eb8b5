"""Load a YAML file and validate it against one of our JSON Schemas, with errors that name the line.

Used for level files, framework files, attestations, policies and waivers, so they all fail the same way:
`<file>:<line>: <where>: <what> (schema path <path>)`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from llmops_audit.errors import DefinitionError


@cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("llmops_audit.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _line_of(node: yaml.Node | None, path: list[Any]) -> int | None:
    """1-based line of the YAML node at `path` (the deepest one that exists)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in path:
        if isinstance(node, yaml.MappingNode):
            # The last one: it is the value YAML keeps for a repeated key, or over a `<<` merge.
            nxt = next((v for k, v in reversed(node.value) if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line


def where(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


# libyaml's loader when PyYAML was built with it (several times faster), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse `text` once: compose its node tree (kept for line numbers), then build the data from it."""
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def load_yaml(path: Path, what: str) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DefinitionError(f"{path}: the {what} is not UTF-8 text") from None
    try:
        data, node = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DefinitionError(
            f"{path}{line}: invalid YAML in the {what}: {problem}",
            hint="fix the syntax at that line (quote values that contain : or #)",
        ) from None
    return data, node


def validate(data: Any, node: yaml.Node | None, path: Path, schema_name: str, what: str, label=None) -> None:
    """Validate against `schema_name`; the first (most relevant) error becomes one DefinitionError line.

    `label(path)` may name the entry better than its index (an item id, a waiver target).
    """
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors)
    # For oneOf rules, report the branch error that got deepest: it is usually the real mistake.
    while err.context:
        err = max(err.context, key=lambda e: len(e.absolute_path))
        if not err.context:
            break
    loc = list(err.absolute_path)
    line = _line_of(node, loc)
    entry = label(loc) if label else None
    at = f"{where(loc)}" + (f" ({entry})" if entry else "")
    schema_path = "/".join(str(p) for p in err.absolute_schema_path)
    raise DefinitionError(
        f"{path}{':' + str(line) if line else ''}: {at}: {err.message} (schema path {schema_path})",
        hint=f"fix the {what}; its format is llmops_audit/schemas/{schema_name}.schema.json",
    )
