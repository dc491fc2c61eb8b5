"""Attestations (a person's word for an item) and waivers (an accepted gap), loaded from YAML.

Both are schema-validated; an entry that fails gives one line naming the file, line and entry.
An entry past its expiry date is kept (so the report can say it expired) but no longer counts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.files import _line_of, load_yaml, validate
from llmops_audit.model import Attestation, Waiver


def _dates_to_text(value: Any) -> Any:
    """YAML reads 2027-01-31 as a date; the schemas expect the ISO text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    return value


def _entries(path: Path, key: str, schema_name: str, what: str, id_field: str) -> tuple[list[dict], Any]:
    data, node = load_yaml(path, what)
    data = _dates_to_text(data)

    def label(loc: list[Any]) -> str | None:
        if len(loc) >= 2 and loc[0] == key and isinstance(loc[1], int):
            try:
                return f"{id_field} {data[key][loc[1]][id_field]}"
            except (KeyError, IndexError, TypeError):
                return None
        return None

    validate(data, node, path, schema_name, what, label)
    return data[key], node


def _expiry(path: Path, node: Any, loc: list[Any], text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DefinitionError(
            f"{path}:{_line_of(node, loc)}: {'.'.join(map(str, loc))}: '{text}' is not a date "
            f"(use YYYY-MM-DD)"
        ) from None


def load_attestations(path: Path, item_ids: set[str], today: date) -> dict[str, Attestation]:
    entries, node = _entries(path, "attestations", "attestations", "attestations file", "item")
    out: dict[str, Attestation] = {}
    for i, e in enumerate(entries):
        if e["item"] not in item_ids:
            raise DefinitionError(
                f"{path}:{_line_of(node, ['attestations', i, 'item'])}: attestations[{i}]: "
                f"'{e['item']}' is not an item of this framework",
                hint="item ids are listed in the report and in the level files",
            )
        if e["item"] in out:
            raise DefinitionError(
                f"{path}:{_line_of(node, ['attestations', i])}: attestations[{i}]: "
                f"item {e['item']} is attested twice"
            )
        expires = _expiry(path, node, ["attestations", i, "expires"], e["expires"])
        out[e["item"]] = Attestation(
            e["item"], e["answer"], e["by"], e["evidence"], e["expires"], expires < today
        )
    return out


def load_waivers(path: Path, target_ids: set[str], today: date) -> tuple[Waiver, ...]:
    """Every waiver in the file, in order. Whether one applies to the audited scope is the engine's call."""
    entries, node = _entries(path, "waivers", "waivers", "waivers file", "target")
    out: list[Waiver] = []
    for i, e in enumerate(entries):
        if e["target"] not in target_ids:
            raise DefinitionError(
                f"{path}:{_line_of(node, ['waivers', i, 'target'])}: waivers[{i}]: "
                f"'{e['target']}' is neither an item of this framework nor a gate",
                hint=f"gates are: {', '.join(sorted(t for t in target_ids if '.' not in t))}",
            )
        expires = _expiry(path, node, ["waivers", i, "expires"], e["expires"])
        out.append(
            Waiver(
                e["target"],
                e["reason"],
                e["owner"],
                e["expires"],
                dict(e.get("scope") or {}),
                expires < today,
            )
        )
    return tuple(out)
