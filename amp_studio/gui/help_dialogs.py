"""The Help menu's windows (keyboard shortcuts, About) and the worker Pythons dialog: all non-modal, so training
and the event loop go on while they are open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenuBar, QMessageBox, QWidget

from amp_studio.engine_availability import KNOWN_ENGINES
from amp_studio.gui.icons import app_icon
from amp_studio.gui.window_settings import app_settings
from amp_studio.gui.worker_pythons import WorkerPythons, WorkerPythonsDialog


def shortcut_table(menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, action, shortcut) for every menu action that has a shortcut, in menu order."""
    rows = []
    for menu_action in menu_bar.actions():
        menu = menu_action.menu()
        for a in menu.actions() if menu is not None else []:
            keys = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if a.text() and keys:
                rows.append((menu_action.text().replace("&", ""), a.text().replace("&", ""), keys))
    return rows


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str, str]]) -> QMessageBox:
    """A window listing the keyboard shortcuts (rows read from the menus, so it never goes stale)."""
    lines = "".join(f"<tr><td>{m}</td><td>{a}</td><td><b>{k}</b></td></tr>" for m, a, k in rows)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                      f"<table cellspacing='6'>{lines}</table>", QMessageBox.StandardButton.Close, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setModal(False)
    box.show()
    return box


def about_text(worker_pythons: WorkerPythons) -> str:
    """Version, engines available here and why not the others, and where the settings are kept."""
    from amp_studio import __version__

    engines = "".join(f"<li>{name}: {worker_pythons.describe(name)}</li>" for name in KNOWN_ENGINES)
    return (f"<h3>AMP Studio {__version__}</h3>"
            "<p>Physics-based character controllers with Adversarial Motion Priors (Peng et al. 2021), "
            "trained on this machine.</p>"
            f"<p>Engines:</p><ul>{engines}</ul>"
            f"<p>Settings file: {app_settings().fileName()}</p>")


def show_about(parent: QWidget, text: str) -> QMessageBox:
    """The About box (no links: everything it says is about this installation)."""
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About AMP Studio", text, QMessageBox.StandardButton.Close, parent)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setModal(False)
    box.show()
    return box


def show_worker_pythons(worker_pythons: WorkerPythons, parent: QWidget) -> WorkerPythonsDialog:
    """The dialog choosing each engine's worker Python (checks finish while it is open)."""
    dialog = WorkerPythonsDialog(worker_pythons, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
