"""Where the app keeps its settings, and the window's geometry and dock layout kept between sessions."""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

SETTINGS_VERSION = 2  # 2: the runs table moved under the motion library


def app_settings() -> QSettings:
    """Where the window layout is kept (AMP_STUDIO_SETTINGS names an ini file instead, e.g. for tests)."""
    path = os.environ.get("AMP_STUDIO_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("AMPStudio", "AMP Studio")


def restore_layout(window: QMainWindow) -> QByteArray:
    """Window geometry and dock layout from the last session; returns the default layout (as built) for
    reset_layout."""
    s = app_settings()
    default_state = window.saveState(SETTINGS_VERSION)
    geometry, state = s.value("geometry"), s.value("state")
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state, SETTINGS_VERSION)
    return default_state


def save_layout(window: QMainWindow) -> None:
    """Keep geometry and dock layout for the next session."""
    s = app_settings()
    s.setValue("geometry", window.saveGeometry())
    s.setValue("state", window.saveState(SETTINGS_VERSION))
    s.sync()


def reset_layout(window: QMainWindow, default_state: QByteArray) -> None:
    """Back to the default dock layout."""
    window.restoreState(default_state, SETTINGS_VERSION)


def saved_character() -> str | None:
    """The character chosen in the last session, if its file is still there."""
    value = app_settings().value("character")
    return value if isinstance(value, str) and value and os.path.isfile(value) else None


def save_character(char_file: str) -> None:
    """Keep the chosen character for the next session (at once: a crash should not lose the choice)."""
    s = app_settings()
    s.setValue("character", str(char_file))
    s.sync()
