"""The architecture, checked from the imports (every import statement, in functions and under TYPE_CHECKING too):
no import circle; no module imports a layer above its own; nothing served (the app, `demo.py`, the public API)
imports `bench/` or `synth/`, however indirectly."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "digitpad"

# lowest first: a module may import its own layer and those below it, never one above
LAYERS = [
    {"digitpad.synth"},  # synthetic handwriting: numpy, PIL, scikit-image and hershey-fonts only
    {
        "digitpad.mnist_format",
        "digitpad.model",
        "digitpad.checkpoint",
        "digitpad.scratch",
        "digitpad.home",
        "digitpad.config",
    },
    {"digitpad.ink"},
    {"digitpad.read"},
    {"digitpad.training"},
    {"digitpad.gan"},
    {"digitpad.teach"},
    {"digitpad.app"},
    {"digitpad.bench"},
    {"digitpad", "digitpad.cli", "digitpad.__main__"},  # the public API and the command line
]
SERVED_ROOTS = ["demo", "digitpad", "digitpad.app"]
NEVER_SERVED = ("digitpad.bench", "digitpad.synth")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules["demo"] = ROOT / "demo.py"
    return modules


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The digitpad modules `path` imports (`from digitpad.x import y` names y when y is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module for a in node.names
            ]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def layer(module: str) -> int:
    best = None
    for k, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (module.startswith(prefix + ".") and prefix != "digitpad"):
                best = k
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def test_every_module_has_a_layer():
    for module in graph():
        if module != "demo":
            layer(module)


def test_no_import_circle():
    edges = graph()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for other in sorted(edges[module]):
            if state.get(other) == "open":
                raise AssertionError("import circle: " + " -> ".join([*path[path.index(other) :], other]))
            if other not in state:
                visit(other, [*path, other])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_no_module_imports_a_layer_above_its_own():
    wrong = [
        f"{module} (layer {layer(module)}) imports {other} (layer {layer(other)})"
        for module, others in graph().items()
        if module != "demo"
        for other in others
        if layer(other) > layer(module)
    ]
    assert not wrong, "\n".join(wrong)


def test_nothing_served_imports_bench_or_synth():
    edges = graph()
    served, todo = set(), list(SERVED_ROOTS)
    while todo:
        module = todo.pop()
        if module not in served:
            served.add(module)
            todo += edges[module]
    assert "digitpad.read.classifier" in served and "digitpad.app.draw" in served  # the walk reached them
    leaks = sorted(m for m in served if m.startswith(NEVER_SERVED))
    assert not leaks, f"served code reaches {leaks}"


def test_the_package_loads_its_modules_when_a_name_is_first_used():
    """`import digitpad` (and so `python -m digitpad --help`) loads none of its modules, PyTorch with them;
    each public name is there on first use."""
    import subprocess
    import sys

    script = (
        "import sys, digitpad; assert not [m for m in sys.modules if m.startswith('digitpad.')]; "
        "assert 'torch' not in sys.modules; "
        "assert all(getattr(digitpad, name) for name in digitpad.__all__); print(digitpad.Classifier.__module__)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "digitpad.read.classifier", result.stderr


def test_the_apps_light_modules_load_neither_gradio_nor_torch():
    """`digitpad.app` loads its Blocks on first use of `build_demo`: the tests' `Server` and the benchmark's attacker
    processes (spawned once per attack) start without Gradio and PyTorch, and `build_demo` is still there."""
    import subprocess
    import sys

    script = (
        "import sys, digitpad.app.served, digitpad.bench.attacks; "
        "print(sorted({'torch', 'gradio', 'digitpad.app.blocks'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr[-2000:]
    from digitpad.app import build_demo  # here, where Gradio is loaded already: the name is found on first use

    assert build_demo.__module__ == "digitpad.app.blocks"


def test_every_name_imported_from_digitpad_is_there():
    """Each `from digitpad.x import y`, in functions too (which run only on some paths: a benchmark row, a CLI
    command), names something module x has: a stale import fails here, not in the middle of a long run."""
    import importlib

    missing = []
    for name, path in all_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("digitpad"):
                module = importlib.import_module(node.module)
                missing += [
                    f"{name}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if not hasattr(module, alias.name) and f"{node.module}.{alias.name}" not in all_modules()
                ]
    assert not missing, missing
