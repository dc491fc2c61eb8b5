from pathlib import Path

from llmops_audit.coverage import generate

DOC = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


def test_coverage_doc_is_generated_from_the_level_files() -> None:
    text = generate()
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/coverage.md is stale: python -m llmops_audit.coverage > docs/coverage.md"
    )
    for n in range(1, 6):
        for i in range(1, 7):
            assert f"| L{n}.{i} |" in text
    assert text.count("| L") >= 70  # 30 items + 40 metric rows
