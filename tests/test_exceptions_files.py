"""Attestations and waivers files: valid, expired and malformed entries."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.overrides import load_attestations, load_waivers
from tests.helpers import error_line

TODAY = date(2026, 11, 23)
IDS = {"L4.3", "L4.4", "L3.3"}


def _write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_valid_and_expired_attestations(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        """attestations:
  - item: L4.3
    answer: true
    by: Jane Doe
    evidence: https://wiki.example.com/prompt-reviews
    expires: 2027-03-31
  - item: L4.4
    answer: true
    by: Sam Roe
    evidence: confidence scores logged by the app
    expires: 2025-01-31
""",
    )
    a = load_attestations(p, IDS, TODAY)
    assert not a["L4.3"].expired and a["L4.3"].by == "Jane Doe"
    assert a["L4.4"].expired


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "  - item: L4.3\n    answer: true\n    evidence: x\n    expires: 2027-01-01\n",
            r"f\.yaml:2: attestations\[0\] \(item L4\.3\): 'by' is a required property",
        ),
        (
            "  - item: L4.3\n    answer: maybe\n    by: J\n    evidence: x\n    expires: 2027-01-01\n",
            r"f\.yaml:3: attestations\[0\]\.answer \(item L4\.3\): 'maybe' is not of type 'boolean'",
        ),
        (
            "  - item: L9.9\n    answer: true\n    by: J\n    evidence: x\n    expires: 2027-01-01\n",
            r"f\.yaml:2: attestations\[0\]: 'L9\.9' is not an item of this framework",
        ),
        (
            "  - item: L4.3\n    answer: true\n    by: J\n    evidence: x\n    expires: next year\n",
            r"f\.yaml:6: attestations\[0\]\.expires \(item L4\.3\): 'next year' does not match",
        ),
    ],
)
def test_malformed_attestation_is_one_line_naming_file_and_entry(
    tmp_path: Path, entry: str, expected: str
) -> None:
    import re

    p = _write(tmp_path, "attestations:\n" + entry)
    with pytest.raises(DefinitionError) as err:
        load_attestations(p, IDS, TODAY)
    assert re.search(expected, err.value.message), err.value.message
    assert "\n" not in err.value.message


def test_waiver_missing_owner_names_file_and_entry(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "waivers:\n  - target: L3.3\n    reason: PRs reviewed in GitHub\n    expires: 2027-01-01\n"
    )
    with pytest.raises(
        DefinitionError, match=r"f\.yaml:2: waivers\[0\] \(target L3\.3\): 'owner' is a required"
    ):
        load_waivers(p, IDS | {"quality"}, TODAY)
    result = CliRunner().invoke(app, ["assess", "--demo", "--quiet", "--waivers", str(p)])
    assert result.exit_code == 2
    assert "f.yaml:2: waivers[0] (target L3.3): 'owner' is a required property" in error_line(result)


def test_waiver_scope_and_expiry(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from llmops_audit.engine.overrides import waiver_applies
    from llmops_audit.model import Scope

    p = _write(
        tmp_path,
        """waivers:
  - {target: L3.3, reason: r, owner: sre, expires: 2027-01-01, scope: {account: "111111111111"}}
  - {target: quality, reason: r, owner: sre, expires: 2026-01-01}
""",
    )
    scope = Scope(
        "123456789012", "us-east-1", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
    )
    w = {x.target: x for x in load_waivers(p, IDS | {"quality"}, TODAY)}
    assert not waiver_applies(w["L3.3"], scope) and not w["L3.3"].expired
    assert w["quality"].expired


def test_cli_attestations_valid_expired_and_malformed(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _write(
        tmp_path,
        """attestations:
  - {item: L4.1, answer: true, by: Jane Doe, evidence: "https://wiki/x", expires: 2099-01-01}
  - {item: L4.3, answer: true, by: Sam Roe, evidence: "weekly prompt review", expires: 2020-01-01}
""",
        "a.yaml",
    )
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["assess", "--demo", "--quiet", "--attestations", str(good), "-f", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    items = {i["id"]: i for i in json.loads(out.read_text())["items"]}
    assert items["L4.1"]["status"] == "attested"
    assert items["L4.1"]["attestation"]["by"] == "Jane Doe"
    assert any(
        "AWS evidence did not show it" in n for n in items["L4.1"]["notes"]
    )  # the evidence stays visible
    # the expired one no longer counts: the attestation-only item is unknown and says why
    assert items["L4.3"]["status"] == "unknown"
    assert "expired on 2020-01-01" in items["L4.3"]["reason"]
    bad = _write(
        tmp_path,
        "attestations:\n  - {item: L4.3, answer: true, evidence: x, expires: 2099-01-01}\n",
        "b.yaml",
    )
    result = runner.invoke(app, ["assess", "--demo", "--quiet", "--attestations", str(bad)])
    assert result.exit_code == 2
    line = error_line(result)
    assert "b.yaml:2: attestations[0] (item L4.3): 'by' is a required property" in line
