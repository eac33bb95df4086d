"""The log panel: worker output, protocol problems and errors, newest last."""

from __future__ import annotations

import time

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 5000


class LogPanel(QPlainTextEdit):
    """Read-only, bounded log; each line prefixed with the time and its source."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setFont(QFont("monospace", 9))

    def add(self, source: str, line: str) -> None:
        """Append a line."""
        self.appendPlainText(f"{time.strftime('%H:%M:%S')} [{source}] {line}")
