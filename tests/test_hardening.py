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


# ------------------------------------------------------------------ issue 11: the examples no test above showed
# (each failed, or was untested, before; see /work/notes/issue11-map.md)


@pytest.mark.parametrize("date", BAD_DATES)
def test_an_impossible_date_in_a_price_table_and_a_framework_file(
    tmp_path, capsys, monkeypatch, date: str
) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(f"as_of: {date}\nmodels:\n  - {{match: claude, input: 1, output: 2}}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2])
    assert f"prices.yaml:1: '{date}' is not a valid date in the price table" in line
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    with (levels / "framework.yaml").open("a") as f:
        f.write(f"reviewed: {date}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert "framework.yaml:" in line and f"'{date}' is not a valid date in the framework file" in line


@pytest.mark.parametrize(
    ("option", "key"),
    [
        ("--waivers", "waivers"),
        ("--attestations", "attestations"),
        ("--policy", "cost"),
        ("--prices", "models"),
    ],
)
def test_a_document_nested_200_deep_in_every_yaml_input(
    tmp_path, capsys, monkeypatch, option: str, key: str
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(f"{key}: " + "[" * 200 + "1" + "]" * 200 + "\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", option, str(path))[::2])
    assert "deep.yaml:1: nested more than 64 levels deep" in line


@pytest.mark.parametrize("loader", ["levels", "waivers", "attestations"])
def test_a_billion_laughs_document_is_refused_in_bounded_time_and_memory(tmp_path, loader: str) -> None:
    """The issue measured > 60 s and 950 MB: the loader stops after a bounded number of expanded nodes."""
    import time
    import tracemalloc
    from datetime import date

    from llmops_audit.errors import DefinitionError
    from llmops_audit.inputs.definitions import load_framework
    from llmops_audit.inputs.overrides import load_attestations, load_waivers

    path = tmp_path / ("level-1.yaml" if loader == "levels" else "lol.yaml")
    path.write_text(BILLION_LAUGHS)
    load = {
        "levels": lambda: load_framework(tmp_path),
        "waivers": lambda: load_waivers(path, {"L1.1"}, date(2026, 12, 1)),
        "attestations": lambda: load_attestations(path, {"L1.1"}, date(2026, 12, 1)),
    }[loader]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DefinitionError, match="aliases repeated too often"):
            load()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"{loader}: refused after {elapsed:.2f} s, peak {peak / 1e3:.0f} kB traced")
    assert elapsed < 5 and peak < 100e6


@pytest.mark.parametrize(
    ("option", "text"),
    [
        ("--waivers", "waivers:\n  - {{target: L3.3, reason: r, owner: o, expires: {n}}}\n"),
        ("--attestations", "attestations:\n  - {{item: L4.3, answer: true, by: x, evidence: {n}}}\n"),
        ("--prices", "models:\n  - {{match: claude, input: {n}, output: 1}}\n"),
    ],
)
def test_an_integer_of_5000_digits_in_every_yaml_input(
    tmp_path, capsys, monkeypatch, option: str, text: str
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text.format(n="9" * 5000))
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", option, str(path))[::2])
    assert "f.yaml:2: the number 99999999999999999999… is too long" in line


def test_an_integer_of_5000_digits_in_a_level_file(tmp_path, capsys, monkeypatch) -> None:
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    text = (levels / "level-4.yaml").read_text()
    assert "params: {days: 30" in text
    (levels / "level-4.yaml").write_text(text.replace("params: {days: 30", "params: {days: " + "9" * 5000, 1))
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert "level-4.yaml:" in line and "is too long in the level file" in line


def _demo_evidence_with(tmp_path: Path, value: str, count: int = 0) -> Path:
    """The demo's saved evidence with its metric values (the first `count`, or all) replaced by `value`."""
    import re

    text, n = re.subn(r'"value": [0-9.]+', f'"value": {value}', demo_snapshot().to_json(), count=count)
    assert n >= 1
    path = tmp_path / "e.json"
    path.write_text(text)
    return path


def test_an_integer_of_5000_digits_in_evidence_is_one_plain_line(tmp_path, capsys, monkeypatch) -> None:
    """Python's own 4,300-digit error told the user to call sys.set_int_max_str_digits()."""
    path = _demo_evidence_with(tmp_path, "9" * 5000, count=1)
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--from-evidence", str(path))[::2])
    assert "e.json: the number 99999999999999999999… is too long in the evidence file" in line
    assert "sys.set_int_max_str_digits" not in line


def test_a_thousand_digit_integer_in_evidence_is_refused_not_an_overflow(
    tmp_path, capsys, monkeypatch
) -> None:
    """Under Python's limit, but past a float's range: it once became 'OverflowError' in every metric."""
    path = _demo_evidence_with(tmp_path, "9" * 1000)
    line = one_error(*run_cli(capsys, monkeypatch, "gates", "--from-evidence", str(path))[::2])
    assert "is too long in the evidence file" in line


@pytest.mark.parametrize("value", ["1e400", "-1e400"])
def test_a_json_number_that_overflows_to_infinity_in_evidence_is_refused(
    tmp_path, capsys, monkeypatch, value: str
) -> None:
    """`1e400` is valid JSON that Python reads as infinity: with every latency at -inf the performance gate
    passed (measured: none), and the report printed 'p95 -inf ms'."""
    path = _demo_evidence_with(tmp_path, value)
    line = one_error(*run_cli(capsys, monkeypatch, "gates", "--from-evidence", str(path), "-f", "json")[::2])
    assert f"e.json: '{value}' is not a finite number in the evidence file" in line


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("level-4.yaml", "params: {days: 30,", "params: {days: .nan,"),
        ("level-4.yaml", "params: {days: 30,", "params: {days: .inf,"),
        ("framework.yaml", "min_share: 0.5 ", "min_share: .nan "),
    ],
)
def test_non_finite_numbers_in_level_and_framework_files(
    tmp_path, capsys, monkeypatch, path: str, old: str, new: str
) -> None:
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    text = (levels / path).read_text()
    assert old in text
    (levels / path).write_text(text.replace(old, new, 1))
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert f"{path}:" in line and "is not a finite number" in line


def test_a_key_written_twice_in_waivers_prices_levels_and_evidence(tmp_path, capsys, monkeypatch) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - target: L3.3\n    reason: r\n    owner: o\n    target: L4.1\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--waivers", str(waivers))[::2])
    assert "w.yaml:5: the key 'target' is written twice in one mapping (also at line 2)" in line
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  - {match: claude, input: 1, output: 2, input: 0}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2])
    assert "prices.yaml:2: the key 'input' is written twice" in line
    levels = tmp_path / "levels"
    shutil.copytree(LEVELS, levels, ignore=shutil.ignore_patterns("frameworks"))
    with (levels / "level-3.yaml").open("a") as f:
        f.write("level: 3\n")
    line = one_error(*run_cli(capsys, monkeypatch, "validate", str(levels))[::2])
    assert "level-3.yaml:" in line and "the key 'level' is written twice" in line
    text = demo_snapshot().to_json()
    evidence = tmp_path / "e.json"
    evidence.write_text(text.replace("{", '{"snapshot_version": "1", ', 1))
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--from-evidence", str(evidence))[::2])
    assert "the key 'snapshot_version' is written twice in one object in the evidence file" in line


def test_a_non_string_key_in_a_price_entry_names_it(tmp_path, capsys, monkeypatch) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  - {match: claude, input: 1, output: 2, 7: x}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2])
    assert (
        "prices.yaml:2: models[0] (claude): Additional properties are not allowed (7 was unexpected)" in line
    )
    prices.write_text("models:\n  - {match: claude, input: 1, output: 2}\n  - {? [a, b]: 1}\n")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--prices", str(prices))[::2])
    assert "prices.yaml:3: invalid YAML in the price table" in line


@pytest.mark.parametrize(
    "option",
    [["--since", "2026-11-01"], ["--since", "garbage"], ["--until", "0001-01-01"], ["--period", "1d"]],
)
def test_the_period_options_are_refused_with_a_real_evidence_file(
    tmp_path, capsys, monkeypatch, option: list[str]
) -> None:
    evidence = tmp_path / "e.json"
    evidence.write_text(demo_snapshot().to_json())
    for command in ("assess", "gates"):
        line = one_error(
            *run_cli(capsys, monkeypatch, command, "--from-evidence", str(evidence), *option)[::2]
        )
        assert f"{option[0]} cannot change it" in line


def test_a_character_device_output_is_written_in_place(tmp_path, capsys, monkeypatch) -> None:
    """A device node at the --output path (here a copy of /dev/null, made as root) stays a device."""
    import stat

    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs root")
    code, _, err = run_cli(capsys, monkeypatch, "assess", "--demo", "-f", "json", "-o", str(node), "--quiet")
    assert code == 0, err
    assert stat.S_ISCHR(node.lstat().st_mode) and not list(tmp_path.glob(".*"))  # no temporary file left


def test_a_block_device_output_is_refused_and_left_alone(tmp_path, capsys, monkeypatch) -> None:
    import stat

    node = tmp_path / "disk"
    try:  # a major number of the local/experimental range: no driver, nothing could be written there
        os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(240, 0))
    except PermissionError:
        pytest.skip("mknod needs root")
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "-o", str(node))[::2])
    assert str(node) in line and "not a regular file, pipe or character device" in line
    assert stat.S_ISBLK(node.lstat().st_mode)


def test_saved_evidence_through_a_symlink_is_refused_before_the_run(tmp_path, capsys, monkeypatch) -> None:
    real = tmp_path / "real.json"
    real.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    line = one_error(*run_cli(capsys, monkeypatch, "assess", "--demo", "--save-evidence", str(link))[::2])
    assert "symbolic link" in line and link.is_symlink() and real.read_text() == "keep me"


# ------------------------------------------------------------------ environment, privacy and the guard

IAM_MARKER = "MARKER-TRUST-POLICY-91c2"


def _answer_iam(aws, operation: str, status: int, body: bytes) -> None:
    """Answer every iam `operation` with `body` and `status` (before moto sees the request)."""
    import io

    import urllib3
    from botocore.awsrequest import AWSResponse

    def send(request, **_):
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False)
        return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, raw)

    aws._client("iam").meta.events.register_first(f"before-send.iam.{operation}", send)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            200,
            b'<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role>'
            b"<AssumeRolePolicyDocument>%7B%22Sid%22%3A%22" + IAM_MARKER.encode() + b"%22<Arn",
        ),
        (
            400,
            b"<ErrorResponse><Error><Code>" + IAM_MARKER.encode() + b"</Code><Message>" + IAM_MARKER.encode(),
        ),
    ],
    ids=["200-truncated", "400-truncated"],
)
def test_a_malformed_iam_answer_fails_its_section_without_the_body(
    moto_aws, scope, canned, status: int, body: bytes
) -> None:
    """The issue's second example: a malformed XML answer from IAM (a role's trust policy) once printed the
    raw body in a traceback. Now the call is recorded as failed, the items needing it are never met, and the
    body appears in no report format and not in saved evidence."""
    from llmops_audit.report import FORMATS, render
    from tests.helpers import report_of
    from tests.test_no_leaks import _plant_secrets

    _plant_secrets()  # an LLM Lambda function with an IAM role the governance sections read
    _answer_iam(moto_aws, "GetRole", status, body)
    items, _, snap = _assess(moto_aws, scope)
    get_role = [c for c in moto_aws.calls if (c.service, c.operation) == ("iam", "GetRole")]
    assert get_role and all(c.outcome in ("error", "denied") for c in get_role), get_role
    saved = snap.to_json()
    assert IAM_MARKER not in saved
    assert "iam:GetRole" in saved  # the failure is named, by action
    assert items["L5.3"].status != "met"
    report = report_of(snap)
    for fmt in FORMATS:
        assert IAM_MARKER not in render(report, fmt), fmt


def _assess(aws, scope):
    from tests.helpers import assess

    return assess(aws, scope)


def test_the_lambda_policy_and_rule_are_read_but_their_sid_and_description_never_saved(
    moto_aws, scope, canned
) -> None:
    """test_no_leaks plants a secret in a Lambda policy Sid and an EventBridge rule description; this shows
    those two records really were read (so the secret's absence is the filter's doing, not a skipped read)."""
    from tests.test_no_leaks import SECRET, _plant_secrets

    _plant_secrets()
    _, _, snap = _assess(moto_aws, scope)
    calls = {(c.service, c.operation, c.outcome) for c in moto_aws.calls}
    assert ("lambda", "GetPolicy", "ok") in calls and ("events", "ListRules", "ok") in calls
    saved = snap.to_json()
    assert "bedrock.amazonaws.com" in saved and "agent/AG1" in saved  # the policy statement's facts are kept
    assert "nightly-eval" in saved and "rate(1 day)" in saved  # the rule's facts are kept
    assert SECRET not in saved and '"Sid"' not in saved and '"Description"' not in saved


@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        ("sts", "get_session_token", {}),
        ("ssm", "get_parameter", {"Name": "/db/password", "WithDecryption": True}),
        ("ssm", "get_parameters_by_path", {"Path": "/db", "WithDecryption": True}),
        ("secretsmanager", "get_secret_value", {"SecretId": "prod/db"}),
    ],
)
def test_the_access_layer_refuses_credentials_and_secrets_against_moto(
    moto_aws, service: str, operation: str, params: dict
) -> None:
    """The issue obtained fresh credentials and a decrypted SecureString through the access layer against
    moto. Now each is a ReadOnlyViolation (an AuditError: one line, exit 2) and no request is sent."""
    from llmops_audit.aws.access import ReadOnlyViolation
    from llmops_audit.errors import AuditError, ExitCode
    from tests.conftest import seed_client

    seed_client("ssm").put_parameter(Name="/db/password", Value="s3cret-value", Type="SecureString")
    seed_client("secretsmanager").create_secret(Name="prod/db", SecretString="s3cret-value")
    for attempt in (
        lambda: moto_aws.call(service, operation, **params),
        lambda: list(moto_aws.paginate(service, operation, **params)),
    ):
        with pytest.raises(ReadOnlyViolation) as exc:
            attempt()
        assert isinstance(exc.value, AuditError) and exc.value.exit_code == ExitCode.CANNOT_RUN
        assert "\n" not in exc.value.message and "refused to call" in exc.value.message
    assert not [c for c in moto_aws.calls if c.service == service]
