"""Importing the registries reads no YAML, and the package has no import cycle.

The registries (llmops_audit.probes, llmops_audit.metrics) are code: level files name them, never the other
way round. And every module imports cleanly on its own, first, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "llmops_audit"

# Records every file opened (the interpreter's `open` audit event covers open(), io.open, Path.open,
# Path.read_text and importlib.resources) and every YAML loader constructed (yaml.safe_load, yaml.compose,
# and direct SafeLoader/CSafeLoader use), then runs the statements given on the command line.
HARNESS = r"""
import json, os, sys
opened = []
def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if path.endswith((".yaml", ".yml")) or "/levels/" in path or "/_levels/" in path:
            opened.append(path)
sys.addaudithook(hook)
import yaml
loaders = []
for name in dir(yaml):
    cls = getattr(yaml, name)
    if isinstance(cls, type) and name.endswith("Loader"):
        def init(self, *a, _orig=cls.__init__, _name=name, **k):
            loaders.append(_name)
            _orig(self, *a, **k)
        cls.__init__ = init
exec(sys.argv[1])
print(json.dumps({"opened": opened, "loaders": loaders}))
"""


def _run_harness(code: str) -> dict[str, list[str]]:
    r = subprocess.run(
        [sys.executable, "-c", HARNESS, code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_importing_the_registries_reads_no_yaml() -> None:
    seen = _run_harness(
        "import llmops_audit.probes, llmops_audit.metrics\n"
        "from llmops_audit.probes import PROBES\n"
        "from llmops_audit.metrics import CALCULATORS\n"
        "assert PROBES and CALCULATORS\n"
        "assert not any(m == 'llmops_audit.inputs.definitions' for m in sys.modules)\n"
    )
    assert seen == {"opened": [], "loaders": []}


def test_the_harness_sees_a_yaml_read() -> None:
    """The check above would fail if a registry read a level file (or any YAML) while being imported."""
    seen = _run_harness(
        "import llmops_audit.probes\n"
        "from pathlib import Path\n"
        "from llmops_audit.inputs.files import load_yaml\n"
        "load_yaml(Path('levels/level-1.yaml'), 'level file')\n"
    )
    assert seen["opened"] and seen["opened"][0].endswith("levels/level-1.yaml")
    assert seen["loaders"]
    seen = _run_harness("import yaml\nyaml.safe_load('a: 1')\n")
    assert seen["loaders"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


FRESH_IMPORTS = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "llmops_audit" or m.startswith("llmops_audit.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc().splitlines()[-1])
print("\\n".join(failed))
"""


def test_each_module_imports_first() -> None:
    """Each module, imported before any other of the package (a fresh package per module, in one interpreter)
    succeeds. llmops_audit.__main__ is left out: importing it runs the CLI."""
    modules = sorted(m for m in MODULES if m != "llmops_audit.__main__")
    r = subprocess.run(
        [sys.executable, "-c", FRESH_IMPORTS, *modules], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"modules that fail when imported first:\n{r.stdout}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: not inside functions, not under `if TYPE_CHECKING`."""
    found: list[ast.Import | ast.ImportFrom] = []
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            found.append(stmt)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(stmt, ast.If):
            if not _is_type_checking(stmt.test):
                found += _module_level_imports(stmt.body)
            found += _module_level_imports(stmt.orelse)
        elif isinstance(stmt, ast.ClassDef | ast.With):
            found += _module_level_imports(stmt.body)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody):
                found += _module_level_imports(block)
    return found


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """Module -> the llmops_audit modules its import runs (a package's __init__ counts when it is not
    already being imported, i.e. not one of the importer's own parent packages)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        is_package = path.name == "__init__.py"
        package = module if is_package else module.rpartition(".")[0]
        for stmt in _module_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            targets: list[str] = []
            if isinstance(stmt, ast.Import):
                targets = [a.name for a in stmt.names]
            else:
                base = stmt.module or ""
                if stmt.level:
                    anchor = package.split(".")[: len(package.split(".")) - (stmt.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for a in stmt.names:
                    sub = f"{base}.{a.name}"
                    targets.append(sub if sub in MODULES else base)
            for target in targets:
                if target not in MODULES:
                    continue  # not ours
                own = {module, *_ancestors(module)}
                for t in (*_ancestors(target), target):
                    if t in MODULES and t not in own:
                        graph[module].add(t)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return [*stack[stack.index(n) :], n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_module_level_import_graph_is_acyclic() -> None:
    graph = import_graph()
    # the graph is real: the registries import their modules, metrics.base the shared Param
    assert "llmops_audit.probes.agents" in graph["llmops_audit.probes"]
    assert "llmops_audit.probes.params" in graph["llmops_audit.metrics.base"]
    assert "llmops_audit.probes" in graph["llmops_audit.metrics.base"]
    assert "llmops_audit.probes" not in graph["llmops_audit.probes.agents"]  # its own package
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
