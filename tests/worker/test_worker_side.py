"""The worker side (everything `python -m amp_studio.worker` can import) runs under another interpreter: Isaac Gym's
Python 3.8. It imports no GUI module and keeps to Python 3.8's syntax and standard library (checked with vermin)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRY = ("amp_studio.worker.__main__",)
GUI_PACKAGES = {"PySide6", "shiboken6", "pyqtgraph"}
# What the worker side may import besides the standard library: each has releases for Python 3.8 (README,
# "Isaac Gym workers"), except the mujoco_warp engine's, imported only when that engine runs (Python 3.10+).
THIRD_PARTY = {"numpy", "yaml", "mujoco", "torch", "isaacgym", "mujoco_warp", "warp"}


def _module_file(name: str) -> Path | None:
    path = REPO.joinpath(*name.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


def _imports(path: Path, module: str) -> set[str]:
    """Every module an import statement of the file names, at any depth (imports inside functions count: a
    worker may reach them)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from package import module`
    return found


def worker_side() -> tuple[dict[str, Path], set[str]]:
    """The project's modules the worker can import (name -> file) and the other top-level modules they import."""
    modules: dict[str, Path] = {}
    others: set[str] = set()
    todo = list(ENTRY)
    while todo:
        name = todo.pop()
        if name in modules:
            continue
        path = _module_file(name)
        if path is None:  # a name imported from a module, not a module
            continue
        modules[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # importing a module runs its packages
        for imported in _imports(path, name):
            if imported.split(".")[0] == "amp_studio":
                todo.append(imported)
            else:
                others.add(imported.split(".")[0])
    return modules, others


def test_the_worker_side_is_found():
    modules, _ = worker_side()
    # The graph reaches what a training and a replay worker run.
    for name in ("amp_studio.worker.worker_main", "amp_studio.runs.runner", "amp_studio.learning.amp_agent",
                 "amp_studio.envs.location_env", "amp_studio.engines.mujoco_engine",
                 "amp_studio.engines.isaac_gym_engine", "amp_studio.motion.motion_library"):
        assert name in modules


def test_the_worker_side_imports_no_gui_module():
    modules, others = worker_side()
    assert not [m for m in modules if m.startswith("amp_studio.gui")]
    assert not others & GUI_PACKAGES
    assert "amp_studio.cli" not in modules  # the CLI starts the app; the workers parse arguments without it


def test_the_worker_side_imports_only_what_python_38_has():
    _, others = worker_side()
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    assert others - stdlib <= THIRD_PARTY, sorted(others - stdlib - THIRD_PARTY)


def test_the_worker_side_keeps_to_python_38():
    pytest.importorskip("vermin", reason="vermin is in the dev extras: pip install -e '.[dev]'")
    files = sorted(str(p) for p in worker_side()[0].values())
    # Annotations are postponed (`from __future__ import annotations` in every file), so `list[int]` and `X | None`
    # in them never run; vermin's default does not count them. Every other use of a newer feature does.
    vermin = Path(sys.executable).with_name("vermin")  # its console script: the package has no __main__
    result = subprocess.run([str(vermin), "-t=3.8-", "--violations", "--no-tips", *files],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def _annotated(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign) or (isinstance(node, ast.arg) and node.annotation is not None):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            return True
    return False


def test_every_annotated_worker_side_file_postpones_annotations():
    missing = [str(p.relative_to(REPO)) for p in worker_side()[0].values()
               if _annotated(p) and "from __future__ import annotations" not in p.read_text(encoding="utf-8")]
    assert not missing, missing


def _evaluated(tree: ast.AST):
    """The nodes of a module that run (annotations, postponed, do not)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign):
            skipped.add(id(node.annotation))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                skipped.add(id(node.returns))
            arguments = node.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg,
                        arguments.kwarg):
                if arg is not None and arg.annotation is not None:
                    skipped.add(id(arg.annotation))
    todo = [tree]
    while todo:
        node = todo.pop()
        if id(node) not in skipped:
            yield node
            todo.extend(ast.iter_child_nodes(node))


def _a_type(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _a_type(node.left) and _a_type(node.right)
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.Subscript):
        return _a_type(node.value)
    return isinstance(node, ast.Name) and (node.id[:1].isupper() or node.id in BUILTIN_TYPES)


BUILTIN_TYPES = {"int", "float", "str", "bytes", "bool", "list", "dict", "tuple", "set", "frozenset", "type", "object"}


def test_no_new_type_syntax_runs_on_the_worker_side():
    """`X | Y` of types and `list[int]` outside annotations run at import on Python 3.8 and fail there (vermin
    cannot tell a union of types from an or of numbers)."""
    found = []
    for path in worker_side()[0].values():
        for node in _evaluated(ast.parse(path.read_text(encoding="utf-8"))):
            union = isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and _a_type(node)
            generic = (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                       and node.value.id in BUILTIN_TYPES)
            if union or generic:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, found
