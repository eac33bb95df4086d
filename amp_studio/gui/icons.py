"""The app's icon and its actions' icons, from the packaged resources."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from amp_studio.desktop_integration import APP_ID, ICON_SIZES, resource_path


def app_icon() -> QIcon:
    """Every rendered size, so that a title bar (16) and a task switcher (256) each get a crisp one."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resource_path("icons", f"{APP_ID}-{size}.png")), QSize(size, size))
    return icon


def action_icon(name: str) -> QIcon:
    """The icon of a main action (resources/icons/actions/NAME.svg)."""
    return QIcon(str(resource_path("icons", "actions", f"{name}.svg")))


def style_sheet() -> str:
    """The app's style sheet."""
    return resource_path("style.qss").read_text(encoding="utf-8")
