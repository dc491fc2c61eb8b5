"""Generate docs/coverage.md from the level files: every item and metric row, its evidence, how it is tested.

"How tested" is determined, not declared: each evidence section is collected once against an empty moto
account (the fake account of tests/fake_account, not seeded); a section moto serves is tested against moto,
one moto lacks is tested with responses validated against botocore's service model (CannedResponses /
Stubber).

A developer tool, not part of the package: it imports `tests.fake_account`, so run it from the repository
root of a checkout with the test extra installed (`pip install -e '.[test]'`, which brings moto):

    python -m tools.coverage_doc > docs/coverage.md

tests/test_coverage_doc.py fails when docs/coverage.md and the level files disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmops_audit.engine.scoring import describe_rule, rule_probes
from llmops_audit.inputs.definitions import builtin_levels_dir, load_framework
from llmops_audit.metrics import CALCULATORS
from llmops_audit.model import Framework
from llmops_audit.probes import PROBES


def section_backing(sections: Iterable[str]) -> dict[str, str]:
    """section -> "moto" or "stub", by collecting each against an empty moto account."""
    from datetime import UTC, datetime, timedelta

    from llmops_audit.aws.access import AwsAccess
    from llmops_audit.collectors import CollectContext, SectionFailed
    from llmops_audit.model import Scope
    from tests.fake_account.env import demo_account

    out: dict[str, str] = {}
    with demo_account(seed=False) as env:
        now = datetime.now(UTC)
        aws = AwsAccess(env.session, env.region, max_attempts=1)
        ctx = CollectContext(aws, Scope(env.account, env.region, now - timedelta(days=7), now))
        for name in sorted(set(sections)):
            try:
                ctx.section(name)
                out[name] = "moto"
            except SectionFailed as exc:
                out[name] = "stub" if exc.error.kind in ("unsupported", "dependency") else "moto"
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(framework: Framework, backing: dict[str, str]) -> str:
    lines = [
        f"# Evidence coverage: {framework.title}",
        "",
        "Generated from the level files by `python -m tools.coverage_doc`; do not edit by hand "
        "(a test fails when this file and the level files disagree).",
        "",
        "Tested with: **moto** = the collector runs against moto's in-process AWS; **stub** = moto lacks the API,",
        "so tests answer it with responses validated against botocore's service model (CannedResponses/Stubber).",
        "moto cannot compute percentile statistics or metric math: the percentile path of `cloudwatch.metric_stats`",
        "is tested with botocore's Stubber, and ratios are computed client-side and tested on known data.",
        "Every item is also tested against its rule (tests/test_item_rules.py) and its probes on plain data (tests/probes).",
        "",
        "## Checklist items",
        "",
        "| Item | Checklist item | Decided by | Evidence sections | Tested with |",
        "|---|---|---|---|---|",
    ]
    for item in framework.items:
        sections = sorted({s for r in rule_probes(item.rule) for s in PROBES[r.probe].needs})
        tested = sorted({backing.get(s, "?") for s in sections})
        lines.append(
            f"| {item.id} | {_cell(item.text)} | `{_cell(describe_rule(item.rule))}` | "
            f"{', '.join(sections) or 'attestation'} | {' + '.join(tested) or 'attestation'} |"
        )
    lines += [
        "",
        "## Metric rows",
        "",
        "| Row | Metric | AWS source | Calculator | Evidence sections | Tested with |",
        "|---|---|---|---|---|---|",
    ]
    for m in framework.metrics:
        sections = sorted(CALCULATORS[m.compute].needs)
        tested = sorted({backing.get(s, "?") for s in sections})
        lines.append(
            f"| {m.id} | {_cell(m.name)} | {_cell(m.source or m.purpose)} | `{m.compute}` | "
            f"{', '.join(sections)} | {' + '.join(tested)} |"
        )
    lines += ["", "## Evidence sections", "", "| Section | Tested with |", "|---|---|"]
    lines += [f"| {s} | {b} |" for s, b in sorted(backing.items())]
    return "\n".join(lines) + "\n"


def generate() -> str:
    fw = load_framework(builtin_levels_dir())
    sections = {s for p in PROBES.values() for s in p.needs} | {
        s for c in CALCULATORS.values() for s in c.needs
    }
    return render(fw, section_backing(sections))


if __name__ == "__main__":
    print(generate(), end="")
