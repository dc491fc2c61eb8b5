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


def test_every_metric_calculator_of_every_framework_has_a_test_in_tests_metrics() -> None:
    from llmops_audit.inputs.definitions import builtin_frameworks, load_framework

    tests = "\n".join(
        p.read_text(encoding="utf-8") for p in (DOC.parent.parent / "tests" / "metrics").glob("*.py")
    )
    used = {
        m.compute
        for path in builtin_frameworks().values()
        for lv in load_framework(path).levels
        for m in lv.metrics
    }
    assert used and not {c for c in used if f'"{c}"' not in tests}
