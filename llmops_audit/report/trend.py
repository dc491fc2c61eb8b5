"""`llmops-audit trend DIR`: level, items met per level and gates over the runs stored with `--history DIR`.

Every stored report under DIR (any depth, names as report/history.py writes them) is read back and
grouped by scope label (account/Region[/workload]) and framework; runs are ordered by `generated_at`.
For a starting-state level (level 1 "Initial"), the count is of the signs still present: there, a falling
line is the good direction, and the tables say "signs".

Sparklines use ▁▂▃▄▅▆▇█ over a fixed scale (0 to the level's item count; 0 to the top level; 0 to the
number of gates), so one run's bar means the same thing in every run; a run without the value is a space.
Each gate has a line of its own: █ pass, ▁ fail, ? unknown, ~ waived.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmops_audit.errors import DefinitionError, UsageError
from llmops_audit.model import AuditReport, FleetReport
from llmops_audit.report.common import RenderOptions

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None], top: float) -> str:
    """One bar per value on the scale 0..top (▁ is 0 or less, █ is top or more); None is a space."""
    out = []
    for v in values:
        if v is None:
            out.append(" ")
            continue
        share = 0.0 if top <= 0 else min(max(v / top, 0.0), 1.0)
        out.append(BARS[round(share * (len(BARS) - 1))])
    return "".join(out)


@dataclass(frozen=True)
class Run:
    path: str
    generated_at: datetime
    level: int
    verdict: str
    levels: dict[int, tuple[int, int]]  # level -> (counted, total)
    gates: dict[str, str]  # gate id -> pass | fail | unknown | waived

    @property
    def when(self) -> str:
        at = self.generated_at
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        return at.strftime("%Y-%m-%d %H:%M")

    @property
    def gates_passed(self) -> int:
        return sum(1 for s in self.gates.values() if s == "pass")


@dataclass(frozen=True)
class Series:
    label: str
    framework: str
    top: int  # the framework's top level
    starting: frozenset[int]  # starting-state levels
    names: dict[int, str]  # level -> name
    runs: tuple[Run, ...]

    @property
    def level_numbers(self) -> list[int]:
        return sorted({n for r in self.runs for n in r.levels})

    @property
    def gate_ids(self) -> list[str]:
        return list(dict.fromkeys(g for r in self.runs for g in r.gates))


def _run(path: Path, r: AuditReport) -> Run:
    return Run(
        path=str(path),
        generated_at=r.generated_at,
        level=r.level,
        verdict=r.verdict.outcome,
        levels={lv.number: (lv.counted, lv.total) for lv in r.levels},
        gates={g.id: g.label for g in r.gates},
    )


def load_series(root: Path, scope: str | None = None, last: int | None = None) -> list[Series]:
    """Every scope's runs under `root`, or only the scope labelled `scope`; the `last` N runs of each."""
    from llmops_audit.report.history import report_files
    from llmops_audit.report.load import load_report

    if not root.is_dir():
        raise UsageError(f"{root} is not a directory", hint="pass the directory given to --history")
    groups: dict[tuple[str, str], list[tuple[Path, AuditReport]]] = {}
    for path in report_files(root, recursive=True):
        loaded = load_report(path)  # a stored file that is not a report is an error naming it
        for r in loaded.reports if isinstance(loaded, FleetReport) else (loaded,):
            if r.gates_only:
                continue
            groups.setdefault((r.scope.label, r.framework.name), []).append((path, r))
    if not groups:
        raise DefinitionError(
            f"no stored reports under {root}", hint="run `llmops-audit assess --history DIR` first"
        )
    if scope is not None:
        wanted = {k: v for k, v in groups.items() if k[0] == scope}
        if not wanted:
            labels = sorted({k[0] for k in groups})
            raise UsageError(
                f"no stored reports of scope {scope} under {root}",
                hint=f"scopes there: {', '.join(labels[:10])}{' ...' if len(labels) > 10 else ''}",
            )
        groups = wanted
    out: list[Series] = []
    for (label, fw), runs in sorted(groups.items()):
        runs.sort(key=lambda pr: (_utc(pr[1].generated_at), pr[0].name))
        if last:
            runs = runs[-last:]
        latest = runs[-1][1]
        out.append(
            Series(
                label=label,
                framework=fw,
                top=max((lv.number for lv in latest.levels), default=0),
                starting=frozenset(lv.number for _, r in runs for lv in r.levels if lv.starting_state),
                names={lv.number: lv.name for _, r in runs for lv in r.levels},
                runs=tuple(_run(p, r) for p, r in runs),
            )
        )
    return out


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# ------------------------------------------------------------------ what every format shows


def _level_column(s: Series, n: int) -> str:
    return f"L{n}"


def _legend(s: Series) -> str:
    """What the per-run columns count: items met, or for a starting-state level the signs still present."""
    starting = [f"L{n}" for n in s.level_numbers if n in s.starting]
    others = [f"L{n}" for n in s.level_numbers if n not in s.starting]
    parts = []
    if others:
        parts.append(f"{', '.join(others)}: items met")
    if starting:
        parts.append(f"{', '.join(starting)}: signs of the starting state still present")
    return "; ".join(parts) + "; Gates: gates passed."


def _counted(r: Run, n: int) -> str:
    if n not in r.levels:
        return "—"
    c, t = r.levels[n]
    return f"{c}/{t}"


def _gates_text(r: Run) -> str:
    """'2/4' gates passed (which ones: the gate lines above the runs)."""
    return f"{r.gates_passed}/{len(r.gates)}" if r.gates else "—"


GATE_MARKS = {"pass": "█", "fail": "▁", "unknown": "?", "waived": "~"}


def gate_line(s: Series, gate: str) -> str:
    """One mark per run: █ pass, ▁ fail, ? unknown, ~ waived, a space when the run has no such gate."""
    return "".join(GATE_MARKS.get(r.gates.get(gate, ""), " ") for r in s.runs)


def lines(s: Series) -> list[tuple[str, str, str, str]]:
    """(row name, sparkline, first, last) for the level, each level's items and the gates passed."""
    runs = s.runs
    out = [("Level", sparkline([r.level for r in runs], s.top), str(runs[0].level), str(runs[-1].level))]
    for n in s.level_numbers:
        total = max((r.levels[n][1] for r in runs if n in r.levels), default=0)
        vals: list[float | None] = [r.levels[n][0] if n in r.levels else None for r in runs]
        name = f"L{n} {s.names.get(n, '')}".strip() + (" (signs present)" if n in s.starting else "")
        out.append((name, sparkline(vals, total), _counted(runs[0], n), _counted(runs[-1], n)))
    if s.gate_ids:
        top = len(s.gate_ids)
        out.append(
            (
                "Gates passed",
                sparkline([r.gates_passed for r in runs], top),
                f"{runs[0].gates_passed}/{len(runs[0].gates)}",
                f"{runs[-1].gates_passed}/{len(runs[-1].gates)}",
            )
        )
        for g in s.gate_ids:
            out.append((f"Gate {g}", gate_line(s, g), runs[0].gates.get(g, "—"), runs[-1].gates.get(g, "—")))
    return out


def to_dict(series: list[Series]) -> dict[str, Any]:
    return {
        "kind": "trend",
        "scopes": [
            {
                "scope": s.label,
                "framework": s.framework,
                "runs": [
                    {
                        "file": r.path,
                        "generated_at": r.generated_at.isoformat(),
                        "level": r.level,
                        "verdict": r.verdict,
                        "levels": {
                            str(n): {"counted": c, "total": t, "starting_state": n in s.starting}
                            for n, (c, t) in sorted(r.levels.items())
                        },
                        "gates": dict(r.gates),
                    }
                    for r in s.runs
                ],
                "sparklines": {name: spark for name, spark, _, _ in lines(s)},
            }
            for s in series
        ],
    }


def render_json(series: list[Series], options: RenderOptions | None = None) -> str:
    return json.dumps(to_dict(series), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_markdown(series: list[Series], options: RenderOptions | None = None) -> str:
    from llmops_audit.report.markdown import _cell

    out: list[str] = []
    for s in series:
        nums = s.level_numbers
        out += [f"## {_cell(s.label)} ({_cell(s.framework)}): {len(s.runs)} runs", ""]
        out += ["| Over the runs | Trend | First | Last |", "|---|---|---|---|"]
        out += [f"| {_cell(n)} | `{sp}` | {a} | {b} |" for n, sp, a, b in lines(s)]
        out += [""]
        head = ["Run (UTC)", "Level", *(_level_column(s, n) for n in nums), "Gates", "Verdict"]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in s.runs:
            cells = [r.when, str(r.level), *(_counted(r, n) for n in nums), _cell(_gates_text(r)), r.verdict]
            out.append("| " + " | ".join(cells) + " |")
        out += ["", _cell(_legend(s)), ""]
    return "\n".join(out).rstrip() + "\n"


def render_terminal(series: list[Series], options: RenderOptions | None = None) -> str:
    from rich.table import Table
    from rich.text import Text

    options = options or RenderOptions()
    from llmops_audit.report.terminal import console_for

    console, buf = console_for(options)
    for i, s in enumerate(series):
        if i:
            console.print()
        console.print(Text(f"{s.label} ({s.framework}): {len(s.runs)} runs", style="bold"))
        spark = Table(show_header=True, header_style="dim", box=None, padding=(0, 1))
        spark.add_column("Over the runs", no_wrap=True)
        spark.add_column("Trend", no_wrap=False, overflow="fold")
        spark.add_column("First", justify="right", no_wrap=True)
        spark.add_column("Last", justify="right", no_wrap=True)
        for name, sp, a, b in lines(s):
            spark.add_row(name, sp, a, b)
        console.print(spark)
        nums = s.level_numbers
        t = Table(show_header=True, header_style="dim", box=None, padding=(0, 1))
        t.add_column("Run (UTC)", no_wrap=True)
        t.add_column("Level", justify="right", no_wrap=True)
        for n in nums:
            t.add_column(_level_column(s, n), justify="right", no_wrap=True)
        t.add_column("Gates", justify="right", no_wrap=True)
        t.add_column("Verdict", no_wrap=True)
        for r in s.runs:
            t.add_row(r.when, str(r.level), *(_counted(r, n) for n in nums), _gates_text(r), r.verdict)
        console.print(t)
        console.print(Text(_legend(s), style="dim"))
    return buf.getvalue()


RENDERERS = {"terminal": render_terminal, "markdown": render_markdown, "json": render_json}
