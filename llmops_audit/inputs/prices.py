"""The model price table: llmops_audit/data/prices.yaml, extended or overridden by `--prices FILE`.

Both files are validated against llmops_audit/schemas/prices.schema.json, so a bad entry fails like every
other input: `<file>:<line>: <where>: <what> (schema path <path>)`, exit 2.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.files import _line_of, load_yaml, validate, where

WHAT = "price table"
SCHEMA = "prices"
PRICE_FIELDS = ("input", "output", "cache_read", "cache_write")


def _read(path: Path) -> list[dict[str, Any]]:
    data, node = load_yaml(path, WHAT)

    def label(loc: list[Any]) -> str | None:
        if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int):
            try:
                return str(data["models"][loc[1]]["match"])
            except (KeyError, IndexError, TypeError):
                return None
        return None

    validate(data, node, path, SCHEMA, WHAT, label)
    models: list[dict[str, Any]] = data["models"]
    # JSON Schema cannot say "finite": `.inf` passes `minimum: 0` and `.nan` passes every comparison.
    for i, m in enumerate(models):
        for f in PRICE_FIELDS:
            if f in m and not math.isfinite(m[f]):
                loc = ["models", i, f]
                raise DefinitionError(
                    f"{path}:{_line_of(node, loc)}: {where(loc)} ({m['match']}): {m[f]!r} is not a finite "
                    f"number (schema path properties/models/items/properties/{f})",
                    hint=f"fix the {WHAT}; its format is llmops_audit/schemas/{SCHEMA}.schema.json",
                )
    return models


def load_prices(path: Path | None) -> dict[str, Any]:
    """The shipped price table, with the user's entries (same `match`) replacing or extending it."""
    shipped = Path(str(resources.files("llmops_audit.data").joinpath("prices.yaml")))
    table = {m["match"]: m for m in _read(shipped)}
    sources = [str(shipped)]
    if path is not None:
        table.update({m["match"]: m for m in _read(Path(path))})
        sources.append(str(path))
    return {"models": list(table.values()), "sources": sources}
