"""Property tests: whatever a user feeds the file loaders, the result is a model object or a DefinitionError
(one line, exit 2), never another exception and never a hang. A fixed example budget keeps CI bounded."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmops_audit.errors import DefinitionError
from llmops_audit.evidence.snapshot import EvidenceSnapshot
from llmops_audit.inputs.definitions import load_framework
from llmops_audit.inputs.overrides import load_attestations, load_waivers
from llmops_audit.inputs.policy import load_policy
from llmops_audit.inputs.prices import load_prices

BUDGET = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
IDS = {"L1.1", "L2.1", "L3.3", "quality"}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["2027-02-30", "2027-13-01", "0000-01-01", "2027-01-31", ".nan", ".inf", "L3.3", "quality"]
    ),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "waivers",
                    "attestations",
                    "models",
                    "match",
                    "input",
                    "output",
                    "target",
                    "item",
                    "expires",
                    "reason",
                    "owner",
                    "by",
                    "evidence",
                    "answer",
                    "level",
                    "items",
                    "id",
                    "cost",
                    "quality",
                    "performance",
                    "safety",
                    "name",
                    "decide",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        ),
    ),
    max_leaves=25,
)
raw_texts = st.one_of(
    documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        ["a: &x [*x]", "a: [" * 100, "{a: 1, a: 2}", "x: !!python/object:os.system ls", "- - - -"]
    ),
)


def _write(text: str, name: str = "f.yaml") -> Path:
    path = Path(tempfile.mkdtemp()) / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _only_definition_errors(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except DefinitionError as exc:
        assert "\n" not in exc.message


@BUDGET
@given(raw_texts)
def test_policy_files(text: str) -> None:
    _only_definition_errors(load_policy, _write(text))


@BUDGET
@given(raw_texts)
def test_price_tables(text: str) -> None:
    _only_definition_errors(load_prices, _write(text))


@BUDGET
@given(raw_texts)
def test_attestation_files(text: str) -> None:
    _only_definition_errors(load_attestations, _write(text), IDS, date(2026, 12, 1))


@BUDGET
@given(raw_texts)
def test_waiver_files(text: str) -> None:
    _only_definition_errors(load_waivers, _write(text), IDS, date(2026, 12, 1))


@BUDGET
@given(raw_texts)
def test_level_directories(text: str) -> None:
    _only_definition_errors(load_framework, _write(text, "level-1.yaml").parent)


evidence_docs = st.fixed_dictionaries(
    {
        "snapshot_version": st.sampled_from(["1", 1]),
        "scope": st.one_of(
            documents,
            st.fixed_dictionaries(
                {
                    "account": st.text(max_size=12),
                    "region": st.text(max_size=12),
                    "start": st.sampled_from(["2026-11-01T00:00:00+00:00", "2026-02-30", "x", "2026-11-01"]),
                    "end": st.sampled_from(["2026-11-08T00:00:00+00:00", ""]),
                }
            ),
        ),
        "sections": documents,
        "errors": documents,
        "calls": documents,
    }
)


@BUDGET
@given(st.one_of(evidence_docs.map(json.dumps), st.text(max_size=100)))
def test_evidence_files(text: str) -> None:
    _only_definition_errors(EvidenceSnapshot.load, _write(text, "evidence.json"))
