"""Probe and calculator parameters are declared and typed; level files that misspell a probe id, or set an
undeclared or wrong-typed parameter, fail to load with one line naming the file, the line and the name."""

from __future__ import annotations

import ast
import inspect
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import llmops_audit.inputs.definitions as definitions
from llmops_audit.cli import app
from llmops_audit.errors import DefinitionError
from llmops_audit.inputs.definitions import builtin_frameworks, load_framework
from llmops_audit.metrics import CALCULATORS
from llmops_audit.probes import PROBES
from llmops_audit.probes.params import ENGINE_PARAMS, Param, check_params
from tests.helpers import LEVELS, error_line

runner = CliRunner()
SHIPPED = builtin_frameworks()  # name -> directory, before any test patches it
REGISTERED = [("probe", pid, p) for pid, p in PROBES.items()] + [
    ("metric calculator", cid, c) for cid, c in CALCULATORS.items()
]


# --- Param itself ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "ok"),
    [
        (Param(int, default=1), 3, True),
        (Param(int, default=1), True, False),  # a bool is not an int
        (Param(int, default=1), 3.0, False),
        (Param(int, default=1), "3", False),
        (Param(int, default=1, min=1), 0, False),
        (Param(int, default=1, max=5), 6, False),
        (Param(float, default=0.5), 1, True),  # ints are accepted for floats
        (Param(float, default=0.5), 0.25, True),
        (Param(float, default=0.5), False, False),
        (Param(float, default=0.5, min=0, max=1), 1.5, False),
        (Param(str, default="a"), "b", True),
        (Param(str, default="a"), 1, False),
        (Param(bool, default=False), True, True),
        (Param(bool, default=False), 1, False),
        (Param(bool, default=False), "yes", False),
        (Param(list[str], default=()), ["a", "b"], True),
        (Param(list[str], default=()), [], True),
        (Param(list[str], default=()), ["a", 1], False),
        (Param(list[str], default=()), "a", False),
    ],
)
def test_param_types(spec: Param, value: Any, ok: bool) -> None:
    assert (spec.problem(value) is None) is ok, spec.problem(value)


def test_check_params_messages() -> None:
    declared = {"days": Param(int, default=30, min=1), "min_jobs": Param(int, default=2, min=1)}
    assert check_params("probe", "p", declared, {"days": 7}) is None
    assert check_params("probe", "p", declared, {"dayz": 30}) == (
        "dayz",
        "'dayz' is not a parameter of probe p; it takes: days, min_jobs",
    )
    assert check_params("probe", "q", {}, {"x": 1}) == (
        "x",
        "'x' is not a parameter of probe q; it takes no parameters",
    )
    assert check_params("probe", "p", declared, {"days": "30"}) == (
        "days",
        "parameter 'days' of probe p must be an integer, not '30' (str)",
    )
    assert check_params("probe", "p", declared, {"days": 0}) == (
        "days",
        "parameter 'days' of probe p must be at least 1, not 0",
    )


def test_the_engine_prices_parameter_is_never_rejected() -> None:
    prices = {"models": [], "sources": []}
    for kind, cid, calc in REGISTERED:
        assert "prices" not in calc.params
        assert check_params(kind, cid, calc.params, {"prices": prices}) is None


# --- the declarations match the code -------------------------------------------------------------------


def _reads(obj: Any, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every parameter `obj.fn` reads (`params.get(name, default)` / `params[name]`) -> the default it uses.

    A call `other.fn(ev, params)` to another probe or calculator adds what that one reads. Any other use of
    `params` (passing it to a helper, iterating it) fails: the declarations could not be checked.
    """
    fn = obj.fn
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    name = func.args.args[1].arg
    reads: dict[str, Any] = {}
    accounted: set[int] = set()
    uses: list[ast.Name] = []
    for stmt in func.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id == name:
                uses.append(node)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
                and node.func.attr == "get"
            ):
                key = ast.literal_eval(node.args[0])
                default: Any = None
                if len(node.args) > 1:
                    arg = node.args[1]
                    default = fn.__globals__[arg.id] if isinstance(arg, ast.Name) else ast.literal_eval(arg)
                reads[key] = default
                accounted.add(id(node.func.value))
            elif (
                isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name
            ):
                reads[ast.literal_eval(node.slice)] = None
                accounted.add(id(node.value))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "fn"
                and isinstance(node.func.value, ast.Name)
            ):
                callee = fn.__globals__[node.func.value.id]
                for arg in node.args:
                    if isinstance(arg, ast.Name) and arg.id == name:
                        accounted.add(id(arg))
                        if callee.id not in seen:
                            reads.update(_reads(callee, seen | {obj.id}))
    stray = [n.lineno for n in uses if id(n) not in accounted]
    assert not stray, f"{obj.id}: `{name}` is used other than by .get/[]/.fn(ev, {name}); declare by hand"
    return reads


@pytest.mark.parametrize(("kind", "oid", "obj"), REGISTERED, ids=[r[1] for r in REGISTERED])
def test_declared_params_are_the_ones_the_code_reads(kind: str, oid: str, obj: Any) -> None:
    reads = {k: v for k, v in _reads(obj).items() if k not in ENGINE_PARAMS}
    assert sorted(obj.params) == sorted(reads), f"{kind} {oid} reads {sorted(reads)}"
    for name, spec in obj.params.items():
        code_default = reads[name]
        if code_default is None:  # `bool(params.get("x"))`
            assert spec.default in (None, False), (oid, name)
        else:
            assert spec.default == code_default, (oid, name, spec.default, code_default)
        assert spec.problem(spec.default) is None, (oid, name)
        assert spec.help, f"{kind} {oid}: parameter {name} needs a help text"


def test_probes_command_lists_parameters_with_defaults() -> None:
    r = runner.invoke(app, ["probes"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    i = next(n for n, line in enumerate(lines) if line.split()[:1] == ["evaluations_recurring"])
    assert lines[i + 1].strip() == "params: days=30 (int, at least 1), min_jobs=2 (int, at least 1)"
    j = next(n for n, line in enumerate(lines) if line.split()[:1] == ["hallucination_rate"])
    assert lines[j + 1].strip() == "params: threshold=0.5 (float, at least 0, at most 1)"
    k = next(n for n, line in enumerate(lines) if line.split()[:1] == ["budgets_present"])
    assert "params:" not in lines[k + 1]


# --- level files: misspelt probe ids, undeclared and wrong-typed parameters ------------------------------


def _copy_levels(tmp_path: Path) -> Path:
    root = tmp_path / "levels"
    shutil.copytree(LEVELS, root)
    return root


def _framework_dir(root: Path, name: str) -> Path:
    """Where framework `name` lives inside a copy of levels/ at `root`."""
    return root / SHIPPED[name].resolve().relative_to(LEVELS.resolve())


def _edit(directory: Path, pattern: str, replace: str) -> tuple[Path, int, re.Match[str]]:
    """Apply `pattern` -> `replace` at its first match in the level files of `directory`; (file, line, match)."""
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "framework.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        m = re.search(pattern, text, re.M)
        if m:
            path.write_text(text[: m.start()] + m.expand(replace) + text[m.end() :], encoding="utf-8")
            return path, text.count("\n", 0, m.start()) + 1, m
    raise AssertionError(f"{pattern} is not in {directory}")


# Any probe named in a rule: a bare id in `decide:`, a list entry, or a `{probe: id}` reference.
PROBE_REF = r"(?:decide: |probe: |- |\[|, )(?P<id>[a-z][a-z0-9_]*)\b(?!:)"


def _misspell_a_probe(directory: Path) -> tuple[Path, int, str]:
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "framework.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(PROBE_REF, text):
            good = m.group("id")
            if good in PROBES:
                bad = good[:-2] + good[-1] + good[-2]  # swap the last two letters: ..._presnet
                assert bad not in PROBES
                path.write_text(text[: m.start("id")] + bad + text[m.end("id") :], encoding="utf-8")
                return path, text.count("\n", 0, m.start()) + 1, bad
    raise AssertionError(f"no probe reference in {directory}")


def _fails(args: list[str], expected: str) -> str:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, (args, r.output)
    line = error_line(r)
    assert re.search(expected, line), (args, line)
    return line


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_copy_with_a_misspelt_probe_id_fails_validate(tmp_path: Path, name: str) -> None:
    directory = _framework_dir(_copy_levels(tmp_path), name)
    path, line, bad = _misspell_a_probe(directory)
    _fails(
        ["validate", str(directory)],
        rf"^error: {re.escape(str(path))}:{line}: item \S+: '{bad}' is not a known probe; "
        r"`llmops-audit probes` lists the probes",
    )
    _fails(
        ["assess", "--demo", "--quiet", "--levels", str(directory)],
        rf"{re.escape(str(path))}:{line}: .*'{bad}'",
    )


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of levels/ that the CLI takes for the shipped levels (as a wheel's _levels would be)."""
    root = _copy_levels(tmp_path)
    monkeypatch.setattr(definitions, "builtin_levels_dir", lambda: root)
    assert set(builtin_frameworks()) == set(SHIPPED)
    return root


def _shipped_fail(name: str, directory: Path, expected: str) -> None:
    """Every way the shipped framework `name` is loaded fails with the same one line."""
    lines = {
        _fails(["assess", "--demo", "--quiet", "--framework", name], expected),
        _fails(["validate", str(directory)], expected),
        _fails(["frameworks"], expected),
    }
    if directory == definitions.builtin_levels_dir():  # the default framework, no --framework needed
        lines.add(_fails(["assess", "--demo", "--quiet"], expected))
    assert len(lines) == 1, lines


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_levels_with_a_misspelt_probe_id_fail(shipped_copy: Path, name: str) -> None:
    directory = _framework_dir(shipped_copy, name)
    path, line, bad = _misspell_a_probe(directory)
    _shipped_fail(
        name, directory, rf"^error: {re.escape(str(path))}:{line}: item \S+: '{bad}' is not a known probe;"
    )


# (pattern, replacement, expected message after `<file>:<line>: <item or metric row>: `). Each pattern is in
# every shipped framework.
BAD_PARAMS = [
    (
        r"(probe: automated_evaluation_jobs_completed, params: \{)days(: 90\})",
        r"\1dayz\2",
        "'dayz' is not a parameter of probe automated_evaluation_jobs_completed; it takes: days; "
        "`llmops-audit probes` lists each probe's parameters",
    ),
    (
        r"(probe: automated_evaluation_jobs_completed, params: \{days: )90(\})",
        r"\1ninety\2",
        "parameter 'days' of probe automated_evaluation_jobs_completed must be an integer, not 'ninety' (str)",
    ),
    (
        r"(probe: automated_evaluation_jobs_completed, params: \{days: )90(\})",
        r"\1true\2",
        "parameter 'days' of probe automated_evaluation_jobs_completed must be an integer, not True (bool)",
    ),
    (
        r"(probe: automated_evaluation_jobs_completed, params: \{days: )90(\})",
        r"\g<1>0\2",
        "parameter 'days' of probe automated_evaluation_jobs_completed must be at least 1, not 0",
    ),
    (
        r"^(    params: \{)threshold(: 0\.5\})",
        r"\1treshold\2",
        "'treshold' is not a parameter of metric calculator hallucination_rate; it takes: threshold; "
        "`llmops-audit probes` lists each metric calculator's parameters",
    ),
    (
        r"^(    params: \{threshold: )0\.5(\})",
        r"\1high\2",
        "parameter 'threshold' of metric calculator hallucination_rate must be a number, not 'high' (str)",
    ),
    (
        r"^(    params: \{threshold: )0\.5(\})",
        r"\g<1>1.5\2",
        "parameter 'threshold' of metric calculator hallucination_rate must be at most 1, not 1.5",
    ),
]


def _where(message: str) -> str:
    return r"item \S+" if "of probe" in message else r"metrics\[\d+\] \(.*\)"


@pytest.mark.parametrize("name", sorted(SHIPPED))
@pytest.mark.parametrize(("pattern", "replace", "message"), BAD_PARAMS)
def test_a_copy_with_a_bad_parameter_fails_validate(
    tmp_path: Path, name: str, pattern: str, replace: str, message: str
) -> None:
    directory = _framework_dir(_copy_levels(tmp_path), name)
    path, line, _ = _edit(directory, pattern, replace)
    _fails(
        ["validate", str(directory)],
        rf"^error: {re.escape(str(path))}:{line}: {_where(message)}: {re.escape(message)}",
    )


@pytest.mark.parametrize(("pattern", "replace", "message"), BAD_PARAMS[:2] + BAD_PARAMS[4:6])
def test_shipped_levels_with_a_bad_parameter_fail(
    shipped_copy: Path, pattern: str, replace: str, message: str
) -> None:
    name = "operating-model"
    directory = _framework_dir(shipped_copy, name)
    path, line, _ = _edit(directory, pattern, replace)
    _shipped_fail(
        name, directory, rf"^error: {re.escape(str(path))}:{line}: {_where(message)}: {re.escape(message)}"
    )


def _minimal(tmp_path: Path, decide: str, metrics: str = "") -> Path:
    d = tmp_path / "minimal"
    d.mkdir()
    (d / "level-1.yaml").write_text(
        "level: 1\nname: n\nmotto: m\ncore_question: q\nitems:\n"
        f"  - id: X1\n    text: t\n    met_when: w\n    decide:\n{decide}" + metrics,
        encoding="utf-8",
    )
    return d


@pytest.mark.parametrize(
    ("decide", "expected"),
    [
        (  # block style: the line of the parameter itself
            "      all:\n        - budgets_present\n        - probe: evaluations_recurring\n"
            "          params:\n            days: 30\n            min_job: 2\n",
            r"level-1\.yaml:15: item X1: 'min_job' is not a parameter of probe evaluations_recurring; "
            r"it takes: days, min_jobs$",
        ),
        (
            "      not: {probe: budgets_present, params: {days: 3}}\n",
            r"level-1\.yaml:10: item X1: 'days' is not a parameter of probe budgets_present; it takes no parameters$",
        ),
        (
            "      {probe: trail_bedrock_data_events_covered, params: {types: AWS::Bedrock::AgentAlias}}\n",
            r"level-1\.yaml:10: item X1: parameter 'types' of probe trail_bedrock_data_events_covered must be a "
            r"list of strings, not 'AWS::Bedrock::AgentAlias'$",
        ),
        (
            "      {probe: lambda_failure_handling_configured, params: {require_destination: 1}}\n",
            r"level-1\.yaml:10: item X1: parameter 'require_destination' of probe "
            r"lambda_failure_handling_configured must be true or false, not 1 \(int\)$",
        ),
    ],
)
def test_bad_parameters_in_any_rule_shape(tmp_path: Path, decide: str, expected: str) -> None:
    with pytest.raises(DefinitionError) as err:
        load_framework(_minimal(tmp_path, decide))
    assert re.search(expected, err.value.message), err.value.message


def test_good_parameters_load_and_reach_the_rule(tmp_path: Path) -> None:
    decide = (
        "      any:\n        - {probe: trail_bedrock_data_events_covered, params: {types: [AWS::Bedrock::Flow]}}\n"
        "        - {probe: evaluations_recurring, params: {days: 7, min_jobs: 1}}\n"
    )
    metrics = (
        "metrics:\n  - {table: measure, category: c, metric: m, compute: hallucination_rate, params: {threshold: 1}}\n"
        "  - {table: measure, category: c, metric: n, compute: eval_score, params: {metric: Builtin.Refusal, "
        "as_percent: true}}\n"
    )
    fw = load_framework(_minimal(tmp_path, decide, metrics))
    refs = fw.items[0].rule["any"]
    assert refs[0].params == {"types": ["AWS::Bedrock::Flow"]}
    assert refs[1].params == {"days": 7, "min_jobs": 1}
    assert [m.params for m in fw.metrics] == [
        {"threshold": 1},
        {"metric": "Builtin.Refusal", "as_percent": True},
    ]


def test_unknown_calculator_param_in_a_copy_names_the_row(tmp_path: Path) -> None:
    metrics = "metrics:\n  - {table: measure, category: c, metric: m, compute: bedrock_invocations, params: {x: 1}}\n"
    with pytest.raises(DefinitionError) as err:
        load_framework(_minimal(tmp_path, "      budgets_present\n", metrics))
    assert re.search(
        r"level-1\.yaml:12: metrics\[0\] \(m\): 'x' is not a parameter of metric calculator bedrock_invocations; "
        r"it takes no parameters$",
        err.value.message,
    ), err.value.message
