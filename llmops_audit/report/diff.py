"""`llmops-audit diff OLD NEW`: what changed between two JSON reports, and the "Since last run" notice.

Scopes are matched by label (account/Region[/workload]); a single-scope report is a report of one scope.
Per scope: the level, the items that moved, the gates that flipped and the metric rows whose value moved
by more than the threshold.

- An item **regressed** when it counted and no longer does: met/attested/waived -> not met/unknown/error.
  For a starting-state level (level 1 "Initial": its items are signs of immature practice, see
  report/reading.py) the reading is reversed: a sign left behind (not met) that is present again
  (met) or unknown is the regression, and a sign that disappears is an improvement.
- A gate **regressed** when it passed and no longer does (fail, unknown or waived).
- The level regressed when it went down.
- A metric value that moved is reported, never counted as a regression: whether more is better depends on
  the row (success rate, latency), and the items and gates already judge them.
- Scopes added or removed are listed (a removed scope that NEW names as failed says why); they are not
  regressions either, since the workloads themselves did not get worse.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from llmops_audit.errors import DefinitionError, UsageError
from llmops_audit.model import AuditReport, FleetReport, GateResult, ItemResult, MetricResult, Status
from llmops_audit.report.common import RenderOptions, fmt_number
from llmops_audit.report.reading import item_reading

DEFAULT_THRESHOLD = 10.0  # percent


def parse_threshold(text: str) -> float:
    """'10%' or '10' (percent), '2.5%': the relative change beyond which a metric value counts as moved."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", text or "")
    if not m or not math.isfinite(float(m.group(1))):
        raise UsageError(
            f"--metric-threshold {text!r} is not a percentage", hint="pass e.g. 10% (a relative change)"
        )
    return float(m.group(1))


# ------------------------------------------------------------------ the comparison


@dataclass(frozen=True)
class ItemMove:
    id: str
    level: int
    text: str
    old: str  # how the report reads it: met, not met, sign present, sign left behind, unknown, ... or —
    new: str
    kind: str  # regressed | improved | changed | added | removed


@dataclass(frozen=True)
class GateFlip:
    id: str
    name: str
    old: str  # pass | fail | unknown | waived | —
    new: str
    kind: str  # regressed | improved | changed | added | removed


@dataclass(frozen=True)
class MetricMove:
    id: str
    name: str
    unit: str
    old: float | None
    new: float | None
    change_pct: float | None  # None: from 0, or a value appeared or disappeared


@dataclass(frozen=True)
class ScopeDiff:
    label: str
    old_at: str
    new_at: str
    old_level: int
    new_level: int
    old_level_name: str
    new_level_name: str
    items: tuple[ItemMove, ...]
    gates: tuple[GateFlip, ...]
    metrics: tuple[MetricMove, ...]

    @property
    def level_regressed(self) -> bool:
        return self.new_level < self.old_level

    @property
    def regressions(self) -> int:
        return (
            int(self.level_regressed)
            + sum(1 for i in self.items if i.kind == "regressed")
            + sum(1 for g in self.gates if g.kind == "regressed")
        )

    @property
    def improvements(self) -> int:
        return (
            int(self.new_level > self.old_level)
            + sum(1 for i in self.items if i.kind == "improved")
            + sum(1 for g in self.gates if g.kind == "improved")
        )

    @property
    def changed(self) -> bool:
        return bool(self.old_level != self.new_level or self.items or self.gates or self.metrics)


@dataclass(frozen=True)
class ReportDiff:
    old_name: str
    new_name: str
    threshold: float
    scopes: tuple[ScopeDiff, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]  # "label" or "label (could not be audited: reason)"

    @property
    def regressions(self) -> int:
        return sum(s.regressions for s in self.scopes)

    @property
    def improvements(self) -> int:
        return sum(s.improvements for s in self.scopes)


_ORDER = {"regressed": 0, "improved": 1, "changed": 2, "added": 3, "removed": 4}


def _good_item(report: AuditReport, item: ItemResult) -> bool:
    r = item_reading(report, item)
    return r.tone == "good" or (r.tone == "neutral" and r.done)


def _items(old: AuditReport, new: AuditReport) -> tuple[ItemMove, ...]:
    before = {i.id: i for i in old.items}
    after = {i.id: i for i in new.items}
    moves: list[ItemMove] = []
    for iid in dict.fromkeys([*before, *after]):
        a, b = before.get(iid), after.get(iid)
        if a is not None and b is not None:
            if a.status == b.status:
                continue
            ga, gb = _good_item(old, a), _good_item(new, b)
            kind = "regressed" if ga and not gb else "improved" if gb and not ga else "changed"
            moves.append(
                ItemMove(iid, b.level, b.text, item_reading(old, a).label, item_reading(new, b).label, kind)
            )
        elif b is not None:
            moves.append(ItemMove(iid, b.level, b.text, "—", item_reading(new, b).label, "added"))
        elif a is not None:
            moves.append(ItemMove(iid, a.level, a.text, item_reading(old, a).label, "—", "removed"))
    return tuple(sorted(moves, key=lambda m: (_ORDER[m.kind], m.level, m.id)))


def _gates(old: AuditReport, new: AuditReport) -> tuple[GateFlip, ...]:
    before: dict[str, GateResult] = {g.id: g for g in old.gates}
    after: dict[str, GateResult] = {g.id: g for g in new.gates}
    flips: list[GateFlip] = []
    for gid in dict.fromkeys([*before, *after]):
        a, b = before.get(gid), after.get(gid)
        if a is not None and b is not None:
            if a.status == b.status:
                continue
            pa, pb = a.status == Status.MET, b.status == Status.MET
            kind = "regressed" if pa and not pb else "improved" if pb and not pa else "changed"
            flips.append(GateFlip(gid, b.name, a.label, b.label, kind))
        elif b is not None:
            flips.append(GateFlip(gid, b.name, "—", b.label, "added"))
        elif a is not None:
            flips.append(GateFlip(gid, a.name, a.label, "—", "removed"))
    return tuple(sorted(flips, key=lambda f: (_ORDER[f.kind], f.id)))


def _metrics(old: AuditReport, new: AuditReport, threshold: float) -> tuple[MetricMove, ...]:
    before: dict[str, MetricResult] = {m.id: m for m in old.metrics}
    moves: list[MetricMove] = []
    for b in new.metrics:
        a = before.get(b.id)
        if a is None:
            continue
        x, y = a.value, b.value
        if x is None and y is None:
            continue
        if x is None or y is None:
            moves.append(MetricMove(b.id, b.name, b.unit or a.unit, x, y, None))
            continue
        if x == y:
            continue
        if x == 0:
            moves.append(MetricMove(b.id, b.name, b.unit, x, y, None))
            continue
        pct = (y - x) / abs(x) * 100.0
        if abs(pct) > threshold:
            moves.append(MetricMove(b.id, b.name, b.unit, x, y, pct))
    return tuple(moves)


def _level_name(report: AuditReport, number: int) -> str:
    lv = next((s for s in report.levels if s.number == number), None)
    return lv.name if lv else ("not yet at level 1" if number == 0 else "")


def diff_scope(old: AuditReport, new: AuditReport, threshold: float = DEFAULT_THRESHOLD) -> ScopeDiff:
    return ScopeDiff(
        label=new.scope.label,
        old_at=_when(old),
        new_at=_when(new),
        old_level=old.level,
        new_level=new.level,
        old_level_name=_level_name(old, old.level),
        new_level_name=_level_name(new, new.level),
        items=_items(old, new),
        gates=_gates(old, new),
        metrics=_metrics(old, new, threshold),
    )


def _when(report: AuditReport) -> str:
    at = report.generated_at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _scopes(report: AuditReport | FleetReport) -> tuple[AuditReport, ...]:
    return report.reports if isinstance(report, FleetReport) else (report,)


def _framework_name(report: AuditReport | FleetReport) -> str | None:
    scopes = _scopes(report)
    return scopes[0].framework.name if scopes else None


def diff_reports(
    old: AuditReport | FleetReport,
    new: AuditReport | FleetReport,
    threshold: float = DEFAULT_THRESHOLD,
    old_name: str = "OLD",
    new_name: str = "NEW",
) -> ReportDiff:
    fo, fn = _framework_name(old), _framework_name(new)
    if fo and fn and fo != fn:
        raise DefinitionError(
            f"{old_name} uses framework '{fo}' and {new_name} framework '{fn}'; their items do not compare",
            hint="diff two reports of one framework",
        )
    if any(r.gates_only for r in (*_scopes(old), *_scopes(new))):
        raise DefinitionError(
            "a gates-only report has no items or level to compare",
            hint="diff reports written by `llmops-audit assess --format json`",
        )
    before = {r.scope.label: r for r in _scopes(old)}
    after = {r.scope.label: r for r in _scopes(new)}
    failed = {f.label: f.reason for f in new.failures} if isinstance(new, FleetReport) else {}
    scopes = tuple(diff_scope(before[k], after[k], threshold) for k in sorted(before) if k in after)
    return ReportDiff(
        old_name=old_name,
        new_name=new_name,
        threshold=threshold,
        scopes=tuple(sorted(scopes, key=lambda s: (-s.regressions, s.label))),
        added=tuple(k for k in sorted(after) if k not in before),
        removed=tuple(
            k + (f" (could not be audited: {failed[k]})" if k in failed else "")
            for k in sorted(before)
            if k not in after
        ),
    )


def load_pair(old: Path, new: Path, threshold: float) -> ReportDiff:
    from llmops_audit.report.load import load_report

    return diff_reports(load_report(old), load_report(new), threshold, str(old), str(new))


# ------------------------------------------------------------------ the notice on a report with history


def _ids(moves: list[ItemMove]) -> str:
    return ", ".join(m.id for m in moves)


def since_last_run(old: AuditReport, new: AuditReport, threshold: float = DEFAULT_THRESHOLD) -> str:
    """'Since last run (2026-12-01 04:40:23 UTC): level 2 -> 3, 2 items now met (L3.1, L3.4), 1 regressed
    (L2.2), gate cost fail -> pass.' — one sentence every format shows as a notice."""
    d = diff_scope(old, new, threshold)
    parts: list[str] = []
    if d.old_level != d.new_level:
        parts.append(f"level {d.old_level} -> {d.new_level}")
    else:
        parts.append(f"level {d.new_level} unchanged")
    improved = [m for m in d.items if m.kind == "improved"]
    met = [m for m in improved if m.new != "sign left behind"]
    left = [m for m in improved if m.new == "sign left behind"]
    regressed = [m for m in d.items if m.kind == "regressed"]
    other = [m for m in d.items if m.kind not in ("improved", "regressed")]
    if met:
        parts.append(f"{len(met)} item{'s' if len(met) != 1 else ''} now met ({_ids(met)})")
    if left:
        parts.append(
            f"{len(left)} starting-state sign{'s' if len(left) != 1 else ''} left behind ({_ids(left)})"
        )
    if regressed:
        parts.append(f"{len(regressed)} regressed ({_ids(regressed)})")
    if other:
        parts.append(f"{len(other)} other item change{'s' if len(other) != 1 else ''} ({_ids(other)})")
    parts += [f"gate {g.id} {g.old} -> {g.new}" for g in d.gates]
    if d.metrics:
        n = len(d.metrics)
        parts.append(f"{n} metric value{'s' if n != 1 else ''} moved by more than {threshold:g} %")
    if not (d.items or d.gates or d.metrics or d.old_level != d.new_level):
        parts = [f"no change in level ({d.new_level}), items, gates or metric values"]
    return f"Since last run ({d.old_at}): " + ", ".join(parts) + "."


# ------------------------------------------------------------------ rendering


def _value(v: float | None, unit: str) -> str:
    return "n/a" if v is None else fmt_number(v, unit)


def _change(m: MetricMove) -> str:
    if m.change_pct is not None:
        return f"{m.change_pct:+.1f} %"
    if m.old is None:
        return "now measured"
    if m.new is None:
        return "no longer measured"
    return "from 0"


def _headline(d: ReportDiff) -> str:
    changed = sum(1 for s in d.scopes if s.changed)
    text = (
        f"{d.regressions} regression{'s' if d.regressions != 1 else ''}, "
        f"{d.improvements} improvement{'s' if d.improvements != 1 else ''}; "
        f"{changed} of {len(d.scopes)} compared scope{'s' if len(d.scopes) != 1 else ''} changed"
    )
    if d.added:
        text += f"; {len(d.added)} added"
    if d.removed:
        text += f"; {len(d.removed)} removed"
    return text


def _level_text(s: ScopeDiff) -> str:
    if s.old_level == s.new_level:
        return f"level {s.new_level} {s.new_level_name} (unchanged)".replace("  ", " ")
    arrow = "regressed" if s.level_regressed else "improved"
    return f"level {s.old_level} {s.old_level_name} -> {s.new_level} {s.new_level_name} ({arrow})"


def to_dict(d: ReportDiff) -> dict[str, Any]:
    return {
        "kind": "diff",
        "old": d.old_name,
        "new": d.new_name,
        "metric_threshold_pct": d.threshold,
        "regressions": d.regressions,
        "improvements": d.improvements,
        "scopes": [
            {
                "scope": s.label,
                "old_generated_at": s.old_at,
                "new_generated_at": s.new_at,
                "level": {"old": s.old_level, "new": s.new_level, "regressed": s.level_regressed},
                "regressions": s.regressions,
                "items": [
                    {
                        "id": i.id,
                        "level": i.level,
                        "text": i.text,
                        "old": i.old,
                        "new": i.new,
                        "change": i.kind,
                    }
                    for i in s.items
                ],
                "gates": [
                    {"id": g.id, "name": g.name, "old": g.old, "new": g.new, "change": g.kind}
                    for g in s.gates
                ],
                "metrics": [
                    {
                        "id": m.id,
                        "name": m.name,
                        "unit": m.unit,
                        "old": m.old,
                        "new": m.new,
                        "change_pct": m.change_pct,
                    }
                    for m in s.metrics
                ],
            }
            for s in d.scopes
        ],
        "added_scopes": list(d.added),
        "removed_scopes": list(d.removed),
    }


def render_json(d: ReportDiff, options: RenderOptions | None = None) -> str:
    return json.dumps(to_dict(d), indent=2, sort_keys=True, allow_nan=False) + "\n"


def render_markdown(d: ReportDiff, options: RenderOptions | None = None) -> str:
    from llmops_audit.report.markdown import _cell

    out = [
        f"# Changes: {_cell(d.old_name)} -> {_cell(d.new_name)}",
        "",
        f"> **{_headline(d)}**",
        "",
    ]
    for s in d.scopes:
        out += [f"## {_cell(s.label)}", "", f"{s.old_at} -> {s.new_at}: {_cell(_level_text(s))}", ""]
        if s.items:
            out += ["| Item | Level | Change | Was | Now | Text |", "|---|---|---|---|---|---|"]
            out += [
                f"| **{i.id}** | {i.level} | {i.kind} | {i.old} | {i.new} | {_cell(i.text)} |"
                for i in s.items
            ]
            out.append("")
        if s.gates:
            out += ["| Gate | Change | Was | Now |", "|---|---|---|---|"]
            out += [f"| {_cell(g.name)} (`{g.id}`) | {g.kind} | {g.old} | {g.new} |" for g in s.gates]
            out.append("")
        if s.metrics:
            out += [
                f"Metric values that moved by more than {d.threshold:g} %:",
                "",
                "| Metric | Was | Now | Change |",
                "|---|---|---|---|",
            ]
            out += [
                f"| {m.id} {_cell(m.name)} | {_value(m.old, m.unit)} | {_value(m.new, m.unit)} | {_change(m)} |"
                for m in s.metrics
            ]
            out.append("")
        if not s.changed:
            out += ["No change.", ""]
    if d.added:
        out += ["## Scopes added", ""] + [f"- {_cell(x)}" for x in d.added] + [""]
    if d.removed:
        out += ["## Scopes removed", ""] + [f"- {_cell(x)}" for x in d.removed] + [""]
    return "\n".join(out).rstrip() + "\n"


_STYLE = {"regressed": "red", "improved": "green", "changed": "yellow", "added": "cyan", "removed": "magenta"}


def render_terminal(d: ReportDiff, options: RenderOptions | None = None) -> str:
    from rich.table import Table
    from rich.text import Text

    options = options or RenderOptions()
    from llmops_audit.report.terminal import console_for

    console, buf = console_for(options)
    console.print(Text(_headline(d), style="bold red" if d.regressions else "bold"))
    console.print(Text(f"{d.old_name} -> {d.new_name}", style="dim"))
    for s in d.scopes:
        console.print()
        title = Text(f"{s.label}: ", style="bold") + Text(
            _level_text(s), style="red" if s.level_regressed else "green" if s.new_level > s.old_level else ""
        )
        console.print(title)
        console.print(Text(f"{s.old_at} -> {s.new_at}", style="dim"))
        if s.items:
            t = Table(show_header=True, header_style="dim", box=None, padding=(0, 1), expand=False)
            t.add_column("Item", no_wrap=True)
            t.add_column("Change", no_wrap=True)
            t.add_column("Was -> now", no_wrap=True)
            t.add_column("Text", overflow="fold")
            for i in s.items:
                t.add_row(i.id, Text(i.kind, style=_STYLE[i.kind]), f"{i.old} -> {i.new}", i.text)
            console.print(t)
        if s.gates:
            t = Table(show_header=True, header_style="dim", box=None, padding=(0, 1), expand=False)
            t.add_column("Gate", no_wrap=True)
            t.add_column("Change", no_wrap=True)
            t.add_column("Was -> now", no_wrap=True)
            for g in s.gates:
                t.add_row(f"{g.name} ({g.id})", Text(g.kind, style=_STYLE[g.kind]), f"{g.old} -> {g.new}")
            console.print(t)
        if s.metrics:
            t = Table(
                title=f"Metric values that moved by more than {d.threshold:g} %",
                title_justify="left",
                show_header=True,
                header_style="dim",
                box=None,
                padding=(0, 1),
                expand=False,
            )
            t.add_column("Metric", overflow="fold")
            t.add_column("Was", justify="right", no_wrap=True)
            t.add_column("Now", justify="right", no_wrap=True)
            t.add_column("Change", justify="right", no_wrap=True)
            for m in s.metrics:
                t.add_row(f"{m.id} {m.name}", _value(m.old, m.unit), _value(m.new, m.unit), _change(m))
            console.print(t)
        if not s.changed:
            console.print("No change.")
    if d.added:
        console.print()
        console.print(Text("Scopes added: ", style="bold") + Text(", ".join(d.added)))
    if d.removed:
        console.print()
        console.print(Text("Scopes removed: ", style="bold") + Text("; ".join(d.removed)))
    return buf.getvalue()


RENDERERS = {"terminal": render_terminal, "markdown": render_markdown, "json": render_json}
