"""The package as a user gets it: `python -m build` makes a wheel and an sdist that `twine check` accepts,
the wheel ships levels/, the schemas, the data files and the license, and the wheel installed in a fresh
venv (and with pipx) answers `--version` and scores the demo exactly as the checkout does.

Slow (a build, a fresh venv whose dependencies come from the package index, a pipx install): it runs in CI
(`CI` set, as `.ci/run` is run) or with LLMOPS_AUDIT_PACKAGING_TESTS=1, and is skipped in a developer's
quick run. The fake-AWS guard of conftest.py patches sockets in this process only; the subprocesses here
reach the package index, and only it.
"""

from __future__ import annotations

import email.parser
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmops_audit import __version__
from llmops_audit.pipeline import REPORT_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 900  # seconds for one step: a cold dependency install is the slow one

slow = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("LLMOPS_AUDIT_PACKAGING_TESTS")),
    reason="slow packaging test (build, fresh venv, pipx): runs with CI=true or LLMOPS_AUDIT_PACKAGING_TESTS=1",
)


def test_version_names_the_tool_and_the_report_schema() -> None:
    from typer.testing import CliRunner

    from llmops_audit.cli import app

    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.stdout == f"llmops-audit {__version__} (report schema {REPORT_SCHEMA_VERSION})\n"


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is missing: install the test extra (pip install -e '.[test]')")


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without this venv's traces, so the installed copy is what runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(
        cmd, cwd=cwd, env=env or _clean_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    print(f"{time.monotonic() - started:6.1f} s  {' '.join(str(c) for c in cmd[:4])}")
    return done


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (
        f"exit {done.returncode}\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """wheel + sdist of the working tree, built as a release would be (isolated build: sdist, then the
    wheel from the sdist, which proves the sdist is complete)."""
    _need("build")
    out = tmp_path_factory.mktemp("dist")
    _ok(_run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out))
    yield out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def _sdist(dist: Path) -> Path:
    (sdist,) = dist.glob("*.tar.gz")
    return sdist


def _demo_from_checkout() -> dict[str, object]:
    done = _ok(_run([sys.executable, "-m", "llmops_audit", "assess", "--demo", "--format", "json"], cwd=ROOT))
    return json.loads(done)


def _outcome(report: dict[str, object]) -> dict[str, object]:
    """What the demo decides: level, each item's status, each gate's status."""
    items = report["items"]
    gates = report["gates"]
    assert isinstance(items, list) and isinstance(gates, list)
    return {
        "level": report["level"],
        "items": {i["id"]: i["status"] for i in items},
        "gates": {g["id"]: g["status"] for g in gates},
    }


@slow
def test_build_makes_a_wheel_and_an_sdist_that_twine_accepts(dist: Path) -> None:
    _need("twine")
    assert _wheel(dist).name == f"llmops_audit-{__version__}-py3-none-any.whl"
    assert _sdist(dist).name == f"llmops_audit-{__version__}.tar.gz"
    out = _ok(_run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())], cwd=dist))
    assert out.count("PASSED") == 2, out


@slow
def test_wheel_ships_levels_schemas_data_license_and_complete_metadata(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as whl:
        names = set(whl.namelist())
        info = f"llmops_audit-{__version__}.dist-info"
        meta = email.parser.Parser().parsestr(whl.read(f"{info}/METADATA").decode())
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
        license_text = whl.read(f"{info}/licenses/LICENSE").decode()

    levels = {
        f"llmops_audit/_levels/{p.relative_to(ROOT / 'levels').as_posix()}"
        for p in (ROOT / "levels").rglob("*.yaml")
    }
    assert len(levels) >= 15 and levels <= names, sorted(levels - names)
    schemas = {f"llmops_audit/schemas/{p.name}" for p in (ROOT / "llmops_audit" / "schemas").glob("*.json")}
    assert "llmops_audit/schemas/report.schema.json" in schemas and schemas <= names, sorted(schemas - names)
    data = {f"llmops_audit/data/{p.name}" for p in (ROOT / "llmops_audit" / "data").iterdir() if p.is_file()}
    assert "llmops_audit/data/demo-evidence.json" in data and data <= names, sorted(data - names)
    assert not any(n.startswith(("tests/", "levels/")) for n in names)  # the package only, levels under it
    assert "Apache License" in license_text and "Version 2.0" in license_text

    assert meta["Name"] == "llmops-audit" and meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    assert meta["Requires-Python"] == ">=3.11"
    assert "llmops" in meta["Keywords"].split(",")
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers and len(classifiers) >= 8
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
    assert meta.get_content_type() == "text/plain"  # the description follows the headers
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "llmops-audit = llmops_audit.cli:main" in entry_points
    requires = meta.get_all("Requires-Dist") or []
    assert {r.split(">")[0] for r in requires if "extra ==" not in r} == {
        "boto3",
        "jsonschema",
        "pyyaml",
        "rich",
        "typer",
    }


@slow
def test_sdist_holds_what_rebuilds_the_wheel_and_no_local_caches(dist: Path) -> None:
    with tarfile.open(_sdist(dist)) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "levels/framework.yaml",
        "llmops_audit/cli.py",
    ):
        assert needed in names, needed
    assert "llmops_audit/data/demo-evidence.json" in names
    cached = sorted(
        n
        for n in names
        if n.split("/")[0] in {".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".venv"}
    )
    assert not cached, cached[:5]


def _check_installed(bin_dir: Path, cwd: Path) -> None:
    """--version names the tool and schema versions; the demo scores as in the checkout."""
    exe = str(bin_dir / "llmops-audit")
    assert _ok(_run([exe, "--version"], cwd=cwd)).strip() == (
        f"llmops-audit {__version__} (report schema {REPORT_SCHEMA_VERSION})"
    )
    terminal = _ok(_run([exe, "assess", "--demo"], cwd=cwd))
    assert "Level 3 of 5" in terminal, terminal[:500]
    installed = json.loads(_ok(_run([exe, "assess", "--demo", "--format", "json"], cwd=cwd)))
    assert installed["schema_version"] == REPORT_SCHEMA_VERSION
    assert installed["tool"] == {"name": "llmops-audit", "version": __version__}
    assert _outcome(installed) == _outcome(_demo_from_checkout())
    frameworks = _ok(_run([exe, "frameworks"], cwd=cwd))
    for name in ("llmops-maturity", "operating-model", "practical-ladder"):  # levels/ as package data
        assert name in frameworks, frameworks


@slow
def test_wheel_installed_in_a_fresh_venv_runs_version_and_the_demo(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _ok(_run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path))
    py = str(venv / "bin" / "python")
    _ok(_run([py, "-m", "pip", "install", "--quiet", str(_wheel(dist))], cwd=tmp_path))
    where = _ok(_run([py, "-c", "import llmops_audit; print(llmops_audit.__file__)"], cwd=tmp_path)).strip()
    assert Path(where).is_relative_to(venv), f"imported from {where}, not the fresh venv"
    _check_installed(venv / "bin", cwd=tmp_path)


@slow
def test_pipx_installs_the_wheel(dist: Path, tmp_path: Path) -> None:
    _need("pipx")
    env = _clean_env(PIPX_HOME=str(tmp_path / "pipx-home"), PIPX_BIN_DIR=str(tmp_path / "pipx-bin"))
    env.pop("PIPX_DEFAULT_PYTHON", None)
    _ok(_run([sys.executable, "-m", "pipx", "install", str(_wheel(dist))], cwd=tmp_path, env=env))
    assert (tmp_path / "pipx-bin" / "llmops-audit").exists()
    _check_installed(tmp_path / "pipx-bin", cwd=tmp_path)
