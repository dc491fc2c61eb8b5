"""Issue 14's day-one slips, one test (at least) each: 80 columns, the verdict with the gates, level 1 as the
starting state, remediation, AWS_REGION, a wrong AWS_PROFILE, -o -, NO_COLOR, -h, one-line usage errors,
early validation, the failed-reads line, --fail-on-partial, Markdown escaping and folding, units, several
formats from one run."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.model import Status
from llmops_audit.report import FORMATS, render
from llmops_audit.report.common import RenderOptions
from tests.helpers import demo_snapshot, report_of

ANSI = re.compile(r"\x1b\[")


def _empty() -> EvidenceSnapshot:
    return replace(demo_snapshot(), sections={}, errors={}, calls=[])


def test_terminal_report_at_80_columns_with_the_verdict_first() -> None:
    text = render(report_of(demo_snapshot()), "terminal", RenderOptions(width=80))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    first_screen = "\n".join(lines[:24])
    assert "Level 3 of 5" in first_screen and "gates: 2 pass, 2 fail" in first_screen
    assert "gates: 2 pass, 2 fail" in lines[-1]  # repeated after the long report


def test_cli_terminal_report_fits_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(app, ["assess", "--demo"])
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_json_verdict_and_every_format_name_the_gates() -> None:
    report = report_of(demo_snapshot())
    for fmt in FORMATS:
        text = render(report, fmt)
        assert "2 fail" in text or '"fail"' in text, fmt


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_level_1_is_the_starting_state_in_every_format(fmt: str) -> None:
    demo = render(report_of(demo_snapshot()), fmt)
    assert not re.search(r"Initial[^\n]{0,150}not reached", demo)  # level 1 is never "not reached"
    if fmt == "json":
        doc = json.loads(demo)
        [one] = [lv for lv in doc["levels"] if lv["level"] == 1]
        assert one["starting_state"] and one["reached"]
    else:
        assert "starting state: 0 of 6 signs still present" in demo.lower()
        assert "left behind" in demo.lower()


def test_empty_account_shows_level_1_signs_present_without_a_done_tick(
    moto_aws: object, scope: object
) -> None:
    """An account that answers every read with nothing (moto, no resources)."""
    from llmops_audit.collectors import collect
    from llmops_audit.pipeline import plan
    from tests.helpers import request_for

    request = request_for(scope=scope)  # type: ignore[arg-type]
    snapshot = collect(moto_aws, scope, plan(request).sections)  # type: ignore[arg-type]
    report = report_of(snapshot)
    present = [r for r in report.items if r.level == 1 and r.status == Status.MET]
    assert present, "an empty account should show some signs of the starting state"
    md = render(report, "markdown")
    for r in present:
        [line] = [x for x in md.splitlines() if f"**{r.id}**" in x and x.startswith("- ")]
        assert "[x]" not in line and "✅" not in line and "sign present" in line
    term = render(report, "terminal", RenderOptions(width=140))
    assert "sign present" in term


def test_remediation_is_shown_for_items_not_met() -> None:
    report = report_of(demo_snapshot())
    md = render(report, "markdown")
    not_met = [r for r in report.items if r.status == Status.NOT_MET and r.level > 1]
    defs = {i.id: i.remediation for i in report.framework.items}
    for r in not_met:
        assert defs[r.id] and f"Remediation: {defs[r.id][:40]}" in md, r.id
    term = render(report, "terminal", RenderOptions(width=140))
    first = report.next_improvements[0]
    assert defs[first][:30] in " ".join(term.split())


def test_aws_region_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmops_audit.aws.session import make_session

    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert make_session(None, None)[1] == "eu-west-3"
    assert make_session(None, "us-west-2")[1] == "us-west-2"  # --region wins


def test_wrong_aws_profile_names_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    result = CliRunner().invoke(app, ["assess"])
    assert result.exit_code == 2
    assert "'no-such-profile' (from AWS_PROFILE) not found" in result.output
    assert "None" not in result.output


def test_dash_output_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["assess", "--demo", "-f", "json", "-o", "-"])
    assert result.exit_code == 0 and json.loads(result.stdout)["level"] == 3
    assert not (tmp_path / "-").exists()


def test_no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import llmops_audit.cli as cli

    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(app, ["assess", "--demo"])
    assert result.exit_code == 0 and not ANSI.search(result.stdout)


def test_short_help_and_completion() -> None:
    result = CliRunner().invoke(app, ["assess", "-h"])
    assert result.exit_code == 0 and "--regions" in result.stdout
    root = CliRunner().invoke(app, ["--help"])
    assert "--install-completion" in root.stdout


def test_help_paragraphs_are_not_broken_mid_sentence() -> None:
    result = CliRunner().invoke(app, ["gates", "--help"], env={"COLUMNS": "200"})
    text = result.stdout
    assert "policy violations <= 0.2 %" in text  # was split over two lines by a hard break


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from llmops_audit.cli import main

    for argv in (
        ["assess", "--format", "xml"],
        ["assess", "--no-such-option"],
        ["assess", "--min-level", "-1"],
    ):
        sys.argv = ["llmops-audit", *argv]
        with pytest.raises(SystemExit) as exit_:
            main()
        err = capsys.readouterr().err.strip().splitlines()
        assert exit_.value.code == 2 and len(err) == 1 and err[0].startswith("error: "), (argv, err)


def test_inputs_are_validated_before_any_aws_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing attestations file or an unwritable output is reported first, with nothing listening at
    the AWS endpoint: no AWS call was tried."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    missing = CliRunner().invoke(app, ["assess", "--attestations", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "nope.yaml" in missing.output and "reach" not in missing.output
    (tmp_path / "a-file").write_text("")
    unwritable = CliRunner().invoke(app, ["assess", "-o", str(tmp_path / "a-file" / "r.md")])
    assert unwritable.exit_code == 2 and "cannot write the report" in unwritable.output
    assert "reach" not in unwritable.output


def test_failed_reads_line_and_fail_on_partial(tmp_path: Path) -> None:
    snap = demo_snapshot()
    calls = [
        *snap.calls,
        {
            "service": "iam",
            "operation": "GetRole",
            "region": "us-east-1",
            "duration_ms": 1.0,
            "outcome": "denied",
            "error_code": "AccessDenied",
        },
    ]
    path = tmp_path / "evidence.json"
    path.write_text(replace(snap, calls=calls).to_json())
    ok = CliRunner().invoke(app, ["assess", "--from-evidence", str(path), "-f", "json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["calls"]["by_outcome"]["denied"] == 1
    strict = CliRunner().invoke(
        app, ["assess", "--from-evidence", str(path), "-f", "json", "--fail-on-partial"]
    )
    assert strict.exit_code == 3


def test_markdown_escapes_html_and_folds_long_cells() -> None:
    report = report_of(demo_snapshot())
    m = report.metrics[0]
    page = "<html><body><h1>502 Bad Gateway</h1></body></html> " + "x" * 400
    report = replace(report, metrics=(replace(m, value=None, reason=page), *report.metrics[1:]))
    md = render(report, "markdown")
    assert "<html>" not in md and "&lt;html&gt;" in md
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert max(len(cell) for line in table for cell in line.split(" | ")) <= 300
    assert "## Details" in md and "x" * 400 in md  # the folded text is kept


def test_memory_sizes_are_not_milliseconds() -> None:
    from llmops_audit.model import MetricResult
    from llmops_audit.report.common import fmt_breakdown

    m = MetricResult(
        "x",
        2,
        "measure",
        "c",
        "n",
        "",
        "",
        900.0,
        "ms",
        "",
        "",
        {"fn memory configured (MB)": 512.0, "fn p95": 900.0},
        "",
    )
    text = fmt_breakdown(m)
    assert "512 ms" not in text and "512" in text and "900 ms" in text


def test_several_formats_from_one_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "assess",
            "--demo",
            "-f",
            "json",
            "-o",
            str(tmp_path / "a.json"),
            "-f",
            "markdown",
            "-o",
            str(tmp_path / "a.md"),
            "-f",
            "terminal",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "a.json").read_text())["level"] == 3
    assert (tmp_path / "a.md").read_text().startswith("# LLMOps Maturity Assessment")
    assert "Level 3 of 5" in result.stdout
    bad = CliRunner().invoke(app, ["assess", "--demo", "-f", "json", "-f", "markdown"])
    assert bad.exit_code == 2 and "need 2 --output" in bad.output


def test_json_carries_remediation_and_round_trips_it() -> None:
    from llmops_audit.report.json import to_dict
    from llmops_audit.report.load import from_dict

    report = report_of(demo_snapshot())
    doc = to_dict(report)
    defs = {i.id: i.remediation for i in report.framework.items}
    assert all(i["remediation"] == defs[i["id"]] for i in doc["items"])
    back = from_dict(doc)
    assert {i.id: i.remediation for i in back.framework.items} == defs  # type: ignore[union-attr]


def test_html_with_history_draws_charts(tmp_path: Path) -> None:
    for _ in range(2):
        assert (
            CliRunner().invoke(app, ["assess", "--demo", "--history", str(tmp_path / "h"), "-q"]).exit_code
            == 0
        )
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app, ["assess", "--demo", "--history", str(tmp_path / "h"), "-f", "html", "-o", str(out)]
    )
    assert result.exit_code == 0
    page = out.read_text()
    assert page.count("<svg") >= 1 and "Since last run" in page
