"""Load a framework (levels/*.yaml + framework.yaml), validate it, cross-check it, return model objects.

The schema checks the shape; this module checks what a schema cannot: unique item ids, level numbers,
that every probe and metric calculator a file names is registered, and that the `params:` given to each
are ones it declares (llmops_audit/probes/params.py), of the declared type and range.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.files import _line_of, load_yaml, validate
from llmops_audit.model import Framework, ItemDef, LevelDef, LevelRule, MetricDef, ProbeRef, Rule

if TYPE_CHECKING:
    from llmops_audit.metrics.base import Calculator
    from llmops_audit.probes.base import Probe

FRAMEWORK_FILE = "framework.yaml"


def builtin_levels_dir() -> Path:
    """levels/ of this install: package data in a wheel, the repository folder in a checkout."""
    packaged = Path(str(resources.files("llmops_audit"))) / "_levels"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "levels"


def builtin_frameworks() -> dict[str, Path]:
    """Shipped frameworks by name: levels/ itself, and each folder under levels/frameworks/."""
    root = builtin_levels_dir()
    found = {_framework_name(root): root}
    extra = root / "frameworks"
    if extra.is_dir():
        for d in sorted(p for p in extra.iterdir() if p.is_dir()):
            found[_framework_name(d)] = d
    return found


def _framework_name(directory: Path) -> str:
    meta = directory / FRAMEWORK_FILE
    if meta.is_file():
        data, _ = load_yaml(meta, "framework file")
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            return data["name"]
    return directory.name


def _rule(raw: Any) -> Rule:
    if isinstance(raw, str):
        return ProbeRef(raw)
    if "probe" in raw:
        return ProbeRef(raw["probe"], dict(raw.get("params") or {}))
    if "not" in raw:
        return {"not": _rule(raw["not"])}
    op = "all" if "all" in raw else "any"
    return {op: [_rule(r) for r in raw[op]]}


def _refs(raw: Any, path: list[Any]) -> list[tuple[str, list[Any], dict[str, Any], list[Any]]]:
    """(probe id, path of the id, params, path of the params' parent) for every probe in a raw rule."""
    if isinstance(raw, str):
        return [(raw, path, {}, path)]
    if "probe" in raw:
        return [(raw["probe"], [*path, "probe"], raw.get("params") or {}, path)]
    if "not" in raw:
        return _refs(raw["not"], [*path, "not"])
    op = "all" if "all" in raw else "any"
    return [r for i, part in enumerate(raw[op]) for r in _refs(part, [*path, op, i])]


def _check_params(
    path: Path, node: Any, where: str, kind: str, owner: str, declared: Mapping, given: Any, loc: list[Any]
) -> None:
    from llmops_audit.probes.params import check_params

    problem = check_params(kind, owner, declared, given)
    if problem:
        name, message = problem
        line = _line_of(node, [*loc, "params", name])
        raise DefinitionError(
            f"{path}:{line}: {where}: {message}",
            hint=f"`llmops-audit probes` lists each {kind}'s parameters, their types and defaults",
        )


def load_level(path: Path, probes: Mapping[str, Probe], calculators: Mapping[str, Calculator]) -> LevelDef:
    data, node = load_yaml(path, "level file")

    def label(loc: list[Any]) -> str | None:
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            try:
                return f"item {data['items'][loc[1]]['id']}"
            except (KeyError, IndexError, TypeError):
                return None
        return None

    validate(data, node, path, "level", "level file", label)
    number = data["level"]
    items = []
    for i, raw in enumerate(data["items"]):
        if "decide" in raw:
            for probe_id, loc, params, params_loc in _refs(raw["decide"], ["items", i, "decide"]):
                if probe_id not in probes:
                    line = _line_of(node, loc)
                    raise DefinitionError(
                        f"{path}:{line}: item {raw['id']}: '{probe_id}' is not a known probe",
                        hint="`llmops-audit probes` lists the probes; check the spelling",
                    )
                where = f"item {raw['id']}"
                declared = probes[probe_id].params
                _check_params(path, node, where, "probe", probe_id, declared, params, params_loc)
        items.append(
            ItemDef(
                id=raw["id"],
                level=number,
                text=raw["text"],
                met_when=raw["met_when"],
                rule=_rule(raw["decide"]) if "decide" in raw else None,
                manual_reason=raw.get("manual"),
                attestable=raw.get("attestable", True),
                remediation=raw.get("remediation", ""),
            )
        )
    metrics = []
    for j, raw in enumerate(data.get("metrics") or []):
        if raw["compute"] not in calculators:
            line = _line_of(node, ["metrics", j, "compute"])
            raise DefinitionError(
                f"{path}:{line}: metrics[{j}] ({raw['metric']}): '{raw['compute']}' is not a known metric calculator",
                hint="`llmops-audit probes` lists the metric calculators too",
            )
        calc, where = calculators[raw["compute"]], f"metrics[{j}] ({raw['metric']})"
        given = raw.get("params") or {}
        _check_params(path, node, where, "metric calculator", calc.id, calc.params, given, ["metrics", j])
        metrics.append(
            MetricDef(
                id=f"L{number}.M{j + 1}",
                level=number,
                table=raw["table"],
                category=raw["category"],
                name=raw["metric"],
                source=raw.get("source", ""),
                purpose=raw.get("purpose", ""),
                compute=raw["compute"],
                params=dict(raw.get("params") or {}),
                note=raw.get("note", ""),
            )
        )
    return LevelDef(
        number,
        data["name"],
        data["motto"],
        data["core_question"],
        tuple(items),
        tuple(metrics),
        str(path),
        starting_state=bool(data.get("starting_state", False)),
    )


def load_framework(directory: Path) -> Framework:
    from llmops_audit.metrics import CALCULATORS
    from llmops_audit.probes import PROBES

    if not directory.exists():
        raise DefinitionError(
            f"{directory}: the levels directory does not exist",
            hint="pass --levels DIR with one YAML file per level",
        )
    if not directory.is_dir():
        raise DefinitionError(f"{directory}: --levels must be a directory of level files, not a file")
    try:
        files = sorted(
            p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.name != FRAMEWORK_FILE
        )
    except OSError as exc:
        raise DefinitionError(
            f"{directory}: cannot read the levels directory ({exc.strerror or exc})"
        ) from None
    if not files:
        raise DefinitionError(
            f"{directory}: no level files (*.yaml) found",
            hint="each level is one YAML file; see levels/ in the project for the format",
        )

    meta: dict[str, Any] = {"name": directory.name, "title": directory.name}
    meta_path = directory / FRAMEWORK_FILE
    if meta_path.is_file():
        data, node = load_yaml(meta_path, "framework file")
        validate(data, node, meta_path, "framework", "framework file")
        meta = data

    levels = [load_level(p, PROBES, CALCULATORS) for p in files]
    seen_levels: dict[int, str] = {}
    seen_items: dict[str, str] = {}
    for lv in levels:
        if lv.number in seen_levels:
            raise DefinitionError(f"{lv.file}: level {lv.number} is also defined in {seen_levels[lv.number]}")
        seen_levels[lv.number] = lv.file
        for item in lv.items:
            if item.id in seen_items:
                raise DefinitionError(
                    f"{lv.file}: item id {item.id} is also used in {seen_items[item.id]}",
                    hint="item ids must be unique across a framework and never reused",
                )
            seen_items[item.id] = lv.file
    rule = meta.get("level_rule") or {}
    numbers = sorted(lv.number for lv in levels)
    floor = rule.get("floor", 1)
    if not 0 <= floor <= numbers[-1]:
        raise DefinitionError(
            f"{meta_path}: level_rule.floor: {floor} is not a level of this framework (levels {numbers[0]}–{numbers[-1]})",
            hint=f"use a floor between 0 and {numbers[-1]}",
        )
    return Framework(
        name=meta["name"],
        title=meta["title"],
        description=meta.get("description", ""),
        source=meta.get("source", ""),
        levels=tuple(sorted(levels, key=lambda lv: lv.number)),
        rule=LevelRule(rule.get("min_share", 0.5), rule.get("cumulative", False), rule.get("floor", 1)),
        directory=str(directory),
    )
