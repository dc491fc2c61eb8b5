from pathlib import Path

from tools.coverage_doc import generate

DOC = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


def test_coverage_doc_is_generated_from_the_level_files() -> None:
    text = generate()
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/coverage.md is stale: python -m tools.coverage_doc > docs/coverage.md"
    )
    for n in range(1, 6):
        for i in range(1, 7):
            assert f"| L{n}.{i} |" in text
    assert text.count("| L") >= 70  # 30 items + 40 metric rows


def test_every_metric_calculator_of_every_framework_is_run_by_a_passing_test(tmp_path) -> None:
    """Not a string search: tests/metrics runs with a recorder, and each calculator a framework names must
    have been called by a test that passed."""
    import json
    import os
    import subprocess
    import sys

    from llmops_audit.inputs.definitions import builtin_frameworks, load_framework

    record = tmp_path / "calculators.json"
    root = DOC.parent.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-p",
            "tests.calculator_recorder",
            "tests/metrics",
        ],
        cwd=root,
        env={**os.environ, "LLMOPS_RECORD_CALCULATORS": str(record)},
        capture_output=True,
        check=True,
    )
    tested = {cid for cid, tests in json.loads(record.read_text()).items() if tests}
    used = {
        m.compute
        for path in builtin_frameworks().values()
        for lv in load_framework(path).levels
        for m in lv.metrics
    }
    assert used and not used - tested, f"no passing test runs: {sorted(used - tested)}"
