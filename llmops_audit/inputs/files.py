"""Load a YAML file and validate it against one of our JSON Schemas, with errors that name the line.

Used for level files, framework files, attestations, policies and waivers, so they all fail the same way:
`<file>:<line>: <where>: <what> (schema path <path>)`.
"""

from __future__ import annotations

import json
import math
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

# Bounds for hand-written input files. A real level file is a few kB with a nesting depth under 15.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000  # nodes visited with aliases expanded: a "billion laughs" document stops here

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _Refused(Exception):
    """A document the loader will not build, with the node that shows where."""

    def __init__(self, node: yaml.Node, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.node, self.problem, self.hint = node, problem, hint


def _check_tree(root: yaml.Node, loader: Any) -> None:
    """Refuse what a schema cannot see or what would hang or crash the build: too deep, too many nodes once
    aliases are expanded, a key written twice, a number that is not finite or too long, a date that does not
    exist. Iterative, so a deep document cannot exhaust the stack."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            raise _Refused(
                node,
                f"the document expands to more than {MAX_NODES:,} values (aliases repeated too often)",
                "write the values out instead of nesting YAML aliases",
            )
        if depth > MAX_DEPTH:
            raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep", "flatten the structure")
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key, value in node.value:
                k = key.value if isinstance(key, yaml.ScalarNode) else id(key)
                if k in seen and k != "<<":
                    raise _Refused(
                        key,
                        f"the key '{k}' is written twice in one mapping (also at line "
                        f"{seen[k].start_mark.line + 1})",
                        "keep one of them",
                    )
                seen[k] = key
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, depth + 1) for v in node.value)
        elif isinstance(node, yaml.ScalarNode) and node.tag in (_INT_TAG, _FLOAT_TAG, _TIMESTAMP_TAG):
            _check_scalar(node, loader)


def _check_scalar(node: yaml.ScalarNode, loader: Any) -> None:
    if node.tag == _INT_TAG and len(node.value) > 30:
        raise _Refused(
            node, f"the number {node.value[:20]}… is too long", "use a number of at most 30 digits"
        )
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        what = "date" if node.tag == _TIMESTAMP_TAG else "number"
        raise _Refused(
            node,
            f"'{node.value}' is not a valid {what}",
            "use a real date as YYYY-MM-DD" if what == "date" else "use a plain number",
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _Refused(node, f"'{node.value}' is not a finite number", "use a plain number")


def _parse(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse `text` once: compose its node tree (kept for line numbers), check it, then build the data."""
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_tree(node, loader)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, node


def read_text(path: Path, what: str, limit: int = MAX_FILE_BYTES) -> str:
    """The file's text, refusing what is not a readable regular UTF-8 file of sensible size."""
    try:
        if not path.is_file():
            raise DefinitionError(
                f"{path}: the {what} is {'a directory' if path.is_dir() else 'not a regular file'}"
                if path.exists()
                else f"{path}: the {what} does not exist",
                hint="pass the path of a file",
            )
        size = path.stat().st_size
        if size > limit:
            raise DefinitionError(
                f"{path}: the {what} is {size:,} bytes, more than the {limit:,} this tool reads",
                hint="check that this is the right file",
            )
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DefinitionError(
            f"{path}:{line}: the {what} is not UTF-8 text", hint="save it as UTF-8"
        ) from None


MAX_JSON_BYTES = 200 * 1024 * 1024  # saved evidence of a large account is tens of MB


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the key '{k}' is written twice in one object")
        out[k] = v
    return out


def _not_finite(text: str) -> Any:
    raise ValueError(f"'{text}' is not a finite number")


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or exponent; `1e400` overflows to infinity, which JSON cannot hold."""
    value = float(text)
    if not math.isfinite(value):
        _not_finite(text)
    return value


def _bounded_int(text: str) -> int:
    """A JSON integer of at most 30 digits, as in the YAML inputs: no count or size AWS returns is longer,
    Python refuses one of over 4,300 digits, and one of over 308 overflows the metrics' float arithmetic."""
    if len(text.lstrip("-")) > 30:
        raise ValueError(f"the number {text[:20]}… is too long")
    return int(text)


def load_json(path: Path, what: str, schema_name: str) -> Any:
    """A JSON input file (saved evidence, stored reports): bounded, finite numbers, no repeated keys,
    and valid against `schema_name`."""
    text = read_text(path, what, MAX_JSON_BYTES)
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_not_finite,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        raise DefinitionError(
            f"{path}:{exc.lineno}: invalid JSON in the {what}: {exc.msg}",
            hint="pass a file written by llmops-audit, unchanged",
        ) from None
    except (ValueError, RecursionError) as exc:
        problem = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise DefinitionError(
            f"{path}: {problem} in the {what}", hint="pass a file written by llmops-audit"
        ) from None
    validate(data, None, path, schema_name, what)
    return data


def load_yaml(path: Path, what: str) -> tuple[Any, yaml.Node | None]:
    text = read_text(path, what)
    try:
        data, node = _parse(text)
    except _Refused as exc:
        raise DefinitionError(
            f"{path}:{exc.node.start_mark.line + 1}: {exc.problem} in the {what}", hint=exc.hint
        ) from None
    except RecursionError:
        raise DefinitionError(
            f"{path}: the {what} is nested too deeply to read", hint="flatten the structure"
        ) from None
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
