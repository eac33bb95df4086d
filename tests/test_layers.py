"""Imports point down only: nothing below amp_studio.gui imports Qt or pyqtgraph (DESIGN section 1)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "amp_studio"
GUI_ONLY = ("PySide6", "pyqtgraph", "shiboken6")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_qt_below_the_gui():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        for name in _imported_modules(path):
            if name.split(".")[0] in GUI_ONLY:
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert not offenders, offenders
