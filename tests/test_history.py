"""History, diff and trend: stored reports with known changes, built from the demo report.

Every stored report here is the demo's report with items, level, gates or metric values replaced, written
by the JSON renderer, so each test knows exactly what changed between two runs.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.model import AuditReport, FleetReport, ScopeFailure, Status
from llmops_audit.report import history
from llmops_audit.report.diff import diff_reports, since_last_run
from llmops_audit.report.json import render, render_fleet
from llmops_audit.report.trend import sparkline
from tests.helpers import demo_snapshot, error_line, report_of

runner = CliRunner()
_LIVE: AuditReport | None = None

# The statuses the diff and trend tests start from (the demo's, pinned: the demo may change as the rules do).
MET, NOT, UNK = Status.MET, Status.NOT_MET, Status.UNKNOWN
PINNED = {
    **{f"L1.{n}": NOT for n in range(1, 7)},
    **{f"L2.{n}": MET for n in range(1, 7)},
    **{f"L3.{n}": MET for n in range(1, 7)} | {"L3.3": NOT},
    **{"L4.1": NOT, "L4.2": MET, "L4.3": UNK, "L4.4": MET, "L4.5": MET, "L4.6": NOT},
    **{f"L5.{n}": NOT for n in range(1, 7)} | {"L5.4": MET},
}
PINNED_GATES = {"quality": NOT, "safety": NOT, "performance": MET, "cost": MET}


def live() -> AuditReport:
    """The demo's report as `assess --demo` scores it today."""
    global _LIVE
    if _LIVE is None:
        _LIVE = report_of(demo_snapshot())
    return _LIVE


def base() -> AuditReport:
    """The demo's report with the pinned statuses: level 3, L2.M1 1,900 ms, L2.M2 1,660 tokens."""
    return variant(
        live(),
        level=3,
        items=PINNED,
        gates=PINNED_GATES,
        metrics={"L2.M1": 1900.0, "L2.M2": 1660.0, "L4.M4": None},
    )


def variant(
    report: AuditReport,
    *,
    at: datetime | None = None,
    level: int | None = None,
    items: dict[str, Status] | None = None,
    gates: dict[str, Status] | None = None,
    metrics: dict[str, float | None] | None = None,
    region: str | None = None,
) -> AuditReport:
    """`report` with some items, gates and metric values replaced; the per-level counts follow the items."""
    items = items or {}
    new_items = tuple(replace(i, status=items.get(i.id, i.status)) for i in report.items)
    levels = tuple(
        replace(
            lv,
            counted=sum(
                1
                for i in new_items
                if i.level == lv.number
                and (i.status == Status.MET if lv.starting_state else i.status.counts_for_level)
            ),
        )
        for lv in report.levels
    )
    return replace(
        report,
        generated_at=at or report.generated_at,
        level=report.level if level is None else level,
        items=new_items,
        levels=levels,
        gates=tuple(replace(g, status=(gates or {}).get(g.id, g.status)) for g in report.gates),
        metrics=tuple(
            replace(m, value=metrics[m.id]) if metrics and m.id in metrics else m for m in report.metrics
        ),
        scope=replace(report.scope, region=region) if region else report.scope,
    )


def write(path: Path, report: AuditReport | FleetReport) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_fleet(report) if isinstance(report, FleetReport) else render(report))
    return path


def test_the_pinned_report_is_what_the_changes_below_assume() -> None:
    r = base()
    assert {i.id for i in r.items} == set(PINNED) and {g.id for g in r.gates} == set(PINNED_GATES)
    assert [(lv.number, lv.counted) for lv in r.levels] == [(1, 0), (2, 6), (3, 5), (4, 3), (5, 1)]


def _old_new(tmp_path: Path) -> tuple[Path, Path]:
    """OLD: level 2, L3.1 and L3.4 not met, cost gate failing, L2.M1 at half its value, L2.M2 7 % lower.
    NEW: the demo with L2.2 not met. So NEW has 2 items now met, 1 regressed, a gate fail -> pass."""
    r = base()
    values = {m.id: m.value for m in r.metrics}
    assert values["L2.M1"] is not None and values["L2.M2"] is not None
    old = variant(
        r,
        at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        level=2,
        items={"L3.1": Status.NOT_MET, "L3.4": Status.NOT_MET},
        gates={"cost": Status.NOT_MET},
        metrics={"L2.M1": values["L2.M1"] / 2, "L2.M2": values["L2.M2"] / 1.07},
    )
    new = variant(r, at=datetime(2026, 11, 8, 9, 0, tzinfo=UTC), items={"L2.2": Status.NOT_MET})
    return write(tmp_path / "old.json", old), write(tmp_path / "new.json", new)


# ------------------------------------------------------------------ diff


def test_diff_json_names_level_items_regressions_first_gates_and_metrics(tmp_path: Path) -> None:
    old, new = _old_new(tmp_path)
    result = runner.invoke(app, ["diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["regressions"] == 1 and doc["improvements"] == 4  # level up, 2 items, 1 gate
    (scope,) = doc["scopes"]
    assert scope["scope"] == "123456789012/us-east-1"
    assert scope["level"] == {"old": 2, "new": 3, "regressed": False}
    moved = [(i["id"], i["change"], i["old"], i["new"]) for i in scope["items"]]
    assert moved == [
        ("L2.2", "regressed", "met", "not met"),
        ("L3.1", "improved", "not met", "met"),
        ("L3.4", "improved", "not met", "met"),
    ]
    assert scope["gates"] == [
        {"id": "cost", "name": "Cost gate", "old": "fail", "new": "pass", "change": "improved"}
    ]
    metrics = {m["id"]: m for m in scope["metrics"]}
    assert set(metrics) == {"L2.M1"}  # +100 %; L2.M2 moved 7 %, under the 10 % default
    assert metrics["L2.M1"]["change_pct"] == pytest.approx(100.0)


def test_diff_metric_threshold_decides_which_values_moved(tmp_path: Path) -> None:
    old, new = _old_new(tmp_path)
    low = runner.invoke(app, ["diff", str(old), str(new), "-f", "json", "--metric-threshold", "5%"])
    high = runner.invoke(app, ["diff", str(old), str(new), "-f", "json", "--metric-threshold", "150"])
    assert {m["id"] for m in json.loads(low.stdout)["scopes"][0]["metrics"]} == {"L2.M1", "L2.M2"}
    assert json.loads(high.stdout)["scopes"][0]["metrics"] == []


def test_diff_fail_on_regression_exits_1_only_on_a_regression(tmp_path: Path) -> None:
    old, new = _old_new(tmp_path)
    assert runner.invoke(app, ["diff", str(old), str(new), "--fail-on-regression"]).exit_code == 1
    assert runner.invoke(app, ["diff", str(old), str(new)]).exit_code == 0
    # the other way round L2.2 comes back: improvements only, but the level goes down 3 -> 2
    back = runner.invoke(app, ["diff", str(new), str(old), "--fail-on-regression", "-f", "json"])
    assert back.exit_code == 1
    doc = json.loads(back.stdout)
    assert doc["scopes"][0]["level"]["regressed"] is True
    assert [i["id"] for i in doc["scopes"][0]["items"] if i["change"] == "regressed"] == ["L3.1", "L3.4"]
    same = runner.invoke(app, ["diff", str(new), str(new), "--fail-on-regression"])
    assert same.exit_code == 0 and "No change." in same.stdout


def test_diff_terminal_and_markdown_show_the_regression_before_the_improvements(tmp_path: Path) -> None:
    old, new = _old_new(tmp_path)
    term = runner.invoke(app, ["diff", str(old), str(new)])
    md = runner.invoke(app, ["diff", str(old), str(new), "--format", "markdown"])
    assert term.exit_code == md.exit_code == 0
    out = term.stdout
    assert out.startswith("1 regression, 4 improvements; 1 of 1 compared scope changed")
    assert "level 2 Managed -> 3 Governed (improved)" in out
    assert out.index("L2.2") < out.index("L3.1") < out.index("L3.4")
    assert "fail -> pass" in out and "+100.0 %" in out
    text = md.stdout
    assert "| **L2.2** | 2 | regressed | met | not met |" in text
    assert text.index("**L2.2**") < text.index("**L3.1**")
    assert "| Cost gate (`cost`) | improved | fail | pass |" in text


def test_a_starting_state_sign_present_again_is_the_regression() -> None:
    """Level 1 is the starting state: L1.3 met means the sign is present again (worse), not met that it
    was left behind (better)."""
    r = base()
    present = variant(r, items={"L1.3": Status.MET})
    d = diff_reports(r, present)
    (move,) = d.scopes[0].items
    assert (move.id, move.kind, move.old, move.new) == (
        "L1.3",
        "regressed",
        "sign left behind",
        "sign present",
    )
    (back,) = diff_reports(present, r).scopes[0].items
    assert (back.kind, back.new) == ("improved", "sign left behind")
    assert "1 starting-state sign left behind (L1.3)" in since_last_run(present, r)


def test_diff_matches_scopes_of_multi_scope_reports_by_label(tmp_path: Path) -> None:
    r = base()
    a, b, c = (variant(r, region=x) for x in ("eu-west-1", "us-east-1", "us-west-2"))
    b2 = variant(b, items={"L3.3": Status.MET})
    old = FleetReport(r.tool_version, "2.0", r.generated_at, r.framework, (a, b))
    new = FleetReport(r.tool_version, "2.0", r.generated_at, r.framework, (b2, c))
    result = runner.invoke(
        app,
        ["diff", str(write(tmp_path / "o.json", old)), str(write(tmp_path / "n.json", new)), "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["scope"] for s in doc["scopes"]] == ["123456789012/us-east-1"]
    assert [(i["id"], i["change"]) for i in doc["scopes"][0]["items"]] == [("L3.3", "improved")]
    assert doc["added_scopes"] == ["123456789012/us-west-2"]
    assert doc["removed_scopes"] == ["123456789012/eu-west-1"]
    # a scope NEW could not audit is removed, with the reason NEW gives
    failed = replace(
        new, failures=(ScopeFailure("123456789012", "eu-west-1", None, "denied", "AssumeRole denied"),)
    )
    why = runner.invoke(
        app, ["diff", str(tmp_path / "o.json"), str(write(tmp_path / "f.json", failed)), "-f", "json"]
    )
    assert json.loads(why.stdout)["removed_scopes"] == [
        "123456789012/eu-west-1 (could not be audited: AssumeRole denied)"
    ]
    # a single-scope OLD compares with the matching scope of a multi-scope NEW
    single = runner.invoke(
        app, ["diff", str(write(tmp_path / "b.json", b)), str(tmp_path / "n.json"), "-f", "json"]
    )
    assert json.loads(single.stdout)["added_scopes"] == ["123456789012/us-west-2"]


def test_diff_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    old, new = _old_new(tmp_path)
    missing = runner.invoke(app, ["diff", str(tmp_path / "nope.json"), str(new)])
    assert missing.exit_code == 2 and "nope.json" in error_line(missing)
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    other = runner.invoke(app, ["diff", str(old), str(tmp_path / "other.json")])
    assert other.exit_code == 2 and "other.json" in error_line(other)
    threshold = runner.invoke(app, ["diff", str(old), str(new), "--metric-threshold", "ten"])
    assert threshold.exit_code == 2 and "--metric-threshold" in error_line(threshold)
    fw = replace(base(), framework=replace(base().framework, name="operating-model"))
    clash = runner.invoke(app, ["diff", str(old), str(write(tmp_path / "fw.json", fw))])
    assert clash.exit_code == 2 and "framework" in error_line(clash)


# ------------------------------------------------------------------ --history


class _Frozen(datetime):
    """datetime whose now() is one fixed second: two runs stamped alike."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_history_keeps_two_runs_of_the_same_second_and_never_touches_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("llmops_audit.cli.datetime", _Frozen)
    root = tmp_path / "hist"
    where = root / "123456789012" / "us-east-1"
    where.mkdir(parents=True)
    by_hand = where / "20261201T120000Z.json"
    by_hand.write_text("kept as it was\n")
    first = runner.invoke(app, ["assess", "--demo", "--history", str(root), "-f", "json"])
    assert first.exit_code == 0, first.output
    stored_first = (where / "20261201T120000Z-2.json").read_text()
    second = runner.invoke(app, ["assess", "--demo", "--history", str(root), "-f", "json", "-q"])
    assert second.exit_code == 0, second.output
    assert sorted(p.name for p in where.iterdir()) == [
        "20261201T120000Z-2.json",
        "20261201T120000Z-3.json",
        "20261201T120000Z.json",
    ]
    assert by_hand.read_text() == "kept as it was\n"
    assert (where / "20261201T120000Z-2.json").read_text() == stored_first
    # each stored file is the report the run printed, notice included
    assert json.loads((where / "20261201T120000Z-3.json").read_text()) == json.loads(second.stdout)
    assert "History: 1 report(s) stored under" in first.stderr
    # the hand-written file is not a report: skipped and named, never fatal
    notice = json.loads(first.stdout)["notices"][-1]
    assert notice.startswith("History: first stored run of 123456789012/us-east-1") and "unreadable" in notice
    assert json.loads(second.stdout)["notices"][-1] == (
        "Since last run (2026-12-01 12:00:00 UTC): no change in level (3), items, gates or metric values."
    )
    assert [p.name for p in history.past_reports(root, base().scope)][-1] == "20261201T120000Z-3.json"


def test_a_report_with_history_says_what_changed_since_last_run_in_every_format(tmp_path: Path) -> None:
    """OLD is the demo's report (as scored today) one level lower, with two met items not met, one not-met
    item met and a passing gate failing."""
    root = tmp_path / "hist"
    now = live()
    met = [i for i in now.items if not i.level == 1 and i.status == Status.MET][-2:]
    gone = next(i for i in now.items if not i.level == 1 and i.status == Status.NOT_MET)
    gate = next(g for g in now.gates if g.status == Status.MET)
    assert now.level >= 1 and len(met) == 2
    old = variant(
        now,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        level=now.level - 1,
        items={met[0].id: Status.NOT_MET, met[1].id: Status.NOT_MET, gone.id: Status.MET},
        gates={gate.id: Status.NOT_MET},
    )
    write(root / now.scope.account / now.scope.region / "20260101T000000Z.json", old)
    expected = (
        f"Since last run (2026-01-01 00:00:00 UTC): level {now.level - 1} -> {now.level}, "
        f"2 items now met ({met[0].id}, {met[1].id}), 1 regressed ({gone.id}), gate {gate.id} fail -> pass."
    )
    for fmt in ("json", "markdown", "terminal"):
        result = runner.invoke(app, ["assess", "--demo", "--history", str(root), "-f", fmt, "-q"])
        assert result.exit_code == 0, result.output
        shown = html.unescape(result.stdout) if fmt == "markdown" else result.stdout  # -> is -&gt; there
        assert expected in " ".join(shown.split()), fmt
        stored = history.past_reports(root, base().scope)
        assert len(stored) == 2 and expected in json.loads(stored[1].read_text())["notices"]
        stored[1].unlink()  # keep only the hand-made OLD, so each format compares with it


def test_history_directory_is_checked_before_any_aws_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    a_file = tmp_path / "file"
    a_file.write_text("")
    result = runner.invoke(app, ["assess", "--region", "us-east-1", "--history", str(a_file), "-q"])
    assert result.exit_code == 2
    line = error_line(result)
    assert "--history" in line and "not a directory" in line and "credentials" not in line
    under_a_file = runner.invoke(app, ["assess", "--demo", "--history", str(a_file / "h"), "-q"])
    assert under_a_file.exit_code == 2 and "history directory" in error_line(under_a_file)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only directory")
def test_an_unwritable_history_directory_is_refused_before_the_run(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        denied = runner.invoke(app, ["assess", "--demo", "--history", str(locked / "h"), "-q"])
        assert denied.exit_code == 2 and "history directory" in error_line(denied)
        assert denied.stdout == ""
    finally:
        locked.chmod(0o700)


def test_store_writes_one_file_per_scope_and_a_safe_directory_for_any_workload(tmp_path: Path) -> None:
    r = live()
    arn = "awsApplication=arn:aws:resource-groups:us-east-1:123456789012:group/support/abc"
    w1 = replace(r, scope=replace(r.scope, workload=arn))
    w2 = replace(r, scope=replace(r.scope, workload=arn.replace("support/abc", "support_abc")))
    plain = replace(r, scope=replace(r.scope, workload="app=support-bot"))
    fleet = FleetReport(r.tool_version, "2.0", r.generated_at, r.framework, (w1, w2, plain))
    paths = history.store(tmp_path, history.annotate(tmp_path, fleet))
    assert len(paths) == 3 and len({p.parent for p in paths}) == 3
    assert paths[2].parent == tmp_path / "123456789012" / "us-east-1" / "app=support-bot"
    for p in paths:
        assert p.resolve().is_relative_to(tmp_path.resolve()) and ":" not in str(p.relative_to(tmp_path))
    from llmops_audit.report.load import load_report

    assert [load_report(p).scope.label for p in paths] == [w.scope.label for w in (w1, w2, plain)]  # type: ignore[union-attr]
    again = history.annotate(tmp_path, fleet)
    assert isinstance(again, FleetReport)
    assert all(s.notices[-1].startswith("Since last run") for s in again.reports)


# ------------------------------------------------------------------ trend


def _three_runs(root: Path) -> None:
    r = base()
    runs = [
        variant(
            r,
            at=datetime(2026, 10, 1, tzinfo=UTC),
            level=1,
            items={i: Status.NOT_MET for i in ("L2.1", "L2.2", "L2.3", "L2.4", "L3.1", "L3.2")}
            | {"L1.1": Status.MET},
            gates={"cost": Status.NOT_MET, "performance": Status.NOT_MET},
        ),
        variant(
            r,
            at=datetime(2026, 10, 8, tzinfo=UTC),
            level=2,
            items={"L3.1": Status.NOT_MET, "L3.2": Status.NOT_MET},
        ),
        variant(r, at=datetime(2026, 10, 15, tzinfo=UTC)),
    ]
    # written in another order, and one of them under a flat name elsewhere in DIR: order is generated_at
    write(root / "a" / "20261015T000000Z.json", runs[2])
    write(root / "a" / "20261001T000000Z.json", runs[0])
    write(root / "b" / "20261008T000000Z.json", runs[1])
    write(root / "a" / "notes.json", runs[1])  # not a history name: not a run
    other = variant(r, region="eu-west-1", at=datetime(2026, 10, 9, tzinfo=UTC))
    write(root / "c" / "20261009T000000Z.json", other)


def test_trend_json_orders_runs_and_counts_items_per_level(tmp_path: Path) -> None:
    _three_runs(tmp_path)
    result = runner.invoke(app, ["trend", str(tmp_path), "--scope", "123456789012/us-east-1", "-f", "json"])
    assert result.exit_code == 0, result.output
    (scope,) = json.loads(result.stdout)["scopes"]
    runs = scope["runs"]
    assert [r["level"] for r in runs] == [1, 2, 3]
    assert [r["levels"]["2"]["counted"] for r in runs] == [2, 6, 6]
    assert [r["levels"]["3"]["counted"] for r in runs] == [3, 3, 5]
    assert [r["levels"]["1"]["counted"] for r in runs] == [1, 0, 0]  # signs of the starting state
    assert runs[0]["levels"]["1"]["starting_state"] is True
    assert [r["gates"]["cost"] for r in runs] == ["fail", "pass", "pass"]
    assert scope["sparklines"]["Level"] == "▂▄▅"  # 1, 2, 3 of 5
    assert scope["sparklines"]["L2 Managed"] == "▃██"  # 2, 6, 6 of 6
    assert scope["sparklines"]["Gates passed"] == "▁▅▅"  # 0, 2, 2 of 4


def test_trend_terminal_and_markdown_tables(tmp_path: Path) -> None:
    _three_runs(tmp_path)
    term = runner.invoke(app, ["trend", str(tmp_path)])
    assert term.exit_code == 0, term.output
    out = term.stdout
    assert "123456789012/eu-west-1 (llmops-maturity): 1 runs" in out
    assert "123456789012/us-east-1 (llmops-maturity): 3 runs" in out
    assert "▂▄▅" in out and "L1: signs of the starting state still present" in " ".join(out.split())
    assert [line.split()[2] for line in out.splitlines() if line.strip().startswith("Gate cost")] == [
        "█",
        "▁██",
    ]
    rows = [line for line in out.splitlines() if line.strip().startswith("2026-10-")]
    assert [row.split()[0] for row in rows] == ["2026-10-09", "2026-10-01", "2026-10-08", "2026-10-15"]
    md = runner.invoke(
        app, ["trend", str(tmp_path), "--scope", "123456789012/us-east-1", "-f", "markdown", "--last", "2"]
    )
    assert md.exit_code == 0
    assert "| Level | `▄▅` | 2 | 3 |" in md.stdout
    assert (
        "2026-10-01" not in md.stdout
        and "| 2026-10-15 00:00 | 3 | 0/6 | 6/6 | 5/6 | 3/6 | 1/6 | 2/4 | pass |" in md.stdout
    )


def test_trend_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = runner.invoke(app, ["trend", str(tmp_path)])
    assert empty.exit_code == 2 and "no stored reports" in error_line(empty)
    nodir = runner.invoke(app, ["trend", str(tmp_path / "nope")])
    assert nodir.exit_code == 2 and "not a directory" in error_line(nodir)
    _three_runs(tmp_path)
    unknown = runner.invoke(app, ["trend", str(tmp_path), "--scope", "999999999999/us-east-1"])
    line = error_line(unknown)
    assert unknown.exit_code == 2 and "123456789012/us-east-1" in line  # names the scopes there
    (tmp_path / "a" / "20261020T000000Z.json").write_text("{")
    broken = runner.invoke(app, ["trend", str(tmp_path)])
    assert broken.exit_code == 2 and "20261020T000000Z.json" in error_line(broken)


def test_sparkline_scale_is_fixed() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 7) == "▁▂▃▄▅▆▇█"
    assert sparkline([None, 9, -1], 6) == " █▁"
    assert sparkline([3, 3], 0) == "▁▁"


def test_diff_and_trend_fit_an_80_column_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    old, new = _old_new(tmp_path)
    _three_runs(tmp_path / "hist")
    for args in (["diff", str(old), str(new)], ["trend", str(tmp_path / "hist")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        widths = [len(line) for line in result.stdout.splitlines()]
        assert widths and max(widths) <= 80, (args[0], max(widths))


def test_help_of_diff_trend_and_history_renders() -> None:
    """Help text is rich markup: a bracket in it (account/Region[/workload]) once broke `diff --help`."""
    for args, shown in (
        (["diff", "--help"], "--fail-on-regression"),
        (["trend", "--help"], "--scope"),
        (["assess", "--help"], "--history"),
    ):
        result = runner.invoke(app, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0 and shown in result.stdout, (args, result.output[-300:])
