"""Bad input, examples from the hardening review: each is one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from llmops_audit.cli import main
from tests.helpers import demo_snapshot

LEVELS = Path(__file__).resolve().parent.parent / "levels"


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """The real entry point (`main`, as the console script runs it): exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["llmops-audit", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def one_error(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# ------------------------------------------------------------------ files


BAD_DATES = ["2027-02-30", "2027-13-01", "0000-01-01"]


@pytest.mark.parametrize("date", BAD_DATES)
def test_an_impossible_date_in_waivers_and_attestations(tmp_path, capsys, monkeypatch, date: str) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(f"waivers:\n  - {{target: L3.3, reason: r, owner: o, expires: {date}}}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--waivers", str(waivers))[::2])
    assert f"w.yaml:2: '{date}' is not a valid date" in line
    att = tmp_path / "a.yaml"
    att.write_text(f"attestations:\n  - {{item: L4.3, answer: true, by: x, evidence: y, expires: {date}}}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--attestations", str(att))[::2])
    assert "a.yaml:2:" in line and "not a valid date" in line


@pytest.mark.parametrize("date", BAD_DATES)
def test_an_impossible_date_in_a_level_file_and_policy(tmp_path, capsys, monkeypatch, date: str) -> None:
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    with (levels / "level-2.yaml").open("a") as f:
        f.write(f"reviewed: {date}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert "level-2.yaml:" in line and f"'{date}' is not a valid date" in line
    policy = tmp_path / "p.yaml"
    policy.write_text(f"cost:\n  budget_per_1000_requests_usd: {date}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "gates", "--demo", "--policy", str(policy))[::2])
    assert "p.yaml:2:" in line


def test_a_rule_nested_200_deep(tmp_path, capsys, monkeypatch) -> None:
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    text = (levels / "level-1.yaml").read_text()
    deep = "{not: " * 200 + "budgets_present" + "}" * 200
    text = text.replace("decide:", f"decide: {deep}\n    old_decide:", 1)
    (levels / "level-1.yaml").write_text(text)
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert "level-1.yaml:" in line and "nested more than 64 levels" in line


BILLION_LAUGHS = "lol: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


@pytest.mark.parametrize("option", ["--waivers", "--attestations", "--policy", "--prices"])
def test_a_billion_laughs_document_stops_at_once(tmp_path, capsys, monkeypatch, option: str) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(BILLION_LAUGHS)
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", option, str(path))[::2])
    assert "aliases repeated too often" in line


def test_a_billion_laughs_level_file(tmp_path, capsys, monkeypatch) -> None:
    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "level-1.yaml").write_text(BILLION_LAUGHS)
    assert "aliases repeated too often" in one_error(
        *run_cli(capsys, monkeypatch, "validate", str(levels))[::2]
    )


def test_an_integer_of_5000_digits(tmp_path, capsys, monkeypatch) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("performance:\n  model_p95_budget_ms: " + "9" * 5000 + "\n")
    assert "is too long" in one_error(
        *run_cli(capsys, monkeypatch, "gates", "--demo", "--policy", str(policy))[::2]
    )


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_thresholds_and_prices_are_refused(tmp_path, capsys, monkeypatch, value: str) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(f"performance:\n  model_p95_budget_ms: {value}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "gates", "--demo", "--policy", str(policy))[::2])
    assert "p.yaml:2:" in line and "not a finite number" in line
    prices = tmp_path / "prices.yaml"
    prices.write_text(f"models:\n  - {{match: claude, input: {value}, output: 1}}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2])
    assert "prices.yaml:2:" in line


def test_a_price_table_with_bytes_that_are_not_utf8_and_non_string_keys(
    tmp_path, capsys, monkeypatch
) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_bytes(b"models:\n  - {match: claude, input: 1, output: 2}\n# \xff\xfe\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2])
    assert "prices.yaml:3: the price table is not UTF-8" in line or "not UTF-8" in line
    prices.write_text("models:\n  - {match: claude, input: 1, output: 2, 7: x}\n")
    assert "prices.yaml" in one_error(
        *run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2]
    )


def test_a_key_written_twice(tmp_path, capsys, monkeypatch) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("cost:\n  tolerance_pct: 5\n  tolerance_pct: 50\n")
    line = one_error(*run_cli(capsys, monkeypatch, "gates", "--demo", "--policy", str(policy))[::2])
    assert "p.yaml:3: the key 'tolerance_pct' is written twice" in line


def test_a_floor_outside_the_framework(tmp_path, capsys, monkeypatch) -> None:
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    meta = levels / "framework.yaml"
    meta.write_text(
        meta.read_text() + "level_rule: {floor: 99}\n"
        if "level_rule" not in meta.read_text()
        else meta.read_text().replace("floor: 1", "floor: 99")
    )
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert "floor" in line and "99" in line


def _evidence(tmp_path: Path, **changes: object) -> Path:
    doc = json.loads(demo_snapshot().to_json())
    doc.update(changes)
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_malformed_evidence_file(tmp_path, capsys, monkeypatch) -> None:
    line = one_error(
        *run_cli(capsys, monkeypatch, "assess", "--from-evidence", str(_evidence(tmp_path, calls=[1])))[::2]
    )
    assert "evidence.json: calls[0]: 1 is not of type 'object'" in line
    (tmp_path / "cut.json").write_text(_evidence(tmp_path).read_text()[:5000])
    line = one_error(
        *run_cli(capsys, monkeypatch, "assess", "--from-evidence", str(tmp_path / "cut.json"))[::2]
    )
    assert "invalid JSON in the evidence file" in line


def test_a_section_of_the_wrong_type_makes_its_gates_unknown_not_a_crash(
    tmp_path, capsys, monkeypatch
) -> None:
    doc = json.loads(demo_snapshot().to_json())
    doc["sections"]["cloudwatch.metric_stats"] = ["not", "a", "mapping"]
    path = tmp_path / "e.json"
    path.write_text(json.dumps(doc))
    code, out, err = run_cli(capsys, monkeypatch, "gates", "--from-evidence", str(path), "--format", "json")
    assert "Traceback" not in err and code in (0, 1)
    gates = {g["id"]: g["status"] for g in json.loads(out)["gates"]}
    assert gates["safety"] == gates["performance"] == gates["cost"] == "unknown"


def test_a_nan_in_evidence_never_reaches_the_json_report(tmp_path, capsys, monkeypatch) -> None:
    path = tmp_path / "e.json"
    import re

    text, n = re.subn(r'"value": [0-9.]+', '"value": NaN', demo_snapshot().to_json(), count=1)
    assert n == 1
    path.write_text(text)
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--from-evidence", str(path))[::2])
    assert "not a finite number" in line


# ------------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["assess", "--region", "us-east-1", "--period", "99999999999999999d"],
            "longer than CloudWatch keeps",
        ),
        (["assess", "--region", "us-east-1", "--until", "0001-01-01"], "before the year 1"),
        (["assess", "--demo", "--format", "xml"], "'xml' is not one of"),
        (["assess", "--demo", "--min-level", "-1"], "--min-level"),
        (["assess", "--demo", "--no-such-option"], "No such option: --no-such-option"),
        (["assess", "--demo", "--min-level", "6"], "above the top level"),
        (["assess", "--demo", "--since", "garbage"], "--since cannot change it"),
        (["assess", "--demo", "--period", "garbage"], "--period cannot change it"),
        (["assess", "--from-evidence", "/nonexistent.json", "--period", "3d"], "--period cannot change it"),
        (["gates", "--demo", "--fail-on-unknown", "--bogus"], "No such option"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_bad_options_are_one_line(capsys, monkeypatch, args: list[str], expected: str) -> None:
    line = one_error(*run_cli(capsys, monkeypatch, *args)[::2])
    assert expected in line


def test_an_unreadable_attestations_file(tmp_path, capsys, monkeypatch) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("attestations: []\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: a directory stands in for an unreadable file
        path = tmp_path
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--attestations", str(path))[::2])
    assert str(path) in line


def test_the_same_path_for_report_and_evidence(tmp_path, capsys, monkeypatch) -> None:
    target = tmp_path / "x.json"
    line = one_error(
        *run_cli(capsys, monkeypatch, "assess", "--demo", "-o", str(target), "--save-evidence", str(target))[
            ::2
        ]
    )
    assert "--output and --save-evidence both name" in line and not target.exists()


def test_an_ascii_only_terminal_does_not_crash(tmp_path) -> None:
    import subprocess

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    r = subprocess.run(
        [sys.executable, "-m", "llmops_audit", "assess", "--demo", "--no-color"], capture_output=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert b"Level 3 of 5" in r.stdout


# ------------------------------------------------------------------ files on disk


def test_a_symlinked_output_is_refused_and_left_alone(tmp_path, capsys, monkeypatch) -> None:
    real = tmp_path / "real.md"
    real.write_text("keep me")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert "symbolic link" in one_error(
        *run_cli(capsys, monkeypatch, "assess", "--demo", "-o", str(link))[::2]
    )
    assert link.is_symlink() and real.read_text() == "keep me"


def test_a_fifo_output_is_written_in_place(tmp_path, capsys, monkeypatch) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    code, _, _ = run_cli(capsys, monkeypatch, "assess", "--demo", "-f", "json", "-o", str(fifo), "--quiet")
    reader.join(10)
    assert code == 0 and json.loads(got[0])["level"] == 3
    assert fifo.is_fifo()  # still a pipe, not replaced by a regular file


def test_dash_is_stdout(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, monkeypatch, "assess", "--demo", "-f", "json", "-o", "-")
    assert code == 0 and json.loads(out)["level"] == 3 and not (tmp_path / "-").exists()


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(capsys, monkeypatch) -> None:
    import llmops_audit.pipeline as pipeline

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("a bug, with AKIAABCDEFGHIJKLMNOP inside")

    monkeypatch.setattr(pipeline, "assemble", boom)
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo")[::2])
    assert "internal error (RuntimeError" in line and "AKIA" not in line and "--debug" in line
    code, _, err = run_cli(capsys, monkeypatch, "--debug", "assess", "--demo")
    assert code == 2 and "Traceback" in err and "AKIAABCDEFGHIJKLMNOP" not in err
